"""Several weather years in one scenario (dhopt.weather_years): hand-solved cases."""

from __future__ import annotations

import pytest
from conftest import base_scenario, boiler, crf, heat_pump

from dhopt.errors import ScenarioError
from dhopt.run import run_scenario
from dhopt.solve import SolveOptions

EXACT = SolveOptions(mip_gap=1e-9)
HP_PER_MW = crf(0.04, 25) * 900_000 + 2000  # € per MW and year
EB_PER_MW = crf(0.04, 15) * 110_000 + 1020
TANK_PER_MWH = crf(0.04, 20) * 87 / (1.163e-3 * 25)  # € per MWh and year: 87 €/m³, ΔT 25 K


def two_years(writer, cold: list[float], mild: list[float], weights=(1.0, 3.0), **more) -> dict:
    """A scenario whose years 'cold' and 'mild' each have their own demand file, price 50 €/MWh."""
    writer.csv("cold.csv", demand=cold, price=more.pop("cold_price", [50.0] * len(cold)))
    writer.csv("mild.csv", demand=mild, price=more.pop("mild_price", [50.0] * len(mild)))
    sc = base_scenario(len(cold), demand={"file": "cold.csv", "column": "demand"})
    del sc["hours"]
    sc["electricity"]["spot_price_eur_per_mwh"] = {"file": "cold.csv", "column": "price"}
    years = []
    for name, weight in zip(("cold", "mild"), weights, strict=True):
        entry: dict = {
            "name": name,
            "set": {
                "demand.heat_mw": {"file": f"{name}.csv", "column": "demand"},
                "electricity.spot_price_eur_per_mwh": {"file": f"{name}.csv", "column": "price"},
            },
        }
        if weight is not None:
            entry["weight"] = weight
        years.append(entry)
    sc["weather_years"] = years
    return sc


def by_unit(table, year=None):
    if year is not None:
        table = table[table["weather_year"] == year]
    return table.set_index("unit")


def test_the_colder_year_sets_the_capacity_and_the_weights_the_dispatch(writer):
    """Years 'cold' (10, 6 MW) and 'mild' (4, 4 MW), weights 1:3 → 0.25 and 0.75, so each hour
    of 'cold' stands for 0.25·8760/2 = 1095 h and each of 'mild' for 0.75·8760/2 = 3285 h.
    Heat pump: COP 4 at 50 €/MWh → 14.5 €/MWh with O&M, 900 k€/MW (HP_PER_MW ≈ 59,611 €/MW·a);
    boiler 50.5 €/MWh, EB_PER_MW ≈ 10,914 €/MW·a: the pump saves 36 €/MWh for 48,698 €/MW·a more,
    so a layer of capacity is the pump's if it runs more than 48,698/36 = 1353 h a year.
    Layers (load duration over the weighted hours): 0–4 MW runs 8760 h, 4–6 MW 2190 h (both hours
    of 'cold'), 6–10 MW 1095 h (its first hour): pump 6 MW, boiler 4 MW (10 MW: the cold peak).
    Heat: pump (6+6)·1095 + (4+4)·3285 = 39,420 MWh, boiler 4·1095 = 4380 MWh, demand 43,800."""
    sc = two_years(writer, cold=[10.0, 6.0], mild=[4.0, 4.0])
    sc["units"]["hp"] = heat_pump(
        investment={"fixed_eur": 0.0, "per_mw_eur": 900_000.0, "lifetime_years": 25}
    )
    sc["units"]["eb"] = boiler()
    out = run_scenario(writer.yaml(sc), options=EXACT)
    caps = out.results.capacities.set_index("unit")["capacity_mw"]
    assert caps["hp"] == pytest.approx(6.0, abs=1e-6)
    assert caps["eb"] == pytest.approx(4.0, abs=1e-6)
    invest = 6 * HP_PER_MW + 4 * EB_PER_MW
    cost = invest + 39_420 * 14.5 + 4380 * 50.5
    assert out.report.objective == pytest.approx(cost, rel=1e-9)
    k = by_unit(out.results.kpis)
    assert k.loc["system", "heat_mwh"] == pytest.approx(43_800)
    assert k.loc["hp", "heat_mwh"] == pytest.approx(39_420)
    assert k.loc["system", "basis"].startswith("2 weather years (cold, mild)")
    # Each year on its own, scaled to a year (each hour 4380 h): the same investment, its own dispatch.
    years = out.results.kpis_by_year
    cold, mild, weighted = by_unit(years, "cold"), by_unit(years, "mild"), by_unit(years, "weighted")
    cost_cold = invest + 4380 * (12 * 14.5 + 4 * 50.5)
    cost_mild = invest + 4380 * 8 * 14.5
    assert cold.loc["system", "cost_total_eur"] == pytest.approx(cost_cold, rel=1e-9)
    assert mild.loc["system", "cost_total_eur"] == pytest.approx(cost_mild, rel=1e-9)
    assert cold.loc["system", "lcoe_eur_per_mwh"] == pytest.approx(cost_cold / (16 * 4380), rel=1e-9)
    assert weighted.loc["system", "cost_total_eur"] == pytest.approx(0.25 * cost_cold + 0.75 * cost_mild)
    assert cold.loc["system", "year_weight"] == pytest.approx(0.25)
    d = out.results.dispatch
    assert list(d["weather_year"]) == ["cold", "cold", "mild", "mild"]
    assert list(d["hp_heat_mw"]) == pytest.approx([6, 6, 4, 4], abs=1e-6)


def test_hours_cut_each_year(writer):
    """`hours: 1` keeps the first hour of each year: 'cold' 10 MW standing for 0.25·8760 = 2190 h,
    'mild' 4 MW for 0.75·8760 = 6570 h; a boiler alone: 10 MW, cost 10·EB_PER_MW + (2190·10 +
    6570·4)·50.5."""
    sc = two_years(writer, cold=[10.0, 6.0], mild=[4.0, 4.0])
    sc["hours"] = 1
    sc["units"]["eb"] = boiler()
    out = run_scenario(writer.yaml(sc), options=EXACT)
    assert out.inputs.years.lengths == (1, 1)
    assert out.report.objective == pytest.approx(10 * EB_PER_MW + (2190 * 10 + 6570 * 4) * 50.5, rel=1e-9)


def test_typical_days_are_refused_with_weather_years(writer):
    sc = two_years(writer, cold=[10.0] * 48, mild=[4.0] * 48)
    sc["units"]["eb"] = boiler()
    with pytest.raises(ScenarioError, match="--typical-days: not with weather_years"):
        run_scenario(writer.yaml(sc), typical_days=1)


def test_storage_is_cyclic_within_each_year(writer):
    """Demand 10 MW in every hour; prices 'cold' (10, 100), 'mild' (100, 10) €/MWh, equal weights
    (each hour 2190 h), an electric boiler and a tank at TANK_PER_MWH. Within each year the cheap
    hour makes 20 MW and stores 10 MWh for the dear one, which in 'mild' comes first: its level
    must come from the year's own last hour. Boiler 20 MW, tank 10 MWh; every MWh made at 10.5 €:
    cost = 20·EB_PER_MW + 10·TANK_PER_MWH + 2190·(2 years · 20 MWh)·10.5.
    One cycle over the whole horizon instead (mild's first hour after cold's last) joins the dear
    hours (cold 2, mild 1) between the cheap ones and needs a 20 MWh tank: a different objective."""
    sc = two_years(
        writer,
        cold=[10.0, 10.0],
        mild=[10.0, 10.0],
        weights=(None, None),
        cold_price=[10.0, 100.0],
        mild_price=[100.0, 10.0],
    )
    sc["units"]["eb"] = boiler()
    sc["units"]["tank"] = {
        "type": "storage",
        "loss_per_hour": 0.0,
        "temperature_difference_k": 25,
        "investment": {"fixed_eur": 0.0, "per_m3_eur": 87.0, "lifetime_years": 20},
    }
    out = run_scenario(writer.yaml(sc), options=EXACT)
    caps = out.results.capacities.set_index("unit")
    assert caps.loc["eb", "capacity_mw"] == pytest.approx(20.0, abs=1e-6)
    assert caps.loc["tank", "capacity_mwh"] == pytest.approx(10.0, abs=1e-6)
    cost = 20 * EB_PER_MW + 10 * TANK_PER_MWH + 2190 * 40 * 10.5
    assert out.report.objective == pytest.approx(cost, rel=1e-9)
    d = out.results.dispatch
    assert list(d["tank_level_mwh"]) == pytest.approx([10, 0, 0, 10], abs=1e-6)
    assert list(d["tank_discharge_mw"]) == pytest.approx([0, 10, 10, 0], abs=1e-6)


def test_stress_test_reports_the_heat_a_design_cannot_supply(writer, tmp_path):
    """A boiler sized on 'mild' alone (4 MW flat) is dispatched on 'cold' (10, 6 MW) and 'mild'
    at equal weights, unserved heat at 10,000 €/MWh. Each year alone: each hour 4380 h.
    'cold': unserved (10 − 4) + (6 − 4) = 8 MW·h → 8·4380 = 35,040 MWh/a, cost 4·EB_PER_MW +
    4380·8·50.5 + 35,040·10,000; 'mild': nothing unserved, 4·EB_PER_MW + 4380·8·50.5."""
    from typer.testing import CliRunner

    from dhopt.cli import app

    writer.csv("mild_only.csv", demand=[4.0, 4.0])
    design = base_scenario(2, demand={"file": "mild_only.csv", "column": "demand"})
    design["units"]["eb"] = boiler()
    design_dir = tmp_path / "design"
    run_scenario(writer.yaml(design, "design.yaml"), out=design_dir, options=EXACT)
    sc = two_years(writer, cold=[10.0, 6.0], mild=[4.0, 4.0], weights=(None, None))
    sc["units"]["eb"] = boiler()
    stress_dir = tmp_path / "stress"
    result = CliRunner().invoke(
        app, ["stress", str(design_dir), str(writer.yaml(sc)), "--out", str(stress_dir)]
    )
    assert result.exit_code == 0, result.output
    assert "10,000 €/MWh" in result.output and "unserved" in result.output
    assert "cold 35,040.0 MWh/a" in result.output
    import pandas as pd

    years = pd.read_csv(stress_dir / "kpis_by_year.csv")
    cold, mild = by_unit(years, "cold"), by_unit(years, "mild")
    base = 4 * EB_PER_MW + 4380 * 8 * 50.5
    assert cold.loc["system", "unserved_heat_mwh"] == pytest.approx(35_040)
    assert cold.loc["system", "cost_total_eur"] == pytest.approx(base + 35_040 * 10_000, rel=1e-9)
    assert mild.loc["system", "unserved_heat_mwh"] == pytest.approx(0.0, abs=1e-6)
    assert mild.loc["system", "cost_total_eur"] == pytest.approx(base, rel=1e-9)
    d = pd.read_parquet(stress_dir / "dispatch.parquet")
    assert list(d["unserved_heat_mw"]) == pytest.approx([6, 2, 0, 0], abs=1e-6)
    caps = pd.read_csv(stress_dir / "capacities.csv").set_index("unit")
    assert caps.loc["eb", "capacity_mw"] == pytest.approx(4.0)


def _error(writer, sc) -> str:
    from dhopt.scenario import load_scenario

    with pytest.raises(ScenarioError) as info:
        from dhopt.inputs import prepare_inputs

        prepare_inputs(load_scenario(writer.yaml(sc)))
    message = str(info.value)
    assert "\n" not in message
    return message


def test_bad_weather_years_give_one_line_errors(writer):
    sc = two_years(writer, cold=[10.0, 6.0], mild=[4.0, 4.0])
    sc["units"]["eb"] = boiler()
    bad = dict(sc, weather_years=[dict(sc["weather_years"][0], wieght=2), sc["weather_years"][1]])
    assert "weather_years.0.wieght: unknown key" in _error(writer, bad)
    dup = dict(sc, weather_years=[sc["weather_years"][0], dict(sc["weather_years"][1], name="cold")])
    assert "weather_years.1.name: duplicate year name 'cold'" in _error(writer, dup)
    neg = dict(sc, weather_years=[dict(sc["weather_years"][0], weight=-1), sc["weather_years"][1]])
    assert "weather_years.0.weight" in _error(writer, neg) and "greater than 0" in _error(writer, neg)
    path = dict(sc, weather_years=[{"name": "x", "set": {"demand.heat_mv": 3}}])
    message = _error(writer, path)
    assert "demand.heat_mv: unknown key (in weather year 'x', weather_years.0.set)" in message
    deep = dict(sc, weather_years=[{"name": "x", "set": {"units.nope.capacity_mw": 3}}])
    assert "weather_years.0.set: override 'units.nope.capacity_mw': no field 'units.nope'" in _error(
        writer, deep
    )
    # A year whose price file is shorter than its own demand (3 hours of demand, 2 of price).
    writer.csv("long.csv", demand=[1.0, 2.0, 3.0])
    short = dict(sc)
    short["weather_years"] = [
        sc["weather_years"][0],
        {"name": "odd", "weight": 1.0, "set": {"demand.heat_mw": {"file": "long.csv", "column": "demand"}}},
    ]
    message = _error(writer, short)
    assert message.startswith("weather year 'odd':") and "electricity.spot_price_eur_per_mwh" in message
    assert "3" in message and "2" in message
    mixed = dict(sc, weather_years=[dict(sc["weather_years"][0], weight=None), sc["weather_years"][1]])
    assert "give a weight to every year or to none" in _error(writer, mixed)
