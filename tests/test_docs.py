"""The generated scenario reference stays in step with the schema; the JSON Schema is usable."""

from __future__ import annotations

import json

import yaml
from conftest import REFERENCE, ROOT
from typer.testing import CliRunner

from dhopt.cli import app
from dhopt.docs import EXAMPLE, scenario_markdown
from dhopt.scenario import Scenario


def test_docs_scenario_md_is_current():
    assert (ROOT / "docs" / "scenario.md").read_text() == scenario_markdown(), (
        "docs/scenario.md is stale: run `dhopt schema --markdown > docs/scenario.md`"
    )


def test_every_field_is_documented():
    text = scenario_markdown()
    for name in (
        "capacity_max_mw",
        "availability_mw",
        "lorenz_efficiency",
        "loss_per_hour",
        "adders_eur_per_mwh",
    ):
        assert f"`{name}`" in text


def test_worked_example_is_a_valid_scenario():
    Scenario.model_validate(yaml.safe_load(EXAMPLE))


def test_json_schema_command_and_reference_scenario():
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["additionalProperties"] is False
    assert "units" in schema["properties"]
    Scenario.model_validate(yaml.safe_load(REFERENCE.read_text()))
