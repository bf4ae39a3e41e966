"""Running a sweep's points: local worker processes, or a Dask cluster.

Both call `on_result(record)` in the main process for every point, which writes the point file.
Workers never outlive the sweep: a local pool's workers arm PR_SET_PDEATHSIG when they start
(`dhopt.sweep_point.die_with_parent`), and the pool is killed on any exception in the main
process (Ctrl-C, SIGTERM); a LocalCluster is closed on the way out, and its worker processes also
die with their parent.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import json
import logging
import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dhopt.errors import DhoptError
from dhopt.sweep_point import die_with_parent, failure, one_line, solve_point

log = logging.getLogger(__name__)

LOCALHOST = "127.0.0.1"  # a LocalCluster has no authentication: never listen beyond this machine


# A pool stopped by SIGKILL (a timeout, Ctrl-C, SIGTERM) leaves its queue's semaphores to
# multiprocessing's resource tracker, which frees them and warns about it on stderr at exit: noise
# after the sweep's own one-line message. The tracker is a process of its own started with the
# first pool, so the filter goes to it through the environment.
QUIET_TRACKER = "ignore:resource_tracker:UserWarning"


def _mp_context():
    """forkserver where the platform has it (Linux), else spawn: never plain fork (Pyomo, HiGHS threads)."""
    filters = os.environ.get("PYTHONWARNINGS", "")
    if QUIET_TRACKER not in filters:
        os.environ["PYTHONWARNINGS"] = f"{filters},{QUIET_TRACKER}" if filters else QUIET_TRACKER
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _new_pool(workers: int, ctx) -> cf.ProcessPoolExecutor:
    return cf.ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=die_with_parent, initargs=(os.getpid(),)
    )


def _pool_pids(pool: cf.ProcessPoolExecutor) -> set[int]:
    procs = getattr(pool, "_processes", None) or {}
    return {p.pid for p in procs.values() if p.pid}


def _kill_pool(pool: cf.ProcessPoolExecutor) -> None:
    """Stop a pool now, killing the worker processes it started (and only those)."""
    pids = _pool_pids(pool)
    pool.shutdown(wait=False, cancel_futures=True)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def run_local(
    tasks: list[dict[str, Any]],
    workers: int,
    guard_s: float | None,
    on_result: Callable[[dict[str, Any]], None],
    running_dir: Path,
) -> None:
    """Worker processes with a per-point wall-clock guard and recovery from dying workers.

    A point that runs past `guard_s` gets its worker killed (pid from .running/<id>.json) and is
    recorded as 'timeout'. Killing one worker (or one dying by itself) breaks the whole pool; the
    pool is then replaced and the other points in flight are submitted again. When a worker died by
    itself, the points that were in flight are suspects: each is run again alone, so the one that
    kills its worker is found and recorded as 'error' without blaming the others.
    """
    queue = deque(tasks)
    suspects: deque[dict[str, Any]] = deque()
    ctx = _mp_context()
    pool = _new_pool(workers, ctx)
    inflight: dict[cf.Future, tuple[dict[str, Any], float, bool]] = {}  # task, submit time, alone
    killed: set[str] = set()
    try:
        while queue or suspects or inflight:
            broken = False
            try:
                if suspects:
                    if not inflight:
                        t = suspects[0]
                        inflight[pool.submit(solve_point, t)] = (t, time.monotonic(), True)
                        suspects.popleft()
                else:
                    while queue and len(inflight) < workers:
                        t = queue[0]
                        inflight[pool.submit(solve_point, t)] = (t, time.monotonic(), False)
                        queue.popleft()
            except cf.process.BrokenProcessPool:
                broken = True  # a worker died since the last look; the task stays queued
            done, _ = cf.wait(list(inflight), timeout=0 if broken else 0.5, return_when=cf.FIRST_COMPLETED)
            for f in done:
                rec = _result(f)
                if rec is None:
                    broken = True  # handled below with the others in flight
                else:
                    inflight.pop(f)
                    on_result(rec)
            if broken:
                # Every other future of a broken pool fails too; collect them all.
                cf.wait(list(inflight), timeout=30)
                lost = []
                for f, (t, t0, alone) in inflight.items():
                    rec = _result(f)
                    if rec is None:
                        lost.append((t, t0, alone))
                    else:
                        on_result(rec)
                inflight.clear()
                _kill_pool(pool)
                pool = _new_pool(workers, ctx)
                culprit_known = bool(killed & {t["id"] for t, _, _ in lost})
                for t, t0, alone in lost:
                    if t["id"] in killed:
                        killed.discard(t["id"])
                        on_result(failure(t, "timeout", f"killed after {guard_s:g} s of wall-clock time", t0))
                    elif alone or (len(lost) == 1 and not culprit_known):
                        on_result(failure(t, "error", "the worker process died while solving this point", t0))
                    elif culprit_known:
                        queue.appendleft(t)  # an innocent bystander of a timeout kill
                    else:
                        suspects.append(t)
                continue
            if guard_s is not None:
                for t, _t0, _alone in inflight.values():
                    started = _started(running_dir, t["id"])
                    if t["id"] in killed or started is None:
                        continue
                    pid, start_wall = started
                    ours = _pool_pids(pool)
                    if time.time() - start_wall > guard_s and (not ours or pid in ours):
                        log.warning(
                            "point %s ran over %.0f s; killing its worker (pid %d)", t["id"], guard_s, pid
                        )
                        killed.add(t["id"])
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(pid, signal.SIGKILL)
    except BaseException:
        _kill_pool(pool)
        raise
    else:
        pool.shutdown(wait=True)


def _result(f: cf.Future) -> dict[str, Any] | None:
    """The point's record, or None if its worker process died (the pool is broken)."""
    try:
        return f.result(timeout=0)
    except (cf.process.BrokenProcessPool, cf.TimeoutError, cf.CancelledError):
        return None


def _started(running_dir: Path, pid: str) -> tuple[int, float] | None:
    try:
        d = json.loads((running_dir / f"{pid}.json").read_text())
        return int(d["pid"]), float(d["started"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def run_dask(
    tasks: list[dict[str, Any]],
    address: str,
    workers: int,
    guard_s: float | None,
    on_result: Callable[[dict[str, Any]], None],
    processes: bool = True,
) -> None:
    """The same points on a Dask cluster: a LocalCluster ('local') or a running scheduler.

    At most as many points are in flight as the cluster has worker processes (one solve per
    process at a time, see _SOLVE_LOCK), so a point's wall clock starts when it is submitted. A point past
    `guard_s` is cancelled and recorded as 'timeout', and its worker restarted (where the worker
    has a nanny to restart it).

    A LocalCluster's scheduler and workers have no authentication, so they listen on 127.0.0.1
    only (in-process threads with processes=False use no network at all), without a dashboard.
    """
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise DhoptError("--scheduler needs dask[distributed]: pip install 'dhopt[cluster]'") from None
    cluster = None
    try:
        if address == "local":
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=processes,
                dashboard_address=None,
                silence_logs=logging.ERROR,
                **({"host": LOCALHOST} if processes else {}),
            )
            client = Client(cluster)
        else:
            client = Client(address, timeout="20s")
    except (OSError, RuntimeError) as exc:  # RuntimeError: "Cluster failed to start"
        if cluster is not None:
            cluster.close()
        where = (
            "start a Dask LocalCluster" if address == "local" else f"reach the Dask scheduler at {address}"
        )
        raise DhoptError(f"cannot {where}: {one_line(str(exc))}") from None
    if address == "local" and processes:
        for t in tasks:  # its worker processes are children of this process: they die with it
            t["die_with_parent"] = os.getpid()
    try:
        slots = max(1, len(set(client.run(os.getpid).values())))
        queue = deque(tasks)
        inflight: dict[Any, tuple[dict[str, Any], float]] = {}
        n = 0
        while queue or inflight:
            while queue and len(inflight) < slots:
                t = queue.popleft()
                n += 1
                fut = client.submit(solve_point, t, key=f"dhopt-point-{t['id']}-{n}", pure=False)
                inflight[fut] = (t, time.monotonic())
            time.sleep(0.2)
            for fut, (t, t0) in list(inflight.items()):
                if fut.done():
                    del inflight[fut]
                    if fut.status == "finished":
                        on_result(fut.result())
                    else:
                        exc = fut.exception()
                        on_result(failure(t, "error", one_line(f"Dask worker failed: {exc!r}"), t0))
                elif guard_s is not None and time.monotonic() - t0 > guard_s:
                    del inflight[fut]
                    rec = failure(t, "timeout", f"cancelled after {guard_s:g} s of wall-clock time", t0)
                    where = [w for w, keys in client.processing().items() if fut.key in keys]
                    fut.cancel()
                    if where and processes:  # a thread cannot be stopped; a worker process can
                        with contextlib.suppress(Exception):
                            client.restart_workers(where, timeout=60)
                    on_result(rec)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
