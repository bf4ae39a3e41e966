"""A sweep's worker processes die with it (SIGTERM, kill -9, Ctrl-C), and one sweep at a time runs
in a folder (issue 14, faults).

Each test starts `dhopt sweep` in a subprocess whose points all hang (the test fault hook
`sleep:S`), waits until every worker is solving, signals the sweep's main process and checks the
exit code and that no process the sweep started is still alive.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import yaml
from conftest import REFERENCE

from dhopt.errors import DhoptError
from dhopt.sweep import run_sweep
from dhopt.sweep_store import folder_lock

# `dhopt ARGS` in a subprocess with the test fault hook set: argv = faults (JSON), then ARGS.
CLI_WITH_FAULTS = (
    "import json, sys; from dhopt import sweep_point; "
    "sweep_point._TEST_FAULTS = json.loads(sys.argv[1]); "
    "from dhopt.cli import app; sys.argv = ['dhopt', *sys.argv[2:]]; app()"
)
# Two points (100 % sewage water, 100 % air), both solvable, on 24 hours.
TWO_POINTS = {
    "base": str(REFERENCE),
    "hours": 24,
    "proportions": {"total_mw": 10, "sources": ["sewage", "air"], "step": 1},
}


def _ctrl_c_as_in_a_terminal() -> None:
    """A program started from a terminal gets Ctrl-C with SIGINT's default action; a test runner
    started in the background (as CI may be) passes SIGINT on ignored, which Python then keeps."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_hanging_sweep(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen, Path]:
    sweep = tmp_path / "two.yaml"
    sweep.write_text(yaml.safe_dump(TWO_POINTS))
    out = tmp_path / "out"
    args = ["sweep", str(sweep), "--out", str(out), "--workers", "2", "--no-plots", "--quiet", *extra]
    proc = subprocess.Popen(
        [sys.executable, "-c", CLI_WITH_FAULTS, json.dumps({"*": "sleep:300"}), *args],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a sweep started from a shell
        preexec_fn=_ctrl_c_as_in_a_terminal,
    )
    return proc, out


def wait_until_solving(proc: subprocess.Popen, out: Path, points: int = 2, timeout: float = 60) -> set[int]:
    """The pids of the worker processes once `points` points are being solved (.running markers)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the sweep ended early: {proc.communicate()}")
        markers = list((out / ".running").glob("*.json")) if (out / ".running").is_dir() else []
        pids = set()
        for m in markers:
            with contextlib.suppress(OSError, ValueError, KeyError):
                pids.add(int(json.loads(m.read_text())["pid"]))
        if len(pids) >= points:
            return pids
        time.sleep(0.1)
    pytest.fail("the workers did not start solving in time")


def alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    """Processes still running (a zombie has ended: it only waits to be reaped)."""
    out = []
    for p in procs:
        try:
            if p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def survivors(procs: list[psutil.Process], timeout: float = 20) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while alive(procs) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive(procs)


def kill_leftovers(proc: subprocess.Popen, procs: list[psutil.Process]) -> None:
    """Clean up after a failed test: only the processes this test started."""
    for p in [*alive(procs), *([psutil.Process(proc.pid)] if proc.poll() is None else [])]:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    proc.communicate()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("how", "code", "line"),
    [
        ("sigterm", 143, "terminated; finished points are kept"),
        ("kill -9", -signal.SIGKILL, None),
        ("ctrl-c", 130, "interrupted; finished points are kept"),
    ],
)
def test_workers_die_with_the_sweep(tmp_path, how, code, line):
    proc, out = start_hanging_sweep(tmp_path)
    family: list[psutil.Process] = []
    try:
        workers = wait_until_solving(proc, out)
        family = psutil.Process(proc.pid).children(recursive=True)
        assert workers <= {p.pid for p in family}
        if how == "sigterm":
            os.kill(proc.pid, signal.SIGTERM)
        elif how == "kill -9":
            os.kill(proc.pid, signal.SIGKILL)
        else:  # Ctrl-C in a terminal signals the whole foreground process group
            os.killpg(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == code, stderr
        left = survivors(family)
        assert not left, f"still running after {how}: {[(p.pid, p.name()) for p in left]}"
        if line is not None:
            assert line in stderr and "Traceback" not in stderr, stderr
            assert len(stderr.strip().splitlines()) == 1, stderr
        # the sweep can be resumed: no stale lock, no running markers kept as results
        with folder_lock(out):
            pass
        assert not list((out / "points").glob("*.json"))
    finally:
        kill_leftovers(proc, family)


@pytest.mark.slow
def test_second_sweep_into_the_same_folder_fails_at_once(tmp_path):
    """One line naming the folder and the running sweep's pid; nothing of the first is touched."""
    proc, out = start_hanging_sweep(tmp_path)
    family: list[psutil.Process] = []
    try:
        wait_until_solving(proc, out)
        family = psutil.Process(proc.pid).children(recursive=True)
        markers = sorted(p.name for p in (out / ".running").iterdir())
        started = time.monotonic()
        with pytest.raises(DhoptError) as info:
            run_sweep(tmp_path / "two.yaml", out, workers=1, progress=False)
        assert time.monotonic() - started < 10
        message = str(info.value)
        assert "\n" not in message
        assert str(out) in message and f"pid {proc.pid}" in message and "another sweep" in message
        assert sorted(p.name for p in (out / ".running").iterdir()) == markers  # not cleared
        # kill -9 leaves no stale lock: the kernel releases it
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
        survivors(family)
        with folder_lock(out):
            pass
    finally:
        kill_leftovers(proc, family)


def test_locked_folder_is_refused_by_the_command(tmp_path):
    """The lock held by another holder (here this test): the command fails at once, exit 2."""
    from test_sweep import make_app
    from typer.testing import CliRunner

    sweep = tmp_path / "two.yaml"
    sweep.write_text(yaml.safe_dump(TWO_POINTS))
    out = tmp_path / "out"
    out.mkdir()
    with folder_lock(out):
        result = CliRunner().invoke(make_app(), ["sweep", str(sweep), "--out", str(out), "--no-plots"])
    assert result.exit_code == 2, result.output
    assert f"pid {os.getpid()}" in result.output and str(out.name) in result.output
    assert "Traceback" not in result.output
    assert not (out / "points").exists() and not (out / "sweep.json").exists()


@pytest.mark.slow
def test_dask_local_cluster_dies_with_a_terminated_sweep(tmp_path):
    pytest.importorskip("dask.distributed")
    proc, out = start_hanging_sweep(tmp_path, "--scheduler", "local")
    family: list[psutil.Process] = []
    try:
        wait_until_solving(proc, out, timeout=90)
        family = psutil.Process(proc.pid).children(recursive=True)
        listening = [
            c.laddr.ip
            for p in [psutil.Process(proc.pid), *family]
            for c in p.net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN
        ]
        assert listening and set(listening) == {"127.0.0.1"}, listening
        os.kill(proc.pid, signal.SIGTERM)
        _, stderr = proc.communicate(timeout=90)
        assert proc.returncode == 143, stderr
        left = survivors(family)
        assert not left, f"still running: {[(p.pid, p.name()) for p in left]}"
    finally:
        kill_leftovers(proc, family)
