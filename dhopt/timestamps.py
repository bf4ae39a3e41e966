"""Checks on hourly time stamps, shared by the scenario's data files and the demand fit; hours in messages."""

from __future__ import annotations

import numpy as np
import pandas as pd


def first_irregular_step(stamps: pd.DatetimeIndex) -> tuple[int, float] | None:
    """(row after the first step that is not exactly one hour, that step in hours), or None."""
    steps = np.diff(stamps.as_unit("s").asi8) / 3600.0
    bad = np.flatnonzero(steps != 1.0)
    if not bad.size:
        return None
    return int(bad[0]) + 1, float(steps[bad[0]])


def describe_hours(mask: np.ndarray, first: int = 3) -> str:
    """'N hours (hours a, b, c, …, counted from 0)' for the True hours of `mask`, counted from 0."""
    hours = np.flatnonzero(mask)
    listed = ", ".join(str(int(h)) for h in hours[:first])
    more = ", …" if hours.size > first else ""
    plural = "s" if hours.size != 1 else ""
    return f"{hours.size} hour{plural} (hour{plural} {listed}{more}, counted from 0)"
