"""Several weather years in one scenario (docs/weather-years.md).

Each year is the base scenario with its `set:` fields applied; its inputs are prepared as for a
scenario of its own, then the years are joined into one horizon of Σ hours. Every hour of year y
stands for w_y · 8760 / n_y hours of a year (w_y the normalised weight, n_y the year's hours), so
every annual figure of the joined model (costs, energies, the CO2 cap, fuel limits) is the weighted
mean of the years' own. Capacities are single variables: one investment serves every year. What
wraps around the horizon (storage levels) wraps within each year instead (`previous_hours`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dhopt.errors import ScenarioError
from dhopt.inputs import HOURS_PER_YEAR, SystemInputs

# Scalars a year may change that the joined model takes from the hardest year: annualised costs
# (a pipe sized for the smallest supply − return difference of any year). Capacity bounds are
# derived again on the joined horizon (dhopt.bounds).
_TAKE_LARGEST = {"annual_fixed_eur", "annual_per_mw_eur", "annual_per_mwh_eur"}
_DERIVED_AGAIN = {
    "capacity_bound_mw",
    "capacity_bound_mwh",
    "capacity_bound_is_derived",
    "capacity_bound_proven",
}


@dataclass(frozen=True)
class WeatherYears:
    """How the joined horizon is made of years: names, first hour, hours and normalised weight."""

    names: tuple[str, ...]
    starts: tuple[int, ...]
    lengths: tuple[int, ...]
    weights: tuple[float, ...]  # sum to 1

    def hours_of(self, i: int) -> slice:
        return slice(self.starts[i], self.starts[i] + self.lengths[i])

    @property
    def label(self) -> str:
        n = len(self.names)
        return f"{n} weather year{'s' if n > 1 else ''} ({', '.join(self.names)})"


def year_scenarios(path: Path, data: dict[str, Any]) -> list[tuple[str, float, Any]]:
    """(name, normalised weight, validated Scenario) of each year of the raw scenario `data`."""
    from dhopt.scenario import Scenario, apply_overrides, validate_as

    years = data["weather_years"]
    base = {k: v for k, v in data.items() if k != "weather_years"}
    given = [y.get("weight") for y in years]
    raw = [1.0 if w is None else float(w) for w in given]
    if any(w is None for w in given) and any(w is not None for w in given):
        raise ScenarioError(f"{path}: weather_years: give a weight to every year or to none")
    total = sum(raw)
    out = []
    for i, y in enumerate(years):
        where = f"weather_years.{i}.set"
        try:
            year_data = apply_overrides(base, y.get("set") or {})
        except ScenarioError as exc:
            raise ScenarioError(f"{path}: {where}: {exc}") from None
        try:
            scenario = validate_as(Scenario, path, year_data)
        except ScenarioError as exc:
            raise ScenarioError(f"{exc} (in weather year '{y['name']}', {where})") from None
        out.append((str(y["name"]), raw[i] / total, scenario))
    return out


def prepare_weather_years(loaded, hours: int | None = None) -> SystemInputs:
    """The joined inputs of every weather year of `loaded` (see the module docstring)."""
    from dhopt.bounds import apply_capacity_bounds
    from dhopt.inputs import prepare_inputs
    from dhopt.scenario import LoadedScenario, apply_overrides
    from dhopt.yaml_files import read_yaml

    data = read_yaml(loaded.path)
    if loaded.overrides:
        data = apply_overrides(data, loaded.overrides)
    parts: list[SystemInputs] = []
    names, weights = [], []
    for name, weight, scenario in year_scenarios(loaded.path, data):
        year = LoadedScenario(scenario, loaded.path, loaded.sha256, loaded.overrides)
        try:
            parts.append(prepare_inputs(year, hours))
        except ScenarioError as exc:
            raise ScenarioError(f"weather year '{name}': {exc}") from None
        names.append(name)
        weights.append(weight)
    lengths = [p.hours for p in parts]
    started = [u.name for u in parts[0].converters if u.starts is not None]
    if started and len(set(lengths)) > 1:  # their on/off status is cyclic in segments of one length
        raise ScenarioError(
            f"{loaded.path}: weather_years: units with starts ({', '.join(started)}) need years of "
            f"equal length, found {', '.join(map(str, lengths))} hours"
        )
    starts = list(np.cumsum([0, *lengths[:-1]]))
    joined = _join(parts, names, "")
    hour_weight = np.concatenate(
        [np.full(n, w * HOURS_PER_YEAR / n) for n, w in zip(lengths, weights, strict=True)]
    )
    times = [p.time for p in parts]
    time = (
        None
        if any(t is None for t in times)
        else pd.DatetimeIndex(np.concatenate([t.values for t in times]), tz=times[0].tz)
    )
    total = sum(lengths)
    joined = dataclasses.replace(
        joined,
        name=loaded.scenario.name,
        hours=total,
        year_scale=HOURS_PER_YEAR / total,
        time=time,
        hour_weight=hour_weight,
        years=WeatherYears(tuple(names), tuple(int(s) for s in starts), tuple(lengths), tuple(weights)),
    )
    return apply_capacity_bounds(joined)


def _join(parts: list[Any], names: list[str], where: str) -> Any:
    """One dataclass from the same dataclass of every year: hourly arrays concatenated, equal
    values kept, the scalars of _TAKE_LARGEST at their largest; any other difference is an error."""
    first = parts[0]
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(first):
        if f.name in ("hours", "year_scale", "time", "hour_weight", "years", "name", "scenario_path"):
            continue
        values = [getattr(p, f.name) for p in parts]
        path = f"{where}.{f.name}" if where else f.name
        changes[f.name] = _join_value(values, names, path, f.name)
    return dataclasses.replace(first, **changes)


def _join_value(values: list[Any], names: list[str], path: str, field: str) -> Any:
    v0 = values[0]
    if field in _DERIVED_AGAIN:
        return v0
    if all(v is None for v in values):
        return None
    if any(v is None for v in values):
        raise _differs(path, names, values)
    if isinstance(v0, np.ndarray):
        if v0.ndim != 1:
            raise _differs(path, names, values)
        return np.concatenate(values)
    if dataclasses.is_dataclass(v0):
        return _join(values, names, path)
    if isinstance(v0, dict):
        if any(set(v) != set(v0) for v in values):
            raise _differs(path, names, values)
        if field in _TAKE_LARGEST:
            return {k: max(v[k] for v in values) for k in v0}
        return {k: _join_value([v[k] for v in values], names, f"{path}.{k}", k) for k in v0}
    if isinstance(v0, list):
        if any(len(v) != len(v0) for v in values):
            raise _differs(path, names, values)
        return [_join_value([v[i] for v in values], names, f"{path}.{i}", field) for i in range(len(v0))]
    if isinstance(v0, tuple) and any(isinstance(x, np.ndarray) for x in v0):
        return tuple(_join_value([v[i] for v in values], names, f"{path}.{i}", field) for i in range(len(v0)))
    if any(not _same(v, v0) for v in values):
        raise _differs(path, names, values)
    return v0


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (np.isnan(a) and np.isnan(b))
    return bool(a == b)


def _differs(path: str, names: list[str], values: list[Any]) -> ScenarioError:
    i = next(
        (i for i, v in enumerate(values) if not isinstance(v, np.ndarray) and not _same(v, values[0])), 1
    )
    return ScenarioError(
        f"weather years '{names[0]}' and '{names[i]}': the prepared {path} differs, but one investment "
        "serves every year; expected the same in every year (set only series per year)"
    )


def cycle_hours(inputs: SystemInputs) -> int | None:
    """The length of the segments a unit's on/off status is cyclic in: a typical period, a weather
    year (all of one length, see prepare_weather_years), or None for the whole horizon."""
    if inputs.periods is not None:
        return inputs.periods.length
    years = getattr(inputs, "years", None)
    return None if years is None else years.lengths[0]


def previous_hours(inputs: SystemInputs) -> np.ndarray:
    """For each model hour, the hour before it in its own year (the year's first hour follows its
    last: storage is cyclic within each year); one year: (n − 1) mod hours."""
    n = inputs.hours
    prev = np.arange(n) - 1
    years = getattr(inputs, "years", None)
    if years is None:
        prev[0] = n - 1
        return prev
    for start, length in zip(years.starts, years.lengths, strict=True):
        prev[start] = start + length - 1
    return prev


def year_masks(inputs: SystemInputs) -> list[tuple[str, np.ndarray]]:
    """(name, the hour weights of that year alone, 8760 / n_y in its hours and 0 elsewhere)."""
    years = inputs.years
    assert years is not None
    out = []
    for i, name in enumerate(years.names):
        w = np.zeros(inputs.hours)
        w[years.hours_of(i)] = HOURS_PER_YEAR / years.lengths[i]
        out.append((name, w))
    return out
