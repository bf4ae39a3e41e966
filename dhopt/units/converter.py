"""Heat producers (heat pumps, boilers, CHP, excess heat, solar, imports): prepared inputs and builder.

The producer types differ in how their inputs are prepared (each in its own module); once
prepared, each is a `ConverterInputs` (what it uses and makes of each carrier per MWh of heat,
hour by hour; its capacity, availability and costs) and they share this one builder.

Model, per unit p and hour n (Nordhavn deliverable, eq. 10–13; docs/model.md):
    0 ≤ q[n] ≤ upper[n]            hourly availability (a bound, not a row)
    q[n] ≤ cap                     capacity
    cap ≤ M · build                 binary build decision, M as tight as the data allow
    carrier use[n] = q[n] · uses[carrier][n]  substituted into cost and CO2, so no variable for it
The minimum load (q[n] = 0 or q[n] ≥ min_load) is not built here for every hour; `add_min_load`
adds the on/off binaries only for the hours a relaxed solution breaks it (see solve.py). A unit
with `starts` (dhopt.units.commitment) has an on/off binary in every hour instead, and keeps its
minimum load there exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo

from dhopt.carriers import ELECTRICITY
from dhopt.units import commitment
from dhopt.units.capacity import add_capacity, fix_capacity
from dhopt.units.commitment import StartsInputs


@dataclass
class ConverterInputs:
    """Everything the model needs about one electric heat producer, as arrays over the horizon."""

    name: str
    kind: str  # the scenario's unit type, e.g. "heat_pump"
    source: str  # heat source label, e.g. "groundwater"; "electricity" for a boiler
    # Carrier name → MWh of it used per MWh of heat at the plant, per hour (dhopt.carriers); a
    # heat pump's electricity is 1/COP. A unit using nothing (excess heat) has an empty dict.
    uses_per_mwh: dict[str, np.ndarray]
    upper_mw: np.ndarray  # hourly cap on heat output at the plant (availability), MW
    capacity_max_mw: float  # the user's bound, or inf
    capacity_bound_mw: float  # bound used in the model (dhopt.bounds): valid whatever is built
    capacity_bound_is_derived: bool  # True if the bound is ours, not the user's
    capacity_min_mw: float
    capacity_fixed_mw: float | None
    min_load_mw: float
    heat_loss_fraction: float
    # Annualised costs, by component, € per year: paid once if built, and per MW of capacity.
    annual_fixed_eur: dict[str, float] = field(default_factory=dict)
    annual_per_mw_eur: dict[str, float] = field(default_factory=dict)
    variable_om_eur_per_mwh: float = 0.0
    # Auxiliary (fan/pump) power at full load per MW of the fixed capacity, MW/MW; falls with
    # (q/cap)^3. None: no auxiliary power modelled.
    aux_mw_per_mw: float | None = None
    # Further costs per MWh of heat at the plant, by component, per hour (not yet scaled to a year):
    # heat purchase, the hourly excess-heat tax, a cooling credit (negative).
    hourly_costs_eur_per_mwh: dict[str, np.ndarray] = field(default_factory=dict)
    # Annual excess-heat tax: tax = max(0, Σ_n rate[n]·q[n]) over the year (hours below the COP
    # threshold, with negative rate, offset the others). None: no annual tax.
    annual_tax_rate_eur_per_mwh: np.ndarray | None = None
    # Cooling delivered per MWh of heat (1 − 1/COP) if the unit's cold side serves a cooling demand.
    cooling_per_mwh: np.ndarray | None = None
    # False while the bound is a first guess that a solve must still check (dhopt.bounds).
    capacity_bound_proven: bool = True
    # Capacity that exists already (part of cap): no investment, its O&M stays.
    capacity_existing_mw: float = 0.0
    # Carrier name → MWh made per MWh of heat, per hour (a CHP's electricity), sold at the price
    # components of `sale_eur_per_mwh` (€ per MWh of the carrier).
    makes_per_mwh: dict[str, np.ndarray] = field(default_factory=dict)
    sale_eur_per_mwh: dict[str, np.ndarray] = field(default_factory=dict)
    # Heat the unit can give per MW of capacity in each hour (a solar field's yield), -: q ≤ cf·cap.
    # None: 1 in every hour.
    capacity_factor: np.ndarray | None = None
    # An extraction CHP's electricity beyond the back-pressure line; None: none.
    extraction: ExtractionInputs | None = None
    # A unit sized by area (a solar field): m² per MW of its capacity, for the results; None: not so.
    area_m2_per_mw: float | None = None
    # A source stream limited by flow (dhopt.units.heat_pump.SourceFlow): inlet temperature °C and
    # heat capacity flow MWh/K per hour, for the outlet temperature in the results; None: none.
    source_stream: tuple[np.ndarray, np.ndarray] | None = None
    # Start cost and minimum up/down times (dhopt.units.commitment); None: no on/off status.
    starts: StartsInputs | None = None

    @property
    def electricity_per_mwh(self) -> np.ndarray | None:
        """Electricity used per MWh of heat (1/COP), per hour; None if the unit uses none."""
        return self.uses_per_mwh.get(ELECTRICITY)

    @property
    def cop(self) -> np.ndarray | None:
        """Heat per electricity, per hour, of a unit driven by electricity alone (heat pumps,
        electric boilers, boosters; NaN in hours of direct use, without electricity); None for a
        unit that burns fuel or uses no electricity."""
        el = self.electricity_per_mwh
        if el is None or set(self.uses_per_mwh) != {ELECTRICITY} or not np.any(el > 0):
            return None
        return np.where(el > 0, 1.0 / np.where(el > 0, el, 1.0), np.nan)

    @property
    def heat_per_mw(self) -> np.ndarray:
        """Heat the unit can give per MW of capacity in each hour (the capacity factor; 1 without)."""
        return np.ones(len(self.upper_mw)) if self.capacity_factor is None else self.capacity_factor

    @property
    def uses_fuel(self) -> bool:
        return any(name != ELECTRICITY for name in self.uses_per_mwh)


@dataclass
class ExtractionInputs:
    """Electricity above the back-pressure line of an extraction CHP, x[n] ≥ 0 MW: the plant may
    trade heat for electricity along its iso-fuel lines, (c_b + c_v)·q[n] + x[n] ≤ (c_b + c_v)·cap
    (the line through full heat on the back-pressure line), down to pure condensing operation."""

    fuel_line: float  # c_b + c_v: electricity at full fuel and no heat, per MW of heat capacity
    uses_per_mwh_el: dict[str, np.ndarray]  # carrier → MWh per MWh of that electricity (1/η_el)


# Breakpoints of the piecewise-linear (chord) approximation of the cube law of auxiliary power;
# the chords of a convex curve lie above it, so auxiliary power is never underestimated.
AUX_BREAKPOINTS = np.array([0.0, 0.25, 0.5, 0.75, 1.0])


def add_converter(
    block: pyo.Block,
    u: ConverterInputs,
    hours: int,
    op_cost_per_mwh: np.ndarray,
    aux_cost_per_mwh: np.ndarray,
    hour_weight: np.ndarray | None = None,
    extra_power_cost_per_mwh: np.ndarray | None = None,
    period_hours: int | None = None,
):
    """Add unit `u` to `block`; returns (delivered-heat expressions per hour, annual cost expression).

    `op_cost_per_mwh` is the hourly operating cost per MWh of heat at the plant, already scaled
    to a year (electricity / COP + variable O&M); `aux_cost_per_mwh` the scaled electricity price
    for auxiliary power; `hour_weight` the hours of a year each model hour stands for (for the
    annual tax); `extra_power_cost_per_mwh` the scaled cost of an extraction CHP's electricity
    beyond the back-pressure line (its fuel less its sale price), per MWh of that electricity.
    """
    T = range(hours)
    upper = hourly_upper(u)
    block.q = pyo.Var(T, bounds=lambda b, n: (0.0, _finite_or_none(upper[n])))
    add_capacity(
        block,
        bound=u.capacity_bound_mw,
        minimum=u.capacity_min_mw,
        fixed=u.capacity_fixed_mw,
        has_fixed_cost=any(u.annual_fixed_eur.values()),
        existing=u.capacity_existing_mw,
    )
    cf = u.capacity_factor
    if u.capacity_fixed_mw is None and cf is not None:  # heat per MW of capacity varies by hour
        block.capacity = pyo.Constraint(T, rule=lambda b, n: b.q[n] <= float(cf[n]) * b.cap)
    elif u.capacity_fixed_mw is None:
        block.capacity = pyo.Constraint(T, rule=lambda b, n: b.q[n] <= b.cap)
    fixed = sum(u.annual_fixed_eur.values())
    per_mw = sum(u.annual_per_mw_eur.values())
    # Existing capacity pays no investment (per MW), only its O&M: the expansion is cap − existing.
    cost = fixed * block.build + per_mw * block.cap - investment_per_mw(u) * u.capacity_existing_mw
    cost += pyo.quicksum(float(op_cost_per_mwh[n]) * block.q[n] for n in T)
    if u.aux_mw_per_mw is not None and u.capacity_fixed_mw is not None:
        _add_auxiliary_power(block, u, hours, upper)
        if np.any(aux_cost_per_mwh):
            cost += pyo.quicksum(float(aux_cost_per_mwh[n]) * block.aux[n] for n in T)
    if u.extraction is not None:
        line = u.extraction.fuel_line
        top = _finite_or_none(line * u.capacity_bound_mw)
        block.extra_power = pyo.Var(T, bounds=(0.0, top))
        block.iso_fuel = pyo.Constraint(T, rule=lambda b, n: line * b.q[n] + b.extra_power[n] <= line * b.cap)
        if extra_power_cost_per_mwh is not None:
            cost += pyo.quicksum(float(extra_power_cost_per_mwh[n]) * block.extra_power[n] for n in T)
    if u.annual_tax_rate_eur_per_mwh is not None:
        # Epigraph of max(0, Σ rate·q): exact, since the objective pushes the tax down.
        rate = u.annual_tax_rate_eur_per_mwh * (np.ones(hours) if hour_weight is None else hour_weight)
        block.annual_tax = pyo.Var(bounds=(0.0, None))
        block.annual_tax_floor = pyo.Constraint(
            expr=block.annual_tax >= pyo.quicksum(float(rate[n]) * block.q[n] for n in T)
        )
        cost += block.annual_tax
    if u.starts is not None:
        weight = np.ones(hours) if hour_weight is None else hour_weight
        cost += commitment.add_commitment(block, u.starts, upper, u.min_load_mw, weight, period_hours)
    eta = 1.0 - u.heat_loss_fraction
    delivered = [eta * block.q[n] for n in T]
    return delivered, cost


def electric_capacity_mw(u: ConverterInputs, capacity_mw: float) -> float:
    """The largest electricity draw at full heat output over the horizon, MW: in each hour the heat
    at full load (capacity × its share that hour, within the availability) over the COP. NaN for a
    unit that burns fuel or uses no electricity."""
    el = u.electricity_per_mwh
    if el is None or u.uses_fuel:
        return float("nan")
    full = np.minimum(capacity_mw * u.heat_per_mw, u.upper_mw)
    return float(np.max(full * el, initial=0.0))


def investment_per_mw(u: ConverterInputs) -> float:
    """The per-MW costs that only new capacity pays (everything but fixed O&M), €/(MW·a)."""
    return sum(v for k, v in u.annual_per_mw_eur.items() if k != "fixed_om")


def _finite_or_none(x: float) -> float | None:
    """A bound for Pyomo: None for no bound."""
    return float(x) if np.isfinite(x) else None


def _add_auxiliary_power(block: pyo.Block, u: ConverterInputs, hours: int, upper: np.ndarray) -> None:
    """Auxiliary power A·r³ (r = q/cap) as its chord interpolant, written with load segments.

    q[n] = Σ_i seg[n, i], segment i covering loads between breakpoints r_i and r_i+1; aux[n] =
    Σ_i slope_i · seg[n, i]. With a positive electricity price the cheaper (lower) segments fill
    first, which makes this exactly the chord interpolant, and it costs one row per hour instead of
    one per chord (a quarter of the rows, and four times fewer simplex iterations on the full year).
    The segments' bounds carry the hourly availability: segment i holds at most what is left of
    upper[n] above r_i·cap.
    """
    T = range(hours)
    r, f = AUX_BREAKPOINTS, AUX_BREAKPOINTS**3
    slopes = float(u.aux_mw_per_mw or 0.0) * np.diff(f) / np.diff(r)  # MW auxiliary per MW heat
    seg_ub = segment_bounds(u, upper)
    segments = range(len(slopes))
    block.seg = pyo.Var(T, segments, bounds=lambda b, n, i: (0.0, float(seg_ub[n, i])))
    block.split = pyo.Constraint(T, rule=lambda b, n: b.q[n] == pyo.quicksum(b.seg[n, i] for i in segments))
    block.aux = pyo.Expression(
        T, rule=lambda b, n: pyo.quicksum(float(slopes[i]) * b.seg[n, i] for i in segments)
    )
    block.aux_slopes = slopes  # for the results: aux = segments @ slopes, without Pyomo evaluation


def auxiliary_values(block: pyo.Block, hours: int) -> np.ndarray:
    """Auxiliary power per hour of a solved unit, MW (zeros if it has none)."""
    if not hasattr(block, "seg"):
        return np.zeros(hours)
    slopes = block.aux_slopes
    seg = np.fromiter((v.value or 0.0 for v in block.seg.values()), float, count=hours * len(slopes))
    return seg.reshape(hours, len(slopes)) @ slopes


def hourly_upper(u: ConverterInputs) -> np.ndarray:
    """The bound on q[n]: availability, the capacity bound, a fixed capacity (a bound on each hour,
    not a row per hour); 0 in hours whose availability is below the minimum load (exact, and it
    keeps the relaxation from using those hours)."""
    cf = u.heat_per_mw
    with np.errstate(invalid="ignore"):  # inf · 0 (no bound, no yield) is no heat
        upper = np.minimum(u.upper_mw, np.where(cf > 0, cf * u.capacity_bound_mw, 0.0))
    if u.capacity_fixed_mw is not None:
        upper = np.minimum(upper, cf * u.capacity_fixed_mw)
    if u.min_load_mw > 0:
        upper = np.where(upper < u.min_load_mw, 0.0, upper)
    return upper


def segment_bounds(u: ConverterInputs, upper: np.ndarray) -> np.ndarray:
    """Hours × segments: what each load segment of the auxiliary-power model may hold."""
    cap = float(u.capacity_fixed_mw or 0.0)
    start, width = AUX_BREAKPOINTS[:-1] * cap, np.diff(AUX_BREAKPOINTS) * cap
    return np.clip(upper[:, None] - start[None, :], 0.0, width[None, :])


def add_min_load(block: pyo.Block, u: ConverterInputs, hours_to_add: list[int], tag: int):
    """Add on/off binaries for `hours_to_add`: q = 0 or min_load ≤ q ≤ upper. Returns new components."""
    T = sorted(hours_to_add)
    sub = pyo.Block()
    block.add_component(f"min_load_{tag}", sub)
    sub.on = pyo.Var(T, domain=pyo.Binary)
    sub.low = pyo.Constraint(T, rule=lambda s, n: block.q[n] >= u.min_load_mw * s.on[n])
    sub.high = pyo.Constraint(T, rule=lambda s, n: block.q[n] <= block.q[n].ub * s.on[n])
    return list(sub.on.values()), list(sub.low.values()) + list(sub.high.values())


def min_load_violations(u: ConverterInputs, q: np.ndarray, tol: float = 1e-6) -> np.ndarray:
    """Hours where the unit runs below its minimum load (0 < q < min_load)."""
    if u.min_load_mw <= 0:
        return np.zeros(0, dtype=int)
    return np.flatnonzero((q > tol) & (q < u.min_load_mw - tol))


# ---------------------------------------------------------------------------------------------
# What other stages may ask of a converter's block (they never use its variables' names).


def heat_var(block: pyo.Block, n: int) -> pyo.Var:
    """Heat at the plant in hour n, MW."""
    return block.q[n]


def heat_vars(block: pyo.Block) -> list[pyo.Var]:
    return list(block.q.values())


def heat_values(block: pyo.Block, hours: int) -> np.ndarray:
    """Solved heat at the plant per hour, MW."""
    return np.fromiter((block.q[n].value or 0.0 for n in range(hours)), float, count=hours)


def carrier_terms(block: pyo.Block, u: ConverterInputs, carrier: str, n: int) -> list:
    """What the unit uses of `carrier` in hour n as linear terms, MW: heat × use per MWh, the
    extraction's electricity × its use, and for electricity the auxiliary power."""
    terms = []
    per_mwh = u.uses_per_mwh.get(carrier)
    if per_mwh is not None and per_mwh[n]:
        terms.append(float(per_mwh[n]) * block.q[n])
    if u.extraction is not None and carrier in u.extraction.uses_per_mwh_el:
        terms.append(float(u.extraction.uses_per_mwh_el[carrier][n]) * block.extra_power[n])
    if carrier == ELECTRICITY and hasattr(block, "aux"):
        terms.append(block.aux[n])
    return terms


def electricity_terms(block: pyo.Block, u: ConverterInputs, n: int) -> list:
    """Electricity the unit uses in hour n as linear terms (heat / COP + auxiliary power)."""
    return carrier_terms(block, u, ELECTRICITY, n)


def extra_power_vars(block: pyo.Block) -> list[pyo.Var]:
    """An extraction CHP's electricity beyond the back-pressure line, per hour (empty if none)."""
    return list(block.extra_power.values()) if hasattr(block, "extra_power") else []


def extra_power_values(block: pyo.Block, hours: int) -> np.ndarray:
    """Solved electricity beyond the back-pressure line per hour, MW (zeros if none)."""
    if not hasattr(block, "extra_power"):
        return np.zeros(hours)
    return np.fromiter((block.extra_power[n].value or 0.0 for n in range(hours)), float, count=hours)


def annual_tax_value(block: pyo.Block) -> float | None:
    """The solved annual excess-heat tax, €/a, if the unit has one."""
    return float(block.annual_tax.value or 0.0) if hasattr(block, "annual_tax") else None


def retarget(block: pyo.Block, u: ConverterInputs) -> list[pyo.Var]:
    """Give a built block the fixed capacity of `u` (same structure): new bounds and values only.
    Returns the variables changed."""
    upper = hourly_upper(u)
    for n, var in block.q.items():
        var.setub(_finite_or_none(upper[n]))
    fixed = float(u.capacity_fixed_mw or 0.0)
    changed = list(block.q.values()) + fix_capacity(block, fixed, u.capacity_existing_mw)
    changed += commitment.retarget(block, upper)
    if u.extraction is not None:
        for var in block.extra_power.values():
            var.setub(u.extraction.fuel_line * fixed)
        changed += list(block.extra_power.values())
    if hasattr(block, "seg"):
        bounds = segment_bounds(u, upper)
        for (n, i), var in block.seg.items():
            var.setub(float(bounds[n, i]))
        changed += list(block.seg.values())
    return changed


def remove_min_load(block: pyo.Block) -> list:
    """Drop every on/off sub-block `add_min_load` made; returns their constraints (for the solver
    to drop too: Pyomo removes the on/off variables with the last constraints that use them)."""
    dropped = []
    for sub in list(block.component_objects(pyo.Block, descend_into=False)):
        if sub.local_name.startswith("min_load_"):
            dropped += [*sub.low.values(), *sub.high.values()]
            block.del_component(sub)
    return dropped
