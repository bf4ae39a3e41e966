"""Other MIP solvers through Pyomo (`--solver cbc`, `gurobi`, `cplex`, `scip`, `glpk`…).

HiGHS is dhopt's own path: in memory, with the minimum-load rounds, the branching over build
decisions and the decomposition (dhopt.min_load_rounds). Another solver gets the whole model at
once, with an on/off binary for every hour in which a unit with a minimum load can run, through
Pyomo's SolverFactory (an LP file for the solver's executable, or its Python API). The model and
its optimum are the same; the time is the other solver's. It is there for users with a licence
for a commercial MIP solver and to check one solver against another.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.opt import SolverStatus, TerminationCondition

from dhopt.errors import DhoptError
from dhopt.marginal_cost import decisions_held
from dhopt.min_load_repair import min_load_violations_of
from dhopt.model import BuiltModel, add_on_off
from dhopt.solve_types import SolveOptions, SolveReport, SolveRound, gap_text, relative_gap
from dhopt.units import commitment

log = logging.getLogger("dhopt.solve")

HIGHS = "highs"


@dataclass(frozen=True)
class OptionNames:
    """What a solver calls the relative MIP gap, the time limit and the number of threads."""

    gap: str
    time: str
    threads: str | None
    integer_seconds: bool = False  # GLPK takes whole seconds
    extra: tuple[tuple[str, object], ...] = ()  # always set


_CPLEX = OptionNames("mipgap", "timelimit", "threads")
_GUROBI = OptionNames("MIPGap", "TimeLimit", "Threads")
OPTION_NAMES: dict[str, OptionNames] = {
    "cbc": OptionNames("ratioGap", "seconds", "threads", extra=(("timeMode", "elapsed"),)),  # wall clock
    "glpk": OptionNames("mipgap", "tmlim", None, integer_seconds=True),
    "scip": OptionNames("limits/gap", "limits/time", None),
    "cplex": _CPLEX,
    "cplex_direct": _CPLEX,
    "cplex_persistent": _CPLEX,
    "gurobi": _GUROBI,
    "gurobi_direct": _GUROBI,
    "gurobi_persistent": _GUROBI,
}


def known_solvers() -> list[str]:
    return [HIGHS, *OPTION_NAMES]


def check_solver(name: str, where: str = "--solver") -> None:
    """A DhoptError unless `name` is HiGHS or a solver dhopt knows and Pyomo finds installed;
    `where` names the option or field in the message."""
    if name == HIGHS:
        return
    if name not in OPTION_NAMES:
        raise DhoptError(f"{where}: expected one of {', '.join(known_solvers())}, found {name!r}")
    if not pyo.SolverFactory(name).available(exception_flag=False):
        here = [n for n in OPTION_NAMES if pyo.SolverFactory(n).available(exception_flag=False)]
        raise DhoptError(
            f"{where} {name}: Pyomo finds no {name} on this machine (its executable or Python "
            f"package, and a licence if it needs one); available here: {', '.join([HIGHS, *here])}"
        )


def solver_version(name: str) -> str:
    version = pyo.SolverFactory(name).version()
    return name.upper() + ("" if version is None else " " + ".".join(map(str, version)))


def add_every_on_off(built: BuiltModel) -> int:
    """On/off binaries for every hour a unit with a minimum load can run (the whole MILP)."""
    added = 0
    for u in built.inputs.converters:
        block = built.converter_blocks[u.name]
        if u.min_load_mw <= 0 or commitment.is_committed(block):  # committed: has its own binaries
            continue
        added += len(add_on_off(built, u, range(built.inputs.hours), 0)[0])
    return added


def _solver(name: str, options: SolveOptions, seconds_left: float | None):
    solver = pyo.SolverFactory(name)
    names = OPTION_NAMES[name]
    solver.options.update(dict(names.extra))
    solver.options[names.gap] = options.mip_gap
    if seconds_left is not None:
        solver.options[names.time] = (
            max(1, math.ceil(seconds_left)) if names.integer_seconds else seconds_left
        )
    if options.threads is not None and names.threads is not None:
        solver.options[names.threads] = options.threads
    return solver


def _call(solver, m: pyo.ConcreteModel, options: SolveOptions, log: bool = True):
    kwargs: dict[str, object] = {"load_solutions": False, "tee": options.echo_log}
    if log and options.log_file is not None:  # Pyomo overwrites the file: the MILP's log only
        kwargs["logfile"] = str(options.log_file)
    return solver.solve(m, **kwargs)


def solve_with(built: BuiltModel, name: str, options: SolveOptions, start: float) -> SolveReport:
    """Solve the whole MILP with Pyomo's solver `name`; the solution (if any) is loaded."""
    m = built.model
    t = time.perf_counter()
    binaries = add_every_on_off(built)
    built.build_seconds += time.perf_counter() - t
    left = (
        None if options.time_limit is None else max(options.time_limit - (time.perf_counter() - start), 0.01)
    )
    t = time.perf_counter()
    try:
        res = _call(_solver(name, options, left), m, options)
    except Exception as exc:  # a solver that fails to run is a failed solve, in words
        raise DhoptError(f"--solver {name}: the solver failed to run ({exc})") from exc
    seconds = time.perf_counter() - t
    tc = res.solver.termination_condition
    # intermediateNonInteger: the solver's last point is not integer, so no solution at all
    has_solution = (
        len(res.solution) > 0
        and res.solver.status in (SolverStatus.ok, SolverStatus.warning, SolverStatus.aborted)
        and tc != TerminationCondition.intermediateNonInteger
    )
    objective = bound = None
    feasible = False
    if has_solution:
        m.solutions.load_from(res)
        objective = float(pyo.value(m.total_cost))
        feasible = not min_load_violations_of(built, {u.name: u for u in built.inputs.converters})
        bound = _bound(res, objective, tc, options.mip_gap)
    status, message = _status(tc, feasible, objective, bound)
    rnd = SolveRound(1, f"whole MILP ({name})", binaries, objective, bound, str(tc), seconds)
    return SolveReport(
        status=status,
        feasible=feasible,
        objective=objective,
        bound=bound,
        gap=relative_gap(objective, bound),
        build_seconds=built.build_seconds,
        solve_seconds=seconds,
        solver=solver_version(name),
        rounds=[rnd],
        min_load_binaries=binaries,
        message=message,
    )


def _bound(res, objective: float, tc, gap: float) -> float | None:
    """The solver's dual bound. A solver that reports optimality within the gap but no bound
    (GLPK) has proven one of at least objective − gap·|objective|."""
    lower = res.problem.lower_bound
    if lower is not None and math.isfinite(float(lower)):
        return min(float(lower), objective)
    if tc == TerminationCondition.optimal:
        return objective - gap * abs(objective)
    return None


def _status(tc, feasible: bool, objective: float | None, bound: float | None) -> tuple[str, str]:
    if tc == TerminationCondition.optimal and feasible:
        return "optimal", ""
    # CBC stopped by its time limit before an integer solution says intermediateNonInteger
    stopped = (TerminationCondition.maxTimeLimit, TerminationCondition.maxIterations)
    if tc in stopped or (tc == TerminationCondition.intermediateNonInteger and objective is None):
        if objective is None:
            return "time_limit", "time limit reached before a solution was found"
        return "time_limit", f"time limit reached; best solution kept, gap {gap_text(objective, bound)}"
    if tc in (TerminationCondition.infeasible, TerminationCondition.infeasibleOrUnbounded):
        return "infeasible", "the solver proved the model infeasible"
    if tc == TerminationCondition.unbounded:
        return "error", "the model is unbounded: some cost can fall without limit"
    if objective is not None and not feasible:
        return "error", (
            f"the solver's solution ({tc}) runs a unit below its minimum load (outside its integer "
            "tolerance); try a tighter tolerance in the solver's options or dhopt's own HiGHS path"
        )
    if feasible:
        return "feasible", f"the solver stopped ({tc}) before proving the gap"
    return "error", f"the solver stopped ({tc})"


def marginal_heat_cost_with(built: BuiltModel, name: str, options: SolveOptions) -> np.ndarray | None:
    """The heat balance's duals (€/MWh per hour, as dhopt.marginal_cost) from solver `name`, with
    every integer and capacity held; None (logged) if it gives none."""
    m = built.model
    saved = [(v, v.value) for v in m.component_data_objects(pyo.Var, descend_into=True)]
    m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    try:
        with decisions_held(built):
            solver = _solver(name, options, None)
            res = _call(solver, m, options, log=False)
            if res.solver.termination_condition != TerminationCondition.optimal:
                raise DhoptError(f"the LP ended {res.solver.termination_condition}")
            m.solutions.load_from(res)
            duals = [m.dual.get(c) for c in m.heat_balance.values()]
        if any(d is None for d in duals):
            raise DhoptError("no duals in the solver's answer")
    except Exception as exc:  # no duals is a missing column, not a failed run
        log.warning("no marginal heat cost: the final LP gave no duals (%s)", exc)
        return None
    finally:
        m.del_component(m.dual)
        for v, value in saved:
            v.set_value(value, skip_validation=True)
    return np.array(duals, dtype=float) / built.inputs.weights
