"""Reading a finished result folder back (the counterpart of dhopt.result_files, which writes it):
its run.json, its tables, and the scenario it was solved from. `dhopt report`, `economics`,
`export` and `compare` read folders only through this module, so they agree on what a complete
folder is and where its scenario is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from dhopt.errors import DhoptError
from dhopt.result_files import MARKER
from dhopt.scenario_copy import SCENARIO_COPY


def run_info(folder: Path) -> dict[str, Any]:
    """run.json of a complete result folder; a one-line DhoptError if there is none."""
    if not folder.is_dir():
        raise DhoptError(f"{folder}: no such result folder")
    path = folder / MARKER
    if not path.is_file():
        raise DhoptError(f"{folder}: not a complete result folder (no {MARKER}); run `dhopt solve` first")
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DhoptError(f"{path}: cannot read: {exc}") from None
    if not isinstance(info, dict):
        raise DhoptError(f"{path}: expected a JSON object")
    return info


def read_table(path: Path) -> pd.DataFrame:
    """A CSV table of the folder; a one-line DhoptError if it is missing or unreadable."""
    try:
        return pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise DhoptError(f"{path}: cannot read: {exc}") from None


def original_scenario(folder: Path, info: dict[str, Any]) -> Path:
    """The scenario file named in run.json: as given (from the current folder), then from the
    result folder's parent."""
    named = info.get("scenario")
    if not isinstance(named, str) or not named:
        raise DhoptError(f"{folder / MARKER}: names no scenario file")
    candidates = [Path(named)] if Path(named).is_absolute() else [Path(named), folder.parent / named]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise DhoptError(f"the scenario file {named} was not found (tried {', '.join(map(str, candidates))})")


def solved_scenario(folder: Path, info: dict[str, Any]) -> Path:
    """The scenario as solved: the folder's own copy (overrides applied), else the original."""
    copy = folder / SCENARIO_COPY
    return copy if copy.is_file() else original_scenario(folder, info)


def is_copy(folder: Path, path: Path) -> bool:
    return path.parent == folder and path.name == SCENARIO_COPY
