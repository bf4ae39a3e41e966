"""Combined heat and power plant: back-pressure, or extraction (electricity between the back-pressure
and the condensing line).

With total efficiency η = (P + Q) / F and power-to-heat ratio c_b = P / Q, one MWh of heat takes
F = (1 + c_b) / η MWh of fuel and makes P = c_b MWh of electricity, sold at the hourly spot price
plus the plant's named adders (a feed-in premium, less a grid fee). The plant runs where
c_b · sale price beats its fuel cost (1 + c_b)/η · fuel price + variable O&M, or where its heat is
needed. The capacity is in MW of heat (the electricity is c_b times it). Its electricity is sold
to the market, not used by the scenario's heat pumps (they buy from the grid at the full tariff).

An extraction plant (`extraction: {cv: …}`) may also make electricity x ≥ 0 beyond the
back-pressure line, giving up c_v MWh of electricity per MWh of heat along an iso-fuel line:
(c_b + c_v)·q + x ≤ (c_b + c_v)·capacity, down to pure condensing at q = 0. That electricity takes
1/η_el MWh of fuel per MWh, η_el = η·(c_b + c_v)/(1 + c_b) (the condensing efficiency, so that fuel
is the same all along an iso-fuel line).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from dhopt.carriers import ELECTRICITY
from dhopt.schema import CapacityLimits, Efficiency, Investment, PriceSeries, StrictModel, number
from dhopt.units.commitment import STARTS_FIELD, Starts
from dhopt.units.converter import ConverterInputs, ExtractionInputs

if TYPE_CHECKING:
    from dhopt.inputs import PrepareContext

PowerToHeat = number(gt=0, le=5)  # back-pressure gas engines ≈ 0.8–1.1, steam turbines ≈ 0.3–0.6
PowerLossRatio = number(gt=0, le=1)  # c_v of extraction steam turbines ≈ 0.1–0.2


class Extraction(StrictModel):
    """An extraction steam turbine: electricity between the back-pressure and the condensing line."""

    cv: PowerLossRatio = Field(
        description="Electricity given up per MWh of heat extracted at constant fuel, c_v, - (about 0.15)."
    )


class Chp(CapacityLimits):
    """A back-pressure CHP plant (gas engine, gas turbine, steam turbine) burning a scenario fuel."""

    type: Literal["chp"]
    fuel: str = Field(description="Name of the fuel it burns (a key of the scenario's `fuels`).")
    total_efficiency: Efficiency = Field(
        description="(Electricity + heat) / fuel on the net calorific value, - (gas engine about 0.90–0.95)."
    )
    power_to_heat_ratio: PowerToHeat = Field(
        description="Electricity made per MWh of heat, c_b, - (gas engine about 0.9)."
    )
    sale_adders_eur_per_mwh: dict[str, PriceSeries] = Field(
        default_factory=dict,
        description="Named adders to the spot price its electricity sells at (a feed-in premium > 0, "
        "a grid fee < 0), €/MWh_el, each constant or hourly.",
    )
    extraction: Extraction | None = Field(
        None, description="An extraction plant's condensing range (none: a back-pressure plant)."
    )
    investment: Investment = Field(description="Investment cost, per MW of heat.")
    starts: Starts | None = STARTS_FIELD


def prepare(name: str, chp: Chp, ctx: PrepareContext) -> ConverterInputs:
    where = f"units.{name}"
    fuel = ctx.fuel(f"{where}.fuel", chp.fuel)
    cb = chp.power_to_heat_ratio
    uses = {fuel: np.full(ctx.hours, (1.0 + cb) / chp.total_efficiency)}
    conv = ctx.converter_base(name, "chp", fuel, uses, np.full(ctx.hours, np.inf), chp, 0.0)
    conv.makes_per_mwh = {ELECTRICITY: np.full(ctx.hours, cb)}
    sale = {"spot": ctx.carriers[ELECTRICITY].price_components["spot"]}
    for adder, spec in chp.sale_adders_eur_per_mwh.items():
        if adder == "spot":
            ctx.fail(f"{where}.sale_adders_eur_per_mwh.spot", "the name 'spot' is reserved")
        sale[adder] = ctx.series(spec, f"{where}.sale_adders_eur_per_mwh.{adder}")
    conv.sale_eur_per_mwh = sale
    if chp.extraction is not None:
        line = cb + chp.extraction.cv
        eta_el = chp.total_efficiency * line / (1.0 + cb)
        conv.extraction = ExtractionInputs(line, {fuel: np.full(ctx.hours, 1.0 / eta_el)})
    return conv
