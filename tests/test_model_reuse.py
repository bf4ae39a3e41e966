"""A sweep worker's model reused across points that differ only in fixed capacities
(dhopt.model_reuse.ModelCache) gives the same results as building each point afresh."""

from __future__ import annotations

import pytest
from conftest import ROOT

from dhopt.run import run_scenario
from dhopt.solve import ModelCache, SolveOptions
from dhopt.sweep import load_sweep

OPTIONS = SolveOptions(mip_gap=1e-6)


@pytest.mark.parametrize("warm", [True, False])
def test_reused_model_matches_fresh_builds(warm):
    plan = load_sweep(ROOT / "scenarios" / "nordhavn-ternary.yaml", hours=168)
    points = [p for p in plan.points.values() if p.skip_reason is None][::9][:6]
    assert len(points) == 6
    cache = ModelCache(warm=warm)
    for p in points:
        fresh = run_scenario(plan.base_path, hours=168, options=OPTIONS, overrides=p.overrides)
        reused = run_scenario(
            plan.base_path, hours=168, options=OPTIONS, overrides=p.overrides, model_cache=cache
        )
        assert reused.report.status == fresh.report.status == "optimal"
        assert reused.report.objective == pytest.approx(fresh.report.objective, rel=2e-6)
        a = reused.results.capacities.set_index("unit")
        b = fresh.results.capacities.set_index("unit")
        for unit in ("groundwater", "sewage", "seawater", "air"):  # the point's fixed capacities
            assert a.loc[unit, "capacity_mw"] == pytest.approx(b.loc[unit, "capacity_mw"], abs=1e-9)
        ka, kb = reused.results.kpis.set_index("unit"), fresh.results.kpis.set_index("unit")
        assert ka.loc["system", "aux_electricity_mwh"] == pytest.approx(
            kb.loc["system", "aux_electricity_mwh"], rel=1e-4, abs=1e-6
        )
    assert cache.reused == len(points) - 1  # built once, reused for every later point


def test_a_different_structure_is_rebuilt():
    """A point that frees a capacity (or changes anything but fixed capacities) is not reused."""
    plan = load_sweep(ROOT / "scenarios" / "nordhavn-ternary.yaml", hours=168)
    point = next(p for p in plan.points.values() if p.skip_reason is None)
    cache = ModelCache()
    run_scenario(plan.base_path, hours=168, options=OPTIONS, overrides=point.overrides, model_cache=cache)
    free = dict(point.overrides)
    free.pop("units.air.capacity_mw")
    run_scenario(plan.base_path, hours=168, options=OPTIONS, overrides=free, model_cache=cache)
    assert cache.reused == 0


def test_on_off_binaries_of_one_point_do_not_leak_into_the_next(writer):
    """Each point needs minimum-load binaries (demand alternates 3 and 0.5 MW, the heat pump runs
    at ≥ 1 MW); the reused model drops the last point's before solving the next."""
    from conftest import base_scenario, boiler, heat_pump

    data = writer.csv("d.csv", demand=[3.0, 0.5] * 12)
    sc = base_scenario(24, demand={"file": data, "column": "demand"}, price=50.0)
    sc["units"]["hp"] = heat_pump(min_load_mw=1.0, capacity_mw=3.0)
    sc["units"]["eb"] = boiler()
    path = writer.yaml(sc)
    cache = ModelCache()
    for cap in (3.0, 2.0, 2.5, 3.0):
        over = {"units.hp.capacity_mw": cap}
        fresh = run_scenario(path, options=OPTIONS, overrides=over)
        reused = run_scenario(path, options=OPTIONS, overrides=over, model_cache=cache)
        assert fresh.report.min_load_binaries > 0
        assert reused.report.objective == pytest.approx(fresh.report.objective, rel=1e-7)
        eb = reused.results.capacities.set_index("unit").loc["eb", "capacity_mw"]
        assert eb == pytest.approx(max(3.0 - cap, 0.5), abs=1e-6)  # the boiler covers the rest
    assert cache.reused == 3


def test_retargeting_moves_the_capacity_bounds_too(caplog):
    """The next point's fixed capacity may be larger than the last one's: fixing it must not set a
    variable outside its bounds (Pyomo warns W1002 for every such variable otherwise)."""
    plan = load_sweep(ROOT / "scenarios" / "nordhavn-ternary.yaml", hours=24)
    points = [p for p in plan.points.values() if p.skip_reason is None][:8]
    cache = ModelCache()
    with caplog.at_level("WARNING", logger="pyomo"):
        for p in points:
            run_scenario(plan.base_path, hours=24, options=OPTIONS, overrides=p.overrides, model_cache=cache)
    assert cache.reused == len(points) - 1
    assert not [r for r in caplog.records if "outside the bounds" in r.getMessage()]


@pytest.mark.slow
def test_a_reused_model_gets_each_points_own_time_limit():
    """HiGHS holds its time limit against the run time its instance has summed over every run. A
    sweep worker's model is reused from point to point, so a per-point limit passed as is stopped
    every point once the worker's summed HiGHS time passed it, at once, reported "time_limit" (at
    the 13th point of 720 hours with a 1.5 s limit). Here the limit is half the summed time, at
    least three times what a reused point takes: every point must be optimal."""
    import time

    from dhopt.inputs import prepare_inputs
    from dhopt.scenario import load_scenario
    from dhopt.solve import solve

    inputs = prepare_inputs(load_scenario(ROOT / "scenarios" / "nordhavn.yaml"), hours=720)
    cache = ModelCache()
    quick = SolveOptions(marginal_cost=False)
    solve(inputs, quick, cache)  # the build: not a reused point
    slowest = 0.0
    for _ in range(80):
        t = time.perf_counter()
        _, report = solve(inputs, quick, cache)
        slowest = max(slowest, time.perf_counter() - t)
        summed = cache.solver._solver_model.getRunTime()
        if summed >= 6 * slowest:
            break
    else:
        pytest.fail(f"HiGHS summed only {summed:.2f} s over 80 points")
    for _ in range(3):
        _, report = solve(inputs, SolveOptions(time_limit=summed / 2, marginal_cost=False), cache)
        assert report.status == "optimal", report.message
