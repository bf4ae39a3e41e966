"""Bad input gives one line naming the file and the field or column, exit code 2, no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from conftest import base_scenario, boiler, heat_pump
from typer.testing import CliRunner

from dhopt.cli import app

runner = CliRunner()


def run_cli(*args: str):
    result = runner.invoke(app, list(args))
    text = " ".join(result.output.split())  # rich may wrap long lines
    return result.exit_code, text, result


def assert_clean_error(path, *needles: str, command: str = "validate"):
    code, text, result = run_cli(command, str(path))
    assert code == 2, text
    assert "Traceback" not in text
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert text.startswith("error:"), text
    for needle in needles:
        assert needle in text, f"{needle!r} not in {text!r}"


def good(hours: int = 24) -> dict:
    sc = base_scenario(hours)
    sc["units"]["hp"] = heat_pump()
    sc["units"]["eb"] = boiler()
    return sc


def test_yaml_syntax_error(writer):
    path = writer.yaml("name: x\nunits: {hp: [1, 2\n")
    assert_clean_error(path, "scenario.yaml:", "YAML syntax error")


def test_not_a_mapping(writer):
    path = writer.yaml("- just\n- a list\n")
    assert_clean_error(path, "scenario.yaml", "expected a mapping")


def test_unknown_key(writer):
    sc = good()
    sc["units"]["hp"]["investmnt"] = {}
    assert_clean_error(writer.yaml(sc), "scenario.yaml", "units.hp.investmnt: unknown key")


def test_unknown_top_level_key(writer):
    sc = good()
    sc["demnd"] = 3
    assert_clean_error(writer.yaml(sc), "demnd: unknown key")


def test_wrong_type(writer):
    sc = good()
    sc["units"]["hp"]["capacity_max_mw"] = "lots"
    assert_clean_error(writer.yaml(sc), "units.hp.capacity_max_mw", "'lots'")


def test_negative_value(writer):
    sc = good()
    sc["units"]["hp"]["investment"]["per_mw_eur"] = -5
    assert_clean_error(writer.yaml(sc), "units.hp.investment.per_mw_eur", "greater than or equal to 0", "-5")


def test_missing_value(writer):
    sc = good()
    del sc["units"]["hp"]["investment"]["lifetime_years"]
    assert_clean_error(writer.yaml(sc), "units.hp.investment.lifetime_years", "Field required")


def test_unknown_unit_type(writer):
    sc = good()
    sc["units"]["hp"]["type"] = "fusion_reactor"
    assert_clean_error(writer.yaml(sc), "units.hp", "fusion_reactor")


def test_missing_scenario_file(tmp_path):
    assert_clean_error(tmp_path / "nope.yaml", "nope.yaml: file not found")


def test_missing_csv_file(writer):
    sc = good()
    sc["electricity"]["spot_price_eur_per_mwh"] = {"file": "prices.csv", "column": "p"}
    assert_clean_error(writer.yaml(sc), "electricity.spot_price_eur_per_mwh.file", "prices.csv not found")


def test_missing_column(writer):
    data = writer.csv("p.csv", price=[1.0] * 24)
    sc = good()
    sc["electricity"]["spot_price_eur_per_mwh"] = {"file": data, "column": "spot"}
    assert_clean_error(writer.yaml(sc), "no column 'spot'", "p.csv", "columns: price")


def test_series_of_wrong_length(writer):
    data = writer.csv("d.csv", demand=[5.0] * 24)
    short = writer.csv("p.csv", price=[40.0] * 23)
    sc = good()
    sc["demand"]["heat_mw"] = {"file": data, "column": "demand"}
    sc["electricity"]["spot_price_eur_per_mwh"] = {"file": short, "column": "price"}
    assert_clean_error(writer.yaml(sc), "p.csv", "column 'price'", "expected 24 hourly values", "found 23")


def test_series_with_a_gap(writer):
    values = [5.0] * 24
    values[7] = float("nan")
    data = writer.csv("d.csv", demand=values)
    sc = good()
    sc["demand"]["heat_mw"] = {"file": data, "column": "demand"}
    assert_clean_error(writer.yaml(sc), "d.csv", "column 'demand'", "empty cell in data row 8")


def test_series_with_text(writer):
    (writer.folder / "d.csv").write_text("demand\n" + "5\n" * 10 + "five\n" + "5\n" * 13)
    sc = good()
    sc["demand"]["heat_mw"] = {"file": "d.csv", "column": "demand"}
    assert_clean_error(writer.yaml(sc), "d.csv", "'five' in data row 11")


def test_time_stamps_with_a_missing_hour(writer):
    stamps = [f"2018-01-01T{h:02d}:00:00Z" for h in range(24) if h != 5] + ["2018-01-02T00:00:00Z"]
    data = writer.csv("d.csv", time_utc=stamps, demand=[5.0] * 24)
    sc = good()
    sc["demand"]["heat_mw"] = {"file": data, "column": "demand"}
    assert_clean_error(writer.yaml(sc), "d.csv", "column 'time_utc'", "step of 2 h")


def test_infeasible_peak_above_every_unit(writer):
    sc = base_scenario(24, demand=12.0)
    sc["units"]["hp"] = heat_pump(capacity_max_mw=5)
    sc["units"]["eb"] = boiler(capacity_max_mw=4)
    assert_clean_error(
        writer.yaml(sc), "infeasible", "demand is 12.00 MW", "at most 9.00 MW", "hp 5.00, eb 4.00"
    )


def test_infeasible_with_storage_is_caught_too(writer):
    sc = base_scenario(24, demand=12.0)
    sc["units"]["hp"] = heat_pump(capacity_max_mw=5)
    sc["units"]["tank"] = {"type": "storage", "investment": {"lifetime_years": 20}}
    assert_clean_error(writer.yaml(sc), "infeasible", "at most 120.0 MWh, even with storage", command="solve")


def test_infeasible_found_by_the_solver_is_explained(writer):
    """Enough energy over the day, but a 1 MWh tank cannot carry it to the peak hours."""
    data = writer.csv("d.csv", demand=[2.0] * 12 + [8.0] * 12)
    sc = base_scenario(24, demand={"file": data, "column": "demand"})
    sc["units"]["hp"] = heat_pump(capacity_max_mw=6)
    sc["units"]["tank"] = {"type": "storage", "capacity_max_mwh": 1, "investment": {"lifetime_years": 20}}
    assert_clean_error(writer.yaml(sc), "infeasible", "storage 'tank' is limited to 1 MWh", command="solve")


def test_no_producing_unit(writer):
    sc = base_scenario(24)
    sc["units"]["tank"] = {"type": "storage", "investment": {"lifetime_years": 20}}
    assert_clean_error(writer.yaml(sc), "expected at least one heat-producing unit")


def test_unknown_override_path():
    from dhopt.errors import ScenarioError
    from dhopt.scenario import apply_overrides

    with pytest.raises(ScenarioError, match=r"no field 'units\.nope'"):
        apply_overrides({"units": {}}, {"units.nope.capacity_mw": 3})


def test_console_script_prints_no_traceback(writer):
    """The installed entry point, in a real process."""
    sc = good()
    sc["units"]["hp"]["bogus"] = 1
    path = writer.yaml(sc)
    proc = subprocess.run([sys.executable, "-m", "dhopt", "solve", str(path)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "units.hp.bogus: unknown key" in " ".join(proc.stderr.split())


def test_valid_scenario_is_described(writer):
    code, text, _ = run_cli("validate", str(writer.yaml(good())))
    assert code == 0, text
    assert "is valid" in text and "peak 10.00 MW" in text and "spot mean 50.00" in text


def test_fixed_capacity_above_its_limit(writer):
    sc = good()
    sc["units"]["hp"]["capacity_max_mw"] = 5
    sc["units"]["hp"]["capacity_mw"] = 7
    assert_clean_error(
        writer.yaml(sc), "units.hp.capacity_mw", "fixed capacity 7 MW is above capacity_max_mw 5 MW"
    )


def test_error_text_in_brackets_is_printed_as_is(writer):
    data = writer.csv("p[1].csv", price=[1.0] * 24)
    sc = good()
    sc["electricity"]["spot_price_eur_per_mwh"] = {"file": data, "column": "[spot]"}
    assert_clean_error(writer.yaml(sc), "no column '[spot]'", "p[1].csv")


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


def test_constant_source_warmer_than_the_supply(writer):
    sc = good()
    sc["units"]["hp"]["source_temperature_c"] = 70
    assert_clean_error(
        writer.yaml(sc),
        "units.hp.source_temperature_c:",
        "colder than district_heating.supply_temperature_c 65 °C",
        "(found 70)",
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
