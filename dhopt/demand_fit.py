"""Hourly heat demand from outdoor temperature: a change-point (heating cut-off) model per day type.

The model follows the heat demand – outdoor temperature function used for long-term district-heating
demand forecasts under climate and renovation scenarios: demand is constant (hot water, losses) above a
heating cut-off temperature and rises linearly as the temperature falls below it. Here it is fitted
hour by hour, so that the daily shape is realistic:

    T̄_d      = mean of the hourly temperatures of local day d
    Te_d     = (1 − m) · T̄_d + m · Te_{d−1},   Te_0 = T̄_0         (m = memory, 0 ≤ m < 1)
    Q(d, h)  = a_{k,h} + b_{k,h} · max(Tc_k − Te_d, 0)              k = day type of d, h = local hour

with day types k ∈ {weekday, weekend_holiday}. Per day type: one cut-off temperature Tc_k and 24
intercepts a_{k,h} (MW) and 24 slopes b_{k,h} (MW/K); one memory m for all (buildings' thermal inertia;
m = 0 is the plain daily-mean model). The daily mean demand of a day type is therefore the classic
three-parameter change-point line  Q̄_d = A_k + B_k · max(Tc_k − Te_d, 0)  with A_k = mean_h a_{k,h},
B_k = mean_h b_{k,h}.

Fitting is least squares: for a given (m, Tc_k) every (k, h) is a straight-line regression with a closed
form, so m and Tc_k are found by grid search (coarse, then fine) without scipy.

Scenarios (see `apply_scenario`): renovation scales the temperature-dependent part b by a factor;
a climate change of +ΔT K is exactly a cut-off ΔT K lower (Te is linear in T with weights summing to 1).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dhopt.demand_calendar import (
    DAY_TYPES,
    HOLIDAY_CALENDARS,
    as_utc,
    calendar_of,
    check_hourly,
    daily_mean,
    effective_temperature,
    finite_values,
)
from dhopt.errors import ScenarioError

FORMAT = "dhopt-demand-model/1"
MEMORY_GRID = np.round(np.arange(0.0, 0.91, 0.05), 2)

# --------------------------------------------------------------------------------------------- model


@dataclass
class DayTypeParameters:
    """Parameters of one day type; lists are indexed by local clock hour 0..23."""

    change_point_c: float
    base_mw: list[float]
    slope_mw_per_k: list[float]

    @property
    def daily_base_mw(self) -> float:
        return float(np.mean(self.base_mw))

    @property
    def daily_slope_mw_per_k(self) -> float:
        return float(np.mean(self.slope_mw_per_k))


@dataclass
class DemandModel:
    """Fitted parameters. `predict` needs only these, so a saved JSON can generate any future year."""

    day_types: dict[str, DayTypeParameters]
    memory: float = 0.0
    timezone: str = "UTC"
    holidays: str = "none"
    n_parameters: int = 0  # fitted parameters, the p of ASHRAE Guideline 14's n − p
    training: dict[str, Any] = field(default_factory=dict)
    scenario: dict[str, float] = field(default_factory=dict)

    def predict(self, time: Any, temperature: Any) -> np.ndarray:
        """Hourly demand (MW) for hourly time stamps (UTC if naive) and outdoor temperatures (°C)."""
        stamps = as_utc(time, "time")
        temp = finite_values(temperature, "temperature")
        if len(temp) != len(stamps):
            raise ScenarioError(
                f"temperature: expected {len(stamps)} values (one per time stamp), found {len(temp)}"
            )
        check_hourly(stamps, "time")
        cal = calendar_of(stamps, self.timezone, self.holidays)
        te = effective_temperature(daily_mean(cal, temp), self.memory)
        base, slope, cut = self._tables()
        k = cal.day_type[cal.day_of_row]
        heating = np.maximum(cut[k] - te[cal.day_of_row], 0.0)
        return base[k, cal.hour] + slope[k, cal.hour] * heating

    def _tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        params = [self.day_types[name] for name in DAY_TYPES]
        base = np.array([p.base_mw for p in params], dtype=float)
        slope = np.array([p.slope_mw_per_k for p in params], dtype=float)
        cut = np.array([p.change_point_c for p in params], dtype=float)
        return base, slope, cut

    # ----------------------------------------------------------------------------------------- JSON

    def to_dict(self) -> dict[str, Any]:
        out = {"format": FORMAT, **dataclasses.asdict(self)}
        return out

    def save(self, path: Path | str) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def from_dict(cls, data: Any, where: str = "parameters") -> DemandModel:
        if not isinstance(data, dict):
            raise ScenarioError(f"{where}: expected a JSON object")
        if data.get("format") != FORMAT:
            raise ScenarioError(f"{where}: key 'format': expected '{FORMAT}', found {data.get('format')!r}")
        types = data.get("day_types")
        if not isinstance(types, dict):
            raise ScenarioError(f"{where}: key 'day_types': expected an object with {', '.join(DAY_TYPES)}")
        parsed: dict[str, DayTypeParameters] = {}
        for name in DAY_TYPES:
            p = types.get(name)
            if not isinstance(p, dict):
                raise ScenarioError(f"{where}: key 'day_types.{name}': missing")
            try:
                cut = float(p["change_point_c"])
                base = [float(v) for v in p["base_mw"]]
                slope = [float(v) for v in p["slope_mw_per_k"]]
            except KeyError as exc:
                raise ScenarioError(f"{where}: key 'day_types.{name}.{exc.args[0]}': missing") from None
            except (TypeError, ValueError):
                raise ScenarioError(f"{where}: key 'day_types.{name}': expected numbers") from None
            if len(base) != 24 or len(slope) != 24:
                raise ScenarioError(f"{where}: key 'day_types.{name}': expected 24 hourly values per list")
            parsed[name] = DayTypeParameters(cut, base, slope)
        memory = data.get("memory", 0.0)
        if not isinstance(memory, (int, float)) or not 0.0 <= memory < 1.0:
            raise ScenarioError(f"{where}: key 'memory': expected a number in [0, 1), found {memory!r}")
        calendar = data.get("holidays", "none")
        if calendar not in HOLIDAY_CALENDARS:
            raise ScenarioError(
                f"{where}: key 'holidays': expected one of {', '.join(HOLIDAY_CALENDARS)}, found {calendar!r}"
            )
        return cls(
            day_types=parsed,
            memory=float(memory),
            timezone=str(data.get("timezone", "UTC")),
            holidays=calendar,
            n_parameters=int(data.get("n_parameters", 0)),
            training=dict(data.get("training") or {}),
            scenario=dict(data.get("scenario") or {}),
        )

    @classmethod
    def load(cls, path: Path | str) -> DemandModel:
        path = Path(path)
        if not path.is_file():
            raise ScenarioError(f"{path}: parameters file not found")
        try:
            data = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ScenarioError(f"{path}: not valid JSON: {exc}") from None
        return cls.from_dict(data, where=str(path))


def apply_scenario(
    model: DemandModel, renovation_factor: float = 1.0, temperature_offset: float = 0.0
) -> DemandModel:
    """A new model for a renovation and/or climate scenario; `model` is left unchanged.

    renovation_factor: the temperature-dependent (space-heating) part is multiplied by this, e.g. 0.7 after
        renovation that cuts space-heating demand by 30 %; the part above the cut-off (hot water, network
        losses) is kept.
    temperature_offset: K added to every outdoor temperature (e.g. +1.5 for a warmer climate). Because the
        effective temperature is linear in T with weights summing to one, this is exactly the same as
        lowering every cut-off temperature by the offset, which is how it is applied.
    """
    if not np.isfinite(renovation_factor) or renovation_factor < 0:
        raise ScenarioError(f"renovation_factor: expected a number ≥ 0, found {renovation_factor}")
    if not np.isfinite(temperature_offset):
        raise ScenarioError(f"temperature_offset: expected a finite number, found {temperature_offset}")
    types = {
        name: DayTypeParameters(
            change_point_c=p.change_point_c - temperature_offset,
            base_mw=list(p.base_mw),
            slope_mw_per_k=[renovation_factor * s for s in p.slope_mw_per_k],
        )
        for name, p in model.day_types.items()
    }
    previous = model.scenario or {"renovation_factor": 1.0, "temperature_offset_k": 0.0}
    scenario = {
        "renovation_factor": previous["renovation_factor"] * renovation_factor,
        "temperature_offset_k": previous["temperature_offset_k"] + temperature_offset,
    }
    return dataclasses.replace(model, day_types=types, scenario=scenario)


# --------------------------------------------------------------------------------------------- fitting


def _group_sums(
    x: np.ndarray, weights: np.ndarray, ysum: np.ndarray, yy: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Least-squares line per hour for each candidate x (rows of x: candidates, columns: days).

    weights[d, h] = rows with demand on day d at hour h (0, 1 or 2), ysum[d, h] = their sum, yy[h] = Σy².
    Returns SSE (candidates × 24), intercept, slope.
    """
    n = weights.sum(axis=0)
    sx, sxx = x @ weights, (x * x) @ weights
    sy = ysum.sum(axis=0)
    sxy = x @ ysum
    vxx = sxx - sx * sx / n
    vxy = sxy - sx * sy / n
    flat = vxx <= 1e-9 * np.maximum(sxx, 1.0)  # no heating days at this cut-off: slope undefined, set 0
    slope = np.where(flat, 0.0, vxy / np.where(flat, 1.0, vxx))
    intercept = (sy - slope * sx) / n
    sse = yy - sy * sy / n - slope * vxy
    return sse, intercept, slope


def fit(
    time: Any,
    temperature: Any,
    demand: Any,
    *,
    timezone: str = "UTC",
    holidays: str = "none",
    memory: float | None = None,
    change_point_bounds: tuple[float, float] | None = None,
) -> DemandModel:
    """Least-squares fit of the change-point model (see the module docstring).

    time, temperature, demand: hourly series of equal length; stamps must step by exactly one hour.
    Rows whose demand is NaN are left out of the fit but their temperature still enters the daily means
    and the memory (so pass NaN outside a training period rather than cutting the series).
    timezone: defines local days and clock hours (e.g. "Europe/Berlin"); holidays: "none", "DE-SH", "DK".
    memory: fixed m, or None to choose it from 0, 0.05, …, 0.9 then ±0.05 in 0.01 steps.
    change_point_bounds: search range of the cut-off; default the 5th–95th percentile of the training days'
    effective temperature (so both sides of the kink have data).
    """
    stamps = as_utc(time, "time")
    temp = finite_values(temperature, "temperature")
    q = finite_values(demand, "demand", allow_nan=True)
    if not len(stamps) == len(temp) == len(q):
        raise ScenarioError(
            f"fit: time, temperature and demand differ in length ({len(stamps)}, {len(temp)}, {len(q)})"
        )
    check_hourly(stamps, "time")
    if memory is not None and not 0.0 <= memory < 1.0:
        raise ScenarioError(f"memory: expected a number in [0, 1), found {memory}")
    cal = calendar_of(stamps, timezone, holidays)
    tmean = daily_mean(cal, temp)
    used = np.isfinite(q)

    # Day × hour tables per day type; a row that is absent (spring clock change) simply has weight 0.
    tables = []
    for k, name in enumerate(DAY_TYPES):
        rows = used & (cal.day_type[cal.day_of_row] == k)
        day_ids, local_d = np.unique(cal.day_of_row[rows], return_inverse=True)
        weights = np.zeros((len(day_ids), 24))
        ysum = np.zeros((len(day_ids), 24))
        np.add.at(weights, (local_d, cal.hour[rows]), 1.0)
        np.add.at(ysum, (local_d, cal.hour[rows]), q[rows])
        yy = np.bincount(cal.hour[rows], weights=q[rows] ** 2, minlength=24)
        if len(day_ids) < 14 or (weights.sum(axis=0) < 3).any():
            raise ScenarioError(
                f"fit: too little demand data for day type '{name}' ({len(day_ids)} days; need at least 14 "
                "days and every clock hour several times)"
            )
        tables.append((day_ids, weights, ysum, yy))

    def best_cut(te: np.ndarray, k: int, grid: np.ndarray) -> tuple[float, float]:
        day_ids, weights, ysum, yy = tables[k]
        x = np.maximum(grid[:, None] - te[day_ids][None, :], 0.0)
        sse = _group_sums(x, weights, ysum, yy)[0].sum(axis=1)
        i = int(np.argmin(sse))
        return float(grid[i]), float(sse[i])

    def search(m: float) -> tuple[float, list[float]]:
        te = effective_temperature(tmean, m)
        total, cuts = 0.0, []
        for k in range(len(DAY_TYPES)):
            if change_point_bounds is None:
                lo, hi = np.percentile(te[tables[k][0]], [5, 95])
            else:
                lo, hi = change_point_bounds
            coarse = np.arange(np.floor(lo * 10) / 10, hi + 1e-9, 0.1)
            c0, _ = best_cut(te, k, coarse)
            fine = np.arange(max(c0 - 0.1, lo), min(c0 + 0.1, hi) + 1e-9, 0.005)
            c, sse = best_cut(te, k, fine)
            cuts.append(c)
            total += sse
        return total, cuts

    if memory is None:
        scores = {float(m): search(float(m))[0] for m in MEMORY_GRID}
        m0 = min(scores, key=scores.__getitem__)
        for m in np.round(np.arange(max(m0 - 0.05, 0.0), min(m0 + 0.05, 0.95) + 1e-9, 0.01), 2):
            scores.setdefault(float(m), search(float(m))[0])
        chosen = min(scores, key=scores.__getitem__)
    else:
        chosen = float(memory)
    _, cuts = search(chosen)
    te = effective_temperature(tmean, chosen)

    params: dict[str, DayTypeParameters] = {}
    for k, name in enumerate(DAY_TYPES):
        day_ids, weights, ysum, yy = tables[k]
        x = np.maximum(cuts[k] - te[day_ids], 0.0)[None, :]
        _, intercept, slope = _group_sums(x, weights, ysum, yy)
        params[name] = DayTypeParameters(
            change_point_c=round(cuts[k], 4),
            base_mw=[round(float(v), 4) for v in intercept[0]],
            slope_mw_per_k=[round(float(v), 4) for v in slope[0]],
        )
    n_parameters = len(DAY_TYPES) * (1 + 2 * 24) + (1 if memory is None else 0)
    fitted_rows = stamps[used]
    return DemandModel(
        day_types=params,
        memory=chosen,
        timezone=timezone,
        holidays=holidays,
        n_parameters=n_parameters,
        training={
            "first_hour_utc": fitted_rows[0].isoformat(),
            "last_hour_utc": fitted_rows[-1].isoformat(),
            "hours": int(used.sum()),
        },
    )
