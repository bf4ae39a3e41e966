"""The minimum-load repair of a round (dhopt.min_load_rounds, step 3): a solution feasible for the
full model near a relaxation's, by holding each unit's running pattern."""

from __future__ import annotations

import logging

import numpy as np
from pyomo.contrib.solver.common.results import SolutionStatus
from pyomo.contrib.solver.solvers.highs import Highs

from dhopt.model import BuiltModel
from dhopt.units import commitment
from dhopt.units.converter import heat_values, heat_var, min_load_violations

log = logging.getLogger("dhopt.solve")


def min_load_values(built: BuiltModel, units: dict) -> dict[str, np.ndarray]:
    hours = built.inputs.hours
    return {
        name: heat_values(block, hours)
        for name, block in built.converter_blocks.items()
        if units[name].min_load_mw > 0 and not commitment.is_committed(block)  # kept exactly there
    }


def min_load_violations_of(built: BuiltModel, units: dict) -> dict[str, np.ndarray]:
    """Hours, per unit, where the loaded solution runs the unit below its minimum load."""
    out = {}
    for name, q in min_load_values(built, units).items():
        bad = min_load_violations(units[name], q)
        if bad.size:
            log.debug(
                "%s below minimum load in hours %s at %s MW", name, bad.tolist(), np.round(q[bad], 3).tolist()
            )
            out[name] = bad
    return out


def repair(
    built: BuiltModel,
    solver: Highs,
    units: dict,
    build_vars: list,
    run,
    violations: dict[str, np.ndarray],
    keep_violators_on: bool = True,
) -> float | None:
    """A feasible solution near the loaded one: keep its build decisions, and run each unit with a
    minimum load in exactly the hours it runs now (at least at the minimum load), off in the
    others, then re-solve. Hours where it runs below its minimum load (`violations`) are held on
    (`keep_violators_on`) or off: off lets the other units cover hours whose demand is below every
    minimum load, where holding the unit on fails the whole horizon over a few hours.
    Returns the objective (solution loaded) or None if that pattern is infeasible.

    Cheap (a linear program once the binaries are held) and, checked against the relaxation's
    bound, usually proves the optimum at once; the bounds are restored afterwards.
    """
    touched = []
    saved = []
    values = min_load_values(built, units)
    for name, q in values.items():
        block, low = built.converter_blocks[name], units[name].min_load_mw
        on_off = built.on_off.get(name, {})
        below = set() if keep_violators_on else {int(h) for h in violations.get(name, ())}
        for n, value in enumerate(q):
            var = heat_var(block, n)
            saved.append((var, var.lb, var.ub))
            running = value > 1e-6 and (var.ub or 0.0) >= low and n not in below
            if running:
                var.setlb(low)
            else:
                var.setub(0.0)
            touched.append(var)
            if n in on_off:  # the binary is implied now; fixing it makes the repair a pure LP
                on = on_off[n]
                saved.append((on, on.lb, on.ub))
                on.setlb(float(running))
                on.setub(float(running))
                touched.append(on)
    for v in build_vars:
        saved.append((v, v.lb, v.ub))
        val = float(round(v.value or 0.0))
        v.setlb(val)
        v.setub(val)
        touched.append(v)
    solver.update_variables(touched)
    try:
        res = run("repair" if keep_violators_on else "repair (below-minimum hours off)")
        ok = res.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)
        if ok:
            res.solution_loader.load_vars()
        return res.incumbent_objective if ok else None
    finally:
        for var, lb, ub in saved:
            var.setlb(lb)
            var.setub(ub)
        solver.update_variables(touched)
