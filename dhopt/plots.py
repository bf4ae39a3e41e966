"""Plots of a solve folder (dispatch, load-duration curves, LCOE breakdown) and of a sweep folder
(ternary diagrams of LCOE and SCOP per face as the study's Figures 14–15, sensitivity lines as
Figure 16). Every figure is written as PNG and SVG into `<folder>/plots/`.

Figures are built with `matplotlib.figure.Figure` and rendered by the Agg (PNG) and SVG backends
directly; pyplot and its global state are never touched, so importing this module does not change
the caller's backend.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from dhopt.errors import DhoptError
from dhopt.results import atomic_write

FEASIBLE = ("optimal", "time_limit")
FAILED = ("error", "timeout", "time_limit", "pending")
WEEK_HOURS = 168
METRICS = {
    # column, label, colour map (green = good), best = min or max
    "lcoe": ("lcoe_eur_per_mwh", "LCOE, €/MWh heat", "RdYlGn_r", "min"),
    "scop": ("scop", "system SCOP, -", "RdYlGn", "max"),
}


def _save(fig: Figure, folder: Path, stem: str, tight: bool = True) -> list[Path]:
    """Write `stem`.png and `stem`.svg atomically; returns both paths.

    `tight=False` for ternary axes: mpltern's tight bounding box costs ~2 s a file (measured), so
    those figures are laid out by hand instead.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    bbox = "tight" if tight else None
    for fmt in ("png", "svg"):
        path = folder / f"{stem}.{fmt}"
        atomic_write(path, lambda p, fmt=fmt: fig.savefig(p, format=fmt, dpi=130, bbox_inches=bbox))
        written.append(path)
    return written


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(text)).strip("_") or "x"


def plot_folder(path: str | Path, free: str | Path | None = None, period: str | None = None) -> list[Path]:
    """Detect a sweep folder (points.csv) or a solve folder (run.json + dispatch.parquet) and write
    its plots into `path/plots/`. Returns the files written. Raises DhoptError (one line)."""
    path = Path(path)
    if (path / "points.csv").is_file():
        return plot_sweep(path, free=free)
    if (path / "run.json").is_file() and (path / "dispatch.parquet").is_file():
        return plot_solve(path, period=period)
    if not path.is_dir():
        raise DhoptError(f"{path}: no such folder")
    raise DhoptError(
        f"{path}: neither a solve result folder (run.json + dispatch.parquet) nor a sweep folder (points.csv)"
    )


# ---------------------------------------------------------------------------------------------
# A single solve


def _read_solve(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    try:
        dispatch = pd.read_parquet(path / "dispatch.parquet")
        kpis = pd.read_csv(path / "kpis.csv")
        caps = pd.read_csv(path / "capacities.csv")
    except (OSError, ValueError) as exc:
        raise DhoptError(f"{path}: cannot read the result tables: {exc}") from None
    return dispatch, kpis, caps


def _producers(dispatch: pd.DataFrame) -> list[str]:
    return [c[: -len("_delivered_mw")] for c in dispatch.columns if c.endswith("_delivered_mw")]


def _storages(dispatch: pd.DataFrame) -> list[str]:
    return [c[: -len("_level_mwh")] for c in dispatch.columns if c.endswith("_level_mwh")]


def select_period(dispatch: pd.DataFrame, period: str | None) -> pd.DataFrame:
    """Rows of `period`: 'A:B' hour numbers or dates (UTC); default the week around the peak hour."""
    n = len(dispatch)
    if period is None:
        peak = int(np.argmax(dispatch["demand_mw"].to_numpy()))
        start = min(max(peak - WEEK_HOURS // 2, 0), max(n - WEEK_HOURS, 0))
        return dispatch.iloc[start : start + WEEK_HOURS]
    if ":" not in period:
        raise DhoptError(f"--period: expected START:END, found {period!r}")
    a, b = (s.strip() for s in period.split(":", 1)) if period.count(":") == 1 else _split_dates(period)
    if re.fullmatch(r"\d+", a) and re.fullmatch(r"\d+", b):
        lo, hi = int(a), int(b)
        if not 0 <= lo < hi <= n:
            raise DhoptError(f"--period: expected 0 ≤ START < END ≤ {n} hours, found {period!r}")
        return dispatch.iloc[lo:hi]
    if "time_utc" not in dispatch:
        raise DhoptError("--period: dates need a time_utc column in the dispatch; give hour numbers")
    try:
        t = pd.to_datetime(dispatch["time_utc"], utc=True)
        lo, hi = pd.Timestamp(a, tz="UTC"), pd.Timestamp(b, tz="UTC")
    except (ValueError, TypeError):
        raise DhoptError(f"--period: cannot read {period!r} as dates") from None
    sel = dispatch[(t >= lo) & (t < hi)]
    if sel.empty:
        raise DhoptError(f"--period: no hours between {a} and {b}")
    return sel


def _split_dates(period: str) -> tuple[str, str]:
    # "2018-01-08T00:00:2018-01-15T00:00" is ambiguous; accept "A/B" for timestamps with times
    if "/" in period:
        a, b = period.split("/", 1)
        return a.strip(), b.strip()
    raise DhoptError(f"--period: use START/END for timestamps with a time of day, found {period!r}")


def _x(frame: pd.DataFrame) -> Any:
    if "time_utc" in frame:
        return pd.to_datetime(frame["time_utc"], utc=True).dt.tz_localize(None).to_numpy()
    return frame["hour"].to_numpy()


def _dispatch_figure(frame: pd.DataFrame, title: str, ylabel: str) -> Figure:
    units = [u for u in _producers(frame) if frame[f"{u}_delivered_mw"].abs().sum() > 1e-9]
    stores = _storages(frame)
    fig = Figure(figsize=(11, 5))
    ax = fig.add_subplot()
    x = _x(frame)
    layers = [frame[f"{u}_delivered_mw"].to_numpy() for u in units]
    labels = list(units)
    for s in stores:
        layers.append(frame[f"{s}_discharge_mw"].to_numpy())
        labels.append(f"{s} discharge")
    if layers:
        ax.stackplot(x, *layers, labels=labels, alpha=0.85, step=None)
    for s in stores:
        ax.fill_between(
            x, 0, -frame[f"{s}_charge_mw"].to_numpy(), alpha=0.5, label=f"{s} charge", color="grey"
        )
    ax.plot(x, frame["demand_mw"].to_numpy(), color="black", lw=1.2, label="demand")
    ax.axhline(0, color="black", lw=0.5)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    handles, names = ax.get_legend_handles_labels()
    if stores:
        ax2 = ax.twinx()
        for s in stores:
            (line,) = ax2.plot(x, frame[f"{s}_level_mwh"].to_numpy(), "--", color="tab:purple", lw=1)
            handles.append(line)
            names.append(f"{s} level (right)")
        ax2.set_ylabel("storage level, MWh")
        ax2.set_ylim(bottom=0)
    ax.legend(handles, names, loc="upper left", bbox_to_anchor=(1.08, 1), fontsize="small")
    fig.autofmt_xdate() if "time_utc" in frame else ax.set_xlabel("hour")
    return fig


def _daily_means(dispatch: pd.DataFrame) -> pd.DataFrame:
    numeric = dispatch.select_dtypes("number").drop(columns=["hour"], errors="ignore")
    day = np.arange(len(dispatch)) // 24
    out = numeric.groupby(day).mean()
    out["hour"] = out.index * 24
    if "time_utc" in dispatch:
        out["time_utc"] = dispatch["time_utc"].iloc[::24].to_numpy()[: len(out)]
    return out


def plot_solve(path: Path, period: str | None = None) -> list[Path]:
    """Dispatch of a period and of the year (daily means), load-duration curves, LCOE breakdown."""
    dispatch, kpis, _caps = _read_solve(path)
    info = json.loads((path / "run.json").read_text())
    name = info.get("scenario_name", path.name)
    out = path / "plots"
    written: list[Path] = []
    frame = select_period(dispatch, period)
    what = f"hours {frame['hour'].iloc[0]}–{frame['hour'].iloc[-1] + 1}"
    if period is None:
        what = f"the week around the peak hour ({what})"
    written += _save(
        _dispatch_figure(frame, f"{name}: hourly dispatch, {what}", "heat, MW"), out, "dispatch_period"
    )
    if len(dispatch) > 48:
        daily = _daily_means(dispatch)
        over = f"{len(dispatch)} h"
        if "typical_period" in dispatch:  # not a calendar: typical days one after the other
            over = f"{dispatch['typical_period'].nunique()} typical days (approximate)"
        fig = _dispatch_figure(daily, f"{name}: dispatch, daily means over {over}", "heat, MW (daily mean)")
        written += _save(fig, out, "dispatch_year")
    written += _save(_load_duration(dispatch, name), out, "load_duration")
    written += _save(_lcoe_breakdown(kpis, name), out, "lcoe_breakdown")
    return written


def _load_duration(dispatch: pd.DataFrame, name: str) -> Figure:
    """Load-duration curves; on typical days each hour spans the hours of the year it stands for."""
    fig = Figure(figsize=(8, 5))
    ax = fig.add_subplot()
    weight = dispatch["weight_h"].to_numpy() if "weight_h" in dispatch else np.ones(len(dispatch))

    def curve(values: np.ndarray, **style: Any) -> None:
        order = np.argsort(values)[::-1]
        x = np.concatenate([[0.0], np.cumsum(weight[order])])
        ax.step(x, np.append(values[order], values[order][-1]), where="post", **style)

    curve(dispatch["demand_mw"].to_numpy(), color="black", lw=1.5, label="demand")
    for u in _producers(dispatch):
        q = dispatch[f"{u}_delivered_mw"].to_numpy()
        if q.sum() > 1e-9:
            curve(q, lw=1.2, label=u)
    for s in _storages(dispatch):
        q = dispatch[f"{s}_discharge_mw"].to_numpy()
        if q.sum() > 1e-9:
            curve(q, lw=1, ls="--", label=f"{s} discharge")
    typical = "weight_h" in dispatch
    ax.set_xlabel("hours of the year (sorted by output)" if typical else "hours (sorted by output)")
    ax.set_ylabel("heat delivered, MW")
    ax.set_title(f"{name}: load-duration curves" + (" (typical days, approximate)" if typical else ""))
    ax.set_xlim(0, weight.sum())
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def _components(kpis: pd.DataFrame) -> list[str]:
    return [
        c
        for c in kpis.columns
        if c.startswith("lcoe_") and c.endswith("_eur_per_mwh") and c != "lcoe_eur_per_mwh"
    ]


def _lcoe_breakdown(kpis: pd.DataFrame, name: str) -> Figure:
    """Stacked bars by cost component: each unit that delivers heat, and the system (Figure 13)."""
    rows = kpis[(kpis["unit"] == "system") | (kpis["heat_mwh"].fillna(0) > 0)].copy()
    rows = pd.concat([rows[rows["unit"] != "system"], rows[rows["unit"] == "system"]])
    comps = [c for c in _components(kpis) if rows[c].fillna(0).abs().max() > 1e-9]
    fig = Figure(figsize=(9, 1.2 + 0.55 * len(rows)))
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    left = np.zeros(len(rows))
    cmap = __import__("matplotlib").colormaps["tab20"]
    for i, c in enumerate(comps):
        v = rows[c].fillna(0).to_numpy()
        label = c[len("lcoe_") : -len("_eur_per_mwh")]
        if label.startswith("electricity_"):
            label = "electricity: " + label[len("electricity_") :]
        label = label.replace("_", " ")
        ax.barh(y, v, left=left, label=label, color=cmap(i % 20))
        left += v
    for yi, total in zip(y, rows["lcoe_eur_per_mwh"].to_numpy(), strict=True):
        if np.isfinite(total):
            ax.text(left[yi] + 0.3, yi, f"{total:.2f}", va="center", fontsize="small")
    ax.set_yticks(y, [f"{u}" for u in rows["unit"]])
    ax.invert_yaxis()
    ax.set_xlabel("LCOE, € per MWh of heat delivered")
    ax.set_title(f"{name}: LCOE by cost component")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    ax.grid(axis="x", alpha=0.3)
    return fig


# ---------------------------------------------------------------------------------------------
# A sweep


def _read_sweep(path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    try:
        df = pd.read_csv(path / "points.csv")
    except (OSError, ValueError) as exc:
        raise DhoptError(f"{path / 'points.csv'}: cannot read: {exc}") from None
    meta: dict[str, Any] = {}
    if (path / "sweep.json").is_file():
        meta = json.loads((path / "sweep.json").read_text())
    return df, meta


def _variant_columns(df: pd.DataFrame, meta: dict[str, Any]) -> list[str]:
    """Columns that tell apart points with the same shares: the case and the grid paths."""
    grid = list(((meta.get("config") or {}).get("grid") or {}).keys())
    cols = (["case"] if "case" in df else []) + [g for g in grid if g in df]
    return cols


def _mix_label(row: pd.Series, sources: Sequence[str]) -> str:
    parts = [f"{100 * row[f'share_{s}']:.0f} % {s}" for s in sources if row.get(f"share_{s}", 0) > 1e-9]
    return " + ".join(parts) if parts else "base"


def plot_sweep(path: Path, free: str | Path | None = None) -> list[Path]:
    df, meta = _read_sweep(path)
    if df.empty:
        raise DhoptError(f"{path / 'points.csv'}: no points")
    sources = [c[len("share_") :] for c in df.columns if c.startswith("share_")]
    out = path / "plots"
    written: list[Path] = []
    free_caps = _free_capacities(Path(free), sources) if free else None
    variants = _variant_columns(df, meta)
    if len(sources) >= 3:
        groups = df.groupby(variants, sort=False, dropna=False) if variants else [((), df)]
        for key, sub in groups:
            key = key if isinstance(key, tuple) else (key,)
            suffix = "_".join(_slug(f"{c}-{v}") for c, v in zip(variants, key, strict=True))
            written += _ternaries(sub, sources, meta, out, suffix, free_caps)
    if variants:
        written += _sensitivity(df, sources, variants, meta, out)
    elif 1 <= len(sources) <= 2:
        written += _share_lines(df, sources, out)
    return written


def _free_capacities(folder: Path, sources: Sequence[str]) -> dict[str, Any]:
    try:
        caps = pd.read_csv(folder / "capacities.csv").set_index("unit")
        kpis = pd.read_csv(folder / "kpis.csv").set_index("unit")
    except (OSError, ValueError) as exc:
        raise DhoptError(f"--free {folder}: not a solve result folder ({exc})") from None
    mw = {s: float(caps.loc[s, "capacity_mw"]) if s in caps.index else 0.0 for s in sources}
    return {
        "mw": mw,
        "lcoe": float(kpis.loc["system", "lcoe_eur_per_mwh"]),
        "scop": float(kpis.loc["system", "scop"]),
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
    out: Path,
    suffix: str,
    free_caps: dict[str, Any] | None,
) -> list[Path]:
    import mpltern  # noqa: F401  (registers the 'ternary' projection)

    written: list[Path] = []
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
            fig = _ternary_figure(sub, order, sources, col, label, cmap, best, norm, total, limits, free_caps)
            stem = f"ternary_{metric}_{_slug(face)}" + (f"_{suffix}" if suffix else "")
            written += _save(fig, out, stem, tight=False)
    return written


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
) -> Figure:
    fig = Figure(figsize=(8.4, 6.6))
    fig.subplots_adjust(left=0.14, right=0.80, bottom=0.1, top=0.82)
    ax = fig.add_subplot(projection="ternary", ternary_sum=100.0)
    t, lft, r = (100 * sub[f"share_{s}"].to_numpy() for s in order)
    ok = (sub["status"].isin(FEASIBLE) & sub[col].notna()).to_numpy()
    infeasible = (sub["status"] == "infeasible").to_numpy()
    failed = ~ok & ~infeasible
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
    for mask, marker, color, label in (
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
                label=label,
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
    if free_caps is not None:
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
                label=f"free optimum ({value:.2f}; {on_face:.1f} MW heat pumps)",
            )
    ax.set_tlabel(f"{order[0]} %")
    ax.set_llabel(f"{order[1]} %")
    ax.set_rlabel(f"{order[2]} %")
    ax.grid(alpha=0.3)
    others = [s for s in sources if s not in order]
    title = f"{label}\n{' – '.join(order)}" + (f" ({', '.join(others)} = 0)" if others else "")
    if total:
        title += f"; 100 % = {total:.1f} MW"
    ax.set_title(title, fontsize="medium", pad=28)
    cax = ax.inset_axes([1.08, 0.1, 0.04, 0.8], transform=ax.transAxes)
    fig.colorbar(mappable, cax=cax, label=label)
    handles, _ = ax.get_legend_handles_labels()
    if handles:
        ax.legend(loc="upper left", bbox_to_anchor=(-0.16, 1.2), fontsize="x-small", frameon=False)
    return fig


def _sensitivity(
    df: pd.DataFrame, sources: Sequence[str], variants: list[str], meta: dict[str, Any], out: Path
) -> list[Path]:
    """LCOE (and SCOP) per case / grid value, one line per capacity split (the study's Figure 16)."""
    x_col = variants[0]
    rest = variants[1:]
    written: list[Path] = []
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
        ax.set_title(f"{meta.get('name', 'sweep')}: {label.split(',')[0]} per {x_col}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
        written += _save(fig, out, f"sensitivity_{metric}")
    return written


def _share_lines(df: pd.DataFrame, sources: Sequence[str], out: Path) -> list[Path]:
    """One or two sources: the metric over the first source's share."""
    s = sources[0]
    written: list[Path] = []
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
        ax.grid(alpha=0.3)
        written += _save(fig, out, f"shares_{metric}")
    return written
