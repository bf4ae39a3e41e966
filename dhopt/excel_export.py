"""A result folder → one Excel workbook (openpyxl), for planners who pass on a file, not a folder.

A solve folder gives: Summary, Capacities, KPIs, LCOE breakdown, Carriers, Monthly balance,
Dispatch, Economics and Cash flow (if `dhopt economics` has written them) and Inputs (the
scenario's YAML flattened to dotted keys). A sweep folder gives its points table. Every table
sheet has its header in row 1, frozen, with the column names of the CSV files (which carry the
units: `_mw`, `_mwh`, `_eur`); numbers are numbers and time stamps Excel date-times (UTC).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook

from dhopt import columns as col
from dhopt.errors import DhoptError
from dhopt.result_files import CASHFLOW_FILE, ECONOMICS_FILE, MARKER, atomic_write
from dhopt.result_reader import run_info, solved_scenario
from dhopt.yaml_files import read_yaml

SWEEP_MARKER = "sweep.json"


def _cell(value: Any) -> Any:
    """A value as openpyxl writes it: NaN as an empty cell, numpy and pandas types as Python's,
    time stamps as naive UTC date-times (Excel has no time zones)."""
    if value is None or (isinstance(value, float | np.floating) and not math.isfinite(value)):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        if value.tzinfo is not None:
            value = value.tz_convert("UTC").tz_localize(None)
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | dict):
        return json.dumps(value)
    return value


def _add_table(wb: Workbook, title: str, df: pd.DataFrame) -> None:
    ws = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    for i, name in enumerate(df.columns):
        ws.column_dimensions[_letter(i)].width = max(10, min(len(str(name)) + 2, 40))
    ws.append([str(c) for c in df.columns])
    for row in df.itertuples(index=False, name=None):
        ws.append([_cell(v) for v in row])


def _letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


def _read(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise DhoptError(f"{path}: cannot read: {exc}") from None


def flatten(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """A YAML tree as (dotted key, value) pairs; list items by their index."""
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return [(prefix, data)]
    if not data:  # an empty mapping or list keeps its key
        return [(prefix, json.dumps(data))]
    out: list[tuple[str, Any]] = []
    for key, value in items:
        out += flatten(value, f"{prefix}.{key}" if prefix else str(key))
    return out


def dispatch_table(folder: Path) -> pd.DataFrame:
    """The hourly dispatch with its time stamps as date-times (parquet if there, else the CSV)."""
    parquet = folder / "dispatch.parquet"
    dispatch = _read(parquet if parquet.is_file() else folder / "dispatch.csv")
    if col.TIME in dispatch.columns:
        dispatch[col.TIME] = pd.to_datetime(dispatch[col.TIME], utc=True).dt.tz_localize(None)
    return dispatch


def monthly_balance(dispatch: pd.DataFrame) -> pd.DataFrame | None:
    """Heat per unit and month, MWh in the modelled hours (not scaled to a year): each hour counts
    its weight (weight_h with typical periods, else 1 h). None without time stamps."""
    if col.TIME not in dispatch.columns:
        return None
    hours = dispatch[col.WEIGHT] if col.WEIGHT in dispatch.columns else pd.Series(1.0, index=dispatch.index)
    flows = [col.DEMAND]
    flows += [col.delivered(u) for u in col.producers(dispatch.columns)]
    for s in col.storages(dispatch.columns):
        flows += [col.discharge(s), col.charge(s)]
    flows += [c for c in (col.HEAT_DUMPED, col.ELECTRICITY) if c in dispatch.columns]
    energy = dispatch[flows].mul(hours, axis=0)
    energy.columns = [c.removesuffix("_mw") + "_mwh" for c in flows]
    month = dispatch[col.TIME].dt.strftime("%Y-%m").rename("month")
    return energy.groupby(month).sum().reset_index()


def summary(info: dict[str, Any], kpis: pd.DataFrame) -> pd.DataFrame:
    system = kpis.set_index("unit").loc[col.SYSTEM]
    rows = [
        ("scenario", info.get("scenario_name"), ""),
        ("scenario file", info.get("scenario"), ""),
        ("scenario SHA-256", info.get("scenario_sha256"), ""),
        ("status", info.get("status"), ""),
        ("basis", info.get("basis"), ""),
        ("MIP gap", info.get("gap"), "-"),
        ("objective", info.get("objective_eur_per_year"), "€/a"),
        ("dual bound", info.get("bound_eur_per_year"), "€/a"),
        ("LCOE (annuity-based)", system[col.LCOE], "€/MWh"),
        ("annual cost", system[col.cost_component("total")], "€/a"),
        ("heat demand", system["heat_mwh"], "MWh/a"),
        ("CO2", system.get("co2_t"), "t/a"),
        ("CO2 per MWh of heat", system.get("co2_kg_per_mwh"), "kg/MWh"),
        ("SCOP (system)", system.get("scop"), "-"),
        ("finished", info.get("finished_utc"), "UTC"),
        ("dhopt version", (info.get("versions") or {}).get("dhopt"), ""),
    ]
    return pd.DataFrame(rows, columns=["quantity", "value", "unit"])


def solve_sheets(folder: Path) -> dict[str, pd.DataFrame]:
    info = run_info(folder)
    kpis = _read(folder / "kpis.csv")
    sheets = {"Summary": summary(info, kpis), "Capacities": _read(folder / "capacities.csv"), "KPIs": kpis}
    lcoe = [col.LCOE] + [col.lcoe_component(c) for c in col.lcoe_components(kpis.columns)]
    sheets["LCOE breakdown"] = kpis[["unit", *lcoe]]
    if (folder / "carriers.csv").is_file():
        sheets["Carriers"] = _read(folder / "carriers.csv")
    dispatch = dispatch_table(folder)
    monthly = monthly_balance(dispatch)
    notes = []
    if monthly is not None:
        sheets["Monthly balance"] = monthly
    else:
        notes.append(
            "no monthly balance: the dispatch has no time stamps (typical days or data without them)"
        )
    sheets["Dispatch"] = dispatch
    for name, file in (("Economics", ECONOMICS_FILE), ("Cash flow", CASHFLOW_FILE)):
        if (folder / file).is_file():
            sheets[name] = _read(folder / file)
    try:
        path = solved_scenario(folder, info)
        sheets["Inputs"] = pd.DataFrame(flatten(read_yaml(path)), columns=["key", "value"])
    except DhoptError as exc:
        notes.append(f"no inputs sheet: {exc}")
    if notes:
        extra = pd.DataFrame([("note", n, "") for n in notes], columns=sheets["Summary"].columns)
        sheets["Summary"] = pd.concat([sheets["Summary"], extra], ignore_index=True)
    return sheets


def sweep_sheets(folder: Path) -> dict[str, pd.DataFrame]:
    for name in ("points.parquet", "points.csv"):
        if (folder / name).is_file():
            return {"Points": _read(folder / name)}
    raise DhoptError(f"{folder}: a sweep folder without its points table (points.parquet or points.csv)")


def export_folder(folder: Path, target: Path) -> list[str]:
    """Write the workbook of a solve or sweep folder to `target` (atomically); the sheets' names."""
    if (folder / SWEEP_MARKER).is_file() and not (folder / MARKER).is_file():
        sheets = sweep_sheets(folder)
    elif (folder / MARKER).is_file():
        sheets = solve_sheets(folder)
    else:
        raise DhoptError(f"{folder}: no {MARKER}: not a finished `dhopt solve` result folder (nor a sweep's)")
    wb = Workbook(write_only=True)
    for title, df in sheets.items():
        _add_table(wb, title, df)
    atomic_write(target, wb.save)
    return list(sheets)


__all__ = ["export_folder", "flatten", "monthly_balance"]
