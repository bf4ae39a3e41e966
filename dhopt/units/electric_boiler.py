"""Electric boiler: a converter with a constant efficiency (COP 1 in the study)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from dhopt.carriers import ELECTRICITY
from dhopt.schema import CapacityLimits, Efficiency, Investment
from dhopt.units.commitment import STARTS_FIELD, Starts
from dhopt.units.converter import ConverterInputs

if TYPE_CHECKING:
    from dhopt.inputs import PrepareContext


class ElectricBoiler(CapacityLimits):
    """An electric (peak-load) boiler."""

    type: Literal["electric_boiler"]
    efficiency: Efficiency = Field(1.0, description="Heat out per electricity in, - (the study: 1).")
    investment: Investment = Field(description="Investment cost.")
    starts: Starts | None = STARTS_FIELD


def prepare(name: str, eb: ElectricBoiler, ctx: PrepareContext) -> ConverterInputs:
    uses = {ELECTRICITY: np.full(ctx.hours, 1.0 / eb.efficiency)}
    upper = np.full(ctx.hours, np.inf)
    return ctx.converter_base(name, "electric_boiler", "electricity", uses, upper, eb, 0.0)
