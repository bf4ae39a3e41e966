"""Plots of a solve folder and of sweep folders: files written, the right things marked."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REFERENCE, ROOT
from matplotlib.colors import Normalize
from typer.testing import CliRunner

from dhopt.cli import app
from dhopt.errors import DhoptError
from dhopt.plots import _ternary_figure, plot_folder, select_period
from dhopt.run import run_scenario
from dhopt.sweep import load_sweep, run_sweep

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_images(paths: list[Path], stems: set[str]) -> None:
    assert {p.name for p in paths} == {f"{s}.{ext}" for s in stems for ext in ("png", "svg")}
    for p in paths:
        data = p.read_bytes()
        assert len(data) > 2000, p
        if p.suffix == ".png":
            assert data.startswith(PNG_MAGIC), p
        else:
            assert b"<svg" in data[:2000], p
    assert not [p for p in paths[0].parent.iterdir() if p.name.startswith(".")], "temporary files left"


@pytest.fixture(scope="module")
def solve_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("solve")
    run_scenario(REFERENCE, out=out, hours=72)
    return out


def test_solve_folder_plots(solve_folder):
    written = plot_folder(solve_folder)
    assert_images(written, {"dispatch_period", "dispatch_year", "load_duration", "lcoe_breakdown"})
    assert all(p.parent == solve_folder / "plots" for p in written)


def test_dispatch_period(solve_folder):
    d = pd.read_parquet(solve_folder / "dispatch.parquet")
    week = select_period(d, None)
    assert len(week) == 72  # shorter than a week: all of it
    long = pd.concat([d] * 4, ignore_index=True).assign(hour=lambda x: np.arange(len(x)))
    long.loc[200, "demand_mw"] = 1e3
    week = select_period(long, None)
    assert len(week) == 168 and 200 in set(week["hour"])
    assert list(select_period(d, "10:34")["hour"]) == list(range(10, 34))
    day = select_period(d, "2018-01-02:2018-01-03")
    assert len(day) == 24 and day["hour"].iloc[0] == 24
    for bad in ("5", "30:10", "0:1000", "monday:tuesday"):
        with pytest.raises(DhoptError, match="--period"):
            select_period(d, bad)


def test_not_a_result_folder(tmp_path):
    with pytest.raises(DhoptError, match="neither a solve result folder"):
        plot_folder(tmp_path)
    with pytest.raises(DhoptError, match="no such folder"):
        plot_folder(tmp_path / "nope")


@pytest.mark.slow
def test_real_three_source_sweep(tmp_path, solve_folder):
    sweep = tmp_path / "s.yaml"
    sweep.write_text(
        yaml.safe_dump(
            {
                "base": str(REFERENCE),
                "hours": 24,
                "proportions": {"total_mw": 12, "sources": ["groundwater", "sewage", "air"], "step": "1/2"},
            }
        )
    )
    out = tmp_path / "out"
    run_sweep(sweep, out, workers=2, progress=False)
    written = plot_folder(out, free=solve_folder)
    assert_images(written, {"ternary_lcoe_groundwater-sewage-air", "ternary_scop_groundwater-sewage-air"})


def synthetic_points(plan, folder: Path, case: str | None = None) -> pd.DataFrame:
    """points.csv + sweep.json for a plan, with made-up values (no solving)."""
    rows = []
    for r in plan.rows:
        skip = plan.points[r.point_id].skip_reason
        lab = r.labels
        lcoe = (
            40
            - 3 * lab.get("share_groundwater", 0)
            - 2 * lab.get("share_sewage", 0)
            + lab.get("share_air", 0)
        )
        rows.append(
            {
                "point_id": r.point_id,
                **lab,
                "status": "infeasible" if skip else "optimal",
                "message": skip or "",
                "lcoe_eur_per_mwh": np.nan if skip else lcoe,
                "scop": np.nan if skip else 3 + lab.get("share_sewage", 0),
            }
        )
    df = pd.DataFrame(rows)
    folder.mkdir(parents=True, exist_ok=True)
    df.to_csv(folder / "points.csv", index=False)
    meta = {
        "name": "t",
        "total_mw": plan.total_mw,
        "limits_mw": plan.limits_mw,
        "config": {},
        "context": {"hours": plan.hours},
    }
    (folder / "sweep.json").write_text(json.dumps(meta))
    return df


@pytest.mark.slow
def test_pyramid_faces_and_markers(tmp_path, solve_folder):
    """Four faces × (LCOE, SCOP); on a face with groundwater: the limit, infeasible points, best, free."""
    plan = load_sweep(ROOT / "scenarios" / "nordhavn-ternary.yaml")
    df = synthetic_points(plan, tmp_path / "sweep")
    written = plot_folder(tmp_path / "sweep", free=solve_folder)
    faces = df["face"].unique()
    assert len(faces) == 4
    assert_images(written, {f"ternary_{m}_{f}" for m in ("lcoe", "scop") for f in faces})

    sub = df[df["face"] == "groundwater-sewage-air"]
    free = {
        "mw": {"groundwater": 5.0, "sewage": 19.0, "seawater": 0.0, "air": 0.0},
        "lcoe": 37.8,
        "scop": 3.9,
        "horizon": "8760 h",
    }
    sources = ["groundwater", "sewage", "seawater", "air"]
    fig = _ternary_figure(
        sub,
        ["groundwater", "sewage", "air"],
        sources,
        "lcoe_eur_per_mwh",
        "LCOE",
        "RdYlGn_r",
        "min",
        Normalize(35, 42),
        24.0,
        {"groundwater": 5.0},
        free,
    )
    labels = fig.axes[0].get_legend_handles_labels()[1]
    best = sub[sub["status"] == "optimal"]["lcoe_eur_per_mwh"].min()
    assert "groundwater limit 5 MW" in labels
    assert "infeasible" in labels
    assert f"best point ({best:.2f})" in labels
    assert "free optimum (37.80; 24.0 MW heat pumps; 8760 h like the sweep)" in labels
    # the free optimum uses groundwater + sewage only: not on the sewage-seawater-air face
    fig = _ternary_figure(
        df[df["face"] == "sewage-seawater-air"],
        ["sewage", "seawater", "air"],
        sources,
        "scop",
        "SCOP",
        "RdYlGn",
        "max",
        Normalize(3, 4),
        24.0,
        {"groundwater": 5.0},
        free,
    )
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert not any("free optimum" in lab or "limit" in lab or lab == "infeasible" for lab in labels)


def test_sensitivity_plot(tmp_path):
    plan = load_sweep(ROOT / "scenarios" / "nordhavn-sensitivity.yaml")
    df = synthetic_points(plan, tmp_path / "sens")
    assert set(df["case"]) == {f"case {i}" for i in range(5)}
    written = plot_folder(tmp_path / "sens")
    assert_images(written, {"sensitivity_lcoe", "sensitivity_scop"})


# ---------------------------------------------------------------------------------------------
# Writing: one-line errors naming the path, never through a symbolic link


def result_copy(solve_folder: Path, to: Path) -> Path:
    shutil.copytree(solve_folder, to, ignore=shutil.ignore_patterns("plots"))
    return to


def test_plots_folder_that_is_a_symlink_is_refused(solve_folder, tmp_path):
    folder = result_copy(solve_folder, tmp_path / "r")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (folder / "plots").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(DhoptError, match=rf"^{folder / 'plots'}: is a symbolic link"):
        plot_folder(folder)
    assert list(elsewhere.iterdir()) == []


def test_plot_file_that_is_a_symlink_is_refused(solve_folder, tmp_path):
    folder = result_copy(solve_folder, tmp_path / "r")
    (folder / "plots").mkdir()
    victim = tmp_path / "victim.png"
    victim.write_text("keep")
    planted = folder / "plots" / "dispatch_period.png"
    planted.symlink_to(victim)
    with pytest.raises(DhoptError, match=rf"^{planted}: is a symbolic link"):
        plot_folder(folder)
    assert victim.read_text() == "keep" and planted.is_symlink()


def test_plots_path_that_is_a_file_is_one_line_error(solve_folder, tmp_path):
    """Tests run as root, where a read-only folder is still writable: `plots` as a plain file
    stands in for a folder the plots cannot go into."""
    folder = result_copy(solve_folder, tmp_path / "r")
    (folder / "plots").write_text("")
    res = CliRunner().invoke(app, ["plot", str(folder)])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1, res.output
    assert res.output.startswith(f"error: {folder / 'plots'}: exists and is not a folder")


def test_unwritable_plots_folder_is_one_line_error(solve_folder, tmp_path, monkeypatch):
    folder = result_copy(solve_folder, tmp_path / "r")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    target = folder / "plots" / "dispatch_period.png"
    with pytest.raises(DhoptError, match=rf"^{target}: cannot write the plot: Permission denied$"):
        plot_folder(folder)
