"""Heat bought from a main district-heating network (a back-up connection), capacity-limited."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from dhopt.schema import CapacityLimits, Investment, OperationAndMaintenance, Power, PriceSeries
from dhopt.units.converter import ConverterInputs

if TYPE_CHECKING:
    from dhopt.inputs import PrepareContext


class HeatImport(CapacityLimits):
    """A connection to another network that sells heat at an hourly price."""

    type: Literal["heat_import"]
    source: str = Field("main DH network", description="Label of the network heat is bought from.")
    price_eur_per_mwh: PriceSeries = Field(description="Price of the heat bought, €/MWh.")
    capacity_min_mw: Power = Field(0.0, description="Smallest connection to build, MW.")
    capacity_max_mw: Power | None = Field(None, description="Largest connection, MW.")
    capacity_mw: Power | None = Field(None, description="Existing (fixed) connection, MW.")
    min_load_mw: Power = Field(0.0, description="Least import when importing, MW.")
    investment: Investment = Field(
        default_factory=lambda: Investment(lifetime_years=30),
        description="Connection cost (default none).",
    )
    om: OperationAndMaintenance = Field(default_factory=OperationAndMaintenance, description="O&M.")


def prepare(name: str, imp: HeatImport, ctx: PrepareContext) -> ConverterInputs:
    where = f"units.{name}"
    price = ctx.series(imp.price_eur_per_mwh, f"{where}.price_eur_per_mwh")
    cop = np.full(ctx.hours, np.inf)  # no electricity
    upper = np.full(ctx.hours, np.inf)
    conv = ctx.converter_base(name, "heat_import", imp.source, cop, upper, imp, 0.0)
    conv.hourly_costs_eur_per_mwh["heat_purchase"] = price
    return conv
