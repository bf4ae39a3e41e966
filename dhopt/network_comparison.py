"""Network-temperature comparison (Nordhavn deliverable, Part I): LTDH, ULTDH with boosters, individual HPs.

For a new district of fixed land area (340 000 m², Levantkaj) the levelised cost of heat (LCOE) of

* low-temperature district heating (LTDH, e.g. 80/50, 70/40, 60/30 °C) from a central unit,
* ultra-low-temperature district heating (ULTDH, 40/25 °C) whose domestic hot water (DHW) is lifted by a
  decentral booster (booster heat pump on the DH water per building, micro-booster per apartment, or an
  air-source heat pump per building), and
* individual units per building (air-to-water and brine-to-water heat pumps, electric heaters)

is computed over a range of plot ratios and hence linear heat densities, and for several space-heating
shares and central heat sources. The equations are the deliverable's (numbers refer to its Part I; see
docs/network-comparison.md):

* eq. 1  linear heat density q_l = Q/L = q_s · PR · w, with the effective width w of Persson & Werner [25];
* eq. 2  annual heat loss share 0.2748 · q_l^−0.653 · (T_f + T_r − 2 T_g) / (73.71 + 40.52 − 2 T_g);
* eq. 3  mean volume flow V̇ = (Q_delivered / 8760 h) / (c_p · (T_f − T_r) · ρ), pumped against a fixed
  gradient (100 Pa/m) over the network length plus 1 bar over the substations;
* eq. 4  booster fixed O&M 229.6 + 3852.6 · Q̇_nom [€ per unit and year, Q̇ in MW];
* eq. 5–7 COP from the exergy efficiency ε and the logarithmic mean temperatures of sink and source with
  the dead state T_0 (10.5 °C):  COP = [1 − (T_m,source / T_0) · ((1/ε)(T_0 / T_m,sink − 1) + 1)]^−1;
* eq. 8  system COP = Σ heat demand / Σ electricity;
* Table 1 cost functions a · Q̇^b [M€/MW] and lifetimes; network investment L · (C1 + C2 · d_a) after
  Persson & Werner / Frederiksen & Werner [25, 34];
* LCOE (1.2.3.3): all costs over the horizon (20 a) with reinvestment and the residual value of
  longer-lived parts subtracted, discounted, over the discounted heat demand.

Hourly resolution enters through the space-heating profile (degree hours of the outdoor temperature), the
air-source COPs and the electricity price; DHW and network losses are flat over the year. Because every
hourly sum is linear in the annual space-heating and flat loads, they are reduced to a few factors per
unit once, and all sweeps are vectorised over the plot ratio.

What we reconstructed from the garbled PDF text and what we assumed: docs/network-comparison.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from dhopt.errors import ScenarioError
from dhopt.inputs import SeriesReader, capital_recovery_factor
from dhopt.scenario import read_yaml, validate_as
from dhopt.schema import (
    Efficiency,
    FieldError,
    Fraction,
    NonNegative,
    NonNegativePrice,
    Positive,
    Price,
    PriceSeries,
    Real,
    Series,
    SeriesFromFile,
    StrictModel,
    Temperature,
    TemperatureDifference,
    TemperatureSeries,
    Years,
    integer,
    number,
)

HOURS = 8760
KELVIN = 273.15

OpenShare = number(gt=0, lt=1)  # a share strictly between none and all
BoilerEfficiency = number(gt=0, le=1.2)  # heat / fuel; above 1 on the lower heating value
Exponent = number(ge=-10, le=10)  # of an empirical power law
CostExponent = number(ge=-1, le=1)  # b of a cost function a · Q̇^b
SearchPoints = integer(ge=20, le=20000)
DesignFactor = number(ge=1, le=100)  # decentral capacity per mean load

# LCOE components, in the order of the cost-composition bars.
COMPONENTS: tuple[str, ...] = (
    "network_investment",
    "network_om",
    "substation_investment",
    "substation_om",
    "central_investment",
    "central_om",
    "central_electricity",
    "central_fuel",
    "pumping_electricity",
    "booster_investment",
    "booster_fixed_om",
    "booster_electricity",
    "individual_investment",
    "individual_om",
    "individual_electricity",
)


# ---------------------------------------------------------------------------------------------
# The deliverable's formulas, each a plain function of numbers (numpy arrays broadcast).


def log_mean_temperature_k(t_in_c: Any, t_out_c: Any) -> Any:
    """Eq. 7: logarithmic mean temperature of a stream heated or cooled from t_in to t_out, K."""
    t_in = np.asarray(t_in_c, dtype=float) + KELVIN
    t_out = np.asarray(t_out_c, dtype=float) + KELVIN
    same = np.isclose(t_in, t_out)
    with np.errstate(divide="ignore", invalid="ignore"):
        tm = np.where(same, t_in, (t_out - t_in) / np.log(np.where(same, 2.0, t_out / t_in)))
    return tm if tm.ndim else float(tm)


def cop_exergy(
    sink_in_c: Any,
    sink_out_c: Any,
    source_in_c: Any,
    source_out_c: Any,
    exergy_efficiency: float,
    dead_state_c: float,
) -> Any:
    """Eq. 6 (reconstructed): COP of a heat pump with the exergy efficiency ε and dead state T_0.

    COP = [1 − (T_m,source / T_0) · ((1/ε) · (T_0 / T_m,sink − 1) + 1)]^−1. With ε = 1 it is the Lorenz COP
    T_m,sink / (T_m,sink − T_m,source); with T_m,source = T_0 it is ε times the Lorenz COP. Returns inf or a
    negative number where the source is so warm that no heat pump is needed; callers check.
    """
    t_sink = log_mean_temperature_k(sink_in_c, sink_out_c)
    t_source = log_mean_temperature_k(source_in_c, source_out_c)
    t0 = dead_state_c + KELVIN
    inverse = 1.0 - (np.asarray(t_source) / t0) * (
        (1.0 / exergy_efficiency) * (t0 / np.asarray(t_sink) - 1.0) + 1.0
    )
    with np.errstate(divide="ignore"):
        cop = 1.0 / inverse
    return cop if np.ndim(cop) else float(cop)


def heat_loss_share(
    linear_heat_density_mwh_per_m: Any,
    forward_c: float,
    return_c: float,
    ground_c: float,
    coefficient: float = 0.2748,
    exponent: float = -0.653,
    reference_forward_c: float = 73.71,
    reference_return_c: float = 40.52,
) -> Any:
    """Eq. 2: annual heat loss share from the linear heat density (MWh/m/a), temperature-corrected."""
    q = np.asarray(linear_heat_density_mwh_per_m, dtype=float)
    correction = (forward_c + return_c - 2 * ground_c) / (
        reference_forward_c + reference_return_c - 2 * ground_c
    )
    with np.errstate(divide="ignore"):
        share = coefficient * q**exponent * correction
    return share if share.ndim else float(share)


def effective_width_m(plot_ratio: Any, coefficient: float = 61.8, exponent: float = -0.15) -> Any:
    """Effective width w = 61.8 · PR^−0.15 m (Persson & Werner 2011 [25]): land per trench metre."""
    w = coefficient * np.asarray(plot_ratio, dtype=float) ** exponent
    return w if w.ndim else float(w)


def average_pipe_diameter_m(
    linear_heat_density_gj_per_m: Any, slope: float = 0.0486, intercept: float = 0.0007
) -> Any:
    """Average pipe diameter d_a = 0.0486 · ln(Q/L [GJ/m]) + 0.0007 m (Persson & Werner 2011), not below 0."""
    q = np.asarray(linear_heat_density_gj_per_m, dtype=float)
    with np.errstate(divide="ignore"):
        d = np.maximum(slope * np.log(q) + intercept, 0.0)
    return d if d.ndim else float(d)


def volume_flow_m3_per_h(
    heat_delivered_mwh_per_year: Any,
    forward_c: float,
    return_c: float,
    heat_capacity_kj_per_kg_k: float = 4.18,
    density_kg_per_m3: float = 985.0,
) -> Any:
    """Eq. 3: mean volume flow, m³/h, that carries the annual delivered heat at the design ΔT."""
    kw = np.asarray(heat_delivered_mwh_per_year, dtype=float) * 1000.0 / HOURS  # mean power, kW = kJ/s
    m3_per_s = kw / (heat_capacity_kj_per_kg_k * (forward_c - return_c) * density_kg_per_m3)
    v = m3_per_s * 3600.0
    return v if np.ndim(v) else float(v)


def pumping_power_kw(
    volume_flow_m3h: Any,
    path_length_m: Any,
    pressure_gradient_pa_per_m: float = 100.0,
    substation_pressure_drop_pa: float = 1.0e5,
    pump_efficiency: float = 1.0,
) -> Any:
    """Electric pump power, kW: V̇ · (gradient · length + substation Δp) / η."""
    dp = pressure_gradient_pa_per_m * np.asarray(path_length_m, dtype=float) + substation_pressure_drop_pa
    p = np.asarray(volume_flow_m3h, dtype=float) / 3600.0 * dp / pump_efficiency / 1000.0
    return p if np.ndim(p) else float(p)


def investment_present_value_factor(rate: float, lifetime_years: int, horizon_years: int) -> float:
    """Present value of one euro invested now, kept for the horizon: reinvested at the end of each life,
    minus the (linearly depreciated) residual value of the last vintage at the horizon (1.2.3.3)."""
    pv, start = 0.0, 0
    while start < horizon_years:
        pv += (1.0 + rate) ** -start
        last = start
        start += lifetime_years
    residual = (last + lifetime_years - horizon_years) / lifetime_years
    return pv - residual * (1.0 + rate) ** -horizon_years


def levelising_factor(rate: float, lifetime_years: int, horizon_years: int) -> float:
    """Equivalent annual cost per euro of investment over the horizon (€/a per €)."""
    return investment_present_value_factor(rate, lifetime_years, horizon_years) * capital_recovery_factor(
        rate, horizon_years
    )


# ---------------------------------------------------------------------------------------------
# The scenario file.


class CostFunction(StrictModel):
    """Specific investment a · Q̇^b in M€/MW (= k€/kW, Table 1), lifetime and O&M of one technology."""

    specific_cost_meur_per_mw: Positive = Field(description="a in a · Q̇^b, M€ per MW (= k€ per kW).")
    exponent: CostExponent = Field(0.0, description="b in a · Q̇^b.")
    capacity_unit: Literal["MW", "kW"] = Field("MW", description="Unit of Q̇ inside the power law.")
    lifetime_years: Years = Field(description="Technical lifetime, years (Table 1).")
    fixed_om_eur_per_mw_year: NonNegative = Field(0.0, description="Fixed O&M, € per MW and year.")
    fixed_om_share_of_investment: NonNegative = Field(
        0.0, description="Fixed O&M, share of the investment a year."
    )
    variable_om_eur_per_mwh: NonNegativePrice = Field(0.0, description="Variable O&M, € per MWh of heat.")

    def investment_eur(self, capacity_mw: Any) -> np.ndarray:
        """Investment for units of the given capacity (MW), €."""
        cap = np.asarray(capacity_mw, dtype=float)
        q = cap * (1000.0 if self.capacity_unit == "kW" else 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            specific = np.where(
                cap > 0, self.specific_cost_meur_per_mw * np.where(q > 0, q, 1.0) ** self.exponent, 0.0
            )
        return specific * cap * 1e6


class TemperatureSet(StrictModel):
    label: str = Field(description="Name in tables and plots, e.g. 'LTDH 60/30'.")
    forward_c: Temperature = Field(description="Forward temperature at the last customer, °C.")
    return_c: Temperature = Field(description="Return temperature, °C (constant over the year).")

    @model_validator(mode="after")
    def _forward_above_return(self) -> TemperatureSet:
        if self.forward_c <= self.return_c:
            raise FieldError(
                "forward_c", f"forward_c ({self.forward_c:g}) must be above return_c ({self.return_c:g})"
            )
        return self


class CentralSource(StrictModel):
    """The central unit: heat pump on an ambient source, waste heat (direct or via a heat pump) or boiler."""

    label: str
    kind: Literal["heat_pump", "waste_heat", "boiler"]
    source_temperature_c: TemperatureSeries | None = Field(
        None, description="Heat-pump source or waste-heat inlet temperature, °C (constant or a CSV column)."
    )
    source_cooling_k: TemperatureDifference = Field(5.0, description="Source cooling in the evaporator, K.")
    exergy_efficiency: Efficiency | None = Field(None, description="ε of the heat pump (eq. 6).")
    cost: CostFunction = Field(description="Heat pump (or boiler) investment and O&M.")
    heat_exchanger_cost: CostFunction | None = Field(
        None, description="Waste heat: heat-exchanger installation."
    )
    heat_price_eur_per_mwh: NonNegativePrice = Field(
        0.0, description="Waste heat: price of the heat taken, €/MWh."
    )
    efficiency: BoilerEfficiency | None = Field(None, description="Boiler: heat / fuel.")
    fuel_price_eur_per_mwh: NonNegativePrice | None = Field(
        None, description="Boiler: fuel price, €/MWh fuel."
    )

    @model_validator(mode="after")
    def _fields_of_kind(self) -> CentralSource:
        need = {
            "heat_pump": ("source_temperature_c", "exergy_efficiency"),
            "waste_heat": ("source_temperature_c", "exergy_efficiency", "heat_exchanger_cost"),
            "boiler": ("efficiency", "fuel_price_eur_per_mwh"),
        }[self.kind]
        missing = [n for n in need if getattr(self, n) is None]
        if missing:
            raise ValueError(f"kind '{self.kind}' needs {', '.join(missing)}")
        if self.kind == "waste_heat" and isinstance(self.source_temperature_c, SeriesFromFile):
            raise ValueError("waste heat: source_temperature_c must be a constant")
        return self


class Booster(StrictModel):
    """A decentral DHW booster for ULTDH (deliverable 1.2.4)."""

    label: str
    source: Literal["district_heating", "air"] = Field(description="Heat source of the booster heat pump.")
    level: Literal["building", "apartment"] = Field(description="One unit per building or per apartment.")
    exergy_efficiency: Efficiency
    source_cooling_k: TemperatureDifference = Field(5.0, description="Air source: cooling of the air, K.")
    cost: CostFunction = Field(description="Investment per unit (Table 1 'Booster HP').")
    fixed_om_eur_per_unit_year: NonNegative = Field(229.6, description="Eq. 4 constant, € per unit and year.")
    fixed_om_eur_per_mw_year: NonNegative = Field(
        3852.6, description="Eq. 4 slope, € per MW of unit and year."
    )


class IndividualUnit(StrictModel):
    """An individual unit per building (the reference supply)."""

    label: str
    kind: Literal["heat_pump", "electric"]
    source_temperature_c: TemperatureSeries | None = None
    source_cooling_k: TemperatureDifference = 5.0
    exergy_efficiency: Efficiency | None = None
    cost: CostFunction

    @model_validator(mode="after")
    def _heat_pump_fields(self) -> IndividualUnit:
        if self.kind == "heat_pump" and (self.source_temperature_c is None or self.exergy_efficiency is None):
            raise ValueError("kind 'heat_pump' needs source_temperature_c and exergy_efficiency")
        return self


class Area(StrictModel):
    """The district. Buildings: either a fixed land plot per building (their number is fixed, they grow with
    the plot ratio) or a fixed floor area per building (their number grows with the plot ratio)."""

    land_area_m2: Positive = Field(description="Land area supplied, m² (fixed while the plot ratio varies).")
    building_plot_area_m2: Positive | None = Field(
        None, description="Land per building, m²: number of buildings = land area / this (fixed)."
    )
    building_floor_area_m2: Positive | None = Field(
        None, description="Floor area per building, m²: number of buildings = floor area / this."
    )
    apartment_floor_area_m2: Positive = Field(description="Floor area per apartment (one micro-booster), m².")

    @model_validator(mode="after")
    def _one_building_rule(self) -> Area:
        if (self.building_plot_area_m2 is None) == (self.building_floor_area_m2 is None):
            raise ValueError("give exactly one of building_plot_area_m2 and building_floor_area_m2")
        return self


class TemperaturePair(StrictModel):
    inlet_c: Temperature
    outlet_c: Temperature


class DemandSettings(StrictModel):
    dhw_kwh_per_m2_year: Positive = Field(description="Specific DHW demand, kWh per m² floor and year.")
    heating_base_temperature_c: Temperature = Field(
        description="Degree-hour base for the space-heating profile, °C."
    )
    dhw_temperature_c: Temperature = Field(description="Hot-water temperature, °C.")
    cold_water_temperature_c: Temperature = Field(description="Cold-water temperature, °C.")
    dhw_direct_min_forward_c: Temperature = Field(
        description="Lowest forward temperature that makes DHW directly, °C."
    )
    dhw_preheat_approach_k: NonNegative = Field(description="ULTDH preheats DHW to forward − this, K.")
    dhw_design_factor: DesignFactor = Field(
        description="Decentral capacity for DHW per mean DHW load (storage tank), –."
    )
    space_heating_sink: TemperaturePair = Field(
        description="Building heating circuit heated by individual HPs, °C."
    )
    individual_dhw_sink: TemperaturePair = Field(description="DHW tank loop heated by individual HPs, °C.")
    booster_sink_outlet_c: Temperature = Field(
        description="Booster heat pumps heat preheated DHW up to this, °C."
    )


class Electricity(StrictModel):
    spot_price_eur_per_mwh: PriceSeries = Field(description="Hourly spot price, €/MWh_el.")
    central_adders_eur_per_mwh: dict[str, Price] = Field(default_factory=dict)
    decentral_adders_eur_per_mwh: dict[str, Price] = Field(default_factory=dict)


class Weather(StrictModel):
    air_temperature_c: TemperatureSeries = Field(description="Hourly outdoor air temperature, °C.")


class Economics(StrictModel):
    discount_rate: Fraction
    horizon_years: Years


class HeatLoss(StrictModel):
    coefficient: Positive = 0.2748
    exponent: Exponent = -0.653
    reference_forward_c: Temperature = 73.71
    reference_return_c: Temperature = 40.52
    ground_temperature_c: Temperature


class EffectiveWidth(StrictModel):
    coefficient_m: Positive = 61.8
    exponent: Exponent = -0.15


class CostClass(StrictModel):
    name: str
    plot_ratio_below: Positive | None = Field(
        description="Class applies below this plot ratio (null: no limit)."
    )
    c1_eur_per_m: NonNegative
    c2_eur_per_m2: NonNegative


class NetworkCost(StrictModel):
    classes: list[CostClass] = Field(min_length=1)
    diameter_slope_m: Positive = 0.0486
    diameter_intercept_m: Real = 0.0007
    reference_temperature_difference_k: Positive | None = Field(
        None,
        description="If set, d_a is taken at the heat density that a network with this ΔT carries with the "
        "same flow, q_l · ΔT_ref / ΔT (lower ΔT, larger pipes); null: d_a from q_l alone.",
    )
    lifetime_years: Years
    fixed_om_share_of_investment: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> NetworkCost:
        limits = [c.plot_ratio_below for c in self.classes]
        if (
            limits[-1] is not None
            or any(x is None for x in limits[:-1])
            or limits[:-1] != sorted(limits[:-1])
        ):
            raise ValueError("classes: expected increasing plot_ratio_below, the last one null")
        return self


class Pumping(StrictModel):
    pressure_gradient_pa_per_m: NonNegative = 100.0
    substation_pressure_drop_pa: NonNegative = 1.0e5
    pump_efficiency: Efficiency
    water_heat_capacity_kj_per_kg_k: Positive = 4.18
    water_density_kg_per_m3: Positive = 985.0


class Network(StrictModel):
    effective_width: EffectiveWidth
    heat_loss: HeatLoss
    cost: NetworkCost
    pumping: Pumping


class CopSettings(StrictModel):
    dead_state_temperature_c: Temperature = Field(description="T_0 of eq. 6, °C (groundwater, 10.5 °C).")


class Study(StrictModel):
    description: str = ""
    temperature_sets: list[str] = Field(min_length=1)
    central_sources: list[str] = Field(min_length=1)
    boosters: list[str] = Field(default_factory=list)
    individual: list[str] = Field(min_length=1)
    reference_individual: str
    space_heating_shares: list[OpenShare] = Field(min_length=1)
    plot_ratios: list[Positive] = Field(min_length=1)


class Figure(StrictModel):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$")]
    kind: Literal[
        "lcoe_vs_plot_ratio", "lcoe_vs_linear_heat_density", "min_feasible_density", "cost_composition"
    ]
    study: str
    title: str = ""
    temperature_sets: list[str] | None = None
    central_sources: list[str] | None = None
    space_heating_shares: list[OpenShare] | None = None
    plot_ratio: Positive | None = Field(None, description="cost_composition: the plot ratio.")
    exclude_booster_fixed_om: bool = False


class MinFeasibleSearch(StrictModel):
    plot_ratio_min: Positive = 0.05
    plot_ratio_max: Positive = 10.0
    points: SearchPoints = 400


class NetworkComparisonScenario(StrictModel):
    """A network-temperature comparison (Part I of the Nordhavn deliverable)."""

    name: str
    description: str = ""
    area: Area
    demand: DemandSettings
    weather: Weather
    electricity: Electricity
    economics: Economics
    cop: CopSettings
    network: Network
    substation: CostFunction
    temperature_sets: dict[str, TemperatureSet] = Field(min_length=1)
    central_sources: dict[str, CentralSource] = Field(min_length=1)
    boosters: dict[str, Booster] = Field(default_factory=dict)
    individual: dict[str, IndividualUnit] = Field(min_length=1)
    studies: dict[str, Study] = Field(min_length=1)
    figures: list[Figure] = Field(default_factory=list)
    min_feasible_search: MinFeasibleSearch = Field(default_factory=MinFeasibleSearch)


def _check_references(path: Path, sc: NetworkComparisonScenario) -> None:
    """Names used in studies and figures must exist; ULTDH studies need boosters."""

    def check(where: str, names: list[str] | None, known: dict[str, Any], what: str) -> None:
        for n in names or []:
            if n not in known:
                raise ScenarioError(f"{path}: {where}: unknown {what} '{n}' (known: {', '.join(known)})")

    for sname, st in sc.studies.items():
        at = f"studies.{sname}"
        check(f"{at}.temperature_sets", st.temperature_sets, sc.temperature_sets, "temperature set")
        check(f"{at}.central_sources", st.central_sources, sc.central_sources, "central source")
        check(f"{at}.boosters", st.boosters, sc.boosters, "booster")
        check(f"{at}.individual", st.individual, sc.individual, "individual unit")
        if st.reference_individual not in st.individual:
            raise ScenarioError(
                f"{path}: {at}.reference_individual: expected one of the study's individual units "
                f"({', '.join(st.individual)}), found '{st.reference_individual}'"
            )
        for t in st.temperature_sets:
            if sc.temperature_sets[t].forward_c < sc.demand.dhw_direct_min_forward_c and not st.boosters:
                raise ScenarioError(
                    f"{path}: {at}.boosters: temperature set '{t}' is below demand.dhw_direct_min_forward_c "
                    f"({sc.demand.dhw_direct_min_forward_c:g} °C) and needs DHW boosters, found none"
                )
    for i, fig in enumerate(sc.figures):
        at = f"figures.{i}"
        if fig.study not in sc.studies:
            raise ScenarioError(
                f"{path}: {at}.study: unknown study '{fig.study}' (known: {', '.join(sc.studies)})"
            )
        st = sc.studies[fig.study]
        check(
            f"{at}.temperature_sets",
            fig.temperature_sets,
            {k: 0 for k in st.temperature_sets},
            "temperature set",
        )
        check(
            f"{at}.central_sources", fig.central_sources, {k: 0 for k in st.central_sources}, "central source"
        )
        if fig.kind == "cost_composition" and (fig.plot_ratio is None or not fig.space_heating_shares):
            raise ScenarioError(f"{path}: {at}: cost_composition needs plot_ratio and space_heating_shares")
    if sc.min_feasible_search.plot_ratio_min >= sc.min_feasible_search.plot_ratio_max:
        raise ScenarioError(f"{path}: min_feasible_search: plot_ratio_min must be below plot_ratio_max")


def load_network_scenario(path: str | Path) -> NetworkComparisonScenario:
    """Read and validate a network-comparison scenario; ScenarioError with one line on any problem."""
    path = Path(path)
    sc = validate_as(NetworkComparisonScenario, path, read_yaml(path))
    _check_references(path, sc)
    return sc


# ---------------------------------------------------------------------------------------------
# The calculation.


@dataclass(frozen=True)
class LoadFactors:
    """Electricity of a unit serving the load Q_sh · s_h + Q_flat / 8760 over the hours h:
    W = Q_sh · inv_cop_sh + Q_flat · inv_cop_flat, cost = Q_sh · cost_sh + Q_flat · cost_flat."""

    inv_cop_sh: float
    inv_cop_flat: float
    cost_sh: float
    cost_flat: float

    @staticmethod
    def of(cop: np.ndarray, price: np.ndarray, sh_shape: np.ndarray) -> LoadFactors:
        inv = 1.0 / cop
        return LoadFactors(
            float(np.sum(sh_shape * inv)),
            float(np.mean(inv)),
            float(np.sum(sh_shape * price * inv)),
            float(np.mean(price * inv)),
        )


@dataclass(frozen=True)
class Concept:
    """One supply concept of a study."""

    study: str
    kind: Literal["dh", "individual"]
    temperature_set: str = ""
    central_source: str = ""
    booster: str = ""
    individual: str = ""

    @property
    def key(self) -> str:
        if self.kind == "individual":
            return f"individual/{self.individual}"
        return "/".join(x for x in (self.temperature_set, self.central_source, self.booster) if x)


@dataclass
class NetworkComparison:
    """The prepared scenario: hourly profiles read, COP factors cached; evaluate concepts by plot ratio."""

    scenario: NetworkComparisonScenario
    path: Path
    air_c: np.ndarray
    sh_shape: np.ndarray
    price_central: np.ndarray
    price_decentral: np.ndarray
    reader: SeriesReader
    _factors: dict[tuple, LoadFactors] = field(default_factory=dict)

    # ----- preparation -----------------------------------------------------------------------

    @classmethod
    def from_file(cls, path: str | Path) -> NetworkComparison:
        path = Path(path)
        return cls.from_scenario(load_network_scenario(path), path)

    @classmethod
    def from_scenario(cls, sc: NetworkComparisonScenario, path: Path) -> NetworkComparison:
        reader = SeriesReader(path)
        air = reader.read(sc.weather.air_temperature_c, "weather.air_temperature_c", HOURS)
        spot = reader.read(sc.electricity.spot_price_eur_per_mwh, "electricity.spot_price_eur_per_mwh", HOURS)
        degree = np.maximum(sc.demand.heating_base_temperature_c - air, 0.0)
        if degree.sum() <= 0:
            raise ScenarioError(
                f"{path}: demand.heating_base_temperature_c: no hour is below "
                f"{sc.demand.heating_base_temperature_c:g} °C, so there is no space-heating profile"
            )
        return cls(
            scenario=sc,
            path=path,
            air_c=air,
            sh_shape=degree / degree.sum(),
            price_central=spot + sum(sc.electricity.central_adders_eur_per_mwh.values()),
            price_decentral=spot + sum(sc.electricity.decentral_adders_eur_per_mwh.values()),
            reader=reader,
        )

    def _source_series(self, spec: Series, where: str) -> np.ndarray:
        return self.reader.read(spec, where, HOURS)

    def _cop(
        self, where: str, sink: tuple[float, float], source_in: np.ndarray, cooling: float, eps: float
    ) -> np.ndarray:
        cop = np.broadcast_to(
            cop_exergy(
                sink[0],
                sink[1],
                source_in,
                source_in - cooling,
                eps,
                self.scenario.cop.dead_state_temperature_c,
            ),
            (HOURS,),
        )
        bad = np.flatnonzero(~np.isfinite(cop) | (cop < 1.0))
        if bad.size:
            h = int(bad[0])
            t_src = float(np.broadcast_to(source_in, (HOURS,))[h])
            raise ScenarioError(
                f"{self.path}: {where}: eq. 6 gives no usable COP (found {cop[h]:.3g}) in hour {h} for the "
                f"sink {sink[0]:g}→{sink[1]:g} °C and a source at {t_src:.3g} °C "
                f"(source at or above the sink, or ε too low)"
            )
        return np.asarray(cop, dtype=float)

    def _load_factors(self, key: tuple, make_cop, price: np.ndarray) -> LoadFactors:
        if key not in self._factors:
            self._factors[key] = LoadFactors.of(make_cop(), price, self.sh_shape)
        return self._factors[key]

    def central_is_heat_pump(self, source: str, tset: str) -> bool:
        src = self.scenario.central_sources[source]
        if src.kind == "boiler":
            return False
        if src.kind == "waste_heat":
            return float(src.source_temperature_c) < self.scenario.temperature_sets[tset].forward_c
        return True

    def central_factors(self, source: str, tset: str) -> LoadFactors:
        src = self.scenario.central_sources[source]
        ts = self.scenario.temperature_sets[tset]
        where = f"central_sources.{source}"

        def make() -> np.ndarray:
            t_src = self._source_series(src.source_temperature_c, f"{where}.source_temperature_c")
            return self._cop(
                where, (ts.return_c, ts.forward_c), t_src, src.source_cooling_k, src.exergy_efficiency
            )

        return self._load_factors(("central", source, tset), make, self.price_central)

    def booster_sink_in_c(self, tset: str) -> float:
        d = self.scenario.demand
        return min(
            self.scenario.temperature_sets[tset].forward_c - d.dhw_preheat_approach_k, d.dhw_temperature_c
        )

    def booster_factors(self, booster: str, tset: str) -> LoadFactors:
        b = self.scenario.boosters[booster]
        ts = self.scenario.temperature_sets[tset]
        sink = (self.booster_sink_in_c(tset), self.scenario.demand.booster_sink_outlet_c)
        where = f"boosters.{booster}"

        def make() -> np.ndarray:
            if b.source == "district_heating":  # the DH water, cooled from forward to return
                src_in, cooling = np.full(HOURS, ts.forward_c), ts.forward_c - ts.return_c
            else:
                src_in, cooling = self.air_c, b.source_cooling_k
            return self._cop(where, sink, src_in, cooling, b.exergy_efficiency)

        return self._load_factors(("booster", booster, tset), make, self.price_decentral)

    def individual_factors(self, unit: str) -> tuple[LoadFactors, LoadFactors]:
        """(space heating, DHW) factors of an individual unit."""
        u = self.scenario.individual[unit]
        d = self.scenario.demand
        where = f"individual.{unit}"
        out = []
        for part, sink in (("sh", d.space_heating_sink), ("dhw", d.individual_dhw_sink)):

            def make(sink: TemperaturePair = sink) -> np.ndarray:
                if u.kind == "electric":
                    return np.ones(HOURS)
                t_src = self._source_series(u.source_temperature_c, f"{where}.source_temperature_c")
                return self._cop(
                    where, (sink.inlet_c, sink.outlet_c), t_src, u.source_cooling_k, u.exergy_efficiency
                )

            out.append(self._load_factors(("individual", unit, part), make, self.price_decentral))
        return out[0], out[1]

    # ----- demand ----------------------------------------------------------------------------

    def _demand(self, sh_share: float, plot_ratio: np.ndarray) -> dict[str, np.ndarray]:
        sc = self.scenario
        floor = np.asarray(plot_ratio, dtype=float) * sc.area.land_area_m2
        q_dhw = sc.demand.dhw_kwh_per_m2_year / 1000.0  # MWh/m²
        q_sh = q_dhw * sh_share / (1.0 - sh_share)  # the DHW demand is fixed; SH share of the total
        if sc.area.building_plot_area_m2 is not None:
            buildings = np.full_like(floor, sc.area.land_area_m2 / sc.area.building_plot_area_m2)
        else:
            buildings = floor / sc.area.building_floor_area_m2
        fb = floor / buildings
        peak_building_mw = (q_sh * self.sh_shape.max() + sc.demand.dhw_design_factor * q_dhw / HOURS) * fb
        return {
            "floor_area_m2": floor,
            "sh_mwh": q_sh * floor,
            "dhw_mwh": q_dhw * floor,
            "heat_demand_mwh": (q_sh + q_dhw) * floor,
            "specific_heat_demand_kwh_per_m2": np.full_like(floor, (q_sh + q_dhw) * 1000.0),
            "buildings": buildings,
            "building_floor_area_m2": fb,
            "apartments": floor / sc.area.apartment_floor_area_m2,
            "building_peak_kw": peak_building_mw * 1000.0,
        }

    def _levelised(self, cost: CostFunction, investment_eur: np.ndarray) -> np.ndarray:
        e = self.scenario.economics
        return investment_eur * levelising_factor(e.discount_rate, cost.lifetime_years, e.horizon_years)

    # ----- district heating ------------------------------------------------------------------

    def evaluate_dh(
        self,
        tset: str,
        source: str,
        booster: str | None,
        sh_share: float,
        plot_ratio: Any,
        exclude_booster_fixed_om: bool = False,
    ) -> dict[str, np.ndarray]:
        """Annual energy, costs and LCOE (€/MWh of heat demand) of a DH concept for each plot ratio."""
        sc = self.scenario
        ts = sc.temperature_sets[tset]
        src = sc.central_sources[source]
        net = sc.network
        pr = np.atleast_1d(np.asarray(plot_ratio, dtype=float))
        r = self._demand(sh_share, pr)
        zero = np.zeros_like(pr)
        annual = {c: zero.copy() for c in COMPONENTS}

        # Decentral DHW boosting (ULTDH): DH preheats DHW, the booster lifts it to the DHW temperature.
        needs_boost = ts.forward_c < sc.demand.dhw_direct_min_forward_c
        if needs_boost and not booster:
            raise ScenarioError(f"{self.path}: temperature set '{tset}' needs a DHW booster")
        if not needs_boost:
            booster = None
        boost_mwh = booster_el = zero
        dhw_from_dh = r["dhw_mwh"]
        units = unit_kw = zero
        booster_scop = np.nan
        if booster:
            b = sc.boosters[booster]
            d = sc.demand
            pre = (self.booster_sink_in_c(tset) - d.cold_water_temperature_c) / (
                d.dhw_temperature_c - d.cold_water_temperature_c
            )
            boost_mwh = (1.0 - min(max(pre, 0.0), 1.0)) * r["dhw_mwh"]
            f = self.booster_factors(booster, tset)
            booster_el = boost_mwh * f.inv_cop_flat
            booster_scop = 1.0 / f.inv_cop_flat
            annual["booster_electricity"] = boost_mwh * f.cost_flat
            # A DH-sourced booster takes its source heat from the network; an air-source one does not.
            dhw_from_dh = r["dhw_mwh"] - (booster_el if b.source == "district_heating" else boost_mwh)
            units = r["buildings"] if b.level == "building" else r["apartments"]
            unit_mw = d.dhw_design_factor * (boost_mwh / units) / HOURS
            unit_kw = unit_mw * 1000.0
            annual["booster_investment"] = self._levelised(b.cost, units * b.cost.investment_eur(unit_mw))
            if not exclude_booster_fixed_om:
                annual["booster_fixed_om"] = units * (
                    b.fixed_om_eur_per_unit_year + b.fixed_om_eur_per_mw_year * unit_mw
                )

        # Network: effective width, length, linear heat density, heat loss (eq. 1–2).
        delivered = r["sh_mwh"] + dhw_from_dh
        width = effective_width_m(pr, net.effective_width.coefficient_m, net.effective_width.exponent)
        length = sc.area.land_area_m2 / width
        q_l = delivered / length
        hl = net.heat_loss
        share = heat_loss_share(
            q_l,
            ts.forward_c,
            ts.return_c,
            hl.ground_temperature_c,
            hl.coefficient,
            hl.exponent,
            hl.reference_forward_c,
            hl.reference_return_c,
        )
        feasible = share < 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            into_network = np.where(feasible, delivered / (1.0 - share), np.nan)
        loss = into_network - delivered

        # Network investment (Persson & Werner): L · (C1 + C2 · d_a), cost class by plot ratio.
        dt_ref = net.cost.reference_temperature_difference_k
        flow_scale = dt_ref / (ts.forward_c - ts.return_c) if dt_ref else 1.0
        diameter = average_pipe_diameter_m(
            q_l * 3.6 * flow_scale, net.cost.diameter_slope_m, net.cost.diameter_intercept_m
        )
        c1, c2 = zero.copy(), zero.copy()
        lower = np.zeros_like(pr, dtype=bool)
        for cls in net.cost.classes:
            here = ~lower & (pr < cls.plot_ratio_below if cls.plot_ratio_below is not None else True)
            c1[here], c2[here] = cls.c1_eur_per_m, cls.c2_eur_per_m2
            lower |= here
        net_inv = length * (c1 + c2 * diameter)
        e = sc.economics
        annual["network_investment"] = net_inv * levelising_factor(
            e.discount_rate, net.cost.lifetime_years, e.horizon_years
        )
        annual["network_om"] = net.cost.fixed_om_share_of_investment * net_inv

        # Pumping (eq. 3): mean flow against gradient · network length + substation Δp.
        pp = net.pumping
        flow = volume_flow_m3_per_h(
            delivered,
            ts.forward_c,
            ts.return_c,
            pp.water_heat_capacity_kj_per_kg_k,
            pp.water_density_kg_per_m3,
        )
        pump_mwh = (
            pumping_power_kw(
                flow,
                length,
                pp.pressure_gradient_pa_per_m,
                pp.substation_pressure_drop_pa,
                pp.pump_efficiency,
            )
            * HOURS
            / 1000.0
        )
        annual["pumping_electricity"] = pump_mwh * float(np.mean(self.price_central))

        # Substations, one per building, sized on the building's peak.
        n_b = r["buildings"]
        sub_mw = r["building_peak_kw"] / 1000.0
        sub_inv = n_b * sc.substation.investment_eur(sub_mw)
        annual["substation_investment"] = self._levelised(sc.substation, sub_inv)
        annual["substation_om"] = (
            sc.substation.fixed_om_share_of_investment * sub_inv
            + sc.substation.fixed_om_eur_per_mw_year * n_b * sub_mw
        )

        # Central unit: serves Q_sh · s_h + (DHW from DH + loss) / 8760; sized on the peak hour.
        flat = dhw_from_dh + loss
        peak_mw = r["sh_mwh"] * self.sh_shape.max() + flat / HOURS
        central_el = zero
        central_scop = np.nan
        if src.kind == "boiler":
            annual["central_fuel"] = into_network / src.efficiency * src.fuel_price_eur_per_mwh
            inv = src.cost.investment_eur(peak_mw)
            om_cost = src.cost
        elif self.central_is_heat_pump(source, tset):
            f = self.central_factors(source, tset)
            central_el = r["sh_mwh"] * f.inv_cop_sh + flat * f.inv_cop_flat
            central_scop = into_network / central_el
            annual["central_electricity"] = r["sh_mwh"] * f.cost_sh + flat * f.cost_flat
            inv = src.cost.investment_eur(peak_mw)
            om_cost = src.cost
            if src.kind == "waste_heat":
                annual["central_fuel"] = (into_network - central_el) * src.heat_price_eur_per_mwh
                hex_inv = src.heat_exchanger_cost.investment_eur(peak_mw)
                annual["central_investment"] += self._levelised(src.heat_exchanger_cost, hex_inv)
                annual["central_om"] += self._om(src.heat_exchanger_cost, hex_inv, peak_mw, zero)
        else:  # waste heat hot enough for the forward temperature: heat exchanger only
            annual["central_fuel"] = into_network * src.heat_price_eur_per_mwh
            inv = src.heat_exchanger_cost.investment_eur(peak_mw)
            om_cost = src.heat_exchanger_cost
        annual["central_investment"] += self._levelised(om_cost, inv)
        annual["central_om"] += self._om(om_cost, inv, peak_mw, into_network)

        total_el = central_el + pump_mwh + booster_el
        out = dict(r)
        out.update(
            {
                "effective_width_m": width,
                "trench_length_m": length,
                "heat_delivered_by_network_mwh": delivered,
                "linear_heat_density_mwh_per_m": q_l,
                "heat_loss_share": np.where(feasible, share, np.nan),
                "heat_loss_mwh": loss,
                "heat_into_network_mwh": into_network,
                "average_pipe_diameter_m": diameter,
                "network_investment_eur": net_inv,
                "volume_flow_m3_per_h": flow,
                "pumping_electricity_mwh": pump_mwh,
                "central_capacity_mw": peak_mw,
                "central_scop": np.broadcast_to(central_scop, pr.shape).astype(float),
                "central_electricity_mwh": central_el + zero,
                "booster_units": units + zero,
                "booster_unit_kw": unit_kw + zero,
                "booster_heat_mwh": boost_mwh + zero,
                "booster_scop": np.full_like(pr, booster_scop),
                "booster_electricity_mwh": booster_el + zero,
                "individual_scop": np.full_like(pr, np.nan),
                "individual_electricity_mwh": zero,
                "electricity_mwh": total_el,
                "system_cop": np.where(src.kind == "boiler", np.nan, r["heat_demand_mwh"] / total_el),
            }
        )
        return self._finish(out, annual, r["heat_demand_mwh"], feasible)

    @staticmethod
    def _om(cost: CostFunction, inv: np.ndarray, cap_mw: np.ndarray, heat_mwh: np.ndarray) -> np.ndarray:
        return (
            cost.fixed_om_share_of_investment * inv
            + cost.fixed_om_eur_per_mw_year * cap_mw
            + cost.variable_om_eur_per_mwh * heat_mwh
        )

    @staticmethod
    def _finish(
        out: dict[str, Any], annual: dict[str, np.ndarray], demand: np.ndarray, feasible: np.ndarray
    ) -> dict[str, np.ndarray]:
        total = np.zeros_like(demand)
        for c in COMPONENTS:
            lcoe = np.where(feasible, annual[c] / demand, np.nan)
            out[f"lcoe_{c}_eur_per_mwh"] = lcoe
            total = total + lcoe
        out["lcoe_eur_per_mwh"] = total
        out["annual_cost_eur"] = total * demand
        return out

    # ----- individual units ------------------------------------------------------------------

    def evaluate_individual(self, unit: str, sh_share: float, plot_ratio: Any) -> dict[str, np.ndarray]:
        """One unit per building, sized on the building's peak; LCOE does not depend on the plot ratio."""
        sc = self.scenario
        u = sc.individual[unit]
        pr = np.atleast_1d(np.asarray(plot_ratio, dtype=float))
        r = self._demand(sh_share, pr)
        zero = np.zeros_like(pr)
        annual = {c: zero.copy() for c in COMPONENTS}
        f_sh, f_dhw = self.individual_factors(unit)
        el = r["sh_mwh"] * f_sh.inv_cop_sh + r["dhw_mwh"] * f_dhw.inv_cop_flat
        annual["individual_electricity"] = r["sh_mwh"] * f_sh.cost_sh + r["dhw_mwh"] * f_dhw.cost_flat
        cap_mw = r["building_peak_kw"] / 1000.0
        inv = r["buildings"] * u.cost.investment_eur(cap_mw)
        annual["individual_investment"] = self._levelised(u.cost, inv)
        annual["individual_om"] = self._om(u.cost, inv, r["buildings"] * cap_mw, r["heat_demand_mwh"])
        out = dict(r)
        nan = np.full_like(pr, np.nan)
        for k in (
            "effective_width_m",
            "trench_length_m",
            "heat_delivered_by_network_mwh",
            "linear_heat_density_mwh_per_m",
            "heat_loss_share",
            "heat_loss_mwh",
            "heat_into_network_mwh",
            "average_pipe_diameter_m",
            "network_investment_eur",
            "volume_flow_m3_per_h",
            "central_capacity_mw",
            "central_scop",
            "booster_scop",
            "booster_unit_kw",
        ):
            out[k] = nan
        out.update(
            {
                "pumping_electricity_mwh": zero,
                "central_electricity_mwh": zero,
                "booster_units": zero,
                "booster_heat_mwh": zero,
                "booster_electricity_mwh": zero,
                "individual_scop": r["heat_demand_mwh"] / el,
                "individual_electricity_mwh": el,
                "electricity_mwh": el,
                "system_cop": r["heat_demand_mwh"] / el,
            }
        )
        # The density of the area still describes the row (for plots against q_l).
        w = effective_width_m(
            pr, sc.network.effective_width.coefficient_m, sc.network.effective_width.exponent
        )
        out["linear_heat_density_mwh_per_m"] = r["heat_demand_mwh"] / (sc.area.land_area_m2 / w)
        return self._finish(out, annual, r["heat_demand_mwh"], np.ones_like(pr, dtype=bool))

    # ----- concepts, tables ------------------------------------------------------------------

    def concepts(self, study: str) -> list[Concept]:
        st = self.scenario.studies[study]
        out = []
        for t in st.temperature_sets:
            boosted = (
                self.scenario.temperature_sets[t].forward_c < self.scenario.demand.dhw_direct_min_forward_c
            )
            for s in st.central_sources:
                for b in st.boosters if boosted else [""]:
                    out.append(Concept(study, "dh", t, s, b))
        out += [Concept(study, "individual", individual=u) for u in st.individual]
        return out

    def evaluate(
        self, concept: Concept, sh_share: float, plot_ratio: Any, exclude_booster_fixed_om: bool = False
    ) -> dict[str, np.ndarray]:
        if concept.kind == "individual":
            return self.evaluate_individual(concept.individual, sh_share, plot_ratio)
        return self.evaluate_dh(
            concept.temperature_set,
            concept.central_source,
            concept.booster or None,
            sh_share,
            plot_ratio,
            exclude_booster_fixed_om,
        )

    def label(self, concept: Concept) -> str:
        sc = self.scenario
        if concept.kind == "individual":
            return f"individual {sc.individual[concept.individual].label}"
        parts = [
            sc.temperature_sets[concept.temperature_set].label,
            sc.central_sources[concept.central_source].label,
        ]
        if concept.booster:
            parts.append(sc.boosters[concept.booster].label)
        return " · ".join(parts)

    def _rows(
        self, concept: Concept, sh_share: float, values: dict[str, np.ndarray], pr: np.ndarray
    ) -> pd.DataFrame:
        sc = self.scenario
        ts = sc.temperature_sets.get(concept.temperature_set)
        head = {
            "study": concept.study,
            "concept": concept.key,
            "label": self.label(concept),
            "kind": concept.kind,
            "temperature_set": concept.temperature_set,
            "forward_c": ts.forward_c if ts else np.nan,
            "return_c": ts.return_c if ts else np.nan,
            "central_source": concept.central_source,
            "booster": concept.booster,
            "individual_unit": concept.individual,
            "space_heating_share": sh_share,
            "plot_ratio": pr,
        }
        df = pd.DataFrame(head | {k: np.broadcast_to(v, pr.shape) for k, v in values.items()})
        return df

    def table(self) -> pd.DataFrame:
        """One row per study, concept, space-heating share and plot ratio of the studies' grids."""
        frames = []
        for sname, st in self.scenario.studies.items():
            pr = np.asarray(st.plot_ratios, dtype=float)
            for concept in self.concepts(sname):
                for s in st.space_heating_shares:
                    frames.append(self._rows(concept, s, self.evaluate(concept, s, pr), pr))
        return pd.concat(frames, ignore_index=True)

    def reference_lcoe(self, study: str, sh_share: float) -> float:
        ref = self.scenario.studies[study].reference_individual
        return float(self.evaluate_individual(ref, sh_share, np.array([1.0]))["lcoe_eur_per_mwh"][0])

    def min_feasible(self, concept: Concept, sh_share: float) -> dict[str, Any]:
        """The plot ratio (and linear heat density) above which the DH concept is cheaper than the study's
        reference individual unit throughout the search range (deliverable Figure 3)."""
        ms = self.scenario.min_feasible_search
        ref = self.reference_lcoe(concept.study, sh_share)
        grid = np.geomspace(ms.plot_ratio_min, ms.plot_ratio_max, ms.points)
        diff = self.evaluate(concept, sh_share, grid)["lcoe_eur_per_mwh"] - ref
        cheaper = np.isfinite(diff) & (diff < 0)
        status, pr_star = "found", np.nan
        if cheaper.all():
            status, pr_star = "below_search_range", ms.plot_ratio_min
        elif not cheaper[-1]:
            status = "not_in_search_range"
        else:
            # Refine the last crossing on a fine grid, then interpolate linearly between its two points.
            j = int(np.flatnonzero(~cheaper)[-1])
            fine = np.linspace(grid[j], grid[j + 1], 257)
            d = self.evaluate(concept, sh_share, fine)["lcoe_eur_per_mwh"] - ref
            k = int(np.flatnonzero(~(np.isfinite(d) & (d < 0)))[-1])
            pr_star = fine[k + 1]
            if np.isfinite(d[k]) and d[k] > d[k + 1]:
                pr_star = fine[k] + (fine[k + 1] - fine[k]) * d[k] / (d[k] - d[k + 1])
        q_l = np.nan
        if np.isfinite(pr_star):
            q_l = float(
                self.evaluate(concept, sh_share, np.array([pr_star]))["linear_heat_density_mwh_per_m"][0]
            )
        return {
            "study": concept.study,
            "concept": concept.key,
            "label": self.label(concept),
            "temperature_set": concept.temperature_set,
            "central_source": concept.central_source,
            "booster": concept.booster,
            "space_heating_share": sh_share,
            "reference_individual": self.scenario.studies[concept.study].reference_individual,
            "reference_lcoe_eur_per_mwh": ref,
            "status": status,
            "min_feasible_plot_ratio": pr_star,
            "min_feasible_linear_heat_density_mwh_per_m": q_l,
        }

    def min_feasible_table(self) -> pd.DataFrame:
        rows = []
        for sname, st in self.scenario.studies.items():
            for concept in self.concepts(sname):
                if concept.kind == "dh":
                    rows += [self.min_feasible(concept, s) for s in st.space_heating_shares]
        return pd.DataFrame(rows)
