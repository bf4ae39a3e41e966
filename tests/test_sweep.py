"""Sweeps (issue 4): grid generation, sweep-file errors, resume, crashes and timeouts, CLI, Dask.

Solves use the reference scenario on 24 hours (a fraction of a second each); most of the time goes
into starting worker processes.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest
import typer
import yaml
from conftest import REFERENCE, ROOT
from typer.testing import CliRunner

from dhopt import sweep_point
from dhopt.commands_sweep import register
from dhopt.errors import ScenarioError
from dhopt.sweep import compositions, load_sweep, point_id, read_points, run_sweep

HOURS = 24
TERNARY = ROOT / "scenarios" / "nordhavn-ternary.yaml"
SENSITIVITY = ROOT / "scenarios" / "nordhavn-sensitivity.yaml"


def write_sweep(folder: Path, name: str = "sweep.yaml", **fields) -> Path:
    data = {"base": str(REFERENCE), "hours": HOURS, **fields}
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


# Three sources, 12 MW on a step of 1/2: 6 points, the 3 with 6 or 12 MW of groundwater over its 5 MW cap.
SMALL = {"proportions": {"total_mw": 12, "sources": ["groundwater", "sewage", "air"], "step": "1/2"}}


# A sweep in a subprocess with the test fault hook set: argv = sweep file, folder, faults (JSON).
RUN_WITH_FAULTS = (
    "import json, sys; from dhopt import sweep_point; from dhopt.sweep import run_sweep; "
    "sweep_point._TEST_FAULTS = json.loads(sys.argv[3]); "
    "run_sweep(sys.argv[1], sys.argv[2], progress=False)"
)


def attempts(out: Path) -> Counter:
    path = out / "attempts.jsonl"
    if not path.exists():
        return Counter()
    return Counter(json.loads(line)["id"] for line in path.read_text().splitlines())


def mtimes(out: Path) -> dict[str, int]:
    return {f.stem: f.stat().st_mtime_ns for f in (out / "points").glob("*.json")}


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    sweep = write_sweep(folder, **SMALL)
    out = folder / "out"
    summary = run_sweep(sweep, out, workers=2, progress=False)
    return sweep, out, summary


# ---------------------------------------------------------------------------------------------
# Grid generation


def test_compositions_count_and_sum():
    pts = compositions(9, 3)
    assert len(pts) == 55 == len(set(pts))
    assert all(sum(p) == 9 and min(p) >= 0 for p in pts)
    assert len(compositions(10, 3)) == 66
    assert len(compositions(4, 4)) == 35


def test_study_ternary_grid():
    """55 points per face, 4 faces, shares sum to 1, 24 MW = 60 % of the 40 MW peak, limit marked."""
    plan = load_sweep(TERNARY)
    assert plan.total_mw == pytest.approx(24.0)
    rows = pd.DataFrame([{"id": r.point_id, **r.labels} for r in plan.rows])
    assert len(rows) == 220
    assert rows.groupby("face").size().to_dict() == {
        "groundwater-sewage-seawater": 55,
        "groundwater-sewage-air": 55,
        "groundwater-seawater-air": 55,
        "sewage-seawater-air": 55,
    }
    sources = ["groundwater", "sewage", "seawater", "air"]
    shares = rows[[f"share_{s}" for s in sources]]
    assert (shares.sum(axis=1) - 1).abs().max() < 1e-12
    for face, sub in rows.groupby("face"):
        (missing,) = set(sources) - set(face.split("-"))
        assert (sub[f"share_{missing}"] == 0).all()
        assert sub[[f"share_{s}" for s in face.split("-")]].drop_duplicates().shape[0] == 55
    # every share is a multiple of 1/9 and the MW follow from the shares
    for s in sources:
        assert all(Fraction(v).limit_denominator(9) * 9 % 1 == 0 for v in rows[f"share_{s}"])
        assert (rows[f"mw_{s}"] - 24 * rows[f"share_{s}"]).abs().max() < 1e-8
    # corners and edges shared between faces are one point: 4 + 6·8 + 4·28 = 164
    assert len(plan.points) == rows["id"].nunique() == 164
    # over the 5 MW groundwater cap (share ≥ 2/9 of 24 MW): marked, not solved
    over = rows["mw_groundwater"] > 5 + 1e-9
    assert over.sum() == 3 * 36
    for pid, flagged in rows.groupby("id")["mw_groundwater"].max().gt(5).items():
        reason = plan.points[pid].skip_reason
        assert (reason is not None) == flagged
        if flagged:
            assert "groundwater" in reason and "capacity_max_mw 5" in reason
    # heat pumps outside the split are fixed at 0; the boiler and storage stay free
    for spec in plan.points.values():
        assert {k for k in spec.overrides if "electric_boiler" in k or "storage" in k} == set()


def test_sensitivity_cases_are_table_8():
    plan = load_sweep(SENSITIVITY)
    rows = [r.labels for r in plan.rows]
    assert len(rows) == 10 and len(plan.points) == 10
    fixed = {
        r.labels["case"]: plan.points[r.point_id].overrides
        for r in plan.rows
        if r.labels["share_seawater"] == 1
    }
    access_sea = [3.758, 3.007, 2.255, 1.503, 0.752]  # Table 8, M€
    access_sew = [0.296, 0.310, 0.340, 0.384, 0.444]
    for i in range(5):
        ov = fixed[f"case {i}"]
        assert ov["units.seawater.investment.fixed_eur"] == pytest.approx(
            1e6 * (3.941 - 3.758 + access_sea[i])
        )
        assert ov["units.sewage.investment.fixed_eur"] == pytest.approx(1e6 * (0.484 - 0.296 + access_sew[i]))
        assert ov["units.seawater.capacity_mw"] == pytest.approx(24.0)
        assert ov["units.sewage.capacity_mw"] == 0
        assert ov["units.groundwater.capacity_mw"] == 0 and ov["units.air.capacity_mw"] == 0


def test_step_as_number_and_fraction(tmp_path):
    p = {"total_mw": 10, "sources": ["sewage", "seawater", "air"]}
    assert len(load_sweep(write_sweep(tmp_path, proportions={**p, "step": 0.1})).rows) == 66
    assert len(load_sweep(write_sweep(tmp_path, proportions={**p, "step": "1/9"})).rows) == 55
    assert len(load_sweep(write_sweep(tmp_path, proportions={**p, "step": 0.25})).rows) == 15
    with pytest.raises(ScenarioError, match=r"sweep\.yaml: proportions\.step.*whole number"):
        load_sweep(write_sweep(tmp_path, proportions={**p, "step": 0.3}))


def test_cases_times_grid(tmp_path):
    sweep = write_sweep(
        tmp_path,
        cases=[
            {"name": "cheap", "overrides": {"units.air.investment.fixed_eur": 0}},
            {"name": "dear", "overrides": {"units.air.investment.fixed_eur": 1e6}},
        ],
        grid={"economics.discount_rate": [0.03, 0.05], "units.air.om.variable_eur_per_mwh": [1, 2]},
    )
    plan = load_sweep(sweep)
    assert len(plan.rows) == 8 == len(plan.points)
    labels = pd.DataFrame([r.labels for r in plan.rows])
    assert sorted(labels.columns) == sorted(
        ["case", "economics.discount_rate", "units.air.om.variable_eur_per_mwh"]
    )
    assert labels.drop_duplicates().shape[0] == 8


def test_point_id_is_stable():
    a = point_id({"units.a.capacity_mw": 0, "units.b.capacity_mw": 2.5})
    b = point_id({"units.b.capacity_mw": 2.5, "units.a.capacity_mw": 0.0})
    assert a == b and len(a) == 12
    assert a != point_id({"units.b.capacity_mw": 2.5, "units.a.capacity_mw": 0.1})


# ---------------------------------------------------------------------------------------------
# Errors in the sweep file: one line naming the file and the field


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({**SMALL, "proportion": {}}, ["sweep.yaml", "proportion: unknown key"]),
        (
            {"proportions": {**SMALL["proportions"], "colour": "red"}},
            ["sweep.yaml", "proportions.colour: unknown key"],
        ),
        ({"hours": 24}, ["sweep.yaml", "at least one of proportions, cases and grid"]),
        (
            {"proportions": {"sources": ["sewage"], "step": 1, "total_mw": 1, "share_of_peak": 0.5}},
            ["exactly one of total_mw and share_of_peak"],
        ),
        (
            {"proportions": {"sources": ["sewage", "heat_from_mars"], "step": 1, "total_mw": 1}},
            ["sweep.yaml", "proportions.sources", "no unit 'heat_from_mars'"],
        ),
        (
            {"cases": [{"name": "x", "overrides": {"units.nope.capacity_mw": 1}}]},
            ["sweep.yaml", "case x", "override 'units.nope.capacity_mw'", "no field 'units.nope'"],
        ),
        (
            {"grid": {"units.air.colour": ["red"]}},
            ["sweep.yaml", "units.air.colour: unknown key", "nordhavn.yaml"],
        ),
        (
            {"grid": {"units.air.capacity_mw": [-1]}},
            ["sweep.yaml", "units.air.capacity_mw", "greater than or equal to 0"],
        ),
        (
            {**SMALL, "cases": [{"name": "x", "overrides": {"units.air.capacity_mw": 1}}]},
            ["override 'units.air.capacity_mw' is set by both proportions and cases"],
        ),
        (
            {"cases": [{"name": "x"}, {"name": "x"}]},
            ["cases: names must be unique"],
        ),
    ],
)
def test_sweep_file_errors(tmp_path, fields, expected):
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump({"base": str(REFERENCE), **fields}))
    with pytest.raises(ScenarioError) as info:
        load_sweep(path)
    message = str(info.value)
    assert "\n" not in message
    for part in expected:
        assert part in message, message


# ---------------------------------------------------------------------------------------------
# Running, resuming


def test_small_sweep_results(small_run):
    _sweep, out, summary = small_run
    table = pd.read_csv(out / "points.csv")
    assert len(table) == 6 and summary.solved == 3
    assert summary.counts == {"optimal": 3, "infeasible": 3}
    over = table["mw_groundwater"] > 5
    assert (table.loc[over, "status"] == "infeasible").all()
    assert table.loc[over, "message"].str.contains("above its capacity_max_mw 5 MW").all()
    assert (table.loc[~over, "status"] == "optimal").all()
    # not solved: no attempt recorded for them
    assert set(attempts(out)) == set(table.loc[~over, "point_id"])
    ok = table[~over]
    assert ok["lcoe_eur_per_mwh"].between(10, 200).all() and ok["scop"].between(1, 6).all()
    for col in (
        "co2_kg_per_mwh",
        "cap_storage_mwh",
        "cap_electric_boiler_mw",
        "objective_eur_per_year",
        "gap",
    ):
        assert ok[col].notna().all(), col
    # the fixed capacities came through: the split's units as set, seawater (not in the split) at 0
    for s in ("groundwater", "sewage", "air"):
        assert (ok[f"cap_{s}_mw"] - ok[f"mw_{s}"]).abs().max() < 1e-6
    assert (ok["cap_seawater_mw"] == 0).all()
    pq = pd.read_parquet(out / "points.parquet")
    assert list(pq["point_id"]) == list(table["point_id"])
    assert not list((out / "points").glob(".*")), "temporary files left behind"


def test_rerun_solves_only_missing_points(small_run, tmp_path):
    sweep, done, _ = small_run
    out = tmp_path / "out"
    shutil.copytree(done, out)
    solved = [p for p, n in attempts(out).items() if n == 1]
    victim = solved[0]
    (out / "points" / f"{victim}.json").unlink()
    before = mtimes(out)
    summary = run_sweep(sweep, out, workers=2, progress=False)
    assert summary.solved == 1
    after = mtimes(out)
    assert set(after) == set(before) | {victim}
    assert all(after[p] == t for p, t in before.items()), "a finished point was written again"
    assert attempts(out)[victim] == 2 and all(attempts(out)[p] == 1 for p in solved if p != victim)
    assert summary.counts == {"optimal": 3, "infeasible": 3}


def test_points_of_another_horizon_are_solved_again(small_run, tmp_path):
    sweep, done, _ = small_run
    out = tmp_path / "out"
    shutil.copytree(done, out)
    summary = run_sweep(sweep, out, workers=2, hours=48, progress=False)
    assert summary.solved == 3  # same overrides (total_mw is fixed), other horizon: stale
    assert all(r["context"]["hours"] == 48 for r in read_points(out).values())


@pytest.mark.slow
def test_worker_crash_then_retry_failed(tmp_path, monkeypatch):
    """A point whose worker dies is found (the others are not blamed) and retried only on request."""
    sweep = write_sweep(tmp_path, **SMALL)
    out = tmp_path / "out"
    plan = load_sweep(sweep)
    solvable = [p for p, s in plan.points.items() if s.skip_reason is None]
    bad = solvable[0]
    monkeypatch.setattr(sweep_point, "_TEST_FAULTS", {bad: "exit"})
    first = run_sweep(sweep, out, workers=2, progress=False)
    recs = read_points(out)
    assert recs[bad]["status"] == "error" and "worker process died" in recs[bad]["message"]
    assert all(recs[p]["status"] == "optimal" for p in solvable if p != bad)
    assert first.counts == {"optimal": 2, "infeasible": 3, "error": 1}
    monkeypatch.setattr(sweep_point, "_TEST_FAULTS", None)
    before = mtimes(out)
    again = run_sweep(sweep, out, workers=2, progress=False)
    assert again.solved == 0 and mtimes(out) == before
    retry = run_sweep(sweep, out, workers=2, retry_failed=True, progress=False)
    assert retry.solved == 1
    assert read_points(out)[bad]["status"] == "optimal" and read_points(out)[bad]["attempt"] == 2
    after = mtimes(out)
    assert all(after[p] == before[p] for p in before if p != bad)


@pytest.mark.slow
def test_killed_sweep_resumes(tmp_path):
    """Kill the whole sweep (parent and workers) mid-way; the rerun solves only what was missing."""
    sweep = write_sweep(
        tmp_path, proportions={"total_mw": 12, "sources": ["sewage", "seawater", "air"], "step": "1/2"}
    )
    out = tmp_path / "out"
    plan = load_sweep(sweep)
    ids = list(plan.points)
    hang = ids[0]
    proc = subprocess.Popen(
        [sys.executable, "-c", RUN_WITH_FAULTS, str(sweep), str(out), json.dumps({hang: "sleep:300"})],
        start_new_session=True,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(mtimes(out) if (out / "points").exists() else {}) < 5:
            assert proc.poll() is None, "the sweep ended although one point hangs"
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the process group this test started
        proc.wait()
    before = mtimes(out)
    assert set(before) == set(ids) - {hang}
    assert not list((out / "points").glob(".*")), "half-written files"
    summary = run_sweep(sweep, out, workers=2, progress=False)
    assert summary.solved == 1 and summary.counts == {"optimal": 6}
    after = mtimes(out)
    assert all(after[p] == t for p, t in before.items())
    assert attempts(out)[hang] == 1 and all(n == 1 for n in attempts(out).values())


@pytest.mark.slow
def test_hung_point_is_killed_as_timeout(tmp_path, monkeypatch):
    # 8 s of grace: a loaded CI machine took over 2 s for a healthy 24-hour point (a new worker
    # imports Pyomo and builds its model), which a 1 s grace killed as well.
    sweep = write_sweep(tmp_path, time_limit_s=1, timeout_grace_s=8, **SMALL)
    out = tmp_path / "out"
    plan = load_sweep(sweep)
    hang = next(p for p, s in plan.points.items() if s.skip_reason is None)
    monkeypatch.setattr(sweep_point, "_TEST_FAULTS", {hang: "sleep:300"})
    started = time.monotonic()
    summary = run_sweep(sweep, out, workers=2, progress=False)
    assert time.monotonic() - started < 60
    recs = read_points(out)
    assert recs[hang]["status"] == "timeout" and "killed after 9 s" in recs[hang]["message"]
    assert summary.counts == {"optimal": 2, "infeasible": 3, "timeout": 1}
    assert not list((out / ".running").glob("*")), "running markers left behind"


def test_dask_local_cluster_gives_the_same_points(small_run, tmp_path):
    sweep, done, _ = small_run
    out = tmp_path / "dask"
    summary = run_sweep(sweep, out, workers=1, scheduler="local", dask_processes=False, progress=False)
    assert summary.solved == 3 and summary.counts == {"optimal": 3, "infeasible": 3}
    a = pd.read_csv(done / "points.csv").set_index("point_id")
    b = pd.read_csv(out / "points.csv").set_index("point_id")
    assert list(a.index) == list(b.index)
    ok = a["status"] == "optimal"
    assert (a.loc[ok, "lcoe_eur_per_mwh"] - b.loc[ok, "lcoe_eur_per_mwh"]).abs().max() < 1e-6
    again = run_sweep(sweep, out, workers=1, scheduler="local", dask_processes=False, progress=False)
    assert again.solved == 0


# ---------------------------------------------------------------------------------------------
# The command


def make_app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def test_two_point_sweep_through_the_command(tmp_path):
    sweep = tmp_path / "two.yaml"
    sweep.write_text(
        yaml.safe_dump(
            {
                "base": str(REFERENCE),  # no hours here: --hours must apply
                "proportions": {"total_mw": 10, "sources": ["sewage", "air"], "step": 1},
            }
        )
    )
    out = tmp_path / "out"
    args = ["sweep", str(sweep), "--out", str(out), "--workers", "1", "--hours", str(HOURS)]
    result = CliRunner().invoke(make_app(), args)
    assert result.exit_code == 0, result.output
    assert "2 points" in result.output and "2 optimal" in result.output
    table = pd.read_csv(out / "points.csv")
    assert list(table["status"]) == ["optimal", "optimal"]
    assert json.loads((out / "sweep.json").read_text())["context"]["hours"] == HOURS
    assert sorted(table["share_sewage"]) == [0.0, 1.0]
    assert (out / "plots" / "shares_lcoe.png").stat().st_size > 1000
    # the plot command on the same folder
    result = CliRunner().invoke(make_app(), ["plot", str(out)])
    assert result.exit_code == 0, result.output
    assert "files in" in result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["sweep", "{tmp}/missing.yaml", "--out", "{tmp}/o"], "missing.yaml: file not found"),
        (["sweep", "{tmp}/bad.yaml", "--out", "{tmp}/o"], "proportions.srcs: unknown key"),
        (["sweep", "{tmp}/nobase.yaml", "--out", "{tmp}/o"], "nobase.yaml: base: "),
        (["plot", "{tmp}"], "neither a solve result folder"),
        (["sweep", "{tmp}/ok.yaml", "--out", "{tmp}/ok.yaml"], "ok.yaml: --out is a file"),
    ],
)
def test_command_errors_are_one_line(tmp_path, args, expected):
    write_sweep(tmp_path, "ok.yaml", **SMALL)
    (tmp_path / "bad.yaml").write_text(
        yaml.safe_dump({"base": str(REFERENCE), "proportions": {"srcs": [], "step": 1, "total_mw": 1}})
    )
    (tmp_path / "nobase.yaml").write_text(yaml.safe_dump({"base": "nope.yaml", "grid": {"hours": [1]}}))
    args = [a.format(tmp=tmp_path) for a in args]
    result = CliRunner().invoke(make_app(), args)
    assert result.exit_code == 2, result.output
    assert "error:" in result.output and expected in result.output, result.output
    assert "Traceback" not in result.output
