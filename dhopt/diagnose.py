"""Why a scenario cannot be supplied: checks made before solving, and after the solver says infeasible."""

from __future__ import annotations

import numpy as np

from dhopt.errors import InfeasibleError
from dhopt.inputs import SystemInputs


def max_deliverable_mw(inputs: SystemInputs) -> dict[str, np.ndarray]:
    """The most each producing unit can deliver to the network in each hour, MW."""
    out = {}
    for u in inputs.converters:
        cap = u.capacity_fixed_mw if u.capacity_fixed_mw is not None else u.capacity_max_mw
        reach = np.minimum(u.upper_mw, cap)
        if u.min_load_mw > 0:
            reach = np.where(reach < u.min_load_mw, 0.0, reach)
        out[u.name] = (1.0 - u.heat_loss_fraction) * reach
    return out


def _hour_label(inputs: SystemInputs, n: int) -> str:
    if inputs.time is not None:
        return f"hour {n} ({inputs.time[n]:%Y-%m-%d %H:%M} UTC)"
    return f"hour {n}"


def check_supply(inputs: SystemInputs) -> None:
    """Raise InfeasibleError if demand cannot be met whatever is built (a necessary condition)."""
    reach = max_deliverable_mw(inputs)
    total = sum(reach.values())
    demand = inputs.demand_mw
    has_storage = any(s.capacity_fixed_mwh is None or s.capacity_fixed_mwh > 0 for s in inputs.storages)
    if not has_storage:
        short = demand - total
        if np.any(short > 1e-6):
            n = int(np.argmax(short))
            parts = ", ".join(f"{k} {float(v[n]):.2f}" for k, v in reach.items())
            raise InfeasibleError(
                f"infeasible: in {_hour_label(inputs, n)} demand is {demand[n]:.2f} MW but all units "
                f"together can deliver at most {total[n]:.2f} MW ({parts}) and there is no storage"
            )
    elif demand.sum() > total.sum() + 1e-6:
        raise InfeasibleError(
            f"infeasible: demand over the horizon is {demand.sum():.1f} MWh but all units together "
            f"can deliver at most {total.sum():.1f} MWh, even with storage"
        )


def explain_infeasible(inputs: SystemInputs) -> str:
    """A best-effort reason after the solver proved infeasibility (check_supply passed)."""
    reasons = []
    for s in inputs.storages:
        if s.capacity_fixed_mwh is not None:
            reasons.append(f"storage '{s.name}' is fixed at {s.capacity_fixed_mwh:g} MWh")
        elif not s.capacity_bound_is_derived:
            reasons.append(f"storage '{s.name}' is limited to {s.capacity_bound_mwh:g} MWh")
        if s.power_max_mw is not None:
            reasons.append(f"storage '{s.name}' charges and discharges at most {s.power_max_mw:g} MW")
    fixed = [u.name for u in inputs.converters if u.capacity_fixed_mw is not None]
    if fixed:
        reasons.append("fixed capacities: " + ", ".join(fixed))
    if inputs.cooling_demand_mw is not None:
        reasons.append(
            f"a cooling demand up to {inputs.cooling_demand_mw.max():.2f} MW must be met"
            + (
                ""
                if inputs.allow_heat_dump
                else "; its heat cannot be rejected unless district_heating.allow_heat_dump is true"
            )
        )
    if inputs.co2_cap_t_per_year is not None:
        reasons.append(f"grid electricity's CO2 is capped at {inputs.co2_cap_t_per_year:g} t a year")
    peak = float(inputs.demand_mw.max())
    hint = "; ".join(reasons) if reasons else "check capacity limits, availability and minimum loads"
    return f"infeasible: the units cannot follow the demand (peak {peak:.2f} MW) hour by hour ({hint})"
