"""A result folder reproduces its run: `--set` overrides are recorded in run.json, and the folder
keeps the scenario as solved (overrides applied) with copies of its data files."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import base_scenario, boiler, heat_pump
from typer.testing import CliRunner

from dhopt.cli import app

runner = CliRunner()


def _scenario(writer):
    sc = base_scenario(24, demand={"file": writer.csv("d.csv", d=[8.0, 12.0] * 12), "column": "d"})
    sc["units"] = {"hp": heat_pump(capacity_max_mw=6.0), "eb": boiler()}
    return writer.yaml(sc)


def test_set_overrides_are_applied_recorded_and_the_folder_reproduces_the_run(writer, tmp_path):
    path = _scenario(writer)
    out = tmp_path / "run"
    result = runner.invoke(
        app,
        [
            "solve",
            str(path),
            "--out",
            str(out),
            "--no-plots",
            "--no-report",
            "-q",
            "--set",
            "units.hp.capacity_max_mw=3",
        ],
    )
    assert result.exit_code == 0, result.output
    info = json.loads((out / "run.json").read_text())
    assert info["overrides"] == {"units.hp.capacity_max_mw": 3}
    assert info["scenario_copy"] == "scenario.yaml"
    copy = yaml.safe_load((out / "scenario.yaml").read_text())
    assert copy["units"]["hp"]["capacity_max_mw"] == 3
    assert copy["demand"]["heat_mw"]["file"] == "inputs/d.csv"
    assert (out / "inputs" / "d.csv").read_text() == (writer.folder / "d.csv").read_text()
    caps = (out / "capacities.csv").read_text()
    assert "hp,heat_pump,groundwater,3.0" in caps  # the override binds: the heat pump is cheaper
    # The folder alone: move the original away, solve the copy
    (writer.folder / "d.csv").unlink()
    again = tmp_path / "again"
    result = runner.invoke(
        app, ["solve", str(out / "scenario.yaml"), "--out", str(again), "--no-plots", "--no-report", "-q"]
    )
    assert result.exit_code == 0, result.output
    redo = json.loads((again / "run.json").read_text())
    assert redo["objective_eur_per_year"] == pytest.approx(info["objective_eur_per_year"], rel=1e-9)


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("units.hp.capacity_max_mw", "expected KEY=VALUE"),
        ("=3", "expected KEY=VALUE"),
        ("units.hp.capacity_max_mw=[1", "not valid YAML"),
        ("units.nope.capacity_max_mw=3", "no field 'units.nope'"),
        ("units.hp.capacity_max_mw=-3", "units.hp.capacity_max_mw"),
    ],
)
def test_a_bad_set_is_one_line(writer, item, message):
    result = runner.invoke(app, ["validate", str(_scenario(writer)), "--set", item])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], result.stderr
