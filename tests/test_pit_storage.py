"""Pit thermal energy storage (dhopt.units.pit_storage), solved by hand.

Most cases are one day repeated for a year: 12 cheap hours (20 €/MWh) then 12 dear ones
(100 €/MWh), a flat 10 MW demand and an electric boiler (efficiency 1) that costs nothing to build.
Without storage a day costs 120·20 + 120·100 = 14,400 €; every MWh of storage capacity up to the
120 MWh of the dear hours saves (100 − 20) € a day, 29,200 € a year.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import base_scenario, boiler, crf
from pyomo.contrib.solver.solvers.highs import Highs

from dhopt.errors import ScenarioError
from dhopt.inputs import prepare_inputs
from dhopt.model import build_model
from dhopt.run import run_scenario
from dhopt.scenario import load_scenario
from dhopt.solve import SolveOptions
from dhopt.units import storage

EXACT = SolveOptions(mip_gap=1e-9)
MWH_PER_M3 = 1.163e-3 * 40.0  # 80 °C top, 40 °C bottom
NO_STORAGE_DAY = 120 * 20.0 + 120 * 100.0
VALUE_PER_MWH = 365 * 80.0  # € a year per MWh of capacity, up to 120 MWh
# Depth 10 m, slope 1: a pit with a 50 m top and a 30 m bottom holds 10/3·(50² + 50·30 + 30²) m³.
SQUARE_50_30_M3 = 10.0 / 3.0 * (2500 + 1500 + 900)


def pit(curve, lifetime=25, **over) -> dict:
    unit = {
        "type": "pit_storage",
        "top_temperature_c": 80.0,
        "bottom_temperature_c": 40.0,
        "depth_m": 10.0,
        "side_slope": 1.0,
        "u_lid_w_per_m2k": 0.0,
        "u_wall_w_per_m2k": 0.0,
        "u_bottom_w_per_m2k": 0.0,
        "air_temperature_c": 0.0,
        "ground_temperature_c": 10.0,
        "investment": {
            "curve": [{"volume_m3": v, "investment_eur": c} for v, c in curve],
            "lifetime_years": lifetime,
        },
    }
    unit.update(over)
    return unit


LINEAR = [(0.0, 500_000.0), (100_000.0, 3_500_000.0)]  # 500,000 € + 30 €/m³


def cheap_dear_day(writer, days: int = 1) -> dict:
    price = ([20.0] * 12 + [100.0] * 12) * days
    sc = base_scenario(24 * days, demand=10.0, price={"file": writer.csv("p.csv", p=price), "column": "p"})
    sc["units"]["eb"] = boiler(
        capacity_mw=1000.0,
        investment={"per_mw_eur": 0.0, "lifetime_years": 15},
        om={"fixed_eur_per_mw_year": 0.0, "variable_eur_per_mwh": 0.0},
    )
    return sc


def lossy(**over) -> dict:
    """U-values and temperatures of the loss cases: 0.2 lid, 0.5 walls, 0.3 bottom; air 0 °C, ground 10 °C."""
    return {"u_lid_w_per_m2k": 0.2, "u_wall_w_per_m2k": 0.5, "u_bottom_w_per_m2k": 0.3, **over}


def hand_loss_share() -> float:
    """The 50 m / 30 m pit: lid 2500 m², bottom 900 m², walls 4 trapezoids of (50 + 30)/2 m by the
    slant 10·√2 m = 1600·√2 m². Mean 60 °C: P = 0.2·2500·60 + (0.5·1600√2 + 0.3·900)·50 W
    = 43,500 + 40,000·√2 W; over the heat of a full pit, V·1.163e-3·40 MWh."""
    watts = 0.2 * 2500 * 60 + (0.5 * 1600 * math.sqrt(2) + 0.3 * 900) * 50
    return watts * 1e-6 / (SQUARE_50_30_M3 * MWH_PER_M3)


def test_the_loss_share_is_the_geometry_formula(writer):
    sc = cheap_dear_day(writer)
    sc["units"]["pit"] = pit(LINEAR, design_volume_m3=SQUARE_50_30_M3, **lossy())
    inputs = prepare_inputs(load_scenario(writer.yaml(sc)))
    (s,) = inputs.storages
    assert s.loss_per_hour == pytest.approx(hand_loss_share(), rel=1e-12)
    assert s.loss_per_hour == pytest.approx(1.3170e-4, rel=1e-3)  # about 0.013 % an hour
    assert s.volume_m3_per_mwh == pytest.approx(1 / MWH_PER_M3)
    assert s.capacity_max_mwh == pytest.approx(100_000 * MWH_PER_M3)  # the curve's largest volume
    # the design volume defaults to the largest one: a bigger pit, a smaller share
    sc["units"]["pit"] = pit(LINEAR, volume_max_m3=SQUARE_50_30_M3, **lossy())
    (same,) = prepare_inputs(load_scenario(writer.yaml(sc))).storages
    assert same.loss_per_hour == pytest.approx(hand_loss_share(), rel=1e-12)
    sc["units"]["pit"] = pit(LINEAR, **lossy())
    (big,) = prepare_inputs(load_scenario(writer.yaml(sc))).storages
    assert big.loss_per_hour < 0.7 * s.loss_per_hour  # 100,000 m³ at the same depth: 0.66 of it


def test_a_fixed_pit_shifts_heat_from_cheap_to_dear_hours(writer):
    """Charged in the last cheap hour (hour 11) with L, it serves the 12 dear hours at 10 MW and is
    empty at hour 23: keep^12·L = 10·Σ_{j<12} keep^j, L = 10·Σ_{i=1..12} keep^−i (keep = 1 − loss).
    A day costs 20·(120 + L) €; the pit (fixed 500,000 € + 30 €/m³) its annuity."""
    sc = cheap_dear_day(writer)
    sc["units"]["pit"] = pit(LINEAR, volume_m3=SQUARE_50_30_M3, **lossy())
    out = run_scenario(writer.yaml(sc), options=EXACT)
    keep = 1 - hand_loss_share()
    charge = 10 * sum(keep**-i for i in range(1, 13))
    investment = crf(0.04, 25) * (500_000 + 30 * SQUARE_50_30_M3)
    assert out.report.objective == pytest.approx(365 * 20 * (120 + charge) + investment, rel=1e-9)
    d = out.results.dispatch
    assert d["pit_charge_mw"].iloc[11] == pytest.approx(charge, rel=1e-9)
    assert np.allclose(d["pit_discharge_mw"].iloc[12:], 10.0)
    c = out.results.capacities.set_index("unit")
    assert c.loc["pit", "capacity_mwh"] == pytest.approx(SQUARE_50_30_M3 * MWH_PER_M3)
    assert c.loc["pit", "volume_m3"] == pytest.approx(SQUARE_50_30_M3)
    k = out.results.kpis.set_index("unit")
    assert k.loc["pit", "cost_investment_eur"] == pytest.approx(investment, rel=1e-9)


# Annualised curves (capacity MWh, € a year) whose optimum is 120 MWh, with 0.504 M€ a year saved:
# value 29,200·min(c, 120) − cost. Concave: on a breakpoint (0, 60, 120, 240 MWh) or inside the
# segment 60–180 MWh. Their convex hull is the chord from 0 to the last point (15,000 and
# 16,250 €/MWh), which would save 29,200·120 − 120·15,000 = 1.704 M€ (resp. 1.554 M€).
CURVES = {
    "breakpoint": ([(0, 0.0), (60, 2.4e6), (120, 3.0e6), (240, 3.6e6)], 1.704e6),
    "inside a segment": ([(0, 0.0), (60, 2.4e6), (180, 3.6e6), (240, 3.9e6)], 1.554e6),
}


def curve_case(writer, annual_curve) -> dict:
    """The annual curve as volumes (MWh / 0.04652) and investments (€ a year / crf)."""
    a = crf(0.04, 25)
    points = [(mwh / MWH_PER_M3, eur / a) for mwh, eur in annual_curve]
    sc = cheap_dear_day(writer)
    sc["units"]["pit"] = pit(points)
    return sc


@pytest.mark.parametrize("case", CURVES, ids=list(CURVES))
def test_a_concave_cost_curve_is_followed_not_its_convex_hull(writer, case):
    """The model's own formulation solved as a MIP: 120 MWh, 365·14,400 − 504,000 € = 4,752,000 €;
    with the segment binaries relaxed it would be the hull's 5,256,000 − 1,704,000 (1,554,000)."""
    annual_curve, hull_saving = CURVES[case]
    inputs = prepare_inputs(load_scenario(writer.yaml(curve_case(writer, annual_curve))))
    assert inputs.storages[0].investment_curve is not None
    built = build_model(inputs)
    block = built.storage_blocks["pit"]
    segments = [v for v in storage.integer_vars(block) if v is not block.build]
    assert len(segments) == len(annual_curve) - 2  # one binary per segment, the first is `build`
    result = Highs().solve(built.model)
    objective = result.incumbent_objective
    assert objective == pytest.approx(365 * NO_STORAGE_DAY - 504_000, rel=1e-9)
    assert block.cap.value == pytest.approx(120.0, rel=1e-7)
    assert storage.investment_value(block, inputs.storages[0]) == pytest.approx(3.0e6, rel=1e-7)
    relaxed = Highs()  # with the binaries relaxed it follows the hull instead
    relaxed.config.solver_options = {"solve_relaxation": True}
    assert relaxed.solve(built.model).incumbent_objective == pytest.approx(
        365 * NO_STORAGE_DAY - hull_saving, rel=1e-9
    )


def test_a_concave_cost_curve_through_the_whole_solve(writer):
    """The solve keeps the curve's segment binaries integer (relaxed, it would follow the hull)."""
    out = run_scenario(writer.yaml(curve_case(writer, CURVES["breakpoint"][0])), options=EXACT)
    assert out.report.objective == pytest.approx(365 * NO_STORAGE_DAY - 504_000, rel=1e-9)
    k = out.results.kpis.set_index("unit")
    assert k.loc["system", "cost_total_eur"] == pytest.approx(out.report.objective, rel=1e-9)


def test_a_convex_curve_needs_no_segment_binaries(writer):
    """Rising slopes 10,000 then 40,000 €/MWh a year: the first 60 MWh pay (29,200 > 10,000), the
    next do not (29,200 < 40,000): 60 MWh, saving 60·(29,200 − 10,000) = 1,152,000 € a year."""
    sc = curve_case(writer, [(0, 0.0), (60, 0.6e6), (240, 7.8e6)])
    out = run_scenario(writer.yaml(sc), options=EXACT)
    assert out.report.objective == pytest.approx(365 * NO_STORAGE_DAY - 1_152_000, rel=1e-9)
    assert out.results.capacities.set_index("unit").loc["pit", "capacity_mwh"] == pytest.approx(60.0)


DANISH = [(10_000.0, 670_000.0), (60_000.0, 2_280_000.0), (200_000.0, 4_800_000.0)]


def test_a_reused_sweep_model_moves_the_curve_cost_of_a_fixed_pit(writer):
    """A model built for a fixed 15,000 m³ pit, re-solved for 30,000 m³ (a sweep's reuse): both hold
    more than the 120 MWh of the dear hours, so a day costs 240·20 €; the investment of 30,000 m³ on
    the curve is 670,000 + 20,000/50,000 · (2,280,000 − 670,000) = 1,314,000 €."""
    from dhopt.solve import ModelCache, solve

    sc = cheap_dear_day(writer)
    inputs = {}
    for volume in (15_000.0, 30_000.0):
        sc["units"]["pit"] = pit(DANISH, volume_m3=volume)
        inputs[volume] = prepare_inputs(load_scenario(writer.yaml(sc)))
    cache = ModelCache()
    solve(inputs[15_000.0], EXACT, cache)
    built, report = solve(inputs[30_000.0], EXACT, cache)
    assert cache.reused == 1
    assert report.objective == pytest.approx(365 * 240 * 20.0 + crf(0.04, 25) * 1_314_000, rel=1e-9)
    block = built.storage_blocks["pit"]
    assert storage.investment_value(block, inputs[30_000.0].storages[0]) == pytest.approx(
        crf(0.04, 25) * 1_314_000
    )


def tank_and_pit(writer, days: int = 1) -> dict:
    """A tank at 10 €/m³ (ΔT 25 K: 10/(1.163e-3·25) €/MWh) capped at 50 MWh, a pit at 30 €/m³
    (30/0.04652 €/MWh), no losses: the tank takes its 50 MWh, the pit the other 70."""
    sc = cheap_dear_day(writer, days)
    sc["units"]["tank"] = {
        "type": "storage",
        "loss_per_hour": 0.0,
        "capacity_max_mwh": 50.0,
        "investment": {"per_m3_eur": 10.0, "lifetime_years": 20},
    }
    sc["units"]["pit"] = pit([(0.0, 0.0), (100_000.0, 3_000_000.0)])
    return sc


def tank_and_pit_objective() -> float:
    tank = crf(0.04, 20) * 10 / (1.163e-3 * 25) * 50
    pit_cost = crf(0.04, 25) * 30 / MWH_PER_M3 * 70
    return 365 * 240 * 20.0 + tank + pit_cost


def test_a_tank_and_a_pit_in_one_scenario(writer):
    out = run_scenario(writer.yaml(tank_and_pit(writer)), options=EXACT)
    assert out.report.objective == pytest.approx(tank_and_pit_objective(), rel=1e-9)
    c = out.results.capacities.set_index("unit")
    assert c.loc["tank", "capacity_mwh"] == pytest.approx(50.0)
    assert c.loc["pit", "capacity_mwh"] == pytest.approx(70.0)
    assert c.loc["pit", "volume_m3"] == pytest.approx(70.0 / MWH_PER_M3)
    assert c.loc["tank", "volume_m3"] == pytest.approx(50.0 / (1.163e-3 * 25))


def test_typical_days_with_a_pit_are_exact_on_identical_days(writer):
    """Three identical days: one typical day (+ the peak day) is no approximation."""
    path = writer.yaml(tank_and_pit(writer, days=3))
    typical = run_scenario(path, options=EXACT, typical_days=1)
    assert typical.inputs.periods is not None
    assert typical.report.objective == pytest.approx(tank_and_pit_objective(), rel=1e-7)
    c = typical.results.capacities.set_index("unit")
    assert c.loc["pit", "capacity_mwh"] == pytest.approx(70.0, rel=1e-6)


@pytest.mark.parametrize(
    ("over", "field", "says"),
    [
        ({"depth_m": -5.0}, "units.pit.depth_m", "greater than 0"),
        ({"side_slope": 11.0}, "units.pit.side_slope", "less than or equal to 10"),
        ({"side_slope": 2.0, "depth_m": 40.0}, "units.pit.depth_m", "would end in a point"),
        ({"top_temperature_c": 30.0}, "units.pit.top_temperature_c", "expected above bottom_temperature_c"),
        ({"volume_max_m3": 200_000.0}, "units.pit.volume_max_m3", "cost curve's largest volume"),
        ({"volume_min_m3": 200_000.0}, "units.pit.volume_min_m3", "at most the largest volume"),
        (
            {"volume_m3": 5.0, "design_volume_m3": 50_000.0},
            "units.pit.volume_m3",
            "below the cost curve's first point",
        ),
        ({"curve": [(10.0, 1.0), (10.0, 2.0)]}, "units.pit.investment.curve", "volumes that increase"),
        ({"curve": [(10.0, 2.0), (20.0, 1.0)]}, "units.pit.investment.curve", "does not fall"),
        ({"curve": [(10.0, 2.0)]}, "units.pit.investment.curve", "at least two points"),
    ],
)
def test_bad_pit_input_gives_one_line_naming_the_field(writer, over, field, says):
    curve = over.pop("curve", [(1000.0, 100_000.0), (100_000.0, 3_000_000.0)])
    sc = cheap_dear_day(writer)
    sc["units"]["pit"] = pit(curve, **over)
    with pytest.raises(ScenarioError) as err:
        prepare_inputs(load_scenario(writer.yaml(sc)))
    message = str(err.value)
    assert "\n" not in message
    assert f"{field}:" in message or f"{field}." in message, message
    assert says in message, message
