"""Checks on hourly time stamps, shared by the scenario's data files and the demand fit."""

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
