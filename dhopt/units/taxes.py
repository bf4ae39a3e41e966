"""The Danish excess-heat tax (the supermarket paper, docs/sources.md, 2.3) for any unit selling excess heat.

Only heat above what a COP of `cop_threshold` (3) would give is taxed: taxable = Q − 3·W =
Q·(1 − 3/COP) for a heat pump, all of Q for excess heat delivered without one. The tax is `rate`
(25 %) of the heat sale price, at most `cap_eur_per_gj` (7.40 €/GJ = 26.64 €/MWh) per unit of
taxable heat. `hourly`: the rule applies hour by hour (hours below the threshold pay nothing);
`annual`: on the year's totals (hours below the threshold offset the others, never below zero).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from dhopt.schema import Cop, NonNegativePrice, PriceSeries, Share, StrictModel

if TYPE_CHECKING:
    from dhopt.inputs import PrepareContext
    from dhopt.units.converter import ConverterInputs

MWH_PER_GJ = 1 / 3.6


class ExcessHeatTax(StrictModel):
    """Danish excess-heat tax on the heat a unit sells (the supermarket paper, eq. 3)."""

    heat_price_eur_per_mwh: PriceSeries = Field(description="Heat sale price the tax is a share of, €/MWh.")
    rate: Share = Field(0.25, description="Share of the heat sale, -.")
    cap_eur_per_gj: NonNegativePrice = Field(7.40, description="Most tax per GJ of taxable heat, €/GJ.")
    cop_threshold: Cop = Field(3.0, description="Heat above what this COP would give is taxed, -.")
    rule: Literal["hourly", "annual"] = Field("hourly", description="Apply per hour or on annual sums.")


def tax_rate_per_mwh_heat(
    tax: ExcessHeatTax, electricity_per_mwh: np.ndarray | None, price: np.ndarray
) -> np.ndarray:
    """Tax per MWh of heat produced, per hour, before the hourly/annual rule (may be < 0 below 3).
    `electricity_per_mwh` is 1/COP; None (no electricity) makes all of the heat taxable."""
    per_taxable = np.minimum(tax.rate * price, tax.cap_eur_per_gj / MWH_PER_GJ)
    if electricity_per_mwh is None:
        return np.ones_like(price) * per_taxable
    taxable_share = 1.0 - tax.cop_threshold * electricity_per_mwh  # Q − 3·W per MWh of Q
    return taxable_share * per_taxable


def apply_excess_heat_tax(conv: ConverterInputs, tax: ExcessHeatTax, ctx: PrepareContext, where: str) -> None:
    price = ctx.series(tax.heat_price_eur_per_mwh, f"{where}.excess_heat_tax.heat_price_eur_per_mwh")
    rate = tax_rate_per_mwh_heat(tax, conv.electricity_per_mwh, price)
    if tax.rule == "hourly":
        conv.hourly_costs_eur_per_mwh["excess_heat_tax"] = np.maximum(rate, 0.0)
    else:
        conv.annual_tax_rate_eur_per_mwh = rate
