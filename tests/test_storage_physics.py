"""Storage physics that change the sizing, solved by hand: a tank's loss from its geometry, the annual
loss and equivalent full cycles in the results, power limited by a ratio or sized on its own, and a
pit discharged through a booster in hours its top is colder than the supply."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import base_scenario, boiler, crf, heat_pump
from test_pit_storage import LINEAR as PIT_LINEAR
from test_pit_storage import MWH_PER_M3, SQUARE_50_30_M3, cheap_dear_day, hand_loss_share, lossy, pit

from dhopt import columns as col
from dhopt.errors import ScenarioError
from dhopt.inputs import prepare_inputs
from dhopt.report import storage_note
from dhopt.run import run_scenario
from dhopt.scenario import load_scenario
from dhopt.solve import SolveOptions

EXACT = SolveOptions(mip_gap=1e-9)
FREE_EB = {
    "capacity_mw": 1000.0,
    "investment": {"per_mw_eur": 0.0, "lifetime_years": 15},
    "om": {"fixed_eur_per_mw_year": 0.0, "variable_eur_per_mwh": 0.0},
}
TANK_MWH_PER_M3 = 1.163e-3 * 25.0  # the default 25 K


def series(writer, name: str, values: list[float]) -> dict:
    return {"file": writer.csv(f"{name}.csv", v=values), "column": "v"}


# ---------------------------------------------------------------------------------------------
# 1 + 2: a tank's loss from its geometry; annual loss and full cycles


CYLINDER_M3 = 250.0 * math.pi  # D = H = 10 m: π·10²/4·10


def cylinder(**over) -> dict:
    return {
        "height_to_diameter": 1.0,
        "u_wall_w_per_m2k": 0.3,
        "u_lid_w_per_m2k": 0.2,
        "u_bottom_w_per_m2k": 0.5,
        "air_temperature_c": 0.0,
        "ground_temperature_c": 10.0,
        **over,
    }


def hand_tank_share() -> float:
    """D = H = 10 m: lid = bottom = 25π m², wall 100π m²; mean (65 + 40)/2 = 52.5 °C.
    P = (0.3·100π + 0.2·25π)·52.5 + 0.5·25π·42.5 = 2368.75π W; a full tank holds
    250π·1.163e-3·25 = 7.26875π MWh: share = 2368.75e-6 / 7.26875 = 3.2588e-4 an hour."""
    return 2368.75e-6 / 7.26875


def decay_case(writer, geometry: dict, hours: int = 8, days: int = 1) -> dict:
    """`hours` a day: hour 0 cheap (10 €/MWh) and no demand, the next dear (100) and no demand, the
    last dear with 5 MW. The free boiler charges the tank (fixed at the cylinder's volume) in hour 0
    only, and it holds the heat, losing some, until the last hour."""
    price = ([10.0] + [100.0] * (hours - 1)) * days
    demand = ([0.0] * (hours - 1) + [5.0]) * days
    sc = base_scenario(hours * days, demand=series(writer, "d", demand), price=series(writer, "p", price))
    sc["units"] = {
        "eb": boiler(**FREE_EB),
        "tank": {
            "type": "storage",
            "capacity_mwh": CYLINDER_M3 * TANK_MWH_PER_M3,
            "geometry": geometry,
            "investment": {"lifetime_years": 20},
        },
    }
    return sc


def test_a_tank_loses_what_its_cylinder_loses(writer):
    (s,) = prepare_inputs(load_scenario(writer.yaml(decay_case(writer, cylinder())))).storages
    assert s.loss_per_hour == pytest.approx(hand_tank_share(), rel=1e-12)
    # The same cylinder by its height, and the design volume given instead of taken from capacity_mwh.
    sc = decay_case(writer, cylinder(height_to_diameter=None, height_m=10.0, design_volume_m3=CYLINDER_M3))
    del sc["units"]["tank"]["geometry"]["height_to_diameter"]
    (same,) = prepare_inputs(load_scenario(writer.yaml(sc))).storages
    assert same.loss_per_hour == pytest.approx(hand_tank_share(), rel=1e-12)
    # Eight times the volume at the same shape: twice the diameter, A/V halves, so does the share.
    sc = decay_case(writer, cylinder(design_volume_m3=8 * CYLINDER_M3))
    (big,) = prepare_inputs(load_scenario(writer.yaml(sc))).storages
    assert big.loss_per_hour == pytest.approx(hand_tank_share() / 2, rel=1e-12)


def test_the_level_decays_hour_by_hour_and_the_loss_is_in_the_capacity_table(writer):
    """Hour 0 charges L; hours 1–6 keep (1 − share) of it each; hour 7 discharges 5 MW and ends
    empty: keep^7·L = 5, L = 5/keep^7. A year (×1095): the boiler makes 1095·L MWh at 10 €/MWh; the
    tank discharges 1095·5 MWh and loses 1095·(L − 5); full cycles 1095·5 / capacity."""
    out = run_scenario(writer.yaml(decay_case(writer, cylinder())), options=EXACT)
    keep = 1.0 - hand_tank_share()
    charged = 5.0 / keep**7
    d = out.results.dispatch
    assert d[col.charge("tank")].iloc[0] == pytest.approx(charged, rel=1e-9)
    expected_level = [charged * keep**n for n in range(7)] + [0.0]
    assert np.allclose(d[col.level("tank")], expected_level, rtol=1e-9, atol=1e-9)
    assert out.report.objective == pytest.approx(1095 * 10.0 * charged, rel=1e-9)
    c = out.results.capacities.set_index("unit")
    cap = CYLINDER_M3 * TANK_MWH_PER_M3
    assert c.loc["tank", col.STORAGE_LOSS] == pytest.approx(1095 * (charged - 5.0), rel=1e-6)
    assert c.loc["tank", col.FULL_CYCLES] == pytest.approx(1095 * 5.0 / cap, rel=1e-9)
    assert math.isnan(c.loc["tank", "capacity_mw"])  # no power limit
    assert math.isnan(c.loc["eb", col.STORAGE_LOSS])  # a producer has none


@pytest.mark.parametrize("typical", [None, 1])
def test_loss_and_cycles_on_typical_days_are_scaled_to_a_year(writer, typical):
    """Three identical days of 24 hours: the tank is charged with L = 5/keep^23 in hour 0 and gives
    5 MWh in hour 23. A year: loss 365·(L − 5) MWh, 365·5/capacity full cycles, every hour solved
    or on one typical day (+ the peak day: exact on identical days)."""
    path = writer.yaml(decay_case(writer, cylinder(), hours=24, days=3))
    out = run_scenario(path, options=EXACT, typical_days=typical)
    assert (out.inputs.periods is not None) == (typical is not None)
    charged = 5.0 / (1.0 - hand_tank_share()) ** 23
    c = out.results.capacities.set_index("unit")
    assert c.loc["tank", col.STORAGE_LOSS] == pytest.approx(365 * (charged - 5.0), rel=1e-6)
    assert c.loc["tank", col.FULL_CYCLES] == pytest.approx(365 * 5.0 / (CYLINDER_M3 * TANK_MWH_PER_M3))


def test_a_pit_reports_its_loss_and_cycles_too(writer):
    """The fixed lossy pit of tests/test_pit_storage.py: charged with L = 10·Σ_{i=1..12} keep^−i in
    the last cheap hour, it serves the 12 dear hours at 10 MW. A year: loss 365·(L − 120) MWh,
    365·120 / capacity full cycles."""
    sc = cheap_dear_day(writer)
    sc["units"]["pit"] = pit(PIT_LINEAR, volume_m3=SQUARE_50_30_M3, **lossy())
    out = run_scenario(writer.yaml(sc), options=EXACT)
    keep = 1 - hand_loss_share()
    charged = 10 * sum(keep**-i for i in range(1, 13))
    c = out.results.capacities.set_index("unit")
    assert c.loc["pit", col.STORAGE_LOSS] == pytest.approx(365 * (charged - 120.0), rel=1e-6)
    assert c.loc["pit", col.FULL_CYCLES] == pytest.approx(365 * 120.0 / (SQUARE_50_30_M3 * MWH_PER_M3))


@pytest.mark.parametrize(
    ("geometry", "extra", "field", "says"),
    [
        (cylinder(), {"loss_per_hour": 0.001}, "units.tank.geometry:", "not both"),
        (cylinder(height_m=5.0), {}, "units.tank.geometry.height_to_diameter:", "found both"),
        (cylinder(height_to_diameter=None), {}, "units.tank.geometry.height_to_diameter:", "found neither"),
        (cylinder(), {"capacity_mwh": None}, "units.tank.geometry.design_volume_m3:", "is needed"),
        (cylinder(air_temperature_c=70.0), {}, "units.tank.geometry.air_temperature_c:", "gain heat"),
    ],
)
def test_bad_geometry_is_one_line(writer, geometry, extra, field, says):
    sc = decay_case(writer, geometry)
    sc["units"]["tank"].update(extra)
    sc["units"]["tank"] = {k: v for k, v in sc["units"]["tank"].items() if v is not None}
    sc["units"]["tank"]["geometry"] = {k: v for k, v in geometry.items() if v is not None}
    with pytest.raises(ScenarioError) as err:
        prepare_inputs(load_scenario(writer.yaml(sc)))
    assert "\n" not in str(err.value)
    assert field in str(err.value) and says in str(err.value), str(err.value)


# ---------------------------------------------------------------------------------------------
# 3: power by a ratio to the capacity, or sized on its own

TANK_EUR_PER_MWH_A = crf(0.04, 20) * 100.0 / TANK_MWH_PER_M3  # 100 €/m³ over 20 years: 253.1 €/MWh·a


def shift_day(writer, dear_demand: list[float], **tank) -> dict:
    """12 cheap hours (20 €/MWh) at 10 MW, then 12 dear ones (100 €/MWh) at `dear_demand`; a free
    boiler and a lossless tank at 100 €/m³."""
    demand = [10.0] * 12 + dear_demand
    sc = base_scenario(
        24,
        demand=series(writer, "d", demand),
        price=series(writer, "p", [20.0] * 12 + [100.0] * 12),
    )
    sc["units"] = {
        "eb": boiler(**FREE_EB),
        "tank": {
            "type": "storage",
            "loss_per_hour": 0.0,
            "investment": {"per_m3_eur": 100.0, "lifetime_years": 20},
            **tank,
        },
    }
    return sc


@pytest.mark.parametrize(("ratio", "capacity"), [(None, 120.0), (0.05, 200.0)])
def test_power_tied_to_the_capacity_buys_a_bigger_tank(writer, ratio, capacity):
    """Every MW of the dear hours' 10 MW served from the tank saves 12·80·365 = 350,400 € a year.
    Unlimited power: it needs 12 MWh per MW, 120 MWh. At 0.05 MW per MWh it needs 20 MWh per MW
    (discharge x ≤ 0.05·cap): 200 MWh, still far cheaper (253 €/MWh·a) than it saves; charging
    120 MWh over 12 cheap hours is 10 MW = 0.05·200. All heat is made at 20 €/MWh."""
    sc = shift_day(writer, [10.0] * 12, **({} if ratio is None else {"power_per_mwh": ratio}))
    out = run_scenario(writer.yaml(sc), options=EXACT)
    objective = 365 * 240 * 20.0 + capacity * TANK_EUR_PER_MWH_A
    assert out.report.objective == pytest.approx(objective, rel=1e-9)
    c = out.results.capacities.set_index("unit")
    assert c.loc["tank", "capacity_mwh"] == pytest.approx(capacity, rel=1e-9)
    if ratio is not None:
        assert c.loc["tank", "capacity_mw"] == pytest.approx(10.0, rel=1e-9)
        d = out.results.dispatch
        assert np.allclose(d[col.discharge("tank")].iloc[12:], 10.0)


def test_a_sized_power_capacity_and_its_cost(writer):
    """Dear hours: 6 at 10 MW, then 6 at 5 MW. Power P at 200,000 €/MW·a. The first 5 MW of P serve
    all 12 dear hours (12·80·365 = 350,400 €/MW·a) with 12 MWh each: 200,000 + 12·253.1 < 350,400,
    built. P above 5 MW serves only the 6 hours at 10 MW (175,200 €/MW·a) for 200,000 + 6·253.1:
    not built. So P = 5 MW, 60 MWh, charged at 5 MW through the 12 cheap hours. A day: cheap hours
    12·15·20 = 3,600 €, dear hours 6·5·100 = 3,000 €."""
    per_mw = 200_000.0 / crf(0.04, 20)
    sc = shift_day(writer, [10.0] * 6 + [5.0] * 6, power_capacity={"per_mw_eur": per_mw})
    out = run_scenario(writer.yaml(sc), options=EXACT)
    objective = 365 * 6600.0 + 5 * 200_000.0 + 60 * TANK_EUR_PER_MWH_A
    assert out.report.objective == pytest.approx(objective, rel=1e-9)
    c = out.results.capacities.set_index("unit")
    assert c.loc["tank", "capacity_mw"] == pytest.approx(5.0, rel=1e-9)
    assert c.loc["tank", "capacity_mwh"] == pytest.approx(60.0, rel=1e-9)
    k = out.results.kpis.set_index("unit")
    assert k.loc["tank", "cost_investment_eur"] == pytest.approx(1e6 + 60 * TANK_EUR_PER_MWH_A, rel=1e-9)
    assert k.loc["system", "cost_total_eur"] == pytest.approx(objective, rel=1e-9)
    note = storage_note(out.results.capacities)  # the report's line under "What to build"
    assert note.startswith('<p class="storage">tank: 5') and "MW of power" in note, note
    assert storage_note(out.results.capacities.drop(columns=[col.STORAGE_LOSS])) == ""  # older folders


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"power_max_mw": 5.0, "power_per_mwh": 0.1}, "units.tank.power_per_mwh:"),
        ({"power_max_mw": 5.0, "power_capacity": {"per_mw_eur": 1.0}}, "units.tank.power_capacity:"),
        ({"power_per_mwh": 0.1, "power_capacity": {"per_mw_eur": 1.0}}, "units.tank.power_capacity:"),
    ],
)
def test_two_power_limits_are_an_error(writer, over, field):
    sc = shift_day(writer, [10.0] * 12, **over)
    with pytest.raises(ScenarioError, match="at most one of power_max_mw") as err:
        prepare_inputs(load_scenario(writer.yaml(sc)))
    assert field in str(err.value) and "\n" not in str(err.value)


# ---------------------------------------------------------------------------------------------
# 4: a pit discharged through a booster

FREE_CURVE = [(0.0, 0.0), (100_000.0, 0.0)]


def boosted(writer, supply: list[float], price: list[float], booster: str | None, **units) -> dict:
    """A free, lossless pit of 10,000 m³ (top 60 °C, bottom 30 °C: 349 MWh), demand 10 MW, return
    40 °C, a free electric boiler `eb`."""
    sc = base_scenario(len(price), demand=10.0, price=series(writer, "p", price))
    sc["district_heating"]["supply_temperature_c"] = series(writer, "s", supply)
    sc["units"] = {"eb": boiler(**FREE_EB), **units}
    extra = {} if booster is None else {"booster": booster}
    sc["units"]["pit"] = pit(
        FREE_CURVE, top_temperature_c=60.0, bottom_temperature_c=30.0, volume_m3=10_000.0, **extra
    )
    return sc


def test_an_electric_boiler_booster_lets_the_pit_give_twice_its_heat(writer):
    """Hours at 10, 100, 100, 100 €/MWh; supply 55, 70, 55, 55 °C (hour 1 is cold: above the 60 °C
    top). In the cold hour the pit's water raised from 60 to 70 °C carries (60 − 40)/(70 − 60) = 2
    MWh of pit heat per MWh of boiler heat: 10 = q + d, d ≤ 2·q, so the boiler makes 10/3 MW and the
    pit 20/3. In the direct hours 2 and 3 the pit gives all 10 MW. The free lossless pit is charged
    in hour 0, the cheap one: the boiler makes 10 + 20/3 + 20 = 110/3 MW there. Cost a cycle:
    10·110/3 + 100·10/3 = 700 €, ×2190 a year."""
    sc = boosted(writer, [55.0, 70.0, 55.0, 55.0], [10.0, 100.0, 100.0, 100.0], "eb")
    out = run_scenario(writer.yaml(sc), options=EXACT)
    d = out.results.dispatch
    assert np.allclose(d[col.discharge("pit")], [0.0, 20 / 3, 10.0, 10.0], atol=1e-7)
    assert np.allclose(d[col.heat("eb")], [110 / 3, 10 / 3, 0.0, 0.0], atol=1e-7)
    assert np.allclose(d[col.electricity("eb")], [110 / 3, 10 / 3, 0.0, 0.0], atol=1e-7)
    assert out.report.objective == pytest.approx(2190 * 700.0, rel=1e-9)
    assert col.to_booster("pit") not in d  # the boiler's heat holds none of the pit's


def test_without_a_booster_the_pit_gives_nothing_in_cold_hours(writer, caplog):
    """The same hours: the cold one is the boiler's alone (10 MW at 100 €/MWh); the direct ones the
    pit's, charged in hour 0. Cost a cycle 10·30 + 100·10 = 1300 €."""
    sc = boosted(writer, [55.0, 70.0, 55.0, 55.0], [10.0, 100.0, 100.0, 100.0], None)
    out = run_scenario(writer.yaml(sc), options=EXACT)
    assert np.allclose(out.results.dispatch[col.discharge("pit")], [0.0, 0.0, 10.0, 10.0], atol=1e-7)
    assert out.report.objective == pytest.approx(2190 * 1300.0, rel=1e-9)
    assert "cannot discharge" in caplog.text


def test_a_heat_pump_booster_draws_its_source_heat_from_the_pit(writer):
    """Hours: cheap 55 °C, dear 70 °C (cold). A fixed 10 MW heat pump at COP 4 is the booster: in the
    cold hour its 10 MW draw 7.5 MW from the pit and 2.5 MW of electricity (250 €, against 1000 € for
    the boiler); the 10 MW count once in the heat balance. The pit is charged with 7.5 MW in the
    cheap hour by the boiler (the heat pump makes the demand's 10 MW there). Cost a cycle:
    10·(2.5 + 7.5) + 100·2.5 = 350 €, ×4380 a year."""
    hp = heat_pump(
        cop={"model": "series", "cop": 4.0},
        capacity_mw=10.0,
        investment={"per_mw_eur": 0.0, "lifetime_years": 25},
        om={"fixed_eur_per_mw_year": 0.0, "variable_eur_per_mwh": 0.0},
    )
    sc = boosted(writer, [55.0, 70.0], [10.0, 100.0], "hp", hp=hp)
    out = run_scenario(writer.yaml(sc), options=EXACT)
    d = out.results.dispatch
    assert np.allclose(d[col.heat("hp")], [10.0, 10.0], atol=1e-7)
    assert np.allclose(d[col.electricity("hp")], [2.5, 2.5], atol=1e-7)
    assert np.allclose(d[col.heat("eb")], [7.5, 0.0], atol=1e-7)
    assert np.allclose(d[col.discharge("pit")], [0.0, 7.5], atol=1e-7)
    assert np.allclose(d[col.to_booster("pit")], [0.0, 7.5], atol=1e-7)
    assert out.report.objective == pytest.approx(4380 * 350.0, rel=1e-9)
    k = out.results.kpis.set_index("unit")
    assert k.loc["system", "heat_mwh"] == pytest.approx(4380 * 20.0)


@pytest.mark.parametrize(
    ("booster", "says"),
    [("nope", "expected the name of a unit of the scenario, found 'nope'"), ("pit", "of type pit_storage")],
)
def test_a_bad_booster_is_one_line(writer, booster, says):
    sc = boosted(writer, [55.0, 70.0], [10.0, 100.0], booster)
    with pytest.raises(ScenarioError) as err:
        prepare_inputs(load_scenario(writer.yaml(sc)))
    assert "units.pit.booster:" in str(err.value) and says in str(err.value), str(err.value)
    assert "\n" not in str(err.value)
