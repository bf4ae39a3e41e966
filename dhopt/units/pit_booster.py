"""A pit storage whose top is colder than the network's supply: discharged only through a booster.

In an hour n with T_top ≥ T_supply[n] the pit discharges to the network directly (as a tank). In an
hour with T_top < T_supply[n] ("cold hours") its water must be lifted to the supply temperature, by
the unit named in the pit's `booster` (an electric boiler or a heat pump of the scenario), with
net[n] = discharge − charge of the pit (dhopt.units.storage):

- no booster:  net[n] ≤ 0 (the pit may charge, not discharge).
- electric boiler, heat q[n]: the pit's water, heated from T_top to T_supply in series with the
  boiler, carries m·c·(T_top − T_return) of pit heat for every m·c·(T_supply − T_top) of boiler heat:
      net[n] ≤ q[n] · (T_top − T_return[n]) / (T_supply[n] − T_top)
  (0 if T_top ≤ T_return: the pit's water is no warmer than the return). The boiler's heat beyond
  what the pit's flow takes heats return water as before; both heats count in the heat balance once.
- heat pump, heat q[n], electricity q[n]/COP[n]: the pit is its source in cold hours, every MWh it
  draws, q·(1 − 1/COP), comes from the pit. So the pit's net output there is that draw less what it
  charges, net[n] = q[n]·(1 − 1/COP[n]) − charge[n], written without a charge variable as
      net[n] ≤ q[n]·(1 − 1/COP[n]),   the pit's term in the heat balance: net[n] − q[n]·(1 − 1/COP[n])
  (= −charge[n]): the heat pump's q already holds the pit's heat, which is not counted twice. The
  heat pump's COP is its own model's (give it the pit's top as its source temperature, or a COP
  series); in the other hours it runs on its own source as before.
All rows are linear; on typical days the cold hours are those of the typical days' supply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyomo.environ as pyo

from dhopt.units import converter

if TYPE_CHECKING:
    from dhopt.inputs import PrepareContext, SystemInputs
    from dhopt.units.converter import ConverterInputs

BOOSTER_TYPES = ("electric_boiler", "heat_pump")


@dataclass(frozen=True)
class BoosterLink:
    """A pit's top temperature and the unit that lifts its heat in cold hours (None: none)."""

    top_temperature_c: float
    unit: str | None = None
    kind: str | None = None  # the booster's unit type, one of BOOSTER_TYPES


@dataclass
class Booster:
    """What the storage builder needs: the network temperatures and the booster's heat variables."""

    supply_c: np.ndarray
    return_c: np.ndarray
    block: pyo.Block | None = None  # the booster's block (None: no booster)
    source_share: np.ndarray | None = None  # a heat pump's 1 − 1/COP per hour


def link(name: str, top_c: float, booster: str | None, ctx: PrepareContext) -> BoosterLink:
    """The pit's link to its booster, the name checked against the scenario's units."""
    where = f"units.{name}.booster"
    units = ctx.loaded.scenario.units
    cold = ctx.supply_temperature_c > top_c
    if booster is None:
        if np.any(cold):
            ctx.warn(
                where,
                f"the pit's top ({top_c:g} °C) is below the supply temperature in {int(cold.sum())} "
                "hours, in which it cannot discharge; name an electric boiler or heat pump as its booster",
            )
        return BoosterLink(top_c)
    if booster not in units:
        ctx.fail(where, f"expected the name of a unit of the scenario, found '{booster}'")
    kind = units[booster].type
    if kind not in BOOSTER_TYPES:
        ctx.fail(where, f"expected an electric_boiler or a heat_pump, found '{booster}' of type {kind}")
    return BoosterLink(top_c, booster, kind)


def booster_for(s_link: BoosterLink | None, inputs: SystemInputs, blocks: dict[str, pyo.Block]):
    """The `Booster` of a storage's link, for the builder (None for a storage without one)."""
    if s_link is None:
        return None
    b = Booster(inputs.supply_temperature_c, inputs.return_temperature_c)
    if s_link.unit is not None:
        b.block = blocks[s_link.unit]
        if s_link.kind == "heat_pump":
            b.source_share = _source_share(_unit(inputs, s_link.unit), inputs.hours)
    return b


def _unit(inputs: SystemInputs, name: str) -> ConverterInputs:
    return next(u for u in inputs.converters if u.name == name)


def _source_share(u: ConverterInputs, hours: int) -> np.ndarray:
    el = u.electricity_per_mwh
    return np.ones(hours) - (np.zeros(hours) if el is None else el)


def cold_hours(s_link: BoosterLink, supply_c: np.ndarray) -> np.ndarray:
    return supply_c > s_link.top_temperature_c


def boiler_ratio(s_link: BoosterLink, supply_c: np.ndarray, return_c: np.ndarray) -> np.ndarray:
    """Pit heat per MWh of boiler heat in cold hours, (T_top − T_return)/(T_supply − T_top), ≥ 0."""
    top = s_link.top_temperature_c
    lift = np.where(supply_c > top, supply_c - top, 1.0)
    return np.clip(top - return_c, 0.0, None) / lift


def add_booster_limits(block: pyo.Block, s_link: BoosterLink, b: Booster, net: list, hours: int) -> list:
    """The rows of the module docstring on `block`; returns the pit's terms of the heat balance."""
    cold = [n for n in range(hours) if cold_hours(s_link, b.supply_c)[n]]
    if not cold:
        return net
    if b.block is None:
        block.boost = pyo.Constraint(cold, rule=lambda _, n: net[n] <= 0)
        return net
    q = b.block
    if b.source_share is None:  # an electric boiler
        k = boiler_ratio(s_link, b.supply_c, b.return_c)
        block.boost = pyo.Constraint(cold, rule=lambda _, n: net[n] <= float(k[n]) * converter.heat_var(q, n))
        return net
    share = b.source_share
    block.boost = pyo.Constraint(cold, rule=lambda _, n: net[n] <= float(share[n]) * converter.heat_var(q, n))
    drawn = {n: float(share[n]) * converter.heat_var(q, n) for n in cold}
    return [net[n] - drawn[n] if n in drawn else net[n] for n in range(hours)]


def heat_to_booster(s_link: BoosterLink | None, inputs: SystemInputs, heat: dict[str, np.ndarray]):
    """The pit's heat drawn by a heat-pump booster per hour, MW (None unless it has one); `heat`:
    each converter's solved heat per hour."""
    if s_link is None or s_link.kind != "heat_pump" or s_link.unit is None:
        return None
    share = _source_share(_unit(inputs, s_link.unit), inputs.hours)
    cold = cold_hours(s_link, inputs.supply_temperature_c)
    return np.where(cold, share * heat[s_link.unit], 0.0)
