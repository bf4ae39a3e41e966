"""The network-comparison scenario file: its schema and loading (`dhopt network-compare`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from dhopt.errors import ScenarioError
from dhopt.scenario import validate_as
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
    SeriesFromFile,
    StrictModel,
    Temperature,
    TemperatureDifference,
    TemperatureSeries,
    Years,
    integer,
    number,
)
from dhopt.yaml_files import read_yaml

OpenShare = number(gt=0, lt=1)  # a share strictly between none and all
BoilerEfficiency = number(gt=0, le=1.2)  # heat / fuel; above 1 on the lower heating value
Exponent = number(ge=-10, le=10)  # of an empirical power law
CostExponent = number(ge=-1, le=1)  # b of a cost function a · Q̇^b
SearchPoints = integer(ge=20, le=20000)
DesignFactor = number(ge=1, le=100)  # decentral capacity per mean load


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
