"""The scenario as it was solved, kept in its result folder: overrides applied, every data file it
reads copied into `inputs/` beside it, so `dhopt solve RESULTS/scenario.yaml` runs it again from
the folder alone (and `dhopt compare` can tell which inputs differ between two runs)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import yaml

from dhopt.result_files import atomic_write
from dhopt.scenario import LoadedScenario, apply_overrides
from dhopt.yaml_files import read_yaml

SCENARIO_COPY = "scenario.yaml"
INPUTS_DIR = "inputs"


def _series_files(node: Any) -> list[dict[str, Any]]:
    """Every `{file: …, column: …}` mapping in the raw scenario data."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if isinstance(node.get("file"), str) and "column" in node:
            found.append(node)
        for value in node.values():
            found += _series_files(value)
    elif isinstance(node, list):
        for value in node:
            found += _series_files(value)
    return found


def solved_scenario(
    loaded: LoadedScenario, copy_inputs: bool = True
) -> tuple[dict[str, Any], dict[str, Path]]:
    """The raw scenario with its overrides applied and its file paths pointing into `inputs/`,
    and the data files to copy there (name in `inputs/` → source path). Without `copy_inputs`
    the paths become absolute instead (a sweep's many points share one copy of the data)."""
    data = read_yaml(loaded.path)
    if loaded.overrides:
        data = apply_overrides(data, loaded.overrides)
    copies: dict[str, Path] = {}
    by_source: dict[Path, str] = {}
    for series in _series_files(data):
        source = (loaded.path.parent / series["file"]).resolve()
        if not copy_inputs:
            series["file"] = str(source)
            continue
        name = by_source.get(source)
        if name is None:
            name = source.name
            if name in copies:  # two files of one name from different folders
                digest = hashlib.sha256(str(source).encode()).hexdigest()[:8]
                name = f"{source.stem}-{digest}{source.suffix}"
            copies[name] = source
            by_source[source] = name
        series["file"] = f"{INPUTS_DIR}/{name}"
    return data, copies


def write_scenario_copy(loaded: LoadedScenario, out: Path, copy_inputs: bool = True) -> str:
    """Write RESULTS/scenario.yaml (and RESULTS/inputs/); returns the copy's file name."""
    data, copies = solved_scenario(loaded, copy_inputs)
    for name, source in copies.items():
        atomic_write(out / INPUTS_DIR / name, lambda p, src=source: shutil.copyfile(src, p))
    header = (
        f"# The scenario as dhopt solved it: {loaded.path} (SHA-256 {loaded.sha256[:12]}…)"
        + (f" with the overrides {loaded.overrides}" if loaded.overrides else "")
        + (
            f"; its data files are copied into {INPUTS_DIR}/"
            if copy_inputs
            else "; data files by absolute path"
        )
        + ". Comments of the original are not kept.\n"
    )
    text = header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    atomic_write(out / SCENARIO_COPY, lambda p: p.write_text(text, encoding="utf-8"))
    return SCENARIO_COPY
