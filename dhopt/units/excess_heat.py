"""Excess heat (a supermarket's condenser heat, a data centre, industry), with or without a booster.

Without a booster the unit delivers up to the available heat, using no electricity. With a booster
heat pump lifting it to the supply temperature, heat out Q takes Q·(1 − 1/COP) from the source and
Q/COP from the grid, so the available source heat A[n] caps the output at A[n]·COP/(COP − 1).
The heat bought from the source is paid per MWh of source heat.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from dhopt.carriers import ELECTRICITY
from dhopt.schema import (
    CapacityLimits,
    Investment,
    Pipe,
    PowerSeries,
    PriceSeries,
    StrictModel,
    TemperatureSeries,
)
from dhopt.timestamps import describe_hours
from dhopt.units.converter import ConverterInputs
from dhopt.units.heat_pump import CopModel, cop_series, direct_hours, electricity_per_mwh, warn_unusual_cop
from dhopt.units.taxes import ExcessHeatTax, apply_excess_heat_tax

if TYPE_CHECKING:
    from dhopt.inputs import PrepareContext


class Booster(StrictModel):
    """A heat pump lifting the excess heat to the DH supply temperature (cascade/booster)."""

    source_temperature_c: TemperatureSeries | None = Field(
        None, description="Temperature of the excess heat, °C (needed by linear and lorenz COP)."
    )
    cop: CopModel = Field(description="The booster's COP model.")


class ExcessHeat(CapacityLimits):
    """Heat recovered from a process, sold into the network."""

    type: Literal["excess_heat"]
    source: str = Field(description="Label, e.g. supermarket refrigeration, data centre.")
    available_heat_mw: PowerSeries = Field(description="Excess heat available from the source per hour, MW.")
    booster: Booster | None = Field(None, description="Booster heat pump, if the heat needs lifting.")
    heat_price_eur_per_mwh: PriceSeries = Field(
        0.0, description="Price paid for the source heat, € per MWh taken from the source."
    )
    investment: Investment = Field(
        description="Connection (fixed_eur, e.g. 17,000 €) and per-MW cost (e.g. 600 €/kW)."
    )
    pipe: Pipe | None = Field(None, description="Pipe to the DH network, if any.")
    excess_heat_tax: ExcessHeatTax | None = Field(None, description="Danish excess-heat tax, if it applies.")


def prepare(name: str, ex: ExcessHeat, ctx: PrepareContext) -> ConverterInputs:
    where = f"units.{name}"
    available = ctx.series(ex.available_heat_mw, f"{where}.available_heat_mw")
    if np.any(available < 0):
        ctx.fail(f"{where}.available_heat_mw", "expected values ≥ 0, found a negative one")
    if ex.booster is None:
        uses: dict[str, np.ndarray] = {}  # the heat is used as it comes: no carrier
        source_share = np.ones(ctx.hours)  # MWh taken from the source per MWh of heat
        upper = available
    else:
        # Hours when the excess heat is at or above the supply temperature bypass the booster.
        direct = None
        if ex.booster.source_temperature_c is not None:
            direct = direct_hours(ex.booster, ctx, f"{where}.booster")
        cop = cop_series(ex.booster, ctx, f"{where}.booster", direct)
        if np.any(cop <= 1):  # NaN (direct use) is not
            ctx.fail(
                f"{where}.booster.cop",
                f"expected a COP above 1 in every hour, not so in {describe_hours(cop <= 1)}",
            )
        warn_unusual_cop(cop, ctx, f"{where}.booster")
        electricity = electricity_per_mwh(cop)
        uses = {ELECTRICITY: electricity}
        source_share = 1.0 - electricity
        upper = available / source_share
    loss = ex.pipe.heat_loss_fraction if ex.pipe else 0.0
    conv = ctx.converter_base(name, "excess_heat", ex.source, uses, upper, ex, loss)
    if ex.pipe is not None and ex.pipe.length_m > 0:
        ctx.add_pipe_costs(conv, ex.pipe)
    price = ctx.series(ex.heat_price_eur_per_mwh, f"{where}.heat_price_eur_per_mwh")
    if np.any(price):
        conv.hourly_costs_eur_per_mwh["heat_purchase"] = price * source_share
    if ex.excess_heat_tax is not None:
        apply_excess_heat_tax(conv, ex.excess_heat_tax, ctx, where)
    return conv
