"""Walk a pydantic schema over a valid instance: every field, what it holds and the values to try on it.

Used by the bad-input corpus (test_bad_input_corpus.py): the fields come from the models themselves, so
a new field is tried as soon as it exists.
"""

from __future__ import annotations

import copy
import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo


@dataclass(frozen=True)
class Leaf:
    """One field to try: where it is, what it holds and, for numbers, its bounds."""

    owner: str  # the model the field belongs to ("" for an item of a list or mapping)
    path: tuple[str | int, ...]
    kind: str  # "number", "integer", "bool", "str", "literal", "list", "container" (mapping or model)
    bounds: tuple[tuple[str, float], ...] = ()

    @property
    def dotted(self) -> str:
        return ".".join(str(p) for p in self.path)


def _unwrap(tp: Any) -> tuple[Any, list[Any]]:
    """The type under Annotated and Optional, with the metadata collected on the way."""
    meta: list[Any] = []
    while True:
        origin = typing.get_origin(tp)
        if origin is Annotated:
            tp, *extra = typing.get_args(tp)
            for m in extra:
                meta += m.metadata if isinstance(m, FieldInfo) else [m]
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) == 1:
                tp = args[0]
                continue
        return tp, meta


def _branches(tp: Any) -> list[tuple[Any, list[Any]]]:
    """The alternatives of a union (each unwrapped); a one-element list for anything else."""
    tp, meta = _unwrap(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return [_unwrap(a) for a in typing.get_args(tp) if a is not type(None)]
    return [(tp, meta)]


def _bounds(meta: list[Any]) -> tuple[tuple[str, float], ...]:
    out = []
    for m in meta:
        for name, cls in (("ge", annotated_types.Ge), ("gt", annotated_types.Gt)):
            if isinstance(m, cls):
                out.append((name, getattr(m, name)))
        for name, cls in (("le", annotated_types.Le), ("lt", annotated_types.Lt)):
            if isinstance(m, cls):
                out.append((name, getattr(m, name)))
    return tuple(out)


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _model_for(branches: list[tuple[Any, list[Any]]], data: Any) -> type[BaseModel] | None:
    """The branch of a union of models that `data` selects with its Literal tag (type, model, kind)."""
    if not isinstance(data, dict):
        return None
    for cls, _ in branches:
        if not _is_model(cls):
            continue
        for name, f in cls.model_fields.items():
            if typing.get_origin(f.annotation) is Literal and data.get(name) in typing.get_args(f.annotation):
                return cls
    models = [cls for cls, _ in branches if _is_model(cls)]
    if len(models) == 1:
        return models[0]
    # Untagged models (a file series or a temperature curve): the one that has every key of `data`
    fitting = [cls for cls in models if set(data) <= set(cls.model_fields)]
    return fitting[0] if len(fitting) == 1 else None


def every_field(root: type[BaseModel]) -> set[tuple[str, str]]:
    """(model, field) for every field of every model reachable from `root`, over all union branches."""
    found: set[tuple[str, str]] = set()
    todo, done = [root], set()
    while todo:
        cls = todo.pop()
        if cls in done:
            continue
        done.add(cls)
        for name, f in cls.model_fields.items():
            found.add((cls.__name__, name))
            tp, _ = _unwrap(f.annotation)
            if typing.get_origin(tp) in (dict, list):
                tp = typing.get_args(tp)[-1]
            todo += [b for b, _ in _branches(tp) if _is_model(b)]
    return found


def walk(cls: type[BaseModel], data: dict[str, Any], path: tuple[str | int, ...], seen: set[tuple[str, str]]):
    """Yield a Leaf for every field of model `cls` (given as `data`), recursing into the data."""
    for name, f in cls.model_fields.items():
        seen.add((cls.__name__, name))
        here = (*path, name)
        value = data.get(name)
        tp, meta = _unwrap(f.annotation)
        origin = typing.get_origin(tp)
        if origin is dict:
            yield Leaf(cls.__name__, here, "container")
            item_type = typing.get_args(tp)[1]
            for key, item in (value or {}).items():
                yield from _walk_value(item_type, item, (*here, key), seen)
            continue
        if origin is list:
            yield Leaf(cls.__name__, here, "list")
            item_type = typing.get_args(tp)[0]
            for i, item in enumerate(value or []):
                yield from _walk_value(item_type, item, (*here, i), seen)
            continue
        yield from _walk_value(f.annotation, value, here, seen, cls.__name__, meta + list(f.metadata))


def _walk_value(
    tp: Any,
    value: Any,
    path: tuple[str | int, ...],
    seen,
    owner: str = "",
    leaf_meta: list[Any] | None = None,
):
    branches = _branches(tp)
    models = [b for b, _ in branches if _is_model(b)]
    scalars = [(b, m) for b, m in branches if not _is_model(b)]
    if scalars:  # a number, a text, a flag or a tag (a series: a number, or a file read by SeriesFromFile)
        base, meta = scalars[0]
        meta = meta + (leaf_meta or [])
        if typing.get_origin(base) is Literal:
            yield Leaf(owner, path, "literal")
        elif base is bool:
            yield Leaf(owner, path, "bool")
        elif base is str:
            yield Leaf(owner, path, "str")
        elif base in (int, float):
            yield Leaf(owner, path, "integer" if base is int else "number", _bounds(meta))
        elif base is Any:  # a weather year's `set:` value: a value of the field it sets, tried there
            pass
        else:
            raise AssertionError(f"{path}: no corpus rule for {base!r}")
    elif models:
        yield Leaf(owner, path, "container")
    chosen = _model_for(branches, value)
    if chosen is not None and isinstance(value, dict):
        yield from walk(chosen, value, path, seen)


def leaves(root: type[BaseModel], data: dict[str, Any]) -> tuple[list[Leaf], set[tuple[str, str]]]:
    seen: set[tuple[str, str]] = set()
    found = list(walk(root, data, (), seen))
    return found, seen


# ---------------------------------------------------------------------------------------------
# What to try on each field, and what must happen.

NAN, INF = float("nan"), float("inf")


def _allowed(leaf: Leaf, value: float) -> bool:
    b = dict(leaf.bounds)
    return (
        value >= b.get("ge", -INF)
        and value > b.get("gt", -INF)
        and value <= b.get("le", INF)
        and value < b.get("lt", INF)
    )


def trials(leaf: Leaf) -> list[tuple[str, Any, bool]]:
    """(label, value, valid?) for one field."""
    wrong_types = [("a list", [1.0, 2.0], False), ("a boolean", True, False), ("NaN", NAN, False)]
    if leaf.kind == "container":
        return [*wrong_types, ("a number", 1.5, False)]
    if leaf.kind == "list":
        return [*wrong_types[1:], ("a number", 1.5, False), ("a mapping", {"x": 1}, False)]
    out = [
        *wrong_types,
        ("+inf", INF, False),
        ("-inf", -INF, False),
        ("a mapping", {"x": 1}, False),
        ("huge", 1e300, False),
        ("huge negative", -1e300, False),
    ]
    if leaf.kind in ("number", "integer"):
        negative = -1.0 if leaf.kind == "number" else -1
        out.append(("negative", negative, _allowed(leaf, negative)))
        assert leaf.bounds and any(k in dict(leaf.bounds) for k in ("le", "lt")), (
            f"{leaf.dotted}: a number without an upper bound"
        )
    else:
        out.append(("negative", -1, False))
    if leaf.kind == "bool":
        out = [t for t in out if t[0] != "a boolean"] + [("a boolean", False, True)]
    return out


def with_value(data: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out
