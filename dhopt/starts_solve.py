"""The relaxation of a model with units that have starts (dhopt.units.commitment): their on/off
binaries are integer from the start, and handed to HiGHS's MIP as they are, the full year did not
settle in 15 minutes (gap 48 %: the root bound, with the build decisions fractional, is far below
the optimum; docs/performance.md). Instead, in three steps:

1. Branch on the build decisions with the starts relaxed (dhopt.branching: LPs, warm-started):
   a relaxation of the full model, so its bound is valid for it, and it picks the units to build.
2. Hold those build decisions. Round the relaxation's pattern (on where the unit makes heat,
   short stops run through, short runs lengthened: commitment.rounded_pattern), hold it and
   re-solve the dispatch (an LP): a solution feasible for the full model. Unless it is within the
   MIP gap of step 1's bound, solve the starts as a MIP (builds still held), started from it
   (HiGHS alone, with its primal heuristics off, found no good solution of the full year's in
   13 minutes). Within the MIP gap of step 1's bound: proven optimal, done.
3. Otherwise the full MIP, started from step 2's solution; its bound and step 1's are both valid,
   the larger is reported. A time limit stops it with the best solution and its gap.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from contextlib import contextmanager

import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from dhopt.branching import BranchOutcome, branch_on_builds
from dhopt.solve_types import relative_gap
from dhopt.units import commitment

log = logging.getLogger("dhopt.solve")

SOLVED = (SolutionStatus.optimal, SolutionStatus.feasible)


def solve_with_starts(
    solver: Highs,
    model: pyo.ConcreteModel,
    builds: list[pyo.Var],
    committed: list[pyo.Block],
    lp: Callable,
    mip: Callable,
    gap: float,
):
    """The relaxation round for a model with starts (see the module docstring); returns a result
    shaped like the solver's (BranchOutcome), its solution loaded in the model. `committed`: the
    blocks of the units with starts; `lp(cutoff, limit=True)` solves with every integer relaxed,
    `mip()` as a MIP."""
    first = branch_on_builds(solver, builds, lp, gap / 10) if builds else _loaded(lp(math.inf))
    if first.solution_status not in SOLVED or first.objective_bound is None:
        return first
    lower = first.objective_bound
    best: tuple[float, list] | None = None  # objective, snapshot of every variable
    with _held(solver, builds, [float(round(v.value or 0.0)) for v in builds]):
        rounded = _rounded(solver, model, committed, lp)
        if rounded is not None:
            best = rounded
            log.info("starts: relaxation bound %.6g, its pattern rounded %.6g", lower, best[0])
        if best is None or (relative_gap(best[0], lower) or 0.0) > gap:
            if best is not None:
                _mip_start(solver, best[1])
            held = mip()
            if held.solution_status in SOLVED and (best is None or held.incumbent_objective < best[0]):
                held.solution_loader.load_vars()  # before the bounds change: that invalidates it
                best = (held.incumbent_objective, _snapshot(model))
    if best is None:
        log.info("starts: no solution with the relaxation's build decisions; the full MIP")
        return _loaded(mip())
    _restore(best[1])
    log.info("starts: bound %.6g, best with those builds %.6g", lower, best[0])
    if (relative_gap(best[0], lower) or 0.0) <= gap:
        return _outcome(None, best[0], lower)
    _mip_start(solver, best[1])
    full = mip()
    bound = max(lower, full.objective_bound if full.objective_bound is not None else -math.inf)
    if full.solution_status in SOLVED and full.incumbent_objective < best[0]:
        full.solution_loader.load_vars()
        objective = full.incumbent_objective
    else:  # HiGHS found nothing better: the solution so far stays
        _restore(best[1])
        objective = best[0]
    proven = (relative_gap(objective, bound) or 0.0) <= gap
    return _outcome(None if proven else full.termination_condition, objective, bound)


def _rounded(solver: Highs, model: pyo.ConcreteModel, committed: list[pyo.Block], lp: Callable):
    """The relaxation's pattern made to keep the minimum up and down times (commitment.
    rounded_pattern), held, and the dispatch re-solved as an LP: (objective, snapshot) if that is
    feasible, else None."""
    patterns = [(b, commitment.rounded_pattern(b)) for b in committed]
    if any(p is None for _, p in patterns):
        return None
    on_vars = [v for b, _ in patterns for v in commitment.integer_vars(b)]
    values = [float(x) for _, p in patterns for x in p]
    with _held(solver, on_vars, values):
        res = lp(math.inf)
        if res.termination_condition != TerminationCondition.convergenceCriteriaSatisfied:
            return None
        res.solution_loader.load_vars()
        return res.incumbent_objective, _snapshot(model)


@contextmanager
def _held(solver: Highs, variables: list[pyo.Var], values: list[float]):
    """Hold `variables` at `values` (their bounds), restored afterwards."""
    saved = [(v, v.lb, v.ub) for v in variables]
    for v, x in zip(variables, values, strict=True):
        v.setlb(x)
        v.setub(x)
    solver.update_variables(variables)
    try:
        yield
    finally:
        for v, lb, ub in saved:
            v.setlb(lb)
            v.setub(ub)
        solver.update_variables(variables)


def _snapshot(model: pyo.ConcreteModel) -> list[tuple[pyo.Var, float | None]]:
    return [(v, v.value) for v in model.component_data_objects(pyo.Var, descend_into=True)]


def _restore(snapshot: list[tuple[pyo.Var, float | None]]) -> None:
    for v, value in snapshot:
        v.set_value(value, skip_validation=True)


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
