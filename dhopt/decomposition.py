"""An exact solve of a round's linear model by capacity decomposition (Benders).

For given capacities and build decisions x, the rest of the model is the dispatch: a linear
program whose optimal cost Z(x) (investment included) is convex and piecewise linear in x. Fixing
x makes it cheap: the capacity rows become bounds, and on the full-year utility portfolio HiGHS
solves it in 0.1–0.5 s from the last basis, against some 40 s for the whole linear model at once.
The reduced costs d of the fixed columns are a subgradient of Z there, so

    Z(y) ≥ Z(x) + d · (y − x)   for every y                                       (a cut)

and a small master problem over x alone (the rows that hold only investment variables, the
build decisions' integrality, and θ above every cut) gives a valid lower bound, min θ. Its
solution is where the next dispatch is solved, until the best dispatch found (an upper bound) is
within the gap of the master's bound. The answer is the same optimum as the whole model's, with
its bound: nothing is approximated.

Two phases: first the master's binaries are relaxed and its steps held in a box around the best
point so far (a trust region: far from it the cuts are poor and each dispatch costs many simplex
iterations); the box grows while the steps pay and shrinks when they do not, and the phase ends
when the master's unboxed bound meets that point. Those cuts stay valid in the second phase,
where the binaries are integer and each master solution is evaluated as it comes (on the
portfolio: a handful of rounds).

It starts from capacities given by the caller (a typical-day screening, see dhopt.solve). Heat
a dispatch leaves unserved teaches the master valid rows for the windows of hours that ended short
(dhopt.decomposition_cuts): a start the typical days sized too small is grown to meet them before
the first step, and later steps are kept from the shortage those rows describe. A dispatch that is
infeasible at the master's point (too little capacity for some hour) ends the decomposition: the
caller then solves the model whole, as before (slower, same answer).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from dhopt.branching import BranchOutcome
from dhopt.decomposition_cuts import WindowRows
from dhopt.decomposition_dispatch import UNSERVED_EUR_PER_MWH, Dispatch
from dhopt.decomposition_master import INTEGER, Master, Stop, TimeUp, build_master, consistent
from dhopt.inputs import SystemInputs
from dhopt.model import BuiltModel, heat_balance_rows
from dhopt.units.capacity import capacity_vars as unit_capacity_vars
from dhopt.units.storage import investment_vars as storage_investment_vars

log = logging.getLogger("dhopt.solve")


@dataclass
class _Best:
    """The best point found that supplies every MWh with integral build decisions."""

    x: np.ndarray | None = None
    z: float = math.inf

    def offer(self, x: np.ndarray, z: float, served: bool, integer: np.ndarray) -> None:
        if served and z < self.z and _integral(x, integer):
            self.x, self.z = x.copy(), z


LP_PHASE_TOLERANCE = 1e-5  # relative: the relaxed master's bound meets the best point
MAX_ITERATIONS = 400


MIN_HOURS = 2000


def decomposable(inputs: SystemInputs) -> bool:
    """Worth decomposing: a full-hour model of many hours with some capacity still to choose."""
    free = any(u.capacity_fixed_mw is None for u in inputs.converters) or any(
        s.capacity_fixed_mwh is None for s in inputs.storages
    )
    starts = any(u.starts is not None for u in inputs.converters)  # on/off binaries: not linear
    return free and not starts and inputs.periods is None and inputs.hours >= MIN_HOURS


@dataclass
class Investment:
    """The model's investment variables, as the decomposition's master sees them."""

    variables: list  # capacities, build decisions, cost-curve segments and fills
    capacities: list
    scale: dict[int, float]  # id(capacity) -> its size for the trust region, MW or MWh
    start: dict[int, float]  # id(capacity) -> the capacity to start from
    balance: list  # the heat balance's constraint per hour (unserved heat is priced there)
    unserved_cost: np.ndarray  # € per MWh unserved in each hour, as the objective counts it
    windows: WindowRows  # valid rows for the master (dhopt.decomposition_cuts)


def investment_of(built: BuiltModel, start_capacities: dict[str, float] | None) -> Investment:
    """Every unit's investment variables (through the units' own protocol functions)."""
    peak = float(np.max(built.inputs.demand_mw, initial=1.0)) or 1.0
    variables, capacities, scale, start = [], [], {}, {}
    for name, block in built.converter_blocks.items():
        cap, build = unit_capacity_vars(block)
        variables += [cap, build]
        capacities.append(cap)
        scale[id(cap)] = peak
        if start_capacities and name in start_capacities:
            start[id(cap)] = start_capacities[name]
    for name, block in built.storage_blocks.items():
        own = storage_investment_vars(block)
        variables += own
        capacities.append(own[0])
        scale[id(own[0])] = 4.0 * peak  # four hours of the peak: the size of a day's shift
        if start_capacities and name in start_capacities:
            start[id(own[0])] = start_capacities[name]
    inputs = built.inputs
    dearest = max(
        (sum(u.annual_fixed_eur.values()) + sum(u.annual_per_mw_eur.values()) for u in inputs.converters),
        default=0.0,
    )
    weights = np.asarray(inputs.weights, float)
    price = max(UNSERVED_EUR_PER_MWH, 2.0 * dearest / float(np.min(weights)))
    rows = heat_balance_rows(built)
    return Investment(variables, capacities, scale, start, rows, price * weights, WindowRows(built))


def decompose(
    solver: Highs,
    investment: Investment,
    gap: float,
    deadline: float | None,
    solve_whole: Callable[..., object],
    log_file: str | None = None,
) -> BranchOutcome | None:
    """Solve the loaded model by decomposition over `investment` (see `investment_of`).

    `gap`: relative, between the best dispatch and the bound. `deadline`: perf_counter time to
    stop by. `solve_whole(cutoff, limit)` solves the model
    whole through Pyomo (used once, to load the best point's solution into the model).
    Returns the outcome with the solution loaded, or None if the decomposition could not finish
    (the caller solves the model whole instead).
    """
    highs = solver._solver_model  # highspy.Highs behind Pyomo's persistent interface (private)
    index = solver._pyomo_var_to_solver_var_map
    investment_vars, capacity_vars = investment.variables, investment.capacities
    columns = np.array([index[id(v)] for v in investment_vars])
    lp = highs.getLp()
    integrality = list(lp.integrality_)
    if (
        integrality
        and not np.isin([j for j, kind in enumerate(integrality) if kind == INTEGER], columns).all()
    ):
        return None  # integers outside the investment (on/off binaries): not a linear dispatch
    lower0 = np.array(lp.col_lower_)[columns]
    upper0 = np.array(lp.col_upper_)[columns]
    if not np.all(np.isfinite(upper0)):
        return None  # an investment without a finite bound: no box, no start (never built so)
    master = build_master(lp, columns)
    position = {id(v): k for k, v in enumerate(investment_vars)}

    def add_rows(rows) -> None:
        for coefficients, rhs in rows:
            master.add_row({position[i]: c for i, c in coefficients.items() if i in position}, rhs)

    add_rows(investment.windows.densest())
    is_cap = np.isin(columns, [index[id(v)] for v in capacity_vars])
    size = np.array([investment.scale.get(id(v), 1.0) for v in investment_vars])
    x0 = np.array([investment.start.get(id(v), x) for v, x in zip(investment_vars, upper0, strict=True)])
    t0 = time.perf_counter()
    console = highs.getOptionValue("log_to_console")[1]
    rows = [solver._pyomo_con_to_solver_con_map[con] for con in investment.balance]
    dispatch = Dispatch(highs, columns, deadline, rows, investment.unserved_cost, log_file)
    capacity_ids = [id(v) for v in capacity_vars]
    capacity_at = np.array([position[i] for i in capacity_ids])

    def learn_shortage(x: np.ndarray) -> None:
        """Window rows for the hours the last dispatch (at x) left short."""
        if not dispatch.served:
            capacity = dict(zip(capacity_ids, x[capacity_at].tolist(), strict=True))
            add_rows(investment.windows.unserved(dispatch.unserved_by_hour, capacity))

    best = _Best()
    try:
        x0 = consistent(master, np.clip(x0, lower0, upper0), is_cap)
        lower_bound, finished = _run(master, dispatch, x0, is_cap, size, gap, deadline, best, learn_shortage)
    except TimeUp:
        if best.x is None:
            log.info("time limit reached in the decomposition before a solution was found")
            return None
        lower_bound, finished = _relaxed_bound(master), False  # what the cuts so far prove
    except Stop as stop:
        log.info("decomposition stopped (%s); solving the model whole", stop)
        return None
    finally:
        dispatch.close()
        _restore(highs, columns, lower0, upper0)
        highs.setOptionValue("log_to_console", console)
    upper_bound = best.z
    log.info(
        "decomposition: %d dispatch LPs (%.1f s), %d cuts, %.1f s in all; best %.1f, bound %.1f",
        dispatch.solves,
        dispatch.seconds,
        master.cuts,
        time.perf_counter() - t0,
        upper_bound,
        lower_bound,
    )
    return _load(investment_vars, best.x, master.integer, solver, solve_whole, lower_bound, finished)


def _relaxed_bound(master: Master) -> float:
    """The master's bound with its binaries relaxed: valid, from the cuts found so far."""
    try:
        return master.solve(integer=False)[0]
    except Stop:
        return -math.inf


START_REPAIRS = 5
# The first box: 3 % of each capacity (at least 1.5 % of its size). With 10 % the first steps
# went far and each of their dispatches took 10–20 s from the kept basis (portfolio: 89 s
# against 64 s to solve; 8 reference heat pumps: 34 against 22 dispatch LPs).
START_RADIUS = 0.03


def _run(
    master: Master,
    dispatch: Dispatch,
    x0: np.ndarray,
    is_cap,
    size,
    gap,
    deadline,
    best: _Best,
    learn,
):
    """Both phases; returns (the bound, finished), the best point in `best`. `learn(x)` adds
    window rows for the heat the last dispatch (at x) left unserved."""

    def evaluate(x: np.ndarray) -> float:
        z, grad = dispatch(x)
        master.add_cut(z, grad, x)
        best.offer(x, z, dispatch.served, master.integer)
        learn(x)
        return z

    z = evaluate(x0)
    # A start that leaves heat unserved (typical days miss some hard hours): the window rows
    # just learnt say how much more capacity it needs; the least more that meets them.
    for _ in range(START_REPAIRS):
        if dispatch.served:
            break
        grown = consistent(master, x0, is_cap)
        if np.allclose(grown, x0):
            break
        x0 = grown
        z = evaluate(x0)
    core, core_z, core_served = x0.copy(), z, dispatch.served
    dispatch.keep_basis()
    radius = np.maximum(START_RADIUS * np.abs(core), 0.5 * START_RADIUS * size)
    # Phase 1: binaries relaxed, steps in a box around the best point.
    for _ in range(MAX_ITERATIONS):
        box = (
            np.where(is_cap, np.maximum(master.lower, core - radius), master.lower),
            np.where(is_cap, np.minimum(master.upper, core + radius), master.upper),
        )
        model_z, x = master.solve(integer=False, box=box)
        if core_z - model_z <= LP_PHASE_TOLERANCE * abs(core_z):
            if not core_served:  # converged on a point that leaves heat unserved: dearer heat
                dispatch.raise_price()
                core_z = evaluate(core)
                core_served = dispatch.served
                continue
            unboxed, _ = master.solve(integer=False)
            if core_z - unboxed <= LP_PHASE_TOLERANCE * abs(core_z):
                break
            radius *= 4.0
            continue
        z = evaluate(x)
        at_edge = bool(np.any(is_cap & (np.abs(x - core) >= 0.999 * radius)))
        if z < core_z - 0.1 * (core_z - model_z):  # the step paid: move there
            core, core_z, core_served = x.copy(), z, dispatch.served
            dispatch.keep_basis()
            if at_edge:
                radius *= 2.0
        else:
            radius *= 0.7
        if _out_of_time(deadline):
            raise TimeUp("time limit")
    # Phase 2: binaries integer, each master solution evaluated.
    bound = -math.inf
    for _ in range(MAX_ITERATIONS):
        bound, x = master.solve(integer=True)
        if best.x is not None and best.z - bound <= gap * abs(best.z):
            return bound, True
        before = best.z
        z = evaluate(x)
        if best.z < before:
            dispatch.keep_basis()  # the integer points that follow are near the best one
        if not dispatch.served and z - bound <= gap * abs(z):
            dispatch.raise_price()  # the master's best leaves heat unserved: make it dearer
        if _out_of_time(deadline):
            break
    if best.x is None:
        raise Stop("no integer point evaluated")
    return bound, False


def _integral(x: np.ndarray, integer: np.ndarray) -> bool:
    return bool(np.all(np.abs(x[integer] - np.round(x[integer])) <= 1e-9))


def _out_of_time(deadline: float | None) -> bool:
    return deadline is not None and time.perf_counter() >= deadline


def _restore(highs: highspy.Highs, columns: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
    highs.changeColsBounds(len(columns), columns.astype(np.int32), lower, upper)
    highs.setOptionValue("time_limit", math.inf)


def _load(variables, x, integer, solver: Highs, solve_whole, bound: float, finished: bool):
    """Fix the investment at the best point, solve the dispatch through Pyomo (its solution loaded
    into the model), and give back the variables' bounds."""
    saved = [(v, v.lb, v.ub) for v in variables]
    try:
        for v, value, is_int in zip(variables, x, integer, strict=True):
            value = float(round(value)) if is_int else float(value)
            v.setlb(value)
            v.setub(value)
        solver.update_variables(variables)
        res = solve_whole(math.inf, False)
        if res.termination_condition != TerminationCondition.convergenceCriteriaSatisfied:
            return None
        res.solution_loader.load_vars()
        objective = float(res.incumbent_objective)
    finally:
        for v, lb, ub in saved:
            v.setlb(lb)
            v.setub(ub)
        solver.update_variables(variables)
    return BranchOutcome(
        TerminationCondition.convergenceCriteriaSatisfied if finished else TerminationCondition.maxTimeLimit,
        SolutionStatus.optimal if finished else SolutionStatus.feasible,
        objective,
        min(bound, objective),
    )
