"""Lifetime economics, worked by hand: CAPEX, reinvestment, residual value, NPV, loan, IRR and payback.

The solved cases are 24 h of a flat 10 MW demand at a flat 40 €/MWh electricity price, so a year is
365 copies of the day (87 600 MWh of heat); capacities are fixed, so the dispatch is the merit order.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import base_scenario, crf
from typer.testing import CliRunner

from dhopt import economics as ec
from dhopt.cli import app
from dhopt.economics_folder import annual_flows, folder_economics, write_economics
from dhopt.run import run_scenario
from dhopt.solve import SolveOptions

EXACT = SolveOptions(mip_gap=1e-9)
HEAT = 8760 * 10.0  # MWh a year
PRICE = 40.0  # €/MWh
HP_PER_MW = 1_314_000.0  # € per MW: 10 MW cost 13.14 M€
CAPEX = 10 * HP_PER_MW
R = 0.04


def annuity_factor(rate: float, years: int) -> float:
    """Present value of 1 € a year for `years` years: (1 − (1 + r)^−N) / r, written out here."""
    return (1 - (1 + rate) ** -years) / rate


def two_units(hp_lifetime: int = 25, retired: bool = False, lifetime: dict | None = None) -> dict:
    """A new 10 MW heat pump (COP 4, 13.14 M€, no O&M) and an existing 10 MW electric boiler
    (efficiency 1, 1000 €/(MW·a) fixed O&M); `retired` takes the heat pump out (the baseline)."""
    sc = base_scenario(24, demand=10.0, price=PRICE)
    if lifetime is not None:
        sc["economics"]["lifetime"] = lifetime
    sc["units"]["hp"] = {
        "type": "heat_pump",
        "source": "groundwater",
        "cop": {"model": "series", "cop": 4.0},
        "capacity_mw": 10.0,
        "retired": retired,
        "investment": {"fixed_eur": 0.0, "per_mw_eur": HP_PER_MW, "lifetime_years": hp_lifetime},
        "om": {"fixed_eur_per_mw_year": 0.0, "variable_eur_per_mwh": 0.0},
    }
    sc["units"]["boiler"] = {
        "type": "electric_boiler",
        "capacity_mw": 10.0,
        "existing_mw": 10.0,
        "investment": {"fixed_eur": 0.0, "per_mw_eur": 110_000.0, "lifetime_years": 15},
        "om": {"fixed_eur_per_mw_year": 1000.0, "variable_eur_per_mwh": 0.0},
    }
    return sc


def solve(writer, sc: dict, name: str):
    out = writer.folder / name
    run_scenario(writer.yaml(sc, f"{name}.yaml"), out=out, options=EXACT)
    return out


def rows(result) -> pd.DataFrame:
    return result.economics.set_index(ec.UNIT)


def flows(result, unit: str) -> pd.DataFrame:
    c = result.cashflow
    return c[c[ec.UNIT] == unit].set_index(ec.YEAR)


def test_npv_irr_and_payback_of_a_heat_pump_against_the_existing_boiler(writer):
    """Project: the heat pump makes all the heat, 87 600 / 4 = 21 900 MWh of electricity at 40 € =
    876 000 €/a; the existing boiler only keeps its fixed O&M 10 × 1000 = 10 000 €/a and has no
    CAPEX. Baseline (heat pump retired): the boiler makes it all, 87 600 · 40 + 10 000 = 3 514 000 €/a.
    Study period: the longest lifetime, 25 years (heat pump 25, boiler 15); r = 4 % real.
        a = (1 − 1.04^−25) / 0.04 = 15.62208
        NPV heat pump = −13 140 000 − 876 000·a,  boiler = −10 000·a,  system = −13 140 000 − 886 000·a
        savings S = 3 514 000 − 886 000 = 2 628 000 €/a
        simple payback = 13 140 000 / 2 628 000 = 5.0 years
        discounted payback: S·a(5) = 11.70 M€ < C ≤ S·a(6), so 5 + (C/S − a(5)) / 1.04^−6
        IRR x: −C + S·a(x, 25) = 0, i.e. a(x, 25) = C/S = 5: x = 0.19781 (by bisection, here too)
    """
    project = solve(writer, two_units(), "project")
    baseline = solve(writer, two_units(retired=True), "baseline")
    kpis_before = (project / "kpis.csv").read_bytes()
    result = folder_economics(project, baseline)
    write_economics(project, result)
    e = rows(result)
    a25 = annuity_factor(R, 25)
    assert e.loc["hp", ec.CAPEX] == pytest.approx(CAPEX)
    assert e.loc["boiler", ec.CAPEX] == 0.0  # existing: no CAPEX
    assert e.loc["system", ec.STUDY_PERIOD] == 25
    assert e.loc["hp", ec.REINVESTMENT] == 0.0 and e.loc["hp", ec.RESIDUAL] == 0.0
    assert e.loc["hp", ec.ANNUAL_ENERGY] == pytest.approx(HEAT / 4 * PRICE)
    assert e.loc["boiler", ec.ANNUAL_OM] == pytest.approx(10_000.0)
    assert e.loc["hp", ec.NPV] == pytest.approx(-CAPEX - 876_000 * a25, rel=1e-9)
    assert e.loc["boiler", ec.NPV] == pytest.approx(-10_000 * a25, rel=1e-9)
    assert e.loc["system", ec.NPV] == pytest.approx(-CAPEX - 886_000 * a25, rel=1e-9)
    # the heat pump's own NPV is its annual cost in kpis.csv (annuity included) times a: the
    # CAPEX is the present value of its annuity when the study period is its lifetime
    k = pd.read_csv(project / "kpis.csv").set_index("unit")
    assert e.loc["hp", ec.NPV] == pytest.approx(-k.loc["hp", "cost_total_eur"] * a25, rel=1e-9)
    assert CAPEX * crf(R, 25) == pytest.approx(k.loc["hp", "cost_investment_eur"], rel=1e-9)
    savings = 3_514_000 - 886_000
    assert e.loc["system", ec.NPV_VS_BASELINE] == pytest.approx(-CAPEX + savings * a25, rel=1e-9)
    assert e.loc["system", ec.PAYBACK] == pytest.approx(5.0, abs=1e-9)
    a5 = annuity_factor(R, 5)
    assert e.loc["system", ec.DISCOUNTED_PAYBACK] == pytest.approx(5 + (CAPEX / savings - a5) * 1.04**6)
    x = e.loc["system", ec.IRR]
    assert annuity_factor(x, 25) == pytest.approx(CAPEX / savings, rel=1e-9)
    assert x == pytest.approx(0.19781, abs=1e-5)
    assert np.isnan(e.loc["hp", ec.IRR])  # only the system's difference has a meaning
    # the annuity-based LCOE stays as it is, and is shown beside
    assert (project / "kpis.csv").read_bytes() == kpis_before
    assert e.loc["system", ec.LCOE_ANNUITY] == pytest.approx(k.loc["system", "lcoe_eur_per_mwh"])
    written = pd.read_csv(project / "economics.csv").set_index(ec.UNIT)
    assert written.loc["system", ec.NPV] == pytest.approx(e.loc["system", ec.NPV])
    cash = pd.read_csv(project / "cashflow.csv")
    assert sorted(cash[ec.YEAR].unique()) == list(range(26))
    assert not [n for n in result.notes if "does not match" in n or "changed" in n]


def test_reinvestment_and_residual_value_at_the_right_years(writer):
    """A 15-year heat pump in a 25-year study period: bought in year 0, again in year 15; at year 25
    the second one has 15 + 15 − 25 = 5 of its 15 years left: residual 5/15 · 13.14 M€.
    A tank of 20 MWh of which 5 exist, ΔT 25 K: new volume 15 / (1.163e-3 · 25) = 515.9 m³,
    CAPEX 50 000 + 100 · 515.9 = 101 591 €; its 40 years outlast the study: residual 15/40 of it.
        NPV heat pump = −C − C·1.04^−15 + C/3·1.04^−25 − 876 000·a(25)
    """
    sc = two_units(hp_lifetime=15, lifetime={"study_period_years": 25})
    sc["units"]["tank"] = {
        "type": "storage",
        "capacity_mwh": 20.0,
        "existing_mwh": 5.0,
        "temperature_difference_k": 25.0,
        "investment": {"fixed_eur": 50_000.0, "per_m3_eur": 100.0, "lifetime_years": 40},
    }
    result = folder_economics(solve(writer, sc, "reinvest"))
    e, hp = rows(result), flows(result, "hp")
    invested = hp[ec.INVESTMENT_FLOW]
    assert invested[0] == pytest.approx(-CAPEX) and invested[15] == pytest.approx(-CAPEX)
    assert (invested.drop([0, 15]) == 0).all()
    assert hp.loc[25, ec.RESIDUAL_FLOW] == pytest.approx(CAPEX * 5 / 15)
    assert (hp[ec.RESIDUAL_FLOW].drop(25) == 0).all()
    assert e.loc["hp", ec.REINVESTMENT] == pytest.approx(CAPEX)
    expected = -CAPEX - CAPEX / 1.04**15 + CAPEX / 3 / 1.04**25 - 876_000 * annuity_factor(R, 25)
    assert e.loc["hp", ec.NPV] == pytest.approx(expected, rel=1e-9)
    tank = 50_000 + 100 * 15 / (1.163e-3 * 25)
    assert e.loc["tank", ec.CAPEX] == pytest.approx(tank)
    assert e.loc["tank", ec.REINVESTMENT] == 0.0
    assert e.loc["tank", ec.RESIDUAL] == pytest.approx(tank * 15 / 40)
    assert e.loc["system", ec.CAPEX] == pytest.approx(CAPEX + tank)
    assert not [n for n in result.notes if "does not match" in n]  # the CAPEX is the annuity's


def test_a_loan_s_debt_service_is_the_annuity_and_inflation_leaves_the_npv(writer):
    """60 % of the 13.14 M€ at 5 % over 10 years: P = 7 884 000 €, A = P·0.05 / (1 − 1.05^−10)
    = 7 884 000 · 0.1295046 = 1 021 014 €/a (nominal) in years 1–10. With 2 % inflation its
    real value in year t is A / 1.02^t; the NPV with the loan is NPV + P − Σ A/1.02^t/1.04^t.
    The project's own NPV does not move: nominal flows (real · 1.02^t) at the nominal rate
    1.04 · 1.02 − 1 = 6.08 % give it again. The folder's copy of the scenario (scenario.yaml)
    is what is read, not the file it was solved from.
    """
    sc = two_units()
    folder = solve(writer, sc, "loan")
    plain = folder_economics(folder)
    sc["economics"]["lifetime"] = {
        "inflation_rate": 0.02,
        "loan": {"share": 0.6, "interest_rate": 0.05, "tenor_years": 10},
    }
    (folder / "scenario.yaml").write_text(yaml.safe_dump(sc))
    result = folder_economics(folder)
    e, system = rows(result), flows(result, "system")
    principal = 0.6 * CAPEX
    payment = principal * 0.05 / (1 - 1.05**-10)
    assert payment == pytest.approx(1_021_014.07, abs=0.01)
    assert e.loc["system", ec.LOAN] == pytest.approx(principal)
    assert e.loc["system", ec.DEBT_SERVICE] == pytest.approx(payment)
    t = np.arange(1, 11)
    assert np.allclose(system.loc[1:10, ec.DEBT_SERVICE_FLOW], -payment / 1.02**t)
    assert (system.loc[11:, ec.DEBT_SERVICE_FLOW] == 0).all()
    assert system.loc[0, ec.LOAN_FLOW] == pytest.approx(principal)
    npv = e.loc["system", ec.NPV]
    assert npv == pytest.approx(rows(plain).loc["system", ec.NPV], rel=1e-12)
    service_pv = sum(payment / 1.02**y / 1.04**y for y in t)
    assert e.loc["system", ec.NPV_EQUITY] == pytest.approx(npv + principal - service_pv, rel=1e-9)
    assert e.loc["system", ec.DISCOUNT_NOMINAL] == pytest.approx(0.0608)
    assert np.allclose(system[ec.NET_NOMINAL], system[ec.NET_REAL] * 1.02**system.index)
    assert ec.npv(0.0608, system[ec.NET_NOMINAL]) == pytest.approx(npv, rel=1e-9)


def test_a_loan_at_the_discount_rate_costs_nothing_in_present_value():
    """P repaid at its own rate over any tenor is worth P today, a tenor beyond the study period
    included (the debt left in year N paid then): −P + Σ A_t / 1.04^t = 0."""
    for tenor, years in ((10, 25), (30, 25), (25, 25)):
        service = ec.debt_service(1e6, 0.04, tenor, years)
        assert ec.npv(0.04, np.r_[-1e6, service[1:]]) == pytest.approx(0.0, abs=1e-6)
    assert ec.annuity_payment(1e6, 0.0, 10) == 1e5
    assert ec.annuity_payment(1e6, 0.05, 10) == pytest.approx(1e6 * 0.05 * 1.05**10 / (1.05**10 - 1))


def test_schedules_irr_and_payback_by_hand():
    """10-year life in 20 years: bought in 0 and 10, nothing left at 20; 15 in 25: 0, 15 and 5/15 left;
    40 in 25: only year 0, 15/40 left. IRR of −100, 110: 10 %; of −100, 0, 121: 10 %; no IRR for
    costs alone, nor for −100, 230, −132 (two: 10 % and 20 %). Payback of −100, 40, 40, 40: 2.5."""
    schedule, left = ec.investment_schedule(1.0, 10, 20)
    assert list(np.flatnonzero(schedule)) == [0, 10] and left == 0.0
    schedule, left = ec.investment_schedule(1.0, 15, 25)
    assert list(np.flatnonzero(schedule)) == [0, 15] and left == pytest.approx(5 / 15)
    schedule, left = ec.investment_schedule(1.0, 40, 25)
    assert list(np.flatnonzero(schedule)) == [0] and left == pytest.approx(15 / 40)
    assert ec.irr([-100, 110]) == pytest.approx(0.10, abs=1e-10)
    assert ec.irr([-100, 0, 121]) == pytest.approx(0.10, abs=1e-10)
    assert ec.irr([-100, -10, -10]) is None
    assert ec.irr([-100, 230, -132]) is None
    assert ec.payback([-100, 40, 40, 40]) == pytest.approx(2.5)
    assert ec.payback([-100, 10, 10]) is None
    assert ec.payback([5, 1]) == 0.0


def test_the_command_writes_both_files_and_a_folder_without_run_json_is_one_line(writer):
    folder = solve(writer, two_units(), "cli")
    baseline = solve(writer, two_units(retired=True), "cli-baseline")
    runner = CliRunner()
    result = runner.invoke(app, ["economics", str(folder), "--baseline", str(baseline)])
    assert result.exit_code == 0, result.output
    assert "lifetime economics" in result.output
    assert "IRR 19.78 %" in result.output and "payback 5.00 years" in result.output
    assert (folder / "economics.csv").is_file() and (folder / "cashflow.csv").is_file()
    empty = writer.folder / "empty"
    empty.mkdir()
    bad = runner.invoke(app, ["economics", str(empty)])
    assert bad.exit_code == 2
    assert bad.output.strip().startswith("error:") and len(bad.output.strip().splitlines()) == 1
    moved = writer.folder / "moved"  # no copy of the scenario, and run.json's path not there
    shutil.copytree(folder, moved)
    assert (moved / "scenario.yaml").is_file()  # the folder's own copy works wherever it is
    assert runner.invoke(app, ["economics", str(moved)]).exit_code == 0
    (moved / "scenario.yaml").unlink()
    (writer.folder / "cli.yaml").unlink()
    lost = runner.invoke(app, ["economics", str(moved)])
    assert lost.exit_code == 2 and "scenario" in lost.output


def test_kpis_cost_components_fall_into_om_energy_tax_revenue_and_other():
    """O&M 10 + 2 = 12; energy: spot 100 + tariff 6 + CO2 3 + heat bought 4 = 113; tax: the
    electricity tax 20, the gas energy tax 5 and the excess-heat tax 3 = 28; revenue: electricity
    sold 50 and the cooling credit 7 = 57; other: a component not known here, 1. The annuities
    (investment, pipe) are not annual flows: the cash flows hold the investments themselves."""
    kpi = pd.Series(
        {
            "unit": "x",
            "cost_total_eur": 1213.0,
            "cost_investment_eur": 1000.0,
            "cost_pipe_eur": 100.0,
            "cost_fixed_om_eur": 10.0,
            "cost_variable_om_eur": 2.0,
            "cost_electricity_spot_eur": 100.0,
            "cost_electricity_tariff_eur": 6.0,
            "cost_electricity_co2_eur": 3.0,
            "cost_heat_purchase_eur": 4.0,
            "cost_electricity_electricity_tax_eur": 20.0,
            "cost_fuel_gas_energy_tax_eur": 5.0,
            "cost_excess_heat_tax_eur": 3.0,
            "cost_electricity_sale_spot_eur": -50.0,
            "cost_cooling_credit_eur": -7.0,
            "cost_something_new_eur": 1.0,
            "lcoe_eur_per_mwh": 99.0,
        }
    )
    assert annual_flows(kpi) == {
        ec.ANNUAL_OM: 12.0,
        ec.ANNUAL_ENERGY: 113.0,
        ec.ANNUAL_TAX: 28.0,
        ec.ANNUAL_REVENUE: 57.0,
        ec.ANNUAL_OTHER: 1.0,
    }


def test_capex_of_units_sized_in_m2_and_on_a_cost_curve(writer):
    """A fixed 1,000 m² solar field (50,000 € + 200 €/m²: 250,000 €) and a fixed 20,000 m³ pit on the
    curve (10,000 m³: 670,000 €; 60,000 m³: 2,280,000 €): 670,000 + 10,000 · 1,610,000/50,000 =
    992,000 €. The CAPEX comes from the annuity the solve paid, whatever the unit's cost form."""
    sc = base_scenario(24, demand=2.0)
    sc["units"] = {
        "imp": {"type": "heat_import", "price_eur_per_mwh": 60.0},
        "sun": {
            "type": "solar_thermal",
            "collector": {"eta0": 0.8, "a1_w_per_m2_k": 0.0, "a2_w_per_m2_k2": 0.0},
            "irradiance": {"kind": "plane_of_array", "irradiance_w_per_m2": 500.0},
            "ambient_temperature_c": 15.0,
            "area_m2": 1000.0,
            "investment": {"fixed_eur": 50_000.0, "per_m2_eur": 200.0, "lifetime_years": 25},
        },
        "pit": {
            "type": "pit_storage",
            "top_temperature_c": 80.0,
            "bottom_temperature_c": 40.0,
            "depth_m": 12.0,
            "side_slope": 2.0,
            "u_lid_w_per_m2k": 0.3,
            "u_wall_w_per_m2k": 0.4,
            "u_bottom_w_per_m2k": 0.4,
            "air_temperature_c": 8.0,
            "ground_temperature_c": 10.0,
            "volume_m3": 20_000.0,
            "investment": {
                "curve": [
                    {"volume_m3": 10_000.0, "investment_eur": 670_000.0},
                    {"volume_m3": 60_000.0, "investment_eur": 2_280_000.0},
                ],
                "lifetime_years": 30,
            },
        },
    }
    result = folder_economics(solve(writer, sc, "sized"))
    capex = rows(result)[ec.CAPEX]
    assert capex["sun"] == pytest.approx(250_000.0, rel=1e-9)
    assert capex["pit"] == pytest.approx(992_000.0, rel=1e-9)
    assert capex["imp"] == 0.0


def test_dhopt_solve_writes_the_economics_and_the_report_leads_with_capex(writer):
    """The heat pump's 13.14 M€ (10 MW at 1.314 M€/MW) is in economics.csv and on the report's
    'what to build' table, with no separate command."""
    out = writer.folder / "solved"
    result = CliRunner().invoke(
        app, ["solve", str(writer.yaml(two_units())), "--out", str(out), "--no-plots", "-q"]
    )
    assert result.exit_code == 0, result.output
    economics = pd.read_csv(out / "economics.csv").set_index(ec.UNIT)
    assert economics[ec.CAPEX]["hp"] == pytest.approx(10 * HP_PER_MW, rel=1e-9)
    # never without what the annual figures stand on: here 24 h scaled to a year
    assert set(economics["basis"]) == {"24 h scaled ×365 to a year"} and set(economics["status"]) == {
        "optimal"
    }
    assert set(pd.read_csv(out / "cashflow.csv")["basis"]) == {"24 h scaled ×365 to a year"}
    page = (out / "report.html").read_text()
    build = page[page.index('<section id="build">') : page.index("</section>", page.index('id="build"'))]
    assert "CAPEX" in build and "13.14" in build
