"""The capacity of a unit and its build decision: one builder every unit type uses.

    cap_min ≤ cap ≤ bound,  cap ≤ bound · build  (build binary)
A fixed capacity fixes both; a unit that must be built (cap_min > 0), or whose building costs
nothing by itself, gets no decision to branch on (build fixed to 1). `bound` is the model's
big-M, valid whatever is built (dhopt.bounds); a unit with a build decision always has a finite one.
"""

from __future__ import annotations

import math

import pyomo.environ as pyo


def add_capacity(
    block: pyo.Block,
    *,
    bound: float,
    minimum: float,
    fixed: float | None,
    has_fixed_cost: bool,
    existing: float = 0.0,
) -> None:
    """Add `cap` (the whole capacity, existing included) and `build` (whether new capacity is
    built: its fixed investment), and the link between them where needed, to `block`."""
    block.cap = pyo.Var(bounds=(0.0, bound if math.isfinite(bound) else None))
    block.build = pyo.Var(domain=pyo.Binary)
    if fixed is not None:
        fix_capacity(block, fixed, existing)
        return
    block.cap.setlb(max(minimum, existing))
    if minimum > existing or not has_fixed_cost:
        block.build.fix(1)  # built for sure, or building costs nothing by itself: no decision
        return
    if not math.isfinite(bound):
        raise ValueError(f"{block.name}: a build decision needs a finite capacity bound")
    block.link = pyo.Constraint(expr=block.cap - existing <= (bound - existing) * block.build)


def capacity_vars(block: pyo.Block) -> tuple[pyo.Var, pyo.Var]:
    """The block's capacity and build-decision variables (for branching and bound checks)."""
    return block.cap, block.build


def built_capacity(block: pyo.Block) -> float:
    """The solved capacity, existing included (solver noise below 1e-7 is 0)."""
    cap = float(block.cap.value or 0.0)
    return cap if cap > 1e-7 else 0.0


def new_capacity(block: pyo.Block, existing: float) -> tuple[float, bool]:
    """The capacity built beyond the existing one, and whether any was (its fixed cost paid)."""
    new = max(built_capacity(block) - existing, 0.0)
    return (new, True) if new > 1e-7 and bool(round(block.build.value or 0.0)) else (0.0, False)


def fix_capacity(block: pyo.Block, value: float, existing: float = 0.0) -> list[pyo.Var]:
    """Fix the capacity (and so the build decision) to `value`; returns the variables changed.
    The bounds move with it: a reused sweep model's last point may have had a smaller one."""
    block.cap.setlb(0.0)
    block.cap.setub(value)
    block.cap.fix(value)
    block.build.fix(1 if value > existing else 0)
    return [block.cap, block.build]
