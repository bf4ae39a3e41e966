"""HiGHS through Pyomo's persistent (in-memory) interface: the options dhopt sets and handing a
model over fast. No LP files: the model goes to HiGHS in memory."""

from __future__ import annotations

import functools
import math

import highspy
import pyomo.environ as pyo
from pyomo.contrib.solver.solvers.highs import Highs

# Measured on the full-year reference (see README, Performance): with only a handful of build
# binaries, HiGHS's restarts, strong branching and primal heuristics cost more than they save;
# with start commitments too (docs/performance.md, starts: 2016 h MIP 62 s with them off, 282 s on).
BUILD_MIP_OPTIONS: dict[str, object] = {
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


def mip_tuning(min_load_binaries: bool) -> dict[str, object]:
    """The MIP options of a solve: BUILD_MIP_OPTIONS, or HiGHS's own defaults for the same keys
    when minimum-load on/off binaries are free. There the heuristics find the schedule: a July
    fortnight of the reference with 4 MW minimum loads (336 binaries) ended its 300 s limit at
    2.6 % with them off, and at 0.15 % after 60 s with them on (docs/performance.md). The defaults
    are set explicitly, since HiGHS keeps an option from one run of an instance to the next."""
    return dict(_highs_defaults()) if min_load_binaries else dict(BUILD_MIP_OPTIONS)


@functools.cache
def _highs_defaults() -> dict[str, object]:
    fresh = highspy.Highs()
    return {key: fresh.getOptionValue(key)[1] for key in BUILD_MIP_OPTIONS}


# A solve whose integer variables are all fixed is a linear program: HiGHS then gets it as one
# (solve_relaxation drops integrality that no longer matters) with Devex pricing, which on the
# full-year models took half the time of the default dual steepest edge (ref. LP 14.1 → 7.3 s,
# sweep point LP 8.9 → 4.7 s). Inside a MIP, HiGHS chooses its own LP settings.
LP_OPTIONS: dict[str, object] = {
    "time_limit": math.inf,  # see run_time_limit: a limit is set per solve, never left over
    "solve_relaxation": True,
    "simplex_dual_edge_weight_strategy": 1,
    "objective_bound": math.inf,
}
MIP_OPTIONS: dict[str, object] = {
    "time_limit": math.inf,
    "solve_relaxation": False,
    "simplex_dual_edge_weight_strategy": -1,
    "objective_bound": math.inf,
}


def run_time_limit(highs: highspy.Highs | None, seconds: float) -> float:
    """The value of HiGHS's `time_limit` option that lets the next run take `seconds`: HiGHS
    (1.15) holds the limit against the instance's run time summed over all its runs, so a limit
    of what is left of the wall-clock budget would stop a later run at once (a model's second
    round, each dispatch of a decomposition)."""
    return (highs.getRunTime() if highs is not None else 0.0) + seconds


def highs_version() -> str:
    return "HiGHS " + ".".join(map(str, Highs().version()))


def hand_over(solver: Highs, m: pyo.ConcreteModel) -> None:
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
