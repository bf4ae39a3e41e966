"""Plots of one solve folder: the dispatch of a period and of the whole horizon (daily means),
load-duration curves and the LCOE breakdown (dhopt.plots_lcoe).

Every title says what the result stands on when it is not a full year of consecutive hours (the
first N hours scaled to a year, or typical days); typical days are drawn day by day, never as if
they followed each other in time.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from dhopt import columns as col
from dhopt.errors import DhoptError
from dhopt.plots_common import NamedFigure, horizon_note, with_note
from dhopt.plots_lcoe import lcoe_breakdown

WEEK_HOURS = 168
DUMP_COLUMNS = (col.HEAT_DUMPED,)  # surplus heat rejected (allow_heat_dump)
TYPICAL_COLUMN = "typical_period"
NOT_CONSECUTIVE = "typical days (approximate), not consecutive hours"


def read_solve(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    try:
        dispatch = pd.read_parquet(path / "dispatch.parquet")
        kpis = pd.read_csv(path / "kpis.csv")
        info = json.loads((path / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DhoptError(f"{path}: cannot read the result tables: {exc}") from None
    if not isinstance(info, dict):
        raise DhoptError(f"{path / 'run.json'}: expected a JSON object")
    return dispatch, kpis, info


def _producers(dispatch: pd.DataFrame) -> list[str]:
    return col.producers(dispatch.columns)


def _storages(dispatch: pd.DataFrame) -> list[str]:
    return col.storages(dispatch.columns)


def _dump_column(dispatch: pd.DataFrame) -> str | None:
    return next((c for c in DUMP_COLUMNS if c in dispatch), None)


def select_period(dispatch: pd.DataFrame, period: str | None) -> pd.DataFrame:
    """Rows of `period`: 'A:B' hour numbers or dates (UTC); default the week around the peak hour."""
    n = len(dispatch)
    if period is None:
        peak = int(np.argmax(dispatch[col.DEMAND].to_numpy()))
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


def _typical_axis(ax: Axes, frame: pd.DataFrame, per_day: int) -> None:
    """Typical days side by side: a separator and the day's number at each start, hours within."""
    period = frame[TYPICAL_COLUMN].to_numpy()
    x = frame["hour"].to_numpy()
    starts = np.flatnonzero(np.r_[True, period[1:] != period[:-1]])
    for i in starts[1:] if per_day > 1 else []:
        ax.axvline(x[i] - 0.5, color="0.4", lw=0.8, ls=":")
    ax.set_xticks(x[starts], [f"day {int(period[i]) + 1}" for i in starts])
    ax.set_xlabel("typical day (hours 0–23 within each)" if per_day > 1 else "typical day (daily mean)")


def _dispatch_figure(frame: pd.DataFrame, title: str, ylabel: str, per_day: int = 24) -> Figure:
    """Sources stacked above 0 (units, storage discharge), heat going elsewhere than the demand
    below 0 (storage charge, dumped heat), the demand as a line; a cooling demand a heat pump must
    meet as a dashed line, in MW of cold."""
    units = [u for u in _producers(frame) if frame[col.delivered(u)].abs().sum() > 1e-9]
    stores = _storages(frame)
    fig = Figure(figsize=(11, 5))
    ax = fig.add_subplot()
    x = _x(frame)
    # one typical day's mean per row: a flat block each, not a line from one day to the next
    step = "mid" if TYPICAL_COLUMN in frame and per_day == 1 else None
    drawstyle = "steps-mid" if step else "default"
    layers = [frame[col.delivered(u)].to_numpy() for u in units]
    labels = list(units)
    for s in stores:
        layers.append(frame[col.discharge(s)].to_numpy())
        labels.append(f"{s} discharge")
    if layers:
        ax.stackplot(x, *layers, labels=labels, alpha=0.85, step=step)
    below = np.zeros(len(frame))
    sinks = [(frame[col.charge(s)].to_numpy(), f"{s} charge", "grey", None) for s in stores]
    dump = _dump_column(frame)
    if dump is not None and frame[dump].abs().sum() > 1e-9:
        sinks.append((frame[dump].to_numpy(), "heat dumped (not delivered)", "tab:red", "xx"))
    for values, label, color, hatch in sinks:
        ax.fill_between(
            x, -below, -(below + values), alpha=0.5, label=label, color=color, hatch=hatch, lw=0, step=step
        )
        below = below + values
    ax.plot(x, frame[col.DEMAND].to_numpy(), color="black", lw=1.2, label="heat demand", drawstyle=drawstyle)
    if col.COOLING_DEMAND in frame and frame[col.COOLING_DEMAND].abs().sum() > 1e-9:
        ax.plot(
            x,
            frame[col.COOLING_DEMAND].to_numpy(),
            color="tab:blue",
            lw=1.2,
            ls="--",
            drawstyle=drawstyle,
            label="cooling demand, MW cold (heat pumps must run)",
        )
    ax.axhline(0, color="black", lw=0.5)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    handles, names = ax.get_legend_handles_labels()
    if stores:
        ax2 = ax.twinx()
        for s in stores:
            level = frame[col.level(s)].to_numpy()
            (line,) = ax2.plot(x, level, "--", color="tab:purple", lw=1, drawstyle=drawstyle)
            handles.append(line)
            names.append(f"{s} level (right)")
        ax2.set_ylabel("storage level, MWh")
        ax2.set_ylim(bottom=0)
    ax.legend(handles, names, loc="upper left", bbox_to_anchor=(1.08, 1), fontsize="small")
    if TYPICAL_COLUMN in frame:
        _typical_axis(ax, frame, per_day)
    elif "time_utc" in frame:
        fig.autofmt_xdate()
    else:
        ax.set_xlabel("hour")
    return fig


def _daily_means(dispatch: pd.DataFrame) -> pd.DataFrame:
    numeric = dispatch.select_dtypes("number").drop(columns=["hour"], errors="ignore")
    day = np.arange(len(dispatch)) // 24
    out = numeric.groupby(day).mean()
    out["hour"] = out.index * 24
    if "time_utc" in dispatch:
        out["time_utc"] = dispatch["time_utc"].iloc[::24].to_numpy()[: len(out)]
    if TYPICAL_COLUMN in dispatch:  # one row per typical day: its number, not a mean of numbers
        out[TYPICAL_COLUMN] = dispatch[TYPICAL_COLUMN].iloc[::24].to_numpy()[: len(out)]
    return out


def solve_figures(path: Path, period: str | None = None) -> list[NamedFigure]:
    """Dispatch of a period and of the horizon (daily means), load-duration curves, LCOE breakdown."""
    dispatch, kpis, info = read_solve(path)
    name = info.get("scenario_name", path.name)
    note = horizon_note(info.get("hours"), info.get("aggregation"))
    typical = TYPICAL_COLUMN in dispatch
    figures: list[NamedFigure] = []
    frame = select_period(dispatch, period)
    if typical:
        days = frame[TYPICAL_COLUMN].nunique()
        what = f"dispatch of {days} {NOT_CONSECUTIVE}"
    else:
        what = f"hours {frame['hour'].iloc[0]}–{frame['hour'].iloc[-1] + 1}"
        if period is None:
            around = "all of it" if len(frame) == len(dispatch) else "the week around the peak hour"
            what = f"hourly dispatch, {around} ({what})"
        else:
            what = f"hourly dispatch, {what}"
    fig = _dispatch_figure(frame, with_note(f"{name}: {what}", note), "heat, MW")
    figures.append(("dispatch_period", fig, True))
    if len(dispatch) > 48:
        daily = _daily_means(dispatch)
        over = f"{len(dispatch)} h"
        if typical:
            over = f"{dispatch[TYPICAL_COLUMN].nunique()} {NOT_CONSECUTIVE}"
        title = with_note(f"{name}: dispatch, daily means over {over}", note)
        figures.append(("dispatch_year", _dispatch_figure(daily, title, "heat, MW (daily mean)", 1), True))
    figures.append(("load_duration", _load_duration(dispatch, name, note), True))
    figures.append(
        ("lcoe_breakdown", lcoe_breakdown(kpis, with_note(f"{name}: LCOE by cost component", note)), True)
    )
    return figures


def _load_duration(dispatch: pd.DataFrame, name: str, note: str) -> Figure:
    """Load-duration curves; on typical days each hour spans the hours of the year it stands for."""
    fig = Figure(figsize=(8, 5))
    ax = fig.add_subplot()
    weight = dispatch["weight_h"].to_numpy() if "weight_h" in dispatch else np.ones(len(dispatch))

    def curve(values: np.ndarray, **style: Any) -> None:
        order = np.argsort(values)[::-1]
        x = np.concatenate([[0.0], np.cumsum(weight[order])])
        ax.step(x, np.append(values[order], values[order][-1]), where="post", **style)

    curve(dispatch[col.DEMAND].to_numpy(), color="black", lw=1.5, label="heat demand")
    for u in _producers(dispatch):
        q = dispatch[col.delivered(u)].to_numpy()
        if q.sum() > 1e-9:
            curve(q, lw=1.2, label=u)
    for s in _storages(dispatch):
        q = dispatch[col.discharge(s)].to_numpy()
        if q.sum() > 1e-9:
            curve(q, lw=1, ls="--", label=f"{s} discharge")
    dump = _dump_column(dispatch)
    if dump is not None and dispatch[dump].sum() > 1e-9:
        curve(dispatch[dump].to_numpy(), lw=1, ls=":", color="tab:red", label="heat dumped")
    typical = "weight_h" in dispatch
    ax.set_xlabel("hours of the year (sorted by output)" if typical else "hours (sorted by output)")
    ax.set_ylabel("heat delivered, MW")
    ax.set_title(with_note(f"{name}: load-duration curves", note))
    ax.set_xlim(0, weight.sum())
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig
