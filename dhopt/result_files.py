"""Result folders on disk: which files a run writes, writing them atomically, and clearing them.

Every file is written to a temporary name in the same folder and renamed, so a reader never sees
half a file; run.json is written last and marks a complete folder. Before a run writes anything,
the files of an earlier run are removed (run.json first), so a run that fails half-way never
leaves old and new files looking like one result. Nothing is written through a symlink.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from dhopt.errors import DhoptError

if TYPE_CHECKING:
    from dhopt.results import Results

MARKER = "run.json"
# Everything `dhopt solve` may leave in its folder (the marker first: it goes first).
# Written after the tables by `dhopt solve` (and `dhopt economics`, `dhopt report`).
ECONOMICS_FILE, CASHFLOW_FILE, REPORT_FILE = "economics.csv", "cashflow.csv", "report.html"
RESULT_FILES = (
    MARKER,
    "capacities.csv",
    "kpis.csv",
    "kpis_by_year.csv",
    "carriers.csv",
    "dispatch.parquet",
    "dispatch.csv",
    "solver.log",
    "aggregation_check.csv",
    "scenario.yaml",
    REPORT_FILE,
    ECONOMICS_FILE,
    CASHFLOW_FILE,
)
RESULT_DIRS = ("plots", "inputs")


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def _cannot(path: Path, exc: OSError, what: str = "write") -> DhoptError:
    return DhoptError(f"{exc.filename or path}: cannot {what}: {exc.strerror or exc}")


def prepare_folder(out: Path) -> None:
    """Make `out` a result folder with no earlier run's results in it (DhoptError if it cannot)."""
    if out.exists() and not out.is_dir():
        raise DhoptError(f"{out}: the result folder is an existing file; give a folder with --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
        clear_results(out)
    except OSError as exc:
        raise _cannot(out, exc, "prepare the result folder") from None
    if not os.access(out, os.W_OK):
        raise DhoptError(f"{out}: the result folder is not writable")


def remove_partial_files(out: Path) -> None:
    """Remove the temporary files of writes that never finished (a run killed while writing)."""
    for name in RESULT_FILES:
        for tmp in out.glob(f".{name}.*"):
            tmp.unlink(missing_ok=True)


def clear_results(out: Path) -> None:
    """Remove every file and folder a run writes (a symlink is removed itself, never followed)."""
    for name in RESULT_FILES:
        (out / name).unlink(missing_ok=True)
    remove_partial_files(out)
    for name in RESULT_DIRS:
        path = out / name
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)


def atomic_write(path: Path, write: Callable[[Path], Any]) -> None:
    """Write `path` through `write(temporary path)` and a rename; refuse a symlink at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink():
        raise DhoptError(f"{path}: is a symlink; refusing to write through it")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; results are ordinary files
        os.replace(tmp, path)  # replaces a symlink planted meanwhile, never its target
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: dict[str, Any]) -> None:
    atomic_write(path, lambda p: p.write_text(json.dumps(data, indent=2, default=_json_default) + "\n"))


def _json_default(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, Path):
        return str(x)
    raise TypeError(f"not JSON serialisable: {type(x)}")


def write_results(results: Results, out: Path) -> None:
    """The tables of one run (run.json is the caller's, last)."""
    atomic_write(out / "capacities.csv", lambda p: results.capacities.to_csv(p, index=False))
    atomic_write(out / "kpis.csv", lambda p: results.kpis.to_csv(p, index=False))
    by_year = results.kpis_by_year
    if by_year is not None:  # weather years (dhopt.weather_years_results)
        atomic_write(out / "kpis_by_year.csv", lambda p: by_year.to_csv(p, index=False))
    atomic_write(out / "carriers.csv", lambda p: results.carriers.to_csv(p, index=False))
    atomic_write(out / "dispatch.parquet", lambda p: results.dispatch.to_parquet(p, index=False))
    atomic_write(out / "dispatch.csv", lambda p: results.dispatch.to_csv(p, index=False))
