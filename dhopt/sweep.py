"""Sweeps: many solves of one scenario with different overrides, resumable, in parallel.

The parts, by concept:
    dhopt.sweep_plan    the sweep file and its points (load_sweep, point_id, compositions)
    dhopt.sweep_point   one point in a worker, and the statuses a point can have (solve_point)
    dhopt.sweep_store   the folder: point files, attempts, tables, the lock (read_points)
    dhopt.sweep_runner  local worker processes and Dask
This module runs a sweep (`run_sweep`) and keeps the names the rest of dhopt imports from it.

A rerun with the same output folder reads the finished points back and solves only the rest;
points not proven (time_limit, feasible, timeout, error) are solved again only with `retry_failed`.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from dhopt import sweep_point
from dhopt.errors import DhoptError, ScenarioError
from dhopt.pyomo_solvers import check_solver
from dhopt.result_files import write_json
from dhopt.sweep_plan import (
    Case,
    PointSpec,
    Proportions,
    Row,
    SweepFile,
    SweepPlan,
    compositions,
    face_name,
    load_sweep,
    point_id,
)
from dhopt.sweep_point import (
    FAILED,
    NOT_PROVEN,
    PROVEN,
    STATUSES,
    now_utc,
    solve_point,
    summarise,
)
from dhopt.sweep_runner import run_dask, run_local
from dhopt.sweep_store import (
    RUNNING_DIR,
    append_attempt,
    check_no_symlinks,
    clear_running,
    folder_lock,
    point_file,
    points_table,
    read_points,
    write_tables,
)

__all__ = [
    "FAILED",
    "NOT_PROVEN",
    "PROVEN",
    "STATUSES",
    "Case",
    "PointSpec",
    "Proportions",
    "Row",
    "SweepFile",
    "SweepPlan",
    "SweepSummary",
    "SweepTerminated",
    "compositions",
    "face_name",
    "load_sweep",
    "point_file",
    "point_id",
    "points_table",
    "read_points",
    "run_sweep",
    "solve_point",
    "summarise",
    "write_tables",
]

log = logging.getLogger(__name__)


class SweepTerminated(BaseException):
    """The sweep's main process got SIGTERM: workers killed, tables written, then this is raised.

    A BaseException like KeyboardInterrupt, so that no `except Exception` on the way swallows it.
    """


@dataclass
class SweepSummary:
    out: Path
    total: int  # unique points
    rows: int  # reported rows
    already_done: int
    solved: int
    counts: dict[str, int]
    wall_seconds: float
    table: pd.DataFrame

    @property
    def not_proven(self) -> dict[str, int]:
        """Points without a proven answer, by status (time_limit, feasible, timeout, error)."""
        return {s: n for s, n in sorted(self.counts.items()) if s in NOT_PROVEN and n}

    @property
    def failed(self) -> int:
        """How many points are not proven optimal or infeasible."""
        return sum(self.not_proven.values())


class _Progress:
    """The rich progress bar (done / not proven / remaining, ETA), or nothing."""

    def __init__(self, enabled: bool, total: int, done: int, failed: int, console=None) -> None:
        self.enabled = enabled and total > 0
        self.done, self.failed, self.total = done, failed, total
        if not self.enabled:
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} not proven · {task.fields[remaining]} to go"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.task = self.progress.add_task(
            "sweep", total=total, completed=done, failed=failed, remaining=total - done
        )

    def __enter__(self) -> _Progress:
        if self.enabled:
            self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self.progress.__exit__(*exc)

    def advance(self, failed: bool) -> None:
        self.done += 1
        self.failed += int(failed)
        if self.enabled:
            self.progress.update(self.task, advance=1, failed=self.failed, remaining=self.total - self.done)


@contextlib.contextmanager
def _sigterm_stops_sweep() -> Iterator[None]:
    """While solving, SIGTERM raises SweepTerminated in the main thread: the runner then kills its
    workers and the tables are written, as after Ctrl-C. Only the main thread can set a handler."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired = False

    def handler(signum, frame) -> None:
        nonlocal fired
        if not fired:  # a second SIGTERM must not interrupt the clean-up of the first
            fired = True
            raise SweepTerminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_sweep(
    sweep_path: str | Path,
    out: Path,
    workers: int = 2,
    hours: int | None = None,
    scheduler: str | None = None,
    retry_failed: bool = False,
    progress: bool = True,
    console=None,
    dask_processes: bool = True,
) -> SweepSummary:
    """Solve every point of a sweep not yet in `out`, then (re)write points.csv and points.parquet.

    `scheduler`: None for local worker processes, 'local' for a Dask LocalCluster of `workers`
    processes (threads with dask_processes=False), or a Dask scheduler address.
    Raises ScenarioError for a bad sweep file, DhoptError when another sweep runs in `out` or a
    symbolic link is planted in it; KeyboardInterrupt (Ctrl-C) or SweepTerminated (SIGTERM) after
    killing the workers and writing the tables.
    """
    started = time.perf_counter()
    if workers < 1:
        raise ScenarioError(f"--workers: expected at least 1, found {workers}")
    plan = load_sweep(sweep_path, hours)
    try:
        check_solver(plan.config.solver, where=f"{sweep_path}: solver")
    except DhoptError as exc:
        raise ScenarioError(str(exc)) from None
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"{out}: --out is a file, expected a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError(f"{out}: cannot create the sweep folder: {exc.strerror}") from None
    with folder_lock(out):
        check_no_symlinks(out, list(plan.points) if plan.config.keep_runs else [])
        return _run_locked(
            plan,
            Path(sweep_path),
            out,
            workers,
            scheduler,
            retry_failed,
            progress,
            console,
            dask_processes,
            started,
        )


def _run_locked(
    plan: SweepPlan,
    sweep_path: Path,
    out: Path,
    workers: int,
    scheduler: str | None,
    retry_failed: bool,
    progress: bool,
    console,
    dask_processes: bool,
    started: float,
) -> SweepSummary:
    (out / "points").mkdir(exist_ok=True)
    running_dir = out / RUNNING_DIR
    running_dir.mkdir(exist_ok=True)
    clear_running(running_dir)  # markers left by a run that was killed
    write_json(
        out / "sweep.json",
        {
            "sweep_file": str(sweep_path.resolve()),
            "name": plan.name,
            "config": plan.config.model_dump(mode="json"),
            "context": plan.context,
            "peak_mw": plan.peak_mw,
            "total_mw": plan.total_mw,
            "sources": plan.sources,
            "limits_mw": plan.limits_mw,
            "points": len(plan.points),
            "rows": len(plan.rows),
            "started_utc": now_utc(),
        },
    )
    records = read_points(out)
    todo: list[PointSpec] = []
    already = stale = 0
    for spec in plan.points.values():
        rec = records.get(spec.id)
        if rec is not None and not _same_context(rec.get("context"), plan.context):
            stale += 1  # same overrides, other base scenario file, horizon or MIP gap
            rec = None
        if rec is not None and not (retry_failed and rec["status"] in NOT_PROVEN):
            already += 1
            continue
        if spec.skip_reason is not None:
            new = {
                "id": spec.id,
                "overrides": spec.overrides,
                "context": plan.context,
                "status": "infeasible",
                "message": f"not solved: {spec.skip_reason}",
                "skipped": True,
                "attempt": 0,
                "finished_utc": now_utc(),
            }
            write_json(point_file(out, spec.id), new)
            records[spec.id] = new
            already += 1
            continue
        todo.append(spec)
    if stale:
        log.warning(
            "%d point(s) in %s were solved with another base scenario, horizon or MIP gap; solving again",
            stale,
            out,
        )
    todo_ids = {t.id for t in todo}
    failed_before = sum(
        1 for s in plan.points if s in records and s not in todo_ids and records[s]["status"] in NOT_PROVEN
    )
    solved = 0

    def on_result(rec: dict[str, Any]) -> None:
        nonlocal solved
        prev = records.get(rec["id"]) or {}
        rec["attempt"] = int(prev.get("attempt") or 0) + 1
        write_json(point_file(out, rec["id"]), rec)
        (running_dir / f"{rec['id']}.json").unlink(missing_ok=True)
        append_attempt(out, rec)
        records[rec["id"]] = rec
        solved += 1
        bar.advance(rec["status"] in NOT_PROVEN)
        if rec["status"] in NOT_PROVEN:
            log.warning("point %s: %s: %s", rec["id"], rec["status"], rec.get("message", ""))
        else:
            log.info("point %s: %s in %.1f s", rec["id"], rec["status"], rec.get("wall_seconds") or 0.0)

    on_this_machine = scheduler in (None, "local")  # workers can write the running markers
    tasks = [_task(plan, spec, out, running_dir if on_this_machine else None) for spec in todo]
    bar = _Progress(progress, len(plan.points), already, failed_before, console)
    try:
        with _sigterm_stops_sweep(), bar:
            if not tasks:
                pass
            elif scheduler is None:
                run_local(tasks, workers, plan.time_guard_s(), on_result, running_dir)
            else:
                run_dask(tasks, scheduler, workers, plan.time_guard_s(), on_result, dask_processes)
    finally:
        clear_running(running_dir)
        table = write_tables(plan, out, records)
    counts = {s: int(n) for s, n in table.drop_duplicates("point_id")["status"].value_counts().items()}
    return SweepSummary(
        out=out,
        total=len(plan.points),
        rows=len(plan.rows),
        already_done=already,
        solved=solved,
        counts=counts,
        wall_seconds=time.perf_counter() - started,
        table=table,
    )


CONTEXT_KEYS = ("base_sha256", "hours", "mip_gap")  # what makes an earlier result of a point stale


def _same_context(a: Any, b: dict[str, Any]) -> bool:
    """Same base scenario content, horizon and MIP gap (the base file may have moved)."""
    return isinstance(a, dict) and all(a.get(k) == b.get(k) for k in CONTEXT_KEYS)


def _task(plan: SweepPlan, spec: PointSpec, out: Path, running_dir: Path | None) -> dict[str, Any]:
    c = plan.config
    return {
        "id": spec.id,
        "base": str(plan.base_path),
        "hours": plan.hours,
        "overrides": spec.overrides,
        "context": plan.context,
        "mip_gap": c.mip_gap,
        "time_limit": c.time_limit_s,
        "threads": c.threads,
        "solver": c.solver,
        "running_dir": str(running_dir) if running_dir else None,
        "keep_dir": str(out / "runs" / spec.id) if c.keep_runs else None,
        "faults": dict(sweep_point._TEST_FAULTS) if sweep_point._TEST_FAULTS else None,  # tests only
    }
