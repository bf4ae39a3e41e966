"""The relaxation of a model with units that have starts (dhopt.units.commitment): their on/off
binaries are integer from the start, and handed to HiGHS's MIP as they are, the full year did not
settle in 15 minutes (gap 48 %: the root bound, with the build decisions fractional, is far below
the optimum; docs/performance.md). Instead, in three steps:

1. Branch on the build decisions with the starts relaxed (dhopt.branching: LPs, warm-started):
   a relaxation of the full model, so its bound is valid for it, and it picks the units to build.
2. Hold those build decisions and solve the starts as a MIP: a solution feasible for the full
   model. Within the MIP gap of step 1's bound, it is proven optimal: done.
3. Otherwise the full MIP, started from step 2's solution; its bound and step 1's are both valid,
   the larger is reported. A time limit stops it with the best solution and its gap.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from dhopt.branching import BranchOutcome, branch_on_builds
from dhopt.solve_types import relative_gap

log = logging.getLogger("dhopt.solve")

SOLVED = (SolutionStatus.optimal, SolutionStatus.feasible)


def solve_with_starts(
    solver: Highs,
    model: pyo.ConcreteModel,
    builds: list[pyo.Var],
    lp: Callable,
    mip: Callable,
    gap: float,
):
    """The relaxation round for a model with starts (see the module docstring); returns a result
    shaped like the solver's (BranchOutcome), its solution loaded in the model. `lp(cutoff,
    limit=True)` solves with every integer relaxed, `mip()` as a MIP."""
    first = branch_on_builds(solver, builds, lp, gap / 10) if builds else _loaded(lp(math.inf))
    if first.solution_status not in SOLVED or first.objective_bound is None:
        return first
    lower = first.objective_bound
    saved = [(v, v.lb, v.ub) for v in builds]
    for v in builds:  # hold the build decisions the relaxation chose
        value = float(round(v.value or 0.0))
        v.setlb(value)
        v.setub(value)
    solver.update_variables(builds)
    try:
        held = mip()
        if held.solution_status in SOLVED:  # before the bounds change: that invalidates the results
            held.solution_loader.load_vars()
    finally:
        for v, lb, ub in saved:
            v.setlb(lb)
            v.setub(ub)
        solver.update_variables(builds)
    if held.solution_status not in SOLVED:
        log.info(
            "starts with the relaxation's build decisions: %s; the full MIP", held.termination_condition.name
        )
        return _loaded(mip())
    best = held.incumbent_objective
    log.info(
        "starts: relaxation bound %.6g, with its build decisions held %.6g (%.3f %% above)",
        lower,
        best,
        100 * (relative_gap(best, lower) or 0.0),
    )
    done = (relative_gap(best, lower) or 0.0) <= gap
    if done or held.termination_condition != TerminationCondition.convergenceCriteriaSatisfied:
        return _outcome(held.termination_condition if not done else None, best, lower)
    snapshot = [(v, v.value) for v in model.component_data_objects(pyo.Var, descend_into=True)]
    _mip_start(solver, snapshot)
    full = mip()
    bound = max(lower, full.objective_bound if full.objective_bound is not None else -math.inf)
    if full.solution_status in SOLVED and full.incumbent_objective < best:
        full.solution_loader.load_vars()
        best = full.incumbent_objective
    else:  # HiGHS found nothing better: step 2's solution stays
        for v, value in snapshot:
            v.set_value(value, skip_validation=True)
    tc = full.termination_condition
    proven = (relative_gap(best, bound) or 0.0) <= gap
    return _outcome(None if proven else tc, best, bound)


def _loaded(res):
    """A solver result whose solution is loaded (as branch_on_builds leaves its own)."""
    bound = res.objective_bound
    if res.solution_status in SOLVED:
        res.solution_loader.load_vars()
        if bound is None and res.termination_condition == TerminationCondition.convergenceCriteriaSatisfied:
            bound = res.incumbent_objective  # an LP's optimum is its own bound
    return BranchOutcome(res.termination_condition, res.solution_status, res.incumbent_objective, bound)


def _outcome(stopped: TerminationCondition | None, objective: float, bound: float) -> BranchOutcome:
    """Converged (None) or stopped for `stopped`, with a solution loaded in the model."""
    if stopped is None:
        return BranchOutcome(
            TerminationCondition.convergenceCriteriaSatisfied, SolutionStatus.optimal, objective, bound
        )
    if stopped == TerminationCondition.convergenceCriteriaSatisfied:  # the MIP's own gap, not ours
        stopped = TerminationCondition.iterationLimit
    return BranchOutcome(stopped, SolutionStatus.feasible, objective, bound)


def _mip_start(solver: Highs, values: list[tuple[pyo.Var, float | None]]) -> None:
    """Hand HiGHS a feasible solution to start its MIP from (through highspy: Pyomo's persistent
    interface has no MIP start)."""
    highs = getattr(solver, "_solver_model", None)
    columns = getattr(solver, "_pyomo_var_to_solver_var_map", None)
    if highs is None or columns is None or not hasattr(highs, "setSolution"):
        return
    index, value = [], []
    for v, x in values:
        col = columns.get(id(v))
        if col is not None and x is not None:
            index.append(int(col))
            value.append(float(x))
    try:
        import numpy as np

        highs.setSolution(len(index), np.array(index, dtype=np.int32), np.array(value, dtype=float))
    except Exception as exc:  # a missing start costs time, not correctness
        log.info("no MIP start for HiGHS (%s)", exc)
