"""Stage 3: prepared inputs → the Pyomo MILP (Nordhavn deliverable, Part II eq. 9–13; docs/model.md).

One Pyomo block per unit, made by that unit type's builder; this module only adds what joins them:
the hourly heat balance, the objective (annualised investment + O&M + carriers), the grid block
(on-site PV), the cooling balance, the CO2 cap and the fuels' annual limits.
"""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo

from dhopt.carriers import ELECTRICITY, extraction_cost_per_mwh_el, fuel_names
from dhopt.carriers import operating_cost_per_mwh as operating_cost_per_mwh_of
from dhopt.inputs import SystemInputs
from dhopt.units import converter, pit_booster, storage
from dhopt.units.capacity import built_capacity
from dhopt.units.converter import ConverterInputs, add_converter
from dhopt.units.storage import add_storage
from dhopt.weather_years import cycle_hours


@dataclass
class BuiltModel:
    """The Pyomo model with handles to each unit's block, and what it took to build."""

    model: pyo.ConcreteModel
    inputs: SystemInputs
    converter_blocks: dict[str, pyo.Block]
    storage_blocks: dict[str, pyo.Block]
    build_seconds: float
    min_load_hours: dict[str, set[int]] = field(default_factory=dict)
    on_off: dict[str, dict[int, pyo.Var]] = field(default_factory=dict)  # on/off binary per unit, hour
    marginal_heat_cost: np.ndarray | None = None  # € per MWh of heat per hour (dhopt.marginal_cost)


def operating_cost_per_mwh(inputs: SystemInputs, u: ConverterInputs) -> np.ndarray:
    """Cost per MWh of heat at the plant in each hour, scaled to a year (dhopt.carriers: carriers
    bought, electricity sold, variable O&M, the unit's hourly costs; grid electricity is priced in
    the grid block instead when there is on-site PV)."""
    grid_priced = inputs.pv_mw is not None
    return inputs.weights * operating_cost_per_mwh_of(
        inputs.carriers, u, inputs.hours, grid_priced=grid_priced
    )


def _add_grid(m: pyo.ConcreteModel, inputs: SystemInputs, blocks: dict[str, pyo.Block]):
    """On-site PV first, the grid for the rest: grid[n] ≥ use[n] − pv[n], grid ≥ 0 (exact: grid
    electricity costs money). Unused PV is exported at the export price. Returns the annual cost."""
    hours, pv = inputs.hours, inputs.pv_mw
    units = {u.name: u for u in inputs.converters}
    use = [
        [t for name, b in blocks.items() for t in converter.electricity_terms(b, units[name], n)]
        for n in range(hours)
    ]
    m.grid = pyo.Var(range(hours), bounds=(0.0, None))
    m.grid_floor = pyo.Constraint(
        range(hours), rule=lambda mm, n: mm.grid[n] >= pyo.quicksum(use[n]) - float(pv[n])
    )
    scale, price, export = inputs.weights, inputs.price, inputs.pv_export_price
    # Export revenue = export price · (pv − self-consumed), self-consumed = use − grid.
    return pyo.quicksum(
        float(scale[n] * price[n]) * m.grid[n]
        - float(scale[n] * export[n]) * (float(pv[n]) - pyo.quicksum(use[n]) + m.grid[n])
        for n in range(hours)
    )


def _carriers_of(u: ConverterInputs) -> set[str]:
    used = set(u.uses_per_mwh)
    if u.extraction is not None:
        used |= set(u.extraction.uses_per_mwh_el)
    if u.aux_mw_per_mw is not None:
        used.add(ELECTRICITY)
    return used


def _add_co2_cap(m: pyo.ConcreteModel, inputs: SystemInputs, blocks: dict[str, pyo.Block]) -> None:
    """The year's CO2 of every carrier used (hour weights scale it to a year) within the cap; with
    on-site PV only what is bought from the grid emits (counted on the grid block)."""
    w, hours = inputs.weights, inputs.hours
    grid_priced = inputs.pv_mw is not None
    terms = []
    for u in inputs.converters:
        for name in _carriers_of(u):
            co2 = inputs.carriers[name].co2_t_per_mwh
            if co2 is None or (grid_priced and name == ELECTRICITY):
                continue
            for n in range(hours):
                factor = float(w[n] * co2[n])
                if factor:
                    terms += [factor * t for t in converter.carrier_terms(blocks[u.name], u, name, n)]
    if grid_priced and inputs.co2_t_per_mwh is not None:
        co2 = inputs.co2_t_per_mwh
        terms += [float(w[n] * co2[n]) * m.grid[n] for n in range(hours)]
    m.co2_cap = pyo.Constraint(expr=pyo.quicksum(terms) <= float(inputs.co2_cap_t_per_year))


def _add_fuel_limits(m: pyo.ConcreteModel, inputs: SystemInputs, blocks: dict[str, pyo.Block]) -> None:
    """Each fuel with an annual limit: the year's use by every unit (hour weights scale it) within it."""
    w, hours = inputs.weights, inputs.hours
    m.fuel_limit = pyo.ConstraintList()
    for name in fuel_names(inputs.carriers):
        limit = inputs.carriers[name].annual_limit_mwh
        users = [u for u in inputs.converters if name in _carriers_of(u)]
        if limit is None or not users:
            continue
        used = pyo.quicksum(
            float(w[n]) * t
            for u in users
            for n in range(hours)
            for t in converter.carrier_terms(blocks[u.name], u, name, n)
        )
        m.fuel_limit.add(used <= float(limit))


def heat_balance_rows(built: BuiltModel) -> list:
    """The heat balance's constraint in each hour (delivered heat = demand, or ≥ with dumping)."""
    return [built.model.heat_balance[n] for n in range(built.inputs.hours)]


def add_on_off(built: BuiltModel, u: ConverterInputs, hours: Iterable[int], tag: int) -> tuple[list, list]:
    """On/off binaries (converter.add_min_load) for those of `hours` that have none yet and in
    which the unit can run at its minimum load; recorded in built.on_off and built.min_load_hours.
    Returns the new variables and constraints (for a persistent solver to add)."""
    block = built.converter_blocks[u.name]
    known = built.min_load_hours.setdefault(u.name, set())
    new = [n for n in sorted(set(hours) - known) if (converter.heat_var(block, n).ub or 0.0) >= u.min_load_mw]
    if not new:
        return [], []
    new_vars, new_cons = converter.add_min_load(block, u, new, tag)
    built.on_off.setdefault(u.name, {}).update(zip(new, new_vars, strict=True))
    known.update(new)
    return new_vars, new_cons


def built_capacities(built: BuiltModel) -> dict[str, float]:
    """The loaded solution's capacity of every unit, MW or MWh (existing included)."""
    blocks = {**built.converter_blocks, **built.storage_blocks}
    return {name: built_capacity(block) for name, block in blocks.items()}


def grid_values(built: BuiltModel) -> np.ndarray:
    """Solved grid electricity per hour, MW (models with on-site PV)."""
    grid = built.model.grid
    return np.fromiter(
        (grid[n].value or 0.0 for n in range(built.inputs.hours)), float, count=built.inputs.hours
    )


def _add_cooling_balance(m: pyo.ConcreteModel, inputs: SystemInputs, blocks: dict[str, pyo.Block]) -> None:
    """Cooling by-product of the units that serve the cooling demand must cover it every hour."""
    cooling = inputs.cooling_demand_mw
    serving = [
        (blocks[u.name], u.cooling_per_mwh) for u in inputs.converters if u.cooling_per_mwh is not None
    ]
    m.cooling_balance = pyo.Constraint(
        range(inputs.hours),
        rule=lambda _, n: (
            pyo.quicksum(float(c[n]) * converter.heat_var(b, n) for b, c in serving) >= float(cooling[n])
        ),
    )


def _previous(inputs: SystemInputs) -> np.ndarray | None:
    """The hour before each hour within its weather year (None: one year, the usual wrap)."""
    if inputs.years is None:
        return None
    from dhopt.weather_years import previous_hours

    return previous_hours(inputs)


def _add_unserved(m: pyo.ConcreteModel, inputs: SystemInputs, delivered_by_hour: list[list]):
    """The stress test's priced slack: heat that goes unserved in an hour, at a high price a MWh
    (scaled to a year like every cost). Returns its annual cost."""
    price, w = float(inputs.unserved_heat_eur_per_mwh or 0.0), inputs.weights
    m.unserved_heat = pyo.Var(range(inputs.hours), bounds=(0.0, None))
    for n in range(inputs.hours):
        delivered_by_hour[n].append(m.unserved_heat[n])
    return pyo.quicksum(float(price * w[n]) * m.unserved_heat[n] for n in range(inputs.hours))


def unserved_values(built: BuiltModel) -> np.ndarray | None:
    """Solved unserved heat per hour, MW (None: the model has no such slack)."""
    m = built.model
    if not hasattr(m, "unserved_heat"):
        return None
    n = built.inputs.hours
    return np.fromiter((m.unserved_heat[i].value or 0.0 for i in range(n)), float, count=n)


def build_model(inputs: SystemInputs) -> BuiltModel:
    start = time.perf_counter()
    m = pyo.ConcreteModel(name=inputs.name)
    hours = inputs.hours
    delivered_by_hour: list[list] = [[] for _ in range(hours)]
    costs = []
    conv_blocks: dict[str, pyo.Block] = {}
    grid_priced = inputs.pv_mw is not None
    aux_price = np.zeros(hours) if grid_priced else inputs.weights * inputs.price
    for u in inputs.converters:
        block = pyo.Block()
        m.add_component(f"unit_{u.name}", block)
        op = operating_cost_per_mwh(inputs, u)
        extra = (
            None if u.extraction is None else inputs.weights * extraction_cost_per_mwh_el(inputs.carriers, u)
        )
        period = cycle_hours(inputs)
        delivered, cost = add_converter(block, u, hours, op, aux_price, inputs.weights, extra, period)
        for n in range(hours):
            delivered_by_hour[n].append(delivered[n])
        costs.append(cost)
        conv_blocks[u.name] = block
    stor_blocks: dict[str, pyo.Block] = {}
    for s in inputs.storages:
        block = pyo.Block()
        m.add_component(f"storage_{s.name}", block)
        booster = pit_booster.booster_for(s.booster, inputs, conv_blocks)
        net, cost = add_storage(block, s, hours, inputs.periods, booster, _previous(inputs))
        for n in range(hours):
            delivered_by_hour[n].append(net[n])
        costs.append(cost)
        stor_blocks[s.name] = block
    if grid_priced:
        costs.append(_add_grid(m, inputs, conv_blocks))
    if inputs.unserved_heat_eur_per_mwh is not None:
        costs.append(_add_unserved(m, inputs, delivered_by_hour))
    if inputs.cooling_demand_mw is not None:
        _add_cooling_balance(m, inputs, conv_blocks)
    if inputs.co2_cap_t_per_year is not None:
        _add_co2_cap(m, inputs, conv_blocks)
    _add_fuel_limits(m, inputs, conv_blocks)
    demand = inputs.demand_mw
    m.heat_balance = pyo.Constraint(
        range(hours),
        rule=lambda _, n: (
            pyo.quicksum(delivered_by_hour[n]) >= float(demand[n])
            if inputs.allow_heat_dump
            else pyo.quicksum(delivered_by_hour[n]) == float(demand[n])
        ),
    )
    m.total_cost = pyo.Objective(
        expr=pyo.quicksum(costs) + sum(inputs.extra_annual_eur.values()), sense=pyo.minimize
    )
    return BuiltModel(
        model=m,
        inputs=inputs,
        converter_blocks=conv_blocks,
        storage_blocks=stor_blocks,
        build_seconds=time.perf_counter() - start,
    )


def _without_sizes(unit, fixed: str, bound: str):
    """`unit` with its fixed size reduced to "fixed or not" and the bound of a fixed unit (its
    size) left out: what structure_key must not see."""
    is_fixed = getattr(unit, fixed) is not None
    return dataclasses.replace(
        unit, **{fixed: -1.0 if is_fixed else None, bound: None if is_fixed else getattr(unit, bound)}
    )


def structure_key(inputs: SystemInputs) -> str:
    """A digest of everything that shapes the model except the values of fixed capacities: two
    inputs with the same key give the same model up to the bounds of fixed units (see
    `retarget`). The bounds of free units are big-M coefficients, so they are part of the key."""
    converters = [_without_sizes(u, "capacity_fixed_mw", "capacity_bound_mw") for u in inputs.converters]
    storages = [_without_sizes(st, "capacity_fixed_mwh", "capacity_bound_mwh") for st in inputs.storages]
    shape = dataclasses.replace(inputs, converters=converters, storages=storages, time=None)
    return hashlib.sha256(pickle.dumps(shape, protocol=5)).hexdigest()


def retarget(built: BuiltModel, inputs: SystemInputs) -> list:
    """Give a built model the fixed capacities of `inputs` (same structure_key as the model's own
    inputs): new bounds and fixed values only, by each unit kind. Returns the variables changed."""
    changed: list = []
    for u in inputs.converters:
        if u.capacity_fixed_mw is not None:
            changed += converter.retarget(built.converter_blocks[u.name], u)
    for st in inputs.storages:
        if st.capacity_fixed_mwh is not None:
            changed += storage.retarget(built.storage_blocks[st.name], st, inputs.periods)
    built.inputs = inputs
    return changed
