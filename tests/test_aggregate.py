"""Typical-day screening mode (dhopt.aggregate): exact where it must be, close where it may be,
and never silent."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE, ROOT, base_scenario, boiler, heat_pump
from typer.testing import CliRunner

from dhopt.aggregate import aggregate_inputs
from dhopt.cli import app
from dhopt.errors import ScenarioError
from dhopt.inputs import prepare_inputs
from dhopt.run import run_scenario
from dhopt.scenario import load_scenario
from dhopt.solve import SolveOptions

EXACT = SolveOptions(mip_gap=1e-9)


def repeating_days_case(writer, days: int = 5) -> dict:
    """Every day the same demand and price profile, a storage to shift heat within the day."""
    hours = np.arange(24 * days) % 24
    demand = 10 + 5 * np.sin(hours / 24 * 2 * np.pi)
    price = np.where((hours >= 8) & (hours < 20), 120.0, 30.0)
    data = writer.csv("d.csv", demand=demand.tolist(), price=price.tolist())
    sc = base_scenario(
        24 * days, demand={"file": data, "column": "demand"}, price={"file": data, "column": "price"}
    )
    sc["units"]["hp"] = heat_pump()
    sc["units"]["eb"] = boiler()
    sc["units"]["tank"] = {
        "type": "storage",
        # Without standing loss the linked typical-day storage is exact (with it, its bounds ignore
        # the loss of the start-of-day level within the day: a few MWh at most, see storage.py).
        "loss_per_hour": 0.0,
        "investment": {"fixed_eur": 10_000.0, "per_m3_eur": 50.0, "lifetime_years": 20},
    }
    return sc


def test_identical_days_give_the_exact_optimum(writer):
    """With every day alike, one typical day (+ the peak day, also alike) is no approximation:
    the same capacities and LCOE as the hourly model, storage linked across days included."""
    path = writer.yaml(repeating_days_case(writer))
    exact = run_scenario(path, options=EXACT)
    typical = run_scenario(path, options=EXACT, typical_days=1)
    assert typical.inputs.hours <= 48
    assert typical.inputs.weights.sum() == pytest.approx(8760)
    a = typical.results.capacities.set_index("unit")
    e = exact.results.capacities.set_index("unit")
    for unit in ("hp", "eb"):
        assert a.loc[unit, "capacity_mw"] == pytest.approx(e.loc[unit, "capacity_mw"], abs=1e-6)
    assert a.loc["tank", "capacity_mwh"] == pytest.approx(e.loc["tank", "capacity_mwh"], rel=1e-6)
    assert e.loc["tank", "capacity_mwh"] > 1  # the storage is used, so its linking is exercised
    ka, ke = typical.results.kpis.set_index("unit"), exact.results.kpis.set_index("unit")
    for col in ("lcoe_eur_per_mwh", "heat_mwh", "electricity_mwh"):
        assert ka.loc["system", col] == pytest.approx(ke.loc["system", col], rel=1e-7)


def test_reference_typical_days_are_within_one_percent_of_the_full_year():
    """12 typical days of the reference year against the stored exact full-year LCOE (benchmarks/)."""
    stored = json.loads((ROOT / "benchmarks" / "reference_results.json").read_text())["results"]["8760"]
    out = run_scenario(REFERENCE, typical_days=12)
    lcoe = out.results.kpis.set_index("unit").loc["system", "lcoe_eur_per_mwh"]
    assert lcoe == pytest.approx(stored["lcoe_eur_per_mwh"], rel=0.01)
    assert out.results.kpis.set_index("unit").loc["system", "heat_mwh"] == pytest.approx(100_000, rel=1e-6)
    # The peak hour is kept: the capacities still cover the true peak demand.
    caps = out.results.capacities.set_index("unit")["capacity_mw"].fillna(0).sum()
    full = prepare_inputs(load_scenario(REFERENCE), None)
    assert out.inputs.demand_mw.max() == pytest.approx(full.demand_mw.max())
    assert caps > 0.5 * full.demand_mw.max()


def test_aggregation_keeps_energy_and_peak_and_links_every_day():
    full = prepare_inputs(load_scenario(REFERENCE), None)
    agg = aggregate_inputs(full, 8)
    p = agg.periods
    assert p is not None and len(p.order) == 365 and p.counts.sum() == 365
    assert agg.hours == 24 * len(p.counts)
    assert float(agg.weights @ agg.demand_mw) == pytest.approx(full.demand_mw.sum(), rel=1e-6)
    assert agg.demand_mw.max() == pytest.approx(full.demand_mw.max())
    for a, f in zip(agg.converters, full.converters, strict=True):
        assert a.cop.shape == (agg.hours,) and a.cop.min() >= f.cop.min() - 1e-9


def test_horizon_of_part_days_is_refused(writer):
    sc = base_scenario(30)
    sc["units"]["hp"] = heat_pump()
    inputs = prepare_inputs(load_scenario(writer.yaml(sc)), None)
    with pytest.raises(ScenarioError, match="whole days"):
        aggregate_inputs(inputs, 1)


def test_cli_says_it_is_approximate_and_checks_against_every_hour(writer, tmp_path):
    path = writer.yaml(repeating_days_case(writer))
    out = tmp_path / "res"
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "solve",
            str(path),
            "--out",
            str(out),
            "--typical-days",
            "2",
            "--check-exact",
            "--no-plots",
            "--no-report",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "approximate" in res.output
    info = json.loads((out / "run.json").read_text())
    assert info["aggregation"]["approximate"] is True and info["hours"] == 120
    assert "approximation" in pd.read_csv(out / "kpis.csv").columns
    check = pd.read_csv(out / "aggregation_check.csv").set_index("quantity")
    assert check.loc["LCOE €/MWh", "difference_pct"] == pytest.approx(0.0, abs=1e-4)
    dispatch = pd.read_parquet(out / "dispatch.parquet")
    assert {"typical_period", "weight_h"} <= set(dispatch.columns)
    # Plots of a typical-day folder: load-duration curves over the hours of the year they stand for.
    from dhopt.plots import plot_folder

    names = {p.name for p in plot_folder(out)}
    assert {"load_duration.png", "dispatch_period.png"} <= names
    # --check-exact alone is a usage error, one line, no traceback.
    res = runner.invoke(app, ["solve", str(path), "--out", str(out), "--check-exact"])
    assert res.exit_code == 2 and "Traceback" not in res.output


def test_constant_series_give_one_exact_day(writer, caplog):
    """Every hourly series constant: every day is alike; no traceback, one day for all of them."""
    sc = base_scenario(24 * 5, demand=10.0, price=50.0)
    sc["units"]["eb"] = boiler()
    sc["units"]["tank"] = {"type": "storage", "investment": {"per_m3_eur": 50.0, "lifetime_years": 20}}
    path = writer.yaml(sc)
    inputs = prepare_inputs(load_scenario(path), None)
    with caplog.at_level("WARNING"):
        agg = aggregate_inputs(inputs, 2)
    assert agg.hours == 24 and agg.periods is not None and list(agg.periods.counts) == [5.0]
    assert agg.weights.sum() == pytest.approx(8760)
    assert any("every hourly series is constant" in r.getMessage() for r in caplog.records)
    exact = run_scenario(path, options=EXACT)
    typical = run_scenario(path, options=EXACT, typical_days=2)
    lcoe = lambda o: o.results.kpis.set_index("unit").loc["system", "lcoe_eur_per_mwh"]  # noqa: E731
    assert lcoe(typical) == pytest.approx(lcoe(exact), rel=1e-9)
    res = CliRunner().invoke(app, ["solve", str(path), "--typical-days", "2", "--no-plots", "--no-report"])
    assert res.exit_code == 0 and "Traceback" not in res.output, res.output


@pytest.mark.parametrize(
    ("hours", "n", "needle"),
    [(120, 5, "expected 1 to 4"), (120, 9, "expected 1 to 4"), (24, 1, "at least 2")],
)
def test_too_many_typical_days_is_a_clear_error(writer, hours, n, needle):
    sc = base_scenario(hours)
    sc["units"]["eb"] = boiler()
    path = writer.yaml(sc)
    with pytest.raises(ScenarioError, match=needle) as err:
        aggregate_inputs(prepare_inputs(load_scenario(path), None), n)
    assert str(err.value).startswith(f"{path}: --typical-days")


def test_zero_demand_aggregates(writer):
    """All-zero demand with a varying price: the price is clustered, no peak day to keep."""
    price = 40 + 20 * np.sin(np.arange(24 * 6) / 24 * 2 * np.pi) + np.repeat(np.arange(6), 24)
    data = writer.csv("p.csv", price=price.tolist())
    sc = base_scenario(24 * 6, demand=0.0, price={"file": data, "column": "price"})
    sc["units"]["eb"] = boiler()
    agg = aggregate_inputs(prepare_inputs(load_scenario(writer.yaml(sc)), None), 2)
    assert agg.periods is not None and agg.periods.counts.sum() == 6 and not agg.demand_mw.any()
    const = base_scenario(24 * 6, demand=0.0)
    const["units"]["hp"] = heat_pump()
    const["units"]["tank"] = {"type": "storage", "investment": {"lifetime_years": 20}}
    agg = aggregate_inputs(prepare_inputs(load_scenario(writer.yaml(const, "c.yaml")), None), 2)
    assert agg.hours == 24 and not agg.demand_mw.any()
