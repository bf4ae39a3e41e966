"""A hot-water tank's heat loss from its geometry: an upright cylinder of given height-to-diameter
ratio (or height), insulated walls, lid and bottom.

Geometry of a cylinder of volume V, diameter D and height H:
    H = r·D (ratio r):  D = (4·V / (π·r))^(1/3);   H given:  D = √(4·V / (π·H))
    A_lid = A_bottom = π·D²/4,   A_wall = π·D·H.
Heat loss at the tank's mean temperature T_m (default: the mean over the horizon of the network's
(supply + return)/2, the temperature of a tank charged at the supply and discharged to the return,
half full on average), to the air around the walls and lid and the ground below the bottom:
    P = (U_wall·A_wall + U_lid·A_lid)·(T_m − T_air) + U_bottom·A_bottom·(T_m − T_ground)   [W]
    loss per hour = P · 1 h / E,  E = V · 1.163e-3 MWh/(m³·K) · ΔT                (a share of the heat)
As for the pit (dhopt.units.pit_storage) the model keeps the storage linear, so the share is a
constant evaluated once at a design volume (design_volume_m3; default the fixed capacity's volume,
else the largest): A/V falls as V^(−1/3), so a tank smaller than the design loses more than the
model says (a tank of an eighth of the volume, twice as much per MWh), a larger one less; and the
model's loss runs from 0 (empty) to P (full), proportional to the level.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field, model_validator

from dhopt.schema import FieldError, StrictModel, Temperature, number

if TYPE_CHECKING:
    from dhopt.inputs import PrepareContext

WATER_MWH_PER_M3_K = 1.163e-3

Ratio = number(gt=0, le=20)  # height over diameter: 0.5 a squat tank, 2–4 the usual tall ones
Height = number(gt=0, le=200)  # m
Volume = number(gt=0, le=1e7)  # m³: the largest tanks hold some 10⁵ m³
UValue = number(ge=0, le=10)  # W/(m²·K): from 0.1 (30 cm of mineral wool) to bare steel


class TankGeometry(StrictModel):
    """The tank's shape and insulation, for its heat loss (module docstring)."""

    height_to_diameter: Ratio | None = Field(
        None, description="Height over diameter of the cylinder, - (give this or height_m)."
    )
    height_m: Height | None = Field(
        None, description="Height of the cylinder, m (give this or height_to_diameter)."
    )
    u_wall_w_per_m2k: UValue = Field(description="U-value of the insulated wall, W/(m²·K).")
    u_lid_w_per_m2k: UValue = Field(description="U-value of the lid (roof), W/(m²·K).")
    u_bottom_w_per_m2k: UValue = Field(description="U-value of the bottom to the ground, W/(m²·K).")
    air_temperature_c: Temperature = Field(description="Mean air temperature around the tank, °C.")
    ground_temperature_c: Temperature | None = Field(
        None, description="Mean ground temperature below the tank, °C (default: air_temperature_c)."
    )
    mean_temperature_c: Temperature | None = Field(
        None,
        description="Mean water temperature of the tank, °C (default: the mean over the horizon of the "
        "network's (supply + return)/2).",
    )
    design_volume_m3: Volume | None = Field(
        None,
        description="Volume at which the loss share is evaluated, m³ (the loss per m³ falls with size "
        "and the model must stay linear; default: the fixed capacity's volume, else the largest's).",
    )

    @model_validator(mode="after")
    def _one_height(self) -> TankGeometry:
        if (self.height_to_diameter is None) == (self.height_m is None):
            found = "both" if self.height_m is not None else "neither"
            raise FieldError("height_to_diameter", f"expected one of it and height_m (found {found})")
        return self


def areas(g: TankGeometry, volume_m3: float) -> dict[str, float]:
    """Diameter, height and areas of the cylinder of `volume_m3`, m and m² (module docstring)."""
    if g.height_m is not None:
        height = g.height_m
        diameter = math.sqrt(4.0 * volume_m3 / (math.pi * height))
    else:
        ratio = float(g.height_to_diameter or 1.0)
        diameter = (4.0 * volume_m3 / (math.pi * ratio)) ** (1.0 / 3.0)
        height = ratio * diameter
    disc = math.pi * diameter**2 / 4.0
    return {
        "diameter_m": diameter,
        "height_m": height,
        "lid_m2": disc,
        "bottom_m2": disc,
        "wall_m2": math.pi * diameter * height,
    }


def loss_per_hour(g: TankGeometry, volume_m3: float, delta_t_k: float, mean_c: float) -> float:
    """Share of the stored heat a full tank of `volume_m3` loses in an hour (module docstring)."""
    a = areas(g, volume_m3)
    ground = g.air_temperature_c if g.ground_temperature_c is None else g.ground_temperature_c
    watts = (g.u_wall_w_per_m2k * a["wall_m2"] + g.u_lid_w_per_m2k * a["lid_m2"]) * (
        mean_c - g.air_temperature_c
    ) + g.u_bottom_w_per_m2k * a["bottom_m2"] * (mean_c - ground)
    return watts * 1e-6 / (volume_m3 * WATER_MWH_PER_M3_K * delta_t_k)


def geometry_loss(
    g: TankGeometry, design_volume_m3: float, delta_t_k: float, ctx: PrepareContext, where: str
) -> float:
    """The tank's loss share per hour, checked: not a gain, and less than all of its heat."""
    mean = g.mean_temperature_c
    if mean is None:
        mean = float(np.mean((ctx.supply_temperature_c + ctx.return_temperature_c) / 2.0))
    share = loss_per_hour(g, design_volume_m3, delta_t_k, mean)
    if share < 0:
        ctx.fail(
            f"{where}.air_temperature_c",
            f"the tank would gain heat from its surroundings (its mean temperature {mean:.4g} °C is "
            "below them): not modelled",
        )
    if share >= 1:
        ctx.fail(
            f"{where}.design_volume_m3",
            f"expected a tank that keeps some heat for an hour; it would lose {share:.3g} of it "
            f"(found {design_volume_m3:g} m³)",
        )
    return share
