"""Data files: each kind of bad file gives one line naming the file and what was expected, with
spreadsheet line numbers and nothing of the file's content; time stamps must agree across files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import base_scenario, boiler
from typer.testing import CliRunner

from dhopt.cli import app
from dhopt.errors import ScenarioError
from dhopt.inputs import prepare_inputs
from dhopt.scenario import load_scenario

# A value no message may show: every test file carries it somewhere the reader looks.
SECRET = "4242.4242"


def scenario_with_demand_file(writer, name: str = "d.csv", column: str = "demand", hours: int = 24) -> Path:
    sc = base_scenario(hours, demand={"file": name, "column": column})
    sc["units"]["eb"] = boiler()
    return writer.yaml(sc)


def error_of(path: Path, hours: int | None = None) -> str:
    with pytest.raises(ScenarioError) as err:
        prepare_inputs(load_scenario(path), hours)
    text = str(err.value)
    assert "\n" not in text, text
    assert SECRET not in text, text
    return text


def demand_lines(n: int = 24) -> list[str]:
    return [f"{5 + (h % 3)}.5" for h in range(n)]


def test_folder_instead_of_a_file(writer):
    (writer.folder / "d.csv").mkdir()
    text = error_of(scenario_with_demand_file(writer))
    assert text.startswith(str(writer.folder / "d.csv")) and "is a folder; expected a CSV data file" in text


def test_unreadable_file(writer, monkeypatch):
    (writer.folder / "d.csv").write_text("demand\n" + "\n".join(demand_lines()) + "\n")

    read_bytes = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self.name == "d.csv":
            raise PermissionError(13, "Permission denied", str(self))
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)  # the tests may run as root, who reads anything
    text = error_of(scenario_with_demand_file(writer))
    assert text.startswith(str(writer.folder / "d.csv")) and "permission denied" in text


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("", "the file is empty; expected a header line"),
        ("\n\n  \n", "the file is empty"),
        ("time_utc,demand\n", "has a header line but no data lines"),
    ],
)
def test_empty_and_header_only_files(writer, content, needle):
    (writer.folder / "d.csv").write_text(content)
    text = error_of(scenario_with_demand_file(writer))
    assert text.startswith(str(writer.folder / "d.csv")) and needle in text


def test_two_columns_of_the_same_name(writer):
    """pandas would read the second as 'demand.1' and take the first without a word."""
    rows = [f"{v},{SECRET},3" for v in demand_lines()]
    (writer.folder / "d.csv").write_text("demand,price,demand\n" + "\n".join(rows) + "\n")
    text = error_of(scenario_with_demand_file(writer))
    assert text.startswith(str(writer.folder / "d.csv"))
    assert "expected unique column names" in text and "columns 1 and 3 with the same name" in text


def test_file_that_is_not_utf8(writer):
    rows = "\n".join(demand_lines(10)) + "\n5.5 \xb0C\n" + "\n".join(demand_lines(13)) + "\n"
    (writer.folder / "d.csv").write_bytes(("demand\n" + rows).encode("latin-1"))
    text = error_of(scenario_with_demand_file(writer))
    assert text.startswith(str(writer.folder / "d.csv"))
    assert "expected UTF-8 text" in text and "line 12 of d.csv" in text


def test_european_excel_export(writer):
    """';' between fields and ',' decimals: the error says what to change."""
    rows = [f"2018-01-01T{h:02d}:00:00Z;{v.replace('.', ',')}" for h, v in enumerate(demand_lines())]
    (writer.folder / "d.csv").write_text("time_utc;demand\n" + "\n".join(rows) + "\n")
    text = error_of(scenario_with_demand_file(writer))
    assert text.startswith(str(writer.folder / "d.csv"))
    assert "looks ';'-separated" in text and "export as comma-separated with '.' decimals" in text


def test_comma_decimals_in_a_comma_separated_file(writer):
    values = [f'"{v.replace(".", ",")}"' for v in demand_lines()]
    (writer.folder / "d.csv").write_text("demand\n" + "\n".join(values) + "\n")
    text = error_of(scenario_with_demand_file(writer))
    assert "',' decimal separator in line 2 of d.csv (24 such lines)" in text
    assert "export as comma-separated with '.' decimals" in text
    # Unquoted, the decimal comma splits each number into two fields.
    (writer.folder / "d.csv").write_text("demand\n" + "\n".join(v.replace(".", ",") for v in demand_lines()))
    text = error_of(scenario_with_demand_file(writer))
    assert "expected at most 1 fields per line" in text and "found 2 in line 2 of d.csv" in text


def test_missing_column_does_not_show_the_header(writer):
    header = f"time_utc,demand,{SECRET}_col,price"
    rows = [f"2018-01-01T{h:02d}:00:00Z,{v},1,2" for h, v in enumerate(demand_lines())]
    (writer.folder / "d.csv").write_text(header + "\n" + "\n".join(rows) + "\n")
    text = error_of(scenario_with_demand_file(writer, column="heat"))
    assert text.startswith(str(writer.folder / "scenario.yaml"))
    assert "no column 'heat'" in text and "(4 columns)" in text
    assert "time_utc" not in text and "price" not in text
    # A near-typo of a column is named: the user typed nearly all of it.
    text = error_of(scenario_with_demand_file(writer, column="demnd"))
    assert "(4 columns; did you mean 'demand'?)" in text


def test_non_number_and_empty_cell_are_reported_by_spreadsheet_line(writer):
    values = demand_lines()
    values[15] = f"x{SECRET}"
    (writer.folder / "d.csv").write_text("demand\n" + "\n".join(values) + "\n")
    text = error_of(scenario_with_demand_file(writer))
    assert text.startswith(str(writer.folder / "d.csv"))
    assert "found a non-number in line 17 of d.csv (1 such line)" in text
    values[15] = ""
    values[3] = ""
    (writer.folder / "d.csv").write_text("demand,x\n" + "\n".join(f"{v},1" for v in values) + "\n")
    assert "found an empty cell in line 5 of d.csv (2 such lines)" in error_of(
        scenario_with_demand_file(writer)
    )


def test_bad_time_stamp_is_not_echoed(writer):
    stamps = [f"2018-01-01T{h:02d}:00:00Z" for h in range(24)]
    stamps[6] = SECRET
    pd.DataFrame({"time_utc": stamps, "demand": 5.0}).to_csv(writer.folder / "d.csv", index=False)
    text = error_of(scenario_with_demand_file(writer))
    assert "column 'time_utc': expected a time stamp" in text and "line 8 of d.csv" in text
    stamps[6] = "2018-01-01T07:00:00Z"  # 05:00 → 07:00: an hour missing, 07:00 twice
    pd.DataFrame({"time_utc": stamps, "demand": 5.0}).to_csv(writer.folder / "d.csv", index=False)
    text = error_of(scenario_with_demand_file(writer))
    assert "found a step of 2 h from line 7 to line 8 of d.csv" in text


def stamped(writer, name: str, start: str, hours: int = 48, column: str = "time_utc", **values) -> str:
    t = pd.date_range(start, periods=hours, freq="h", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    return writer.csv(name, **{column: list(t)}, **{k: [v] * hours for k, v in values.items()})


@pytest.mark.parametrize(
    ("price_start", "gap"),
    [("2018-04-01", "2160 h after"), ("2017-12-31T23:00", "1 h before")],
)
def test_time_stamps_of_two_files_must_agree(writer, price_start, gap):
    demand = stamped(writer, "d.csv", "2018-01-01", demand=5.0)
    price = stamped(writer, "p.csv", price_start, column="time", price=40.0)
    sc = base_scenario(
        48, demand={"file": demand, "column": "demand"}, price={"file": price, "column": "price"}
    )
    sc["units"]["eb"] = boiler()
    text = error_of(writer.yaml(sc))
    assert text.startswith(str(writer.folder / "p.csv"))
    assert f"expected the same time stamps as column 'time_utc' of {writer.folder / 'd.csv'}" in text
    assert f"in line 2 of p.csv ({gap} the stamp in line 2 of d.csv)" in text


def test_time_stamps_agree_also_when_the_demand_has_none(writer):
    """A constant demand, a price and a CO2 file a week apart: the second file read is refused."""
    sc = base_scenario(
        24, price={"file": stamped(writer, "p.csv", "2018-01-01", price=40.0), "column": "price"}
    )
    sc["electricity"]["co2_t_per_mwh"] = {
        "file": stamped(writer, "c.csv", "2018-01-08", co2=0.1),
        "column": "co2",
    }
    sc["units"]["eb"] = boiler()
    text = error_of(writer.yaml(sc))
    assert text.startswith(str(writer.folder / "c.csv")) and "p.csv" in text and "168 h after" in text
    # A file without time stamps is combined by position, as before.
    sc["electricity"]["co2_t_per_mwh"] = {"file": writer.csv("c.csv", co2=[0.1] * 48), "column": "co2"}
    assert prepare_inputs(load_scenario(writer.yaml(sc))).co2_t_per_mwh is not None


def test_cli_gives_one_line_and_exit_code_2(writer):
    (writer.folder / "d.csv").write_text("time_utc;demand\n2018-01-01T00:00:00Z;5,5\n")
    result = CliRunner().invoke(app, ["validate", str(scenario_with_demand_file(writer))])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {writer.folder / 'd.csv'}")


def test_an_absurd_value_in_a_file_is_refused_with_its_line(writer):
    """A price of 1e300 in a data file (not only as a constant) stops at validation, naming the
    file, the column and the line, without echoing the value."""
    from conftest import base_scenario, heat_pump

    from dhopt.errors import ScenarioError
    from dhopt.inputs import prepare_inputs
    from dhopt.scenario import load_scenario

    prices = [50.0] * 24
    prices[5] = 1e300
    name = writer.csv("p.csv", price=prices)
    sc = base_scenario(24, price={"file": name, "column": "price"})
    sc["units"]["hp"] = heat_pump()
    with pytest.raises(ScenarioError) as err:
        prepare_inputs(load_scenario(writer.yaml(sc)))
    assert "p.csv" in str(err.value) and "'price'" in str(err.value) and "line 7 of p.csv" in str(err.value)
    assert "1e+300" not in str(err.value)
