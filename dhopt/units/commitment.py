"""Starts of a heat producer: its on/off status in every hour, a cost per start, minimum up and
down times. One option object (`starts:`), in the spirit of oemof-solph's NonConvex, that heat
pumps, electric and fuel boilers and CHP plants accept; off by default.

Model, for a unit with `starts` and every hour n (prev(n) the hour before, cyclic over the horizon
like the storage; on typical periods cyclic within each typical period):
    u[n] ∈ {0, 1}, 0 ≤ s[n] ≤ 1                 on/off status, start
    s[n] ≥ u[n] − u[prev(n)]
    min_load · u[n] ≤ q[n] ≤ upper[n] · u[n]      the minimum load, exact (upper: dhopt.units.converter)
    Σ_{k=n−UT+1..n} s[k] ≤ u[n]                   minimum up time UT (a start keeps it on UT hours)
    Σ_{k=n−DT+1..n} s[k] ≤ 1 − u[n−DT]            minimum down time DT (on at n−DT: no start since)
    cost += start cost · Σ_n w[n] · s[n]          w[n]: hours of a year hour n stands for
The up/down rows are Rajan and Takriti's (2005, "Minimum up/down polytopes of the unit commitment
problem with start-up costs", IBM Research Report RC23628), with the shut-downs d[n] = s[n] − u[n]
+ u[prev(n)] substituted out: their polytope is the convex hull of the feasible on/off/start
patterns, the tightest rows there are. s needs no integrality: for binary u, lowering s to
max(0, u[n] − u[prev(n)]) keeps every row (s only appears on the left of ≤ in the up/down rows)
and costs no more, so the start cost is exact at an optimum. The results count starts from u.
A start in hour n stands for w[n] starts a year (a short horizon's scale, or a typical period's
number of days), exactly as its operating costs are scaled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyomo.environ as pyo
from pydantic import Field

from dhopt.schema import Hours, NonNegative, StrictModel

if TYPE_CHECKING:
    from dhopt.inputs import PrepareContext


class Starts(StrictModel):
    """Starts and stops of a unit: a cost per start and minimum up and down times (the unit's
    minimum load is then kept exactly in every hour, with an on/off binary per hour)."""

    cost_eur: NonNegative = Field(
        0.0, description="Cost of one start (wear, the heat and electricity a start takes), €."
    )
    min_up_hours: Hours = Field(1, description="Once started, the unit runs at least this many hours.")
    min_down_hours: Hours = Field(1, description="Once stopped, the unit stays off at least this many hours.")


# The field each unit type that can be started and stopped declares (heat pump, boilers, CHP).
STARTS_FIELD = Field(
    None,
    description="Start cost and minimum up and down times (on/off binaries in every hour, so a "
    "slower solve; docs/physics.md). Needs a min_load_mw above 0.",
)


@dataclass(frozen=True)
class StartsInputs:
    """A unit's start options, checked against its minimum load and the horizon."""

    cost_eur: float
    min_up_hours: int
    min_down_hours: int


def prepare_starts(
    starts: Starts | None, min_load_mw: float, ctx: PrepareContext, where: str
) -> StartsInputs | None:
    """The prepared options (None: no starts); clear errors for a pattern that cannot be."""
    if starts is None:
        return None
    if min_load_mw <= 0:
        ctx.fail(
            f"{where}.starts",
            "needs a min_load_mw above 0 (found 0): a unit without a minimum load could idle at "
            "0 MW instead of stopping, so starts would mean nothing",
        )
    for name in ("min_up_hours", "min_down_hours"):
        value = getattr(starts, name)
        if value > ctx.hours:
            ctx.fail(
                f"{where}.starts.{name}",
                f"expected at most the horizon's {ctx.hours} hours (found {value})",
            )
    return StartsInputs(float(starts.cost_eur), int(starts.min_up_hours), int(starts.min_down_hours))


def _previous(hours: int, period: int | None) -> np.ndarray:
    """For each hour, the hour before it: cyclic over the horizon, or within its typical period."""
    n = np.arange(hours)
    length = period or hours
    return n - n % length + (n - 1) % length


def _back(hours: int, period: int | None, steps: int) -> np.ndarray:
    """For each hour, the hour `steps` before it (cyclic as in `_previous`)."""
    n = np.arange(hours)
    length = period or hours
    return n - n % length + (n - steps) % length


def add_commitment(
    block: pyo.Block,
    starts: StartsInputs,
    upper: np.ndarray,
    min_load_mw: float,
    hour_weight: np.ndarray,
    period: int | None = None,
):
    """Add the on/off status, the starts and their rows to a converter's block (which holds q);
    returns the annual start cost expression. `upper`: the bound on q[n] (its big-M, from the
    data); `period`: the typical period's length (None: one cyclic horizon)."""
    hours = len(upper)
    T = range(hours)
    length = period or hours
    prev = _previous(hours, period)
    block.on = pyo.Var(T, domain=pyo.Binary)
    block.start = pyo.Var(T, bounds=(0.0, 1.0))
    for n in T:
        if upper[n] <= 0:  # below the minimum load or unavailable: off (a bound, so retarget can lift it)
            block.on[n].setub(0)
    # The big-M of each hour is a mutable parameter, so a reused sweep model can take a new fixed
    # capacity (retarget) without new rows.
    block.on_upper = pyo.Param(T, mutable=True, initialize=lambda b, n: float(upper[n]))
    block.on_high = pyo.Constraint(T, rule=lambda b, n: block.q[n] <= b.on_upper[n] * b.on[n])
    block.on_low = pyo.Constraint(T, rule=lambda b, n: block.q[n] >= min_load_mw * b.on[n])
    block.start_floor = pyo.Constraint(T, rule=lambda b, n: b.start[n] >= b.on[n] - b.on[int(prev[n])])
    # A window as long as the period means "all of it"; longer would count hours twice.
    up, down = min(starts.min_up_hours, length), min(starts.min_down_hours, length)
    block.start_windows = (up, down, length)  # for rounded_pattern
    if up > 1:
        block.min_up = pyo.Constraint(
            T,
            rule=lambda b, n: pyo.quicksum(b.start[int(k)] for k in _window(n, up, period, hours)) <= b.on[n],
        )
    if down > 1:
        before = _back(hours, period, down)
        block.min_down = pyo.Constraint(
            T,
            rule=lambda b, n: (
                pyo.quicksum(b.start[int(k)] for k in _window(n, down, period, hours))
                <= 1 - b.on[int(before[n])]
            ),
        )
    if starts.cost_eur == 0:
        return 0.0
    return pyo.quicksum(float(starts.cost_eur * hour_weight[n]) * block.start[n] for n in T)


def _window(n: int, width: int, period: int | None, hours: int) -> list[int]:
    """Hours n − width + 1 … n, cyclic within n's period (or the horizon)."""
    length = period or hours
    first = n - n % length
    return [first + (n - j) % length for j in range(width)]


# ---------------------------------------------------------------------------------------------
# What other stages may ask of a converter's block about its starts (never by variable name).


def integer_vars(block: pyo.Block) -> list[pyo.Var]:
    """The on/off binaries of a unit with starts (empty for any other unit): integer variables of
    the model from the start, unlike the minimum-load rounds' on/off binaries."""
    on = block.component("on")
    return list(on.values()) if on is not None else []


def is_committed(block: pyo.Block) -> bool:
    """Whether the block keeps its minimum load itself (a unit with starts)."""
    return block.component("on") is not None


def on_values(block: pyo.Block, hours: int) -> np.ndarray:
    """The solved on/off status per hour, 0 or 1 (a unit with starts)."""
    return np.fromiter((round(block.on[n].value or 0.0) for n in range(hours)), float, count=hours)


def retarget(block: pyo.Block, upper: np.ndarray) -> list[pyo.Var]:
    """New big-M values for a new fixed capacity (the caller refreshes the solver's parameters);
    returns the variables whose bounds changed."""
    if not is_committed(block):
        return []
    for n, p in block.on_upper.items():
        p.set_value(float(upper[n]))
        block.on[n].setub(0 if upper[n] <= 0 else 1)
    return list(block.on.values())


def start_hours(on: np.ndarray, period: int | None = None) -> np.ndarray:
    """1 in each hour where a run starts (on now, off the hour before, cyclic as in the model)."""
    prev = _previous(len(on), period)
    return np.clip(on - on[prev], 0.0, None)


def operation_counts(on: np.ndarray, weights: np.ndarray, period: int | None = None) -> tuple[float, float]:
    """Starts and running hours a year, from the on/off pattern and the hours each model hour stands for."""
    return float(weights @ start_hours(on, period)), float(weights @ on)


def on_pattern(block: pyo.Block, q: np.ndarray, tol: float = 1e-6) -> np.ndarray:
    """Whether a unit runs in each hour, 0 or 1: its status if it has starts, else whether it
    makes heat (the same thing for a unit with starts: on means at least its minimum load)."""
    return on_values(block, len(q)) if is_committed(block) else (q > tol).astype(float)


def rounded_pattern(block: pyo.Block, tol: float = 1e-6) -> np.ndarray | None:
    """An on/off pattern that keeps the minimum up and down times, from a solution with the status
    relaxed: on where the unit makes heat, short stops filled and short runs lengthened (cyclic
    within each period). None if that needs the unit on in an hour it cannot run."""
    up, down, length = block.start_windows
    hours = len(block.q)
    q = np.fromiter((block.q[n].value or 0.0 for n in range(hours)), float, count=hours)
    on = (q > tol).astype(int)
    for first in range(0, hours, length):
        on[first : first + length] = _keep_windows(on[first : first + length], up, down)
    allowed = np.fromiter((block.on[n].ub for n in range(hours)), float, count=hours) > 0
    return on.astype(float) if np.all(allowed | (on == 0)) else None


def _keep_windows(on: np.ndarray, up: int, down: int) -> np.ndarray:
    """One cyclic period's pattern with every stop at least `down` and every run at least `up`
    hours long: stops shorter than that are run through, runs shorter are lengthened (which may
    shorten the next stop, so both are repeated until nothing changes; each pass only turns hours on)."""
    on = on.copy()
    length = len(on)
    while 0 < on.sum() < length:
        changed = False
        for s in np.flatnonzero((on == 1) & (np.roll(on, 1) == 0)):
            gap = 0
            while on[(s - gap - 1) % length] == 0:
                gap += 1
            if gap < down:
                on[[(s - j) % length for j in range(1, gap + 1)]] = 1
                changed = True
        for s in np.flatnonzero((on == 1) & (np.roll(on, 1) == 0)):
            run = 0
            while run < length and on[(s + run) % length] == 1:
                run += 1
            if run < up:
                on[[(s + j) % length for j in range(up)]] = 1
                changed = True
        if not changed:
            break
    return on
