"""Heat pump on a named heat source (air, groundwater, sewage, seawater, …): schema and COP models.

Three COP models (equations of the Nordhavn deliverable, written out in docs/model.md, section 3):
- `linear`: COP = COP_design + a·(T_source − T_source,design) − b·(T_sink − T_sink,design)  (eq. 14)
- `lorenz`: COP = η_Lorenz · T̄_sink / (T̄_sink − T̄_source), with T̄ the logarithmic mean temperature
  (in K) of each stream between its inlet and outlet  (eq. 6–7)
- `series`: an explicit hourly COP series.
The sink is the district-heating supply temperature (linear) or the return → supply stream (lorenz).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import Field, StrictBool, field_validator, model_validator

from dhopt.carriers import ELECTRICITY
from dhopt.schema import (
    CapacityLimits,
    Cop,
    CopSeries,
    Efficiency,
    FieldError,
    Investment,
    Pipe,
    PowerSeries,
    PriceSeries,
    Share,
    StrictModel,
    Temperature,
    TemperatureDifference,
    TemperatureSeries,
    curve_points,
    number,
    series,
)
from dhopt.timestamps import describe_hours
from dhopt.units.commitment import STARTS_FIELD, Starts
from dhopt.units.converter import ConverterInputs
from dhopt.units.taxes import ExcessHeatTax, apply_excess_heat_tax

if TYPE_CHECKING:
    from dhopt.inputs import PrepareContext

KELVIN = 273.15


CopSlope = number(ge=0, le=1)  # COP change per K; the study's are a few hundredths
PumpHead = number(ge=0, le=1000)  # m


class LinearCop(StrictModel):
    """Linear change of COP with source and sink temperature around a design point (deliverable eq. 14).

    COP = design_cop + a·(T_source − source_design_temperature_c) − b·(T_supply − sink_design_temperature_c);
    a and b are absolute: COP points per K, not shares of the design COP.
    """

    model: Literal["linear"]
    design_cop: Cop = Field(description="COP at the design temperatures, -.")
    source_design_temperature_c: Temperature = Field(description="Source temperature at design, °C.")
    sink_design_temperature_c: Temperature = Field(description="Sink (DH supply) temperature at design, °C.")
    a: CopSlope = Field(
        description="COP points added per K of warmer source (absolute, not a share of design_cop), 1/K "
        "(Nordhavn deliverable Table 4)."
    )
    b: CopSlope = Field(
        description="COP points taken off per K of warmer sink (absolute, not a share of design_cop), 1/K "
        "(Nordhavn deliverable Table 4)."
    )

    @model_validator(mode="after")
    def _source_below_sink(self) -> LinearCop:
        source, sink = self.source_design_temperature_c, self.sink_design_temperature_c
        if source >= sink:
            raise FieldError(
                "source_design_temperature_c",
                f"expected below sink_design_temperature_c {sink:g} °C (found {source:g})",
            )
        return self


class LorenzCop(StrictModel):
    """COP as a fixed share (Lorenz efficiency) of the Lorenz COP of the two streams (deliverable eq. 6–7)."""

    model: Literal["lorenz"]
    lorenz_efficiency: Efficiency = Field(
        description="Lorenz (exergy) efficiency, 0–1 (the Nordhavn deliverable: 0.3–0.6)."
    )
    source_cooling_k: TemperatureDifference = Field(
        description="Temperature drop of the source stream in the evaporator, K."
    )


class SeriesCop(StrictModel):
    """An explicit hourly COP series (for example from a manufacturer's or a cycle model)."""

    model: Literal["series"]
    cop: CopSeries = Field(description="COP per hour, -.")


CopModel = Annotated[LinearCop | LorenzCop | SeriesCop, Field(discriminator="model")]


class FanPower(StrictModel):
    """Air-source fans: a share of the source-side design capacity at full load (deliverable 2.2.3)."""

    kind: Literal["fan"]
    share_of_source_capacity: Share = Field(
        0.02, description="Fan power at full load / heat taken from the source at design, - (study: 0.02)."
    )


class PumpPower(StrictModel):
    """Pumps of a water-source unit: hydraulic power ρ·g·H·V̇/η of the design flow (deliverable 2.2.3)."""

    kind: Literal["pump"]
    head_m: PumpHead = Field(description="Pumping head at design flow, m.")
    source_cooling_k: TemperatureDifference = Field(
        description="Temperature drop of the source water at design, K (sets the design flow)."
    )
    pump_efficiency: Efficiency = Field(0.7, description="Pump efficiency, -.")


AuxiliaryPower = Annotated[FanPower | PumpPower, Field(discriminator="kind")]


CapacityShare = number(gt=0, le=2)  # heat per MW of rated capacity


class CapacityPoint(StrictModel):
    """The heat a heat pump gives per MW of its rated capacity at one source temperature."""

    source_temperature_c: Temperature = Field(description="Source inlet temperature, °C.")
    share: CapacityShare = Field(description="Heat output at full load / rated capacity, -.")


Flow = number(ge=0, le=1e6)  # m³/h
FlowSeries = series(Flow)


class SourceFlow(StrictModel):
    """A water source (sewage, seawater, a river, a process) limited by its flow and how far it may
    be cooled: the heat drawn from it is at most flow · 1.163e-3 MWh/(m³·K) · max_cooling_k."""

    flow_m3_per_h: FlowSeries = Field(description="Source flow through the evaporator per hour, m³/h.")
    max_cooling_k: TemperatureDifference = Field(
        description="Largest cooling of the source allowed (an environmental or process limit), K."
    )


class CoolingByProduct(StrictModel):
    """Cooling made by the heat pump's evaporator: (1 − 1/COP) MWh per MWh of heat."""

    credit_eur_per_mwh: PriceSeries = Field(0.0, description="Value of the cooling, € per MWh of cooling.")
    serves_cooling_demand: bool = Field(
        True, description="Counts towards demand.cooling_mw, if the scenario has one."
    )


class HeatPump(CapacityLimits):
    """A large heat pump that lifts heat from a source to the district-heating supply temperature."""

    type: Literal["heat_pump"]
    source: str = Field(description="Heat source label, e.g. groundwater, sewage, seawater, air.")
    source_temperature_c: TemperatureSeries | None = Field(
        None, description="Source inlet temperature per hour, °C (needed by linear and lorenz COP)."
    )
    cop: CopModel = Field(description="How the COP is computed.")
    availability_mw: PowerSeries | None = Field(
        None, description="Hourly cap on heat output from the source's availability, MW."
    )
    source_flow: SourceFlow | None = Field(
        None,
        description="Limit the heat drawn from a water source by its flow and allowed cooling; the "
        "heat output is then at most that over (1 − 1/COP), and the dispatch reports the source's "
        "outlet temperature.",
    )
    direct_use: StrictBool = Field(
        False,
        description="In hours when the source is at or above the supply temperature, its heat goes to "
        "the network through a heat exchanger, without the heat pump and its electricity (else such "
        "hours are an error: a COP model means nothing there).",
    )
    capacity_by_source_temperature: list[CapacityPoint] | None = Field(
        None,
        description="Heat output at full load per MW of rated capacity against the source temperature "
        "(a data sheet's derating; e.g. an air-source unit: 1 at 7 °C, 0.65 at −10 °C), two or more "
        "points in any order, linear between them and constant beyond; the capacity is thermal at the "
        "rating point (share 1). Default: the full capacity in every hour.",
    )

    @field_validator("capacity_by_source_temperature")
    @classmethod
    def _distinct_points(cls, points: list[CapacityPoint] | None) -> list[CapacityPoint] | None:
        return curve_points(points, "source_temperature_c", "source temperature")

    investment: Investment = Field(description="Investment in the heat pump and its source access.")
    pipe: Pipe | None = Field(None, description="Transmission pipe to the DH network, if any.")
    excess_heat_tax: ExcessHeatTax | None = Field(
        None, description="Danish excess-heat tax on this unit's heat (e.g. a prosumer's heat pump)."
    )
    cooling: CoolingByProduct | None = Field(
        None, description="The cold side delivers cooling (e.g. a mall heat pump on the cooling return)."
    )
    auxiliary: AuxiliaryPower | None = Field(
        None,
        description="Fan or pump electricity, falling with the cube of the load ratio. Modelled only "
        "for a fixed capacity (capacity_mw), as in the study's second model.",
    )
    starts: Starts | None = STARTS_FIELD


def lorenz_mean_k(t_in_c: np.ndarray, t_out_c: np.ndarray) -> np.ndarray:
    """Logarithmic mean temperature in K of a stream from t_in to t_out (Nordhavn deliverable eq. 7)."""
    t_in, t_out = t_in_c + KELVIN, t_out_c + KELVIN
    same = np.isclose(t_in, t_out)
    ratio = np.where(same, 1.0, t_out / np.where(same, 1.0, t_in))
    return np.where(same, t_in, (t_out - t_in) / np.log(ratio))


def direct_hours(hp: HeatPump | Any, ctx: PrepareContext, where: str) -> np.ndarray:
    """Hours in which the source is at or above the supply temperature: its heat goes to the network
    through a heat exchanger, the heat pump bypassed (direct use)."""
    if hp.source_temperature_c is None:
        ctx.fail(f"{where}.source_temperature_c", "is needed to tell the hours of direct use")
    t_src = ctx.series(hp.source_temperature_c, f"{where}.source_temperature_c")
    return t_src >= ctx.supply_temperature_c


def electricity_per_mwh(cop: np.ndarray) -> np.ndarray:
    """Electricity per MWh of heat, 1/COP, per hour; 0 where the COP is NaN (direct use)."""
    direct = np.isnan(cop)
    return np.where(direct, 0.0, 1.0 / np.where(direct, 1.0, cop))


def cop_series(
    hp: HeatPump | Any, ctx: PrepareContext, where: str, direct: np.ndarray | None = None
) -> np.ndarray:
    """Hourly COP of heat pump `hp`; `where` is its field path for error messages. `direct`: hours
    of direct use, where no COP is computed (NaN there)."""
    model = hp.cop
    skip = np.zeros(ctx.hours, dtype=bool) if direct is None else direct
    if isinstance(model, SeriesCop):
        cop = ctx.series(model.cop, f"{where}.cop.cop")
    else:
        if hp.source_temperature_c is None:
            ctx.fail(f"{where}.source_temperature_c", f"is needed by the '{model.model}' COP model")
        t_src = ctx.series(hp.source_temperature_c, f"{where}.source_temperature_c")
        too_warm = (t_src >= ctx.supply_temperature_c) & ~skip
        t_src = np.where(skip, ctx.supply_temperature_c - 10.0, t_src)  # no COP is read in those hours
        if np.any(too_warm):
            # Heat at or above the supply temperature is used directly; a COP model extrapolated
            # there gives numbers without meaning. An explicit COP series is the user's own call.
            ctx.fail(
                f"{where}.source_temperature_c",
                f"the source is at or above the supply temperature in {describe_hours(too_warm)}; "
                "such heat needs no heat pump: give direct_use: true (a heat exchanger in those hours), "
                "or give the COP as an explicit series (cop: {model: series, ...})",
            )
        if isinstance(model, LinearCop):
            cop = (
                model.design_cop
                + model.a * (t_src - model.source_design_temperature_c)
                - model.b * (ctx.supply_temperature_c - model.sink_design_temperature_c)
            )
        else:
            t_sink = lorenz_mean_k(ctx.return_temperature_c, ctx.supply_temperature_c)
            t_source = lorenz_mean_k(t_src, t_src - model.source_cooling_k)
            lift = t_sink - t_source
            if np.any((lift <= 0) & ~skip):
                n = int(np.argmax((lift <= 0) & ~skip))
                ctx.fail(
                    f"{where}.source_temperature_c",
                    f"source is as warm as the sink in hour {n}; the Lorenz COP is undefined",
                )
            cop = model.lorenz_efficiency * t_sink / np.where(lift > 0, lift, 1.0)
    bad = (cop <= 0) & ~skip
    if np.any(bad):
        ctx.fail(f"{where}.cop", f"expected a positive COP in every hour, not so in {describe_hours(bad)}")
    return np.where(skip, np.nan, cop)


# A COP outside this range is possible only for odd inputs (a typo in a temperature or a COP
# coefficient): worth a warning, not a stop.
USUAL_COP = (1.0, 15.0)


def warn_unusual_cop(cop: np.ndarray, ctx: PrepareContext, where: str) -> None:
    """NaN (hours of direct use) is never unusual."""
    low, high = USUAL_COP
    for mask, text in ((cop < low, f"below {low:g}"), (cop > high, f"above {high:g}")):
        if np.any(mask):
            ctx.warn(
                f"{where}.cop",
                f"the COP is {text} in {describe_hours(mask)}; check the COP model and the "
                "source and supply temperatures",
            )


def prepare(name: str, hp: HeatPump, ctx: PrepareContext) -> ConverterInputs:
    where = f"units.{name}"
    direct = direct_hours(hp, ctx, where) if hp.direct_use else None
    cop = cop_series(hp, ctx, where, direct)  # NaN in hours of direct use
    electricity = electricity_per_mwh(cop)
    warn_unusual_cop(cop, ctx, where)
    upper = (
        ctx.series(hp.availability_mw, f"{where}.availability_mw")
        if hp.availability_mw is not None
        else np.full(ctx.hours, np.inf)
    )
    if np.any(upper < 0):
        ctx.fail(f"{where}.availability_mw", "expected values ≥ 0, found a negative one")
    stream = None
    if hp.source_flow is not None:
        stream = source_stream(hp, ctx, where)
        # Heat out Q draws Q·(1 − 1/COP) from the source (all of Q in hours of direct use).
        with np.errstate(divide="ignore"):
            upper = np.minimum(upper, stream[1] * hp.source_flow.max_cooling_k / (1.0 - electricity))
    loss = hp.pipe.heat_loss_fraction if hp.pipe else 0.0
    conv = ctx.converter_base(name, "heat_pump", hp.source, {ELECTRICITY: electricity}, upper, hp, loss)
    if hp.pipe is not None and hp.pipe.length_m > 0:
        ctx.add_pipe_costs(conv, hp.pipe)
    if hp.excess_heat_tax is not None:
        apply_excess_heat_tax(conv, hp.excess_heat_tax, ctx, where)
    if hp.cooling is not None:
        cooling_share = 1.0 - electricity  # all of it in hours of direct use
        credit = ctx.series(hp.cooling.credit_eur_per_mwh, f"{where}.cooling.credit_eur_per_mwh")
        if np.any(credit):
            conv.hourly_costs_eur_per_mwh["cooling_credit"] = -credit * cooling_share
        if hp.cooling.serves_cooling_demand:
            conv.cooling_per_mwh = cooling_share
    if hp.capacity_by_source_temperature is not None:
        conv.capacity_factor = capacity_share(hp, ctx, where)
    conv.source_stream = stream
    if hp.auxiliary is not None:
        conv.aux_mw_per_mw = auxiliary_mw_per_mw(hp, cop)
        if conv.aux_mw_per_mw is None:
            ctx.warn(
                f"{where}.auxiliary",
                "auxiliary power is modelled only for a fixed capacity (capacity_mw); this unit's "
                "capacity is optimised, so its fan or pump power is left out",
            )
    return conv


def source_stream(hp: HeatPump, ctx: PrepareContext, where: str) -> tuple[np.ndarray, np.ndarray]:
    """The source's inlet temperature, °C, and heat capacity flow, MWh/K, per hour."""
    assert hp.source_flow is not None
    if hp.source_temperature_c is None:
        ctx.fail(f"{where}.source_temperature_c", "is needed by source_flow (the outlet temperature)")
    flow = ctx.series(hp.source_flow.flow_m3_per_h, f"{where}.source_flow.flow_m3_per_h")
    if np.any(flow < 0):
        ctx.fail(f"{where}.source_flow.flow_m3_per_h", "expected values ≥ 0, found a negative one")
    inlet = ctx.series(hp.source_temperature_c, f"{where}.source_temperature_c")
    return inlet, flow * WATER_MWH_PER_M3_K


WATER_MWH_PER_M3_K = 1.163e-3


def capacity_share(hp: HeatPump, ctx: PrepareContext, where: str) -> np.ndarray:
    """Heat at full load per MW of rated capacity, per hour, from the source temperature."""
    points = hp.capacity_by_source_temperature
    assert points is not None
    if hp.source_temperature_c is None:
        ctx.fail(f"{where}.source_temperature_c", "is needed by capacity_by_source_temperature")
    t_src = ctx.series(hp.source_temperature_c, f"{where}.source_temperature_c")
    temps = np.array([p.source_temperature_c for p in points])
    return np.interp(t_src, temps, np.array([p.share for p in points]))


WATER_DENSITY = 1000.0  # kg/m³
WATER_HEAT_CAPACITY = 4186.0  # J/(kg·K)
GRAVITY = 9.81  # m/s²


def auxiliary_mw_per_mw(hp: HeatPump, cop: np.ndarray) -> float | None:
    """Auxiliary power at full load per MW of the fixed capacity, MW/MW; None if the capacity is
    not fixed. (Per MW, so a sweep can change the capacity without rebuilding the model.)

    Source-side design capacity = capacity · (1 − 1/COP_design) (COP_design: the linear model's
    design COP, else the mean COP). The part-load law (cube of the load ratio) is in the builder.
    """
    if hp.capacity_mw is None or hp.auxiliary is None:
        return None
    design_cop = hp.cop.design_cop if isinstance(hp.cop, LinearCop) else float(np.nanmean(cop))
    source_mw = 1.0 - 1.0 / design_cop  # per MW of heat
    aux = hp.auxiliary
    if isinstance(aux, FanPower):
        return aux.share_of_source_capacity * source_mw
    flow_m3_per_s = source_mw * 1e6 / (WATER_DENSITY * WATER_HEAT_CAPACITY * aux.source_cooling_k)
    return WATER_DENSITY * GRAVITY * aux.head_m * flow_m3_per_s / aux.pump_efficiency / 1e6
