"""Network-temperature comparison (the Nordhavn deliverable, Part I; "Ref" in the comments): the
formulas by hand, the deliverable's qualitative findings on the shipped scenario, bad input through
the command, and the files the command writes."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
import yaml
from conftest import ROOT
from typer.testing import CliRunner

from dhopt.commands_network import register
from dhopt.errors import ScenarioError
from dhopt.inputs import capital_recovery_factor
from dhopt.network_comparison import (
    CostFunction,
    NetworkComparison,
    average_pipe_diameter_m,
    cop_exergy,
    effective_width_m,
    heat_loss_share,
    investment_present_value_factor,
    levelising_factor,
    log_mean_temperature_k,
    pumping_power_kw,
    volume_flow_m3_per_h,
)
from dhopt.network_costs import COMPONENTS

SCENARIO = ROOT / "scenarios" / "network-comparison.yaml"
SH_PART1 = 0.130435  # Ref Figure 2: "SH-share=0.13" (3 / (20 + 3))
HP_SOURCES = ["air_hp", "groundwater_hp", "seawater_hp", "sewage_hp"]
LTDH_SETS = ["ltdh_80_50", "ltdh_70_40", "ltdh_60_30"]  # hottest first
BOOSTERS = ["booster_hp", "air_hp_booster", "micro_booster_hp"]


# ---------------------------------------------------------------------------------------------
# Formulas, each against numbers worked out by hand.


def test_log_mean_temperature_eq7():
    # 30 → 60 °C: (333.15 − 303.15) / ln(333.15 / 303.15) = 30 / 0.0943657 = 317.914 K
    assert log_mean_temperature_k(30.0, 60.0) == pytest.approx(317.9141, abs=1e-3)
    assert log_mean_temperature_k(10.0, 10.0) == pytest.approx(283.15)  # no glide: the temperature itself


def test_cop_eq6_hand_value_and_limits():
    tm_sink = 30 / math.log(333.15 / 303.15)  # 317.914 K (sink 30 → 60 °C)
    tm_src = 5 / math.log(283.15 / 278.15)  # 280.643 K (source 10 → 5 °C)
    t0 = 283.65  # 10.5 °C
    # ε = 0.5: 1 / (1 − (280.643/283.65) · (2 · (283.65/317.914 − 1) + 1)) = 4.4668
    assert cop_exergy(30, 60, 10, 5, 0.5, 10.5) == pytest.approx(4.4668, abs=1e-4)
    # ε = 1 is the Lorenz COP T_m,sink / (T_m,sink − T_m,source) = 8.5297
    assert cop_exergy(30, 60, 10, 5, 1.0, 10.5) == pytest.approx(tm_sink / (tm_sink - tm_src), rel=1e-12)
    assert cop_exergy(30, 60, 10, 5, 1.0, 10.5) == pytest.approx(8.5297, abs=1e-4)
    # A source at the dead state: ε times the Lorenz COP, 0.5 · 317.914 / 34.264 = 4.6392
    assert cop_exergy(30, 60, 10.5, 10.5, 0.5, 10.5) == pytest.approx(
        0.5 * tm_sink / (tm_sink - t0), rel=1e-12
    )
    assert cop_exergy(30, 60, 10.5, 10.5, 0.5, 10.5) == pytest.approx(4.6392, abs=1e-4)


def test_heat_loss_eq2():
    # At the reference temperatures the correction is 1: 0.2748 · 1^−0.653 = 0.2748
    assert heat_loss_share(1.0, 73.71, 40.52, 8.0) == pytest.approx(0.2748, rel=1e-12)
    # q_l = 2 MWh/m, 60/30 °C, ground 8 °C: 0.2748 · 2^−0.653 · (90 − 16) / (114.23 − 16) = 0.13165
    assert heat_loss_share(2.0, 60, 30, 8.0) == pytest.approx(0.131653, abs=1e-6)


def test_volume_flow_and_pumping_eq3():
    # 8760 MWh/a = 1 MW mean; ΔT 30 K, c_p 4.18, ρ 1000: 1000 / (4.18 · 30) = 7.9745 kg/s = 28.708 m³/h
    flow = volume_flow_m3_per_h(8760.0, 70, 40, 4.18, 1000.0)
    assert flow == pytest.approx(28.7081, abs=1e-4)
    # 1000 m at 100 Pa/m plus 1 bar: Δp = 2 bar; 7.9745e-3 m³/s · 2e5 Pa = 1.5949 kW (η = 1), 3.1898 (η = 0.5)
    assert pumping_power_kw(flow, 1000.0, 100.0, 1e5, 1.0) == pytest.approx(1.5949, abs=1e-4)
    assert pumping_power_kw(flow, 1000.0, 100.0, 1e5, 0.5) == pytest.approx(3.1898, abs=1e-4)


def test_annuity_and_levelising():
    assert capital_recovery_factor(0.04, 20) == pytest.approx(0.0735818, abs=1e-7)
    # Lifetime = horizon: one investment, no residual value
    assert investment_present_value_factor(0.04, 20, 20) == pytest.approx(1.0)
    # 40 a: half the value is left at year 20: 1 − 0.5 · 1.04^−20 = 0.771807
    assert investment_present_value_factor(0.04, 40, 20) == pytest.approx(0.771807, abs=1e-6)
    # 15 a: reinvested at year 15, 10 of 15 years left at year 20: 1 + 1.04^−15 − (2/3) · 1.04^−20 = 1.251007
    assert investment_present_value_factor(0.04, 15, 20) == pytest.approx(1.251007, abs=1e-6)
    assert levelising_factor(0.04, 40, 20) == pytest.approx(0.771807 * 0.0735818, rel=1e-5)


def test_effective_width_diameter_and_cost_function():
    assert effective_width_m(1.0) == pytest.approx(61.8)
    assert effective_width_m(2.0) == pytest.approx(55.6973, abs=1e-4)  # 61.8 · 2^−0.15
    assert average_pipe_diameter_m(math.e) == pytest.approx(0.0493)  # 0.0486 · 1 + 0.0007
    assert average_pipe_diameter_m(0.5) == 0.0  # negative diameters are cut at 0
    # Table 1 substation 0.414 · Q^−0.536 M€/MW with Q in kW: 50 kW → 0.414 · 50^−0.536 · 50 000 € = 2542.9 €
    sub = CostFunction(
        specific_cost_meur_per_mw=0.414, exponent=-0.536, capacity_unit="kW", lifetime_years=25
    )
    assert float(sub.investment_eur(0.05)) == pytest.approx(2542.86, abs=0.01)
    assert float(sub.investment_eur(0.0)) == 0.0


# ---------------------------------------------------------------------------------------------
# The model on the shipped scenario.


@pytest.fixture(scope="module")
def nc() -> NetworkComparison:
    return NetworkComparison.from_file(SCENARIO)


@pytest.fixture(scope="module")
def table(nc) -> pd.DataFrame:
    return nc.table()


@pytest.fixture(scope="module")
def min_feasible(nc) -> pd.DataFrame:
    return nc.min_feasible_table()


def lcoe(nc, concept_key: str, study: str, sh: float, pr) -> np.ndarray:
    concept = next(c for c in nc.concepts(study) if c.key == concept_key)
    return nc.evaluate(concept, sh, np.atleast_1d(np.asarray(pr, dtype=float)))["lcoe_eur_per_mwh"]


def test_balances_and_booster_om_eq4(nc):
    v = nc.evaluate_dh("ultdh_40_25", "waste_heat_40", "booster_hp", 0.5, np.array([0.6, 1.4]))
    # heat into the network = delivered + loss, loss = share · heat into the network
    np.testing.assert_allclose(
        v["heat_into_network_mwh"], v["heat_delivered_by_network_mwh"] + v["heat_loss_mwh"]
    )
    np.testing.assert_allclose(v["heat_loss_mwh"], v["heat_loss_share"] * v["heat_into_network_mwh"])
    # a DH-sourced booster draws its source heat from the network: delivered = SH + DHW − booster electricity
    np.testing.assert_allclose(
        v["heat_delivered_by_network_mwh"], v["sh_mwh"] + v["dhw_mwh"] - v["booster_electricity_mwh"]
    )
    # eq. 4 per unit: 229.6 + 3852.6 · Q_nom [MW]
    om = v["booster_units"] * (229.6 + 3852.6 * v["booster_unit_kw"] / 1000.0)
    np.testing.assert_allclose(v["lcoe_booster_fixed_om_eur_per_mwh"] * v["heat_demand_mwh"], om)
    # the LCOE is the sum of its components
    np.testing.assert_allclose(v["lcoe_eur_per_mwh"], sum(v[f"lcoe_{c}_eur_per_mwh"] for c in COMPONENTS))


def test_dh_cost_falls_with_plot_ratio(table):
    # Ref 1.3.1: "All district heating options followed a similar trend, i.e. the cost were high for low plot
    # ratios and decreased with increasing plot ratios." 1.3.2: "The LCOE decreased for all cases with
    # increasing plot ratio."
    dh = table[table["kind"] == "dh"]
    for key, g in dh.groupby(["study", "concept", "space_heating_share"]):
        y = g.sort_values("plot_ratio")["lcoe_eur_per_mwh"].to_numpy()
        assert np.all(np.diff(y) < 0), key


def test_individual_ranking(nc):
    # Ref 1.3.1: "The cheapest individual heat supply unit with 56.2 €/MWh was air-to-water heat pumps and
    # also brine-to-water heat pumps had only slightly higher levelized costs (56.8 €/MWh)."
    ind = {u: lcoe(nc, f"individual/{u}", "part1", SH_PART1, 1.0)[0] for u in nc.scenario.individual}
    assert ind["air_to_water_hp"] < ind["brine_to_water_hp"] < ind["electric_heater"]


def test_individual_cheapest_at_low_density_dh_cheaper_above_some_density(nc, min_feasible):
    # Ref 1.3.1: "The central solutions supplying 70 °C forward, 40 °C return became feasible compared to
    # individual heat pumps at plot ratios between 0.5 and 0.8." Below that the individual air-to-water heat
    # pump is the cheapest supply; above some density every heat-pump DH solution beats it.
    ref = lcoe(nc, "individual/air_to_water_hp", "part1", SH_PART1, 1.0)[0]
    for src in [*HP_SOURCES, "wood_chips", "wood_pellets"]:
        assert np.all(lcoe(nc, f"ltdh_70_40/{src}", "part1", SH_PART1, [0.2, 0.4]) > ref), src
    hp = min_feasible[(min_feasible["study"] == "part1") & min_feasible["central_source"].isin(HP_SOURCES)]
    assert len(hp) == len(LTDH_SETS) * len(HP_SOURCES) * 2
    assert (hp["status"] == "found").all()
    for _, row in hp.iterrows():
        pr, sh = row["min_feasible_plot_ratio"], row["space_heating_share"]
        ref = row["reference_lcoe_eur_per_mwh"]
        assert ref == pytest.approx(lcoe(nc, "individual/air_to_water_hp", "part1", sh, 1.0)[0])
        assert lcoe(nc, row["concept"], "part1", sh, pr * 1.01)[0] < ref
        assert lcoe(nc, row["concept"], "part1", sh, pr * 0.99)[0] > ref


def test_min_feasible_density_falls_with_temperature_and_rises_with_demand(min_feasible):
    # Ref 1.3.1: "The minimum feasible LHDD, and thereby the lowest plot ratios which may be supplied by
    # district heating, decreased with decreasing supply temperatures for district heating networks supplied
    # by central heat pumps." and "the feasibility of LTDH solutions benefitted from higher space heating
    # shares and lower supply temperatures."
    mf = min_feasible[min_feasible["study"] == "part1"].set_index(
        ["temperature_set", "central_source", "space_heating_share"]
    )
    for src in HP_SOURCES:
        for sh in (SH_PART1, 0.529412):
            q = [mf.loc[(t, src, sh), "min_feasible_linear_heat_density_mwh_per_m"] for t in LTDH_SETS]
            pr = [mf.loc[(t, src, sh), "min_feasible_plot_ratio"] for t in LTDH_SETS]
            assert q[0] > q[1] > q[2], (src, sh, q)
            assert pr[0] > pr[1] > pr[2], (src, sh, pr)
        for t in LTDH_SETS:
            assert (
                mf.loc[(t, src, 0.529412), "min_feasible_plot_ratio"]
                < mf.loc[(t, src, SH_PART1), "min_feasible_plot_ratio"]
            )


def test_lower_temperatures_cheaper(table):
    # Ref, executive summary and 1.5: "low supply and return temperatures, e.g. 60 °C / 30 °C were beneficial
    # compared to higher temperatures due to reduced heat losses and increased coefficient of performance of
    # the central heat pumps."
    p1 = table[(table["study"] == "part1") & table["central_source"].isin(HP_SOURCES)]
    piv = p1.pivot_table(
        index=["central_source", "space_heating_share", "plot_ratio"],
        columns="temperature_set",
        values=["lcoe_eur_per_mwh", "heat_loss_share", "central_scop"],
    )
    hot, mid, low = LTDH_SETS
    assert (piv["lcoe_eur_per_mwh"][hot] > piv["lcoe_eur_per_mwh"][mid]).all()
    assert (piv["lcoe_eur_per_mwh"][mid] > piv["lcoe_eur_per_mwh"][low]).all()
    assert (piv["heat_loss_share"][hot] > piv["heat_loss_share"][mid]).all()
    assert (piv["heat_loss_share"][mid] > piv["heat_loss_share"][low]).all()
    assert (piv["central_scop"][hot] < piv["central_scop"][mid]).all()
    assert (piv["central_scop"][mid] < piv["central_scop"][low]).all()


def test_ultdh_gains_on_ltdh_with_space_heating_share_and_plot_ratio(table):
    # Ref 1.3.2 (Figure 6, waste heat 40+ °C): "Under the assumed circumstances, ULTDH was only more feasible
    # than LTDH for high shares of space heating demand and high plot ratio, i.e. high linear heat demand
    # densities."
    p2 = table[table["study"] == "part2"]
    ltdh = p2[p2["concept"] == "ltdh_60_30/waste_heat_40"].pivot_table(
        index="space_heating_share", columns="plot_ratio", values="lcoe_eur_per_mwh"
    )
    for booster in ("booster_hp", "air_hp_booster"):
        ultdh = p2[p2["concept"] == f"ultdh_40_25/waste_heat_40/{booster}"].pivot_table(
            index="space_heating_share", columns="plot_ratio", values="lcoe_eur_per_mwh"
        )
        diff = (ultdh - ltdh).to_numpy()  # rows: SH share ascending, columns: plot ratio ascending
        assert np.all(np.diff(diff, axis=0) < 0), booster  # ULTDH gains with the space-heating share
        assert np.all(np.diff(diff, axis=1) < 0), booster  # and with the plot ratio
        assert np.all(diff[0] > 0), booster  # at the lowest SH share LTDH is cheaper at every plot ratio
        assert diff[0, 0] > 0 and diff[-1, -1] < 0, booster  # ULTDH wins only in the high-SH, high-PR corner


def test_waste_heat_is_the_best_case_for_ultdh(nc):
    # Ref 1.3.2 (Figure 8, PR 1.5, SH share 0.5): "The most advantageous case for ULTDH is the supply from
    # waste heat at temperatures high enough to supply space heat directly."
    sources = nc.scenario.studies["part2"].central_sources
    for booster in BOOSTERS:
        diff = {
            s: lcoe(nc, f"ultdh_40_25/{s}/{booster}", "part2", 0.5, 1.5)[0]
            - lcoe(nc, f"ltdh_60_30/{s}", "part2", 0.5, 1.5)[0]
            for s in sources
        }
        assert min(diff, key=diff.get) == "waste_heat_40", (booster, diff)


def test_table2_rankings_reproduced(nc):
    # Ref Table 2 (PR 1.4, SH share 0.5, waste heat 40+ °C): LTDH 41.89, booster HP 58.39, air HP 65.07,
    # micro-booster HP 110.31, individual air-source HP 57.59 €/MWh. The orderings our model reproduces:
    # micro-booster dearest, booster HP below air HP, LTDH below the individual heat pump; and 1.3.2: the O&M
    # costs "were especially high for the case of ULTDH with micro-booster heat pump. This was caused by the
    # higher number of units that have to be maintained".
    args = ("part2", 0.5, 1.4)
    ltdh = lcoe(nc, "ltdh_60_30/waste_heat_40", *args)[0]
    ultdh = {b: lcoe(nc, f"ultdh_40_25/waste_heat_40/{b}", *args)[0] for b in BOOSTERS}
    individual = lcoe(nc, "individual/air_to_water_hp", *args)[0]
    assert max(ultdh, key=ultdh.get) == "micro_booster_hp"
    assert ultdh["booster_hp"] < ultdh["air_hp_booster"]
    assert ltdh < individual
    om = {
        b: nc.evaluate_dh("ultdh_40_25", "waste_heat_40", b, 0.5, np.array([1.4]))[
            "lcoe_booster_fixed_om_eur_per_mwh"
        ]
        for b in BOOSTERS
    }
    assert om["micro_booster_hp"][0] > 5 * om["booster_hp"][0]


def test_energy_costs_lower_for_ultdh(nc):
    # Ref 1.3.2 (Figure 4): "The total heat production cost, i.e. fuel cost, variable operation cost,
    # taxes ..., were lower for the ULTDH solutions than for the LTDH case."
    energy = ["central_electricity", "central_fuel", "pumping_electricity", "booster_electricity"]

    def production(v):
        return sum(v[f"lcoe_{c}_eur_per_mwh"][0] for c in energy)

    ltdh = production(nc.evaluate_dh("ltdh_60_30", "waste_heat_40", None, 0.5, np.array([1.4])))
    for b in BOOSTERS:
        assert production(nc.evaluate_dh("ultdh_40_25", "waste_heat_40", b, 0.5, np.array([1.4]))) < ltdh, b


def test_without_booster_fixed_om_the_spread_shrinks(nc):
    # Ref 1.3.2 (Figure 5): without fixed O&M for the booster units "the difference between the different
    # solutions could be reduced considerably."
    def spread(exclude: bool) -> float:
        vals = [
            nc.evaluate_dh("ltdh_60_30", "waste_heat_40", None, 0.5, np.array([1.4]))["lcoe_eur_per_mwh"][0]
        ]
        vals += [
            nc.evaluate_dh("ultdh_40_25", "waste_heat_40", b, 0.5, np.array([1.4]), exclude)[
                "lcoe_eur_per_mwh"
            ][0]
            for b in BOOSTERS
        ]
        return max(vals) - min(vals)

    assert spread(True) < 0.5 * spread(False)


@pytest.mark.xfail(
    strict=True,
    reason="Known divergence (docs/network-comparison.md): with the deliverable's Table 1 booster costs and "
    "eq. 4 O&M, ULTDH on waste heat 40+ °C with a building-level booster is cheaper than LTDH 60/30 "
    "in our model",
)
def test_deliverable_table2_ltdh_cheapest(nc):
    # Ref 1.3.2: "For this case LTDH, supplied at 60 °C is the most feasible solution in terms of LCOE".
    args = ("part2", 0.5, 1.4)
    ltdh = lcoe(nc, "ltdh_60_30/waste_heat_40", *args)[0]
    assert all(ltdh < lcoe(nc, f"ultdh_40_25/waste_heat_40/{b}", *args)[0] for b in BOOSTERS)


@pytest.mark.xfail(
    strict=True,
    reason="Known divergence (docs/network-comparison.md): our LTDH 70/40 breaks even with individual "
    "air-to-water HPs only at plot ratios of about 2.4–2.7",
)
def test_deliverable_figure2_break_even_between_pr_05_and_08(min_feasible):
    # Ref 1.3.1: "The central solutions supplying 70 °C forward, 40 °C return became feasible compared to
    # individual heat pumps at plot ratios between 0.5 and 0.8."
    mf = min_feasible[
        (min_feasible["temperature_set"] == "ltdh_70_40")
        & min_feasible["central_source"].isin(HP_SOURCES)
        & np.isclose(min_feasible["space_heating_share"], SH_PART1)
    ]
    assert mf["min_feasible_plot_ratio"].between(0.5, 0.8).all()


# ---------------------------------------------------------------------------------------------
# The command: bad input and its files.


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def _main() -> None:  # a callback keeps `network-compare` a named subcommand
        pass

    return app


def _absolute_files(node, base: Path):
    """Data-file paths of the shipped scenario made absolute, so a copy works from any folder."""
    if isinstance(node, dict):
        return {
            k: str((base / v).resolve()) if k == "file" else _absolute_files(v, base) for k, v in node.items()
        }
    if isinstance(node, list):
        return [_absolute_files(v, base) for v in node]
    return node


@pytest.fixture(scope="module")
def shipped() -> dict:
    return _absolute_files(yaml.safe_load(SCENARIO.read_text()), SCENARIO.parent)


def _write(tmp_path: Path, data) -> Path:
    path = tmp_path / "network.yaml"
    path.write_text(
        data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    )
    return path


def _invoke(path: Path, out: Path):
    return CliRunner().invoke(_app(), ["network-compare", str(path), "--out", str(out)])


def _bad(tmp_path: Path, data, *needles: str) -> None:
    out = tmp_path / "out"
    result = _invoke(_write(tmp_path, data), out)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in result.output
    assert "network.yaml" in lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert not (out / "network_comparison.csv").exists()


def test_unknown_key(tmp_path, shipped):
    data = copy.deepcopy(shipped)
    data["area"]["land_aera_m2"] = 1
    _bad(tmp_path, data, "area.land_aera_m2: unknown key")


def test_negative_value(tmp_path, shipped):
    data = copy.deepcopy(shipped)
    data["area"]["land_area_m2"] = -340000
    _bad(tmp_path, data, "area.land_area_m2", "greater than 0", "-340000")


def test_yaml_syntax_error(tmp_path):
    _bad(tmp_path, "name: x\narea: {land_area_m2: [1, 2\n", "YAML syntax error")


def test_unknown_reference_and_missing_column(tmp_path, shipped):
    data = copy.deepcopy(shipped)
    data["studies"]["part1"]["central_sources"].append("geothermal_hp")
    _bad(tmp_path, data, "studies.part1.central_sources", "unknown central source 'geothermal_hp'")
    data = copy.deepcopy(shipped)
    data["weather"]["air_temperature_c"]["column"] = "outdoor_c"
    _bad(tmp_path, data, "weather.air_temperature_c.column", "no column 'outdoor_c'")


def test_loader_raises_scenario_error(tmp_path, shipped):
    data = copy.deepcopy(shipped)
    data["temperature_sets"]["ltdh_60_30"]["return_c"] = 65
    with pytest.raises(ScenarioError, match=r"temperature_sets\.ltdh_60_30.*forward_c \(60\) must be above"):
        NetworkComparison.from_file(_write(tmp_path, data))


def test_command_writes_tables_and_images(tmp_path, shipped):
    data = copy.deepcopy(shipped)  # a smaller copy of the shipped scenario, for speed
    data["studies"]["part1"]["central_sources"] = ["air_hp", "wood_chips"]
    data["studies"]["part1"]["temperature_sets"] = ["ltdh_70_40", "ltdh_60_30"]
    data["studies"]["part2"]["central_sources"] = ["waste_heat_40"]
    data["studies"]["part2"]["space_heating_shares"] = [0.1, 0.5, 0.8]
    data["figures"] = [f for f in data["figures"] if "air_hp" not in (f.get("central_sources") or [])]
    data["min_feasible_search"]["points"] = 60
    out = tmp_path / "out"
    result = _invoke(_write(tmp_path, data), out)
    assert result.exit_code == 0, result.output

    df = pd.read_csv(out / "network_comparison.csv")
    # part1: (2 sets · 2 sources + 3 individual) · 2 shares · 10 PR; part2: (1 + 3 boosters + 1 ind.) · 3 · 10
    assert len(df) == (2 * 2 + 3) * 2 * 10 + (1 + 3 + 1) * 3 * 10
    assert {"concept", "plot_ratio", "linear_heat_density_mwh_per_m", "lcoe_eur_per_mwh"} <= set(df.columns)
    parts = df[[f"lcoe_{c}_eur_per_mwh" for c in COMPONENTS]].sum(axis=1)
    np.testing.assert_allclose(parts, df["lcoe_eur_per_mwh"], rtol=1e-5)

    mf = pd.read_csv(out / "min_feasible_density.csv", keep_default_na=False)
    assert len(mf) == 2 * 2 * 2 + (1 + 3) * 3  # DH concepts · SH shares
    assert {"min_feasible_plot_ratio", "min_feasible_linear_heat_density_mwh_per_m", "status"} <= set(
        mf.columns
    )

    for fig in data["figures"]:
        png, svg = out / "plots" / f"{fig['name']}.png", out / "plots" / f"{fig['name']}.svg"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000, png
        assert b"<svg" in svg.read_bytes()[:2000] and svg.stat().st_size > 5000, svg
