"""Faults: interrupted solves, result folders that cannot be written, a failed write after a
successful run in the same folder."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import REFERENCE, base_scenario, heat_pump
from typer.testing import CliRunner

from dhopt.cli import app
from dhopt.errors import DhoptError
from dhopt.run import run_scenario


def _solve_until_highs_runs(out: Path, hours: int = 8760) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dhopt",
            "solve",
            str(REFERENCE),
            "--out",
            str(out),
            "--no-plots",
            "--no-report",
            "--hours",
            str(hours),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    log = out / "solver.log"
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:  # HiGHS writes its log once it solves
        if log.is_file() and log.stat().st_size > 2000:
            break
        time.sleep(0.2)
    time.sleep(1.0)
    assert proc.poll() is None, proc.communicate()
    return proc


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "code", "word"), [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")]
)
def test_signal_during_a_solve_ends_cleanly(tmp_path, sig, code, word):
    """Ctrl-C in the middle of HiGHS's solve: one line, exit 130 (SIGTERM: 143), no crash, no
    run.json, no child process left."""
    out = tmp_path / "out"
    proc = _solve_until_highs_runs(out)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert word in stderr
    assert "Traceback" not in stderr and "Segmentation" not in stderr
    assert not (out / "run.json").exists()
    assert not list(out.glob(".*.*"))  # no half-written temporary files


def test_out_that_is_a_file_is_one_line(tmp_path):
    target = tmp_path / "taken"
    target.write_text("not a folder")
    sc = base_scenario(24)
    sc["units"]["hp"] = heat_pump()
    import yaml

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(sc))
    result = CliRunner().invoke(
        app, ["solve", str(path), "--out", str(target), "--no-plots", "--no-report", "--quiet"]
    )
    assert result.exit_code == 2
    assert "is an existing file" in result.output
    assert "Traceback" not in result.output
    assert target.read_text() == "not a folder"


def test_a_full_disk_leaves_no_folder_that_looks_complete(writer, tmp_path, monkeypatch):
    """A good run, then a second run into the same folder whose write fails half-way (disk full):
    no run.json, and none of the first run's tables left to pass for this run's."""
    sc = base_scenario(24)
    sc["units"]["hp"] = heat_pump()
    path = writer.yaml(sc)
    out = tmp_path / "out"
    run_scenario(path, out=out)
    (out / "plots").mkdir()
    (out / "plots" / "old.png").write_bytes(b"old")
    assert (out / "run.json").is_file()

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out / "dispatch.parquet"))

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    with pytest.raises(DhoptError, match="No space left on device"):
        run_scenario(path, out=out)
    left = sorted(p.name for p in out.iterdir())
    assert "run.json" not in left
    assert not {"capacities.csv", "kpis.csv", "dispatch.csv", "dispatch.parquet", "plots"} & set(left)


def test_results_are_not_written_through_a_planted_symlink(writer, tmp_path):
    """A symlink planted where a table goes is replaced by the table; its target is untouched."""
    sc = base_scenario(24)
    sc["units"]["hp"] = heat_pump()
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (out / "kpis.csv").symlink_to(victim)
    (out / "solver.log").symlink_to(victim)
    run_scenario(writer.yaml(sc), out=out)
    assert victim.read_text() == "keep me"
    assert not (out / "kpis.csv").is_symlink()
    assert (out / "run.json").is_file()


def test_threads_beyond_the_cores_are_refused(tmp_path):
    result = CliRunner().invoke(app, ["solve", str(REFERENCE), "--threads", "100000", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "--threads" in result.output and "at most" in result.output


def test_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("dhopt ")


def test_time_limit_exit_code_and_words(tmp_path):
    """The reference on 2000 h with a limit far too short: 'time limit', exit 3, never 'infeasible'."""
    result = CliRunner().invoke(
        app,
        [
            "solve",
            str(REFERENCE),
            "--hours",
            "2000",
            "--time-limit",
            "0.001",
            "--out",
            str(tmp_path),
            "--no-plots",
            "--no-report",
        ],
    )
    assert result.exit_code == 3, result.output
    assert "time limit" in result.output
    assert "infeasible" not in result.output
    text = " ".join(result.output.split())
    for tip in ("--time-limit", "--mip-gap 0.01", "--typical-days 12", "fewer candidate units"):
        assert tip in text, text  # the console says what to do
    assert not (tmp_path / "run.json").exists()


def test_a_time_limit_before_the_minimum_loads_settle_still_ends_with_a_solution(writer, monkeypatch):
    """The hand-worked minimum-load case (tests/test_hand_solved.py): the relaxation runs the heat
    pump at 0.5 MW in every second hour. Here the rounds' clock jumps past the time limit right
    after it, before any round keeps the minimum loads: instead of "no usable solution", the
    relaxed solution is repaired past the limit (heat pump off in those hours, the boiler sized
    for them), which is the optimum by hand, written with status time_limit and its gap."""
    import numpy as np
    from test_hand_solved import minimum_load_case

    import dhopt.min_load_rounds as rounds_module
    from dhopt.solve import SolveOptions

    sc, cost = minimum_load_case(writer)
    late = [0.0]
    real_clock = time.perf_counter
    monkeypatch.setattr(
        rounds_module, "time", type("Clock", (), {"perf_counter": lambda: real_clock() + late[0]})
    )
    violations_of = rounds_module.min_load_violations_of

    def after_the_relaxation(built, units):
        late[0] = 1e6
        return violations_of(built, units)

    monkeypatch.setattr(rounds_module, "min_load_violations_of", after_the_relaxation)
    out = run_scenario(writer.yaml(sc), options=SolveOptions(mip_gap=1e-9, time_limit=600.0))
    assert out.report.status == "time_limit" and out.report.feasible
    assert "repaired past the limit" in out.report.message and "gap" in out.report.message
    assert out.report.objective == pytest.approx(cost, rel=1e-9)
    assert out.report.bound < out.report.objective
    d = out.results.dispatch
    assert d["hp_heat_mw"].to_numpy() == pytest.approx(np.array([3.0, 0.0] * 12), abs=1e-6)
    assert d["eb_heat_mw"].to_numpy() == pytest.approx(np.array([0.0, 0.5] * 12), abs=1e-6)
