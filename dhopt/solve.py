"""Stage 4: solve the model with HiGHS through Pyomo's persistent (in-memory) interface.

The minimum load (a running heat pump makes ≥ min_load MW) is what makes the plain model slow: one
on/off binary per unit and hour. We solve a relaxation instead, the model with on/off binaries only
for the hours where an earlier solution ran a unit below its minimum load, and repeat until no hour
does. Each round is a relaxation of the full model, so its dual bound is a valid bound for the full
model, and a solution that keeps the minimum load in every hour is feasible for it: the last round's
solution is optimal for the full model within the MIP gap. The same holds for capacity bounds we
derived ourselves (peak demand for a unit, two days of peak demand for a storage): if the optimum
sits on one, it is raised and the model rebuilt.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from dhopt.errors import SolverError
from dhopt.inputs import SystemInputs
from dhopt.model import BuiltModel, build_model
from dhopt.units.converter import add_min_load, min_load_violations

log = logging.getLogger(__name__)

MAX_ROUNDS = 50
BOUND_TOLERANCE = 1e-6


@dataclass
class SolveOptions:
    mip_gap: float = 1e-3  # relative, 0.1 %
    time_limit: float | None = None  # seconds for the whole solve (all rounds)
    threads: int | None = None
    log_file: Path | None = None
    echo_log: bool = False  # copy the solver's log to the terminal


@dataclass
class SolveRound:
    round: int
    binaries_added: int
    objective: float | None
    bound: float | None
    termination: str
    seconds: float


@dataclass
class SolveReport:
    status: str  # optimal | time_limit | infeasible | error
    feasible: bool  # the solution meets every constraint of the full model
    objective: float | None
    bound: float | None
    gap: float | None
    build_seconds: float
    solve_seconds: float
    solver: str
    rounds: list[SolveRound] = field(default_factory=list)
    min_load_binaries: int = 0
    message: str = ""


def highs_version() -> str:
    return "HiGHS " + ".".join(map(str, Highs().version()))


def _relative_gap(obj: float | None, bound: float | None) -> float | None:
    if obj is None or bound is None or not math.isfinite(bound):
        return None
    return abs(obj - bound) / max(abs(obj), 1e-9)


def _binding_derived_bounds(built: BuiltModel) -> list[str]:
    """Names of units whose optimum sits on a capacity bound we made up (so it may be too low)."""
    hits = []
    for u in built.inputs.converters:
        cap = built.converter_blocks[u.name].cap.value or 0.0
        if u.capacity_bound_is_derived and cap >= u.capacity_bound_mw * (1 - BOUND_TOLERANCE):
            hits.append(u.name)
    for s in built.inputs.storages:
        cap = built.storage_blocks[s.name].cap.value or 0.0
        if s.capacity_bound_is_derived and cap >= s.capacity_bound_mwh * (1 - BOUND_TOLERANCE):
            hits.append(s.name)
    return hits


def _raise_bounds(inputs: SystemInputs, names: list[str]) -> None:
    for u in inputs.converters:
        if u.name in names:
            u.capacity_bound_mw = min(2 * u.capacity_bound_mw, u.capacity_max_mw)
            u.capacity_bound_is_derived = u.capacity_bound_mw < u.capacity_max_mw
    for s in inputs.storages:
        if s.name in names:
            s.capacity_bound_mwh *= 2


def solve(inputs: SystemInputs, options: SolveOptions | None = None) -> tuple[BuiltModel, SolveReport]:
    """Build and solve; returns the model with its solution loaded and a report."""
    options = options or SolveOptions()
    start = time.perf_counter()
    build_seconds = 0.0
    min_load_hours: dict[str, set[int]] = {}
    rounds: list[SolveRound] = []
    solve_seconds = 0.0
    while True:
        built = build_model(inputs)
        report = _solve_built(built, options, start, min_load_hours)
        build_seconds += built.build_seconds  # Pyomo build + handing the model to HiGHS
        rounds += report.rounds
        solve_seconds += report.solve_seconds
        report.rounds, report.solve_seconds = list(rounds), solve_seconds
        report.build_seconds = build_seconds
        if not report.feasible and report.status != "optimal":
            return built, report
        raised = _binding_derived_bounds(built)
        if not raised:
            return built, report
        log.info("optimum reaches a derived capacity bound of %s; raising it", ", ".join(raised))
        _raise_bounds(inputs, raised)
        min_load_hours = built.min_load_hours


def _solve_built(
    built: BuiltModel, options: SolveOptions, start: float, min_load_hours: dict[str, set[int]]
) -> SolveReport:
    m = built.model
    solver = Highs()
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
    cfg.solver_options = solver_options
    if options.echo_log:
        import sys

        cfg.tee = [sys.stdout]
    t0 = time.perf_counter()
    solver.set_instance(m)
    built.build_seconds += time.perf_counter() - t0  # handing the model to HiGHS is part of building
    units = {u.name: u for u in built.inputs.converters}
    built.min_load_hours = {k: set(v) for k, v in min_load_hours.items()}
    # Hours known from an earlier build (after a bound was raised) get their binaries at once.
    for name, hours in built.min_load_hours.items():
        if hours:
            new_vars, new_cons = add_min_load(built.converter_blocks[name], units[name], sorted(hours), 0)
            solver.add_variables(new_vars)
            solver.add_constraints(new_cons)
    rounds: list[SolveRound] = []
    solve_start = time.perf_counter()
    status, feasible, message = "error", False, ""
    obj = bound = None
    for rnd in range(1, MAX_ROUNDS + 1):
        if options.time_limit is not None:
            remaining = options.time_limit - (time.perf_counter() - start)
            if remaining <= 0:
                status, message = "time_limit", "time limit reached between rounds"
                break
            cfg.time_limit = remaining
        t = time.perf_counter()
        res = solver.solve(m)
        tc = res.termination_condition
        obj = res.incumbent_objective
        bound = res.objective_bound
        has_solution = res.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)
        rounds.append(
            SolveRound(
                rnd,
                sum(len(h) for h in built.min_load_hours.values()),
                obj,
                bound,
                tc.name,
                time.perf_counter() - t,
            )
        )
        if tc in (TerminationCondition.provenInfeasible, TerminationCondition.infeasibleOrUnbounded):
            status, message = "infeasible", "the solver proved the model infeasible"
            break
        if not has_solution:
            status = "time_limit" if tc == TerminationCondition.maxTimeLimit else "error"
            message = f"the solver stopped ({tc.name}) without a solution"
            break
        res.solution_loader.load_vars()
        added = 0
        for name, block in built.converter_blocks.items():
            u = units[name]
            if u.min_load_mw <= 0:
                continue
            q = np.fromiter((block.q[n].value or 0.0 for n in range(built.inputs.hours)), float)
            bad = [
                int(h)
                for h in min_load_violations(u, q)
                if int(h) not in built.min_load_hours.get(name, set())
            ]
            if bad:
                new_vars, new_cons = add_min_load(block, u, bad, rnd)
                solver.add_variables(new_vars)
                solver.add_constraints(new_cons)
                built.min_load_hours.setdefault(name, set()).update(bad)
                added += len(bad)
        optimal_end = tc == TerminationCondition.convergenceCriteriaSatisfied
        if added == 0:
            feasible = True
            status = "optimal" if optimal_end else "time_limit"
            if not optimal_end:
                message = f"the solver stopped ({tc.name}) before proving the gap"
            break
        log.info("round %d: %d hours below minimum load; adding on/off binaries", rnd, added)
        if not optimal_end:
            status = "time_limit"
            message = "time limit reached; the last solution still runs units below their minimum load"
            break
    else:
        status, message = "error", f"minimum-load rounds did not settle in {MAX_ROUNDS} rounds"
    return SolveReport(
        status=status,
        feasible=feasible,
        objective=obj,
        bound=bound,
        gap=_relative_gap(obj, bound),
        build_seconds=built.build_seconds,
        solve_seconds=time.perf_counter() - solve_start,
        solver=highs_version(),
        rounds=rounds,
        min_load_binaries=sum(len(h) for h in built.min_load_hours.values()),
        message=message,
    )


def require_solution(report: SolveReport) -> None:
    if report.objective is None:
        raise SolverError(f"no solution: {report.message or report.status}")


__all__ = ["SolveOptions", "SolveReport", "pyo", "solve"]
