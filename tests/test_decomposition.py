"""The capacity decomposition (dhopt.decomposition): a hand-solved optimum, the same optimum as the
model solved whole, and a start whose capacities cannot supply the demand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import REFERENCE, base_scenario, crf, heat_pump
from pyomo.contrib.solver.solvers.highs import Highs

import dhopt.solve as solve_module
from dhopt.decomposition_cuts import WindowRows
from dhopt.inputs import prepare_inputs
from dhopt.model import build_model
from dhopt.run import run_scenario
from dhopt.scenario import load_scenario
from dhopt.solve import SolveOptions
from dhopt.units.capacity import capacity_vars

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
    """Started from no capacity at all, and without the master's window rows (which would grow
    the start to cover the peak), every MWh is unserved at first (priced, not infeasible): the cuts
    lead to the same optimum as above."""
    monkeypatch.setattr(
        solve_module, "_screening_start", lambda inputs, options: {"efficient": 0.0, "plain": 0.0}
    )
    monkeypatch.setattr(WindowRows, "densest", lambda self: [])
    monkeypatch.setattr(WindowRows, "unserved", lambda self, unserved, capacity: [])
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


def test_a_start_short_of_heat_learns_window_rows_and_is_grown(writer, monkeypatch, caplog):
    """Without the fixed window rows, a start of no capacity leaves every MWh unserved; the rows
    for the windows that ended short (dhopt.decomposition_cuts.WindowRows.unserved) grow it to
    cover them before the first step, so the second dispatch supplies every MWh."""
    monkeypatch.setattr(
        solve_module, "_screening_start", lambda inputs, options: {"efficient": 0.0, "plain": 0.0}
    )
    monkeypatch.setattr(WindowRows, "densest", lambda self: [])
    with caplog.at_level("DEBUG", logger="dhopt.solve"):
        out = run_scenario(writer.yaml(two_heat_pumps(writer)), options=SolveOptions(mip_gap=1e-6))
    messages = [r.message for r in caplog.records]
    first = next(m for m in messages if m.startswith("dispatch 1:"))
    second = next(m for m in messages if m.startswith("dispatch 2:"))
    assert "(0 MWh unserved)" not in first
    assert "(0 MWh unserved)" in second
    assert out.results.capacities.set_index("unit")["capacity_mw"]["plain"] == pytest.approx(20.0, rel=1e-6)
    assert out.report.status == "optimal"


def limited_and_free(writer) -> dict:
    """48 hours of 10 MW, 30 MW in hours 20–22; 'limited' can give at most 5 MW in any hour."""
    demand = [10.0] * 48
    demand[20:23] = [30.0] * 3
    sc = base_scenario(48, demand={"file": writer.csv("d.csv", demand=demand), "column": "demand"})
    sc["units"]["limited"] = heat_pump(cop={"model": "series", "cop": 5.0}, availability_mw=5.0)
    sc["units"]["free"] = heat_pump(cop={"model": "series", "cop": 3.0})
    return sc


def test_window_rows_for_unserved_hours_by_hand(writer):
    """Short in hours 20–22 at limited = 8 MW (above its 5 MW availability: counted as 5 MW a
    hour, on the right-hand side) and free = 5 MW: the windows ending at hour 22 of 1, 3, 6 and
    12 hours ask free for 25 MW in the hour, 75 MWh in 3 hours, 120 − 30 in 6 and 180 − 60 in
    12; the 24-hour window would start before the first hour. At limited = 3 MW (below its
    availability) its capacity counts in every hour instead. Every row holds at the optimum."""
    inputs = prepare_inputs(load_scenario(writer.yaml(limited_and_free(writer))))
    built = build_model(inputs)
    windows = WindowRows(built)
    limited, free = (id(capacity_vars(built.converter_blocks[n])[0]) for n in ("limited", "free"))
    unserved = np.zeros(48)
    unserved[20:23] = [0.5, 0.8, 1.0]  # most in the run's last hour: one end
    rows = windows.unserved(unserved, {limited: 8.0, free: 5.0})
    assert [(c[limited], c[free], rhs) for c, rhs in rows] == [
        (0.0, 1.0, 25.0),
        (0.0, 3.0, 75.0),
        (0.0, 6.0, 90.0),
        (0.0, 12.0, 120.0),
    ]
    below = windows.unserved(unserved, {limited: 3.0, free: 5.0})
    assert below[0][0][limited] == 1.0 and below[0][1] == 30.0
    assert Highs().solve(built.model).termination_condition.name == "convergenceCriteriaSatisfied"
    at_optimum = {limited: capacity_vars(built.converter_blocks["limited"])[0].value}
    at_optimum[free] = capacity_vars(built.converter_blocks["free"])[0].value
    for c, rhs in rows + below + windows.densest():
        assert sum(c[k] * at_optimum[k] for k in at_optimum) >= rhs - 1e-6
    assert windows.unserved(np.zeros(48), at_optimum) == []


def test_window_rows_stay_within_one_weather_year(writer):
    """Two years of 4 hours, 'cold' [10, 10, 20, 20] and 'mild' [30, 10, 10, 10], each with its own
    storage cycle: a window of 3 hours ending in mild's first hour would count cold's last two
    (70 MWh), which a storage full at the end of cold could not carry over. Only the 1-hour
    windows fit in a year: the densest is mild's 30 MW, and heat short in hour 4 gives that one."""
    from test_weather_years import two_years

    sc = two_years(writer, cold=[10.0, 10.0, 20.0, 20.0], mild=[30.0, 10.0, 10.0, 10.0], weights=(None, None))
    sc["units"]["hp"] = heat_pump()
    sc["units"]["tank"] = {
        "type": "storage",
        "loss_per_hour": 0.0,
        "temperature_difference_k": 25,
        "investment": {"fixed_eur": 0.0, "per_m3_eur": 87.0, "lifetime_years": 20},
    }
    built = build_model(prepare_inputs(load_scenario(writer.yaml(sc))))
    windows = WindowRows(built)
    hp = id(capacity_vars(built.converter_blocks["hp"])[0])
    tank = id(capacity_vars(built.storage_blocks["tank"])[0])
    assert [rhs for _, rhs in windows.densest()] == [30.0]
    unserved = np.zeros(8)
    unserved[4] = 5.0
    rows = windows.unserved(unserved, {hp: 25.0, tank: 0.0})
    assert [(c[hp], c[tank], rhs) for c, rhs in rows] == [(1.0, 1.0, 30.0)]


def test_a_build_rounded_to_zero_takes_its_capacity_with_it():
    """Within the MIP's integrality tolerance a build of 1e-6 passes as 0; with a big bound its
    capacity can still be 0.24 MW. The master's point is the continuous part solved again with
    the build held at 0 (cap 0), never (0.24 MW, not built), which no dispatch could have."""
    import highspy

    from dhopt.decomposition_master import build_master

    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = 3, 1  # cap, build, one dispatch column (not the master's)
    lp.col_cost_ = np.array([1.0, 1.0, 0.0])
    lp.col_lower_ = np.zeros(3)
    lp.col_upper_ = np.array([240_000.0, 1.0, 1.0])
    lp.row_lower_, lp.row_upper_ = np.array([-highspy.kHighsInf]), np.array([0.0])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.array([0, 2])
    lp.a_matrix_.index_ = np.array([0, 1])
    lp.a_matrix_.value_ = np.array([1.0, -240_000.0])  # cap ≤ 240,000 · build
    lp.integrality_ = [
        highspy.HighsVarType.kContinuous,
        highspy.HighsVarType.kInteger,
        highspy.HighsVarType.kContinuous,
    ]
    master = build_master(lp, np.array([0, 1]))
    master.add_cut(10.0, np.array([-1.0, 0.0]), np.array([0.0, 0.0]))  # θ ≥ 10 − cap: capacity pays
    point = master._polished(np.array([0.24, 1e-6]), master.lower, master.upper)
    assert list(point) == [0.0, 0.0]
    _, solved = master.solve(integer=True)
    assert solved[1] in (0.0, 1.0) and solved[0] <= 240_000.0 * solved[1] + 1e-9


def test_a_start_is_grown_to_the_peak_rows_after_cuts_were_found():
    """`consistent` grows a start the master's own rows (here cap ≥ 10) want more of, also once
    cuts are in the master (θ ≥ 100 + cap, from a dispatch). It once fixed θ at 0 to do so, which
    such a cut makes infeasible: on two weather years the decomposition then stopped and the
    model was solved whole (160 s, against 37 s)."""
    import highspy

    from dhopt.decomposition_master import build_master, consistent

    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = 3, 2  # cap, build, one dispatch column (not the master's)
    lp.col_cost_ = np.array([1.0, 1.0, 0.0])
    lp.col_lower_ = np.zeros(3)
    lp.col_upper_ = np.array([50.0, 1.0, 1.0])
    lp.row_lower_ = np.array([-highspy.kHighsInf, 10.0])
    lp.row_upper_ = np.array([0.0, highspy.kHighsInf])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.array([0, 2, 3])
    lp.a_matrix_.index_ = np.array([0, 1, 0])
    lp.a_matrix_.value_ = np.array([1.0, -50.0, 1.0])  # cap ≤ 50 · build; cap ≥ 10
    lp.integrality_ = [
        highspy.HighsVarType.kContinuous,
        highspy.HighsVarType.kInteger,
        highspy.HighsVarType.kContinuous,
    ]
    master = build_master(lp, np.array([0, 1]))
    master.add_cut(100.0, np.array([1.0, 0.0]), np.array([0.0, 0.0]))
    point = consistent(master, np.array([5.0, 0.0]), np.array([True, False]))
    assert point == pytest.approx([10.0, 1.0])
    objective, _ = master.solve(integer=True)  # θ and its cost are as before
    assert objective == pytest.approx(110.0)


def test_a_master_that_highs_presolve_fails_on_is_solved_without_it():
    """A master met on 16 heat pumps (tests/data/master_solve_error.npz: its 36 investment columns,
    θ, its rows and 40 cuts, some of 1e8): HiGHS 1.15.1's MIP presolve ends it in "Solve error",
    which stopped the decomposition and handed the whole MILP to HiGHS. Solved without presolve:
    the optimum, 3,848,365.22."""
    import highspy

    from dhopt.decomposition_master import Master

    d = np.load(Path(__file__).parent / "data" / "master_solve_error.npz")
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = int(d["nc"]), int(d["nr"])
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = d["cost"], d["cl"], d["cu"]
    lp.row_lower_, lp.row_upper_ = d["rl"], d["ru"]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = d["start"], d["index"], d["value"]
    kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
    lp.integrality_ = [kinds[int(k)] for k in d["integ"]]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 1e-9)
    h.passModel(lp)
    n = lp.num_col_ - 1
    master = Master(h, np.arange(n), d["cl"][:n].copy(), d["cu"][:n].copy(), d["integ"][:n].astype(bool))
    objective, x = master.solve(integer=True)
    assert objective == pytest.approx(3_848_365.22, rel=1e-8)
    assert np.all(x[master.integer] == np.round(x[master.integer]))


def test_no_window_rows_where_heat_may_go_unserved(writer):
    """With a priced slack for unserved heat in the model itself (the stress test's), a solution
    need not cover the demand: no window row is valid, none is given."""
    import dataclasses

    inputs = prepare_inputs(load_scenario(writer.yaml(limited_and_free(writer))))
    built = build_model(dataclasses.replace(inputs, unserved_heat_eur_per_mwh=10_000.0))
    windows = WindowRows(built)
    free = id(capacity_vars(built.converter_blocks["free"])[0])
    limited = id(capacity_vars(built.converter_blocks["limited"])[0])
    assert windows.densest() == []
    assert windows.unserved(np.ones(48), {free: 0.0, limited: 0.0}) == []


def test_the_densest_windows_reach_four_weeks():
    """800 hours: 20 MW for the first 100, then 10 MW. The densest window of each length starts at
    hour 0, so its demand is 20 · min(L, 100) + 10 · (L − 100)⁺; a unit counts 1 MW per hour in
    it, the tank its capacity once. The 336- and 720-hour rows are what keep a big tank from
    standing in for a month of capacity."""
    windows = WindowRows.__new__(WindowRows)  # the rows' arithmetic alone, without a model
    windows.valid, windows.hours, windows.cycle = True, 800, 800
    windows.demand = np.r_[np.full(100, 20.0), np.full(700, 10.0)]
    windows.units = [(1, np.ones(800), np.full(800, 50.0))]
    windows.storages = [(2, 1.0)]
    rows = windows.densest()
    assert [rhs for _, rhs in rows] == [20.0, 120.0, 480.0, 1440.0, 2680.0, 4360.0, 8200.0]
    assert [c[1] for c, _ in rows] == [1.0, 6.0, 24.0, 72.0, 168.0, 336.0, 720.0]
    assert all(c[2] == 1.0 for c, _ in rows)
