"""Bad input gives one line naming the file and the field or column, exit code 2, no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest
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
