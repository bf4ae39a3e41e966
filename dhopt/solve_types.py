"""What a solve is asked and what it reports (shared by the solve loop and its rounds)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class SolveOptions:
    mip_gap: float = 1e-3  # relative, 0.1 %
    time_limit: float | None = None  # seconds for the whole solve (all rounds)
    threads: int | None = None
    log_file: Path | None = None
    echo_log: bool = False  # copy the solver's log to the terminal
    marginal_cost: bool = True  # the heat balance's duals at the end (one more LP; sweeps skip it)
    # HiGHS options over dhopt's own choice (highs_adapter.mip_tuning), e.g. {"mip_heuristic_effort": 0.2}
    highs_options: dict[str, object] = field(default_factory=dict)
    # "highs" (dhopt's own path) or another MIP solver Pyomo drives (dhopt.pyomo_solvers)
    solver: str = "highs"


@dataclass
class SolveRound:
    round: int
    kind: str  # "relaxation" (lazy min-load binaries) or "repair" (dhopt.min_load_repair); "(decomposed)"
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


def relative_gap(obj: float | None, bound: float | None) -> float | None:
    """|objective − bound| / |objective|; None without a finite bound."""
    if obj is None or bound is None or not math.isfinite(bound):
        return None
    return abs(obj - bound) / max(abs(obj), 1e-9)


def gap_text(obj: float | None, bound: float | None) -> str:
    """The gap as the console and messages give it."""
    gap = relative_gap(obj, bound)
    return "unknown (no bound)" if gap is None else f"{100 * gap:.2f} %"
