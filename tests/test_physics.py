"""Network temperature curves and heat-pump output that falls with the source temperature, by hand."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import base_scenario, boiler, heat_pump
from typer.testing import CliRunner

from dhopt import columns as col
from dhopt.cli import app
from dhopt.errors import ScenarioError
from dhopt.run import run_scenario
from dhopt.solve import SolveOptions
from dhopt.solve_summary import uses_text

EXACT = SolveOptions(mip_gap=1e-9)
FREE = {"fixed_eur": 0.0, "per_mw_eur": 0.0, "lifetime_years": 25}
NO_OM = {"fixed_eur_per_mw_year": 0.0, "variable_eur_per_mwh": 0.0}
CURVE_POINTS = [
    {"outdoor_temperature_c": 15.0, "temperature_c": 65.0},
    {"outdoor_temperature_c": -12.0, "temperature_c": 80.0},
]
LINEAR = {
    "model": "linear",
    "design_cop": 3.5,
    "source_design_temperature_c": 10.0,
    "sink_design_temperature_c": 65.0,
    "a": 0.05,
    "b": 0.03,
}


def test_a_supply_curve_moves_the_cop_hour_by_hour(writer):
    """Outdoor −20, −12, 1.5, 15, 20 °C (repeated): supply 80, 80, 72.5, 65, 65 °C on the curve;
    the linear COP at a 10 °C source falls 0.03 per K of supply: 3.05, 3.05, 3.275, 3.5, 3.5."""
    outdoor = [-20.0, -12.0, 1.5, 15.0, 20.0] * 5
    sc = base_scenario(25, demand=5.0, price=40.0)
    sc["district_heating"]["supply_temperature_c"] = {
        "outdoor_temperature_c": {"file": writer.csv("t.csv", t=outdoor), "column": "t"},
        "points": CURVE_POINTS,
    }
    sc["units"] = {
        "hp": heat_pump(source_temperature_c=10.0, cop=LINEAR, capacity_mw=10.0, investment=FREE, om=NO_OM)
    }
    out = run_scenario(writer.yaml(sc), options=EXACT)
    cop = np.array([3.05, 3.05, 3.275, 3.5, 3.5] * 5)
    d = out.results.dispatch
    assert np.allclose(d[col.cop("hp")], cop)
    assert np.allclose(d[col.electricity("hp")], 5.0 / cop)
    assert out.report.objective == pytest.approx(8760 / 25 * float(np.sum(40.0 * 5.0 / cop)), rel=1e-9)
    shown = CliRunner().invoke(app, ["validate", str(writer.yaml(sc))])
    assert shown.exit_code == 0 and "supply 65.0–80.0 °C" in shown.output


def test_a_bad_curve_is_one_line(writer):
    sc = base_scenario(24)
    sc["units"] = {"eb": boiler()}
    sc["district_heating"]["supply_temperature_c"] = {
        "outdoor_temperature_c": 5.0,
        "points": [{"outdoor_temperature_c": 5.0, "temperature_c": 70.0}] * 2,
    }
    with pytest.raises(
        ScenarioError, match=r"district_heating\.supply_temperature_c\.points: .*each outdoor"
    ):
        run_scenario(writer.yaml(sc))


def test_an_air_source_heat_pump_derated_in_the_cold_is_sized_for_the_cold_hours(writer):
    """Air at 7 and −10 °C in turn; the heat pump gives 100 % and 60 % of its rated MW there. Heat
    pump: COP 4 on 40 €/MWh, 10 €/MWh, 100,000 €/MW (annuity 6,401.2 €/(MW·a)); electric boiler 40.5
    €/MWh and 110,000 €/MW over 15 years. Demand 8 MW. Each MW of heat pump beyond 8 MW saves 0.6 MW
    of boiler in the cold half of the year: 0.6·4380·30.5 = 80,154 €/a ≫ its annuity, so the heat
    pump is rated 8/0.6 = 13.33 MW and the boiler is not built (its first guess bound, 8 MW, is
    raised: the bound from the least factor, 8/0.6, is valid)."""
    sc = base_scenario(24, demand=8.0, price=40.0)
    air = {"file": writer.csv("air.csv", t=[7.0, -10.0] * 12), "column": "t"}
    sc["units"] = {
        "hp": heat_pump(
            source="air",
            source_temperature_c=air,
            cop={"model": "series", "cop": 4.0},
            capacity_by_source_temperature=[
                {"source_temperature_c": 7.0, "share": 1.0},
                {"source_temperature_c": -10.0, "share": 0.6},
            ],
            investment={"fixed_eur": 0.0, "per_mw_eur": 100_000.0, "lifetime_years": 25},
            om=NO_OM,
        ),
        "eb": boiler(),
    }
    out = run_scenario(writer.yaml(sc), options=EXACT)
    cap = out.results.capacities.set_index("unit")["capacity_mw"]
    assert cap["hp"] == pytest.approx(8.0 / 0.6, rel=1e-9)
    assert cap["eb"] == pytest.approx(0.0, abs=1e-9)
    annuity = 0.04 / (1 - 1.04**-25) * 100_000
    assert out.report.objective == pytest.approx(annuity * 8 / 0.6 + 8760 * 8 * 10.0, rel=1e-9)
    assert np.allclose(out.results.dispatch[col.heat("hp")], 8.0)


def fixed_derated_case(writer, cop, **boiler_over) -> dict:
    """8 MW of demand, air at 7 and −10 °C in turn; a fixed 10 MW heat pump (series COP `cop`)
    giving 100 % and 60 % of it there; a free 5 MW electric boiler."""
    sc = base_scenario(24, demand=8.0, price=40.0)
    air = {"file": writer.csv("air.csv", t=[7.0, -10.0] * 12), "column": "t"}
    sc["units"] = {
        "hp": heat_pump(
            source_temperature_c=air,
            cop={"model": "series", "cop": cop},
            capacity_mw=10.0,
            capacity_by_source_temperature=[
                {"source_temperature_c": -10.0, "share": 0.6},
                {"source_temperature_c": 7.0, "share": 1.0},
            ],
            investment=FREE,
            om=NO_OM,
        ),
        "eb": boiler(capacity_mw=5.0, investment=FREE, **boiler_over),
    }
    return sc


def test_a_fixed_derated_heat_pump_leaves_the_cold_hours_to_the_boiler(writer):
    """A fixed 10 MW rating gives 6 MW at −10 °C: the boiler makes 2 MW in the cold hours only."""
    out = run_scenario(writer.yaml(fixed_derated_case(writer, cop=4.0)), options=EXACT)
    d = out.results.dispatch
    assert np.allclose(d[col.heat("eb")], [0.0, 2.0] * 12, atol=1e-7)
    assert np.allclose(d[col.heat("hp")], [8.0, 6.0] * 12, atol=1e-7)


def test_thermal_and_electric_capacity_are_both_reported(writer):
    """The 10 MW (thermal, at 7 °C) heat pump above: at 7 °C it gives 10 MW for 10/4 = 2.5 MW of
    electricity; at −10 °C, COP 2, it gives 6 MW for 3 MW. Its electric capacity is the larger,
    3 MW; the electric boiler's (5 MW at efficiency 0.99, say) is 5/0.99 MW; a unit burning fuel
    has none."""
    cop = {"file": writer.csv("cop.csv", cop=[4.0, 2.0] * 12), "column": "cop"}
    out = run_scenario(writer.yaml(fixed_derated_case(writer, cop=cop, efficiency=0.99)), options=EXACT)
    caps = out.results.capacities.set_index("unit")
    assert caps.loc["hp", "capacity_mw"] == pytest.approx(10.0)
    assert caps.loc["hp", col.ELECTRIC_CAPACITY] == pytest.approx(3.0, rel=1e-9)
    assert caps.loc["eb", col.ELECTRIC_CAPACITY] == pytest.approx(5.0 / 0.99, rel=1e-9)


def test_derating_needs_a_source_temperature(writer):
    sc = base_scenario(24)
    sc["units"] = {
        "hp": heat_pump(
            capacity_by_source_temperature=[
                {"source_temperature_c": -10.0, "share": 0.6},
                {"source_temperature_c": 7.0, "share": 1.0},
            ]
        )
    }
    with pytest.raises(
        ScenarioError, match=r"units\.hp\.source_temperature_c: is needed by capacity_by_source"
    ):
        run_scenario(writer.yaml(sc))


def direct_case(writer, **hp_over) -> dict:
    """A heat pump on a source at 70 °C and 50 °C in turn, supply 65 °C; linear COP 3.5 at a 10 °C
    source rising 0.05 per K: 5.5 at 50 °C. Fixed 10 MW, no investment or O&M; 40 €/MWh; 5 MW."""
    sc = base_scenario(24, demand=5.0, price=40.0)
    source = {"file": writer.csv("src.csv", t=[70.0, 50.0] * 12), "column": "t"}
    sc["units"] = {
        "hp": heat_pump(
            source="excess heat",
            source_temperature_c=source,
            cop=LINEAR,
            capacity_mw=10.0,
            investment=FREE,
            om=NO_OM,
            **hp_over,
        )
    }
    return sc


def test_direct_use_in_exactly_the_hours_the_source_is_hot_enough(writer):
    out = run_scenario(writer.yaml(direct_case(writer, direct_use=True)), options=EXACT)
    d = out.results.dispatch
    assert np.allclose(d[col.electricity("hp")], [0.0, 5.0 / 5.5] * 12)
    assert np.isnan(d[col.cop("hp")][0]) and d[col.cop("hp")][1] == pytest.approx(5.5)
    assert out.report.objective == pytest.approx(8760 / 24 * 12 * 5.0 * 40.0 / 5.5, rel=1e-9)
    (hp,) = out.inputs.converters
    assert uses_text(hp) == "COP 5.50 (5.50–5.50), direct use in 12 h"  # what `dhopt validate` shows


def test_without_direct_use_a_source_that_hot_is_an_error_that_says_what_to_do(writer):
    with pytest.raises(ScenarioError, match=r"units\.hp\.source_temperature_c: .*give direct_use: true"):
        run_scenario(writer.yaml(direct_case(writer)), options=EXACT)


def test_an_excess_heat_booster_is_bypassed_when_the_heat_is_hot_enough(writer):
    """3 MW of excess heat at 70 °C and 40 °C in turn, supply 65 °C: at 70 °C it goes in directly
    (3 MW, no electricity); at 40 °C the booster (COP 3.5 + 0.05·30 = 5) lifts it: 3/(1 − 1/5) =
    3.75 MW out for 0.75 MW of electricity. An electric boiler makes the rest of 10 MW."""
    sc = base_scenario(24, demand=10.0, price=40.0)
    source = {"file": writer.csv("src.csv", t=[70.0, 40.0] * 12), "column": "t"}
    sc["units"] = {
        "shop": {
            "type": "excess_heat",
            "source": "data centre",
            "available_heat_mw": 3.0,
            "booster": {"source_temperature_c": source, "cop": LINEAR},
            "investment": FREE,
        },
        "eb": boiler(capacity_mw=10.0, investment=FREE),
    }
    out = run_scenario(writer.yaml(sc), options=EXACT)
    d = out.results.dispatch
    assert np.allclose(d[col.heat("shop")], [3.0, 3.75] * 12, atol=1e-7)
    assert np.allclose(d[col.electricity("shop")], [0.0, 0.75] * 12, atol=1e-7)


def shift_case(writer, follows: bool) -> dict:
    """Electricity at 20 and 60 €/MWh in turn, a fixed 200 MW heat pump (COP 4: 5 and 15 €/MWh of
    heat), demand 80 MW, a free lossless 100 MWh tank (at 25 K). The supply runs at 52.5 °C in the
    cheap hours and 65 °C in the dear ones (return 40 °C): 12.5 K, then 25 K."""
    sc = base_scenario(
        24, demand=80.0, price={"file": writer.csv("p.csv", p=[20.0, 60.0] * 12), "column": "p"}
    )
    sc["district_heating"]["supply_temperature_c"] = {
        "file": writer.csv("s.csv", s=[52.5, 65.0] * 12),
        "column": "s",
    }
    sc["units"] = {
        "hp": heat_pump(capacity_mw=200.0, investment=FREE, om=NO_OM),
        "tank": {
            "type": "storage",
            "loss_per_hour": 0.0,
            "temperature_difference_k": 25.0,
            "capacity_mwh": 100.0,
            "follows_network": follows,
            "investment": {"lifetime_years": 20},
        },
    }
    return sc


@pytest.mark.parametrize(
    ("follows", "charged"),
    # Not following: the cheap hour makes 160 MWh and stores 80. Following: the tank holds only
    # 100 · 12.5/25 = 50 MWh at the end of a cheap hour, so 130 MWh then and 30 in the dear hour.
    [(False, 80.0), (True, 50.0)],
)
def test_a_storage_that_follows_the_network_holds_less_when_the_difference_is_small(writer, follows, charged):
    out = run_scenario(writer.yaml(shift_case(writer, follows)), options=EXACT)
    d = out.results.dispatch
    if follows:  # (without, a lossless tank has many equally cheap level paths)
        assert np.allclose(d[col.level("tank")], [charged, 0.0] * 12, atol=1e-6)
    pair = (80.0 + charged) * 5.0 + (80.0 - charged) * 15.0
    assert out.report.objective == pytest.approx(8760 / 24 * 12 * pair, rel=1e-9)


def test_a_source_limited_by_its_flow_and_allowed_cooling(writer):
    """Sewage at 12 °C, 1,000 m³/h, cooled by at most 5 K: at most 1000·1.163e-3·5 = 5.815 MW from
    the source, so with COP 4 at most 5.815/0.75 = 7.7533 MW of heat; the boiler makes the rest of
    10 MW. At 4 MW the heat pump draws 3 MW: the sewage leaves at 12 − 3/1.163 = 9.4205 °C."""
    sc = base_scenario(
        24, demand={"file": writer.csv("d.csv", d=[10.0, 4.0] * 12), "column": "d"}, price=40.0
    )
    sc["units"] = {
        "hp": heat_pump(
            source="sewage",
            source_temperature_c=12.0,
            source_flow={"flow_m3_per_h": 1000.0, "max_cooling_k": 5.0},
            capacity_mw=20.0,
            investment=FREE,
            om=NO_OM,
        ),
        "eb": boiler(capacity_mw=10.0, investment=FREE),
    }
    out = run_scenario(writer.yaml(sc), options=EXACT)
    d = out.results.dispatch
    top = 1000 * 1.163e-3 * 5 / 0.75
    assert np.allclose(d[col.heat("hp")], [top, 4.0] * 12, atol=1e-7)
    assert np.allclose(d[col.heat("eb")], [10.0 - top, 0.0] * 12, atol=1e-7)
    assert np.allclose(d[col.source_outlet("hp")], [7.0, 12.0 - 3.0 / 1.163] * 12, atol=1e-7)
