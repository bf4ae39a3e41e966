"""Small cases whose optimum is worked out by hand: exact capacities and LCOE."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import base_scenario, boiler, crf, heat_pump

from dhopt.run import run_scenario
from dhopt.solve import SolveOptions

EXACT = SolveOptions(mip_gap=1e-9)


def solve(writer, scenario):
    return run_scenario(writer.yaml(scenario), options=EXACT)


def kpi(outcome, unit, column):
    k = outcome.results.kpis.set_index("unit")
    return float(k.loc[unit, column])


def capacity(outcome, unit, column="capacity_mw"):
    return float(outcome.results.capacities.set_index("unit").loc[unit, column])


def test_one_heat_pump_constant_demand(writer):
    """10 MW flat for 24 h at 50 €/MWh, COP 4: build exactly 10 MW; LCOE by the textbook formula."""
    sc = base_scenario(24, demand=10.0, price=50.0)
    sc["units"]["hp"] = heat_pump(investment={"fixed_eur": 1e6, "per_mw_eur": 5e5, "lifetime_years": 25})
    out = solve(writer, sc)
    assert capacity(out, "hp") == pytest.approx(10.0, abs=1e-6)
    heat = 8760 * 10.0
    cost = crf(0.04, 25) * (1e6 + 5e5 * 10) + 2000 * 10 + heat * (50 / 4 + 2.0)
    assert kpi(out, "system", "lcoe_eur_per_mwh") == pytest.approx(cost / heat, rel=1e-9)
    assert kpi(out, "hp", "scop") == pytest.approx(4.0)
    assert kpi(out, "system", "electricity_mwh") == pytest.approx(heat / 4)
    # The breakdown adds up to the total.
    k = out.results.kpis.set_index("unit").loc["system"]
    parts = [c for c in k.index if c.startswith("lcoe_") and c != "lcoe_eur_per_mwh"]
    assert sum(k[c] for c in parts) == pytest.approx(k["lcoe_eur_per_mwh"], rel=1e-9)
    assert out.report.status == "optimal"


def test_boiler_only(writer):
    sc = base_scenario(24, demand=5.0, price=40.0)
    sc["electricity"]["adders_eur_per_mwh"] = {"tax": 20.0}
    sc["units"]["eb"] = boiler()
    out = solve(writer, sc)
    assert capacity(out, "eb") == pytest.approx(5.0, abs=1e-6)
    heat = 8760 * 5.0
    cost = crf(0.04, 15) * 110_000 * 5 + 1020 * 5 + heat * (40 + 20 + 0.5)
    assert kpi(out, "system", "lcoe_eur_per_mwh") == pytest.approx(cost / heat, rel=1e-9)
    assert kpi(out, "system", "lcoe_electricity_tax_eur_per_mwh") == pytest.approx(20.0)
    assert kpi(out, "system", "lcoe_electricity_spot_eur_per_mwh") == pytest.approx(40.0)


def load_shift_case(writer, **tank) -> dict:
    """Two hours of 10 MW at 10 and 100 €/MWh, an electric boiler and a lossless tank."""
    prices = writer.csv("prices.csv", price=[10.0, 100.0], demand=[10.0, 10.0])
    sc = base_scenario(
        2, demand={"file": prices, "column": "demand"}, price={"file": prices, "column": "price"}
    )
    sc["units"]["eb"] = boiler()
    sc["units"]["tank"] = {
        "type": "storage",
        "loss_per_hour": 0.0,
        "temperature_difference_k": 25,
        "investment": {"fixed_eur": 1000.0, "per_m3_eur": 87.0, "lifetime_years": 20},
        **tank,
    }
    return sc


def test_storage_shifts_load_to_the_cheap_hour(writer):
    """Two hours of 10 MW at 10 and 100 €/MWh: make 20 MW in the cheap hour, store 10 MWh."""
    sc = load_shift_case(writer)
    out = solve(writer, sc)
    assert capacity(out, "eb") == pytest.approx(20.0, abs=1e-6)
    assert capacity(out, "tank", "capacity_mwh") == pytest.approx(10.0, abs=1e-6)
    scale = 8760 / 2
    volume = 10.0 / (1.163e-3 * 25)
    cost = (
        crf(0.04, 15) * 110_000 * 20
        + 1020 * 20
        + scale * 20 * (10 + 0.5)
        + crf(0.04, 20) * (1000 + 87 * volume)
    )
    assert kpi(out, "system", "lcoe_eur_per_mwh") == pytest.approx(cost / (scale * 20), rel=1e-9)
    d = out.results.dispatch
    assert d["tank_charge_mw"].tolist() == pytest.approx([10.0, 0.0], abs=1e-6)
    assert d["tank_discharge_mw"].tolist() == pytest.approx([0.0, 10.0], abs=1e-6)


def minimum_load_case(writer) -> tuple[dict, float]:
    """Demand alternates 3 and 0.5 MW; the heat pump (min 1 MW) cannot make 0.5 MW, so a 0.5 MW
    boiler covers those hours. Returns the scenario and its optimal annual cost, by hand."""
    demand = [3.0, 0.5] * 12
    data = writer.csv("d.csv", demand=demand)
    sc = base_scenario(24, demand={"file": data, "column": "demand"}, price=50.0)
    sc["units"]["hp"] = heat_pump(min_load_mw=1.0, investment={"per_mw_eur": 110_000.0, "lifetime_years": 25})
    sc["units"]["eb"] = boiler()
    scale = 8760 / 24
    cost = (
        crf(0.04, 25) * 110_000 * 3
        + 2000 * 3
        + scale * 12 * 3 * (50 / 4 + 2)
        + crf(0.04, 15) * 110_000 * 0.5
        + 1020 * 0.5
        + scale * 12 * 0.5 * (50 + 0.5)
    )
    return sc, cost


def test_minimum_load_forces_the_boiler(writer):
    """The relaxed first round runs the heat pump at 0.5 MW; the on/off binaries added for those
    hours must remove that."""
    sc, cost = minimum_load_case(writer)
    out = solve(writer, sc)
    assert capacity(out, "hp") == pytest.approx(3.0, abs=1e-6)
    assert capacity(out, "eb") == pytest.approx(0.5, abs=1e-6)
    d = out.results.dispatch
    assert d["hp_heat_mw"].to_numpy() == pytest.approx(np.array([3.0, 0.0] * 12), abs=1e-6)
    assert d["eb_heat_mw"].to_numpy() == pytest.approx(np.array([0.0, 0.5] * 12), abs=1e-6)
    assert out.report.min_load_binaries >= 12  # added lazily, in a second round
    assert len(out.report.rounds) >= 2
    assert out.report.objective == pytest.approx(cost, rel=1e-9)


def test_fixed_investment_makes_not_building_optimal(writer):
    """A heat pump with COP 4 but a 100 M€ fixed cost is not built, and costs nothing."""
    sc = base_scenario(24, demand=5.0, price=40.0)
    sc["units"]["hp"] = heat_pump(investment={"fixed_eur": 1e8, "per_mw_eur": 5e5, "lifetime_years": 25})
    sc["units"]["eb"] = boiler()
    out = solve(writer, sc)
    assert capacity(out, "hp") == 0.0
    assert kpi(out, "hp", "cost_total_eur") == 0.0
    assert capacity(out, "eb") == pytest.approx(5.0, abs=1e-6)
    heat = 8760 * 5.0
    cost = crf(0.04, 15) * 110_000 * 5 + 1020 * 5 + heat * (40 + 0.5)
    assert kpi(out, "system", "lcoe_eur_per_mwh") == pytest.approx(cost / heat, rel=1e-9)


def test_pipe_loss_and_pipe_cost(writer):
    """5 % pipe loss: 10 MW delivered needs 10/0.95 MW at the plant; the pipe's cost follows Table 6."""
    sc = base_scenario(24, demand=10.0, price=50.0)
    sc["units"]["sew"] = heat_pump(
        pipe={
            "length_m": 2000,
            "cost_fixed_eur_per_m": 505,
            "cost_eur_per_m_per_m3h": 3.1,
            "lifetime_years": 30,
            "heat_loss_fraction": 0.05,
        }
    )
    out = solve(writer, sc)
    cap = 10 / 0.95
    assert capacity(out, "sew") == pytest.approx(cap, rel=1e-9)
    flow = cap / (1.163e-3 * 25)  # m³/h
    pipe = crf(0.04, 30) * 2000 * (505 + 3.1 * flow)
    hp = crf(0.04, 25) * 5e5 * cap + 2000 * cap + 8760 * cap * (50 / 4 + 2)
    assert kpi(out, "sew", "cost_pipe_eur") == pytest.approx(pipe, rel=1e-9)
    assert kpi(out, "system", "lcoe_eur_per_mwh") == pytest.approx((pipe + hp) / (8760 * 10), rel=1e-9)
    assert kpi(out, "sew", "heat_mwh") == pytest.approx(8760 * 10)


def test_hourly_availability_caps_output(writer):
    """A cheap source available for 4 MW in even hours only; the boiler covers the rest."""
    data = writer.csv("d.csv", avail=[4.0, 0.0] * 12)
    sc = base_scenario(24, demand=6.0, price=50.0)
    sc["units"]["hp"] = heat_pump(
        availability_mw={"file": data, "column": "avail"},
        investment={"per_mw_eur": 1000.0, "lifetime_years": 25},
    )
    sc["units"]["eb"] = boiler()
    out = solve(writer, sc)
    d = out.results.dispatch
    assert d["hp_heat_mw"].to_numpy() == pytest.approx(np.array([4.0, 0.0] * 12), abs=1e-6)
    assert capacity(out, "hp") == pytest.approx(4.0, abs=1e-6)
    assert capacity(out, "eb") == pytest.approx(6.0, abs=1e-6)


def test_linear_cop_follows_source_temperature(writer):
    """Eq. 14: COP = 3.5 + 0.05·(T_source − 10) − 0.03·(T_sink − 65)."""
    data = writer.csv("t.csv", t=[10.0, 20.0, 0.0, 10.0])
    sc = base_scenario(4, demand=2.0, price=50.0)
    sc["district_heating"]["supply_temperature_c"] = 75
    sc["district_heating"]["return_temperature_c"] = 40
    sc["units"]["hp"] = heat_pump(
        source_temperature_c={"file": data, "column": "t"},
        cop={
            "model": "linear",
            "design_cop": 3.5,
            "source_design_temperature_c": 10,
            "sink_design_temperature_c": 65,
            "a": 0.05,
            "b": 0.03,
        },
    )
    out = solve(writer, sc)
    expected = 3.5 + 0.05 * (np.array([10, 20, 0, 10]) - 10) - 0.03 * 10
    assert out.results.dispatch["hp_cop"].to_numpy() == pytest.approx(expected)


def test_lorenz_cop(writer):
    sc = base_scenario(2, demand=2.0, price=50.0)
    sc["units"]["hp"] = heat_pump(
        source_temperature_c=10.0, cop={"model": "lorenz", "lorenz_efficiency": 0.5, "source_cooling_k": 4}
    )
    out = solve(writer, sc)
    sink = (338.15 - 313.15) / np.log(338.15 / 313.15)
    source = (279.15 - 283.15) / np.log(279.15 / 283.15)
    assert out.results.dispatch["hp_cop"].iloc[0] == pytest.approx(0.5 * sink / (sink - source))


def test_fan_power_follows_the_cube_law_at_full_and_part_load(writer):
    """Air unit fixed at 10 MW, COP 4 (design), fans 2 % of the 7.5 MW source side = 0.15 MW at full
    load. Demand alternates 10 and 5 MW; at half load the chord approximation between the 0.5 and
    0.75 breakpoints gives exactly 0.125·0.15 MW (0.5 is a breakpoint, so the chord is exact there)."""
    data = writer.csv("d.csv", demand=[10.0, 5.0] * 12)
    sc = base_scenario(24, demand={"file": data, "column": "demand"}, price=50.0)
    sc["units"]["air"] = heat_pump(
        source="air",
        source_temperature_c=7.0,
        capacity_mw=10.0,
        cop={
            "model": "linear",
            "design_cop": 4.0,
            "source_design_temperature_c": 7,
            "sink_design_temperature_c": 65,
            "a": 0.04,
            "b": 0.01,
        },
        auxiliary={"kind": "fan", "share_of_source_capacity": 0.02},
    )
    out = solve(writer, sc)
    d = out.results.dispatch
    assert d["air_aux_electricity_mw"].to_numpy() == pytest.approx(
        np.array([0.15, 0.15 * 0.125] * 12), abs=1e-9
    )
    scale = 8760 / 24
    aux_mwh = scale * 12 * (0.15 + 0.15 * 0.125)
    assert kpi(out, "air", "aux_electricity_mwh") == pytest.approx(aux_mwh)
    elec = scale * 12 * (10 / 4 + 5 / 4) + aux_mwh
    assert kpi(out, "air", "electricity_mwh") == pytest.approx(elec)
    assert kpi(out, "air", "aux_share") == pytest.approx(aux_mwh / elec)
    assert kpi(out, "air", "scop") == pytest.approx(scale * 12 * 15 / elec)


def test_pump_power_is_hydraulic_power_of_the_design_flow(writer):
    """Groundwater 5 MW fixed, COP 3.87: source side 5·(1 − 1/3.87) MW at 5 K cooling → flow;
    ρ·g·H·V̇/η at 20 m head and 70 % efficiency."""
    sc = base_scenario(4, demand=5.0, price=50.0)
    sc["units"]["gw"] = heat_pump(
        source_temperature_c=10.0,
        capacity_mw=5.0,
        cop={
            "model": "linear",
            "design_cop": 3.87,
            "source_design_temperature_c": 10,
            "sink_design_temperature_c": 65,
            "a": 0.0553,
            "b": 0.0283,
        },
        auxiliary={"kind": "pump", "head_m": 20, "source_cooling_k": 5, "pump_efficiency": 0.7},
    )
    out = solve(writer, sc)
    flow = 5 * (1 - 1 / 3.87) * 1e6 / (1000 * 4186 * 5)
    pump_mw = 1000 * 9.81 * 20 * flow / 0.7 / 1e6
    assert out.results.dispatch["gw_aux_electricity_mw"].to_numpy() == pytest.approx([pump_mw] * 4)


@pytest.mark.parametrize(("demand", "new_mw"), [(8.0, 3.0), (3.0, 0.0)])
def test_an_existing_unit_pays_no_investment_and_an_expansion_does(writer, demand, new_mw):
    """An electric boiler of which 5 MW exist, flat demand: at 8 MW, 3 MW are added (their per-MW
    and fixed investment paid); at 3 MW nothing is added and no investment is paid. Fixed O&M is
    paid on every MW that exists."""
    sc = base_scenario(24, demand=demand, price=40.0)
    sc["units"]["eb"] = boiler(
        existing_mw=5.0,
        investment={"fixed_eur": 50_000.0, "per_mw_eur": 110_000.0, "lifetime_years": 15},
    )
    out = solve(writer, sc)
    caps = out.results.capacities.set_index("unit")
    total = 5.0 + new_mw
    assert caps.loc["eb", "capacity_mw"] == pytest.approx(total, abs=1e-6)
    assert caps.loc["eb", "existing_mw"] == pytest.approx(5.0)
    assert caps.loc["eb", "new_mw"] == pytest.approx(new_mw, abs=1e-6)
    heat = 8760 * demand
    investment = crf(0.04, 15) * (50_000.0 + 110_000.0 * new_mw) if new_mw else 0.0
    cost = investment + 1020 * total + heat * (40 + 0.5)
    assert out.report.objective == pytest.approx(cost, rel=1e-9)
    assert kpi(out, "eb", "cost_investment_eur") == pytest.approx(investment, rel=1e-9, abs=1e-6)
    assert kpi(out, "eb", "cost_fixed_om_eur") == pytest.approx(1020 * total, rel=1e-9)


def test_an_existing_storage_pays_no_investment(writer):
    """The two-hour load shift above with 6 MWh of the tank there already: 4 MWh are added, paying
    their per-m³ part and the fixed part; the existing 6 MWh cost nothing."""
    sc = load_shift_case(writer, existing_mwh=6.0)
    out = solve(writer, sc)
    caps = out.results.capacities.set_index("unit")
    assert caps.loc["tank", "capacity_mwh"] == pytest.approx(10.0, abs=1e-6)
    assert caps.loc["tank", "new_mwh"] == pytest.approx(4.0, abs=1e-6)
    volume = 4.0 / (1.163e-3 * 25)
    tank = crf(0.04, 20) * (1000.0 + 87.0 * volume)
    assert kpi(out, "tank", "cost_investment_eur") == pytest.approx(tank, rel=1e-9)
    scale = 8760 / 2
    cost = crf(0.04, 15) * 110_000 * 20 + 1020 * 20 + scale * 20 * (10 + 0.5) + tank
    assert out.report.objective == pytest.approx(cost, rel=1e-9)


def test_a_retired_unit_is_unavailable_and_costs_nothing(writer):
    """An existing 5 MW boiler switched to retired: the heat pump covers the 8 MW alone, and the
    boiler has no capacity and no cost (its existing MW, fixed O&M included, are gone)."""
    sc = base_scenario(24, demand=8.0, price=40.0)
    sc["units"]["eb"] = boiler(existing_mw=5.0, retired=True)
    sc["units"]["hp"] = heat_pump()
    out = solve(writer, sc)
    caps = out.results.capacities.set_index("unit")
    assert caps.loc["eb", "capacity_mw"] == 0.0
    assert caps.loc["hp", "capacity_mw"] == pytest.approx(8.0, abs=1e-6)
    assert kpi(out, "eb", "cost_total_eur") == pytest.approx(0.0, abs=1e-9)
    heat = 8760 * 8.0
    cost = crf(0.04, 25) * 500_000 * 8 + 2000 * 8 + heat * (40 / 4 + 2.0)
    assert out.report.objective == pytest.approx(cost, rel=1e-9)
