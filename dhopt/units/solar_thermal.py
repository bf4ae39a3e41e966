"""Solar-thermal collector field: sized in m² of gross collector area, heat from the irradiance.

Hourly yield per m² (EN ISO 9806, steady-state / quasi-dynamic efficiency curve, incidence-angle
modifier and heat capacity left out): with the irradiance G on the collector plane [W/m²], the
ambient temperature T_a and the mean fluid temperature T_m,
    η = η0 − a1·(T_m − T_a)/G − a2·(T_m − T_a)²/G,    yield = max(0, G·η)  (0 where G = 0).
T_m is the network's (supply + return)/2 unless given. G is given, or computed with pvlib from the
global horizontal irradiance, the site and the collector's orientation (solar position at the
middle of each hour, Erbs decomposition into direct and diffuse, isotropic or Hay-Davies
transposition).

In the model the field is a converter whose capacity is in MW "at the reference": 1000 W/m² on
the plane and T_m = T_a, where a m² gives η0 kW. So area = cap / (η0 · 1e-3 MW/m²) and the heat per
MW of capacity in hour n is cf[n] = yield[n] / (η0 · 1000 W/m²): q[n] ≤ cf[n]·cap. Heat below that
is curtailed (the collectors are defocused or the pumps slowed), so q[n] may be less.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, StrictBool, model_validator

from dhopt.schema import (
    CapacityLimits,
    Investment,
    NonNegative,
    NonNegativePrice,
    OperationAndMaintenance,
    StrictModel,
    TemperatureSeries,
    Years,
    check_size_limits,
    number,
    series,
)
from dhopt.units.converter import ConverterInputs

if TYPE_CHECKING:
    from dhopt.inputs import PrepareContext

REFERENCE_IRRADIANCE_W_PER_M2 = 1000.0  # the plane irradiance at which a m² gives η0 kW
# Hourly irradiance above this is a unit error (J/cm², Wh per day), not weather: the solar
# constant is 1361 W/m², and an hour's mean on a tilted plane stays well below it.
MAX_IRRADIANCE_W_PER_M2 = 2000.0
Irradiance = number(ge=0, le=MAX_IRRADIANCE_W_PER_M2)  # W/m²
IrradianceSeries = series(Irradiance)
Area = number(ge=0, le=1e8)  # m²: 100 km² is far above any field (and keeps cap ≤ 100,000 MW)


class CollectorEfficiency(StrictModel):
    """The collector's efficiency curve, EN ISO 9806 (from its test report or Solar Keymark data
    sheet), referred to the gross collector area. A data sheet giving them per aperture area
    converts with η0_gross = η0_aperture · A_aperture / A_gross (a1 and a2 alike)."""

    eta0: number(gt=0, le=1) = Field(
        description="Peak collector efficiency η0 (at T_m = T_a, beam at normal incidence), - "
        "(large flat-plate collectors about 0.7–0.8)."
    )
    a1_w_per_m2_k: number(ge=0, le=20) = Field(
        description="First-order heat loss coefficient a1, W/(m²·K) (flat plate about 2–4)."
    )
    a2_w_per_m2_k2: number(ge=0, le=1) = Field(
        description="Second-order heat loss coefficient a2, W/(m²·K²) (flat plate about 0.005–0.02)."
    )


class PlaneIrradiance(StrictModel):
    """The irradiance on the collector plane, given as a series (e.g. from a solar-resource tool)."""

    kind: Literal["plane_of_array"]
    irradiance_w_per_m2: IrradianceSeries = Field(
        description="Global irradiance on the collector plane, hour mean, W/m²."
    )


class HorizontalIrradiance(StrictModel):
    """The global horizontal irradiance of a weather station or data set, turned into the irradiance
    on the collector plane with pvlib. Needs time stamps (a `time_utc` column of the demand file or
    of this series' file, the start of each hour): the sun is placed at the middle of the hour."""

    kind: Literal["global_horizontal"]
    global_horizontal_w_per_m2: IrradianceSeries = Field(
        description="Global horizontal irradiance, hour mean, W/m²."
    )
    latitude_deg: number(ge=-90, le=90) = Field(description="Site latitude, ° north.")
    longitude_deg: number(ge=-180, le=180) = Field(description="Site longitude, ° east.")
    tilt_deg: number(ge=0, le=90) = Field(description="Collector tilt from horizontal, °.")
    azimuth_deg: number(ge=0, le=360) = Field(
        180.0, description="Direction the collectors face, ° clockwise from north (180 = south)."
    )
    albedo: number(ge=0, le=1) = Field(0.2, description="Ground reflectance, - (grass about 0.2).")
    transposition: Literal["isotropic", "haydavies"] = Field(
        "haydavies",
        description="Sky-diffuse model onto the tilted plane: isotropic (Liu-Jordan) or Hay-Davies "
        "(circumsolar share from the direct beam).",
    )


IrradianceInput = Annotated[PlaneIrradiance | HorizontalIrradiance, Field(discriminator="kind")]


class SolarInvestment(StrictModel):
    """Investment `fixed + per_m2 · area` (collectors, mounting, field piping), annualised."""

    fixed_eur: NonNegative = Field(0.0, description="Area-independent part, € (if built).")
    per_m2_eur: NonNegative = Field(0.0, description="Specific part, € per m² of gross collector area.")
    lifetime_years: Years = Field(description="Economic lifetime for the annuity, years.")


class SolarOperationAndMaintenance(StrictModel):
    """Operation and maintenance costs of the field."""

    fixed_eur_per_m2_year: NonNegative = Field(
        0.0, description="Fixed O&M, € per m² of gross collector area and year."
    )
    variable_eur_per_mwh: NonNegativePrice = Field(
        0.0, description="Variable O&M (pump electricity, wear), € per MWh of heat delivered."
    )


class SolarThermal(StrictModel):
    """A solar-thermal collector field feeding the network, sized in m² of gross collector area (the
    area every coefficient and cost here refers to). Each hour it gives up to its yield
    max(0, η0·G − a1·ΔT − a2·ΔT²) W per m², ΔT = T_m − T_a; heat the network cannot take (above the
    demand and what storages take in) is curtailed, so a field needs neither a storage nor
    `district_heating.allow_heat_dump`, but without them its summer surplus is lost. The result
    tables give its capacity_mw at the reference (1000 W/m², T_m = T_a): η0 kW per m², so the area
    is capacity_mw / (η0 · 0.001)."""

    type: Literal["solar_thermal"]
    collector: CollectorEfficiency = Field(description="EN ISO 9806 efficiency curve (gross area).")
    irradiance: IrradianceInput = Field(description="Irradiance on the collector plane, or how to get it.")
    ambient_temperature_c: TemperatureSeries = Field(description="Ambient air temperature, °C.")
    mean_fluid_temperature_c: TemperatureSeries | None = Field(
        None,
        description="Mean collector fluid temperature T_m, °C; default the network's (supply + return)/2 "
        "in each hour.",
    )
    area_min_m2: Area = Field(0.0, description="Smallest field to build, m² gross collector area.")
    area_max_m2: Area | None = Field(None, description="Largest field (land or roof available), m².")
    area_m2: Area | None = Field(None, description="Fixed field area instead of an optimised one, m².")
    existing_area_m2: Area = Field(
        0.0,
        description="Collector area that exists already, m²: no investment, its O&M stays. The other "
        "area limits count it in.",
    )
    retired: StrictBool = Field(False, description="The field is unavailable: no area, no cost.")
    investment: SolarInvestment = Field(description="Investment cost, per m² of gross collector area.")
    om: SolarOperationAndMaintenance = Field(
        default_factory=SolarOperationAndMaintenance, description="O&M costs."
    )

    @model_validator(mode="after")
    def _consistent_areas(self) -> Any:
        check_size_limits(self, "area_min_m2", "area_max_m2", "area_m2", "existing_area_m2", "m²")
        return self


def collector_yield_w_per_m2(
    collector: CollectorEfficiency, plane_w_per_m2: np.ndarray, ambient_c: np.ndarray, fluid_c: np.ndarray
) -> np.ndarray:
    """Heat per m² of gross area, W/m²: max(0, η0·G − a1·ΔT − a2·ΔT²) = max(0, G·η), 0 where G = 0."""
    dt = fluid_c - ambient_c
    gain = collector.eta0 * plane_w_per_m2 - collector.a1_w_per_m2_k * dt - collector.a2_w_per_m2_k2 * dt**2
    return np.where(plane_w_per_m2 > 0, np.maximum(gain, 0.0), 0.0)


def plane_of_array_w_per_m2(
    spec: HorizontalIrradiance, ghi_w_per_m2: np.ndarray, hour_starts: pd.DatetimeIndex
) -> np.ndarray:
    """Irradiance on the collector plane from the global horizontal one (pvlib), W/m²."""
    import pvlib  # imported here: only this route needs it, and it takes a while to import

    mid = pd.DatetimeIndex(hour_starts) + pd.Timedelta(minutes=30)
    sun = pvlib.solarposition.get_solarposition(mid, spec.latitude_deg, spec.longitude_deg)
    ghi = pd.Series(ghi_w_per_m2, index=mid)
    split = pvlib.irradiance.erbs(ghi, sun["apparent_zenith"], mid)
    poa = pvlib.irradiance.get_total_irradiance(
        surface_tilt=spec.tilt_deg,
        surface_azimuth=spec.azimuth_deg,
        solar_zenith=sun["apparent_zenith"],
        solar_azimuth=sun["azimuth"],
        dni=split["dni"],
        ghi=ghi,
        dhi=split["dhi"],
        dni_extra=pvlib.irradiance.get_extra_radiation(mid),
        albedo=spec.albedo,
        model=spec.transposition,
    )["poa_global"]
    return np.clip(np.nan_to_num(poa.to_numpy(dtype=float), nan=0.0), 0.0, None)


def _checked_irradiance(ctx: PrepareContext, spec: Any, where: str) -> np.ndarray:
    values = ctx.series(spec, where)
    if np.any(values < 0):
        hour = int(np.argmax(values < 0))
        ctx.fail(where, f"expected values ≥ 0 W/m², found a negative one in hour {hour}")
    if np.any(values > MAX_IRRADIANCE_W_PER_M2):
        hour = int(np.argmax(values > MAX_IRRADIANCE_W_PER_M2))
        ctx.fail(
            where,
            f"expected values ≤ {MAX_IRRADIANCE_W_PER_M2:g} W/m² (an hour's mean irradiance), found a larger "
            f"one in hour {hour}; is the unit W/m²?",
        )
    return values


def plane_irradiance(field: SolarThermal, ctx: PrepareContext, where: str) -> np.ndarray:
    """The hourly irradiance on the collector plane, W/m², by either route."""
    spec = field.irradiance
    if isinstance(spec, PlaneIrradiance):
        return _checked_irradiance(ctx, spec.irradiance_w_per_m2, f"{where}.irradiance_w_per_m2")
    ghi_where = f"{where}.global_horizontal_w_per_m2"
    ghi = _checked_irradiance(ctx, spec.global_horizontal_w_per_m2, ghi_where)
    stamps = ctx.reader.timestamps(ctx.loaded.scenario.demand.heat_mw, ctx.hours)
    if stamps is None:
        stamps = ctx.reader.timestamps(spec.global_horizontal_w_per_m2, ctx.hours)
    if stamps is None:
        ctx.fail(
            ghi_where,
            "needs time stamps for the sun's position: give demand.heat_mw or this series from a CSV "
            "file with a time_utc column, or give the plane irradiance (kind: plane_of_array)",
        )
    return plane_of_array_w_per_m2(spec, ghi, stamps)


class _CapacityInMw(CapacityLimits):
    """The capacity block in MW that `PrepareContext.converter_base` reads (not a scenario part)."""

    investment: Investment


def _converter_view(field: SolarThermal, mw_per_m2: float) -> _CapacityInMw:
    """The field's areas and costs per m² as the MW capacity block converter_base reads. Built
    without validation: the m² values are checked already, and scaling them must not fail on the
    MW fields' own ranges."""
    per_mw = 1.0 / mw_per_m2

    def mw(area: float | None) -> float | None:
        return None if area is None else area * mw_per_m2

    investment = Investment.model_construct(
        fixed_eur=field.investment.fixed_eur,
        per_mw_eur=field.investment.per_m2_eur * per_mw,
        lifetime_years=field.investment.lifetime_years,
    )
    om = OperationAndMaintenance.model_construct(
        fixed_eur_per_mw_year=field.om.fixed_eur_per_m2_year * per_mw,
        variable_eur_per_mwh=field.om.variable_eur_per_mwh,
    )
    return _CapacityInMw.model_construct(
        capacity_min_mw=mw(field.area_min_m2),
        capacity_max_mw=mw(field.area_max_m2),
        capacity_mw=mw(field.area_m2),
        existing_mw=mw(field.existing_area_m2),
        retired=field.retired,
        min_load_mw=0.0,
        om=om,
        investment=investment,
    )


def mw_per_m2(field: SolarThermal) -> float:
    """Capacity of one m² at the reference (1000 W/m², T_m = T_a), MW: η0 kW."""
    return field.collector.eta0 * REFERENCE_IRRADIANCE_W_PER_M2 * 1e-6


def prepare(name: str, field: SolarThermal, ctx: PrepareContext) -> ConverterInputs:
    where = f"units.{name}"
    if field.area_m2 is not None and field.area_max_m2 is not None and field.area_m2 > field.area_max_m2:
        ctx.fail(
            f"{where}.area_m2",
            f"fixed area {field.area_m2:g} m² is above area_max_m2 {field.area_max_m2:g} m²",
        )
    plane = plane_irradiance(field, ctx, f"{where}.irradiance")
    ambient = ctx.series(field.ambient_temperature_c, f"{where}.ambient_temperature_c")
    if field.mean_fluid_temperature_c is None:
        fluid = 0.5 * (ctx.supply_temperature_c + ctx.return_temperature_c)
    else:
        fluid = ctx.series(field.mean_fluid_temperature_c, f"{where}.mean_fluid_temperature_c")
    heat = collector_yield_w_per_m2(field.collector, plane, ambient, fluid)
    cfg = _converter_view(field, mw_per_m2(field))
    upper = np.full(ctx.hours, np.inf)
    conv = ctx.converter_base(name, "solar_thermal", "solar", {}, upper, cfg, 0.0)  # uses no carrier
    conv.capacity_factor = heat / (field.collector.eta0 * REFERENCE_IRRADIANCE_W_PER_M2)
    conv.area_m2_per_mw = 1.0 / mw_per_m2(field)
    return conv
