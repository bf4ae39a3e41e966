"""The report's figures, drawn from a result folder's dispatch table and embedded as PNG data URIs.

The dispatch of the peak week and of the year, the load-duration curves and the LCOE breakdown are
dhopt.plots_solve's own figures; this module adds carpet plots (day × hour), the storage level in
time order, the monthly heat per unit and the electricity drawn. Every number drawn is a column of
the dispatch table (or a sum of it over the hours of a month, each hour counted with its weight).
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from dhopt import columns as col
from dhopt.plots_common import NamedFigure
from dhopt.plots_solve import solve_figures

DPI = 110


def data_uri(fig: Figure) -> str:
    """The figure as a base64 PNG data URI (the report fetches nothing)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def standard_figures(path: Path) -> dict[str, Figure]:
    """dhopt plot's figures of the folder: dispatch_period, dispatch_year (over 48 h),
    load_duration, lcoe_breakdown."""
    named: list[NamedFigure] = solve_figures(path)
    return {stem: fig for stem, fig, _tight in named}


def _x(dispatch: pd.DataFrame) -> np.ndarray:
    if col.TIME in dispatch:
        return pd.to_datetime(dispatch[col.TIME], utc=True).dt.tz_localize(None).to_numpy()
    return dispatch[col.HOUR].to_numpy()


def weights(dispatch: pd.DataFrame) -> np.ndarray:
    """Hours each row stands for in the dispatch table itself: its weight column, else 1 h."""
    return dispatch[col.WEIGHT].to_numpy(dtype=float) if col.WEIGHT in dispatch else np.ones(len(dispatch))


def day_hour(dispatch: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, str]:
    """Each row's day (0, 1, …) and hour of the day, and what a day is: a calendar day (UTC),
    a typical day, or 24 model hours when the table has no time stamps."""
    if col.TYPICAL_PERIOD in dispatch:
        day = dispatch[col.TYPICAL_PERIOD].to_numpy()
        return day, np.arange(len(dispatch)) % 24, "typical day (not consecutive)"
    if col.TIME in dispatch:
        t = pd.to_datetime(dispatch[col.TIME], utc=True)
        days = t.dt.floor("D")
        return ((days - days.iloc[0]).dt.days).to_numpy(), t.dt.hour.to_numpy(), "day (UTC)"
    hour = dispatch[col.HOUR].to_numpy()
    return hour // 24, hour % 24, "day (24 model hours)"


def carpet(
    dispatch: pd.DataFrame, column: str, title: str, label: str, cmap: str = "viridis", from_zero: bool = True
) -> Figure:
    """Day × hour of one column: each cell one hour's value (blank where the table has no hour);
    `from_zero`: the colour scale starts at 0 (an output), else at the column's minimum (a price)."""
    day, hour, what = day_hour(dispatch)
    grid = np.full((int(day.max()) + 1, 24), np.nan)
    grid[day, hour] = dispatch[column].to_numpy(dtype=float)
    fig = Figure(figsize=(9, 2.4 + min(grid.shape[0], 366) / 250))
    ax = fig.add_subplot()
    image = ax.imshow(
        grid.T,
        aspect="auto",
        origin="lower",
        cmap=cmap,
        interpolation="nearest",
        extent=(0.5, grid.shape[0] + 0.5, -0.5, 23.5),  # days numbered from 1, as in the dispatch plots
        vmin=0.0 if from_zero else None,
        vmax=max(float(np.nanmax(grid)), 1e-9) if from_zero else None,
    )
    fig.colorbar(image, ax=ax, label=label, pad=0.01)
    if grid.shape[0] <= 14:
        ax.set_xticks(range(1, grid.shape[0] + 1))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(what)
    ax.set_ylabel("hour of the day")
    ax.set_yticks([0, 6, 12, 18, 23])
    ax.set_title(title)
    return fig


def storage_level(dispatch: pd.DataFrame, title: str) -> Figure:
    fig = Figure(figsize=(10, 3.5))
    ax = fig.add_subplot()
    x = _x(dispatch)
    for s in col.storages(dispatch.columns):
        ax.plot(x, dispatch[col.level(s)].to_numpy(), lw=1, label=s)
    ax.set_ylabel("storage level, MWh")
    ax.set_xlabel("typical days in model order" if col.TYPICAL_PERIOD in dispatch else "time")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    ax.set_title(title)
    if col.TIME in dispatch:
        fig.autofmt_xdate()
    return fig


def monthly_heat(dispatch: pd.DataFrame) -> pd.DataFrame | None:
    """Heat delivered per unit (storage: discharged and charged) per calendar month, MWh over the
    dispatch's hours, each counted with its weight; None without time stamps (typical days)."""
    if col.TIME not in dispatch:
        return None
    month = pd.to_datetime(dispatch[col.TIME], utc=True).dt.strftime("%Y-%m").to_numpy()
    w = weights(dispatch)
    table: dict[str, pd.Series] = {}
    for u in col.producers(dispatch.columns):
        table[u] = pd.Series(w * dispatch[col.delivered(u)].to_numpy()).groupby(month).sum()
    for s in col.storages(dispatch.columns):
        table[f"{s} discharge"] = pd.Series(w * dispatch[col.discharge(s)].to_numpy()).groupby(month).sum()
        table[f"{s} charge"] = -pd.Series(w * dispatch[col.charge(s)].to_numpy()).groupby(month).sum()
    table["heat demand"] = pd.Series(w * dispatch[col.DEMAND].to_numpy()).groupby(month).sum()
    out = pd.DataFrame(table)
    out.index.name = "month"
    return out


def monthly_figure(table: pd.DataFrame, title: str) -> Figure:
    fig = Figure(figsize=(10, 4))
    ax = fig.add_subplot()
    x = np.arange(len(table))
    above, below = np.zeros(len(table)), np.zeros(len(table))
    for name in table.columns.drop("heat demand"):
        v = table[name].to_numpy(dtype=float)
        if np.abs(v).sum() <= 1e-9:
            continue
        base = np.where(v >= 0, above, below)
        ax.bar(x, v, bottom=base, label=name, width=0.7)
        above, below = above + np.clip(v, 0, None), below + np.clip(v, None, 0)
    ax.hlines(table["heat demand"].to_numpy(), x - 0.4, x + 0.4, color="black", lw=2, label="heat demand")
    ax.set_xticks(x, list(table.index), rotation=45 if len(table) > 6 else 0)
    ax.axhline(0, color="black", lw=0.5)
    ax.set_ylabel("heat, MWh in the month's hours")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    ax.set_title(title)
    return fig


def electricity_draw(dispatch: pd.DataFrame, title: str) -> Figure:
    """Electricity the units use, hour by hour, stacked per unit, with the peak hour marked."""
    fig = Figure(figsize=(10, 3.8))
    ax = fig.add_subplot()
    x = _x(dispatch)
    users = [
        u
        for u in col.producers(dispatch.columns)
        if col.electricity(u) in dispatch and dispatch[col.electricity(u)].abs().sum() > 1e-9
    ]
    if users:
        ax.stackplot(x, *[dispatch[col.electricity(u)].to_numpy() for u in users], labels=users, alpha=0.85)
    total = dispatch[col.ELECTRICITY].to_numpy()
    peak = int(np.argmax(total))
    ax.plot(x, total, color="black", lw=0.8, label="all units")
    ax.plot([x[peak]], [total[peak]], "rv", ms=9, label=f"peak {total[peak]:.2f} MW")
    ax.set_ylabel("electricity used, MW")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    ax.set_title(title)
    if col.TIME in dispatch:
        fig.autofmt_xdate()
    return fig
