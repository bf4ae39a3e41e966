"""What the solve and sweep plots share: the metrics, the horizon note every title carries, and
writing figures safely into `<folder>/plots/` (never through a symbolic link, one-line errors)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from dhopt.errors import DhoptError
from dhopt.result_files import atomic_write

HOURS_PER_YEAR = 8760
# Points with a solution; all but "optimal" are drawn with a ring that says "not proven optimal".
FEASIBLE = ("optimal", "time_limit", "feasible")
METRICS = {
    # column, label, colour map (green = good), best = min or max
    "lcoe": ("lcoe_eur_per_mwh", "LCOE, €/MWh heat", "RdYlGn_r", "min"),
    "scop": ("scop", "system SCOP, -", "RdYlGn", "max"),
}

NamedFigure = tuple[str, Figure, bool]  # file stem, figure, tight bounding box


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(text)).strip("_") or "x"


def horizon_note(hours: int | None, aggregation: dict[str, Any] | None) -> str:
    """What a result stands on when it is not every hour of a year; '' when it is."""
    parts = []
    if aggregation:
        n = aggregation.get("typical_periods") if isinstance(aggregation, dict) else None
        parts.append(f"{n} typical days, approximate" if n else "typical days, approximate")
    if isinstance(hours, int) and hours < HOURS_PER_YEAR:
        parts.append(f"first {hours} h of the year, scaled to a year")
    return "; ".join(parts)


def horizon_text(hours: int | None, aggregation: dict[str, Any] | None) -> str:
    """A horizon for comparing two results: '72 h', '8760 h on 5 typical days'."""
    text = f"{hours} h" if hours is not None else "an unknown horizon"
    if aggregation:
        n = aggregation.get("typical_periods", "?") if isinstance(aggregation, dict) else "?"
        text += f" on {n} typical days"
    return text


def with_note(title: str, note: str) -> str:
    return f"{title}\n({note})" if note else title


def plots_dir(folder: Path) -> Path:
    """`folder/plots`, created if missing; refused if it is a symbolic link or not a folder."""
    out = folder / "plots"
    if out.is_symlink():
        raise DhoptError(f"{out}: is a symbolic link; refusing to write plots through it (remove it first)")
    if out.exists() and not out.is_dir():
        raise DhoptError(f"{out}: exists and is not a folder; cannot write plots into it")
    try:
        out.mkdir(exist_ok=True)
    except OSError as exc:
        raise DhoptError(f"{out}: cannot create the plots folder: {exc.strerror or exc}") from None
    return out


def save_figures(figures: Iterable[NamedFigure], out: Path) -> list[Path]:
    """Write each figure as `stem`.png and `stem`.svg atomically into `out`; returns the paths.

    A tight bounding box is left out for ternary axes: mpltern's costs ~2 s a file (measured), so
    those figures are laid out by hand instead.
    """
    written = []
    for stem, fig, tight in figures:
        for fmt in ("png", "svg"):
            path = out / f"{stem}.{fmt}"
            if path.is_symlink():
                raise DhoptError(f"{path}: is a symbolic link; refusing to write a plot through it")
            bbox = "tight" if tight else None
            try:
                atomic_write(
                    path,
                    lambda p, fig=fig, fmt=fmt, bbox=bbox: fig.savefig(
                        p, format=fmt, dpi=130, bbox_inches=bbox
                    ),
                )
            except OSError as exc:
                raise DhoptError(f"{path}: cannot write the plot: {exc.strerror or exc}") from None
            written.append(path)
    return written
