"""Electric boiler: a converter with a constant efficiency (COP 1 in the study)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from dhopt.schema import CapacityLimits, Efficiency, Investment, OperationAndMaintenance, Power
from dhopt.units.converter import ConverterInputs

if TYPE_CHECKING:
    from dhopt.inputs import PrepareContext


class ElectricBoiler(CapacityLimits):
    """An electric (peak-load) boiler."""

    type: Literal["electric_boiler"]
    efficiency: Efficiency = Field(1.0, description="Heat out per electricity in, - (the study: 1).")
    capacity_min_mw: Power = Field(0.0, description="Smallest capacity to build, MW heat.")
    capacity_max_mw: Power | None = Field(None, description="Largest capacity, MW heat.")
    capacity_mw: Power | None = Field(
        None, description="Fixed capacity instead of an optimised one, MW heat."
    )
    min_load_mw: Power = Field(0.0, description="Least heat output when running, MW.")
    investment: Investment = Field(description="Investment cost.")
    om: OperationAndMaintenance = Field(default_factory=OperationAndMaintenance, description="O&M costs.")


def prepare(name: str, eb: ElectricBoiler, ctx: PrepareContext) -> ConverterInputs:
    cop = np.full(ctx.hours, eb.efficiency)
    upper = np.full(ctx.hours, np.inf)
    return ctx.converter_base(name, "electric_boiler", "electricity", cop, upper, eb, 0.0)
