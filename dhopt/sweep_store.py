"""A sweep's folder: point files, the attempts log, the tables, the lock, and no symlinks followed.

    points/<id>.json     one file per finished point, written atomically (temp file + rename)
    points.csv|parquet   one row per reported point (a point shared by two faces appears twice)
    sweep.json           the sweep file and its context (base scenario hash, hours, MIP gap)
    attempts.jsonl       one line per solve attempt (id, status, seconds): an audit trail
    .running/<id>.json   pid and start time of a point being solved (local workers only)
    .lock                held (flock) by the sweep running in the folder; holds its pid
    runs/<id>/           the full result folder of each point, only with `keep_runs: true`

Nothing is written through a symbolic link planted in the folder: the sweep refuses to start
(one line naming the link), and the attempts log and the lock are opened with O_NOFOLLOW.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from dhopt import columns as result_columns
from dhopt.errors import DhoptError
from dhopt.result_files import atomic_write
from dhopt.scenario import Scenario
from dhopt.sweep_plan import SweepPlan
from dhopt.sweep_point import STATUSES
from dhopt.units import STORAGE_TYPES
from dhopt.yaml_files import read_yaml

try:
    import fcntl
except ImportError:  # not on Windows: no folder lock there
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

LOCK_NAME = ".lock"
RUNNING_DIR = ".running"
# Everything the sweep writes, reads back or deletes directly in its folder.
OWN_ENTRIES = (
    "points",
    RUNNING_DIR,
    "runs",
    "plots",
    "attempts.jsonl",
    "sweep.json",
    "points.csv",
    "points.parquet",
    LOCK_NAME,
)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def symlink_error(path: Path) -> DhoptError:
    return DhoptError(f"{path}: is a symbolic link; refusing to write through it (remove it)")


def check_no_symlinks(out: Path, point_ids: Iterator[str] | list[str] = ()) -> None:
    """Refuse a folder in which the sweep would follow a planted symbolic link (the folder itself
    is the user's choice and may be one)."""
    candidates = [out / name for name in OWN_ENTRIES]
    for sub in ("points", RUNNING_DIR):
        if (out / sub).is_dir() and not (out / sub).is_symlink():
            candidates += sorted((out / sub).iterdir())
    candidates += [out / "runs" / pid for pid in point_ids]
    for path in candidates:
        if path.is_symlink():
            raise symlink_error(path)


def open_no_follow(path: Path, flags: int, mode: int = 0o666) -> int:
    """os.open that refuses a symbolic link as the last part of the path (one-line DhoptError)."""
    try:
        return os.open(path, flags | _NOFOLLOW, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP or path.is_symlink():
            raise symlink_error(path) from None
        raise DhoptError(f"{path}: cannot open for writing: {exc.strerror}") from None


@contextlib.contextmanager
def folder_lock(out: Path) -> Iterator[None]:
    """Hold an exclusive flock on out/.lock while a sweep runs; a second sweep fails at once.

    The kernel releases a flock when its holder dies, so a killed sweep leaves no stale lock.
    """
    if fcntl is None:
        yield
        return
    path = out / LOCK_NAME
    fd = open_no_follow(path, os.O_RDWR | os.O_CREAT)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            who = f"pid {holder}" if holder.isdigit() else "another process"
            raise DhoptError(
                f"{out}: another sweep is running in this folder ({who}); wait for it or stop it"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def point_file(out: Path, pid: str) -> Path:
    return out / "points" / f"{pid}.json"


def read_points(out: Path) -> dict[str, dict[str, Any]]:
    """Finished points in `out/points/`; unreadable files are ignored (and solved again)."""
    found = {}
    for f in sorted((out / "points").glob("*.json")):
        if f.is_symlink():
            continue  # never read through a planted link (run_sweep refuses such a folder)
        try:
            rec = json.loads(f.read_text())
        except (OSError, ValueError):
            log.warning("ignoring unreadable point file %s", f)
            continue
        if isinstance(rec, dict) and rec.get("id") == f.stem and rec.get("status") in STATUSES:
            found[f.stem] = rec
    return found


def clear_running(running_dir: Path) -> None:
    """Remove the markers of points being solved (left by a run that was killed)."""
    for marker in running_dir.glob("*"):
        marker.unlink(missing_ok=True)


def append_attempt(out: Path, rec: dict[str, Any]) -> None:
    line = {k: rec.get(k) for k in ("id", "status", "started_utc", "wall_seconds", "attempt", "worker_pid")}
    fd = open_no_follow(out / "attempts.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        f.write(json.dumps(line) + "\n")


def points_table(plan: SweepPlan, records: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per reported point (status 'pending' if it has no result yet)."""
    base_units = Scenario.model_validate(read_yaml(plan.base_path)).units
    unit_names = list(base_units)
    storage = {n for n, u in base_units.items() if u.type in STORAGE_TYPES}
    out = []
    for row in plan.rows:
        rec = records.get(row.point_id, {})
        system = rec.get("system") or {}
        units = rec.get("units") or {}
        r: dict[str, Any] = {"point_id": row.point_id}
        r.update({k: row.labels.get(k) for k in plan.label_columns})
        r["status"] = rec.get("status", "pending")
        r["message"] = rec.get("message", "")
        r[result_columns.LCOE] = system.get(result_columns.LCOE)
        r["scop"] = system.get("scop")
        r["co2_kg_per_mwh"] = system.get("co2_kg_per_mwh")
        for name in unit_names:
            u = units.get(name) or {}
            if name in storage:
                r[f"cap_{name}_mwh"] = u.get("capacity_mwh")
            else:
                r[f"cap_{name}_mw"] = u.get("capacity_mw")
        for name in unit_names:
            r[f"heat_{name}_mwh"] = (units.get(name) or {}).get("heat_mwh")
        for k, v in system.items():
            if (k.startswith("lcoe_") and k != result_columns.LCOE) or k.startswith("aux_"):
                r[k] = v
        r["heat_demand_mwh"] = system.get("heat_mwh")
        r["electricity_mwh"] = system.get("electricity_mwh")
        r["objective_eur_per_year"] = rec.get("objective_eur_per_year")
        r["bound_eur_per_year"] = rec.get("bound_eur_per_year")
        r["gap"] = rec.get("gap")
        r["solver"] = rec.get("solver")
        r["wall_seconds"] = rec.get("wall_seconds")
        r["attempt"] = rec.get("attempt")
        out.append(r)
    df = pd.DataFrame(out)
    numeric = (
        "scop",
        "co2_kg_per_mwh",
        "electricity_mwh",
        "objective_eur_per_year",
        "bound_eur_per_year",
        "gap",
        "wall_seconds",
    )
    for col in df.columns:
        if col.startswith(("lcoe_", "cap_", "heat_", "share_", "mw_", "aux_")) or col in numeric:
            df[col] = pd.to_numeric(df[col], errors="coerce")
    df["attempt"] = pd.to_numeric(df["attempt"], errors="coerce").astype("Int64")
    return df


def write_tables(
    plan: SweepPlan, out: Path, records: dict[str, dict[str, Any]] | None = None
) -> pd.DataFrame:
    records = read_points(out) if records is None else records
    df = points_table(plan, records)
    atomic_write(out / "points.csv", lambda p: df.to_csv(p, index=False))

    def parquet(p: Path) -> None:
        try:
            df.to_parquet(p, index=False)
        except Exception:  # mixed-type label columns (a grid of numbers and strings): as text
            df.astype({c: str for c in df.columns if df[c].dtype == object}).to_parquet(p, index=False)

    atomic_write(out / "points.parquet", parquet)
    return df
