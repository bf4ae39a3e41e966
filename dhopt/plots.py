"""Plots of a solve folder (dispatch, load-duration curves, LCOE breakdown: dhopt.plots_solve) and
of a sweep folder (ternary diagrams of LCOE and SCOP per face as the study's Figures 14–15,
sensitivity lines as Figure 16: dhopt.plots_sweep). Every figure is written as PNG and SVG into
`<folder>/plots/`, never through a symbolic link.

Figures are built with `matplotlib.figure.Figure` and rendered by the Agg (PNG) and SVG backends
directly; pyplot and its global state are never touched, so importing this module does not change
the caller's backend.
"""

from __future__ import annotations

from pathlib import Path

from dhopt.errors import DhoptError
from dhopt.plots_common import NamedFigure, plots_dir, save_figures
from dhopt.plots_solve import select_period, solve_figures
from dhopt.plots_sweep import _ternary_figure, sweep_figures


def _folder_kind(path: Path) -> str:
    """'sweep' (points.csv) or 'solve' (run.json + dispatch.parquet); DhoptError otherwise."""
    if (path / "points.csv").is_file():
        return "sweep"
    if (path / "run.json").is_file() and (path / "dispatch.parquet").is_file():
        return "solve"
    if not path.is_dir():
        raise DhoptError(f"{path}: no such folder")
    raise DhoptError(
        f"{path}: neither a solve result folder (run.json + dispatch.parquet) nor a sweep folder (points.csv)"
    )


def folder_figures(
    path: Path, free: str | Path | None = None, period: str | None = None
) -> list[NamedFigure]:
    """The figures of a sweep or a solve folder, each with its file stem, without writing them."""
    if _folder_kind(path) == "sweep":
        return sweep_figures(path, free=free)
    return solve_figures(path, period=period)


def plot_folder(path: str | Path, free: str | Path | None = None, period: str | None = None) -> list[Path]:
    """Detect a sweep folder or a solve folder and write its plots into `path/plots/`.
    Returns the files written. Raises DhoptError (one line)."""
    path = Path(path)
    _folder_kind(path)
    out = plots_dir(path)  # before drawing: a folder the plots cannot go into fails at once
    return save_figures(folder_figures(path, free=free, period=period), out)


def plot_solve(path: Path, period: str | None = None) -> list[Path]:
    return save_figures(solve_figures(path, period), plots_dir(path))


def plot_sweep(path: Path, free: str | Path | None = None) -> list[Path]:
    return save_figures(sweep_figures(path, free), plots_dir(path))


__all__ = ["_ternary_figure", "folder_figures", "plot_folder", "plot_solve", "plot_sweep", "select_period"]
