"""Energy carriers: electricity and the fuels, as data (price components, CO2, an annual limit).

A unit states what it uses and makes per MWh of heat, hour by hour (`ConverterInputs.uses_per_mwh`,
`makes_per_mwh`, carrier name → MWh per MWh of heat); this module turns that into the unit's
operating cost and CO2 per MWh of heat, in one place for the model, the bound checks and the
results. Electricity bought is priced as spot + adders (+ the CO2 price); fuels as their price +
adders (+ the CO2 price on their CO2). Electricity a unit makes (a CHP) is sold at the unit's own
sale price (spot + its named adders), never netted against what other units buy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field, field_validator

from dhopt.schema import Co2Intensity, Energy, PriceSeries, StrictModel

if TYPE_CHECKING:
    from dhopt.inputs import PrepareContext
    from dhopt.units.converter import ConverterInputs

ELECTRICITY = "electricity"
CARRIER_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class Fuel(StrictModel):
    """A fuel bought by the MWh of its net calorific value (natural gas, oil, wood chips, biogas …)."""

    price_eur_per_mwh: PriceSeries = Field(
        description="Fuel price, € per MWh of fuel (net calorific value), constant or hourly."
    )
    adders_eur_per_mwh: dict[str, PriceSeries] = Field(
        default_factory=dict,
        description="Named price adders (energy tax, CO2 tax, NOx tax, transport), € per MWh of fuel, "
        "each constant or hourly.",
    )
    co2_t_per_mwh: Co2Intensity = Field(
        0.0,
        description="CO2 emitted per MWh of fuel, t/MWh (natural gas about 0.20, fuel oil 0.27; wood "
        "chips 0 by the usual convention for biogenic CO2).",
    )
    annual_limit_mwh: Energy | None = Field(
        None, description="Most fuel available per year, MWh (e.g. a biomass contract). Optional."
    )

    @field_validator("adders_eur_per_mwh")
    @classmethod
    def _adder_names(cls, adders: dict) -> dict:
        for name in adders:
            if name in ("price", "co2"):
                raise ValueError(f"the adder name '{name}' is reserved (found it among the adders)")
        return adders


@dataclass
class CarrierInputs:
    """One carrier over the horizon: its price by component (€/MWh of the carrier), CO2 (t/MWh)."""

    name: str
    price_components: dict[str, np.ndarray]
    co2_t_per_mwh: np.ndarray | None = None
    annual_limit_mwh: float | None = None
    is_fuel: bool = True

    @property
    def price(self) -> np.ndarray:
        return sum(self.price_components.values())  # type: ignore[return-value]


def prepare_fuel(name: str, fuel: Fuel, co2_price: np.ndarray, ctx: PrepareContext) -> CarrierInputs:
    """A fuel's hourly price components, the CO2 price on its CO2 among them."""
    where = f"fuels.{name}"
    if not CARRIER_NAME.match(name) or name == ELECTRICITY:
        ctx.fail(
            where,
            "expected a name of lower-case letters, digits and '_' (not 'electricity', which is a "
            f"carrier of its own), found '{name}'",
        )
    components = {"price": ctx.series(fuel.price_eur_per_mwh, f"{where}.price_eur_per_mwh")}
    for adder, spec in fuel.adders_eur_per_mwh.items():
        components[adder] = ctx.series(spec, f"{where}.adders_eur_per_mwh.{adder}")
    co2 = np.full(ctx.hours, fuel.co2_t_per_mwh)
    if np.any(co2_price) and fuel.co2_t_per_mwh > 0:
        components["co2"] = co2_price * co2
    return CarrierInputs(name, components, co2, fuel.annual_limit_mwh, is_fuel=True)


def operating_cost_per_mwh(
    carriers: dict[str, CarrierInputs], u: ConverterInputs, hours: int, *, grid_priced: bool
) -> np.ndarray:
    """What one MWh of heat at the plant costs the unit in each hour, € (not scaled to a year):
    the carriers it buys, less the electricity it sells, plus variable O&M and its own hourly costs
    (heat purchase, taxes, credits). `grid_priced`: the model prices grid electricity in a block of
    its own (on-site PV), so it is left out here."""
    cost = np.full(hours, u.variable_om_eur_per_mwh)
    for name, per_mwh in u.uses_per_mwh.items():
        if not (grid_priced and name == ELECTRICITY):
            cost = cost + carriers[name].price * per_mwh
    cost = cost - sale_revenue_per_mwh(u)
    for extra in u.hourly_costs_eur_per_mwh.values():
        cost = cost + extra
    return cost


def sale_price(u: ConverterInputs, hours: int) -> np.ndarray:
    """The price the unit's electricity sells at, €/MWh_el, per hour."""
    return sum(u.sale_eur_per_mwh.values(), np.zeros(hours))


def sale_revenue_per_mwh(u: ConverterInputs) -> np.ndarray | float:
    """Revenue from the electricity the unit makes, € per MWh of its heat, per hour."""
    made = u.makes_per_mwh.get(ELECTRICITY)
    return 0.0 if made is None else made * sale_price(u, len(made))


def extraction_cost_per_mwh_el(carriers: dict[str, CarrierInputs], u: ConverterInputs) -> np.ndarray:
    """What one MWh of an extraction CHP's electricity beyond the back-pressure line costs in each
    hour, € (not scaled): its fuel less its sale price (negative where it pays to make it)."""
    assert u.extraction is not None
    hours = len(u.upper_mw)
    cost = -sale_price(u, hours)
    for name, per_mwh_el in u.extraction.uses_per_mwh_el.items():
        cost = cost + carriers[name].price * per_mwh_el
    return cost


def co2_per_mwh(
    carriers: dict[str, CarrierInputs], u: ConverterInputs, hours: int, *, grid_priced: bool
) -> np.ndarray:
    """CO2 of what the unit uses, t per MWh of its heat, per hour (grid electricity's left out if
    `grid_priced`: then only what is bought from the grid emits, counted in the grid block)."""
    co2 = np.zeros(hours)
    for name, per_mwh in u.uses_per_mwh.items():
        intensity = carriers[name].co2_t_per_mwh
        if intensity is not None and not (grid_priced and name == ELECTRICITY):
            co2 = co2 + intensity * per_mwh
    return co2


def fuel_names(carriers: dict[str, CarrierInputs]) -> list[str]:
    return [name for name, c in carriers.items() if c.is_fuel]
