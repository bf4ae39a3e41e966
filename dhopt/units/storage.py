"""Short-term hot-water heat storage: schema, prepared inputs and model builder.

Model (docs/model.md, section 2): level[n] = (1 − loss)·level[n−1] + charge[n] − discharge[n], cyclic over the
horizon (level[−1] is level[N−1]); level[n] ≤ cap ≤ M·build. The storage's net output
discharge − charge = (1 − loss)·level[n−1] − level[n] enters the heat balance directly, so the
model needs no charge or discharge variables (there is no charging efficiency to tell them apart).
Investment (Nordhavn deliverable, Table 6): fixed + per_m3 · V, V = cap / (1.163e-3 MWh/(m³·K) · ΔT).

Optionally (StorageInputs.investment_curve, the pit storage's) the investment follows a piecewise-linear
curve of the new capacity N = cap − existing through points (N_0, C_0) … (N_K, C_K): N = 0 costs
nothing, N in [N_0, N_K] costs the interpolation. A concave curve (economies of scale) needs binaries
in a minimisation; the incremental formulation has one per segment, y_1 being the build decision:
    N = N_0·y_1 + Σ_k f_k,  f_k ≤ L_k·y_k,  f_k ≥ L_k·y_(k+1),  cost = C_0·y_1 + Σ_k s_k·f_k
with L_k = N_k − N_(k−1) and s_k = (C_k − C_(k−1)) / L_k (tight coefficients from the data): a segment
is entered only when the one before is full. A convex curve needs no binaries beyond y_1 (the
cheaper segments fill first by themselves). A fixed capacity costs the curve's value, a constant.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import pyomo.environ as pyo
from pydantic import Field, StrictBool, model_validator

from dhopt.schema import (
    Energy,
    FieldError,
    Fraction,
    NonNegative,
    StrictModel,
    TemperatureDifference,
    Years,
    check_size_limits,
)
from dhopt.units.capacity import add_capacity, fix_capacity, new_capacity
from dhopt.units.pit_booster import Booster, BoosterLink, add_booster_limits
from dhopt.units.storage_power import PowerInputs, PowerLimits, add_power_limits, prepare_power
from dhopt.units.tank_geometry import TankGeometry, geometry_loss

if TYPE_CHECKING:
    from dhopt.inputs import PrepareContext, TypicalPeriods

WATER_MWH_PER_M3_K = 1.163e-3


class StorageInvestment(StrictModel):
    """Storage investment `fixed + per_m3 · volume`, annualised."""

    fixed_eur: NonNegative = Field(0.0, description="Volume-independent part, € (if built).")
    per_m3_eur: NonNegative = Field(0.0, description="Specific part, € per m³ of water volume.")
    lifetime_years: Years = Field(description="Lifetime, years.")


class Storage(PowerLimits):
    """A hot-water tank between supply and return temperature."""

    type: Literal["storage"]
    loss_per_hour: Fraction = Field(
        0.0001, description="Share of the stored heat lost each hour, - (study: 0.0001)."
    )
    geometry: TankGeometry | None = Field(
        None,
        description="The tank's loss from its shape and insulation instead of loss_per_hour (a cylinder; "
        "the share evaluated once at a design volume, see docs/physics.md).",
    )
    temperature_difference_k: TemperatureDifference = Field(
        25.0, description="Temperature difference between hot and cold water, K (sets the volume)."
    )
    capacity_min_mwh: Energy = Field(0.0, description="Smallest capacity to build, MWh.")
    capacity_max_mwh: Energy | None = Field(None, description="Largest capacity, MWh.")
    capacity_mwh: Energy | None = Field(None, description="Fixed capacity instead of an optimised one, MWh.")
    follows_network: StrictBool = Field(
        False,
        description="The usable capacity follows the network: in each hour, capacity × (supply − return "
        "that hour) / temperature_difference_k (a tank charged at the supply and discharged down to the "
        "return temperature holds less when the network runs a smaller difference). The capacity is "
        "in MWh at temperature_difference_k.",
    )
    existing_mwh: Energy = Field(
        0.0,
        description="Capacity that exists already, MWh: no investment. The capacity limits and "
        "capacity_mwh count it in; more is an expansion, whose investment (fixed part too) is paid.",
    )
    retired: StrictBool = Field(
        False, description="The storage is unavailable (a forced retirement): no capacity, no cost."
    )
    investment: StorageInvestment = Field(description="Investment cost.")

    @model_validator(mode="after")
    def _consistent_capacities(self) -> Storage:
        check_size_limits(self, "capacity_min_mwh", "capacity_max_mwh", "capacity_mwh", "existing_mwh", "MWh")
        if self.geometry is not None:
            if "loss_per_hour" in self.model_fields_set:
                raise FieldError("geometry", "expected loss_per_hour or geometry, not both")
            if self.design_volume_m3 is None:
                raise FieldError(
                    "geometry.design_volume_m3",
                    "is needed to evaluate the loss share: give it, capacity_mwh or capacity_max_mwh",
                )
        return self

    @property
    def design_volume_m3(self) -> float | None:
        """The volume the geometry's loss share is evaluated at, m³ (None: no volume to take)."""
        per_mwh = 1.0 / (WATER_MWH_PER_M3_K * self.temperature_difference_k)
        if self.geometry is not None and self.geometry.design_volume_m3 is not None:
            return self.geometry.design_volume_m3
        for size in (self.capacity_mwh, self.capacity_max_mwh):
            if size is not None and size > 0:
                return size * per_mwh
        return None


@dataclass
class StorageInputs:
    name: str
    loss_per_hour: float
    capacity_max_mwh: float  # the user's bound, or inf
    capacity_bound_mwh: float  # bound used in the model (dhopt.bounds): finite, valid whatever is built
    capacity_bound_is_derived: bool  # True if the bound is ours, not the user's
    capacity_min_mwh: float
    capacity_fixed_mwh: float | None
    power_max_mw: float | None
    volume_m3_per_mwh: float
    annual_fixed_eur: dict[str, float] = field(default_factory=dict)
    annual_per_mwh_eur: dict[str, float] = field(default_factory=dict)
    # False while the bound is a first guess that a solve must still check (dhopt.bounds).
    capacity_bound_proven: bool = True
    capacity_existing_mwh: float = 0.0  # part of cap: no investment
    kind: str = "storage"  # the scenario's unit type
    # Instead of fixed + per MWh: the annualised investment of the new capacity as a piecewise-linear
    # curve, points (new capacity MWh, € a year), capacity increasing, cost non-decreasing (see above).
    investment_curve: tuple[tuple[float, float], ...] | None = None
    # Usable share of the capacity in each hour (the hour's supply − return difference over the
    # design one: level[n] ≤ share[n]·cap); None: all of it in every hour.
    usable_share: np.ndarray | None = None
    # The power limit by ratio or a sized power capacity (dhopt.units.storage_power).
    power: PowerInputs = field(default_factory=PowerInputs)
    # A pit discharged through a booster in hours its top is below the supply (dhopt.units.pit_booster).
    booster: BoosterLink | None = None


def prepare(name: str, st: Storage, ctx: PrepareContext) -> StorageInputs:
    where = f"units.{name}"
    loss = st.loss_per_hour
    if st.geometry is not None and st.design_volume_m3 is not None:  # (the schema checks it is given)
        volume, dt = st.design_volume_m3, st.temperature_difference_k
        loss = geometry_loss(st.geometry, volume, dt, ctx, f"{where}.geometry")
    if st.retired:  # unavailable: fixed at 0 MWh, no existing capacity, so no cost at all
        st = st.model_copy(update={"capacity_mwh": 0.0, "existing_mwh": 0.0, "capacity_min_mwh": 0.0})
    if st.capacity_max_mwh is not None and st.capacity_min_mwh > st.capacity_max_mwh:
        ctx.fail(f"{where}.capacity_min_mwh", "is above capacity_max_mwh")
    crf = ctx.crf(st.investment.lifetime_years)
    volume_per_mwh = 1.0 / (WATER_MWH_PER_M3_K * st.temperature_difference_k)
    user_max = math.inf if st.capacity_max_mwh is None else st.capacity_max_mwh
    # The model's bound is set once every unit is prepared (dhopt.bounds.apply_capacity_bounds).
    return StorageInputs(
        name=name,
        loss_per_hour=loss,
        capacity_max_mwh=user_max,
        capacity_bound_mwh=user_max,
        capacity_bound_is_derived=st.capacity_max_mwh is None,
        capacity_min_mwh=st.capacity_min_mwh,
        capacity_fixed_mwh=st.capacity_mwh,
        capacity_existing_mwh=st.existing_mwh,
        power_max_mw=st.power_max_mw,
        volume_m3_per_mwh=volume_per_mwh,
        annual_fixed_eur={"investment": crf * st.investment.fixed_eur},
        annual_per_mwh_eur={"investment": crf * st.investment.per_m3_eur * volume_per_mwh},
        usable_share=_usable_share(st, ctx) if st.follows_network else None,
        power=prepare_power(st, crf),
    )


def _usable_share(st: Storage, ctx: PrepareContext) -> np.ndarray:
    """The hour's supply − return difference over the storage's design one (may exceed 1)."""
    return (ctx.supply_temperature_c - ctx.return_temperature_c) / st.temperature_difference_k


def add_storage(
    block: pyo.Block,
    s: StorageInputs,
    hours: int,
    periods: TypicalPeriods | None = None,
    booster: Booster | None = None,
    previous: np.ndarray | None = None,
):
    """Add storage `s` to `block`; returns (its terms of the heat balance per hour: the net heat
    output, less a heat-pump booster's draw in cold hours; annual cost expression). `booster`:
    the network temperatures and booster of a pit (dhopt.units.pit_booster). `previous`: the hour
    before each hour (cyclic within each weather year, dhopt.weather_years); None: (n − 1) mod hours."""
    T = range(hours)
    keep = 1.0 - s.loss_per_hour
    top = s.capacity_bound_mwh if s.capacity_fixed_mwh is None else s.capacity_fixed_mwh
    curve = s.investment_curve
    add_capacity(
        block,
        bound=s.capacity_bound_mwh,
        minimum=s.capacity_min_mwh,
        fixed=s.capacity_fixed_mwh,
        # a curve starting above 0 MWh, or with a cost at its start, needs the build decision
        has_fixed_cost=any(s.annual_fixed_eur.values()) or (curve is not None and any(curve[0])),
        existing=s.capacity_existing_mwh,
    )
    share = np.ones(hours) if s.usable_share is None else s.usable_share
    if periods is None:
        block.level = pyo.Var(T, bounds=lambda b, n: (0.0, top * float(share[n])))
        if s.capacity_fixed_mwh is None:  # a given capacity is the level's bound instead
            block.capacity = pyo.Constraint(T, rule=lambda b, n: b.level[n] <= float(share[n]) * b.cap)
        prev = [(n - 1) % hours for n in T] if previous is None else [int(p) for p in previous]
        net = [keep * block.level[prev[n]] - block.level[n] for n in T]
    else:
        net = _typical_period_levels(block, s, hours, periods, top)
    cost = add_power_limits(block, s.power_max_mw, s.power, net, hours)
    cost += sum(s.annual_fixed_eur.values()) * block.build
    cost += sum(s.annual_per_mwh_eur.values()) * (block.cap - s.capacity_existing_mwh)  # the new part
    if curve is not None:
        cost += _add_investment_curve(block, s, curve)
    if s.booster is not None and booster is not None:
        net = add_booster_limits(block, s.booster, booster, net, hours)
    return net, cost


def curve_value(curve: tuple[tuple[float, float], ...], new: float) -> float:
    """The curve's cost of a new capacity `new` (0 for none); ValueError outside the curve."""
    if new <= 1e-9:
        return 0.0
    sizes = [p[0] for p in curve]
    tol = 1e-9 * max(sizes[-1], 1.0)
    if not sizes[0] - tol <= new <= sizes[-1] + tol:
        raise ValueError(f"new capacity {new:g} MWh is outside the cost curve [{sizes[0]:g}, {sizes[-1]:g}]")
    return float(np.interp(new, sizes, [p[1] for p in curve]))


def _segments(curve: tuple[tuple[float, float], ...]) -> tuple[list[float], list[float]]:
    """Each segment's length L_k and slope s_k."""
    pairs = list(itertools.pairwise(curve))
    lengths = [b[0] - a[0] for a, b in pairs]
    return lengths, [(b[1] - a[1]) / length for (a, b), length in zip(pairs, lengths, strict=True)]


def _add_investment_curve(block: pyo.Block, s: StorageInputs, curve: tuple[tuple[float, float], ...]):
    """The curve's annual cost of the new capacity (the module docstring's formulation)."""
    existing = s.capacity_existing_mwh
    if s.capacity_fixed_mwh is not None:  # a constant, held by a fixed variable so retarget can move it
        block.curve_cost = pyo.Var()
        block.curve_cost.fix(curve_value(curve, s.capacity_fixed_mwh - existing))
        return block.curve_cost
    lengths, slopes = _segments(curve)
    K = range(len(lengths))
    block.curve_fill = pyo.Var(K, bounds=lambda _, k: (0.0, lengths[k]))
    convex = all(b >= a for a, b in itertools.pairwise(slopes))
    if convex:  # cheaper segments fill first by themselves
        block.curve_fill_upper = pyo.Constraint(K, rule=lambda b, k: b.curve_fill[k] <= lengths[k] * b.build)
    else:
        block.curve_segment = pyo.Var(range(1, len(lengths)), domain=pyo.Binary)
        entered = [block.build, *block.curve_segment.values()]  # y_k: segment k is entered
        block.curve_fill_upper = pyo.Constraint(
            K, rule=lambda b, k: b.curve_fill[k] <= lengths[k] * entered[k]
        )
        block.curve_fill_order = pyo.Constraint(
            range(len(lengths) - 1), rule=lambda b, k: b.curve_fill[k] >= lengths[k] * entered[k + 1]
        )
    block.curve_size = pyo.Constraint(
        expr=block.cap - existing == curve[0][0] * block.build + pyo.quicksum(block.curve_fill.values())
    )
    return curve[0][1] * block.build + pyo.quicksum(slopes[k] * block.curve_fill[k] for k in K)


def _typical_period_levels(
    block: pyo.Block, s: StorageInputs, hours: int, periods: TypicalPeriods, top: float
):
    """Storage over typical periods, linked across the year (Kotzur et al. 2018, Applied Energy 213).

    Within a typical period k the level is relative to its start: level[n] (free sign), 0 before the
    first hour. Across the year, start[d] is the level at the start of original period d:
    start[d+1] = keep^L · start[d] + level[end of k(d)], cyclic over the year. The level stays
    within [0, cap] through start[d] + the highest (lowest) relative level of k(d) — exact but for
    the loss over the period (keep^L ≥ 0.997 at the study's 0.01 %/h), a few MWh at most.
    Rows: 2 per typical hour + 3 per original period, instead of 1 per hour of the year.
    """
    keep = 1.0 - s.loss_per_hour
    length, order = periods.length, periods.order
    n_typ = hours // length
    block.level = pyo.Var(range(hours), bounds=(-top, top))
    block.start = pyo.Var(range(len(order)), bounds=(0.0, top))
    block.high = pyo.Var(range(n_typ), bounds=(0.0, top))
    block.low = pyo.Var(range(n_typ), bounds=(-top, 0.0))
    block.above_low = pyo.Constraint(range(hours), rule=lambda b, n: b.level[n] >= b.low[n // length])
    block.below_high = pyo.Constraint(range(hours), rule=lambda b, n: b.level[n] <= b.high[n // length])
    ends = [k * length + length - 1 for k in range(n_typ)]
    days = range(len(order))
    block.link_periods = pyo.Constraint(
        days,
        rule=lambda b, d: (
            b.start[(d + 1) % len(order)] == keep**length * b.start[d] + b.level[ends[int(order[d])]]
        ),
    )
    # With a usable share that varies by hour, the period's least share holds (conservative).
    share = np.ones(hours) if s.usable_share is None else s.usable_share
    least = [float(share[k * length : (k + 1) * length].min()) for k in range(n_typ)]
    block.within_cap = pyo.Constraint(
        days, rule=lambda b, d: b.start[d] + b.high[int(order[d])] <= least[int(order[d])] * b.cap
    )
    block.within_empty = pyo.Constraint(days, rule=lambda b, d: b.start[d] + b.low[int(order[d])] >= 0)
    return [(keep * block.level[n - 1] if n % length else 0.0) - block.level[n] for n in range(hours)]


def net_output_values(
    level: np.ndarray, s: StorageInputs, periods: TypicalPeriods | None, previous: np.ndarray | None = None
) -> np.ndarray:
    """Discharge − charge per hour from the solved levels (the builder's `net`, in numpy)."""
    keep = 1.0 - s.loss_per_hour
    if periods is None:
        return keep * (np.roll(level, 1) if previous is None else level[previous]) - level
    previous = np.roll(level, 1)
    previous[:: periods.length] = 0.0  # a typical period starts from its own zero
    return keep * previous - level


# ---------------------------------------------------------------------------------------------
# What other stages may ask of a storage's block (they never use its variables' names).


def level_values(block: pyo.Block, hours: int) -> np.ndarray:
    """Solved storage level per hour, MWh (relative to the period's start on typical periods)."""
    return np.fromiter((block.level[n].value or 0.0 for n in range(hours)), float, count=hours)


def retarget(block: pyo.Block, s: StorageInputs, periods: TypicalPeriods | None) -> list[pyo.Var]:
    """Give a built block the fixed capacity of `s` (same structure); returns the variables changed."""
    top = float(s.capacity_fixed_mwh or 0.0)
    low = 0.0 if periods is None else -top
    share = s.usable_share if (s.usable_share is not None and periods is None) else None
    for n, var in block.level.items():
        var.setlb(low)
        var.setub(top if share is None else top * float(share[n]))
    changed = list(block.level.values())
    if periods is not None:  # the typical-period storage's own variables
        for var in [*block.start.values(), *block.high.values()]:
            var.setub(top)
        for var in block.low.values():
            var.setlb(-top)
        changed += [*block.start.values(), *block.high.values(), *block.low.values()]
    if s.investment_curve is not None:  # a fixed capacity's curve cost is a fixed variable
        block.curve_cost.fix(curve_value(s.investment_curve, top - s.capacity_existing_mwh))
        changed.append(block.curve_cost)
    return changed + fix_capacity(block, top, s.capacity_existing_mwh)


def integer_vars(block: pyo.Block) -> list[pyo.Var]:
    """Every binary of the block: the build decision and, with a concave cost curve, its segments'
    (a solve that relaxes the segment binaries would follow the curve's convex hull instead)."""
    segments = block.component("curve_segment")
    return [block.build, *(segments.values() if segments is not None else [])]


def investment_vars(block: pyo.Block) -> list[pyo.Var]:
    """The block's variables that only the investment uses: capacity, build decision, a cost
    curve's segment binaries and fills (dhopt.decomposition keeps them in its master problem)."""
    fills = block.component("curve_fill")
    return [block.cap, *integer_vars(block), *(fills.values() if fills is not None else [])]


def investment_value(block: pyo.Block, s: StorageInputs) -> float:
    """The solved annual investment of the new capacity, € (what the objective counts)."""
    new, built = new_capacity(block, s.capacity_existing_mwh)
    linear = (
        s.annual_fixed_eur.get("investment", 0.0) * built + s.annual_per_mwh_eur.get("investment", 0.0) * new
    )
    if s.investment_curve is None:
        return linear
    if s.capacity_fixed_mwh is not None:
        return linear + float(block.curve_cost.value)
    return linear + curve_value(s.investment_curve, new)
