"""Economic capacity bounds after a solve: what any solution cheaper than the incumbent can build.

A unit's terms in the objective are T = c·cap + F·build + Σ_n k_n·q_n. With q_n ≤ cap (≤ cf_n·cap
for a unit whose heat per MW varies by hour; then N sums k_n·cf_n), the hours
whose cost k_n is negative (a negative price, a credit) give at least N·cap, N = Σ_n min(0, k_n),
so T ≥ (c + N)·cap + F·build. If s = c + N > 0, then in any solution cheaper than the incumbent's
cost Z the unit is never built beyond cap_min + (Z − LB − F)/s, where LB is a lower bound of the
whole objective made of these terms at their smallest. The solve loop checks every guessed bound
of dhopt.bounds against these.
"""

from __future__ import annotations

import math

from pyomo.repn.standard_repn import generate_standard_repn

from dhopt.model import BuiltModel
from dhopt.units.capacity import capacity_vars
from dhopt.units.converter import extra_power_vars, heat_vars


def _lower_bound_and_slopes(built: BuiltModel) -> tuple[float, dict[str, tuple[float, float]]]:
    """LB of the objective, and for each free unit (s, F): capacity slope and fixed cost if built.
    LB is −inf if some cost can fall without limit."""
    inputs = built.inputs
    repn = generate_standard_repn(built.model.total_cost.expr, compute_values=True, quadratic=False)
    coef = {id(v): float(c) for v, c in zip(repn.linear_vars, repn.linear_coefs, strict=True)}
    heat = {
        id(v): (u.name, n)
        for u in inputs.converters
        for n, v in enumerate(heat_vars(built.converter_blocks[u.name]))
    }
    # q_n ≤ cf_n · cap: a unit whose heat per MW varies by hour (solar) scales its negative costs by it.
    factor = {u.name: u.capacity_factor for u in inputs.converters if u.capacity_factor is not None}
    # An extraction CHP's electricity beyond the back-pressure line: x_n ≤ (c_b + c_v) · cap.
    extra = {
        id(v): (u.name, u.extraction.fuel_line)
        for u in inputs.converters
        if u.extraction is not None
        for v in extra_power_vars(built.converter_blocks[u.name])
    }
    sizes = {
        id(v)
        for b in [*built.converter_blocks.values(), *built.storage_blocks.values()]
        for v in capacity_vars(b)
    }
    negative = {u.name: 0.0 for u in inputs.converters}  # N: the sum of a unit's negative hourly costs
    cheapest = math.inf  # the cheapest heat delivered by any unit in any hour, €/MWh (scaled)
    loss = {u.name: u.heat_loss_fraction for u in inputs.converters}
    lower = float(repn.constant)
    if any(v not in coef for v in heat):
        cheapest = 0.0  # some unit's heat costs nothing per MWh (absent from the objective)
    for v, c in zip(repn.linear_vars, repn.linear_coefs, strict=True):
        c = float(c)
        if id(v) in heat:
            name, n = heat[id(v)]
            if c < 0:
                negative[name] += c * (float(factor[name][n]) if name in factor else 1.0)
            cheapest = min(cheapest, c / (1.0 - loss[name]))
            continue
        if id(v) in extra:
            name, line = extra[id(v)]
            negative[name] += min(c, 0.0) * line
            continue
        if id(v) in sizes:
            continue
        bound = v.lb if c >= 0 else v.ub
        if bound is None:
            if c != 0:
                return -math.inf, {}
            continue
        lower += c * bound
    slopes: dict[str, tuple[float, float]] = {}
    for u in inputs.converters:
        cap, build = capacity_vars(built.converter_blocks[u.name])
        n = negative[u.name]
        if cap.fixed:
            lower += n * float(cap.value)  # q ≤ the fixed capacity
            continue
        c, fixed = coef.get(id(cap), 0.0), 0.0 if build.fixed else coef.get(id(build), 0.0)
        build_lb, cap_lb = float(build.lb or 0.0), float(cap.lb or 0.0)
        hard = min(u.capacity_max_mw, float(u.upper_mw.max(initial=0.0)))
        if c + n >= 0:
            lower += (c + n) * cap_lb + fixed * build_lb
            slopes[u.name] = (c + n, fixed)
        elif math.isfinite(hard):  # it makes money per MW built, up to a limit of its own
            lower += c * cap_lb + n * hard + fixed * build_lb
        else:
            return -math.inf, {}
    for s in inputs.storages:
        cap, build = capacity_vars(built.storage_blocks[s.name])
        if cap.fixed:
            continue
        c, fixed = coef.get(id(cap), 0.0), 0.0 if build.fixed else coef.get(id(build), 0.0)
        lower += c * float(cap.lb or 0.0) + fixed * float(build.lb or 0.0)
        slopes[s.name] = (c, fixed)
    if inputs.periods is None and math.isfinite(cheapest) and cheapest >= 0:
        # Σ_n Σ_u (1 − loss_u)·q_u[n] ≥ Σ_n demand[n] (a cyclic storage only loses heat).
        lower += cheapest * float(inputs.demand_mw.sum())
    return lower, slopes


def economic_bounds(built: BuiltModel, incumbent: float) -> dict[str, float]:
    """For each free unit: the largest capacity any solution cheaper than `incumbent` can have
    (inf where its capacity costs nothing or the objective has no finite lower bound)."""
    lower, slopes = _lower_bound_and_slopes(built)
    out: dict[str, float] = {}
    blocks = {u.name: built.converter_blocks[u.name] for u in built.inputs.converters}
    blocks.update({s.name: built.storage_blocks[s.name] for s in built.inputs.storages})
    for name, b in blocks.items():
        cap, build = capacity_vars(b)
        if cap.fixed:
            continue
        slope, fixed = slopes.get(name, (0.0, 0.0))
        cap_lb = float(cap.lb or 0.0)
        if slope <= 0 or not math.isfinite(lower):
            out[name] = math.inf
            continue
        room = incumbent - lower - fixed * (1.0 - float(build.lb or 0.0))
        out[name] = max(cap_lb + room / slope, cap_lb)
    return out
