"""Economic capacity bounds after a solve: what any solution cheaper than the incumbent can build.

With an incumbent of cost Z, a unit whose capacity costs c per MW (per MWh for storage) is never
built beyond cap_min + (Z − LB − F)/c in any solution better than Z, where LB is a lower bound of
the whole objective and F the fixed cost it then pays. The solve loop checks every guessed bound
of dhopt.bounds against these.
"""

from __future__ import annotations

import math

from pyomo.repn.standard_repn import generate_standard_repn

from dhopt.model import BuiltModel


def objective_lower_bound(built: BuiltModel) -> tuple[float, dict[int, float]]:
    """A lower bound of the objective over the model's variable bounds, and each variable's cost
    coefficient (by id). Where heat has no negative cost and the storage cycles, the heat bought
    is at least the horizon's demand at the cheapest heat of the horizon."""
    inputs = built.inputs
    repn = generate_standard_repn(built.model.total_cost.expr, compute_values=True, quadratic=False)
    coef = {id(v): float(c) for v, c in zip(repn.linear_vars, repn.linear_coefs, strict=True)}
    heat = {id(b.q[n]): u for u in inputs.converters for b in [built.converter_blocks[u.name]] for n in b.q}
    lower, heat_lower = float(repn.constant), 0.0
    cheapest = math.inf
    for v, c in zip(repn.linear_vars, repn.linear_coefs, strict=True):
        c = float(c)
        bound = v.lb if c >= 0 else v.ub
        if bound is None:
            if c != 0:
                return -math.inf, coef
            continue
        term = c * bound
        if id(v) in heat:
            heat_lower += term
            u = heat[id(v)]
            cheapest = min(cheapest, c / (1.0 - u.heat_loss_fraction))
        else:
            lower += term
    if inputs.periods is None and cheapest >= 0 and math.isfinite(cheapest):
        # Σ_n Σ_u (1 − loss_u)·q_u[n] ≥ Σ_n demand[n] (a cyclic storage only loses heat).
        heat_lower = max(heat_lower, cheapest * float(inputs.demand_mw.sum()))
    return lower + heat_lower, coef


def economic_bounds(built: BuiltModel, incumbent: float) -> dict[str, float]:
    """For each free unit: the largest capacity any solution cheaper than `incumbent` can have
    (inf where its capacity costs nothing or the objective has no finite lower bound)."""
    lower, coef = objective_lower_bound(built)
    out: dict[str, float] = {}
    blocks = [(u.name, built.converter_blocks[u.name]) for u in built.inputs.converters]
    blocks += [(s.name, built.storage_blocks[s.name]) for s in built.inputs.storages]
    for name, b in blocks:
        if b.cap.fixed:
            continue
        per_unit = coef.get(id(b.cap), 0.0)
        fixed_cost = 0.0 if b.build.fixed else coef.get(id(b.build), 0.0)
        if per_unit <= 0 or not math.isfinite(lower):
            out[name] = math.inf
            continue
        room = incumbent - lower - fixed_cost
        out[name] = max((b.cap.lb or 0.0) + room / per_unit, b.cap.lb or 0.0)
    return out
