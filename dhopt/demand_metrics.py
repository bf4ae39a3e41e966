"""Goodness of fit of a demand model (ASHRAE Guideline 14 metrics: CV(RMSE), NMBE, R²) and reading
the hourly CSV files the demand commands take."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dhopt.data_files import CsvTable, read_csv_table
from dhopt.demand_calendar import DAY_TYPES, as_utc, calendar_of, check_hourly, finite_values
from dhopt.demand_fit import DemandModel
from dhopt.errors import ScenarioError

# --------------------------------------------------------------------------------------------- metrics


@dataclass(frozen=True)
class Metrics:
    """ASHRAE Guideline 14 goodness of fit, in %, for n values and a p-parameter model."""

    cv_rmse_pct: float
    nmbe_pct: float
    n: int
    p: int


def gof(measured: Sequence[float] | np.ndarray, predicted: Sequence[float] | np.ndarray, p: int) -> Metrics:
    """CV(RMSE) and NMBE as defined in ASHRAE Guideline 14 (with the n − p degrees of freedom):

        CV(RMSE) = 100 · sqrt( Σ (y_i − ŷ_i)² / (n − p) ) / ȳ
        NMBE     = 100 · Σ (y_i − ŷ_i) / ((n − p) · ȳ)

    y_i measured, ŷ_i predicted, ȳ the mean of the measured values, n the number of values, p the number of
    model parameters. NMBE > 0 means the model predicts too little.
    """
    y = np.asarray(measured, dtype=float)
    yhat = np.asarray(predicted, dtype=float)
    n = len(y)
    if n != len(yhat) or n - p <= 0:
        raise ValueError(f"need as many predictions as measurements and n > p (n={n}, p={p})")
    ybar = y.mean()
    resid = y - yhat
    return Metrics(
        cv_rmse_pct=float(100.0 * np.sqrt(np.sum(resid**2) / (n - p)) / ybar),
        nmbe_pct=float(100.0 * np.sum(resid) / ((n - p) * ybar)),
        n=n,
        p=p,
    )


def daily_parameter_count(model: DemandModel) -> int:
    """Parameters that shape the daily means: A_k, B_k, Tc_k per day type (+ the memory if it was fitted)."""
    return 3 * len(DAY_TYPES) + max(model.n_parameters - len(DAY_TYPES) * 49, 0)


def evaluate(
    model: DemandModel,
    time: Any,
    temperature: Any,
    demand: Any,
    mask: np.ndarray | None = None,
) -> dict[str, Metrics]:
    """Metrics of `model` on the rows in `mask` (default all) whose demand is present.

    The whole series is predicted first, so the memory sees the days before the evaluated period.
    hourly: each hour, p = model.n_parameters. daily: energy of complete local days (every hour of the
    day in `mask` with demand), p = `daily_parameter_count`. monthly: energy of complete calendar months,
    p = 1 (with 12 test months a p of 5–7 would dominate the result).
    """
    stamps = as_utc(time, "time")
    q = finite_values(demand, "demand", allow_nan=True)
    predicted = model.predict(stamps, temperature)
    rows = np.isfinite(q) if mask is None else (np.asarray(mask, dtype=bool) & np.isfinite(q))
    if rows.sum() <= model.n_parameters:
        raise ScenarioError(f"evaluate: only {int(rows.sum())} hours with demand in the period")
    cal = calendar_of(stamps, model.timezone, model.holidays)
    out = {"hourly": gof(q[rows], predicted[rows], model.n_parameters)}

    ndays = len(cal.days)
    have = np.bincount(cal.day_of_row[rows], minlength=ndays)
    complete = have == cal.hours_in_day
    q_day = np.bincount(cal.day_of_row[rows], weights=q[rows], minlength=ndays)
    p_day = np.bincount(cal.day_of_row[rows], weights=predicted[rows], minlength=ndays)
    if complete.sum() > daily_parameter_count(model):
        out["daily"] = gof(q_day[complete], p_day[complete], daily_parameter_count(model))

    months = cal.days.to_period("M")
    frame = pd.DataFrame({"month": months, "complete": complete, "q": q_day, "p": p_day})
    by_month = frame.groupby("month").agg(days=("complete", "sum"), q=("q", "sum"), p=("p", "sum"))
    full = by_month[by_month["days"] == by_month.index.days_in_month]
    if len(full) >= 2:
        out["monthly"] = gof(full["q"].to_numpy(), full["p"].to_numpy(), 1)
    return out


# --------------------------------------------------------------------------------------------- CSV input


def read_hourly_csv(
    path: Path | str, time_column: str, value_columns: Sequence[str], allow_empty: Sequence[str] = ()
) -> tuple[pd.DatetimeIndex, dict[str, np.ndarray], pd.Series]:
    """Read and check a CSV: the time column must step by one hour; values must be numbers.

    Empty cells are allowed only in `allow_empty` columns (they become NaN). Returns the UTC stamps, the
    columns as float arrays and the raw time column (to write back unchanged).
    """
    path = Path(path)
    if not path.exists():
        raise ScenarioError(f"{path}: file not found")
    data = read_csv_table(path)
    table = data.frame
    for col in (time_column, *value_columns):
        if col not in table.columns:
            raise ScenarioError(f"{path}: no column '{col}' ({data.column_missing(col)})")
    stamps = data.stamps(time_column)
    check_hourly(stamps, f"{path}: column '{time_column}'")  # at least a day; steps already checked
    values: dict[str, np.ndarray] = {}
    for col in value_columns:
        empty = (table[col].str.strip() == "").to_numpy()
        if col in allow_empty and empty.any():
            # Empty cells become NaN; the others must still be numbers.
            filled = CsvTable(path, table.loc[~empty, [col]], data.lines[~empty])
            values[col] = np.full(len(table), np.nan)
            values[col][~empty] = filled.numbers(col)
        else:
            values[col] = data.numbers(col)
    return stamps, values, table[time_column]
