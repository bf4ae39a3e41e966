"""Network temperatures that follow the outdoor temperature: a curve of (outdoor, supply) points.

A utility runs its supply (and often its return) temperature on a curve of the outdoor
temperature, e.g. 80 °C below −12 °C, 65 °C above 15 °C, linear in between. The scenario gives
`supply_temperature_c` (and `return_temperature_c`) as a constant, a CSV column, or such a curve;
every COP model, heat-pump sink and fuel-boiler efficiency then follows it hour by hour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
from pydantic import Discriminator, Field, Tag, field_validator

from dhopt.schema import SeriesFromFile, StrictModel, Temperature, TemperatureSeries, curve_points

if TYPE_CHECKING:
    from dhopt.inputs import PrepareContext


class CurvePoint(StrictModel):
    """The network temperature at one outdoor temperature."""

    outdoor_temperature_c: Temperature = Field(description="Outdoor temperature, °C.")
    temperature_c: Temperature = Field(description="Network temperature at it, °C.")


class TemperatureCurve(StrictModel):
    """A network temperature as a function of the outdoor temperature: linear between the points,
    constant below the first and above the last."""

    outdoor_temperature_c: TemperatureSeries = Field(
        description="Outdoor temperature per hour, °C (a constant or a CSV column)."
    )
    points: list[CurvePoint] = Field(
        description="Two or more (outdoor temperature, network temperature) points, in any order."
    )

    @field_validator("points")
    @classmethod
    def _distinct(cls, points: list[CurvePoint]) -> list[CurvePoint]:
        return curve_points(points, "outdoor_temperature_c", "outdoor temperature")


# Tags of the three forms (a ':' keeps them apart from any scenario key; error locations leave them out).
CONSTANT, FILE, CURVE = "temperature:constant", "temperature:file", "temperature:curve"


def _kind(value: Any) -> str:
    if isinstance(value, TemperatureCurve) or (isinstance(value, dict) and "points" in value):
        return CURVE
    return FILE if isinstance(value, dict | SeriesFromFile) else CONSTANT


NetworkTemperature = Annotated[
    Annotated[Temperature, Tag(CONSTANT)]
    | Annotated[SeriesFromFile, Tag(FILE)]
    | Annotated[TemperatureCurve, Tag(CURVE)],
    Discriminator(_kind),
]


def network_temperature(spec: Any, ctx: PrepareContext, where: str) -> np.ndarray:
    """The hourly temperature of a `NetworkTemperature` field."""
    if not isinstance(spec, TemperatureCurve):
        return ctx.series(spec, where)
    outdoor = ctx.series(spec.outdoor_temperature_c, f"{where}.outdoor_temperature_c")
    xs = np.array([p.outdoor_temperature_c for p in spec.points])
    ys = np.array([p.temperature_c for p in spec.points])
    return np.interp(outdoor, xs, ys)
