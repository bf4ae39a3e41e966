"""A CO2 price and a CO2 cap act in the model (not only in the results), solved by hand.

A heat pump (COP 4) on 40 €/MWh electricity with 0.5 t CO2 per MWh_el makes heat at
40/4 + 2 (variable O&M) + 0.5·p/4 €/MWh at a CO2 price p; heat bought from a main network costs
20 €/MWh and emits nothing here. The merit order flips at 12 + p/8 = 20, p = 64 €/t.
"""

from __future__ import annotations

import pytest
from conftest import base_scenario, heat_pump

from dhopt.errors import InfeasibleError, ScenarioError
from dhopt.run import run_scenario
from dhopt.solve import SolveOptions

EXACT = SolveOptions(mip_gap=1e-9)
HEAT = 8760 * 10.0  # MWh a year: 10 MW flat


def case(co2_price=0.0, cap=None, with_import=True) -> dict:
    sc = base_scenario(24, demand=10.0, price=40.0)
    sc["electricity"]["co2_t_per_mwh"] = 0.5
    sc["economics"]["co2_price_eur_per_t"] = co2_price
    if cap is not None:
        sc["economics"]["co2_cap_t_per_year"] = cap
    sc["units"]["hp"] = heat_pump(
        investment={"fixed_eur": 0.0, "per_mw_eur": 0.0, "lifetime_years": 25},
        om={"fixed_eur_per_mw_year": 0.0, "variable_eur_per_mwh": 2.0},
    )
    if with_import:
        sc["units"]["main"] = {"type": "heat_import", "price_eur_per_mwh": 20.0}
    return sc


@pytest.mark.parametrize(("price", "hp_share"), [(50.0, 1.0), (80.0, 0.0)])
def test_a_co2_price_flips_the_merit_order_at_the_computed_price(writer, price, hp_share):
    out = run_scenario(writer.yaml(case(co2_price=price)), options=EXACT)
    hp_cost = 12.0 + price / 8
    expected = HEAT * (hp_share * hp_cost + (1 - hp_share) * 20.0)
    assert out.report.objective == pytest.approx(expected, rel=1e-9)
    k = out.results.kpis.set_index("unit")
    assert k.loc["hp", "heat_mwh"] == pytest.approx(hp_share * HEAT, abs=1e-6)
    if hp_share:
        assert k.loc["hp", "lcoe_electricity_co2_eur_per_mwh"] == pytest.approx(0.5 * price / 4)


def test_a_binding_co2_cap_holds_the_heat_pump_to_what_it_allows(writer):
    """No CO2 price; a cap of 5,475 t a year lets the heat pump make half the heat (0.125 t per
    MWh of heat); the main network makes the rest."""
    out = run_scenario(writer.yaml(case(cap=5475.0)), options=EXACT)
    assert out.report.objective == pytest.approx(HEAT / 2 * 12.0 + HEAT / 2 * 20.0, rel=1e-9)
    k = out.results.kpis.set_index("unit")
    assert k.loc["system", "co2_t"] == pytest.approx(5475.0, rel=1e-9)


def test_a_cap_no_portfolio_meets_is_diagnosed(writer):
    with pytest.raises(InfeasibleError, match="CO2 is capped at 100 t a year"):
        run_scenario(writer.yaml(case(cap=100.0, with_import=False)), options=EXACT)


def test_a_co2_price_needs_the_co2_intensity(writer):
    sc = case(co2_price=50.0)
    del sc["electricity"]["co2_t_per_mwh"]
    with pytest.raises(
        ScenarioError, match=r"economics\.co2_price_eur_per_t: needs electricity\.co2_t_per_mwh"
    ):
        run_scenario(writer.yaml(sc), options=EXACT)
