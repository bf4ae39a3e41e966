"""Why a scenario cannot be supplied: checks made before solving, and after the solver says infeasible."""

from __future__ import annotations

import numpy as np

from dhopt.carriers import co2_per_mwh, fuel_names
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


def _co2_cap_reason(inputs: SystemInputs) -> str:
    """The cap, and the least CO2 any portfolio could emit: each hour's demand from the unit with
    the least CO2 per MWh delivered (capacity limits ignored, so a lower bound)."""
    cap = inputs.co2_cap_t_per_year
    grid_priced = inputs.pv_mw is not None  # with PV the grid block counts CO2; take PV as free
    per_mwh = [
        co2_per_mwh(inputs.carriers, u, inputs.hours, grid_priced=grid_priced) / (1.0 - u.heat_loss_fraction)
        for u in inputs.converters
    ]
    text = f"CO2 is capped at {cap:g} t a year"
    if per_mwh:
        least = float(inputs.weights @ (np.min(per_mwh, axis=0) * inputs.demand_mw))
        if least > cap:
            text += (
                f", but even the lowest-CO2 unit in every hour would emit {least:,.0f} t a year: "
                "no portfolio of these units meets the cap"
            )
    return text


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
        if s.power.per_mwh is not None:
            reasons.append(
                f"storage '{s.name}' charges and discharges at most {s.power.per_mwh:g} MW per MWh"
            )
        if s.booster is not None and np.any(inputs.supply_temperature_c > s.booster.top_temperature_c):
            through = "its booster" if s.booster.unit else "no booster (none named)"
            reasons.append(
                f"pit '{s.name}' discharges only through {through} when the supply is above its top"
            )
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
        reasons.append(_co2_cap_reason(inputs))
    for name in fuel_names(inputs.carriers):
        limit = inputs.carriers[name].annual_limit_mwh
        if limit is not None:
            reasons.append(f"fuel '{name}' is limited to {limit:,.0f} MWh a year")
    peak = float(inputs.demand_mw.max())
    hint = "; ".join(reasons) if reasons else "check capacity limits, availability and minimum loads"
    return f"infeasible: the units cannot follow the demand (peak {peak:.2f} MW) hour by hour ({hint})"
