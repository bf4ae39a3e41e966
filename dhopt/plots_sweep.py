"""Plots of a sweep folder: ternary diagrams of LCOE and SCOP per face (the study's Figures 14–15)
and sensitivity lines (Figure 16).

A free optimum from another solve folder is marked on the ternary diagrams only when it stands on
the same horizon as the sweep (hours and typical days); otherwise it is left out with a warning.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from dhopt import columns as result_columns
from dhopt.errors import DhoptError
from dhopt.plots_common import FEASIBLE, METRICS, NamedFigure, horizon_note, horizon_text, slug, with_note

log = logging.getLogger(__name__)


def _read_sweep(path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    try:
        df = pd.read_csv(path / "points.csv")
    except (OSError, ValueError) as exc:
        raise DhoptError(f"{path / 'points.csv'}: cannot read: {exc}") from None
    meta: dict[str, Any] = {}
    if (path / "sweep.json").is_file():
        try:
            meta = json.loads((path / "sweep.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DhoptError(f"{path / 'sweep.json'}: cannot read: {exc}") from None
        if not isinstance(meta, dict):
            raise DhoptError(f"{path / 'sweep.json'}: expected a JSON object")
    return df, meta


def sweep_horizon(meta: dict[str, Any]) -> tuple[int | None, dict[str, Any] | None]:
    """The sweep's hours and typical-day aggregation (None: every hour), from sweep.json."""
    context = meta.get("context") or {}
    hours = context.get("hours", (meta.get("config") or {}).get("hours"))
    return (int(hours) if isinstance(hours, int | float) else None), context.get("aggregation")


def _variant_columns(df: pd.DataFrame, meta: dict[str, Any]) -> list[str]:
    """Columns that tell apart points with the same shares: the case and the grid paths."""
    grid = list(((meta.get("config") or {}).get("grid") or {}).keys())
    cols = (["case"] if "case" in df else []) + [g for g in grid if g in df]
    return cols


def _mix_label(row: pd.Series, sources: Sequence[str]) -> str:
    parts = [f"{100 * row[f'share_{s}']:.0f} % {s}" for s in sources if row.get(f"share_{s}", 0) > 1e-9]
    return " + ".join(parts) if parts else "base"


def sweep_figures(path: Path, free: str | Path | None = None) -> list[NamedFigure]:
    df, meta = _read_sweep(path)
    if df.empty:
        raise DhoptError(f"{path / 'points.csv'}: no points")
    sources = [c[len("share_") :] for c in df.columns if c.startswith("share_")]
    figures: list[NamedFigure] = []
    hours, aggregation = sweep_horizon(meta)
    meta = {**meta, "_note": horizon_note(hours, aggregation)}
    free_caps = _free_capacities(Path(free), sources, hours, aggregation) if free else None
    variants = _variant_columns(df, meta)
    if len(sources) >= 3:
        groups = df.groupby(variants, sort=False, dropna=False) if variants else [((), df)]
        for key, sub in groups:
            key = key if isinstance(key, tuple) else (key,)
            suffix = "_".join(slug(f"{c}-{v}") for c, v in zip(variants, key, strict=True))
            figures += _ternaries(sub, sources, meta, suffix, free_caps)
    if variants:
        figures += _sensitivity(df, sources, variants, meta)
    elif 1 <= len(sources) <= 2:
        figures += _share_lines(df, sources, meta)
    return figures


def _free_capacities(
    folder: Path, sources: Sequence[str], hours: int | None, aggregation: dict[str, Any] | None
) -> dict[str, Any]:
    """The free solve's heat-pump capacities, system LCOE/SCOP and horizon; when it stands on
    another horizon than the sweep, only {"skipped": why} (and a warning): its optimum is not
    comparable to the points."""
    try:
        caps = pd.read_csv(folder / "capacities.csv").set_index("unit")
        kpis = pd.read_csv(folder / "kpis.csv").set_index("unit")
        info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        system = kpis.loc["system"]
    except (OSError, ValueError, KeyError) as exc:
        raise DhoptError(f"--free {folder}: not a complete solve result folder ({exc})") from None
    if not isinstance(info, dict):
        raise DhoptError(f"--free {folder / 'run.json'}: expected a JSON object")
    free_horizon = horizon_text(info.get("hours"), info.get("aggregation"))
    sweep_horizon_text = horizon_text(hours, aggregation)
    if hours is None or info.get("hours") != hours or bool(info.get("aggregation")) != bool(aggregation):
        log.warning(
            "--free %s: not marked on the ternary diagrams: it was solved on %s, the sweep on %s",
            folder,
            free_horizon,
            sweep_horizon_text,
        )
        return {
            "skipped": f"free optimum not shown: solved on {free_horizon}, the sweep on {sweep_horizon_text}"
        }
    mw = {s: float(caps.loc[s, "capacity_mw"]) if s in caps.index else 0.0 for s in sources}
    return {
        "mw": mw,
        "lcoe": float(system[result_columns.LCOE]),
        "scop": float(system["scop"]),
        "horizon": free_horizon,
    }


def _faces(df: pd.DataFrame, sources: Sequence[str]) -> list[tuple[str, list[str], pd.DataFrame]]:
    if "face" in df and df["face"].notna().any():
        return [(str(f), str(f).split("-"), sub) for f, sub in df.groupby("face", sort=False)]
    if len(sources) == 3:
        return [("-".join(sources), list(sources), df)]
    return []  # more than 3 sources without faces: no flat diagram shows them


def _ternaries(
    df: pd.DataFrame,
    sources: Sequence[str],
    meta: dict[str, Any],
    suffix: str,
    free_caps: dict[str, Any] | None,
) -> list[NamedFigure]:
    import mpltern  # noqa: F401  (registers the 'ternary' projection)

    figures: list[NamedFigure] = []
    total = meta.get("total_mw")
    limits = meta.get("limits_mw") or {}
    for metric, (col, label, cmap, best) in METRICS.items():
        ok = df["status"].isin(FEASIBLE) & df[col].notna()
        values = df.loc[ok, col]
        norm = Normalize(values.min(), values.max()) if len(values) else Normalize(0, 1)
        if len(values) and values.min() == values.max():
            norm = Normalize(values.min() - 0.5, values.max() + 0.5)
        for face, names, sub in _faces(df, sources):
            # the source with a capacity limit on the top axis, so its limit is a horizontal line
            limited = [s for s in names if total and s in limits and limits[s] < total]
            order = limited[:1] + [s for s in names if s not in limited[:1]]
            fig = _ternary_figure(
                sub, order, sources, col, label, cmap, best, norm, total, limits, free_caps, meta["_note"]
            )
            stem = f"ternary_{metric}_{slug(face)}" + (f"_{suffix}" if suffix else "")
            figures.append((stem, fig, False))
    return figures


def _ternary_figure(
    sub: pd.DataFrame,
    order: list[str],
    sources: Sequence[str],
    col: str,
    label: str,
    cmap: str,
    best: str,
    norm: Normalize,
    total: float | None,
    limits: dict[str, float],
    free_caps: dict[str, Any] | None,
    note: str = "",
) -> Figure:
    fig = Figure(figsize=(8.4, 6.6))
    fig.subplots_adjust(left=0.14, right=0.80, bottom=0.1, top=0.78 if note else 0.82)  # room for the title
    ax = fig.add_subplot(projection="ternary", ternary_sum=100.0)
    t, lft, r = (100 * sub[f"share_{s}"].to_numpy() for s in order)
    ok = (sub["status"].isin(FEASIBLE) & sub[col].notna()).to_numpy()
    infeasible = (sub["status"] == "infeasible").to_numpy()
    failed = ~ok & ~infeasible
    unproven = ok & (sub["status"] != "optimal").to_numpy()
    values = sub[col].to_numpy(dtype=float)
    mappable = None
    if ok.sum() >= 3:
        try:
            mappable = ax.tripcolor(
                t[ok], lft[ok], r[ok], values[ok], cmap=cmap, norm=norm, shading="gouraud"
            )
        except (ValueError, RuntimeError):  # collinear points: no triangulation
            mappable = None
    sc = ax.scatter(
        t[ok],
        lft[ok],
        r[ok],
        c=values[ok],
        cmap=cmap,
        norm=norm,
        s=46,
        edgecolors="black",
        linewidths=0.5,
        zorder=3,
        clip_on=False,
    )
    mappable = mappable or sc
    if unproven.any():  # a solution, but stopped by the time limit or with a large gap
        ax.scatter(
            t[unproven],
            lft[unproven],
            r[unproven],
            s=150,
            facecolors="none",
            edgecolors="darkorange",
            linewidths=1.6,
            zorder=4,
            clip_on=False,
            label="not proven optimal (time limit or gap)",
        )
    for mask, marker, color, mark_label in (
        (infeasible, "X", "0.6", "infeasible"),
        (failed, "x", "red", "failed / not solved"),
    ):
        if mask.any():
            ax.scatter(
                t[mask],
                lft[mask],
                r[mask],
                marker=marker,
                s=40,
                color=color,
                zorder=3,
                clip_on=False,
                label=mark_label,
            )
    # capacity limits (the study's groundwater line: above it the point is infeasible)
    lines = (ax.axtline, ax.axlline, ax.axrline)
    spans = (ax.axtspan, ax.axlspan, ax.axrspan)
    for i, s in enumerate(order):
        if total and s in limits and limits[s] < total:
            share = 100 * limits[s] / total
            spans[i](share, 100, facecolor="none", edgecolor="0.55", hatch="///", lw=0, zorder=1)
            lines[i](share, color="purple", lw=2.5, zorder=2, label=f"{s} limit {limits[s]:g} MW")
    # single-source corners: their value
    for idx in np.flatnonzero(ok):
        shares = (t[idx], lft[idx], r[idx])
        if max(shares) > 99.99:
            ax.text(*shares, f"  {values[idx]:.2f}", fontsize="small", ha="left", va="bottom", zorder=4)
    # best feasible point, and the free optimum if it lies on this face
    if ok.any():
        pick = np.nanargmin if best == "min" else np.nanargmax
        masked = np.where(ok, values, np.nan)
        b = int(pick(masked))
        ax.scatter(
            t[b],
            lft[b],
            r[b],
            marker="*",
            s=260,
            color="white",
            edgecolors="black",
            zorder=5,
            clip_on=False,
            label=f"best point ({values[b]:.2f})",
        )
    if free_caps is not None and "skipped" in free_caps:
        fig.text(0.5, 0.02, free_caps["skipped"], ha="center", fontsize="small", color="darkred")
    elif free_caps is not None:
        mw = free_caps["mw"]
        on_face = sum(mw[s] for s in order)
        off_face = sum(mw[s] for s in sources if s not in order)
        if on_face > 0 and off_face <= 1e-6:
            f = [100 * mw[s] / on_face for s in order]
            value = free_caps["lcoe" if col.startswith("lcoe") else "scop"]
            ax.scatter(
                *f,
                marker="o",
                s=90,
                color="black",
                zorder=6,
                clip_on=False,
                label=f"free optimum ({value:.2f}; {on_face:.1f} MW heat pumps; "
                f"{free_caps['horizon']} like the sweep)",
            )
    ax.set_tlabel(f"{order[0]} %")
    ax.set_llabel(f"{order[1]} %")
    ax.set_rlabel(f"{order[2]} %")
    ax.grid(alpha=0.3)
    others = [s for s in sources if s not in order]
    title = f"{label}\n{' – '.join(order)}" + (f" ({', '.join(others)} = 0)" if others else "")
    if total:
        title += f"; 100 % = {total:.1f} MW"
    ax.set_title(with_note(title, note), fontsize="medium", pad=28)
    cax = ax.inset_axes([1.08, 0.1, 0.04, 0.8], transform=ax.transAxes)
    fig.colorbar(mappable, cax=cax, label=label)
    handles, _ = ax.get_legend_handles_labels()
    if handles:
        ax.legend(loc="upper left", bbox_to_anchor=(-0.16, 1.2), fontsize="x-small", frameon=False)
    return fig


def _sensitivity(
    df: pd.DataFrame, sources: Sequence[str], variants: list[str], meta: dict[str, Any]
) -> list[NamedFigure]:
    """LCOE (and SCOP) per case / grid value, one line per capacity split (the study's Figure 16)."""
    x_col = variants[0]
    rest = variants[1:]
    figures: list[NamedFigure] = []
    df = df.copy()
    df["_mix"] = [_mix_label(r, sources) for _, r in df.iterrows()] if sources else "base"
    for extra in rest:
        df["_mix"] = df["_mix"] + f", {extra}=" + df[extra].astype(str)
    x_values = list(dict.fromkeys(df[x_col].tolist()))
    numeric_x = x_col != "case" and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in x_values
    )
    for metric, (col, label, _cmap, _best) in METRICS.items():
        fig = Figure(figsize=(8, 5))
        ax = fig.add_subplot()
        for mix, sub in df.groupby("_mix", sort=False):
            sub = sub.drop_duplicates(x_col)
            y = pd.to_numeric(sub[col], errors="coerce").where(sub["status"].isin(FEASIBLE))
            if numeric_x:
                xs = sub[x_col].to_numpy(dtype=float)
            else:
                xs = np.array([x_values.index(v) for v in sub[x_col]])
            ax.plot(xs, y.to_numpy(dtype=float), "o-", label=mix)
            bad = ~sub["status"].isin(FEASIBLE).to_numpy()
            if bad.any():
                ax.scatter(
                    xs[bad],
                    np.full(bad.sum(), np.nanmin(y) if y.notna().any() else 0),
                    marker="x",
                    color="red",
                )
        if not numeric_x:
            ax.set_xticks(range(len(x_values)), [str(v) for v in x_values])
        ax.set_xlabel(x_col)
        ax.set_ylabel(label)
        ax.set_title(
            with_note(f"{meta.get('name', 'sweep')}: {label.split(',')[0]} per {x_col}", meta["_note"])
        )
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
        figures.append((f"sensitivity_{metric}", fig, True))
    return figures


def _share_lines(df: pd.DataFrame, sources: Sequence[str], meta: dict[str, Any]) -> list[NamedFigure]:
    """One or two sources: the metric over the first source's share."""
    s = sources[0]
    figures: list[NamedFigure] = []
    for metric, (col, label, _cmap, _best) in METRICS.items():
        fig = Figure(figsize=(7, 4.5))
        ax = fig.add_subplot()
        sub = df.sort_values(f"share_{s}")
        ok = sub["status"].isin(FEASIBLE)
        ax.plot(100 * sub.loc[ok, f"share_{s}"], sub.loc[ok, col], "o-")
        bad = sub[~ok]
        for x in 100 * bad[f"share_{s}"]:
            ax.axvline(x, color="0.7", ls=":")
        ax.set_xlabel(f"{s} share, %" + (f" (rest: {sources[1]})" if len(sources) > 1 else ""))
        ax.set_ylabel(label)
        ax.set_title(
            with_note(f"{meta.get('name', 'sweep')}: {label.split(',')[0]} per {s} share", meta["_note"])
        )
        ax.grid(alpha=0.3)
        figures.append((f"shares_{metric}", fig, True))
    return figures
