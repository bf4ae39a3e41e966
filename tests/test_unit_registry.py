"""The unit registry is the one list of unit types: everything else is derived from it, and every
registered type has its docs section, its JSON Schema entry and a hand-solved test."""

from __future__ import annotations

import inspect
import re
import typing
from pathlib import Path

import conftest
import pytest

from dhopt.docs import scenario_json_schema, scenario_markdown, sections
from dhopt.scenario import Scenario
from dhopt.schema import StrictModel
from dhopt.schema_tree import union_tags
from dhopt.units import REGISTRY, UNIT_TYPES, Unit

TESTS = Path(__file__).resolve().parent
HAND_SOLVED = (
    "test_hand_solved.py",
    "test_prosumers.py",
    "test_valid_bounds.py",
    "test_portfolio.py",
    "test_solar_thermal.py",
    "test_pit_storage.py",
)
NAMES = [t.name for t in REGISTRY]


def test_names_are_unique_and_match_the_derived_tables():
    assert len(set(NAMES)) == len(NAMES)
    assert list(UNIT_TYPES) == NAMES
    members = typing.get_args(typing.get_args(Unit)[0])
    assert [m for m in members] == [t.schema for t in REGISTRY]


def helper_types() -> dict[str, str]:
    """conftest's unit helpers (heat_pump(), boiler(), …) and the type each one makes."""
    out = {}
    for name, fn in inspect.getmembers(conftest, inspect.isfunction):
        if inspect.signature(fn).parameters and all(
            p.kind is p.VAR_KEYWORD for p in inspect.signature(fn).parameters.values()
        ):
            made = fn()
            if isinstance(made, dict) and "type" in made:
                out[name] = made["type"]
    return out


@pytest.mark.parametrize("unit_type", REGISTRY, ids=NAMES)
def test_every_unit_type_is_documented_validated_and_hand_solved(unit_type):
    name, schema = unit_type.name, unit_type.schema
    assert issubclass(schema, StrictModel)  # unknown keys are errors
    assert callable(unit_type.prepare)
    # docs/scenario.md: its own section, and the type named in the list of types
    assert schema in sections()
    markdown = scenario_markdown()
    assert f"## {schema.__name__}\n" in markdown
    assert f"`{name}`" in markdown.split("## Worked example")[0]
    assert (TESTS.parent / "docs" / "scenario.md").read_text(encoding="utf-8") == markdown
    # the JSON Schema for editors
    defs = scenario_json_schema()["$defs"]
    assert schema.__name__ in defs
    assert defs[schema.__name__]["properties"]["type"]["const"] == name
    # error locations leave the type's tag out
    assert name in union_tags(Scenario)
    # a hand-solved test builds a scenario with it (literally, or through a conftest helper)
    helpers = [h for h, t in helper_types().items() if t == name]
    pattern = re.compile(rf"[\"']type[\"']\s*:\s*[\"']{name}[\"']" + "".join(rf"|\b{h}\(" for h in helpers))
    assert any(pattern.search((TESTS / f).read_text(encoding="utf-8")) for f in HAND_SOLVED), name


def test_an_error_inside_a_unit_names_the_field_without_the_tag(tmp_path):
    """pydantic puts the union's tag into the location (units.u.heat_pump.cop…); the message must
    not, for every registered type."""
    from dhopt.errors import ScenarioError
    from dhopt.scenario import load_scenario

    for unit_type in REGISTRY:
        sc = conftest.base_scenario(24)
        sc["units"]["u"] = {"type": unit_type.name, "no_such_field": 1}
        path = tmp_path / f"{unit_type.name}.yaml"
        path.write_text(__import__("yaml").safe_dump(sc))
        with pytest.raises(ScenarioError) as err:
            load_scenario(path)
        assert "units.u." in str(err.value), str(err.value)
        assert f"units.u.{unit_type.name}." not in str(err.value)
