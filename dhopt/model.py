"""Stage 3: prepared inputs → the Pyomo MILP (seed 001 eq. 9–13).

One Pyomo block per unit, made by that unit type's builder; this module only adds what joins them:
the hourly heat balance and the objective (annualised investment + O&M + electricity).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo

from dhopt.inputs import SystemInputs
from dhopt.units.converter import add_converter
from dhopt.units.storage import add_storage


@dataclass
class BuiltModel:
    """The Pyomo model with handles to each unit's block, and what it took to build."""

    model: pyo.ConcreteModel
    inputs: SystemInputs
    converter_blocks: dict[str, pyo.Block]
    storage_blocks: dict[str, pyo.Block]
    build_seconds: float
    min_load_hours: dict[str, set[int]] = field(default_factory=dict)


def operating_cost_per_mwh(inputs: SystemInputs, cop: np.ndarray, variable_om: float) -> np.ndarray:
    """Cost per MWh of heat at the plant in each hour, scaled to a year: price / COP + variable O&M."""
    return inputs.year_scale * (inputs.price / cop + variable_om)


def build_model(inputs: SystemInputs) -> BuiltModel:
    start = time.perf_counter()
    m = pyo.ConcreteModel(name=inputs.name)
    hours = inputs.hours
    delivered_by_hour: list[list] = [[] for _ in range(hours)]
    costs = []
    conv_blocks: dict[str, pyo.Block] = {}
    for u in inputs.converters:
        block = pyo.Block()
        m.add_component(f"unit_{u.name}", block)
        op = operating_cost_per_mwh(inputs, u.cop, u.variable_om_eur_per_mwh)
        delivered, cost = add_converter(block, u, hours, op, inputs.year_scale * inputs.price)
        for n in range(hours):
            delivered_by_hour[n].append(delivered[n])
        costs.append(cost)
        conv_blocks[u.name] = block
    stor_blocks: dict[str, pyo.Block] = {}
    for s in inputs.storages:
        block = pyo.Block()
        m.add_component(f"storage_{s.name}", block)
        net, cost = add_storage(block, s, hours)
        for n in range(hours):
            delivered_by_hour[n].append(net[n])
        costs.append(cost)
        stor_blocks[s.name] = block
    demand = inputs.demand_mw
    m.heat_balance = pyo.Constraint(
        range(hours), rule=lambda _, n: pyo.quicksum(delivered_by_hour[n]) == float(demand[n])
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
