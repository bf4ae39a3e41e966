"""The capacity decomposition (dhopt.decomposition): a hand-solved optimum, the same optimum as the
model solved whole, and a start whose capacities cannot supply the demand."""

from __future__ import annotations

import pytest
from conftest import REFERENCE, base_scenario, crf, heat_pump

import dhopt.decomposition as decomposition
import dhopt.solve as solve_module
from dhopt.run import run_scenario
from dhopt.solve import SolveOptions

DAYS = 100  # 2,400 hours: long enough for the decomposition (dhopt.decomposition.MIN_HOURS)


def two_heat_pumps(writer) -> dict:
    """Each day: 20 MW in its first hour, 10 MW in the other 23, for 100 days (each hour stands for
    3.65 h of the year, so the year is 365 such days). 'efficient' (COP 5) carries a fixed cost of
    1 M€/a, 'plain' (COP 2.5) none, equal cost per MW, electricity 50 €/MWh. Building 'efficient'
    saves at most (50/2.5 − 50/5) = 10 €/MWh on all 365·250 = 91,250 MWh, 912.5 k€/a < 1 M€/a:
    the optimum is 20 MW of 'plain' alone, at
    crf·500,000·20 + 2,000·20 + 91,250·(50/2.5 + 2) €/a."""
    day = [20.0] + [10.0] * 23
    data = writer.csv("demand.csv", demand=day * DAYS)
    sc = base_scenario(24 * DAYS, demand={"file": data, "column": "demand"}, price=50.0)
    sc["units"]["efficient"] = heat_pump(
        cop={"model": "series", "cop": 5.0},
        investment={"fixed_eur": 1e6 / crf(0.04, 25), "per_mw_eur": 500_000.0, "lifetime_years": 25},
    )
    sc["units"]["plain"] = heat_pump(cop={"model": "series", "cop": 2.5})
    return sc


def test_the_decomposition_finds_the_hand_solved_optimum(writer, caplog):
    options = SolveOptions(mip_gap=1e-6)
    with caplog.at_level("INFO", logger="dhopt.solve"):
        out = run_scenario(writer.yaml(two_heat_pumps(writer)), options=options)
    assert any(r.message.startswith("decomposition:") for r in caplog.records)
    assert out.report.rounds[0].kind == "relaxation (decomposed)"
    caps = out.results.capacities.set_index("unit")["capacity_mw"]
    assert caps["efficient"] == pytest.approx(0.0, abs=1e-6)
    assert caps["plain"] == pytest.approx(20.0, rel=1e-6)
    heat = 365 * (20.0 + 23 * 10.0)
    cost = crf(0.04, 25) * 500_000 * 20 + 2000 * 20 + heat * (50 / 2.5 + 2.0)
    assert out.report.objective == pytest.approx(cost, rel=1e-6)
    assert out.report.status == "optimal"
    assert out.report.bound <= out.report.objective
    assert out.report.bound == pytest.approx(cost, rel=1e-6)


def test_a_start_that_cannot_supply_the_demand_still_ends_at_the_optimum(writer, monkeypatch, caplog):
    """Started from no capacity at all, and without the master's peak rows (which would grow the
    start to cover the peak), every MWh is unserved at first (priced, not infeasible): the cuts
    lead to the same optimum as above."""
    monkeypatch.setattr(
        solve_module, "_screening_start", lambda inputs, options: {"efficient": 0.0, "plain": 0.0}
    )
    monkeypatch.setattr(decomposition, "peak_rows", lambda built: [])
    with caplog.at_level("DEBUG", logger="dhopt.solve"):
        out = run_scenario(writer.yaml(two_heat_pumps(writer)), options=SolveOptions(mip_gap=1e-6))
    first = next(r.message for r in caplog.records if r.message.startswith("dispatch 1:"))
    assert "MWh unserved" in first and "(0 MWh unserved)" not in first
    caps = out.results.capacities.set_index("unit")["capacity_mw"]
    assert caps["plain"] == pytest.approx(20.0, rel=1e-6)
    assert out.report.status == "optimal"


def test_a_start_below_the_peak_is_grown_to_cover_it(writer, monkeypatch, caplog):
    """With the peak rows, a start of no capacity is grown to the least that covers the peak hour
    (20 MW in all, the fewest builds: 'plain', whose build costs nothing by itself), so the first
    dispatch supplies every MWh."""
    monkeypatch.setattr(
        solve_module, "_screening_start", lambda inputs, options: {"efficient": 0.0, "plain": 0.0}
    )
    with caplog.at_level("DEBUG", logger="dhopt.solve"):
        out = run_scenario(writer.yaml(two_heat_pumps(writer)), options=SolveOptions(mip_gap=1e-6))
    first = next(r.message for r in caplog.records if r.message.startswith("dispatch 1:"))
    assert "(0 MWh unserved)" in first
    assert out.results.capacities.set_index("unit")["capacity_mw"]["plain"] == pytest.approx(20.0, rel=1e-6)


@pytest.mark.slow
def test_the_decomposition_matches_the_model_solved_whole(monkeypatch):
    """The reference on 2,016 hours: the same optimum (within the gap) decomposed and whole."""
    options = SolveOptions(mip_gap=1e-4)
    ours = run_scenario(REFERENCE, hours=2016, options=options)
    assert ours.report.rounds[0].kind == "relaxation (decomposed)"
    monkeypatch.setattr(solve_module, "decomposable", lambda inputs: False)
    whole = run_scenario(REFERENCE, hours=2016, options=options)
    assert "decomposed" not in whole.report.rounds[0].kind
    assert ours.report.objective == pytest.approx(whole.report.objective, rel=2e-4)
    assert ours.report.bound <= whole.report.objective * (1 + 1e-9)
    assert whole.report.bound <= ours.report.objective * (1 + 1e-9)
    a = ours.results.capacities.set_index("unit")["capacity_mw"]
    b = whole.results.capacities.set_index("unit")["capacity_mw"]
    assert (a > 0.01).equals(b > 0.01)  # the same units built (a boiler of 0.5 kW is noise)
