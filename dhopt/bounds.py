"""Capacity bounds for the model's big-M values, valid for every build decision.

A bound the program derives must never cut off the optimum, whatever is built, and must never
override a limit the user wrote. Two kinds:

- **Physical** bounds, from the data alone (`apply_capacity_bounds`, end of stage 2):
  - a storage never needs to hold more than the demand of the whole horizon, grown by its loss:
    level ≤ Σ demand / keep^N. (From the highest level the storage must come back down to its
    lowest, and it can discharge no more than the demand; there is an optimal solution whose
    storage empties once, because holding heat that is never used only costs its loss, so long as
    heat never has a negative cost and no heat can be dumped);
  - a producer never needs to make more than peak demand plus what every storage can take in one
    hour (its capacity or its power limit), grossed up for its pipe loss, and never more than its
    own limit or its availability;
  - with heat dump allowed, or heat that can have a negative cost (a negative electricity price,
    a cooling credit), only the user's limits and the availability are physical; the rest is a
    first guess marked unproven.
- **Economic** bounds (dhopt.bound_check, after a solve): with an incumbent of cost Z, a unit
  whose capacity costs c per MW (per MWh for storage) is never built beyond
  cap_min + (Z − LB − F)/c in any solution better than Z, where LB is a lower bound of the whole
  objective and F the fixed cost it then pays. The solve loop (dhopt.solve) checks every unproven
  bound against these and re-solves with them if a guess was too low; it never calls a solution
  optimal while a bound in it is unproven.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from typing import TYPE_CHECKING

import numpy as np

from dhopt.carriers import extraction_cost_per_mwh_el, operating_cost_per_mwh

if TYPE_CHECKING:
    from dhopt.inputs import SystemInputs

log = logging.getLogger(__name__)

# First guesses where no physical bound exists (checked afterwards by economic bounds).
GUESS_PEAK_FACTOR = 2.0
GUESS_STORAGE_HOURS = 48.0
# A bound from the least capacity factor is used while it is at most this many times the one
# from the best: a weaker big-M than that costs more solve time than a checked guess.
VALID_FACTOR_SPREAD = 4.0


def _least_share(s) -> float:
    """The least positive usable share of a storage's capacity over the hours (1 if it has none)."""
    if s.usable_share is None:
        return 1.0
    positive = s.usable_share[s.usable_share > 0]
    return float(positive.min()) if positive.size else 1.0


def _most_share(s) -> float:
    return 1.0 if s.usable_share is None else max(float(s.usable_share.max(initial=0.0)), 1.0)


def heat_cost_never_negative(inputs: SystemInputs) -> bool:
    """True if every unit's operating cost per MWh of heat is ≥ 0 in every hour."""
    price = inputs.price
    if inputs.pv_mw is not None and inputs.pv_export_price is not None:
        price = np.minimum(price, inputs.pv_export_price)  # PV used on site forgoes its export
    for u in inputs.converters:
        # Grid electricity at its cheapest value (above), every other carrier at its own price.
        cost = operating_cost_per_mwh(inputs.carriers, u, inputs.hours, grid_priced=True)
        if u.electricity_per_mwh is not None:
            cost = cost + price * u.electricity_per_mwh
        if u.annual_tax_rate_eur_per_mwh is not None:
            cost = cost + np.minimum(u.annual_tax_rate_eur_per_mwh, 0.0)
        if np.any(cost < 0):
            return False
        # An extraction CHP's condensing electricity that pays makes capacity worth more than heat.
        if u.extraction is not None and np.any(extraction_cost_per_mwh_el(inputs.carriers, u) < 0):
            return False
    return True


def apply_capacity_bounds(inputs: SystemInputs) -> SystemInputs:
    """Inputs whose converters and storages carry the physical bounds above (a new object)."""
    demand = inputs.demand_mw
    peak, total, hours = float(demand.max(initial=0.0)), float(demand.sum()), inputs.hours
    proven = not inputs.allow_heat_dump and heat_cost_never_negative(inputs)
    storages = []
    for s in inputs.storages:
        if s.capacity_fixed_mwh is not None:
            bound, derived, ok = s.capacity_fixed_mwh, False, True
        elif math.isfinite(s.capacity_max_mwh):
            bound, derived, ok = s.capacity_max_mwh, False, True
        elif not inputs.allow_heat_dump and (1.0 - s.loss_per_hour) ** hours > 1e-3:
            # The level never exceeds the demand it serves; the capacity not that over the least
            # usable share of an hour (a storage that follows the network's temperatures).
            bound, derived, ok = total / (1.0 - s.loss_per_hour) ** hours / _least_share(s), True, proven
        else:  # heat can be dumped, or so lossy a storage that the argument gives nothing useful
            bound, derived, ok = GUESS_STORAGE_HOURS * peak / _least_share(s), True, False
        bound = max(bound, s.capacity_min_mwh, s.capacity_existing_mwh)
        storages.append(
            dataclasses.replace(
                s, capacity_bound_mwh=bound, capacity_bound_is_derived=derived, capacity_bound_proven=ok
            )
        )
    charge = sum(  # what the storages can take in within an hour, at most
        min(s.capacity_bound_mwh * _most_share(s), math.inf if s.power_max_mw is None else s.power_max_mw)
        for s in storages
    )
    storages_proven = all(s.capacity_bound_proven for s in storages)
    converters = []
    for u in inputs.converters:
        eta = 1.0 - u.heat_loss_fraction
        hard = min(u.capacity_max_mw, float(np.max(u.upper_mw, initial=0.0)))
        if u.capacity_fixed_mw is not None:
            bound, derived, ok = u.capacity_fixed_mw, False, True
        else:
            if not inputs.allow_heat_dump:  # q·(1 − loss) ≤ demand + what the storages take in
                need, need_ok = (peak + charge) / eta, storages_proven
            else:
                need, need_ok = GUESS_PEAK_FACTOR * (peak + charge) / eta, False
                if u.cooling_per_mwh is not None and inputs.cooling_demand_mw is not None:
                    with np.errstate(divide="ignore", invalid="ignore"):
                        cool = np.where(
                            u.cooling_per_mwh > 0, inputs.cooling_demand_mw / u.cooling_per_mwh, 0
                        )
                    need = max(need, float(np.max(cool, initial=0.0)))
                need = max(need, GUESS_PEAK_FACTOR * u.min_load_mw)
            if u.capacity_factor is not None:
                # Heat per MW varies by hour (solar yield, a heat pump derated in the cold): more
                # than need / the least positive factor is never of use (q ≤ need in every hour).
                # Where that is many times the need (solar at dawn), a guess is used instead, the
                # peak at the best hour's yield, checked after the solve.
                cf = u.capacity_factor
                least = float(np.min(cf[cf > 0], initial=np.inf))
                best = max(float(np.max(cf, initial=0.0)), 1e-3)
                if need / least <= VALID_FACTOR_SPREAD * need / best:
                    need = need / least
                else:
                    need, need_ok = need / best, False
            bound, ok = (hard, True) if hard <= need else (need, need_ok)
            bound = max(bound, u.capacity_min_mw, u.capacity_existing_mw)  # never below what must be
            derived = bound < u.capacity_max_mw
            if ok and bound < u.min_load_mw and u.capacity_min_mw == 0:
                log.warning(
                    "%s can never run: it would make at least its minimum load %g MW, but it can never "
                    "use more than %.3g MW (peak demand, storage and its own limits)",
                    u.name,
                    u.min_load_mw,
                    bound,
                )
        converters.append(
            dataclasses.replace(
                u, capacity_bound_mw=bound, capacity_bound_is_derived=derived, capacity_bound_proven=ok
            )
        )
    return dataclasses.replace(inputs, converters=converters, storages=storages)


def unproven(inputs: SystemInputs) -> list[str]:
    """Names of the free units whose capacity bound is a guess."""
    names = [u.name for u in inputs.converters if u.capacity_fixed_mw is None and not u.capacity_bound_proven]
    names += [s.name for s in inputs.storages if s.capacity_fixed_mwh is None and not s.capacity_bound_proven]
    return names


def with_bounds(inputs: SystemInputs, bounds: dict[str, float]) -> SystemInputs:
    """Inputs with the given (proven) capacity bounds; every other bound now counts as proven too
    (the caller has checked them against economic bounds)."""
    converters = [
        dataclasses.replace(
            u,
            capacity_bound_mw=max(
                bounds.get(u.name, u.capacity_bound_mw), u.capacity_min_mw, u.capacity_existing_mw
            ),
            capacity_bound_is_derived=bounds.get(u.name, u.capacity_bound_mw) < u.capacity_max_mw,
            capacity_bound_proven=True,
        )
        for u in inputs.converters
    ]
    storages = [
        dataclasses.replace(
            s,
            capacity_bound_mwh=max(
                bounds.get(s.name, s.capacity_bound_mwh), s.capacity_min_mwh, s.capacity_existing_mwh
            ),
            capacity_bound_proven=True,
        )
        for s in inputs.storages
    ]
    return dataclasses.replace(inputs, converters=converters, storages=storages)
