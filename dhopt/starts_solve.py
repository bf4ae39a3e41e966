"""The relaxation round of a model with units that have starts (dhopt.units.commitment): their
on/off binaries are integer from the start. Handed to HiGHS's MIP as they are, the full year did
not settle in 15 minutes (gap 48 %: its root bound, with the build decisions fractional, is far
below the optimum; docs/performance.md). Instead, an exact branch and bound over the few build
decisions, each node an LP with the starts relaxed (a valid bound for its part of the tree), the
incumbent's cost less 0.9 of the MIP gap its cut-off (so the lowest pruned bound proves it).
Where every build is fixed (a leaf), the LP's pattern is rounded (on where the unit makes heat,
short stops run through, short runs lengthened: commitment.rounded_pattern), held, and the
dispatch re-solved, an LP: a solution feasible for the full model. Within the gap of the leaf's
LP bound, the leaf is settled. The leaves left get, once the tree is done and cheapest first, the
starts' MIP with their builds held, started from the rounded solution and stopped once proven
above the incumbent (HiGHS alone, with its primal heuristics off, found no good solution of the
full year's in 13 minutes); its dual bound is the leaf's. The bound reported is the lowest of the
leaves' and the pruned nodes'; a time limit stops it with the best solution and the root's bound.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from contextlib import contextmanager

import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from dhopt.branching import BranchOutcome
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
    best: tuple[float, list] | None = None  # objective, snapshot of every variable
    bounds: list[float] = []  # valid bounds of the parts of the tree that are done
    root: float | None = None  # the first LP's: valid for the whole model
    stopped: TerminationCondition | None = None
    saved = [(v, v.lb, v.ub) for v in builds]
    stack: list[dict[int, float]] = [{}]
    pending: list[tuple[float, dict[int, float], tuple[float, list] | None]] = []
    try:
        while stack:
            fixed = stack.pop()
            for v, lb, ub in saved:
                value = fixed.get(id(v))
                v.setlb(lb if value is None else value)
                v.setub(ub if value is None else value)
            solver.update_variables(builds)
            # pruned within 0.9 of the gap, so the lowest pruned bound still proves it
            cutoff = math.inf if best is None else best[0] - 0.9 * gap * abs(best[0])
            res = lp(cutoff)
            tc = res.termination_condition
            if tc in (TerminationCondition.provenInfeasible, TerminationCondition.infeasibleOrUnbounded):
                continue
            if tc == TerminationCondition.objectiveLimit:
                bounds.append(cutoff)
                continue
            if tc != TerminationCondition.convergenceCriteriaSatisfied:
                stopped = tc
                break
            obj = res.incumbent_objective
            root = obj if root is None else root
            if obj >= cutoff:
                bounds.append(obj)
                continue
            values = res.solution_loader.get_vars(builds)
            open_ = [v for v in builds if id(v) not in fixed]
            if open_:  # branch: the most fractional build, or (all whole) the first still open
                v = max(open_, key=lambda x: abs(values[x] - round(values[x])))
                whole = abs(values[v] - round(values[v])) <= 1e-6
                first = float(round(values[v])) if whole else 1.0  # the LP's value, or "build" first
                stack += [{**fixed, id(v): 1.0 - first}, {**fixed, id(v): first}]  # last pushed, first solved
                continue
            res.solution_loader.load_vars()  # every build fixed: the starts of this choice
            rounded = _rounded(solver, model, committed, lp)
            if rounded is not None:
                log.info("starts: LP bound %.6g, its pattern rounded %.6g", obj, rounded[0])
                if best is None or rounded[0] < best[0]:
                    best = rounded
            if rounded is not None and (relative_gap(rounded[0], obj) or 0.0) <= gap:
                bounds.append(obj)  # this choice is settled
            else:  # its MIP waits until every choice has had its LP (the cheapest first then)
                pending.append((obj, fixed, rounded))
        # The leaves left: the starts' MIP with the builds held, from the rounded solution.
        for obj, fixed, rounded in sorted(pending, key=lambda x: x[0]):
            cutoff = best[0] - 0.9 * gap * abs(best[0]) if best is not None else math.inf
            if obj >= cutoff or stopped is not None:
                bounds.append(obj)
                continue
            for v, lb, ub in saved:
                value = fixed.get(id(v))
                v.setlb(lb if value is None else value)
                v.setub(ub if value is None else value)
            solver.update_variables(builds)
            found, bound, stopped = _leaf_mip(solver, model, mip, obj, rounded, cutoff)
            bounds.append(bound)
            if found is not None and (best is None or found[0] < best[0]):
                best = found
    finally:
        for v, lb, ub in saved:
            v.setlb(lb)
            v.setub(ub)
        solver.update_variables(builds)
    if best is None:
        status = SolutionStatus.infeasible if stopped is None else SolutionStatus.noSolution
        tc = TerminationCondition.provenInfeasible if stopped is None else stopped
        return BranchOutcome(tc, status, None, None)
    _restore(best[1])
    bound = root if stopped is not None else min(bounds, default=best[0])
    log.info("starts: best %.6g, bound %.6g", best[0], bound)
    proven = stopped is None and (relative_gap(best[0], bound) or 0.0) <= gap
    return _outcome(None if proven else (stopped or TerminationCondition.iterationLimit), best[0], bound)


def _leaf_mip(solver: Highs, model, mip: Callable, lower: float, start, cutoff: float):
    """The starts' MIP of one choice of builds (held), whose LP gave `lower`, started from the
    rounded solution `start` (or None), stopped once proven above `cutoff`. Returns (objective,
    snapshot) or None, a bound valid for this choice, and the termination if it stopped early."""
    if start is not None:
        _mip_start(solver, start[1])
    res = mip(cutoff=cutoff)
    found = None
    if res.solution_status in SOLVED and (start is None or res.incumbent_objective < start[0]):
        res.solution_loader.load_vars()
        found = (res.incumbent_objective, _snapshot(model))
    tc = res.termination_condition
    if tc in (TerminationCondition.provenInfeasible, TerminationCondition.infeasibleOrUnbounded):
        return None, math.inf, None
    if tc == TerminationCondition.objectiveLimit:
        return found, cutoff, None
    if tc != TerminationCondition.convergenceCriteriaSatisfied:
        return found, lower, tc
    bound = res.objective_bound if res.objective_bound is not None else lower
    return found, max(lower, bound), None


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
