"""What `dhopt report` reads from a result folder: its tables, run.json and the scenario file.

Nothing is recomputed from the model: the report shows these files. The scenario file is the
copy `scenario.yaml` in the folder when there is one, else the file named in run.json (relative
paths tried against the current folder, then against the result folder's parent). Inputs marked
synthetic are the scenario's YAML comments containing the word SYNTHETIC, each attached to the
key on its line (a comment on a line of its own belongs to the next key; before the first key it
is the file's header).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from dhopt.errors import DhoptError, ScenarioError
from dhopt.result_files import ECONOMICS_FILE
from dhopt.result_reader import is_copy, original_scenario, read_table, run_info, solved_scenario
from dhopt.scenario import file_sha256
from dhopt.yaml_files import read_yaml

CAPEX = "capex_eur"  # upfront investment per unit, if another step wrote it
SYNTHETIC = re.compile(r"\bSYNTHETIC\b")
HEADER = "(file header)"


@dataclass
class ScenarioFile:
    path: Path
    data: dict[str, Any]
    sha256: str
    synthetic: list[tuple[str, str]]  # (dotted key, the comment)


@dataclass
class ResultFolder:
    path: Path
    info: dict[str, Any]
    capacities: pd.DataFrame
    kpis: pd.DataFrame
    carriers: pd.DataFrame | None
    dispatch: pd.DataFrame
    scenario: ScenarioFile | None
    notes: list[str] = field(default_factory=list)  # what could not be read, said in the report


def read_folder(path: Path) -> ResultFolder:
    """The files of a complete solve folder; DhoptError (one line) if it is missing or incomplete."""
    info = run_info(path)
    for name in ("capacities.csv", "kpis.csv", "dispatch.parquet"):
        if not (path / name).is_file():
            raise DhoptError(f"{path}: incomplete result folder: {name} is missing")
    try:
        dispatch = pd.read_parquet(path / "dispatch.parquet")
    except (OSError, ValueError) as exc:
        raise DhoptError(f"{path / 'dispatch.parquet'}: cannot read: {exc}") from None
    capacities = read_table(path / "capacities.csv")
    notes: list[str] = []
    economics = path / ECONOMICS_FILE
    if CAPEX not in capacities and economics.is_file():
        econ = read_table(economics)
        if {"unit", CAPEX} <= set(econ.columns):
            capacities = capacities.merge(econ[["unit", CAPEX]], on="unit", how="left")
        else:
            notes.append(f"{ECONOMICS_FILE} has no columns unit and {CAPEX}: CAPEX not shown")
    carriers = read_table(path / "carriers.csv") if (path / "carriers.csv").is_file() else None
    scenario = report_scenario(path, info, notes)
    return ResultFolder(
        path, info, capacities, read_table(path / "kpis.csv"), carriers, dispatch, scenario, notes
    )


def report_scenario(folder: Path, info: dict[str, Any], notes: list[str]) -> ScenarioFile | None:
    """The scenario's values from the copy (or the original); its SYNTHETIC comments from the copy
    and from the original, which must be unchanged since the run (its SHA-256 is in run.json):
    a copy written by dhopt keeps no comments."""
    try:
        scenario = read_scenario(solved_scenario(folder, info))
    except (DhoptError, ScenarioError) as exc:
        notes.append(str(exc))
        return None
    recorded = info.get("scenario_sha256")
    if is_copy(folder, scenario.path):
        try:
            original = read_scenario(original_scenario(folder, info))
        except (DhoptError, ScenarioError) as exc:
            notes.append(f"the original scenario's comments (inputs marked SYNTHETIC) are not shown: {exc}")
            return scenario
        if recorded not in (None, original.sha256):
            notes.append(
                f"{original.path}: changed since the run (its SHA-256 differs from run.json's): "
                "its comments (inputs marked SYNTHETIC) are not shown"
            )
            return scenario
        scenario.synthetic += [x for x in original.synthetic if x not in scenario.synthetic]
    elif recorded not in (None, scenario.sha256):
        notes.append(
            f"{scenario.path}: its SHA-256 differs from the one in run.json: the file changed after "
            "the run; its units and comments below may not be the ones solved"
        )
    return scenario


def read_scenario(path: Path) -> ScenarioFile:
    data = read_yaml(path)
    text = path.read_text(encoding="utf-8")
    return ScenarioFile(path, data, file_sha256(path), synthetic_comments(text))


def _comment(line: str) -> str | None:
    """The comment of a YAML line: from a '#' at the start or after a blank, outside quotes."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[i + 1 :].strip()
    return None


def _key_paths(text: str) -> dict[int, str]:
    """Line number (0-based) → dotted path of the mapping key that starts on it (the deepest)."""
    paths: dict[int, str] = {}

    def walk(node: yaml.Node, prefix: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = f"{prefix}.{key.value}" if prefix else str(key.value)
                paths.setdefault(key.start_mark.line, name)  # a flow mapping: its own key, not its fields
                walk(value, name)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, f"{prefix}[{i}]")

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is not None:
        walk(root, "")
    return paths


def synthetic_comments(text: str) -> list[tuple[str, str]]:
    """(dotted key, comment) for each comment that says SYNTHETIC."""
    paths = _key_paths(text)
    lines = text.splitlines()
    found = []
    for n, line in enumerate(lines):
        comment = _comment(line)
        if comment is None or not SYNTHETIC.search(comment):
            continue
        if n in paths and not line.lstrip().startswith("#"):
            found.append((paths[n], comment))
            continue
        after = [k for k in paths if k > n]
        before_any = not [k for k in paths if k < n]
        found.append((HEADER if before_any or not after else paths[min(after)], comment))
    return found


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """A nested mapping as dotted keys; a series given as {file, column, …} stays one value."""
    if isinstance(value, dict) and value and "file" not in value:
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: value}


def describe(value: Any) -> str:
    """A scenario value as text: a file series as 'file F, column C (× scale)', lists compactly."""
    if isinstance(value, dict) and "file" in value:
        text = f"file {value.get('file')}, column {value.get('column', '?')}"
        rest = {k: v for k, v in value.items() if k not in ("file", "column")}
        return text + "".join(f", {k} {v}" for k, v in rest.items())
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return "" if value is None else str(value)


def file_series(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(dotted key, description) of every series the scenario reads from a data file."""
    return [(k, describe(v)) for k, v in flatten(data).items() if isinstance(v, dict) and "file" in v]
