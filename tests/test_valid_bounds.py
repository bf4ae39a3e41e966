"""Capacity bounds valid for every build decision, the minimum-load repair, and time limits.

Each case has an optimum worked out by hand; each failed on the program that derived a unit's
bound from peak demand and raised it only when the optimum reached it.
"""

from __future__ import annotations

import pytest
from conftest import base_scenario, boiler, heat_pump

import dhopt.min_load_rounds
from dhopt.errors import SolverError
from dhopt.run import run_scenario
from dhopt.solve import SolveOptions

EXACT = SolveOptions(mip_gap=1e-6)
YEAR = 8760


def _storage(**over):
    unit = {
        "type": "storage",
        "loss_per_hour": 0.0,
        "temperature_difference_k": 25,
        "investment": {"fixed_eur": 0.0, "per_m3_eur": 0.0, "lifetime_years": 1},
    }
    unit.update(over)
    return unit


def _annual(per_mw: float, lifetime: int = 1) -> dict:
    """Investment with a lifetime of one year at 0 % interest: the annual cost is the investment."""
    return {"fixed_eur": 0.0, "per_mw_eur": per_mw, "lifetime_years": lifetime}


def test_minimum_load_above_peak_demand_runs_with_storage(writer):
    """3 MW flat for 24 h; a heat pump (≤ 5 MW, minimum load 4 MW, heat at 40/4 + 2 = 12 €/MWh)
    can only run by charging a storage; a boiler makes heat at 40.5 €/MWh. Optimum: the heat pump
    at exactly 4 MW in 18 of the 24 hours makes all 72 MWh; the storage holds at least 3 MWh.
    The old bound (peak demand, 3 MW, below the minimum load) made the heat pump unusable."""
    sc = base_scenario(24, demand=3.0, price=40.0)
    sc["economics"]["discount_rate"] = 0.0
    sc["units"]["hp"] = heat_pump(
        capacity_max_mw=5.0,
        min_load_mw=4.0,
        investment=_annual(1000.0),
        om={"fixed_eur_per_mw_year": 0.0, "variable_eur_per_mwh": 2.0},
    )
    sc["units"]["eb"] = boiler(investment=_annual(1000.0))
    sc["units"]["tank"] = _storage()
    out = run_scenario(writer.yaml(sc), options=EXACT)
    scale = YEAR / 24
    expected = 1000.0 * 4 + scale * 72 * (40 / 4 + 2.0)
    assert out.report.status == "optimal"
    assert out.report.objective == pytest.approx(expected, rel=1e-6)
    caps = out.results.capacities.set_index("unit")
    assert caps.loc["hp", "capacity_mw"] == pytest.approx(4.0, abs=1e-6)
    assert caps.loc["eb", "capacity_mw"] == pytest.approx(0.0, abs=1e-6)
    assert caps.loc["tank", "capacity_mwh"] >= 3.0 - 1e-6
    q = out.results.dispatch["hp_heat_mw"]
    assert ((q < 1e-6) | (q > 4.0 - 1e-6)).all()  # off or at least at its minimum load


def negative_price_case(writer, limit_mw: float | None) -> dict:
    prices = writer.csv("p.csv", price=[-500.0] + [100.0] * 23)
    sc = base_scenario(24, demand=1.0, price={"file": prices, "column": "price"})
    sc["economics"]["discount_rate"] = 0.0
    no_om = {"fixed_eur_per_mw_year": 0.0, "variable_eur_per_mwh": 0.0}
    limit = {} if limit_mw is None else {"capacity_max_mw": limit_mw}
    sc["units"]["hp"] = heat_pump(investment=_annual(1000.0), om=no_om, **limit)
    sc["units"]["eb"] = boiler(investment=_annual(1000.0), om=no_om, **limit)
    sc["units"]["tank"] = _storage(investment={"fixed_eur": 1e6, "per_m3_eur": 1.0, "lifetime_years": 1})
    return sc


def test_storage_with_a_fixed_cost_charged_in_a_negative_price_hour(writer):
    """1 MW for 24 h; −500 €/MWh in hour 0, 100 €/MWh after; units up to 50 MW. Without storage a
    heat pump (COP 4) covers it for 165,250 €/a. With the storage (1 M€/a if built) an electric
    boiler makes the day's 24 MWh in hour 0: 24 MW × 1000 € + 1 M€ − 365 × 500 × 24 = −3,356,000
    €/a, plus 23 MWh of tank at 1 €/m³ (34.39 m³/MWh at 25 K). The old bounds held the boiler at
    peak demand (1 MW), where the storage does not pay, and called 165,250 optimal. Heat with a
    negative cost makes the storage's bound a guess, which the incumbent's cost then checks."""
    out = run_scenario(writer.yaml(negative_price_case(writer, 50.0)), options=EXACT)
    assert out.report.status == "optimal", out.report.message
    tank = 23 / (1.163e-3 * 25)
    assert out.report.objective == pytest.approx(-3_356_000.0 + tank, rel=1e-7)
    caps = out.results.capacities.set_index("unit")
    assert caps.loc["eb", "capacity_mw"] == pytest.approx(24.0, abs=1e-6)
    assert caps.loc["hp", "capacity_mw"] == pytest.approx(0.0, abs=1e-6)
    assert caps.loc["tank", "capacity_mwh"] == pytest.approx(23.0, abs=1e-6)


def test_a_bound_that_cannot_be_checked_is_not_called_optimal(writer):
    """The same case without the units' 50 MW: a boiler earns money per MW built in the negative
    hour, so no bound of its capacity follows from costs; the answer found is the optimum, but it
    is reported as not proven, naming the units and what to give."""
    out = run_scenario(writer.yaml(negative_price_case(writer, None)), options=EXACT)
    assert out.report.status == "feasible"
    assert "no valid capacity bound" in out.report.message and "capacity_max_mw" in out.report.message
    assert out.report.objective == pytest.approx(-3_356_000.0 + 23 / (1.163e-3 * 25), rel=1e-7)


def test_a_bound_the_user_wrote_is_never_replaced(writer):
    """With a storage, the program's own bound for a unit is far above its own limit: the unit's
    5 MW stays its bound (and not peak demand either)."""
    sc = base_scenario(24, demand=3.0, price=40.0)
    sc["units"]["hp"] = heat_pump(capacity_max_mw=5.0, min_load_mw=4.0)
    sc["units"]["tank"] = _storage()
    from dhopt.inputs import prepare_inputs
    from dhopt.scenario import load_scenario

    inputs = prepare_inputs(load_scenario(writer.yaml(sc)))
    hp = inputs.converters[0]
    assert hp.capacity_bound_mw == pytest.approx(5.0)
    assert hp.capacity_bound_proven
    assert inputs.storages[0].capacity_bound_mwh == pytest.approx(72.0)  # the horizon's demand


def test_repair_covers_hours_below_every_minimum_load_with_other_units(writer):
    """No storage; 10 MW for 240 h but 0.5 MW in hour 100, below the heat pump's 1 MW minimum
    load. Holding the heat pump on there is infeasible (the old repair did, failed, and went on to
    on/off binaries); switched off there, the boiler covers that hour, and the result is within
    the gap of the relaxation's bound at once. Optimum by hand."""
    demand = [10.0] * 240
    demand[100] = 0.5
    d = writer.csv("d.csv", demand=demand)
    sc = base_scenario(240, demand={"file": d, "column": "demand"}, price=40.0)
    sc["economics"]["discount_rate"] = 0.0
    sc["units"]["hp"] = heat_pump(min_load_mw=1.0, investment=_annual(1000.0))
    sc["units"]["eb"] = boiler(
        investment=_annual(100.0), om={"fixed_eur_per_mw_year": 0.0, "variable_eur_per_mwh": 0.5}
    )
    out = run_scenario(writer.yaml(sc), options=SolveOptions())
    scale = YEAR / 240
    expected = (1000 + 2000) * 10.0 + scale * 239 * 10.0 * (40 / 4 + 2.0)
    expected += 100 * 0.5 + scale * 0.5 * (40 + 0.5)
    assert out.report.status == "optimal"
    assert out.report.objective == pytest.approx(expected, rel=1e-9)
    assert out.report.min_load_binaries == 0
    assert out.results.dispatch["hp_heat_mw"][100] == 0.0


def test_time_limit_keeps_the_best_solution_and_says_time_limit(writer, monkeypatch, tmp_path):
    """The minimum load above peak demand needs on/off binaries after the first repairs; the time
    limit runs out there (made certain by a slow step): the result is the repaired solution, with
    status time_limit, its gap and bound, and written to disk."""
    sc = base_scenario(24, demand=3.0, price=40.0)
    sc["units"]["hp"] = heat_pump(capacity_max_mw=5.0, min_load_mw=4.0)
    sc["units"]["eb"] = boiler()
    sc["units"]["tank"] = _storage()
    real = dhopt.min_load_rounds._add_min_load_binaries

    def slow(*args, **kwargs):
        import time

        time.sleep(2.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(dhopt.min_load_rounds, "_add_min_load_binaries", slow)
    out_dir = tmp_path / "out"
    out = run_scenario(writer.yaml(sc), out=out_dir, options=SolveOptions(time_limit=2.0))
    assert out.report.status == "time_limit"
    assert out.report.feasible
    assert out.report.gap is not None and out.report.gap > 0
    assert "time limit" in out.report.message
    assert (out_dir / "run.json").is_file()
    import json

    info = json.loads((out_dir / "run.json").read_text())
    assert info["status"] == "time_limit"
    assert set(out.results.kpis["status"]) == {"time_limit"}


def test_time_limit_without_a_solution_is_no_infeasible(writer):
    """A limit too short for the first LP: SolverError with status time_limit, not 'infeasible'."""
    from conftest import REFERENCE

    with pytest.raises(SolverError) as err:
        run_scenario(REFERENCE, hours=2000, options=SolveOptions(time_limit=0.001))
    assert err.value.status == "time_limit"
    assert "time limit" in str(err.value)
    assert "infeasible" not in str(err.value)


def test_a_large_gap_is_not_called_optimal():
    """Asked for a 50 % gap and proven within it, a 20 % gap is still not "optimal"."""
    from dhopt.solve import SolveReport, _judge_gap

    def report(gap):
        return SolveReport("optimal", True, 100.0, 100.0 * (1 - gap), gap, 0.0, 0.0, "HiGHS")

    assert _judge_gap(report(0.2)).status == "feasible"
    assert "not called optimal" in _judge_gap(report(0.2)).message
    assert _judge_gap(report(0.05)).status == "optimal"


def test_zero_demand_with_storage_ends(writer):
    """All demand 0 with a storage: nothing to build, and the solve ends (it looped before)."""
    sc = base_scenario(24, demand=0.0, price=40.0)
    sc["units"]["hp"] = heat_pump()
    sc["units"]["tank"] = _storage()
    out = run_scenario(writer.yaml(sc), options=SolveOptions(time_limit=30))
    assert out.report.status == "optimal"
    assert out.report.objective == pytest.approx(0.0, abs=1e-6)


@pytest.mark.slow
def test_reference_year_without_storage_is_settled_by_the_repair():
    """The full reference year with the storage forbidden: in some summer hours demand is below
    every heat pump's 1 MW minimum load. Holding the units on there failed the whole year, and
    10,590 on/off binaries gave no usable solution in 600 s; switched off there (the boiler covers
    those hours), the repaired solution is within the gap at once (measured: 0.07 %, 12 s)."""
    from conftest import REFERENCE

    out = run_scenario(REFERENCE, overrides={"units.storage.capacity_max_mwh": 0}, options=SolveOptions())
    assert out.report.status == "optimal"
    assert out.report.min_load_binaries == 0
    assert out.report.gap <= 1e-3
    assert out.results.capacities.set_index("unit").loc["storage", "capacity_mwh"] == 0.0
