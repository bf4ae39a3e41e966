"""Pit thermal energy storage: a large water pit sized by volume, its loss from geometry and temperatures.

Energy capacity: E = V · 1.163e-3 MWh/(m³·K) · (T_top − T_bottom), the heat between the two layers.

Geometry: a truncated inverted pyramid with a square top of side a, depth h and side slope m
(horizontal metres per metre of depth), so the bottom side is b = a − 2·m·h and
    V = h/3 · (a² + a·b + b²)   →   a = m·h + √(V/h − (m·h)²/3).
Areas: lid A_lid = a², bottom A_bottom = b², the four sloped walls A_wall = 2·(a + b)·h·√(1 + m²).

Heat loss at the mean storage temperature T_m = (T_top + T_bottom)/2, to the air above the lid and
the ground around the walls and below the bottom:
    P = U_lid·A_lid·(T_m − T_air) + (U_wall·A_wall + U_bottom·A_bottom)·(T_m − T_ground)   [W]
    loss per hour = P · 1 h / E                                              (a share of the heat)
The model keeps the storage linear (dhopt.units.storage: level[n] = (1 − loss)·level[n−1] + …), so
the share is a constant, evaluated once at a design volume (design_volume_m3; default the fixed
volume, else the largest): since A/V falls with size, a smaller pit than the design loses more than
the model says, a larger one less. The loss is proportional to the level: the model's runs from 0
(empty) to P (full), a real pit's from P at T_bottom to P at T_top, so part-charged the model loses
less than the pit (a loss affine in level and capacity would follow the pit, and stay linear).

Investment: a curve of points (volume, total investment €) that the model follows piecewise
linearly (dhopt.units.storage's investment curve; concave curves get one binary per segment).

In hours when the top is colder than the network's supply the pit discharges only through the
booster the scenario names (dhopt.units.pit_booster).
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Literal

from pydantic import Field, StrictBool, field_validator, model_validator

from dhopt.schema import (
    FieldError,
    NonNegative,
    StrictModel,
    Temperature,
    Years,
    number,
)
from dhopt.units.pit_booster import link
from dhopt.units.storage import WATER_MWH_PER_M3_K, StorageInputs, curve_value
from dhopt.units.storage_power import PowerLimits, prepare_power

if TYPE_CHECKING:
    from dhopt.inputs import PrepareContext

Volume = number(ge=0, le=1e8)  # m³: the largest pits built hold some 10⁵–10⁶ m³
Depth = number(gt=0, le=100)  # m: Danish pits are 10–16 m deep
SideSlope = number(ge=0, le=10)  # horizontal m per m of depth: 0 vertical walls, 2 the usual 1:2
UValue = number(ge=0, le=10)  # W/(m²·K): from a well-insulated lid (≈0.1) to bare water (≈10)

SOURCES = (
    "Typical Danish pit costs, from IEA SHC Programme news of June 2019 reporting J. E. Nielsen "
    "(PlanEnergi) at an IEA SHC Task 55 webinar: the Marstal demonstration pit, 10,000 m³, 67 €/m³; "
    "Dronninglund (Sunstore 3, 2014), 60,000 m³, 38 €/m³; Vojens (2015, 200,000 m³ by Rambøll's project "
    "description), 24 €/m³; about 30 €/m³ as a benchmark from 100,000 m³ up. Project figures in the "
    "money of their years, not the Danish Energy Agency's catalogue"
)


class PitCostPoint(StrictModel):
    """One point of the investment curve."""

    volume_m3: Volume = Field(description="New pit volume, m³.")
    investment_eur: NonNegative = Field(description="Total investment of a pit of that volume, €.")


class PitInvestment(StrictModel):
    """The pit's investment as a function of its new volume, annualised."""

    curve: list[PitCostPoint] = Field(
        description="Two or more points (new volume m³, total investment €), volumes increasing, "
        "investment not falling; the model follows it piecewise-linearly between the points (a pit "
        "is either not built or between the first and the last volume). Two points are fixed + per "
        f"m³. {SOURCES}; as a curve: (10000, 670000), (60000, 2280000), (200000, 4800000)."
    )
    lifetime_years: Years = Field(description="Lifetime, years.")

    @field_validator("curve")
    @classmethod
    def _increasing(cls, points: list[PitCostPoint]) -> list[PitCostPoint]:
        if len(points) < 2:
            raise ValueError(f"expected at least two points, found {len(points)}")
        for a, b in itertools.pairwise(points):
            if b.volume_m3 <= a.volume_m3:
                raise ValueError(
                    f"expected volumes that increase point by point, found {b.volume_m3:g} m³ after "
                    f"{a.volume_m3:g} m³"
                )
            if b.investment_eur < a.investment_eur:
                raise ValueError(
                    f"expected an investment that does not fall with volume, found {b.investment_eur:g} € "
                    f"at {b.volume_m3:g} m³ after {a.investment_eur:g} € at {a.volume_m3:g} m³"
                )
        return points


class PitStorage(PowerLimits):
    """A pit thermal energy storage: a lined water pit in the ground with a floating insulated lid."""

    type: Literal["pit_storage"]
    top_temperature_c: Temperature = Field(
        description="Temperature of the hot top layer when charged, °C (Danish pits: 80–90 °C)."
    )
    bottom_temperature_c: Temperature = Field(
        description="Temperature of the cold bottom layer, °C: the coldest water the system can use "
        "(the network's return, or lower with a heat pump discharging it)."
    )
    depth_m: Depth = Field(description="Depth of the water, m.")
    side_slope: SideSlope = Field(
        description="Side slope, horizontal m per m of depth, - (0: vertical walls; 2: the slope 1:2 "
        "of Dronninglund)."
    )
    u_lid_w_per_m2k: UValue = Field(description="U-value of the floating lid, W/(m²·K).")
    u_wall_w_per_m2k: UValue = Field(
        description="U-value of the sloped walls to the ground (liner and soil), W/(m²·K)."
    )
    u_bottom_w_per_m2k: UValue = Field(description="U-value of the bottom to the ground, W/(m²·K).")
    air_temperature_c: Temperature = Field(description="Mean air temperature above the lid, °C.")
    ground_temperature_c: Temperature = Field(description="Mean ground temperature around the pit, °C.")
    design_volume_m3: Volume | None = Field(
        None,
        description="Volume at which the loss share is evaluated, m³ (the loss per m³ falls with size "
        "and the model must stay linear; default: volume_m3, else volume_max_m3).",
    )
    volume_min_m3: Volume = Field(0.0, description="Smallest volume, m³ (existing included).")
    volume_max_m3: Volume | None = Field(
        None,
        description="Largest volume, m³ (existing included; default: existing_volume_m3 + the cost "
        "curve's largest volume).",
    )
    volume_m3: Volume | None = Field(None, description="Fixed volume instead of an optimised one, m³.")
    existing_volume_m3: Volume = Field(
        0.0,
        description="Volume that exists already, m³: no investment. More is an expansion, costed by "
        "the curve as a pit of the added volume.",
    )
    retired: StrictBool = Field(
        False, description="The pit is unavailable (a forced retirement): no capacity, no cost."
    )
    booster: str | None = Field(
        None,
        description="Name of the electric_boiler or heat_pump unit that lifts the pit's heat to the "
        "supply temperature in hours when the top is colder than the supply (see docs/physics.md); "
        "without one the pit cannot discharge in those hours.",
    )
    investment: PitInvestment = Field(description="Investment cost.")

    @property
    def largest_volume_m3(self) -> float:
        curve_top = self.existing_volume_m3 + self.investment.curve[-1].volume_m3
        return curve_top if self.volume_max_m3 is None else self.volume_max_m3

    @property
    def design_volume(self) -> float:
        """The volume the loss share is evaluated at, m³."""
        if self.design_volume_m3 is not None:
            return self.design_volume_m3
        if self.volume_m3 is not None and self.volume_m3 > 0:
            return self.volume_m3
        return self.largest_volume_m3 or self.existing_volume_m3 + self.investment.curve[-1].volume_m3

    @model_validator(mode="after")
    def _consistent(self) -> PitStorage:
        top, bottom = self.top_temperature_c, self.bottom_temperature_c
        if top <= bottom:
            raise FieldError(
                "top_temperature_c", f"expected above bottom_temperature_c {bottom:g} °C (found {top:g})"
            )
        existing, low, high = self.existing_volume_m3, self.volume_min_m3, self.volume_max_m3
        if high is not None and existing > high:
            raise FieldError(
                "existing_volume_m3", f"expected at most volume_max_m3 {high:g} m³ (found {existing:g})"
            )
        if low > self.largest_volume_m3:
            raise FieldError(
                "volume_min_m3",
                f"expected at most the largest volume {self.largest_volume_m3:g} m³ (volume_max_m3, else "
                f"existing_volume_m3 + the cost curve's largest volume; found {low:g})",
            )
        if self.volume_m3 is not None and self.volume_m3 < existing:
            raise FieldError(
                "volume_m3",
                f"expected at least existing_volume_m3 {existing:g} m³ (found {self.volume_m3:g})",
            )
        curve_top = existing + self.investment.curve[-1].volume_m3
        if high is not None and high > curve_top:
            raise FieldError(
                "volume_max_m3",
                f"expected at most existing_volume_m3 + the cost curve's largest volume = {curve_top:g} m³ "
                f"(found {high:g})",
            )
        design = self.design_volume
        if design <= 0:
            raise FieldError("design_volume_m3", "expected a volume above 0 m³ (found 0)")
        if self.side_slope > 0:
            deepest = (3.0 * design / (4.0 * self.side_slope**2)) ** (1.0 / 3.0)
            if self.depth_m > deepest:
                raise FieldError(
                    "depth_m",
                    f"expected at most {deepest:.4g} m: deeper, a pit of the design volume {design:g} m³ "
                    f"at side slope {self.side_slope:g} would end in a point (found {self.depth_m:g})",
                )
        share = loss_per_hour(self, design)
        if share < 0:
            raise FieldError(
                "air_temperature_c",
                "the pit would gain heat from its surroundings (its mean temperature is below them): "
                "not modelled",
            )
        if share >= 1:
            raise FieldError(
                "design_volume_m3",
                f"expected a pit that keeps some heat for an hour; it would lose {share:.3g} of it "
                f"(found {design:g} m³)",
            )
        return self


def geometry(volume_m3: float, depth_m: float, side_slope: float) -> dict[str, float]:
    """Sides and areas of the truncated inverted pyramid of the module docstring, m and m²."""
    run = side_slope * depth_m  # horizontal run of each wall
    top = run + math.sqrt(volume_m3 / depth_m - run**2 / 3.0)
    bottom = max(top - 2.0 * run, 0.0)
    return {
        "top_side_m": top,
        "bottom_side_m": bottom,
        "lid_m2": top**2,
        "bottom_m2": bottom**2,
        "wall_m2": 2.0 * (top + bottom) * depth_m * math.sqrt(1.0 + side_slope**2),
    }


def loss_per_hour(pit: PitStorage, volume_m3: float) -> float:
    """Share of the stored heat a full pit of `volume_m3` loses in an hour (module docstring)."""
    g = geometry(volume_m3, pit.depth_m, pit.side_slope)
    mean = (pit.top_temperature_c + pit.bottom_temperature_c) / 2.0
    to_air = pit.u_lid_w_per_m2k * g["lid_m2"] * (mean - pit.air_temperature_c)
    to_ground = (pit.u_wall_w_per_m2k * g["wall_m2"] + pit.u_bottom_w_per_m2k * g["bottom_m2"]) * (
        mean - pit.ground_temperature_c
    )
    capacity_mwh = volume_m3 * WATER_MWH_PER_M3_K * (pit.top_temperature_c - pit.bottom_temperature_c)
    return (to_air + to_ground) * 1e-6 / capacity_mwh


def prepare(name: str, pit: PitStorage, ctx: PrepareContext) -> StorageInputs:
    where = f"units.{name}"
    loss = loss_per_hour(pit, pit.design_volume)
    if pit.retired:  # unavailable: fixed at 0 m³, no existing volume, so no cost at all
        pit = pit.model_copy(update={"volume_m3": 0.0, "existing_volume_m3": 0.0, "volume_min_m3": 0.0})
    mwh_per_m3 = WATER_MWH_PER_M3_K * (pit.top_temperature_c - pit.bottom_temperature_c)
    crf = ctx.crf(pit.investment.lifetime_years)
    curve = tuple((p.volume_m3 * mwh_per_m3, crf * p.investment_eur) for p in pit.investment.curve)
    existing, largest = pit.existing_volume_m3, pit.largest_volume_m3
    if pit.volume_m3 is not None:
        if pit.volume_m3 > largest:
            ctx.fail(
                f"{where}.volume_m3",
                f"fixed volume {pit.volume_m3:g} m³ is above volume_max_m3 {largest:g} m³",
            )
        try:
            curve_value(curve, (pit.volume_m3 - existing) * mwh_per_m3)
        except ValueError:
            first = pit.investment.curve[0].volume_m3
            ctx.fail(
                f"{where}.volume_m3",
                f"the new volume {pit.volume_m3 - existing:g} m³ is below the cost curve's first point "
                f"{first:g} m³ (a pit is either not built or within the curve)",
            )
    fixed_eur, per_mwh_eur = 0.0, 0.0
    if len(curve) == 2 and curve[0][0] == 0.0:  # one segment from 0: just fixed + per MWh
        fixed_eur, per_mwh_eur = curve[0][1], (curve[1][1] - curve[0][1]) / curve[1][0]
        curve = None
    return StorageInputs(
        name=name,
        kind="pit_storage",
        loss_per_hour=loss,
        capacity_max_mwh=largest * mwh_per_m3,
        capacity_bound_mwh=largest * mwh_per_m3,
        capacity_bound_is_derived=False,
        capacity_min_mwh=pit.volume_min_m3 * mwh_per_m3,
        capacity_fixed_mwh=None if pit.volume_m3 is None else pit.volume_m3 * mwh_per_m3,
        capacity_existing_mwh=existing * mwh_per_m3,
        power_max_mw=pit.power_max_mw,
        volume_m3_per_mwh=1.0 / mwh_per_m3,
        annual_fixed_eur={"investment": fixed_eur},
        annual_per_mwh_eur={"investment": per_mwh_eur},
        investment_curve=curve,
        power=prepare_power(pit, crf),
        booster=link(name, pit.top_temperature_c, pit.booster, ctx),
    )
