"""The shipped reference scenario on a short horizon, through the command a user runs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE
from typer.testing import CliRunner

from dhopt.cli import app

HOURS = 720


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref")
    result = CliRunner().invoke(app, ["solve", str(REFERENCE), "--hours", str(HOURS), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_result_folder_is_complete(reference_run):
    out, output = reference_run
    for name in ("capacities.csv", "kpis.csv", "dispatch.parquet", "dispatch.csv", "run.json", "solver.log"):
        assert (out / name).stat().st_size > 0, name
    assert not list(out.glob(".*")), "temporary files left behind"
    info = json.loads((out / "run.json").read_text())
    assert info["status"] == "optimal" and info["feasible"]
    assert info["gap"] <= 1e-3
    assert info["hours"] == HOURS
    assert len(info["scenario_sha256"]) == 64
    assert info["versions"]["highspy"] >= "1.15"
    assert "HiGHS" in (out / "solver.log").read_text()
    for name in ("dispatch_year", "load_duration", "lcoe_breakdown"):
        assert (out / "plots" / f"{name}.png").stat().st_size > 1000, name
    assert "system" in output and "optimal" in output


def test_source_choice_matches_the_study(reference_run):
    """Groundwater at its 5 MW cap, no seawater (spec section 5)."""
    out, _ = reference_run
    caps = pd.read_csv(out / "capacities.csv").set_index("unit")
    assert caps.loc["groundwater", "capacity_mw"] == pytest.approx(5.0, abs=1e-6)
    assert caps.loc["seawater", "capacity_mw"] == 0.0
    assert caps.loc["sewage", "capacity_mw"] > 5.0


def test_dispatch_keeps_every_constraint(reference_run):
    out, _ = reference_run
    d = pd.read_parquet(out / "dispatch.parquet")
    caps = pd.read_csv(out / "capacities.csv").set_index("unit")
    assert len(d) == HOURS
    supply = sum(
        d[f"{u}_delivered_mw"] for u in ("groundwater", "sewage", "seawater", "air", "electric_boiler")
    )
    supply = supply + d["storage_discharge_mw"] - d["storage_charge_mw"]
    assert np.allclose(supply, d["demand_mw"], atol=1e-5)
    for u in ("groundwater", "sewage", "seawater", "air"):
        q = d[f"{u}_heat_mw"].to_numpy()
        assert np.all(q <= caps.loc[u, "capacity_mw"] + 1e-6)
        running = q > 1e-6
        assert np.all(q[running] >= 1.0 - 1e-6), f"{u} below its 1 MW minimum load"
    flow = pd.read_csv(REFERENCE.parent.parent / "data" / "nordhavn_reference_2018.csv")[
        "sewage_flow_m3_per_h"
    ]
    assert np.all(d["sewage_heat_mw"] <= 45 * flow.iloc[:HOURS].to_numpy() / 3035 + 1e-6)
    assert np.all(d["storage_level_mwh"] <= caps.loc["storage", "capacity_mwh"] + 1e-6)


def test_kpis_add_up(reference_run):
    out, _ = reference_run
    k = pd.read_csv(out / "kpis.csv").set_index("unit")
    system = k.loc["system"]
    demand = pd.read_parquet(out / "dispatch.parquet")["demand_mw"].sum()
    assert system["heat_mwh"] == pytest.approx(demand * 8760 / HOURS, rel=1e-12)
    parts = [c for c in k.columns if c.startswith("lcoe_") and c != "lcoe_eur_per_mwh"]
    assert system[parts].sum() == pytest.approx(system["lcoe_eur_per_mwh"], rel=1e-9)
    units = k.drop(index="system")
    assert units["cost_total_eur"].sum() == pytest.approx(system["cost_total_eur"], rel=1e-9)
    assert units["electricity_mwh"].sum() == pytest.approx(system["electricity_mwh"], rel=1e-9)
    info = json.loads((out / "run.json").read_text())
    assert system["cost_total_eur"] == pytest.approx(info["objective_eur_per_year"], rel=1e-6)
    assert 2.5 < system["scop"] < 4.5
    assert 20 < system["co2_kg_per_mwh"] < 100


def test_failed_rerun_leaves_no_completion_marker(reference_run, tmp_path, monkeypatch):
    """A second run into the same folder that fails in the solver must not leave the first run's
    run.json, so the folder cannot pass for a complete result."""
    import shutil

    import dhopt.run
    from dhopt.errors import SolverError

    out, _ = reference_run
    folder = tmp_path / "again"
    shutil.copytree(out, folder)
    assert (folder / "run.json").exists()

    def failing_solve(*args, **kwargs):
        raise SolverError("no usable solution (time_limit): simulated")

    monkeypatch.setattr(dhopt.run, "solve", failing_solve)
    result = CliRunner().invoke(app, ["solve", str(REFERENCE), "--hours", "24", "--out", str(folder)])
    assert result.exit_code == 2
    assert "simulated" in result.output
    assert not (folder / "run.json").exists()
