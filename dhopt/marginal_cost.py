"""Marginal heat cost per hour: the dual of the heat balance in the final LP, every integer and
every capacity fixed.

With the build decisions, the on/off pattern, any cost-curve segment and every capacity held at
the solution's values, the model is a linear program of the dispatch alone; the dual of hour n's
heat balance is what one more MW of demand in that hour would add to the annual cost, €/a per MW.
Divided by the hours of a year the model hour stands for, it is € per MWh of heat in that hour:
the short-run cost of the marginal unit, with the same plants at the same sizes and the same units
on. Where a storage links hours it carries the value of the heat shifted; in an hour where every
unit that could deliver more is at its capacity, it is a scarcity value above any running cost
(the capacities were sized for that hour). Nothing of the solution is changed: the duals are read,
not loaded.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.solvers.highs import Highs

from dhopt.highs_adapter import LP_OPTIONS
from dhopt.model import BuiltModel
from dhopt.units.capacity import capacity_vars

log = logging.getLogger(__name__)


def _decisions(built: BuiltModel) -> list[pyo.Var]:
    """Every integer of the model and every unit's capacity."""
    variables = built.model.component_data_objects(pyo.Var, descend_into=True)
    integers = [v for v in variables if v.is_integer() or v.is_binary()]
    blocks = [*built.converter_blocks.values(), *built.storage_blocks.values()]
    return integers + [capacity_vars(b)[0] for b in blocks]


@contextmanager
def decisions_held(built: BuiltModel) -> Iterator[list[pyo.Var]]:
    """Every integer and capacity held at its solved value (integers rounded); the bounds are put
    back afterwards. Yields the variables it held."""
    free = [v for v in _decisions(built) if not v.fixed and v.lb != v.ub]
    saved = [(v, v.lb, v.ub) for v in free]
    try:
        for v in free:
            value = float(v.value or 0.0)
            if v.is_integer() or v.is_binary():
                value = float(round(value))
            v.setlb(value)
            v.setub(value)
        yield free
    finally:
        for v, lb, ub in saved:
            v.setlb(lb)
            v.setub(ub)


def marginal_heat_cost(built: BuiltModel, solver: Highs) -> np.ndarray | None:
    """€ per MWh of heat in each model hour, or None if HiGHS gives no duals (logged)."""
    m = built.model
    cfg = solver.config
    options, load, limit = dict(cfg.solver_options), cfg.load_solutions, cfg.time_limit
    held: list[pyo.Var] = []
    try:
        with decisions_held(built) as held:
            solver.update_variables(held)
            cfg.solver_options = {**options, **LP_OPTIONS}
            cfg.load_solutions = False  # the solution stays the one the solve reported
            cfg.time_limit = None
            res = solver.solve(m)
            rows = list(m.heat_balance.values())
            duals = res.solution_loader.get_duals(rows)
    except Exception as exc:  # no duals is a missing column, not a failed run
        log.warning("no marginal heat cost: the final LP gave no duals (%s)", exc)
        return None
    finally:
        if held:
            solver.update_variables(held)  # their bounds are back
        cfg.solver_options, cfg.load_solutions, cfg.time_limit = options, load, limit
    return np.array([float(duals[c]) for c in rows]) / built.inputs.weights
