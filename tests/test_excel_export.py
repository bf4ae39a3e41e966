"""The Excel workbook of a result folder, read back: its numbers are the CSVs', its times date-times.

The case: 24 h from 2018-01-31 12:00 UTC of a flat 10 MW demand, all of it from a fixed 10 MW
heat pump, so the monthly balance is 12 h · 10 MW = 120 MWh in January and 120 MWh in February.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest
from test_economics import EXACT, two_units
from typer.testing import CliRunner

from dhopt.cli import app
from dhopt.run import run_scenario


@pytest.fixture
def folder(writer):
    sc = two_units()
    times = pd.date_range("2018-01-31 12:00", periods=24, freq="h", tz="UTC")
    writer.csv("demand.csv", time_utc=list(times.strftime("%Y-%m-%dT%H:%M:%SZ")), demand=[10.0] * 24)
    sc["demand"]["heat_mw"] = {"file": "demand.csv", "column": "demand"}
    out = writer.folder / "run"
    run_scenario(writer.yaml(sc), out=out, options=EXACT)
    assert CliRunner().invoke(app, ["economics", str(out)]).exit_code == 0
    return out


def test_the_workbook_holds_the_csvs_numbers_and_real_date_times(folder):
    result = CliRunner().invoke(app, ["export", "xlsx", str(folder)])
    assert result.exit_code == 0, result.output
    book = folder / "results.xlsx"
    sheets = pd.read_excel(book, sheet_name=None)
    assert list(sheets) == [
        "Summary",
        "Capacities",
        "KPIs",
        "LCOE breakdown",
        "Carriers",
        "Monthly balance",
        "Dispatch",
        "Economics",
        "Cash flow",
        "Inputs",
    ]
    for sheet, file in (
        ("Capacities", "capacities.csv"),
        ("KPIs", "kpis.csv"),
        ("Carriers", "carriers.csv"),
        ("Economics", "economics.csv"),
        ("Cash flow", "cashflow.csv"),
    ):
        pd.testing.assert_frame_equal(sheets[sheet], pd.read_csv(folder / file), check_dtype=False)
    dispatch = pd.read_csv(folder / "dispatch.csv")
    numbers = dispatch.drop(columns="time_utc")
    pd.testing.assert_frame_equal(sheets["Dispatch"].drop(columns="time_utc"), numbers, check_dtype=False)
    kpis = pd.read_csv(folder / "kpis.csv").set_index("unit")
    lcoe = sheets["LCOE breakdown"].set_index("unit")
    assert lcoe.loc["hp", "lcoe_electricity_spot_eur_per_mwh"] == pytest.approx(10.0)  # 40 € / COP 4
    assert lcoe.loc["system", "lcoe_eur_per_mwh"] == kpis.loc["system", "lcoe_eur_per_mwh"]
    summary = sheets["Summary"].set_index("quantity")["value"]
    assert float(summary["LCOE (annuity-based)"]) == pytest.approx(kpis.loc["system", "lcoe_eur_per_mwh"])
    assert float(summary["annual cost"]) == pytest.approx(kpis.loc["system", "cost_total_eur"])
    monthly = sheets["Monthly balance"].set_index("month")
    assert list(monthly.index) == ["2018-01", "2018-02"]
    assert monthly["demand_mwh"].tolist() == pytest.approx([120.0, 120.0])
    assert monthly["hp_delivered_mwh"].tolist() == pytest.approx([120.0, 120.0])
    inputs = sheets["Inputs"].set_index("key")["value"]
    assert float(inputs["units.hp.investment.per_mw_eur"]) == 1_314_000.0
    assert inputs["demand.heat_mw.file"] == "inputs/demand.csv"  # the scenario as solved, in the folder

    wb = openpyxl.load_workbook(book)
    ws = wb["Dispatch"]
    assert ws.freeze_panes == "A2"
    assert ws["A1"].value == "time_utc"
    assert ws["A2"].value == dt.datetime(2018, 1, 31, 12) and ws["A2"].is_date
    assert ws["A25"].value == dt.datetime(2018, 2, 1, 11)
    assert ws["C1"].value == "demand_mw" and ws["C2"].data_type == "n" and ws["C2"].value == 10  # a number


def test_a_sweep_folder_exports_its_points_and_a_folder_without_run_json_is_an_error(tmp_path):
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "sweep.json").write_text("{}")
    points = pd.DataFrame(
        {"id": ["a", "b"], "status": ["optimal", "infeasible"], "lcoe_eur_per_mwh": [40.5, None]}
    )
    points.to_csv(sweep / "points.csv", index=False)
    out = tmp_path / "points.xlsx"
    result = CliRunner().invoke(app, ["export", "xlsx", str(sweep), "--out", str(out)])
    assert result.exit_code == 0, result.output
    sheets = pd.read_excel(out, sheet_name=None)
    assert list(sheets) == ["Points"]
    pd.testing.assert_frame_equal(sheets["Points"], points)
    empty = tmp_path / "empty"
    empty.mkdir()
    bad = CliRunner().invoke(app, ["export", "xlsx", str(empty)])
    assert bad.exit_code == 2
    assert bad.output.strip().startswith("error:") and len(bad.output.strip().splitlines()) == 1
    assert not (empty / "results.xlsx").exists()


def test_the_inputs_sheet_flattens_the_yaml_to_dotted_keys():
    from dhopt.excel_export import flatten

    data = {"units": {"hp": {"cop": [3.0, {"x": 2}], "adders": {}}}, "name": "n"}
    assert flatten(data) == [
        ("units.hp.cop.0", 3.0),
        ("units.hp.cop.1.x", 2),
        ("units.hp.adders", "{}"),
        ("name", "n"),
    ]
