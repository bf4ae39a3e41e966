"""Beyond Nordhavn, hand-solved: excess heat (with and without booster), the Danish excess-heat tax,
heat import, on-site PV, and cooling as a by-product (credited, or meeting a cooling demand)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import base_scenario, boiler, crf, heat_pump

from dhopt.run import run_scenario
from dhopt.solve import SolveOptions

EXACT = SolveOptions(mip_gap=1e-9)
H = 24
SCALE = 8760 / H


def solve(writer, sc, name="scenario.yaml"):
    return run_scenario(writer.yaml(sc, name), options=EXACT)


def k(out, unit, col):
    return float(out.results.kpis.set_index("unit").loc[unit, col])


def cap(out, unit):
    return float(out.results.capacities.set_index("unit").loc[unit, "capacity_mw"])


def excess(**over):
    unit = {
        "type": "excess_heat",
        "source": "supermarket",
        "available_heat_mw": 3.0,
        "heat_price_eur_per_mwh": 10.0,
        "investment": {"fixed_eur": 17_000.0, "per_mw_eur": 600_000.0, "lifetime_years": 20},
        "om": {"variable_eur_per_mwh": 1.6},
    }
    unit.update(over)
    return unit


def test_excess_heat_without_booster(writer):
    sc = base_scenario(H, demand=5.0, price=50.0)
    sc["units"]["sm"] = excess()
    sc["units"]["eb"] = boiler()
    out = solve(writer, sc)
    assert cap(out, "sm") == pytest.approx(3.0, abs=1e-6)
    assert k(out, "sm", "electricity_mwh") == 0.0
    heat = 8760 * 3.0
    cost = crf(0.04, 20) * (17_000 + 600_000 * 3) + heat * (10.0 + 1.6)
    assert k(out, "sm", "cost_total_eur") == pytest.approx(cost, rel=1e-9)
    assert k(out, "sm", "lcoe_heat_purchase_eur_per_mwh") == pytest.approx(10.0)


def test_excess_heat_with_booster(writer):
    """COP 4: 3 MW of source heat become 4 MW of heat with 1 MW of electricity."""
    sc = base_scenario(H, demand=5.0, price=50.0)
    sc["units"]["sm"] = excess(booster={"cop": {"model": "series", "cop": 4.0}})
    sc["units"]["eb"] = boiler()
    out = solve(writer, sc)
    assert cap(out, "sm") == pytest.approx(4.0, abs=1e-6)
    assert k(out, "sm", "electricity_mwh") == pytest.approx(8760 * 1.0)
    assert k(out, "sm", "cost_heat_purchase_eur") == pytest.approx(8760 * 3.0 * 10.0)
    assert k(out, "sm", "scop") == pytest.approx(4.0)


@pytest.mark.parametrize(
    ("heat_price", "per_mwh_heat"), [(40.0, 0.25 * 0.25 * 40.0), (200.0, 0.25 * 7.40 * 3.6)]
)
def test_excess_heat_tax_hourly_below_and_above_the_cap(writer, heat_price, per_mwh_heat):
    """COP 4: a quarter of the heat is above what COP 3 gives; taxed at 25 % of the price, at most
    7.40 €/GJ (26.64 €/MWh)."""
    sc = base_scenario(H, demand=4.0, price=50.0)
    sc["units"]["hp"] = heat_pump(excess_heat_tax={"heat_price_eur_per_mwh": heat_price})
    out = solve(writer, sc)
    assert k(out, "hp", "lcoe_excess_heat_tax_eur_per_mwh") == pytest.approx(per_mwh_heat, rel=1e-9)


def test_excess_heat_tax_annual_rule_nets_hours_below_cop_3(writer):
    """COP alternates 4 and 2 at equal output: hourly, the COP-4 hours pay 0.25·r per MWh; on the
    annual rule they are offset by the COP-2 hours (−0.5·r), so no tax at all."""
    data = writer.csv("c.csv", cop=[4.0, 2.0] * (H // 2))
    rate = 0.25 * 40.0
    for rule, expected in (("hourly", 0.5 * 0.25 * rate), ("annual", 0.0)):
        sc = base_scenario(H, demand=4.0, price=50.0)
        sc["units"]["hp"] = heat_pump(
            cop={"model": "series", "cop": {"file": data, "column": "cop"}},
            excess_heat_tax={"heat_price_eur_per_mwh": 40.0, "rule": rule},
        )
        out = solve(writer, sc, f"{rule}.yaml")
        assert k(out, "hp", "lcoe_excess_heat_tax_eur_per_mwh") == pytest.approx(expected, abs=1e-9), rule


def test_heat_import_up_to_its_connection(writer):
    sc = base_scenario(H, demand=5.0, price=50.0)
    sc["units"]["main"] = {"type": "heat_import", "price_eur_per_mwh": 30.0, "capacity_max_mw": 4.0}
    sc["units"]["eb"] = boiler()
    out = solve(writer, sc)
    assert cap(out, "main") == pytest.approx(4.0, abs=1e-6)
    assert cap(out, "eb") == pytest.approx(1.0, abs=1e-6)
    assert k(out, "main", "lcoe_eur_per_mwh") == pytest.approx(30.0)


def test_onsite_pv_is_used_before_the_grid(writer):
    """Heat pump COP 4 makes 4 MW: 1 MW of electricity, 0.5 MW of it from PV."""
    sc = base_scenario(H, demand=4.0, price=100.0)
    sc["electricity"]["onsite_pv_mw"] = 0.5
    sc["units"]["hp"] = heat_pump(investment={"per_mw_eur": 1000.0, "lifetime_years": 25}, om={})
    out = solve(writer, sc)
    d = out.results.dispatch
    assert d["grid_electricity_mw"].to_numpy() == pytest.approx(np.full(H, 0.5))
    assert k(out, "hp", "cost_electricity_spot_eur") == pytest.approx(8760 * 0.5 * 100.0)
    assert k(out, "hp", "electricity_mwh") == pytest.approx(8760 * 1.0)  # all its electricity


def test_surplus_pv_is_exported(writer):
    sc = base_scenario(H, demand=4.0, price=100.0)
    sc["electricity"]["onsite_pv_mw"] = 2.0
    sc["electricity"]["pv_export_price_eur_per_mwh"] = 20.0
    sc["units"]["hp"] = heat_pump(investment={"per_mw_eur": 1000.0, "lifetime_years": 25}, om={})
    out = solve(writer, sc)
    assert k(out, "system", "cost_pv_export_eur") == pytest.approx(-8760 * 1.0 * 20.0)
    assert k(out, "system", "cost_electricity_spot_eur") == pytest.approx(0.0, abs=1e-6)


def test_cooling_credit(writer):
    """COP 4: 0.75 MWh of cooling per MWh of heat, credited at 10 €/MWh → −7.5 €/MWh of heat."""
    sc = base_scenario(H, demand=4.0, price=50.0)
    sc["units"]["hp"] = heat_pump(cooling={"credit_eur_per_mwh": 10.0})
    out = solve(writer, sc)
    assert k(out, "hp", "lcoe_cooling_credit_eur_per_mwh") == pytest.approx(-7.5)


def test_cooling_demand_forces_the_heat_pump(writer):
    """Heat 8 MW, cooling 3 MW. The boiler is cheaper, but only the heat pump (COP 4, 0.75 MWh of
    cooling per MWh of heat) can cool: it must make 4 MW of heat; at 6 M€/MW (384 k€/MW/a, more than
    its 315 k€/MW/a of savings on electricity) no more; the boiler makes the other 4."""
    sc = base_scenario(H, demand=8.0, price=50.0)
    sc["demand"]["cooling_mw"] = 3.0
    sc["units"]["hp"] = heat_pump(
        cooling={}, investment={"fixed_eur": 5e6, "per_mw_eur": 6e6, "lifetime_years": 25}
    )
    sc["units"]["eb"] = boiler()
    out = solve(writer, sc)
    assert cap(out, "hp") == pytest.approx(4.0, abs=1e-6)
    assert cap(out, "eb") == pytest.approx(4.0, abs=1e-6)
    assert out.results.dispatch["hp_cooling_mw"].to_numpy() == pytest.approx(np.full(H, 3.0))


def test_cooling_demand_needs_a_unit_that_cools(writer):
    from dhopt.errors import ScenarioError

    sc = base_scenario(H, demand=8.0, price=50.0)
    sc["demand"]["cooling_mw"] = 3.0
    sc["units"]["eb"] = boiler()
    with pytest.raises(ScenarioError, match="no unit serves it"):
        solve(writer, sc)
