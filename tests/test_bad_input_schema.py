"""Bad input the schema catches: non-finite, absurd or boolean numbers, repeated YAML keys, unit names the
results cannot hold, limits that contradict each other. One line naming the field, exit code 2."""

from __future__ import annotations

import pytest
import yaml
from test_bad_input import assert_clean_error, good, run_cli, runner

from dhopt.cli import app

# ---------------------------------------------------------------------------------------------
# Numbers: finite, within a sane range, never a boolean.


@pytest.mark.parametrize(
    ("where", "yaml_value", "needles"),
    [
        ("electricity.spot_price_eur_per_mwh", ".nan", ["finite number", "(found nan)"]),
        ("units.hp.investment.per_mw_eur", ".inf", ["finite number", "(found inf)"]),
        ("demand.heat_mw", ".inf", ["finite number"]),
        ("district_heating.supply_temperature_c", ".nan", ["finite number"]),
        ("electricity.spot_price_eur_per_mwh", "1.0e+300", ["less than or equal to 100000", "1e+300"]),
        ("electricity.spot_price_eur_per_mwh", "-.inf", ["finite number"]),
        ("district_heating.return_temperature_c", "400", ["less than or equal to 250", "(found 400)"]),
        ("units.hp.capacity_max_mw", "1.0e+12", ["less than or equal to 100000"]),
        ("units.eb.investment.lifetime_years", "1000", ["less than or equal to 200"]),
    ],
)
def test_numbers_are_finite_and_sane(writer, where, yaml_value, needles):
    sc = good()
    node = sc
    *parents, last = where.split(".")
    for key in parents:
        node = node[key]
    node[last] = "@VALUE@"
    text = yaml.safe_dump(sc, sort_keys=False).replace("'@VALUE@'", yaml_value)
    assert_clean_error(writer.yaml(text), f"{where}:", *needles)


def test_series_file_scale_and_offset_are_finite(writer):
    data = writer.csv("d.csv", demand=[5.0] * 24)
    sc = good()
    sc["demand"]["heat_mw"] = {"file": data, "column": "demand", "scale": float("nan")}
    assert_clean_error(writer.yaml(sc), "demand.heat_mw.scale:", "finite number")
    sc["demand"]["heat_mw"] = {"file": data, "column": "demand", "offset": 1e300}
    assert_clean_error(writer.yaml(sc), "demand.heat_mw.offset:", "less than or equal to 1e+09")


@pytest.mark.parametrize(
    ("where", "yaml_value"),
    [
        ("units.hp.capacity_max_mw", "yes"),
        ("units.hp.investment.lifetime_years", "true"),
        ("demand.heat_mw", "on"),
        ("electricity.spot_price_eur_per_mwh", "true"),
        ("economics.discount_rate", "false"),
        ("hours", "true"),
    ],
)
def test_booleans_are_not_numbers(writer, where, yaml_value):
    sc = good()
    node = sc
    *parents, last = where.split(".")
    for key in parents:
        node = node[key]
    node[last] = "@VALUE@"
    text = yaml.safe_dump(sc, sort_keys=False).replace("'@VALUE@'", yaml_value)
    assert_clean_error(writer.yaml(text), f"{where}:", "not true/false")


def test_whole_numbers_and_numeric_text_still_count_as_numbers(writer):
    sc = good()
    sc["units"]["hp"]["capacity_max_mw"] = 20  # an int for a float field
    sc["units"]["hp"]["investment"]["per_mw_eur"] = "5e5"  # YAML reads 5e5 (no dot) as text
    sc["units"]["hp"]["investment"]["lifetime_years"] = 25.0
    code, text, _ = run_cli("validate", str(writer.yaml(sc)))
    assert code == 0, text
    sc["units"]["hp"]["investment"]["lifetime_years"] = True
    assert_clean_error(writer.yaml(sc), "units.hp.investment.lifetime_years:", "not true/false")


# ---------------------------------------------------------------------------------------------
# Duplicate keys in YAML


DUPLICATE_UNIT = """\
name: dup
hours: 24
demand: {heat_mw: 10}
electricity: {spot_price_eur_per_mwh: 50}
district_heating: {supply_temperature_c: 65, return_temperature_c: 40}
units:
  hp:
    type: heat_pump
    source: groundwater
    cop: {model: series, cop: 4}
    investment: {per_mw_eur: 500000, lifetime_years: 25}
  hp:
    type: electric_boiler
    investment: {per_mw_eur: 110000, lifetime_years: 15}
"""


def test_duplicate_unit_name_is_an_error(writer):
    assert_clean_error(writer.yaml(DUPLICATE_UNIT), "scenario.yaml:12:3: duplicate key 'hp'")


def test_duplicate_key_in_a_flow_mapping_is_an_error(writer):
    text = DUPLICATE_UNIT.replace("demand: {heat_mw: 10}", "demand: {heat_mw: 10, heat_mw: 12}")
    assert_clean_error(writer.yaml(text), "scenario.yaml:3:23: duplicate key 'heat_mw'")


def test_duplicate_keys_in_sweep_and_network_files_too(tmp_path):
    from dhopt.errors import ScenarioError
    from dhopt.network_comparison import load_network_scenario
    from dhopt.sweep import load_sweep

    sweep = tmp_path / "sweep.yaml"
    sweep.write_text("base: a.yaml\nbase: b.yaml\ngrid: {hours: [24]}\n")
    with pytest.raises(ScenarioError, match=r"sweep\.yaml:2:1: duplicate key 'base'"):
        load_sweep(sweep)
    network = tmp_path / "network.yaml"
    network.write_text("name: a\nname: b\n")
    with pytest.raises(ScenarioError, match=r"network\.yaml:2:1: duplicate key 'name'"):
        load_network_scenario(network)


def test_yaml_merge_keys_may_be_overridden_but_not_repeated(writer):
    """`<<: *anchor` then a key of its own is YAML's override, not a duplicate; stays safe loading."""
    text = DUPLICATE_UNIT.split("  hp:\n    type: electric_boiler")[0].replace(
        "units:\n",
        "boiler: &boiler {type: electric_boiler, investment: {per_mw_eur: 1, lifetime_years: 15}}\nunits:\n",
    )
    text += "  eb:\n    <<: *boiler\n    investment: {per_mw_eur: 110000, lifetime_years: 15}\n"
    from dhopt.errors import ScenarioError
    from dhopt.scenario import read_yaml

    data = read_yaml(writer.yaml(text))
    assert data["units"]["eb"]["investment"]["per_mw_eur"] == 110000
    text += "    investment: {per_mw_eur: 2, lifetime_years: 15}\n"
    with pytest.raises(ScenarioError, match="duplicate key 'investment'"):
        read_yaml(writer.yaml(text))
    unsafe = writer.yaml("name: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(ScenarioError, match="YAML syntax error"):
        read_yaml(unsafe)


# ---------------------------------------------------------------------------------------------
# Unit names


@pytest.mark.parametrize("name", ["system", "System", "grid", "demand"])
def test_reserved_unit_names(writer, name):
    sc = good()
    sc["units"][name] = sc["units"].pop("eb")
    assert_clean_error(writer.yaml(sc), f"units.{name}:", "reserved")


@pytest.mark.parametrize("name", ["my boiler", "1st", "_eb", "eb.2", "kessel/1"])
def test_malformed_unit_names(writer, name):
    sc = good()
    sc["units"][name] = sc["units"].pop("eb")
    assert_clean_error(writer.yaml(sc), f"units.{name}:", "letters, digits")


def test_unit_names_whose_columns_collide(writer):
    sc = good()
    sc["units"]["hp_aux"] = sc["units"].pop("eb")  # hp_aux_electricity_mw is also hp's column
    assert_clean_error(writer.yaml(sc), "units.hp_aux:", "unit 'hp'", "hp_aux_electricity_mw")
    # Usual names are fine, also ones that only begin like a reserved name.
    sc = good()
    sc["units"]["Heat-Pump_2"] = sc["units"].pop("hp")
    sc["units"]["systems"] = sc["units"].pop("eb")
    code, text, _ = run_cli("validate", str(writer.yaml(sc)))
    assert code == 0, text


# ---------------------------------------------------------------------------------------------
# Values that contradict each other


def test_min_load_above_capacity_max(writer):
    sc = good()
    sc["units"]["hp"].update(capacity_max_mw=3, min_load_mw=4)
    assert_clean_error(
        writer.yaml(sc), "units.hp.min_load_mw:", "at most capacity_max_mw 3 MW", "never run", "(found 4)"
    )


def test_min_load_above_fixed_capacity(writer):
    sc = good()
    sc["units"]["eb"].update(capacity_mw=2, min_load_mw=2.5)
    assert_clean_error(writer.yaml(sc), "units.eb.min_load_mw:", "fixed capacity_mw 2 MW", "never run")

    # A unit switched off (as sweeps do) may keep its minimum load.
    sc = good()
    sc["units"]["hp"].update(capacity_mw=0, min_load_mw=1)
    code, text, _ = run_cli("validate", str(writer.yaml(sc)))
    assert code == 0, text


def test_capacity_min_above_capacity_max(writer):
    sc = good()
    sc["units"]["hp"].update(capacity_min_mw=6, capacity_max_mw=5)
    assert_clean_error(writer.yaml(sc), "units.hp.capacity_min_mw:", "expected at most capacity_max_mw 5 MW")
    sc = good()
    sc["units"]["tank"] = {
        "type": "storage",
        "capacity_min_mwh": 50,
        "capacity_max_mwh": 10,
        "investment": {"lifetime_years": 20},
    }
    assert_clean_error(writer.yaml(sc), "units.tank.capacity_min_mwh:", "at most capacity_max_mwh 10 MWh")


@pytest.mark.parametrize(
    ("where", "value", "needle"),
    [
        ("units.hp.investment.lifetime_years", 0, "greater than or equal to 1"),
        ("units.hp.om.variable_eur_per_mwh", 1e6, "less than or equal to 100000"),
        ("units.hp.cop.cop", 0, "greater than 0"),
        ("units.hp.cop.cop", 80, "less than or equal to 50"),
        ("hours", 10**7, "less than or equal to 100000"),
    ],
)
def test_values_out_of_their_physical_range(writer, where, value, needle):
    sc = good()
    node = sc
    *parents, last = where.split(".")
    for key in parents:
        node = node[key]
    node[last] = value
    assert_clean_error(writer.yaml(sc), f"{where}:", needle)


LINEAR_COP = {
    "model": "linear",
    "design_cop": 3.5,
    "source_design_temperature_c": 10,
    "sink_design_temperature_c": 65,
    "a": 0.05,
    "b": 0.03,
}


def test_constant_source_warmer_than_the_supply(writer):
    sc = good()
    sc["units"]["hp"].update(source_temperature_c=70, cop=LINEAR_COP)
    assert_clean_error(
        writer.yaml(sc),
        "units.hp.source_temperature_c:",
        "colder than district_heating.supply_temperature_c 65 °C",
        "(found 70)",
    )
    # With an explicit COP series the source temperature is only a label: the user's own call.
    sc["units"]["hp"]["cop"] = {"model": "series", "cop": 4.0}
    code, text, _ = run_cli("validate", str(writer.yaml(sc)))
    assert code == 0, text


def test_linear_cop_design_source_warmer_than_its_sink(writer):
    sc = good()
    sc["units"]["hp"].update(source_temperature_c=10, cop={**LINEAR_COP, "source_design_temperature_c": 70})
    assert_clean_error(
        writer.yaml(sc), "units.hp.cop.source_design_temperature_c:", "below sink_design_temperature_c 65 °C"
    )


def test_constant_supply_not_above_return(writer):
    sc = good()
    sc["district_heating"]["return_temperature_c"] = 65
    assert_clean_error(
        writer.yaml(sc), "district_heating.supply_temperature_c:", "above return_temperature_c 65 °C"
    )


def test_wrong_unit_type_names_the_type_field(writer):
    sc = good()
    sc["units"]["hp"]["type"] = "fusion_reactor"
    assert_clean_error(writer.yaml(sc), "units.hp.type:", "expected one of 'heat_pump'", "'fusion_reactor'")


# ---------------------------------------------------------------------------------------------
# network-compare


def test_network_compare_with_infinity_is_one_line(tmp_path):
    from conftest import ROOT

    shipped_path = ROOT / "scenarios" / "network-comparison.yaml"
    text = shipped_path.read_text().replace("../data/", f"{ROOT / 'data'}/")
    text = text.replace("land_area_m2: 340000", "land_area_m2: .inf", 1)
    path = tmp_path / "network.yaml"
    path.write_text(text)
    result = runner.invoke(app, ["network-compare", str(path), "--out", str(tmp_path / "out")])
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert "area.land_area_m2: expected a finite number (found inf)" in lines[0]
    assert "Traceback" not in result.output
