"""Compare solved result folders with a baseline: what changed in the answer, and in the inputs.

Everything comes from the folders' own files (run.json, capacities.csv, kpis.csv, the scenario as
solved, scenario.yaml, and the data files it names), never from solving again. Input differences
are the flattened scenario keys (dotted paths, as `--set` and sweep files write them) whose values
differ, and the data files whose contents differ (by SHA-256), whatever their names.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from dhopt import columns as col
from dhopt.errors import DhoptError
from dhopt.result_reader import read_table, run_info, solved_scenario
from dhopt.scenario_copy import SCENARIO_COPY
from dhopt.units import STORAGE_TYPES
from dhopt.yaml_files import read_yaml

# The system figures compared, with their labels (column of kpis.csv → label).
SYSTEM_FIGURES = {
    col.LCOE: "LCOE €/MWh",
    "cost_total_eur": "annual cost €/a",
    "co2_t": "CO2 t/a",
    "co2_kg_per_mwh": "CO2 kg/MWh",
    "scop": "SCOP",
    "fuel_mwh": "fuel MWh/a",
    "electricity_mwh": "electricity used MWh/a",
    "electricity_sold_mwh": "electricity sold MWh/a",
}


NOT_SET = "(not set)"


@dataclass
class SolvedRun:
    folder: Path
    info: dict[str, Any]
    capacities: pd.DataFrame
    kpis: pd.DataFrame
    scenario: dict[str, Any] | None  # the raw scenario as solved
    scenario_dir: Path | None  # where its relative data paths start

    @property
    def label(self) -> str:
        return f"{self.folder.name} ({self.info.get('status', '?')}, {self.info.get('basis', '?')})"


def load_run(folder: Path) -> SolvedRun:
    """A complete result folder (run.json present), else a one-line error."""
    info = run_info(folder)
    capacities = read_table(folder / "capacities.csv")
    kpis = read_table(folder / "kpis.csv")
    try:
        path = solved_scenario(folder, info)
        scenario, base = read_yaml(path), path.parent
    except DhoptError:
        scenario, base = None, None  # input_differences says so; the figures still compare
    return SolvedRun(folder, info, capacities, kpis, scenario, base)


def flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted path → leaf value (lists are leaves)."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: node}


def _file_digest(base: Path | None, name: str) -> str | None:
    path = Path(name) if base is None else base / name
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def input_differences(base: SolvedRun, other: SolvedRun) -> pd.DataFrame:
    """One row per scenario key whose value differs (a data file: by its content's SHA-256, so a
    copy under another name is the same input)."""
    if base.scenario is None or other.scenario is None:
        missing = base if base.scenario is None else other
        raise DhoptError(
            f"{missing.folder}: its scenario is not found (no {SCENARIO_COPY}, and not at run.json's path)"
        )
    a, b = flatten(base.scenario), flatten(other.scenario)
    rows = []
    for key in sorted(set(a) | set(b)):
        va, vb = a.get(key, NOT_SET), b.get(key, NOT_SET)
        if key.endswith(".file") and NOT_SET not in (va, vb) and isinstance(va, str) and isinstance(vb, str):
            da, db = _file_digest(base.scenario_dir, va), _file_digest(other.scenario_dir, vb)
            if da == db and da is not None:
                continue
            rows.append({"key": key, "base": va, "other": vb, "note": "data file content differs"})
        elif va != vb and key not in ("name", "description"):
            rows.append({"key": key, "base": va, "other": vb, "note": ""})
    return pd.DataFrame(rows, columns=["key", "base", "other", "note"])


def _size(row: pd.Series) -> float:
    value = row.get("capacity_mwh") if row.get("type") in STORAGE_TYPES else row.get("capacity_mw")
    return float(value) if value is not None and not (isinstance(value, float) and math.isnan(value)) else 0.0


def capacity_differences(base: SolvedRun, other: SolvedRun) -> pd.DataFrame:
    """Per unit: capacity (MW, storage MWh) in both runs and the difference."""
    a = {r["unit"]: r for _, r in base.capacities.iterrows()}
    b = {r["unit"]: r for _, r in other.capacities.iterrows()}
    rows = []
    for unit in list(a) + [u for u in b if u not in a]:
        ra, rb = a.get(unit), b.get(unit)
        kind = (ra if ra is not None else rb)["type"]
        size_a = _size(ra) if ra is not None else 0.0
        size_b = _size(rb) if rb is not None else 0.0
        rows.append(
            {
                "unit": unit,
                "type": kind,
                "unit_of_size": "MWh" if kind in STORAGE_TYPES else "MW",
                "base": size_a,
                "other": size_b,
                "difference": size_b - size_a,
            }
        )
    return pd.DataFrame(rows)


def system_differences(base: SolvedRun, other: SolvedRun) -> pd.DataFrame:
    """The system row's figures in both runs, the difference and the difference in %."""
    ka = base.kpis.set_index("unit").loc[col.SYSTEM]
    kb = other.kpis.set_index("unit").loc[col.SYSTEM]
    rows = []
    for column, label in SYSTEM_FIGURES.items():
        if column not in ka.index and column not in kb.index:
            continue
        va, vb = float(ka.get(column, math.nan)), float(kb.get(column, math.nan))
        pct = 100 * (vb - va) / abs(va) if va and math.isfinite(va) else math.nan
        rows.append({"figure": label, "base": va, "other": vb, "difference": vb - va, "difference_pct": pct})
    return pd.DataFrame(rows)
