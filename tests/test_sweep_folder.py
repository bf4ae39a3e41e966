"""A sweep folder is not written through symbolic links planted in it, a failed attempt leaves no
complete-looking result folder, and the test fault hook is not an environment variable (issue 14).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_sweep import SMALL, write_sweep

from dhopt import sweep_point
from dhopt.errors import DhoptError
from dhopt.sweep import load_sweep, read_points, run_sweep
from dhopt.sweep_store import append_attempt

# One point with every capacity fixed: a linear program, solved in a fraction of a second.
ONE_POINT = {
    "cases": [
        {
            "name": "fixed",
            "overrides": {
                "units.sewage.capacity_mw": 12.0,
                "units.groundwater.capacity_mw": 0.0,
                "units.seawater.capacity_mw": 0.0,
                "units.air.capacity_mw": 0.0,
            },
        }
    ]
}


def in_process(sweep, out, **kw):
    pytest.importorskip("dask.distributed")
    return run_sweep(sweep, out, workers=1, scheduler="local", dask_processes=False, progress=False, **kw)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    "planted", ["attempts.jsonl", "points/POINT.json", ".running", "points", "runs/POINT"]
)
def test_planted_symlinks_are_refused(tmp_path, planted):
    sweep = write_sweep(tmp_path, keep_runs=True, **ONE_POINT)
    (pid,) = load_sweep(sweep).points
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.json").write_text('{"keep": "me"}\n')
    (outside / "POINT.json").write_text("{}\n")
    before = snapshot(outside)
    out = tmp_path / "out"
    link = out / planted.replace("POINT", pid)
    link.parent.mkdir(parents=True, exist_ok=True)
    target = outside / "precious.json" if "." in link.name and link.name != ".running" else outside
    link.symlink_to(target)
    with pytest.raises(DhoptError) as info:
        run_sweep(sweep, out, workers=1, progress=False)
    message = str(info.value)
    assert "\n" not in message and str(link) in message and "symbolic link" in message, message
    assert snapshot(outside) == before, "a file outside the sweep folder was changed"
    assert link.is_symlink()


def test_attempts_log_planted_while_running_is_not_followed(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("do not touch\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "attempts.jsonl").symlink_to(outside)
    with pytest.raises(DhoptError, match=r"attempts\.jsonl: is a symbolic link"):
        append_attempt(out, {"id": "x", "status": "optimal"})
    assert outside.read_text() == "do not touch\n"


def test_a_failed_attempt_leaves_no_earlier_run_json(tmp_path, monkeypatch):
    """keep_runs: a point solved before and failing now keeps no complete-looking runs/<id>/."""
    sweep = write_sweep(tmp_path, keep_runs=True, **ONE_POINT)
    out = tmp_path / "out"
    first = in_process(sweep, out)
    assert first.counts == {"optimal": 1}
    (pid,) = read_points(out)
    run_dir = out / "runs" / pid
    assert (run_dir / "run.json").is_file() and (run_dir / "dispatch.csv").is_file()
    # another horizon makes the point stale: solved again, and this attempt fails before solving
    monkeypatch.setattr(sweep_point, "_TEST_FAULTS", {pid: "raise"})
    again = in_process(sweep, out, hours=48)
    assert again.counts == {"error": 1}
    assert not (run_dir / "run.json").exists()
    assert not (run_dir / "dispatch.csv").exists(), "tables of an earlier attempt left behind"


def test_the_fault_hook_is_not_read_from_the_environment(tmp_path, monkeypatch):
    """A variable in a user's environment must not make points fail."""
    sweep = write_sweep(tmp_path, **ONE_POINT)
    for name in ("DHOPT_SWEEP_TEST_FAULTS", "DHOPT_TEST_FAULTS"):
        monkeypatch.setenv(name, json.dumps({"*": "raise"}))
    summary = in_process(sweep, tmp_path / "out")
    assert summary.counts == {"optimal": 1}
    assert sweep_point._TEST_FAULTS is None


def test_local_cluster_listens_on_localhost_only(tmp_path, monkeypatch):
    """The LocalCluster has no authentication: bound to 127.0.0.1, no dashboard."""
    import dask.distributed

    seen: dict = {}

    class Recorder:
        def __init__(self, **kw):
            seen.update(kw)
            raise OSError("not started in this test")

    monkeypatch.setattr(dask.distributed, "LocalCluster", Recorder)
    sweep = write_sweep(tmp_path, **SMALL)
    with pytest.raises(DhoptError, match="cannot start a Dask LocalCluster"):
        run_sweep(sweep, tmp_path / "out", workers=2, scheduler="local", progress=False)
    assert seen["host"] == "127.0.0.1" and seen["dashboard_address"] is None


def test_sweep_numbers_refuse_booleans(tmp_path):
    """`hours: yes`, `threads: true` or `step: true` are not numbers (YAML reads them as booleans)."""
    from dhopt.errors import ScenarioError
    from dhopt.sweep import load_sweep

    base = Path(__file__).resolve().parents[1] / "scenarios" / "nordhavn.yaml"
    for line in ("hours: yes", "threads: true"):
        sweep = tmp_path / "s.yaml"
        sweep.write_text(f"base: {base}\n{line}\ncases: [{{name: a}}]\n")
        with pytest.raises(ScenarioError, match=line.split(":")[0]):
            load_sweep(sweep)
    sweep.write_text(
        f"base: {base}\nproportions: {{sources: [groundwater, sewage], total_mw: 10, step: true}}\n"
    )
    with pytest.raises(ScenarioError, match="step"):
        load_sweep(sweep)


def test_a_point_below_a_minimum_load_is_infeasible_not_a_stop(tmp_path):
    """Splitting 2 MW in quarters gives points with 0.5 MW of a unit whose minimum load is 1 MW:
    those points can never run that unit; they are marked, and the sweep plans the rest."""
    base = Path(__file__).resolve().parents[1] / "scenarios" / "nordhavn.yaml"
    sweep = tmp_path / "s.yaml"
    sweep.write_text(
        f"base: {base}\nproportions: {{sources: [groundwater, sewage], total_mw: 2, step: 0.25}}\n"
    )
    plan = load_sweep(sweep, hours=24)
    breaches = [p.skip_reason for p in plan.points.values() if p.skip_reason]
    assert breaches and all("min. load" in b for b in breaches)
    assert len(breaches) < len(plan.points)
