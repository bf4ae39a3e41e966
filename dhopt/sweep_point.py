"""One sweep point, solved in a worker process (or a Dask worker), and the statuses a point can have.

A point's record never raises for a failed solve: its status says what happened.

    optimal      proven optimal within the MIP gap
    time_limit   stopped by the solver's time limit; numbers kept when a feasible solution exists
    feasible     a solution whose gap is too large to call optimal
    infeasible   proven infeasible, or not solved because it breaks a capacity limit
    timeout      killed by the sweep's wall-clock guard (time_limit_s + timeout_grace_s)
    error        anything else (the message says what)

Only `optimal` and `infeasible` are proven answers; the others are solved again with
`retry_failed` and make `dhopt sweep` exit with code 3.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import logging
import math
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from dhopt import columns as result_columns
from dhopt.errors import DhoptError, InfeasibleError, SolverError
from dhopt.result_files import write_json

STATUSES = ("optimal", "time_limit", "feasible", "infeasible", "timeout", "error")
PROVEN = frozenset({"optimal", "infeasible"})
NOT_PROVEN = frozenset(STATUSES) - PROVEN  # solved again with retry_failed; `dhopt sweep` exits 3
FAILED = NOT_PROVEN  # the name used before statuses were split by proof
SOLVED_WITH_NUMBERS = ("optimal", "time_limit", "feasible")  # what run_scenario may return
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>

log = logging.getLogger(__name__)

# Test hook: {point id or '*': 'exit' | 'raise' | 'sleep:S'}. Only tests set it (a user's run
# cannot: no environment variable or file turns it on); the runner copies it into each task when
# it makes the tasks, so worker processes started earlier see it too. See _test_fault.
_TEST_FAULTS: dict[str, str] | None = None


def now_utc() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _test_fault(pid: str, faults: dict[str, str] | None) -> None:
    """Make a worker die (os._exit), raise, or hang, which the runner must survive (tests only)."""
    if not faults:
        return
    action = faults.get(pid) or faults.get("*")
    if not action:
        return
    if action == "exit":
        os._exit(3)
    if action == "raise":
        raise RuntimeError("test fault")
    if action.startswith("sleep:"):
        time.sleep(float(action.split(":", 1)[1]))


# Pyomo's HiGHS interface redirects the process's stdout/stderr file descriptors while it solves,
# so two solves in threads of one process garble each other (measured: a Dask in-process cluster
# with 2 threads hung). One solve per process at a time; parallelism comes from processes.
_SOLVE_LOCK = threading.Lock()


_MODEL_CACHE = None


def _worker_cache():
    """This worker process's model, reused by the next point when only fixed capacities differ
    (a proportion sweep): bounds change instead of a rebuild (dhopt.solve.ModelCache)."""
    global _MODEL_CACHE
    if _MODEL_CACHE is None:
        from dhopt.solve import ModelCache

        _MODEL_CACHE = ModelCache()
    return _MODEL_CACHE


def die_with_parent(sweep_pid: int | None = None) -> None:
    """Make this worker process die (SIGKILL) when its parent process dies, and leave Ctrl-C to the
    sweep's main process, which stops the workers itself.

    Linux only (prctl PR_SET_PDEATHSIG); elsewhere the pool's own clean-up is all there is. A worker
    of a local pool is a child of multiprocessing's fork server, which exits when the sweep's main
    process dies; a Dask LocalCluster's worker is a child of the main process. `sweep_pid`: the main
    process, which may have died before the signal was armed.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    _release_fork_server()
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            log.debug("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
    except (OSError, AttributeError):
        log.debug("prctl is not available; workers may outlive a killed sweep")
    if os.getppid() == 1 or (sweep_pid is not None and not _alive(sweep_pid)):
        os._exit(1)  # orphaned before the signal was armed


def _release_fork_server() -> None:
    """Close this worker's copy of the fork server's "alive" pipe.

    The fork server exits when every holder of that pipe's write end has closed it; each process
    it forks inherits a copy (to start processes of its own, which a worker does not). Left open,
    the workers would keep the fork server, their parent, alive after the sweep's main process is
    killed, and their parent-death signal would never come.
    """
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    fd = getattr(server, "_forkserver_alive_fd", None)
    if fd is None or _is_main_process():
        return
    with contextlib.suppress(OSError):
        os.close(fd)
    server._forkserver_alive_fd = None


def _is_main_process() -> bool:
    """True in the process that started the fork server (its copy of the pipe must stay open)."""
    import multiprocessing

    return multiprocessing.parent_process() is None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def solve_point(task: dict[str, Any]) -> dict[str, Any]:
    """Solve one point; never raises for a failed solve (the status says what happened)."""
    parent = task.get("die_with_parent")
    if parent is not None and parent != os.getpid():  # a worker process of a Dask LocalCluster
        die_with_parent(parent)
    with _SOLVE_LOCK:
        return _solve_point(task)


def _clear_run_folder(keep_dir: Path) -> None:
    """Empty a point's runs/<id>/ before an attempt, so that whatever is in it afterwards (solver
    log, tables, run.json) comes from this attempt: a failed attempt never leaves an earlier
    attempt's run.json, which marks a complete folder."""
    if keep_dir.is_symlink():
        raise DhoptError(f"{keep_dir}: is a symbolic link; refusing to write through it")
    if keep_dir.exists():
        shutil.rmtree(keep_dir)


def _solve_point(task: dict[str, Any]) -> dict[str, Any]:
    started, started_utc = time.perf_counter(), now_utc()
    pid = task["id"]
    if task.get("running_dir"):
        write_json(Path(task["running_dir"]) / f"{pid}.json", {"pid": os.getpid(), "started": time.time()})
    record: dict[str, Any] = {
        "id": pid,
        "overrides": task["overrides"],
        "context": task["context"],
        "started_utc": started_utc,
        "worker_pid": os.getpid(),
    }
    out = Path(task["keep_dir"]) if task.get("keep_dir") else None
    try:
        if out is not None:
            _clear_run_folder(out)
        _test_fault(pid, task.get("faults"))
        from dhopt.run import run_scenario
        from dhopt.solve import SolveOptions

        options = SolveOptions(
            mip_gap=task["mip_gap"],
            time_limit=task.get("time_limit"),
            threads=task.get("threads"),
            solver=task.get("solver", "highs"),
            marginal_cost=False,  # a sweep reports its points, not their hourly prices
        )
        outcome = run_scenario(
            Path(task["base"]),
            out=out,
            hours=task["hours"],
            options=options,
            overrides=task["overrides"],
            model_cache=_worker_cache(),
            copy_inputs=False,
        )
    except InfeasibleError as exc:
        record.update(status="infeasible", message=one_line(str(exc)))
    except SolverError as exc:
        # A time limit without a feasible solution is not an error: it is retried like one.
        status = "time_limit" if exc.status == "time_limit" else "error"
        record.update(status=status, message=one_line(str(exc)))
    except DhoptError as exc:
        record.update(status="error", message=one_line(str(exc)))
    except Exception as exc:  # anything else must not take the sweep down
        record.update(status="error", message=one_line(f"{type(exc).__name__}: {exc}"))
    else:
        report = outcome.report
        status = report.status if report.status in SOLVED_WITH_NUMBERS else "feasible"
        message = report.message or ""
        if status != report.status:  # never store a status that resume would not read back
            message = one_line(f"solver status {report.status!r}: {message}")
        record.update(
            status=status,
            message=message,
            objective_eur_per_year=report.objective,
            bound_eur_per_year=getattr(report, "bound", None),
            gap=report.gap,
            solver=report.solver,
            solve_seconds=report.solve_seconds,
            **summarise(outcome.results),
        )
    if out is not None and record["status"] not in SOLVED_WITH_NUMBERS:
        (out / "run.json").unlink(missing_ok=True)  # a failed attempt leaves no complete-looking folder
    record["wall_seconds"] = time.perf_counter() - started
    record["finished_utc"] = now_utc()
    return record


def failure(task: dict[str, Any], status: str, message: str, started: float) -> dict[str, Any]:
    """The record of a point whose worker was killed or died (made in the parent process)."""
    return {
        "id": task["id"],
        "overrides": task["overrides"],
        "context": task["context"],
        "status": status,
        "message": message,
        "wall_seconds": time.monotonic() - started,
        "finished_utc": now_utc(),
    }


def one_line(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _num(x: Any) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def summarise(results) -> dict[str, Any]:
    """The numbers a sweep keeps of one solve: system KPIs and, per unit, capacity, heat, SCOP, LCOE."""
    kpis = results.kpis.set_index("unit")
    system = {
        c: _num(v)
        for c, v in kpis.loc["system"].items()
        if c not in ("type", "source") and _num(v) is not None
    }
    units: dict[str, dict[str, Any]] = {}
    for _, c in results.capacities.iterrows():
        name = c["unit"]
        k = kpis.loc[name] if name in kpis.index else {}
        units[name] = {
            "type": c["type"],
            "capacity_mw": _num(c.get("capacity_mw")),
            "capacity_mwh": _num(c.get("capacity_mwh")),
            "heat_mwh": _num(k.get("heat_mwh")) if len(k) else None,
            "scop": _num(k.get("scop")) if len(k) else None,
            result_columns.LCOE: _num(k.get(result_columns.LCOE)) if len(k) else None,
        }
    return {"system": system, "units": units}
