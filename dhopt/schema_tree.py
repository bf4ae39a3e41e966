"""The tree of schema classes under a model: which classes it uses and the tags of its unions.

The docs' sections and the tags that error locations leave out are derived from this walk of the
scenario schema (and so from the unit registry), never kept by hand.
"""

from __future__ import annotations

import functools
import inspect
import types
import typing
from typing import Any

from pydantic import BaseModel, Tag
from pydantic.fields import FieldInfo


def _walk(tp: Any, models: list[type[BaseModel]], tags: set[str], discriminator: str | None = None) -> None:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        inner, *meta = typing.get_args(tp)
        for m in meta:
            if isinstance(m, Tag):
                tags.add(m.tag)
            if isinstance(m, FieldInfo) and isinstance(m.discriminator, str):
                discriminator = m.discriminator
        _walk(inner, models, tags, discriminator)
    elif origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            _walk(arg, models, tags, discriminator)
    elif origin in (dict, list, tuple, set):
        for arg in typing.get_args(tp):
            _walk(arg, models, tags)
    elif inspect.isclass(tp) and issubclass(tp, BaseModel):
        if discriminator is not None and discriminator in tp.model_fields:
            tags.update(str(a) for a in typing.get_args(tp.model_fields[discriminator].annotation))
        if tp in models:
            return
        models.append(tp)
        for field in tp.model_fields.values():
            annotation = field.annotation
            if field.metadata:
                annotation = typing.Annotated[(annotation, *field.metadata)]
            _walk(annotation, models, tags, _discriminator(field))


def _discriminator(field: FieldInfo) -> str | None:
    return field.discriminator if isinstance(field.discriminator, str) else None


def models_under(model: type[BaseModel], skip: frozenset[str] = frozenset()) -> list[type[BaseModel]]:
    """`model` and every schema class its fields use (but not those under the fields in `skip`),
    depth first, in the order of the fields."""
    models: list[type[BaseModel]] = [model]
    tags: set[str] = set()
    for name, field in model.model_fields.items():
        if name not in skip:
            _walk(field.annotation, models, tags, _discriminator(field))
    return models


@functools.cache
def union_tags(model: type[BaseModel]) -> frozenset[str]:
    """Every tag pydantic may put in an error's location for a union under `model`: the values of
    each discriminator field (unit types, COP models, …) and explicit `Tag`s (series)."""
    models: list[type[BaseModel]] = []
    tags: set[str] = set()
    _walk(model, models, tags)
    return frozenset(tags)
