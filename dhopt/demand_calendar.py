"""The time base of the demand model (dhopt.demand_fit): local calendar days, day types with public
holidays, daily mean and effective (inertia-weighted) temperatures, and checks of hourly stamps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from dhopt.errors import ScenarioError
from dhopt.timestamps import first_irregular_step

DAY_TYPES: tuple[str, ...] = ("weekday", "weekend_holiday")
HOLIDAY_CALENDARS: tuple[str, ...] = ("none", "DE-SH", "DK")


# --------------------------------------------------------------------------------------------- calendar


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def holidays(calendar: str, year: int) -> set[date]:
    """Public holidays of one year, plus 24 and 31 December (most people are off; demand looks like a Sunday).

    "DE-SH": Schleswig-Holstein, Germany (Flensburg). "DK": Denmark (Store bededag until 2023,
    Grundlovsdag 5 June). "none": no holidays, only weekends count as weekend_holiday.
    """
    if calendar == "none":
        return set()
    e = easter_sunday(year)
    fixed = {date(year, 1, 1), date(year, 12, 24), date(year, 12, 25), date(year, 12, 26), date(year, 12, 31)}
    if calendar == "DE-SH":
        days = fixed | {date(year, 5, 1), date(year, 10, 3)}
        days |= {e + timedelta(days=n) for n in (-2, 1, 39, 50)}  # Good Friday … Whit Monday
        if year == 2017 or year >= 2018:  # Reformation Day: nationwide 2017, SH since 2018
            days.add(date(year, 10, 31))
        return days
    if calendar == "DK":
        days = fixed | {date(year, 6, 5)}
        days |= {e + timedelta(days=n) for n in (-3, -2, 1, 39, 50)}  # Maundy Thursday … Whit Monday
        if year <= 2023:
            days.add(e + timedelta(days=26))  # Store bededag, abolished from 2024
        return days
    raise ScenarioError(
        f"holidays: unknown calendar '{calendar}' (expected one of {', '.join(HOLIDAY_CALENDARS)})"
    )


# --------------------------------------------------------------------------------------------- time base


@dataclass(frozen=True)
class Calendar:
    """Local days of an hourly series: which day each row is in, its local hour, and each day's type."""

    day_of_row: np.ndarray  # index into `days` per row
    hour: np.ndarray  # local clock hour 0..23 per row
    days: pd.DatetimeIndex  # unique local dates (naive), ascending
    day_type: np.ndarray  # index into DAY_TYPES per day
    hours_in_day: np.ndarray  # 23/24/25 at clock changes


def as_utc(time: Any, where: str) -> pd.DatetimeIndex:
    """Time stamps as a UTC index; naive stamps are taken as UTC (the repository's `time_utc` convention)."""
    if isinstance(time, pd.DatetimeIndex):
        return time.tz_localize("UTC") if time.tz is None else time.tz_convert("UTC")
    try:
        stamps = pd.DatetimeIndex(pd.to_datetime(pd.Series(np.asarray(time)), utc=True, errors="coerce"))
    except (TypeError, ValueError) as exc:
        raise ScenarioError(f"{where}: expected time stamps ({exc})") from None
    if stamps.isna().any():
        row = int(np.argmax(stamps.isna()))
        raise ScenarioError(
            f"{where}: expected a time stamp, found {np.asarray(time)[row]!r} in data row {row + 1}"
        )
    return stamps


def check_hourly(stamps: pd.DatetimeIndex, where: str) -> None:
    """Raise unless the stamps step by exactly one hour (the daily means and the memory need whole days)."""
    if len(stamps) < 24:
        raise ScenarioError(f"{where}: expected at least 24 hourly time stamps, found {len(stamps)}")
    irregular = first_irregular_step(stamps)
    if irregular is not None:
        i, step = irregular
        raise ScenarioError(
            f"{where}: expected hourly time stamps without gaps, found a step of {step:g} h "
            f"before {stamps[i].isoformat()} (data row {i + 1})"
        )


def check_timezone(timezone: str) -> None:
    """Raise a ScenarioError for a time zone name that pandas does not know."""
    try:
        pd.Timestamp("2000-01-01", tz=timezone)
    except Exception:  # pytz/zoneinfo/dateutil raise different types for an unknown zone
        raise ScenarioError(f"timezone: unknown time zone {timezone!r} (e.g. UTC, Europe/Berlin)") from None


def calendar_of(stamps: pd.DatetimeIndex, timezone: str, holiday_calendar: str) -> Calendar:
    check_timezone(timezone)
    local = stamps.tz_convert(timezone)
    local_day = local.tz_localize(None).normalize()
    days, day_of_row = np.unique(local_day, return_inverse=True)
    days = pd.DatetimeIndex(days)
    start = days.tz_localize(timezone, nonexistent="shift_forward", ambiguous=True)
    end = (days + pd.Timedelta(days=1)).tz_localize(timezone, nonexistent="shift_forward", ambiguous=True)
    hours_in_day = np.round((end - start).total_seconds().to_numpy() / 3600).astype(int)
    off: set[date] = set()
    for year in range(days[0].year, days[-1].year + 1):
        off |= holidays(holiday_calendar, year)
    weekend = (days.day_of_week >= 5) | np.isin(days.date, list(off))
    return Calendar(
        day_of_row=day_of_row.astype(int),
        hour=local.hour.to_numpy().astype(int),
        days=days,
        day_type=np.where(weekend, 1, 0).astype(int),
        hours_in_day=hours_in_day,
    )


def daily_mean(cal: Calendar, temperature: np.ndarray) -> np.ndarray:
    count = np.bincount(cal.day_of_row, minlength=len(cal.days))
    return np.bincount(cal.day_of_row, weights=temperature, minlength=len(cal.days)) / count


def effective_temperature(daily_mean: np.ndarray, memory: float) -> np.ndarray:
    """Exponentially weighted daily mean: Te_d = (1 − m)·T̄_d + m·Te_{d−1}, Te_0 = T̄_0."""
    if memory == 0.0:
        return daily_mean.copy()
    out = np.empty_like(daily_mean)
    out[0] = daily_mean[0]
    for d in range(1, len(daily_mean)):
        out[d] = (1.0 - memory) * daily_mean[d] + memory * out[d - 1]
    return out


def finite_values(values: Any, where: str, allow_nan: bool = False) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ScenarioError(f"{where}: expected numbers ({exc})") from None
    bad = np.flatnonzero(np.isinf(arr) if allow_nan else ~np.isfinite(arr))
    if bad.size:
        raise ScenarioError(
            f"{where}: expected a finite number in every row, found {arr[bad[0]]} in data row {bad[0] + 1}"
        )
    return arr
