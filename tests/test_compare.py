"""`dhopt compare`: capacities, system figures and the inputs that differ, from the folders' files."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import base_scenario, boiler, heat_pump
from typer.testing import CliRunner

from dhopt.cli import app

runner = CliRunner()


def _solve(writer, tmp_path, name, demand_file="d.csv", demand=(8.0, 12.0), sets=()):
    sc = base_scenario(24, demand={"file": writer.csv(demand_file, d=list(demand) * 12), "column": "d"})
    sc["units"] = {"hp": heat_pump(capacity_max_mw=6.0), "eb": boiler()}
    path = writer.yaml(sc, f"{name}.yaml")
    args = ["solve", str(path), "--out", str(tmp_path / name), "--no-plots", "--no-report", "-q"]
    for item in sets:
        args += ["--set", item]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return tmp_path / name


def test_compare_gives_the_differences_and_exactly_the_changed_inputs(writer, tmp_path):
    base = _solve(writer, tmp_path, "base")
    # The same demand under another file name, and a smaller heat-pump limit
    other = _solve(writer, tmp_path, "other", demand_file="copy.csv", sets=["units.hp.capacity_max_mw=4"])
    out = tmp_path / "cmp"
    result = runner.invoke(app, ["compare", str(base), str(other), "--out", str(out)])
    assert result.exit_code == 0, result.output
    caps = pd.read_csv(out / "other_capacities.csv").set_index("unit")
    assert (caps.loc["hp", "base"], caps.loc["hp", "other"], caps.loc["hp", "difference"]) == pytest.approx(
        (6.0, 4.0, -2.0)
    )
    assert caps.loc["eb", "difference"] == pytest.approx(2.0)  # the boiler takes the peak the HP gives up
    inputs = pd.read_csv(out / "other_inputs.csv")
    assert list(inputs["key"]) == ["units.hp.capacity_max_mw"]  # the renamed file has the same content
    system = pd.read_csv(out / "other_system.csv").set_index("figure")
    kb = pd.read_csv(base / "kpis.csv").set_index("unit").loc["system"]
    ko = pd.read_csv(other / "kpis.csv").set_index("unit").loc["system"]
    assert system.loc["LCOE €/MWh", "difference"] == pytest.approx(
        ko["lcoe_eur_per_mwh"] - kb["lcoe_eur_per_mwh"]
    )
    assert system.loc["LCOE €/MWh", "difference"] > 0  # a tighter limit never makes heat cheaper


def test_a_changed_data_file_is_named(writer, tmp_path):
    base = _solve(writer, tmp_path, "base")
    other = _solve(writer, tmp_path, "other", demand_file="d2.csv", demand=(8.0, 11.0))
    result = runner.invoke(app, ["compare", str(base), str(other), "--out", str(tmp_path / "cmp")])
    assert result.exit_code == 0, result.output
    inputs = pd.read_csv(tmp_path / "cmp" / "other_inputs.csv")
    row = inputs.set_index("key").loc["demand.heat_mw.file"]
    assert row["note"] == "data file content differs"


def test_an_incomplete_folder_is_one_line(tmp_path):
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["compare", str(tmp_path / "empty"), str(tmp_path / "empty")])
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error:") and "no run.json" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_report_against_the_baseline_shows_the_differences(writer, tmp_path):
    base = _solve(writer, tmp_path, "base")
    other = _solve(writer, tmp_path, "other", sets=["units.hp.capacity_max_mw=4"])
    result = runner.invoke(app, ["compare", str(base), str(other), "--report"])
    assert result.exit_code == 0, result.output
    page = (other / "report.html").read_text()
    section = page[
        page.index('<section id="baseline">') : page.index("</section>", page.index('id="baseline"'))
    ]
    assert "Against the baseline" in section and "units.hp.capacity_max_mw" in section
    assert "<td>hp</td><td>heat_pump</td><td>MW</td>" in section  # the capacity table's row
    result = runner.invoke(app, ["report", str(base), "--baseline", str(base)])
    assert result.exit_code == 0, result.output
    assert "None: the same scenario and data." in (base / "report.html").read_text()
