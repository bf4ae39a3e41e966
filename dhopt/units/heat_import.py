"""Heat bought from a main district-heating network (a back-up connection), capacity-limited."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from dhopt.schema import CapacityLimits, Investment, PriceSeries
from dhopt.units.converter import ConverterInputs

if TYPE_CHECKING:
    from dhopt.inputs import PrepareContext


class HeatImport(CapacityLimits):
    """A connection to another network that sells heat at an hourly price."""

    type: Literal["heat_import"]
    source: str = Field("main DH network", description="Label of the network heat is bought from.")
    price_eur_per_mwh: PriceSeries = Field(description="Price of the heat bought, €/MWh.")
    investment: Investment = Field(
        default_factory=lambda: Investment(lifetime_years=30),
        description="Connection cost (default none).",
    )


def prepare(name: str, imp: HeatImport, ctx: PrepareContext) -> ConverterInputs:
    where = f"units.{name}"
    price = ctx.series(imp.price_eur_per_mwh, f"{where}.price_eur_per_mwh")
    upper = np.full(ctx.hours, np.inf)
    conv = ctx.converter_base(name, "heat_import", imp.source, {}, upper, imp, 0.0)  # uses no carrier
    conv.hourly_costs_eur_per_mwh["heat_purchase"] = price
    return conv
