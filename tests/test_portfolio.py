"""Fuels, fuel boilers and CHP, solved by hand: exact costs, dispatch, CO2 and carrier tables.

Every case is 24 h of a flat or repeating pattern, so a year is 365 copies of it; units without
investment make the merit order the whole answer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import base_scenario, crf, heat_pump

from dhopt.errors import InfeasibleError, ScenarioError
from dhopt.run import run_scenario
from dhopt.solve import SolveOptions

EXACT = SolveOptions(mip_gap=1e-9)
HEAT = 8760 * 10.0  # MWh a year: 10 MW flat
FREE = {"fixed_eur": 0.0, "per_mw_eur": 0.0, "lifetime_years": 20}
NO_OM = {"fixed_eur_per_mw_year": 0.0, "variable_eur_per_mwh": 0.0}


def gas(price=25.0, co2=0.2, **over) -> dict:
    return {"price_eur_per_mwh": price, "co2_t_per_mwh": co2, **over}


def fuel_boiler(fuel="natural_gas", efficiency=1.0, **over) -> dict:
    unit = {"type": "fuel_boiler", "fuel": fuel, "efficiency": efficiency, "investment": FREE, "om": NO_OM}
    unit.update(over)
    return unit


def free_heat_pump(cop=3.0) -> dict:
    return heat_pump(cop={"model": "series", "cop": cop}, investment=FREE, om=NO_OM)


def scenario(price=90.0, el_co2=0.1, **fuels) -> dict:
    sc = base_scenario(24, demand=10.0, price=price)
    sc["electricity"]["co2_t_per_mwh"] = el_co2
    sc["fuels"] = fuels or {"natural_gas": gas()}
    return sc


def test_a_gas_boiler_alone_costs_its_annuity_o_and_m_and_fuel(writer):
    sc = scenario(natural_gas=gas(price=30.0, adders_eur_per_mwh={"energy_tax": 10.0}))
    sc["units"]["gb"] = fuel_boiler(
        efficiency=0.95,
        investment={"fixed_eur": 0.0, "per_mw_eur": 100_000.0, "lifetime_years": 20},
        om={"fixed_eur_per_mw_year": 2000.0, "variable_eur_per_mwh": 1.0},
    )
    out = run_scenario(writer.yaml(sc), options=EXACT)
    fuel = HEAT / 0.95
    expected = crf(0.04, 20) * 100_000 * 10 + 2000 * 10 + HEAT * 1.0 + fuel * 40.0
    assert out.report.objective == pytest.approx(expected, rel=1e-9)
    k = out.results.kpis.set_index("unit")
    assert k.loc["gb", "fuel_mwh"] == pytest.approx(fuel)
    assert k.loc["gb", "cost_fuel_natural_gas_eur"] == pytest.approx(fuel * 30.0)
    assert k.loc["gb", "cost_fuel_natural_gas_energy_tax_eur"] == pytest.approx(fuel * 10.0)
    assert k.loc["gb", "co2_t"] == pytest.approx(fuel * 0.2)
    assert k.loc["gb", "fuel_efficiency"] == pytest.approx(0.95)
    assert np.isnan(k.loc["gb", "scop"])  # burns fuel: no SCOP
    assert np.isnan(k.loc["system", "scop"])  # no electricity at all
    assert k.loc["system", "lcoe_eur_per_mwh"] == pytest.approx(expected / HEAT, rel=1e-9)
    c = out.results.carriers.set_index("carrier")
    assert c.loc["natural_gas", "bought_mwh"] == pytest.approx(fuel)
    assert c.loc["natural_gas", "cost_eur"] == pytest.approx(fuel * 40.0)
    assert c.loc["electricity", "bought_mwh"] == 0.0
    d = out.results.dispatch
    assert np.allclose(d["gb_fuel_natural_gas_mw"], 10 / 0.95)
    assert "gb_cop" not in d.columns and "gb_electricity_mw" not in d.columns


def test_flue_gas_condensation_follows_the_return_temperature(writer):
    sc = scenario()
    sc["district_heating"]["return_temperature_c"] = {
        "file": writer.csv("t.csv", t=[30.0, 40.0, 50.0] * 8),
        "column": "t",
    }
    points = [
        {"return_temperature_c": 30.0, "efficiency": 1.05},
        {"return_temperature_c": 50.0, "efficiency": 0.95},
    ]
    sc["units"]["gb"] = fuel_boiler(efficiency=0.9, efficiency_by_return_temperature=points)
    out = run_scenario(writer.yaml(sc), options=EXACT)
    eta = np.array([1.05, 1.0, 0.95] * 8)
    assert np.allclose(out.results.dispatch["gb_fuel_natural_gas_mw"], 10 / eta)
    assert out.report.objective == pytest.approx(365 * float(np.sum(10 / eta)) * 25.0, rel=1e-9)


@pytest.mark.parametrize(("co2_price", "winner"), [(20.0, "gb"), (40.0, "hp")])
def test_a_co2_price_flips_gas_boiler_and_heat_pump_at_the_computed_price(writer, co2_price, winner):
    """Heat pump: 90/3 + p·0.1/3; gas boiler: 25 + 0.2·p €/MWh of heat; equal at p = 30 €/t."""
    sc = scenario()
    sc["economics"]["co2_price_eur_per_t"] = co2_price
    sc["units"] = {"gb": fuel_boiler(), "hp": free_heat_pump()}
    out = run_scenario(writer.yaml(sc), options=EXACT)
    cost = {"gb": 25 + 0.2 * co2_price, "hp": 30 + co2_price * 0.1 / 3}
    assert out.report.objective == pytest.approx(HEAT * cost[winner], rel=1e-9)
    k = out.results.kpis.set_index("unit")
    assert k.loc[winner, "heat_mwh"] == pytest.approx(HEAT)
    if winner == "gb":
        assert k.loc["gb", "cost_fuel_natural_gas_co2_eur"] == pytest.approx(HEAT * 0.2 * co2_price)
    else:
        assert k.loc["hp", "cost_electricity_co2_eur"] == pytest.approx(HEAT / 3 * 0.1 * co2_price)


def test_a_binding_co2_cap_counts_fuel_and_grid_co2(writer):
    """Gas (25 €/MWh, 0.2 t) is cheaper than the heat pump (30 €/MWh, 0.1/3 t); a cap of
    10,220 t a year lets gas make exactly half the heat."""
    sc = scenario()
    sc["economics"]["co2_cap_t_per_year"] = 10_220.0
    sc["units"] = {"gb": fuel_boiler(), "hp": free_heat_pump()}
    out = run_scenario(writer.yaml(sc), options=EXACT)
    assert out.report.objective == pytest.approx(HEAT * 27.5, rel=1e-9)
    k = out.results.kpis.set_index("unit")
    assert k.loc["gb", "heat_mwh"] == pytest.approx(HEAT / 2)
    assert k.loc["system", "co2_t"] == pytest.approx(10_220.0, rel=1e-9)
    # System SCOP counts only heat not made from fuel: half the demand over the heat pump's electricity
    assert k.loc["system", "scop"] == pytest.approx(3.0)
    c = out.results.carriers.set_index("carrier")
    assert c["co2_t"].sum() == pytest.approx(10_220.0, rel=1e-9)


def test_a_co2_cap_no_portfolio_meets_is_diagnosed_in_words(writer):
    sc = scenario()
    sc["economics"]["co2_cap_t_per_year"] = 100.0
    sc["units"] = {"gb": fuel_boiler()}
    with pytest.raises(InfeasibleError, match=r"even the lowest-CO2 unit in every hour would emit 17,520 t"):
        run_scenario(writer.yaml(sc), options=EXACT)


def test_an_annual_fuel_limit_binds(writer):
    """Wood chips at 15 €/MWh, 43,800 MWh a year at most; gas at 25 makes the rest."""
    sc = scenario(natural_gas=gas(), wood_chips={"price_eur_per_mwh": 15.0, "annual_limit_mwh": 43_800.0})
    sc["units"] = {"gb": fuel_boiler(), "wood": fuel_boiler(fuel="wood_chips")}
    out = run_scenario(writer.yaml(sc), options=EXACT)
    assert out.report.objective == pytest.approx(43_800 * 15 + 43_800 * 25, rel=1e-9)
    c = out.results.carriers.set_index("carrier")
    assert c.loc["wood_chips", "bought_mwh"] == pytest.approx(43_800.0)
    assert c.loc["wood_chips", "co2_t"] == 0.0


def test_a_chp_runs_exactly_where_its_electricity_pays(writer):
    """Back-pressure CHP, c_b = 1, η = 0.9: per MWh of heat 2.2̅ MWh of gas (44.4̅ €) and 1 MWh of
    electricity sold at spot. Gas boiler: 20 €/MWh. Demand 5 MW, heat may be dumped. Spot 10: the
    boiler (CHP heat would cost 34.4̅); spot 30: the CHP for the demand (14.4̅ < 20); spot 50: the CHP
    at its full 10 MW (−5.5̅ per MWh: it pays to run and dump the surplus)."""
    spot = [10.0, 30.0, 50.0] * 8
    sc = base_scenario(24, demand=5.0, price={"file": writer.csv("p.csv", spot=spot), "column": "spot"})
    sc["fuels"] = {"natural_gas": gas(price=20.0, co2=0.2)}
    sc["district_heating"]["allow_heat_dump"] = True
    sc["units"] = {
        "gb": fuel_boiler(capacity_mw=10.0),
        "chp": {
            "type": "chp",
            "fuel": "natural_gas",
            "total_efficiency": 0.9,
            "power_to_heat_ratio": 1.0,
            "capacity_mw": 10.0,
            "investment": FREE,
        },
    }
    out = run_scenario(writer.yaml(sc), options=EXACT)
    per_mwh_fuel = 2.0 / 0.9
    day = 100.0 + (5 * per_mwh_fuel * 20 - 5 * 30) + (10 * per_mwh_fuel * 20 - 10 * 50)
    assert out.report.objective == pytest.approx(365 * 8 * day, rel=1e-9)
    d = out.results.dispatch
    assert np.allclose(d["chp_heat_mw"], [0.0, 5.0, 10.0] * 8, atol=1e-7)
    assert np.allclose(d["chp_electricity_sold_mw"], [0.0, 5.0, 10.0] * 8, atol=1e-7)
    assert np.allclose(d["gb_heat_mw"], [5.0, 0.0, 0.0] * 8, atol=1e-7)
    k = out.results.kpis.set_index("unit")
    sold = 365 * 8 * 15.0
    assert k.loc["chp", "electricity_sold_mwh"] == pytest.approx(sold)
    assert k.loc["chp", "cost_electricity_sale_spot_eur"] == pytest.approx(-365 * 8 * (5 * 30 + 10 * 50))
    assert k.loc["chp", "fuel_efficiency"] == pytest.approx(0.9)
    c = out.results.carriers.set_index("carrier")
    assert c.loc["electricity", "sold_mwh"] == pytest.approx(sold)


def test_a_feed_in_premium_adds_to_the_sale_price(writer):
    """Spot 10 €/MWh + a 40 € premium: the CHP's heat costs 44.4̅ − 50 < 0, so it runs at full
    capacity every hour and dumps what the demand does not take."""
    sc = base_scenario(24, demand=5.0, price=10.0)
    sc["fuels"] = {"natural_gas": gas(price=20.0)}
    sc["district_heating"]["allow_heat_dump"] = True
    sc["units"] = {
        "chp": {
            "type": "chp",
            "fuel": "natural_gas",
            "total_efficiency": 0.9,
            "power_to_heat_ratio": 1.0,
            "capacity_mw": 10.0,
            "sale_adders_eur_per_mwh": {"premium": 40.0},
            "investment": FREE,
        },
    }
    out = run_scenario(writer.yaml(sc), options=EXACT)
    assert np.allclose(out.results.dispatch["chp_heat_mw"], 10.0)
    assert out.report.objective == pytest.approx(8760 * 10 * (20 * 2 / 0.9 - 50.0), rel=1e-9)
    k = out.results.kpis.set_index("unit")
    assert k.loc["chp", "cost_electricity_sale_premium_eur"] == pytest.approx(-8760 * 10 * 40.0)


def test_an_existing_boiler_pays_only_its_o_and_m_and_the_expansion(writer):
    sc = scenario()
    sc["units"]["gb"] = fuel_boiler(
        existing_mw=6.0,
        investment={"fixed_eur": 50_000.0, "per_mw_eur": 100_000.0, "lifetime_years": 20},
        om={"fixed_eur_per_mw_year": 2000.0, "variable_eur_per_mwh": 0.0},
    )
    out = run_scenario(writer.yaml(sc), options=EXACT)
    expected = crf(0.04, 20) * (50_000 + 100_000 * 4) + 2000 * 10 + HEAT * 25
    assert out.report.objective == pytest.approx(expected, rel=1e-9)
    cap = out.results.capacities.set_index("unit")
    assert (cap.loc["gb", "existing_mw"], cap.loc["gb", "new_mw"]) == pytest.approx((6.0, 4.0))


def test_a_retired_chp_is_gone(writer):
    sc = scenario()
    sc["units"] = {
        "gb": fuel_boiler(),
        "chp": {
            "type": "chp",
            "fuel": "natural_gas",
            "total_efficiency": 0.9,
            "power_to_heat_ratio": 1.0,
            "existing_mw": 10.0,
            "retired": True,
            "om": {"fixed_eur_per_mw_year": 10_000.0, "variable_eur_per_mwh": 0.0},
            "investment": FREE,
        },
    }
    out = run_scenario(writer.yaml(sc), options=EXACT)
    assert out.report.objective == pytest.approx(HEAT * 25, rel=1e-9)
    assert out.results.capacities.set_index("unit").loc["chp", "capacity_mw"] == 0.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda sc: sc["units"]["gb"].update(fuel="gas"),
            r"units\.gb\.fuel: expected one of the scenario's fuels \(natural_gas\), found 'gas'",
        ),
        (
            lambda sc: sc["fuels"].update({"Natural Gas": gas()}),
            r"fuels\.Natural Gas: expected a name of lower-case",
        ),
        (lambda sc: sc["fuels"].update({"electricity": gas()}), r"fuels\.electricity: .*not 'electricity'"),
        (
            lambda sc: sc["fuels"]["natural_gas"].update(adders_eur_per_mwh={"co2": 5.0}),
            r"fuels\.natural_gas\.adders_eur_per_mwh: .*'co2' is reserved",
        ),
        (
            lambda sc: sc["fuels"]["natural_gas"].update(co2_t_per_mwh=-0.2),
            r"fuels\.natural_gas\.co2_t_per_mwh",
        ),
        (lambda sc: sc["units"]["gb"].update(efficiency=1.5), r"units\.gb\.efficiency"),
        (
            lambda sc: sc["units"]["gb"].update(
                efficiency_by_return_temperature=[
                    {"return_temperature_c": 50.0, "efficiency": 1.0},
                    {"return_temperature_c": 50.0, "efficiency": 0.9},
                ]
            ),
            r"units\.gb\.efficiency_by_return_temperature: .*each return temperature once",
        ),
    ],
)
def test_bad_fuel_input_is_one_clear_line(writer, change, message):
    sc = scenario()
    sc["units"]["gb"] = fuel_boiler()
    change(sc)
    with pytest.raises(ScenarioError, match=message):
        run_scenario(writer.yaml(sc), options=EXACT)


def test_typical_days_carry_the_fuel_prices(writer):
    """An hourly gas price goes into the clustering like any series; a flat day pattern is kept exactly."""
    prices = [20.0, 30.0] * 12 * 4
    sc = scenario(natural_gas=gas(price={"file": writer.csv("g.csv", g=prices), "column": "g"}))
    sc["hours"] = 96
    sc["units"] = {"gb": fuel_boiler()}
    out = run_scenario(writer.yaml(sc), options=EXACT, typical_days=2)
    assert out.report.objective == pytest.approx(HEAT * 25.0, rel=1e-9)
    assert isinstance(out.results.carriers, pd.DataFrame) and "approximation" in out.results.carriers


def test_an_extraction_chp_trades_heat_for_electricity_along_its_iso_fuel_line(writer):
    """c_b = 0.5, c_v = 0.15, η = 0.9, 10 MW of heat: η_el = 0.9·0.65/1.5 = 0.39; on the back-pressure
    line 1.6̅ MWh of gas per MWh of heat, beyond it 1/0.39 MWh per MWh of electricity; gas 20 €/MWh;
    heat bought at 30 €/MWh is the alternative; demand 4 MW. Spot 30: CHP heat costs 33.3̅ − 15 <
    30, condensing power 51.28 − 30 > 0: heat only. Spot 60: heat 3.3̅, condensing power −8.72 €/MWh:
    the CHP keeps the 4 MW of heat (moving 1 MWh to the import costs 26.67 and frees only 0.65 MWh of
    power) and makes x = 0.65·(10 − 4) = 3.9 MW more, at full fuel."""
    spot = [30.0, 60.0] * 12
    sc = base_scenario(24, demand=4.0, price={"file": writer.csv("p.csv", spot=spot), "column": "spot"})
    sc["fuels"] = {"natural_gas": gas(price=20.0, co2=0.0)}
    sc["units"] = {
        "import": {"type": "heat_import", "price_eur_per_mwh": 30.0},
        "chp": {
            "type": "chp",
            "fuel": "natural_gas",
            "total_efficiency": 0.9,
            "power_to_heat_ratio": 0.5,
            "extraction": {"cv": 0.15},
            "capacity_mw": 10.0,
            "investment": FREE,
        },
    }
    out = run_scenario(writer.yaml(sc), options=EXACT)
    low = 4 * (20 * 1.5 / 0.9 - 0.5 * 30)
    high = 4 * (20 * 1.5 / 0.9 - 0.5 * 60) + 3.9 * (20 / 0.39 - 60)
    assert out.report.objective == pytest.approx(365 * 12 * (low + high), rel=1e-9)
    d = out.results.dispatch
    assert np.allclose(d["chp_heat_mw"], 4.0, atol=1e-7)
    assert np.allclose(d["chp_electricity_sold_mw"], [2.0, 5.9] * 12, atol=1e-7)
    full_fuel = 10 * 1.5 / 0.9
    assert np.allclose(d["chp_fuel_natural_gas_mw"], [4 * 1.5 / 0.9, full_fuel] * 12, atol=1e-6)
