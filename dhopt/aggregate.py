"""Optional screening stage between inputs and model: typical periods instead of every hour.

`aggregate_inputs` clusters the days of the prepared inputs with tsam (hierarchical clustering,
medoid days, column means kept) into a few typical days, appends the day with the peak heat
demand as a day of its own (capacities are sized by the peak hour) and returns new inputs whose
hours are the typical days' hours, each weighted by the number of days it stands for. Storage
is linked across the year through the sequence of typical days (see units/storage.py).

It is an approximation and never used silently: only `dhopt solve --typical-days N` (or the
Python argument) turns it on, the console says so, and run.json, kpis.csv and the dispatch
table carry it. `dhopt solve --typical-days N --check-exact` also solves the full year and
writes the difference. docs/performance.md shows how far it is off on the reference case.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from dhopt.errors import ScenarioError
from dhopt.inputs import HOURS_PER_YEAR, SystemInputs, TypicalPeriods

log = logging.getLogger(__name__)

PERIOD_HOURS = 24


def _map_hourly(obj: Any, hours: int, fn: Callable[[str, np.ndarray], np.ndarray], path: str) -> Any:
    """A copy of dataclass `obj` with every hourly array (also inside dicts and lists of
    dataclasses) replaced by fn(path, array)."""
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        where = f"{path}.{f.name}" if path else f.name
        if isinstance(value, np.ndarray) and value.shape == (hours,):
            changes[f.name] = fn(where, value)
        elif isinstance(value, dict) and value and all(dataclasses.is_dataclass(v) for v in value.values()):
            changes[f.name] = {k: _map_hourly(v, hours, fn, f"{where}.{k}") for k, v in value.items()}
        elif isinstance(value, dict) and any(
            isinstance(v, np.ndarray) and v.shape == (hours,) for v in value.values()
        ):
            changes[f.name] = {
                k: fn(f"{where}.{k}", v) if isinstance(v, np.ndarray) and v.shape == (hours,) else v
                for k, v in value.items()
            }
        elif isinstance(value, list) and value and dataclasses.is_dataclass(value[0]):
            changes[f.name] = [_map_hourly(v, hours, fn, f"{where}.{i}") for i, v in enumerate(value)]
    return dataclasses.replace(obj, **changes)


def whole_days(inputs: SystemInputs) -> SystemInputs:
    """The inputs cut to their whole days (a screening's start needs no odd hours at the end)."""
    hours = inputs.hours - inputs.hours % PERIOD_HOURS
    if hours == inputs.hours:
        return inputs
    cut = _map_hourly(inputs, inputs.hours, lambda _, a: a[:hours], "")
    return dataclasses.replace(cut, hours=hours, year_scale=inputs.year_scale * inputs.hours / hours)


def aggregate_inputs(inputs: SystemInputs, typical_days: int) -> SystemInputs:
    """Inputs on `typical_days` typical days plus the peak-demand day (see the module docstring)."""
    hours = inputs.hours
    prefix = f"{inputs.scenario_path}: " if inputs.scenario_path is not None else ""
    if inputs.periods is not None:
        raise ScenarioError(f"{prefix}the inputs are already aggregated")
    if hours % PERIOD_HOURS:
        raise ScenarioError(
            f"{prefix}--typical-days: typical days need a horizon of whole days; it has {hours} hours"
        )
    days = hours // PERIOD_HOURS
    if days < 2:
        raise ScenarioError(
            f"{prefix}--typical-days: the horizon is {days} day; typical days need at least 2 "
            "(solve every hour without --typical-days)"
        )
    if not 1 <= typical_days < days:
        raise ScenarioError(
            f"{prefix}--typical-days: expected 1 to {days - 1} (fewer typical days than the horizon's "
            f"{days} days; for all of them solve every hour without --typical-days), found {typical_days}"
        )

    # Every hourly series that varies goes into the clustering; constant ones are just repeated.
    columns: dict[str, np.ndarray] = {}

    def collect(path: str, x: np.ndarray) -> np.ndarray:
        if np.all(x == x[0]):
            return x
        if not np.all(np.isfinite(x)):
            raise ScenarioError(
                f"{prefix}typical days: the hourly series {path} mixes finite and infinite values"
            )
        columns[path] = x
        return x

    _map_hourly(inputs, hours, collect, "")
    if not columns:
        # Nothing varies: every day is the same, so one day stands for all of them exactly.
        log.warning(
            "%severy hourly series is constant, so all %d days are alike: solving one day for all of "
            "them (exact) instead of %d typical days",
            prefix,
            days,
            typical_days,
        )
        return _one_day_for_all(inputs, days)

    import tsam  # slow to import (seconds): only when there is something to cluster

    index = pd.date_range("2001-01-01", periods=hours, freq="h")  # positions only; tsam needs a time index
    frame = pd.DataFrame(columns, index=index)
    peak_day = int(np.argmax(inputs.demand_mw)) // PERIOD_HOURS
    try:
        result = tsam.aggregate(
            frame,
            typical_days,
            period_duration=PERIOD_HOURS,
            cluster=tsam.ClusterConfig(method="hierarchical", representation="mean"),
            extremes=tsam.ExtremeConfig(method="append", max_value=["demand_mw"])
            if "demand_mw" in columns
            else None,
        )
    except (ValueError, ZeroDivisionError, IndexError) as exc:  # tsam's own checks, as one line
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ScenarioError(
            f"{prefix}--typical-days: the clustering of the hourly series failed ({reason}); "
            "solve every hour without --typical-days"
        ) from None
    order = np.asarray(result.cluster_assignments, dtype=int)
    counts_map = result.cluster_counts
    n_typ = int(result.n_clusters)
    counts = np.array([float(counts_map.get(k, 0.0)) for k in range(n_typ)])
    reps = result.cluster_representatives
    if len(order) != days or counts.sum() != days:
        raise ScenarioError(f"{prefix}typical days: the clustering did not assign every day once")

    def typical(path: str, x: np.ndarray) -> np.ndarray:
        if path in columns:
            values = np.concatenate([reps.loc[k, path].to_numpy(float) for k in range(n_typ)])
            # Keeping column means rescales the typical days; never past the original range (a demand
            # above the true peak would size capacities for a load that never comes).
            return np.clip(values, x.min(), x.max())
        return np.full(n_typ * PERIOD_HOURS, x[0])

    out = _map_hourly(inputs, hours, typical, "")
    weight = np.repeat(counts, PERIOD_HOURS) * (HOURS_PER_YEAR / hours)
    out = dataclasses.replace(
        out,
        hours=n_typ * PERIOD_HOURS,
        time=None,
        years=None,  # several weather years: clustered as one horizon (only the solve's start uses that)
        hour_weight=weight,
        periods=TypicalPeriods(
            length=PERIOD_HOURS,
            order=order,
            counts=counts,
            source_hours=hours,
            method=f"tsam {tsam.__version__}: {typical_days} typical days (hierarchical clustering, "
            f"cluster means) + the peak-demand day (day {peak_day + 1})",
        ),
    )
    if float(out.demand_mw.max()) < float(inputs.demand_mw.max()) - 1e-9:
        raise ScenarioError(f"{prefix}typical days: the peak-demand day was lost in the clustering")
    log.info("aggregated %d days into %d typical days", days, n_typ)
    return out


def _one_day_for_all(inputs: SystemInputs, days: int) -> SystemInputs:
    """Inputs on one day standing for all `days` days (exact when every series is constant)."""
    out = _map_hourly(inputs, inputs.hours, lambda _, x: x[:PERIOD_HOURS].copy(), "")
    return dataclasses.replace(
        out,
        hours=PERIOD_HOURS,
        time=None,
        years=None,
        hour_weight=np.full(PERIOD_HOURS, days * HOURS_PER_YEAR / inputs.hours),
        periods=TypicalPeriods(
            length=PERIOD_HOURS,
            order=np.zeros(days, dtype=int),
            counts=np.array([float(days)]),
            source_hours=inputs.hours,
            method=f"one day for all {days} days (every hourly series is constant, so this is exact)",
        ),
    )


__all__ = ["PERIOD_HOURS", "aggregate_inputs"]
