"""Fuel boiler (natural gas, oil, wood chips, biogas …): burns one of the scenario's fuels.

Fuel per MWh of heat = 1 / η[n], η on the net calorific value. A condensing boiler recovers the
flue gas's latent heat when the return water is cold enough, so its efficiency can be given as a
function of the network's return temperature (points interpolated linearly, held constant beyond
the first and last); on the net calorific value it may then exceed 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field, field_validator

from dhopt.schema import CapacityLimits, Investment, StrictModel, Temperature, curve_points, number
from dhopt.units.commitment import STARTS_FIELD, Starts
from dhopt.units.converter import ConverterInputs

if TYPE_CHECKING:
    from dhopt.inputs import PrepareContext

# On the net calorific value a condensing boiler reaches about 1.05–1.10; above 1.2 is a typo.
BoilerEfficiency = number(gt=0, le=1.2)


class EfficiencyPoint(StrictModel):
    """The boiler's efficiency at one return temperature."""

    return_temperature_c: Temperature = Field(description="Network return temperature, °C.")
    efficiency: BoilerEfficiency = Field(description="Heat out / fuel in (net calorific value), -.")


class FuelBoiler(CapacityLimits):
    """A boiler burning a fuel of the scenario (its `fuels:` section)."""

    type: Literal["fuel_boiler"]
    fuel: str = Field(description="Name of the fuel it burns (a key of the scenario's `fuels`).")
    efficiency: BoilerEfficiency = Field(
        description="Heat out / fuel in on the net calorific value, - (gas boiler about 0.97–1.03, "
        "wood chips with flue-gas condensation about 1.05–1.15, oil about 0.95)."
    )
    efficiency_by_return_temperature: list[EfficiencyPoint] | None = Field(
        None,
        description="Flue-gas condensation: the efficiency at two or more return temperatures, "
        "in any order, interpolated linearly hour by hour (held constant outside the points); replaces "
        "`efficiency` where given.",
    )
    investment: Investment = Field(description="Investment cost.")
    starts: Starts | None = STARTS_FIELD

    @field_validator("efficiency_by_return_temperature")
    @classmethod
    def _distinct_points(cls, points: list[EfficiencyPoint] | None) -> list[EfficiencyPoint] | None:
        return curve_points(points, "return_temperature_c", "return temperature")


def efficiency_series(boiler: FuelBoiler, return_temperature_c: np.ndarray) -> np.ndarray:
    """The boiler's efficiency per hour."""
    points = boiler.efficiency_by_return_temperature
    if points is None:
        return np.full(len(return_temperature_c), boiler.efficiency)
    temps = np.array([p.return_temperature_c for p in points])
    etas = np.array([p.efficiency for p in points])
    return np.interp(return_temperature_c, temps, etas)


def prepare(name: str, boiler: FuelBoiler, ctx: PrepareContext) -> ConverterInputs:
    fuel = ctx.fuel(f"units.{name}.fuel", boiler.fuel)
    eta = efficiency_series(boiler, ctx.return_temperature_c)
    upper = np.full(ctx.hours, np.inf)
    return ctx.converter_base(name, "fuel_boiler", fuel, {fuel: 1.0 / eta}, upper, boiler, 0.0)
