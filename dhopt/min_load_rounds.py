"""The minimum-load rounds of one solve: relaxation, repair, on/off binaries where needed.

The minimum load (a running heat pump makes ≥ min_load MW) is what makes the plain model slow: one
on/off binary per unit and hour. Instead:

1. Solve a relaxation: the model with on/off binaries only for hours already known to need them
   (none at first). Its dual bound is a valid lower bound for the full model.
2. If its solution keeps every minimum load, it is feasible for the full model: done.
3. Otherwise repair it: hold the build decisions, and make each unit run (at least at its minimum
   load) in exactly the hours it ran, off in the others; re-solve (a linear program once presolved).
   That solution is feasible for the full model; if it is within the MIP gap of the best
   relaxation bound, it is proven optimal within that gap: done.
4. Otherwise add on/off binaries around the offending hours (a window that doubles each round)
   and go back to 1.

On the reference year the first relaxation plus one repair settle it (README, Performance).
"""

from __future__ import annotations

import functools
import logging
import math
import sys
import time
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from dhopt.branching import MAX_BRANCHED_BUILDS, branch_on_builds
from dhopt.decomposition import decompose as decompose_round
from dhopt.decomposition import investment_of
from dhopt.highs_adapter import LP_OPTIONS, MIP_OPTIONS, hand_over, highs_version, mip_tuning, run_time_limit
from dhopt.min_load_repair import min_load_violations_of, repair
from dhopt.model import BuiltModel, add_on_off, built_capacities
from dhopt.solve_types import SolveOptions, SolveReport, SolveRound, gap_text, relative_gap
from dhopt.starts_solve import solve_with_starts
from dhopt.units import commitment
from dhopt.units.capacity import capacity_vars
from dhopt.units.storage import integer_vars as storage_integer_vars

log = logging.getLogger("dhopt.solve")  # one logger for the whole solve

MAX_ROUNDS = 50
WINDOW_HOURS = 12  # first half-width of the window of on/off binaries around a violation


def solve_rounds(
    built: BuiltModel,
    options: SolveOptions,
    start: float,
    min_load_hours: dict[str, set[int]],
    solver: Highs | None = None,
    start_capacities: dict[str, float] | None = None,
    decompose: bool = False,
) -> tuple[SolveReport, Highs]:
    """The rounds of one solve. `decompose`: solve the rounds without on/off binaries by
    decomposition over the capacities (dhopt.decomposition; the caller checks `decomposable`),
    starting from `start_capacities` (unit → MW or MWh, e.g. from a typical-day screening)."""
    m = built.model
    handed_over = solver is not None
    solver = solver or Highs()
    cfg = solver.config
    cfg.load_solutions = False
    cfg.raise_exception_on_nonoptimal_result = False
    cfg.rel_gap = options.mip_gap
    cfg.threads = options.threads
    cfg.auto_updates.check_for_new_or_removed_constraints = False
    cfg.auto_updates.check_for_new_or_removed_vars = False
    cfg.auto_updates.check_for_new_or_removed_params = False
    cfg.auto_updates.check_for_new_objective = False
    cfg.auto_updates.update_constraints = False
    cfg.auto_updates.update_vars = False
    cfg.auto_updates.update_parameters = False
    cfg.auto_updates.update_named_expressions = False
    cfg.auto_updates.update_objective = False
    solver_options: dict[str, object] = {}
    if options.log_file is not None:
        solver_options["log_file"] = str(options.log_file)
    solver_options.update(options.highs_options)
    cfg.solver_options = solver_options
    if options.echo_log:
        cfg.tee = [sys.stdout]
    if not handed_over:
        t0 = time.perf_counter()
        hand_over(solver, m)
        built.build_seconds += time.perf_counter() - t0  # handing the model to HiGHS is part of building
    units = {u.name: u for u in built.inputs.converters}
    built.min_load_hours = {}
    # Hours known from an earlier build (after a bound was raised) get their binaries at once.
    for name, hours in min_load_hours.items():
        new_vars, new_cons = add_on_off(built, units[name], hours, 0)
        solver.add_variables(new_vars)
        solver.add_constraints(new_cons)
    blocks = [*built.converter_blocks.values(), *built.storage_blocks.values()]
    build_vars = [build for _, build in map(capacity_vars, blocks) if not build.fixed]
    # A storage's other binaries (the segments of a concave cost curve): relaxed, the curve's
    # convex hull would be followed instead of the curve.
    build_vars += [
        v for b in built.storage_blocks.values() for v in storage_integer_vars(b)[1:] if not v.fixed
    ]
    # The on/off binaries of units with starts: integer from the start (a relaxation with them is
    # a MIP), held at their values in a repair like the build decisions, which keeps them feasible.
    commit_vars = [v for b in built.converter_blocks.values() for v in commitment.integer_vars(b)]
    build_vars += commit_vars
    rounds: list[SolveRound] = []
    solve_start = time.perf_counter()
    status, feasible, message = "error", False, ""
    best_bound = -math.inf  # best dual bound of the relaxations: valid for the full model

    def solve_once(linear: bool = False, cutoff: float = math.inf, limit: bool = True, seconds=None):
        """One HiGHS solve; as an LP (integrality dropped) if `linear` or no integer is free.
        `cutoff`: the dual simplex may stop once the objective is proven above it. `limit`: keep
        to what is left of the time limit (off only for re-solves from an optimal basis);
        `seconds`: this limit instead."""
        cfg.time_limit = None  # Pyomo would pass it to HiGHS as is (see run_time_limit)
        on_off = [v for on in built.on_off.values() for v in on.values()]
        linear = linear or all(v.lb == v.ub for v in build_vars + on_off)
        cfg.solver_options = {
            **(LP_OPTIONS if linear else {**MIP_OPTIONS, **mip_tuning(any(v.lb != v.ub for v in on_off))}),
            "objective_bound": cutoff,
            **solver_options,
        }
        left = seconds
        if left is None and options.time_limit is not None and limit:
            left = max(options.time_limit - (time.perf_counter() - start), 0.01)
        if left is not None:
            cfg.solver_options["time_limit"] = run_time_limit(getattr(solver, "_solver_model", None), left)
        return solver.solve(m)

    def run(kind: str):
        t = time.perf_counter()
        free_builds = [v for v in build_vars if v.lb != v.ub]
        no_on_off = all(v.lb == v.ub for on in built.on_off.values() for v in on.values())
        lp = lambda cutoff, limit=True: solve_once(linear=True, cutoff=cutoff, limit=limit)  # noqa: E731
        committed = {id(v) for v in commit_vars}
        builds_only = [v for v in free_builds if id(v) not in committed]
        res = None
        if no_on_off and decompose:
            # a repair starts where the relaxation ended
            begin = built_capacities(built) if kind != "relaxation" else start_capacities
            invest = investment_of(built, begin)
            deadline = None if options.time_limit is None else start + options.time_limit
            log_file = None if options.log_file is None else str(options.log_file)
            res = decompose_round(solver, invest, options.mip_gap / 10, deadline, lp, log_file)
        if res is not None:
            kind += " (decomposed)"
        elif kind == "relaxation" and no_on_off and len(builds_only) < len(free_builds):
            # units with starts: their own steps (dhopt.starts_solve)
            committed_blocks = [b for b in built.converter_blocks.values() if commitment.is_committed(b)]
            res = solve_with_starts(solver, m, builds_only, committed_blocks, lp, solve_once, options.mip_gap)
        elif kind == "relaxation" and no_on_off and 0 < len(free_builds) <= MAX_BRANCHED_BUILDS:
            res = branch_on_builds(solver, free_builds, lp, options.mip_gap / 10)
        else:
            res = solve_once()
        return record(kind, res, t)

    def run_past_limit(kind: str, until: float):
        """A repair's LP (every integer held) past the time limit, until `until` (perf_counter)."""
        t = time.perf_counter()
        return record(
            f"{kind}, past the time limit", solve_once(linear=True, seconds=max(until - t, 0.01)), t
        )

    def record(kind: str, res, since: float):
        """`res` as the next SolveRound; returns it."""
        rounds.append(
            SolveRound(
                len(rounds) + 1,
                kind,
                sum(len(h) for h in built.min_load_hours.values()),
                res.incumbent_objective,
                res.objective_bound,
                res.termination_condition.name,
                time.perf_counter() - since,
            )
        )
        return res

    incumbent: Incumbent | None = None  # the best solution feasible for the full model so far
    stopped = False  # by the time limit

    def out_of_time() -> bool:
        return options.time_limit is not None and time.perf_counter() - start >= options.time_limit

    for _ in range(MAX_ROUNDS):
        res = run("relaxation")
        tc = res.termination_condition
        relaxed_obj, bound = res.incumbent_objective, res.objective_bound
        if tc == TerminationCondition.maxTimeLimit or (
            res.solution_status not in (SolutionStatus.optimal, SolutionStatus.feasible) and out_of_time()
        ):
            stopped = True
        if tc in (TerminationCondition.provenInfeasible, TerminationCondition.infeasibleOrUnbounded):
            status, message = "infeasible", "the solver proved the model infeasible"
            break
        if tc == TerminationCondition.unbounded:
            status, message = "error", "the model is unbounded: some cost can fall without limit"
            break
        if res.solution_status not in (SolutionStatus.optimal, SolutionStatus.feasible):
            status = "time_limit" if stopped else "error"
            message = "time limit reached" if stopped else f"the solver stopped ({tc.name})"
            break
        optimal_end = tc == TerminationCondition.convergenceCriteriaSatisfied
        if bound is not None and math.isfinite(bound):
            # A relaxation's dual bound is valid for the full model (stopped early or not).
            best_bound = max(best_bound, bound)
        res.solution_loader.load_vars()
        violations = min_load_violations_of(built, units)
        if not violations:  # feasible for the full model
            incumbent = Incumbent.better(incumbent, relaxed_obj, built)
            status = "optimal" if optimal_end else ("time_limit" if stopped else "error")
            if not optimal_end:
                message = (
                    "time limit reached before the gap was proven"
                    if stopped
                    else f"the solver stopped ({tc.name}) before proving the gap"
                )
            break
        if not optimal_end or out_of_time():
            stopped = stopped or out_of_time()
            status = "time_limit" if stopped else "error"
            message = ("time limit reached" if stopped else f"the solver stopped ({tc.name})") + (
                " before the minimum loads were settled"
            )
            if stopped and incumbent is None:
                # No solution yet that keeps the minimum loads: the relaxed solution's repair (an
                # LP, its pattern held) past the limit, so the run ends with a usable solution.
                grace = max(REPAIR_GRACE_SECONDS, REPAIR_GRACE_SHARE * (options.time_limit or 0.0))
                past_limit = functools.partial(run_past_limit, until=time.perf_counter() + grace)
                for keep_violators_on in (False, True):
                    rep = repair(built, solver, units, build_vars, past_limit, violations, keep_violators_on)
                    if rep is not None:
                        incumbent = Incumbent.better(incumbent, rep, built)
                        message += " (the relaxed solution repaired past the limit)"
                        break
                gap = _incumbent_gap(incumbent, best_bound)
                if gap is not None and gap <= options.mip_gap:
                    status, message = "optimal", ""
            break
        log.info("minimum load broken in %d unit-hours; repairing", sum(map(len, violations.values())))
        for keep_violators_on in (True, False):
            rep = repair(built, solver, units, build_vars, run, violations, keep_violators_on)
            if rep is not None:
                incumbent = Incumbent.better(incumbent, rep, built)
            gap = _incumbent_gap(incumbent, best_bound)
            if (gap is not None and gap <= options.mip_gap) or out_of_time():
                break
        gap = _incumbent_gap(incumbent, best_bound)
        if gap is not None:
            log.info("best repaired solution is %.4f %% above the bound", 100 * gap)
            if gap <= options.mip_gap:
                status = "optimal"
                break
        if out_of_time():
            status, stopped = "time_limit", True
            message = "time limit reached while settling the minimum loads"
            break
        added = _add_min_load_binaries(built, solver, units, violations, len(rounds))
        log.info("adding %d on/off binaries around those hours", added)
    else:
        status, message = "error", f"minimum-load rounds did not settle in {MAX_ROUNDS} rounds"
    if incumbent is not None:
        incumbent.load(built)  # the model holds the best solution found, whatever came last
        obj, feasible = incumbent.objective, True
        bound = best_bound if math.isfinite(best_bound) else None
        if status == "infeasible":  # a later round cannot make an earlier solution infeasible
            status, message = (
                "error",
                "a later round was reported infeasible; the best earlier solution is kept",
            )
        if status == "time_limit":
            message = message or "time limit reached"
            message += f"; best solution kept, gap {gap_text(obj, bound)}"
    else:
        obj = None
        bound = best_bound if math.isfinite(best_bound) else None
        if status == "time_limit":
            message = "time limit reached before a solution was found"
    report = SolveReport(
        status=status,
        feasible=feasible,
        objective=obj,
        bound=bound,
        gap=relative_gap(obj, bound),
        build_seconds=built.build_seconds,
        solve_seconds=time.perf_counter() - solve_start,
        solver=highs_version(),
        rounds=rounds,
        min_load_binaries=sum(len(h) for h in built.min_load_hours.values()),
        message=message,
    )
    return report, solver


# When the time limit comes before any solution keeps the minimum loads, the relaxed solution's
# repairs (an LP each) may run this long past it in all, so that the run still ends with a usable
# solution.
REPAIR_GRACE_SHARE = 0.25
REPAIR_GRACE_SECONDS = 10.0


@dataclass
class Incumbent:
    """The best solution feasible for the full model: its objective and every variable's value."""

    objective: float
    values: list[tuple[pyo.Var, float | None]]

    @staticmethod
    def better(current: Incumbent | None, objective: float | None, built: BuiltModel) -> Incumbent | None:
        """`current`, or the solution loaded in the model if it is cheaper (a snapshot of it)."""
        if objective is None or (current is not None and current.objective <= objective):
            return current
        variables = built.model.component_data_objects(pyo.Var, descend_into=True)
        return Incumbent(objective, [(v, v.value) for v in variables])

    def load(self, built: BuiltModel) -> None:
        for v, value in self.values:
            v.set_value(value, skip_validation=True)


def _incumbent_gap(incumbent: Incumbent | None, bound: float) -> float | None:
    """The incumbent's gap to the relaxations' best bound (None without both); 0 is a proof."""
    return None if incumbent is None else relative_gap(incumbent.objective, bound)


def _add_min_load_binaries(
    built: BuiltModel, solver: Highs, units: dict, violations: dict[str, np.ndarray], rnd: int
) -> int:
    """Add on/off binaries around the hours where a relaxed solution broke a minimum load.

    A relaxed solution runs a unit below its minimum load only to make up a small remainder of
    energy; forbidding it in one hour moves the remainder to a neighbouring hour of the same or
    another unit. So binaries go to every built unit with a minimum load, for a window around
    each such hour, and the window doubles each round (12 h, 24 h, 48 h, … either side).
    """
    hours = built.inputs.hours
    width = WINDOW_HOURS * 2 ** (rnd - 1)
    window: set[int] = set()
    for bad in violations.values():
        for h in bad:
            window.update(range(max(0, int(h) - width), min(hours, int(h) + width + 1)))
    added = 0
    for name, block in built.converter_blocks.items():
        u = units[name]
        if u.min_load_mw <= 0 or ((capacity_vars(block)[0].value or 0.0) <= 0 and name not in violations):
            continue
        if commitment.is_committed(block):  # has its on/off binaries already
            continue
        new_vars, new_cons = add_on_off(built, u, window, rnd)
        solver.add_variables(new_vars)
        solver.add_constraints(new_cons)
        added += len(new_vars)
    return added
