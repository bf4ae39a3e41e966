"""Starts of a unit: a start cost, minimum up and down times, by hand (dhopt/units/commitment.py).

Every case: one day (24 h, scaled ×365 to a year), electricity 40 €/MWh unless said otherwise, a
heat pump at COP 4 (10 €/MWh of heat) with a fixed 10 MW and an electric boiler (efficiency 1,
40 €/MWh) with a fixed 10 MW, no investment and no O&M, so the objective is the dispatch's cost
(and the starts') × 365.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import base_scenario, boiler, heat_pump

from dhopt import columns as col
from dhopt.errors import ScenarioError
from dhopt.run import run_scenario
from dhopt.solve import SolveOptions
from dhopt.units.commitment import start_hours

EXACT = SolveOptions(mip_gap=1e-9)
FREE = {"fixed_eur": 0.0, "per_mw_eur": 0.0, "lifetime_years": 25}
NO_OM = {"fixed_eur_per_mw_year": 0.0, "variable_eur_per_mwh": 0.0}
YEAR = 365.0  # 8760 / 24


def day(writer, demand: list[float], price=40.0, dump: bool = False, **hp) -> dict:
    sc = base_scenario(24, demand={"file": writer.csv("d.csv", d=demand), "column": "d"}, price=price)
    sc["district_heating"]["allow_heat_dump"] = dump
    sc["units"] = {
        "hp": heat_pump(capacity_mw=10.0, investment=FREE, om=NO_OM, **hp),
        "eb": boiler(capacity_mw=10.0, investment={"per_mw_eur": 0.0, "lifetime_years": 15}, om=NO_OM),
    }
    return sc


def heat_pump_heat(out) -> np.ndarray:
    return np.round(out.results.dispatch[col.heat("hp")].to_numpy(), 6)


def capacity_row(out, unit: str = "hp"):
    return out.results.capacities.set_index("unit").loc[unit]


# Two runs a day: 8 MW in hours 0–4 and 7–16, 1 MW in the short gap 5–6 and the long one 17–23.
TWO_RUNS = [8.0] * 5 + [1.0] * 2 + [8.0] * 10 + [1.0] * 7


@pytest.mark.parametrize("cost", [15.0, 25.0])
def test_a_start_cost_merges_two_runs_once_it_is_dearer_than_running_through_the_gap(writer, cost):
    """Minimum load 5 MW, heat dump allowed. In a 1 MW gap hour the boiler costs 40 €; the heat
    pump at its minimum load 5·10 = 50 € (4 MW dumped): 10 € more per hour of the gap kept on.
    Per day: (a) off in both gaps, 2 starts: 2C; (b) on through the short 2 h gap, 1 start:
    20 + C; (c) on all day, no start: 20 + 70 = 90. C = 15: (a) 30 < (b) 35; C = 25: (b) 45 <
    (a) 50 < (c) 90. The rest is the same in all three: 15 h × 8 MW × 10 € = 1,200 € of heat pump
    and 7 h × 1 MW × 40 € = 280 € of boiler in the long gap. Objective (a) (1,200 + 80 + 280 +
    2·15)·365 = 580,350 €/a; (b) (1,200 + 100 + 280 + 25)·365 = 585,825 €/a."""
    sc = day(writer, TWO_RUNS, dump=True, min_load_mw=5.0, starts={"cost_eur": cost})
    out = run_scenario(writer.yaml(sc), options=EXACT)
    gap = 5.0 if cost == 25.0 else 0.0
    expected = [8.0] * 5 + [gap] * 2 + [8.0] * 10 + [0.0] * 7
    assert np.array_equal(heat_pump_heat(out), expected)
    starts = 1 if cost == 25.0 else 2
    total = (1200 + 280 + (100 if starts == 1 else 80) + starts * cost) * YEAR
    assert out.report.objective == pytest.approx(total, rel=1e-9)
    row = capacity_row(out)
    assert row[col.STARTS] == pytest.approx(starts * YEAR)
    assert row[col.RUNNING_HOURS] == pytest.approx((17 if starts == 1 else 15) * YEAR)
    assert np.array_equal(out.results.dispatch[col.on("hp")], (np.array(expected) > 0).astype(float))
    kpis = out.results.kpis.set_index("unit")
    # The start cost is its own component, in the unit's and the system's annual cost.
    for unit in ("hp", "system"):
        assert kpis.loc[unit, col.cost_component("starts")] == pytest.approx(starts * cost * YEAR)
    assert kpis.loc["eb", col.cost_component("starts")] == 0.0
    assert kpis.loc["system", "cost_total_eur"] == pytest.approx(total, rel=1e-9)


def test_without_starts_the_same_day_is_solved_as_before(writer):
    """The minimum-load rounds alone (no starts option): off in both gaps, no start cost, no
    start columns: (1,200 + 80 + 280)·365 = 569,400 €/a."""
    out = run_scenario(writer.yaml(day(writer, TWO_RUNS, dump=True, min_load_mw=5.0)), options=EXACT)
    assert out.report.objective == pytest.approx(1560 * YEAR, rel=1e-9)
    assert col.STARTS not in out.results.capacities.columns
    assert col.cost_component("starts") not in out.results.kpis.columns


def test_a_minimum_up_time_keeps_the_unit_on_the_hours_worked_out(writer):
    """8 MW in hours 0–2, 0.25 MW in every other hour; electricity 40 €/MWh but 80 in hours 18–23;
    minimum load 2 MW, minimum up time 6 h, heat dump allowed. The heat pump saves (40 − 10)·8 =
    240 € an hour of the 8 MW block over the boiler; each further hour it must stay on costs
    2 MW·P/4 − 0.25 MW·P = P/4: 10 € at 40 €/MWh, 20 € at 80. A 6 h run covering hours 0–2
    starting at 21, 22, 23 or 0 costs 60, 50, 40 or 30 € more: it starts at 0 and runs exactly
    hours 0–5 (at 2 MW in 3–5), one start a day. Objective: 3·80 + 3·20 (heat pump) + 12·10 +
    6·20 (boiler) = 540 € a day, ·365 = 197,100 €/a."""
    price = [40.0] * 18 + [80.0] * 6
    demand = [8.0] * 3 + [0.25] * 21
    sc = day(writer, demand, price=price, dump=True, min_load_mw=2.0, starts={"min_up_hours": 6})
    sc["electricity"]["spot_price_eur_per_mwh"] = {"file": writer.csv("p.csv", p=price), "column": "p"}
    out = run_scenario(writer.yaml(sc), options=EXACT)
    assert np.array_equal(heat_pump_heat(out), [8.0] * 3 + [2.0] * 3 + [0.0] * 18)
    assert out.report.objective == pytest.approx(540 * YEAR, rel=1e-9)
    row = capacity_row(out)
    assert row[col.STARTS] == pytest.approx(YEAR)
    assert row[col.RUNNING_HOURS] == pytest.approx(6 * YEAR)


def test_a_minimum_down_time_forbids_the_restart(writer):
    """8 MW in hours 0–3 and 6–9, 0.25 MW in the others; minimum load 2 MW, no heat dump (the
    heat pump cannot run in the 0.25 MW hours), the heat pump unavailable in hours 4–5. Without a
    minimum down time it runs 0–3 and 6–9. With 3 h it stops after hour 3 and may start again
    only after 3 hours off (4, 5, 6): hour 6's 8 MW is the boiler's (320 €), and it runs 7–9.
    Per day: heat pump 7 h · 80 € = 560 €, boiler 320 € + 16 h · 0.25 MW · 40 € = 160 €;
    (560 + 320 + 160)·365 = 379,600 €/a (without: (640 + 160)·365 = 292,000 €/a)."""
    demand = [8.0] * 4 + [0.25] * 2 + [8.0] * 4 + [0.25] * 14
    available = [10.0] * 4 + [0.0] * 2 + [10.0] * 18
    kw = {"min_load_mw": 2.0, "availability_mw": {"file": writer.csv("a.csv", a=available), "column": "a"}}
    free = run_scenario(writer.yaml(day(writer, demand, **kw)), options=EXACT)
    assert np.array_equal(heat_pump_heat(free), [8.0] * 4 + [0.0] * 2 + [8.0] * 4 + [0.0] * 14)
    assert free.report.objective == pytest.approx(800 * YEAR, rel=1e-9)
    sc = day(writer, demand, starts={"min_down_hours": 3}, **kw)
    out = run_scenario(writer.yaml(sc), options=EXACT)
    assert np.array_equal(heat_pump_heat(out), [8.0] * 4 + [0.0] * 3 + [8.0] * 3 + [0.0] * 14)
    assert out.report.objective == pytest.approx(1040 * YEAR, rel=1e-9)
    assert capacity_row(out)[col.STARTS] == pytest.approx(2 * YEAR)


def test_starts_are_cyclic_over_the_horizon_and_within_each_typical_period():
    """On 1,0,1,1 | 0,1,1,0 in two periods of 4 h: within a period hour 0 follows hour 3, so the
    first period starts once (hour 2; hour 0 follows the running hour 3) and the second once (hour
    5). As one cyclic horizon of 8 h, hour 0 follows hour 7 (off): one more start, in hour 0."""
    on = np.array([1, 0, 1, 1, 0, 1, 1, 0], dtype=float)
    assert np.array_equal(np.flatnonzero(start_hours(on, period=4)), [2, 5])
    assert np.array_equal(np.flatnonzero(start_hours(on)), [0, 2, 5])


def test_starts_on_a_fuel_boiler_and_a_chp_are_accepted(writer):
    """The option is the same object on every unit type that has it: a gas boiler with starts
    (minimum load 1 MW) covering a constant 5 MW runs all day, no start (cyclic), so no start
    cost: 5 MW / 0.9 · 30 €/MWh · 8760 h = 1,460,000 €/a."""
    sc = base_scenario(24, demand=5.0)
    sc["fuels"] = {"gas": {"price_eur_per_mwh": 30.0}}
    sc["units"] = {
        "gas": {
            "type": "fuel_boiler",
            "fuel": "gas",
            "efficiency": 0.9,
            "capacity_mw": 10.0,
            "min_load_mw": 1.0,
            "starts": {"cost_eur": 1000.0, "min_up_hours": 4, "min_down_hours": 4},
            "investment": FREE,
        },
        "engine": {
            "type": "chp",
            "fuel": "gas",
            "total_efficiency": 0.9,
            "power_to_heat_ratio": 0.5,
            "capacity_mw": 0.0,
            "min_load_mw": 0.0,
            "investment": FREE,
        },
    }
    out = run_scenario(writer.yaml(sc), options=EXACT)
    assert out.report.objective == pytest.approx(5 / 0.9 * 30 * 8760, rel=1e-9)
    assert capacity_row(out, "gas")[col.STARTS] == 0.0
    assert capacity_row(out, "gas")[col.RUNNING_HOURS] == pytest.approx(8760)


@pytest.mark.parametrize(
    ("hp", "message"),
    [
        ({"starts": {"cost_eur": 10.0}}, r"units\.hp\.starts: needs a min_load_mw above 0"),
        (
            {"min_load_mw": 1.0, "starts": {"min_up_hours": 25}},
            r"units\.hp\.starts\.min_up_hours: expected at most the horizon's 24 hours \(found 25\)",
        ),
        (
            {"min_load_mw": 1.0, "starts": {"min_down_hours": 30}},
            r"units\.hp\.starts\.min_down_hours: expected at most the horizon's 24 hours",
        ),
    ],
)
def test_bad_starts_are_one_line(writer, hp, message):
    sc = day(writer, [5.0] * 24, **hp)
    with pytest.raises(ScenarioError, match=message) as err:
        run_scenario(writer.yaml(sc))
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("margin", [6.0, -6.0])
def test_whether_to_build_is_decided_with_the_starts_integer(writer, margin):
    """TWO_RUNS with a start cost of 60 €: kept on through the short gap (20 + 60 = 80 € of
    starts and gap a day, against 2·60 = 120 off in both gaps or 90 on all day), the heat pump's
    day costs 1,200 + 100 + 280 + 60 = 1,640 €; without it the boiler's costs 15·8·40 + 9·1·40 =
    5,160 €. The heat pump (at most 10 MW) now has a fixed investment only, F = (5,160 − 1,640 +
    margin)·365 €/a: with margin +6 € a day not building is cheaper by 2,190 €/a (objective
    5,160·365 = 1,883,400 €/a); with −6 building (objective (1,640 + 3,514)·365 = 1,881,210 €/a).
    The relaxation of the starts (on/off status continuous, at least q/10 in the 8 MW hours)
    underestimates the start cost by up to a fifth, so it may pick the wrong side; the answer must
    not (dhopt/starts_solve.py: the leaves are rounded, then their MIPs solved)."""
    annual = (5160 - 1640 + margin) * YEAR
    crf = 0.04 * 1.04**25 / (1.04**25 - 1)
    sc = day(writer, TWO_RUNS, dump=True, min_load_mw=5.0, starts={"cost_eur": 60.0})
    hp = sc["units"]["hp"]
    del hp["capacity_mw"]
    hp.update(
        capacity_max_mw=10.0, investment={"fixed_eur": annual / crf, "per_mw_eur": 0.0, "lifetime_years": 25}
    )
    out = run_scenario(writer.yaml(sc), options=EXACT)
    built = margin < 0
    assert out.report.status == "optimal"
    assert out.report.objective == pytest.approx((1640 * YEAR + annual) if built else 5160 * YEAR, rel=1e-9)
    assert (capacity_row(out)["capacity_mw"] > 0) == built
    if built:
        assert capacity_row(out)[col.STARTS] == pytest.approx(YEAR)


def test_a_reused_sweep_model_takes_the_new_fixed_capacity_of_a_unit_with_starts(writer):
    """The big-M of q ≤ upper·on is the fixed capacity, a mutable parameter: a model reused for a
    6 MW heat pump after a 10 MW one must give what a fresh build gives. TWO_RUNS, C = 25 €, at
    6 MW: in the 8 MW hours 6 MW of heat pump (60 €) and 2 MW of boiler (80 €); in a gap hour kept
    on 10 € more than the boiler alone, as in the first test: on through the short gap (20 + 25 <
    2·25), 15·140 + 100 + 280 + 25 = 2,505 € a day. Back at 10 MW: 1,605 € a day (first test)."""
    from dhopt.solve import ModelCache

    sc = day(writer, TWO_RUNS, dump=True, min_load_mw=5.0, starts={"cost_eur": 25.0})
    path = writer.yaml(sc)
    cache = ModelCache()
    first = run_scenario(path, options=EXACT, model_cache=cache)
    assert first.report.objective == pytest.approx(1605 * YEAR, rel=1e-9)
    for mw, day_cost in ((6.0, 2505.0), (10.0, 1605.0)):
        over = {"units.hp.capacity_mw": mw}
        reused = run_scenario(path, options=EXACT, overrides=over, model_cache=cache)
        fresh = run_scenario(path, options=EXACT, overrides=over)
        assert reused.report.objective == pytest.approx(fresh.report.objective, rel=1e-9)
        assert reused.report.objective == pytest.approx(day_cost * YEAR, rel=1e-9)
    assert cache.reused == 2


def test_a_rounded_pattern_keeps_the_minimum_up_and_down_times():
    """Minimum up 3 h, down 2 h, one cyclic period of 8 h. 1,0,1,1,0,0,0,0: the 1 h stop in hour 1
    is run through (the 4 h stop 4–7 is long enough). 0,0,1,0,0,0,0,0: the 1 h run in hour 2 is
    lengthened to hours 2–4."""
    from dhopt.units.commitment import _keep_windows

    one = _keep_windows(np.array([1, 0, 1, 1, 0, 0, 0, 0]), 3, 2)
    assert np.array_equal(one, [1, 1, 1, 1, 0, 0, 0, 0])
    assert np.array_equal(_keep_windows(np.array([0, 0, 1, 0, 0, 0, 0, 0]), 3, 2), [0, 0, 1, 1, 1, 0, 0, 0])
