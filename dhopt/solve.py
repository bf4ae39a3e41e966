"""Stage 4: solve the model with HiGHS through Pyomo's persistent (in-memory) interface.

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
Capacity bounds are valid for every build decision (dhopt.bounds); where one is only a first guess,
the incumbent's cost checks it, and the model is solved again with a proven bound if needed.
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

from dhopt.bounds import economic_bounds, unproven, with_bounds
from dhopt.inputs import SystemInputs
from dhopt.model import BuiltModel, build_model, retarget, structure_key
from dhopt.units.converter import add_min_load, min_load_violations

log = logging.getLogger(__name__)

MAX_ROUNDS = 50
WINDOW_HOURS = 12  # first half-width of the window of on/off binaries around a violation
# Measured on the full-year reference (see README, Performance): with only a handful of build
# binaries, HiGHS's restarts, strong branching and primal heuristics cost more than they save.
DEFAULT_HIGHS_OPTIONS: dict[str, object] = {
    "mip_allow_restart": False,
    "mip_pscost_minreliable": 0,
    "mip_heuristic_effort": 0.0,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
    # Feasibility jump spent 2.5 s of a 12 s sweep point before the root LP and found nothing the
    # root LP did not find (HiGHS 1.16, full-year sweep point).
    "mip_heuristic_run_feasibility_jump": False,
}

# A solve whose integer variables are all fixed is a linear program: HiGHS then gets it as one
# (solve_relaxation drops integrality that no longer matters) with Devex pricing, which on the
# full-year models took half the time of the default dual steepest edge (ref. LP 14.1 → 7.3 s,
# sweep point LP 8.9 → 4.7 s). Inside a MIP, HiGHS chooses its own LP settings.
LP_OPTIONS: dict[str, object] = {
    "solve_relaxation": True,
    "simplex_dual_edge_weight_strategy": 1,
    "objective_bound": math.inf,
}
MIP_OPTIONS: dict[str, object] = {
    "solve_relaxation": False,
    "simplex_dual_edge_weight_strategy": -1,
    "objective_bound": math.inf,
}

BOUND_TOLERANCE = 1e-6
# Up to this many free build binaries (and no on/off binaries), solve() branches on them itself
# with warm-started LPs (see _branch_on_builds); with more, HiGHS's MIP solver does it.
MAX_BRANCHED_BUILDS = 8


@dataclass
class SolveOptions:
    mip_gap: float = 1e-3  # relative, 0.1 %
    time_limit: float | None = None  # seconds for the whole solve (all rounds)
    threads: int | None = None
    log_file: Path | None = None
    echo_log: bool = False  # copy the solver's log to the terminal
    highs_options: dict[str, object] = field(default_factory=lambda: dict(DEFAULT_HIGHS_OPTIONS))


@dataclass
class SolveRound:
    round: int
    kind: str  # "relaxation" (lazy minimum-load binaries) or "repair" (pattern held, see _repair)
    min_load_binaries: int
    objective: float | None
    bound: float | None
    termination: str
    seconds: float


@dataclass
class SolveReport:
    # optimal: proven within the gap; time_limit: stopped by the time limit (with a solution if
    # `feasible`); feasible: a solution, not proven optimal; infeasible; error.
    status: str
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


@dataclass
class ModelCache:
    """A built model and its HiGHS instance kept between solves whose inputs differ only in fixed
    capacities (a sweep worker's points): the next solve changes bounds instead of rebuilding.

    Measured on the full-year ternary sweep: build and hand-over ≈ 6.6 s per point without it.
    `warm`: HiGHS starts each point from the last point's basis. The issue warned that warm
    re-solves after changing capacities took 54–217 s against 6–12 s cold (Pyomo's appsi, a MIP);
    here the points are LPs in our branching, and five full-year points took 3.2–4.0 s warm against
    5.4–8.6 s cold, the same optima (docs/performance.md).
    """

    key: str | None = None
    warm: bool = True
    built: BuiltModel | None = None
    solver: Highs | None = None
    reused: int = 0  # solves that reused the model


def solve(
    inputs: SystemInputs, options: SolveOptions | None = None, cache: ModelCache | None = None
) -> tuple[BuiltModel, SolveReport]:
    """Build and solve; returns the model with its solution loaded and a report.

    With a `cache`, a model built for inputs of the same structure (see model.structure_key) is
    reused, and the one built here is kept for the next call.
    """
    options = options or SolveOptions()
    start = time.perf_counter()
    build_seconds = 0.0
    min_load_hours: dict[str, set[int]] = {}
    rounds: list[SolveRound] = []
    solve_seconds = 0.0
    first = True
    while True:
        solver = None
        key = structure_key(inputs) if cache is not None else None
        if first and cache is not None and cache.key == key and cache.built is not None:
            built, solver = _reuse(cache, inputs)
        else:
            built = build_model(inputs)
        first = False
        report, solver = _solve_built(built, options, start, min_load_hours, solver)
        if cache is not None:
            cache.key, cache.built, cache.solver = key, built, solver
        build_seconds += built.build_seconds  # Pyomo build + handing the model to HiGHS
        rounds += report.rounds
        solve_seconds += report.solve_seconds
        report.rounds, report.solve_seconds = list(rounds), solve_seconds
        report.build_seconds = build_seconds
        guessed = unproven(inputs)
        if guessed and report.feasible and report.status != "optimal":
            report.message += f"; the capacity bounds of {', '.join(guessed)} are unchecked guesses"
        if not guessed or report.status != "optimal" or report.objective is None:
            return built, _judge_gap(report)
        # Some capacity bounds are first guesses: check them against what any cheaper solution
        # could build (dhopt.bounds). If one is too low, solve again with the proven bounds.
        economic = economic_bounds(built, report.objective)
        limits = {
            u.name: min(u.capacity_max_mw, float(np.max(u.upper_mw, initial=0.0))) for u in inputs.converters
        }
        limits.update({st.name: st.capacity_max_mwh for st in inputs.storages})
        current = {u.name: u.capacity_bound_mw for u in inputs.converters}
        current.update({st.name: st.capacity_bound_mwh for st in inputs.storages})
        needed = {n: min(economic.get(n, math.inf), limits[n]) for n in guessed}
        too_low = [n for n in guessed if needed[n] > current[n] * (1 + BOUND_TOLERANCE) + BOUND_TOLERANCE]
        if not too_low:
            log.info("capacity bounds of %s checked against the incumbent's cost", ", ".join(guessed))
            return built, _judge_gap(report)
        unbounded = [n for n in too_low if not math.isfinite(needed[n])]
        if unbounded:
            report.status = "feasible"
            report.message = (
                f"not proven optimal: no valid capacity bound for {', '.join(unbounded)} (a guess of "
                + ", ".join(f"{current[n]:.4g}" for n in unbounded)
                + " was used); give them capacity_max_mw / capacity_max_mwh"
            )
            return built, report
        log.info("capacity bounds of %s may be too low; solving again with proven ones", ", ".join(too_low))
        inputs = with_bounds(inputs, {n: needed[n] for n in too_low})
        min_load_hours = built.min_load_hours


# A solution whose gap is above this is not called optimal, whatever gap was asked for.
LARGEST_OPTIMAL_GAP = 0.10


def _judge_gap(report: SolveReport) -> SolveReport:
    if report.status == "optimal" and (report.gap is None or report.gap > LARGEST_OPTIMAL_GAP):
        report.status = "feasible"
        report.message = (
            f"gap {100 * report.gap:.1f} % is above {100 * LARGEST_OPTIMAL_GAP:.0f} %: not called optimal"
            if report.gap is not None
            else "no bound: not proven optimal"
        )
    return report


def _reuse(cache: ModelCache, inputs: SystemInputs) -> tuple[BuiltModel, Highs]:
    """The cached model with the new fixed capacities and its on/off binaries removed."""
    t0 = time.perf_counter()
    built, solver = cache.built, cache.solver
    assert built is not None and solver is not None
    for block in built.converter_blocks.values():
        for sub in [c for c in block.component_objects(pyo.Block, descend_into=False)]:
            if sub.local_name.startswith("min_load_"):
                # Pyomo drops the on/off variables with the last constraints that use them.
                solver.remove_constraints([*sub.low.values(), *sub.high.values()])
                block.del_component(sub)
    built.min_load_hours, built.on_off = {}, {}
    solver.update_variables(retarget(built, inputs))
    # Pyomo treats fixed variables as parameters: terms like cost·cap of a fixed capacity (in the
    # objective) are constants that only update_parameters refreshes.
    solver.update_parameters()
    highs = getattr(solver, "_solver_model", None)  # highspy.Highs (private in Pyomo)
    if not cache.warm and highs is not None and hasattr(highs, "clearSolver"):
        highs.clearSolver()  # no basis from the last point
    built.build_seconds = time.perf_counter() - t0
    cache.reused += 1
    return built, solver


def _solve_built(
    built: BuiltModel,
    options: SolveOptions,
    start: float,
    min_load_hours: dict[str, set[int]],
    solver: Highs | None = None,
) -> tuple[SolveReport, Highs]:
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
        import sys

        cfg.tee = [sys.stdout]
    if not handed_over:
        t0 = time.perf_counter()
        _hand_over(solver, m)
        built.build_seconds += time.perf_counter() - t0  # handing the model to HiGHS is part of building
    units = {u.name: u for u in built.inputs.converters}
    built.min_load_hours = {k: set(v) for k, v in min_load_hours.items()}
    # Hours known from an earlier build (after a bound was raised) get their binaries at once.
    for name, hours in built.min_load_hours.items():
        if hours:
            new_vars, new_cons = add_min_load(built.converter_blocks[name], units[name], sorted(hours), 0)
            built.on_off.setdefault(name, {}).update(zip(sorted(hours), new_vars, strict=True))
            solver.add_variables(new_vars)
            solver.add_constraints(new_cons)
    build_vars = [b.build for b in built.converter_blocks.values() if not b.build.fixed]
    build_vars += [b.build for b in built.storage_blocks.values() if not b.build.fixed]
    rounds: list[SolveRound] = []
    solve_start = time.perf_counter()
    status, feasible, message = "error", False, ""
    best_bound = -math.inf  # best dual bound of the relaxations: valid for the full model

    def solve_once(linear: bool = False, cutoff: float = math.inf, limit: bool = True):
        """One HiGHS solve; as an LP (integrality dropped) if `linear` or no integer is free.
        `cutoff`: the dual simplex may stop once the objective is proven above it. `limit`: keep
        to what is left of the time limit (off only for re-solves from an optimal basis)."""
        cfg.time_limit = None
        if options.time_limit is not None and limit:
            cfg.time_limit = max(options.time_limit - (time.perf_counter() - start), 0.01)
        integer_vars = build_vars + [v for on in built.on_off.values() for v in on.values()]
        linear = linear or all(v.lb == v.ub for v in integer_vars)
        cfg.solver_options = {
            **(LP_OPTIONS if linear else MIP_OPTIONS),
            "objective_bound": cutoff,
            **solver_options,
        }
        return solver.solve(m)

    def run(kind: str):
        t = time.perf_counter()
        free_builds = [v for v in build_vars if v.lb != v.ub]
        no_on_off = all(v.lb == v.ub for on in built.on_off.values() for v in on.values())
        if kind == "relaxation" and no_on_off and 0 < len(free_builds) <= MAX_BRANCHED_BUILDS:
            lp = lambda cutoff, limit=True: solve_once(linear=True, cutoff=cutoff, limit=limit)  # noqa: E731
            res = _branch_on_builds(solver, free_builds, lp, options.mip_gap / 10)
        else:
            res = solve_once()
        n_bin = sum(len(h) for h in built.min_load_hours.values())
        rounds.append(
            SolveRound(
                len(rounds) + 1,
                kind,
                n_bin,
                res.incumbent_objective,
                res.objective_bound,
                res.termination_condition.name,
                time.perf_counter() - t,
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
        violations = _min_load_violations(built, units)
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
            break
        log.info("minimum load broken in %d unit-hours; repairing", sum(map(len, violations.values())))
        for keep_violators_on in (True, False):
            rep = _repair(built, solver, units, build_vars, run, violations, keep_violators_on)
            if rep is not None:
                incumbent = Incumbent.better(incumbent, rep, built)
            if (
                incumbent is not None
                and (_relative_gap(incumbent.objective, best_bound) or 1) <= options.mip_gap
            ):
                break
            if out_of_time():
                break
        if incumbent is not None:
            rep_gap = _relative_gap(incumbent.objective, best_bound)
            log.info("best repaired solution is %.4f %% above the bound", 100 * (rep_gap or math.inf))
            if rep_gap is not None and rep_gap <= options.mip_gap:
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
            message += f"; best solution kept, gap {_gap_text(obj, bound)}"
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
        gap=_relative_gap(obj, bound),
        build_seconds=built.build_seconds,
        solve_seconds=time.perf_counter() - solve_start,
        solver=highs_version(),
        rounds=rounds,
        min_load_binaries=sum(len(h) for h in built.min_load_hours.values()),
        message=message,
    )
    return report, solver


def _hand_over(solver: Highs, m: pyo.ConcreteModel) -> None:
    """solver.set_instance(m), with every variable registered in one call first.

    Pyomo otherwise adds the variables constraint by constraint, one HiGHS call each whose cost
    grows with the number of columns: 8.3–9.5 s against 4.0–4.2 s for a full-year sweep point.
    """
    variables = list(m.component_data_objects(pyo.Var, descend_into=True))
    add_block = solver.add_block

    def add_variables_then_block(block):
        solver.add_variables(variables)
        return add_block(block)

    solver.add_block = add_variables_then_block  # set_instance calls add_block once, after its reset
    try:
        solver.set_instance(m)
    finally:
        del solver.add_block


@dataclass
class _BranchOutcome:
    """What `_branch_on_builds` found, shaped like the solver's results where solve() reads them."""

    termination_condition: TerminationCondition
    solution_status: SolutionStatus
    incumbent_objective: float | None
    objective_bound: float | None

    @property
    def solution_loader(self) -> _BranchOutcome:
        return self

    def load_vars(self) -> None:
        """The incumbent's solution is already in the model (see _branch_on_builds)."""


def _branch_on_builds(solver: Highs, free_builds: list, solve_lp, gap: float) -> _BranchOutcome:
    """Exact branch and bound over the few build binaries, each node a warm-started LP.

    With only build decisions integer (no on/off binaries yet), HiGHS's MIP spent most of its time
    on its root LP (it picks its own LP settings there) and its cut loop. Here the root is an LP
    solved with Devex pricing, and a branch changes one bound, so HiGHS re-solves from the last
    basis in well under a second (sweep point: 10.8 s as a MIP, 4.6 s branched, same optimum).
    Depth first, "build" before "don't build"; a node is pruned when its LP bound is within `gap`
    of the incumbent, and the lowest pruned bound is the bound reported.
    """
    saved = [(v, v.lb, v.ub) for v in free_builds]
    incumbent: tuple[float, dict] | None = None  # objective, every free build's value
    incumbent_basis = None
    incumbent_is_last = False  # the last LP solved is the incumbent's (its solution is at hand)
    pruned: list[float] = []
    stack: list[tuple[dict, object]] = [({}, None)]  # (fixed build values, the parent's basis)
    last = None
    stopped = False  # a node's LP stopped early (time limit, error): the tree is not finished
    highs = getattr(solver, "_solver_model", None)  # highspy.Highs, for the basis (private in Pyomo)
    can_restore = highs is not None and hasattr(highs, "getBasis") and hasattr(highs, "setBasis")
    try:
        while stack:
            fixed, basis = stack.pop()
            for v, lb, ub in saved:
                value = fixed.get(id(v))
                v.setlb(lb if value is None else value)
                v.setub(ub if value is None else value)
            solver.update_variables(free_builds)
            if basis is not None:
                highs.setBasis(basis)  # start from the parent's optimal basis, not the sibling's
            cutoff = math.inf if incumbent is None else incumbent[0] - gap * abs(incumbent[0])
            t = time.perf_counter()
            last = res = solve_lp(cutoff)
            incumbent_is_last = False
            tc = res.termination_condition
            log.debug(
                "build branch %s: %s %s in %.2f s",
                sorted(fixed.values()),
                tc.name,
                res.incumbent_objective,
                time.perf_counter() - t,
            )
            if tc in (TerminationCondition.provenInfeasible, TerminationCondition.infeasibleOrUnbounded):
                continue
            if tc == TerminationCondition.objectiveLimit:  # proven above the cutoff
                pruned.append(cutoff)
                continue
            if tc != TerminationCondition.convergenceCriteriaSatisfied:
                stopped = True
                break  # time limit or an error: report what we have
            obj = res.incumbent_objective
            if obj >= cutoff:
                pruned.append(obj)
                continue
            values = res.solution_loader.get_vars(free_builds)
            fractional = [(abs(values[v] - round(values[v])), i) for i, v in enumerate(free_builds)]
            fractional = [(f, i) for f, i in fractional if f > 1e-6 and id(free_builds[i]) not in fixed]
            if not fractional:
                incumbent = (obj, {id(v): float(round(values[v])) for v in free_builds})
                incumbent_basis = highs.getBasis() if can_restore else None
                incumbent_is_last = True
                continue
            j = id(free_builds[max(fractional)[1]])
            here = highs.getBasis() if can_restore else None
            stack += [({**fixed, j: 0.0}, here), ({**fixed, j: 1.0}, here)]  # last pushed, first solved
        if incumbent is not None:
            # Load the incumbent's solution into the model (once, not at every new incumbent):
            # at hand if it was the last LP, else re-solved from its basis (no iterations).
            if not incumbent_is_last:
                for v, _, _ in saved:
                    v.setlb(incumbent[1][id(v)])
                    v.setub(incumbent[1][id(v)])
                solver.update_variables(free_builds)
                if incumbent_basis is not None:
                    highs.setBasis(incumbent_basis)
                res = solve_lp(math.inf, False)  # from the incumbent's basis: no time to speak of
                if res.termination_condition != TerminationCondition.convergenceCriteriaSatisfied:
                    incumbent, stopped = None, True
            if incumbent is not None:
                (res if not incumbent_is_last else last).solution_loader.load_vars()
    finally:
        for v, lb, ub in saved:
            v.setlb(lb)
            v.setub(ub)
        solver.update_variables(free_builds)
        if incumbent_basis is not None:
            # The next solve (the repair, usually) starts from the best node's basis, not from
            # wherever the last pruned node stopped: 7 s → 2 s on the full-year reference.
            highs.setBasis(incumbent_basis)
    finished = not stack and not stopped
    if incumbent is None:
        if finished:  # every node infeasible
            infeasible = TerminationCondition.provenInfeasible
            return _BranchOutcome(infeasible, SolutionStatus.infeasible, None, None)
        return _BranchOutcome(last.termination_condition, SolutionStatus.noSolution, None, None)
    bound = min([incumbent[0], *pruned]) if finished else None
    return _BranchOutcome(
        TerminationCondition.convergenceCriteriaSatisfied if finished else last.termination_condition,
        SolutionStatus.optimal if finished else SolutionStatus.feasible,
        incumbent[0],
        bound,
    )


def _min_load_values(built: BuiltModel, units: dict) -> dict[str, np.ndarray]:
    hours = built.inputs.hours
    return {
        name: np.fromiter((block.q[n].value or 0.0 for n in range(hours)), float, count=hours)
        for name, block in built.converter_blocks.items()
        if units[name].min_load_mw > 0
    }


def _min_load_violations(built: BuiltModel, units: dict) -> dict[str, np.ndarray]:
    """Hours, per unit, where the loaded solution runs the unit below its minimum load."""
    out = {}
    for name, q in _min_load_values(built, units).items():
        bad = min_load_violations(units[name], q)
        if bad.size:
            log.debug(
                "%s below minimum load in hours %s at %s MW", name, bad.tolist(), np.round(q[bad], 3).tolist()
            )
            out[name] = bad
    return out


def _repair(
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
    values = _min_load_values(built, units)
    for name, q in values.items():
        block, low = built.converter_blocks[name], units[name].min_load_mw
        on_off = built.on_off.get(name, {})
        below = set() if keep_violators_on else {int(h) for h in violations.get(name, ())}
        for n, value in enumerate(q):
            var = block.q[n]
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


def _gap_text(obj: float | None, bound: float | None) -> str:
    gap = _relative_gap(obj, bound)
    return "unknown (no bound)" if gap is None else f"{100 * gap:.2f} %"


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
        if u.min_load_mw <= 0 or ((block.cap.value or 0.0) <= 0 and name not in violations):
            continue
        known = built.min_load_hours.setdefault(name, set())
        new = [h for h in sorted(window - known) if (block.q[h].ub or 0.0) >= u.min_load_mw]
        if new:
            new_vars, new_cons = add_min_load(block, u, new, rnd)
            built.on_off.setdefault(name, {}).update(zip(new, new_vars, strict=True))
            solver.add_variables(new_vars)
            solver.add_constraints(new_cons)
            known.update(new)
            added += len(new)
    return added


__all__ = ["ModelCache", "SolveOptions", "SolveReport", "solve"]
