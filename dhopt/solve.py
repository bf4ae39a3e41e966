"""Stage 4: solve the model with HiGHS (in memory), exactly and fast.

The minimum-load rounds are in dhopt.min_load_rounds, the branching over build decisions in
dhopt.branching, the HiGHS adapter in dhopt.highs_adapter, model reuse between sweep points in
dhopt.model_reuse. This module holds the loop around them: capacity bounds are valid for every
build decision (dhopt.bounds); where one is only a first guess, the incumbent's cost checks it,
and the model is solved again with a proven bound if needed.
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np

from dhopt.aggregate import aggregate_inputs, whole_days
from dhopt.bound_check import economic_bounds
from dhopt.bounds import unproven, with_bounds
from dhopt.decomposition import decomposable
from dhopt.errors import DhoptError
from dhopt.highs_adapter import highs_version
from dhopt.inputs import SystemInputs
from dhopt.marginal_cost import marginal_heat_cost
from dhopt.min_load_rounds import solve_rounds
from dhopt.model import BuiltModel, build_model, built_capacities, structure_key
from dhopt.model_reuse import ModelCache, reuse
from dhopt.pyomo_solvers import HIGHS, marginal_heat_cost_with, solve_with
from dhopt.solve_types import SolveOptions, SolveReport, SolveRound

log = logging.getLogger(__name__)

BOUND_TOLERANCE = 1e-6


def solve(
    inputs: SystemInputs, options: SolveOptions | None = None, cache: ModelCache | None = None
) -> tuple[BuiltModel, SolveReport]:
    """Build and solve; returns the model with its solution loaded and a report.

    With a `cache`, a model built for inputs of the same structure (see model.structure_key) is
    reused, and the one built here is kept for the next call.
    """
    options = options or SolveOptions()
    other = options.solver != HIGHS  # another solver gets the whole MILP (dhopt.pyomo_solvers)
    if other:
        cache = None  # a reused model is handed over to HiGHS
    start = time.perf_counter()
    build_seconds = 0.0
    min_load_hours: dict[str, set[int]] = {}
    rounds: list[SolveRound] = []
    solve_seconds = 0.0
    first = first_build = True
    start_capacities: dict[str, float] | None = None
    while True:
        solver = None
        key = structure_key(inputs) if cache is not None else None
        reused = first and cache is not None and cache.key == key and cache.built is not None
        if reused:
            built, solver = reuse(cache, inputs)
        else:
            built = build_model(inputs)
        first = False
        # A reused sweep model is solved whole, from the last point's basis: with most capacities
        # fixed that took a median 4.3 s a full-year point, the decomposition (measured on the
        # 10-point benchmark sweep) more.
        decompose = not reused and not other and decomposable(built.inputs)
        if first_build and decompose:
            t0 = time.perf_counter()
            start_capacities = _screening_start(inputs, options)
            solve_seconds += time.perf_counter() - t0  # the screening is part of solving
        first_build = False
        if other:
            report = solve_with(built, options.solver, options, start)
        else:
            report, solver = solve_rounds(
                built, options, start, min_load_hours, solver, start_capacities, decompose=decompose
            )
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
            return _finish(built, _judge_gap(report), solver, options)
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
            return _finish(built, _judge_gap(report), solver, options)
        unbounded = [n for n in too_low if not math.isfinite(needed[n])]
        if unbounded:
            report.status = "feasible"
            report.message = (
                f"not proven optimal: no valid capacity bound for {', '.join(unbounded)} (a guess of "
                + ", ".join(f"{current[n]:.4g}" for n in unbounded)
                + " was used); give them capacity_max_mw / capacity_max_mwh"
            )
            return _finish(built, report, solver, options)
        log.info("capacity bounds of %s may be too low; solving again with proven ones", ", ".join(too_low))
        inputs = with_bounds(inputs, {n: needed[n] for n in too_low})
        min_load_hours = built.min_load_hours


SCREENING_DAYS = 12
SCREENING_GAP = 0.01
SCREENING_SECONDS = 30.0


def _screening_start(inputs: SystemInputs, options: SolveOptions) -> dict[str, float] | None:
    """Capacities from a solve on typical days: where the decomposition of the full model starts
    (near the optimum, each dispatch it solves takes few simplex iterations). Only a start: the
    answer does not depend on it. None if the screening cannot be done."""
    t = time.perf_counter()
    try:
        screen = aggregate_inputs(whole_days(inputs), SCREENING_DAYS)
        # A start needs no proof: a 1 % gap, and at most a fifth of the time limit (or 30 s).
        limit = SCREENING_SECONDS if options.time_limit is None else 0.2 * options.time_limit
        quick = SolveOptions(
            mip_gap=max(options.mip_gap, SCREENING_GAP),
            time_limit=limit,
            threads=options.threads,
            marginal_cost=False,
        )
        built, report = solve(screen, quick)
    except (DhoptError, ValueError) as exc:
        log.info("no typical-day start for the decomposition (%s)", exc)
        return None
    if not report.feasible:
        return None
    log.info("typical-day start for the decomposition in %.1f s", time.perf_counter() - t)
    return built_capacities(built)


def _finish(
    built: BuiltModel, report: SolveReport, solver, options: SolveOptions
) -> tuple[BuiltModel, SolveReport]:
    """The marginal heat cost of a solution (one more LP, integers fixed; dhopt.marginal_cost)."""
    # Not after a time limit: the run is already past its budget (the column is then left out).
    if (
        options.marginal_cost
        and report.feasible
        and report.objective is not None
        and report.status != "time_limit"
    ):
        t = time.perf_counter()
        built.marginal_heat_cost = (
            marginal_heat_cost(built, solver)
            if options.solver == HIGHS
            else marginal_heat_cost_with(built, options.solver, options)
        )
        report.solve_seconds += time.perf_counter() - t
    return built, report


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


__all__ = ["ModelCache", "SolveOptions", "SolveReport", "SolveRound", "highs_version", "solve"]
