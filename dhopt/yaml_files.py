"""Reading YAML files: safe loading only, a repeated key is an error, one-line messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from dhopt.errors import ScenarioError


class DuplicateKeyError(yaml.MarkedYAMLError):
    """A mapping with the same key twice (plain YAML keeps the last one without a word)."""


# libyaml's parser where PyYAML has it (ten times faster); both construct with the safe constructor.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class UniqueKeyLoader(_SafeLoader):
    """YAML's safe loader, but a repeated key in a mapping is an error, not an overwrite."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # `<<: *base`: keys given here override the merged ones, as meant
                key = self.construct_object(key_node, deep=True)
                try:
                    repeated = key in seen
                    seen.add(key)
                except TypeError:
                    continue  # an unhashable key: the safe loader reports it itself
                if repeated:
                    mark = key_node.start_mark
                    raise DuplicateKeyError(problem=f"duplicate key {key!r}", problem_mark=mark)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> dict[str, Any]:
    """The mapping in YAML file `path` (safe loading, no repeated keys); ScenarioError otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from None
    try:
        data = yaml.load(text, Loader=UniqueKeyLoader)  # a SafeLoader: safe loading
    except DuplicateKeyError as exc:
        mark = exc.problem_mark
        raise ScenarioError(f"{path}:{mark.line + 1}:{mark.column + 1}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(f"{path}{at}: YAML syntax error: {problem}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: expected a mapping of scenario fields, found {type(data).__name__}")
    return data
