"""What a sweep point's status says (issue 14, time limits): only `optimal` and `infeasible` are
proven; `time_limit`, `feasible`, `timeout` and `error` are kept as such, retried with
--retry-failed, and make `dhopt sweep` exit with code 3.

The solves run on a Dask cluster of threads in this process, so that `dhopt.run.run_scenario` can
be replaced here by one that reports what a solver stopped by its time limit reports.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from test_sweep import SMALL, attempts, make_app, write_sweep
from typer.testing import CliRunner

from dhopt import run as run_module
from dhopt.errors import SolverError
from dhopt.sweep import load_sweep, read_points, run_sweep

pytest.importorskip("dask.distributed")


def in_process(sweep, out, **kw):
    return run_sweep(sweep, out, workers=1, scheduler="local", dask_processes=False, progress=False, **kw)


def test_unproven_points_are_kept_counted_and_retried(tmp_path, monkeypatch):
    sweep = write_sweep(tmp_path, **SMALL)
    out = tmp_path / "out"
    solvable = [p for p, s in load_sweep(sweep).points.items() if s.skip_reason is None]
    stopped, loose, nothing = solvable
    real = run_module.run_scenario

    def stopped_by_the_limit(scenario, *args, overrides=None, **kw):
        from dhopt.sweep import point_id

        pid = point_id(overrides)
        if pid == nothing:  # stopped by the time limit before any feasible solution
            raise SolverError("no usable solution (time_limit): the solver stopped", status="time_limit")
        outcome = real(scenario, *args, overrides=overrides, **kw)
        status, gap = ("time_limit", 0.05) if pid == stopped else ("feasible", 0.25)
        report = dataclasses.replace(outcome.report, status=status, gap=gap, bound=1.0)
        return dataclasses.replace(outcome, report=report)

    monkeypatch.setattr(run_module, "run_scenario", stopped_by_the_limit)
    first = in_process(sweep, out)
    assert first.counts == {"time_limit": 2, "feasible": 1, "infeasible": 3}
    assert first.not_proven == {"feasible": 1, "time_limit": 2} and first.failed == 3
    recs = read_points(out)
    assert recs[stopped]["status"] == "time_limit" and recs[loose]["status"] == "feasible"
    assert recs[nothing]["status"] == "time_limit" and "stopped" in recs[nothing]["message"]
    table = pd.read_csv(out / "points.csv").set_index("point_id")
    for pid in (stopped, loose):  # a feasible solution keeps its numbers, gap and bound
        assert table.loc[pid, ["lcoe_eur_per_mwh", "gap", "bound_eur_per_year"]].notna().all()
    assert table.loc[stopped, "gap"] == pytest.approx(0.05)
    assert pd.isna(table.loc[nothing, "lcoe_eur_per_mwh"])

    # the command: nothing left to solve, but not proven: exit 3, counted by status
    monkeypatch.setattr(run_module, "run_scenario", real)
    args = ["sweep", str(sweep), "--out", str(out), "--no-plots"]
    result = CliRunner().invoke(make_app(), args)
    assert result.exit_code == 3, result.output
    assert "3 point(s) not proven optimal: 1 feasible, 2 time_limit" in result.output
    assert "--retry-failed" in result.output
    quiet = CliRunner().invoke(make_app(), [*args, "--quiet"])
    assert quiet.exit_code == 3 and "not proven optimal" in quiet.output

    # --retry-failed solves exactly those again (here to optimality); then the command exits 0
    retry = in_process(sweep, out, retry_failed=True)
    assert retry.solved == 3 and retry.counts == {"optimal": 3, "infeasible": 3}
    assert all(attempts(out)[p] == 2 for p in solvable)
    result = CliRunner().invoke(make_app(), args)
    assert result.exit_code == 0, result.output
    assert "not proven optimal" not in result.output


def test_a_real_time_limit_is_stored_as_time_limit(tmp_path):
    """The free reference case on 2000 h cannot be solved in a thousandth of a second."""
    sweep = write_sweep(tmp_path, hours=2000, time_limit_s=0.001, cases=[{"name": "free"}])
    summary = in_process(sweep, tmp_path / "out")
    assert summary.counts == {"time_limit": 1}, summary.table["message"].tolist()
