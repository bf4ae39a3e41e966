"""The solver's own branching over build decisions (dhopt.branching.branch_on_builds) against a hand
solution and against HiGHS's MIP solver on the same model."""

from __future__ import annotations

import pytest
from conftest import REFERENCE, base_scenario, crf, heat_pump

import dhopt.min_load_rounds as rounds_module
from dhopt.run import run_scenario
from dhopt.solve import SolveOptions

EXACT = SolveOptions(mip_gap=1e-9)


def weak_relaxation_case(writer) -> dict:
    """Demand 20 MW in the first hour, 10 MW after. 'efficient' (COP 5) carries a fixed cost of
    1 M€/a, 'plain' (COP 2.5) none; equal cost per MW. The LP relaxation builds 10 MW of
    'efficient' at build = 10/20 (half the fixed cost, 500 k€/a, for 876 k€/a of electricity
    saved), so its root is fractional. Building it for real saves at most 10 €/MWh on all
    91 250 MWh = 912.5 k€/a < 1 M€/a: the optimum is 20 MW of 'plain' alone."""
    data = writer.csv("demand.csv", demand=[20.0] + [10.0] * 23)
    sc = base_scenario(24, demand={"file": data, "column": "demand"}, price=50.0)
    fixed = 1e6 / crf(0.04, 25)
    sc["units"]["efficient"] = heat_pump(
        cop={"model": "series", "cop": 5.0},
        investment={"fixed_eur": fixed, "per_mw_eur": 500_000.0, "lifetime_years": 25},
    )
    sc["units"]["plain"] = heat_pump(cop={"model": "series", "cop": 2.5})
    return sc


def test_branching_finds_the_integer_optimum_of_a_weak_relaxation(writer, caplog):
    with caplog.at_level("DEBUG", logger="dhopt.solve"):
        out = run_scenario(writer.yaml(weak_relaxation_case(writer)), options=EXACT)
    assert sum("build branch" in r.message for r in caplog.records) == 3  # root, build, don't build
    caps = out.results.capacities.set_index("unit")["capacity_mw"]
    assert caps["efficient"] == pytest.approx(0.0, abs=1e-9)
    assert caps["plain"] == pytest.approx(20.0, abs=1e-6)
    heat = 365 * (20.0 + 23 * 10.0)
    cost = crf(0.04, 25) * 500_000 * 20 + 2000 * 20 + heat * (50 / 2.5 + 2.0)
    lcoe = out.results.kpis.set_index("unit").loc["system", "lcoe_eur_per_mwh"]
    assert lcoe == pytest.approx(cost / heat, rel=1e-9)
    assert out.report.status == "optimal"
    assert out.report.bound == pytest.approx(out.report.objective, rel=1e-9)


@pytest.mark.parametrize("case", ["weak", "reference"])
def test_branching_matches_highs_mip(writer, monkeypatch, case):
    """Same optimum with our branching and with HiGHS's branch and bound (MAX_BRANCHED_BUILDS = 0)."""
    path = writer.yaml(weak_relaxation_case(writer)) if case == "weak" else REFERENCE
    hours = None if case == "weak" else 168
    options = SolveOptions(mip_gap=1e-6)
    ours = run_scenario(path, hours=hours, options=options)
    monkeypatch.setattr(rounds_module, "MAX_BRANCHED_BUILDS", 0)
    highs = run_scenario(path, hours=hours, options=options)
    assert ours.report.objective == pytest.approx(highs.report.objective, rel=2e-6)
    a = ours.results.capacities.set_index("unit")["capacity_mw"]
    b = highs.results.capacities.set_index("unit")["capacity_mw"]
    assert (a > 1e-6).equals(b > 1e-6)  # the same units built
