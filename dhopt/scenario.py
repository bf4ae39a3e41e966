"""Stage 1: the scenario file (YAML) → validated objects. Nothing here reads data files or solves."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError, model_validator

from dhopt.carriers import Fuel
from dhopt.columns import unit_column_suffixes
from dhopt.economics import LifetimeEconomics
from dhopt.errors import ScenarioError
from dhopt.schema import (
    Co2Series,
    FieldError,
    Fraction,
    Hours,
    NonNegative,
    NonNegativePrice,
    PositiveEnergy,
    PositivePower,
    PowerSeries,
    PriceSeries,
    SeriesFromFile,
    StrictModel,
    Years,
    series,
)
from dhopt.temperature_curve import NetworkTemperature
from dhopt.units import STORAGE_TYPES, Unit
from dhopt.weather_years_schema import WeatherYear, check_weather_years
from dhopt.yaml_files import read_yaml

Co2PriceSeries = series(NonNegativePrice)  # € per t of CO2


class Demand(StrictModel):
    """Hourly heat demand at the plant, optionally rescaled."""

    heat_mw: PowerSeries = Field(description="Heat demand per hour, MW (= MWh/h).")
    scale_to_peak_mw: PositivePower | None = Field(
        None, description="Rescale so that the largest hour is this, MW."
    )
    scale_to_annual_mwh: PositiveEnergy | None = Field(
        None,
        description="Rescale so that the year's sum is this, MWh. With scale_to_peak_mw as well, "
        "the profile s (peak 1) is mapped to peak·s^k with k chosen to meet both.",
    )
    cooling_mw: PowerSeries | None = Field(
        None,
        description="Cooling demand per hour, MW, to be met by heat pumps whose cold side serves it "
        "(units.*.cooling). Optional.",
    )


class Electricity(StrictModel):
    """Electricity price = spot price + the named adders; optional CO2 intensity."""

    spot_price_eur_per_mwh: PriceSeries = Field(description="Day-ahead price per hour, €/MWh_el.")
    adders_eur_per_mwh: dict[str, PriceSeries] = Field(
        default_factory=dict,
        description="Named price adders (taxes, tariffs), €/MWh_el, each constant or hourly.",
    )
    co2_t_per_mwh: Co2Series | None = Field(
        None, description="CO2 intensity of grid electricity, t/MWh_el (optional)."
    )
    onsite_pv_mw: PowerSeries | None = Field(
        None, description="On-site PV production, MW: used before grid electricity (optional)."
    )
    pv_export_price_eur_per_mwh: PriceSeries = Field(
        0.0, description="Price for PV electricity not used on site, €/MWh (0: curtailed)."
    )


class DistrictHeating(StrictModel):
    """The network the units feed."""

    supply_temperature_c: NetworkTemperature = Field(
        description="Supply temperature, °C: a constant, a CSV column, or a curve of the outdoor "
        "temperature ({outdoor_temperature_c: …, points: [{outdoor_temperature_c, temperature_c}, …]})."
    )
    return_temperature_c: NetworkTemperature = Field(
        description="Return temperature, °C: a constant, a CSV column, or a curve of the outdoor temperature."
    )
    allow_heat_dump: bool = Field(
        False,
        description="Let surplus heat be rejected (a dry cooler): supply ≥ demand instead of =. Needed "
        "when a cooling demand makes more heat than the network can take.",
    )

    @model_validator(mode="after")
    def _supply_above_return(self) -> DistrictHeating:
        supply, ret = self.supply_temperature_c, self.return_temperature_c
        if isinstance(supply, float) and isinstance(ret, float) and supply <= ret:
            raise FieldError(
                "supply_temperature_c", f"expected above return_temperature_c {ret:g} °C (found {supply:g})"
            )
        return self


class Economics(StrictModel):
    discount_rate: Fraction = Field(0.04, description="Real discount rate for annuities, -.")
    co2_price_eur_per_t: Co2PriceSeries = Field(
        0.0,
        description="CO2 price, € per t, constant or hourly, on top of any taxes: it acts in the model "
        "through the CO2 of each MWh of grid electricity (electricity.co2_t_per_mwh) and of each fuel "
        "(fuels.*.co2_t_per_mwh), and is reported as the cost components electricity_co2 and "
        "<fuel>_co2.",
    )
    co2_cap_t_per_year: NonNegative | None = Field(
        None,
        description="Largest CO2 emission allowed, t per year (of grid electricity and every fuel, "
        "scaled to a year like every annual figure). Optional.",
    )
    lifetime: LifetimeEconomics = Field(
        default_factory=LifetimeEconomics,
        description="Study period, inflation and loan of the lifetime economics (`dhopt economics`).",
    )


class ExtraInvestment(StrictModel):
    """An investment outside the units (e.g. the DH network), added to the annual cost."""

    investment_eur: NonNegative = Field(description="Investment, €.")
    lifetime_years: Years = Field(description="Lifetime, years.")
    include: bool = Field(True, description="Whether it counts in the objective and the LCOE.")


class Scenario(StrictModel):
    """A dhopt scenario: demand, electricity, network, units and economics."""

    name: str = Field(description="Short name used in reports.")
    description: str = Field("", description="Free text.")
    hours: Hours | None = Field(
        None,
        description="Hours to model from the start of the series (default: the series' length). "
        "Operating costs of a shorter horizon are scaled to 8760 h.",
    )
    demand: Demand
    electricity: Electricity
    fuels: dict[str, Fuel] = Field(
        default_factory=dict,
        description="Fuels the units may burn, by name (natural_gas, wood_chips …): price, adders, CO2 "
        "and an optional annual limit. A unit names its fuel with `fuel:`.",
    )
    district_heating: DistrictHeating
    economics: Economics = Field(default_factory=Economics)
    units: dict[str, Unit] = Field(description="Production and storage units, by name.")
    extra_investments: dict[str, ExtraInvestment] = Field(
        default_factory=dict, description="Investments outside the units, by name."
    )
    weather_years: list[WeatherYear] | None = Field(
        None,
        description="Several weather years (docs/weather-years.md): one investment serves them all, "
        "each year has its own dispatch and cyclic storage; the annual cost is their weighted mean.",
    )

    @model_validator(mode="after")
    def _weather_years(self) -> Scenario:
        if self.weather_years is not None:
            check_weather_years(self.weather_years)
        return self

    @model_validator(mode="after")
    def _has_producer(self) -> Scenario:
        if not any(u.type not in STORAGE_TYPES for u in self.units.values()):
            raise ValueError("units: expected at least one heat-producing unit, found none")
        return self

    @model_validator(mode="after")
    def _unit_names(self) -> Scenario:
        check_unit_names(list(self.units))
        return self

    @model_validator(mode="after")
    def _sources_below_supply(self) -> Scenario:
        """A COP model (linear, lorenz) on a constant source as warm as the constant supply gives a
        number without meaning: such heat needs no heat pump, or it is a typo. (An explicit COP
        series is the user's own call; hour by hour, the inputs' preparation checks the same.)"""
        supply = self.district_heating.supply_temperature_c
        if not isinstance(supply, float):
            return self
        for name, unit in self.units.items():
            if unit.type == "heat_pump" and not unit.direct_use:
                field, pump = "source_temperature_c", unit
            else:  # direct use (and an excess-heat booster is bypassed) when the source is that warm
                continue
            source = pump.source_temperature_c
            if pump.cop.model != "series" and isinstance(source, float) and source >= supply:
                raise FieldError(
                    f"units.{name}.{field}",
                    f"expected a source colder than district_heating.supply_temperature_c {supply:g} °C, "
                    f"else it needs no heat pump (found {source:g})",
                )
        return self


# A unit's name is a column prefix of the result tables and part of a model block's name.
UNIT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")
# Names the result tables use themselves: `system` is the KPI table's system row; the others are
# prefixes of fixed columns that a unit's own columns would collide with (`grid` +
# `_electricity_mw` is the dispatch table's grid_electricity_mw, heat_`demand`_mwh a sweep column).
RESERVED_UNIT_NAMES = frozenset(
    {
        "system",
        "grid",
        "demand",
        "cooling_demand",
        "heat_dumped",
        "pv",
        "pv_used",
        "electricity",
        "price",
        "co2",
        "hour",
        "time",
        "time_utc",
        "typical_period",
        "weight",
    }
)
# Suffixes of a unit's columns in the dispatch table (<name>_<suffix>), see dhopt.results.
UNIT_COLUMN_SUFFIXES = unit_column_suffixes()


def check_unit_names(names: list[str]) -> None:
    """FieldError for a unit name that is malformed, reserved or makes the same column as another's."""
    columns: dict[str, str] = {}
    for name in names:
        where = f"units.{name}"
        if not UNIT_NAME.match(name):
            raise FieldError(
                where,
                "expected a unit name of letters, digits, '_' and '-' that starts with a letter "
                f"(found {name!r})",
            )
        if name.lower() in RESERVED_UNIT_NAMES:
            raise FieldError(
                where, f"the name {name!r} is reserved: the result tables use it themselves; expected another"
            )
        for suffix in UNIT_COLUMN_SUFFIXES:
            column = f"{name}_{suffix}".lower()
            other = columns.setdefault(column, name)
            if other != name:
                raise FieldError(
                    where, f"expected a name whose result columns differ from unit '{other}''s ({column})"
                )


def _location(loc: tuple[Any, ...], data: Any) -> str:
    """The dotted path of an error's location in the scenario, without the tags pydantic adds for
    the branches of a union (units.gw.heat_pump.cop → units.gw.cop). A part is a tag if it is not a
    key of the data at that point, so a unit may be named like a unit type."""
    from dhopt.schema_tree import union_tags

    tags = union_tags(Scenario)  # derived from the schema (and so from the unit registry)
    parts: list[str] = []
    node = data
    for p in loc:
        in_data = isinstance(node, dict) and p in node
        in_data |= isinstance(node, list) and isinstance(p, int) and 0 <= p < len(node)
        if in_data:
            node = node[p]
        elif str(p) in tags:
            continue
        else:
            node = None
        parts.append(str(p))
    return ".".join(parts)


def _found(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def format_validation_error(path: Path, err: ValidationError, data: Any = None) -> str:
    """One line: the file, then each distinct field with what was expected and what was found.
    `data` is what was validated (to tell the fields in an error's location from union tags)."""
    seen: dict[str, str] = {}
    for e in err.errors():
        where = _location(e["loc"], data)
        problem = (e.get("ctx") or {}).get("error")
        if isinstance(problem, FieldError):  # a model's check about one of its fields
            where = f"{where}.{problem.field}" if where else problem.field
            msg = problem.message
        elif e["type"] == "extra_forbidden":
            msg = "unknown key"
        elif e["type"] in ("union_tag_invalid", "union_tag_not_found"):  # e.g. a unit's `type`
            ctx = e["ctx"]
            tag_field = ctx["discriminator"].strip("'")
            where = f"{where}.{tag_field}"
            if "expected_tags" in ctx:
                msg = f"expected one of {ctx['expected_tags']} (found {ctx['tag']!r})"
            else:
                msg = "Field required"
        else:
            msg = e["msg"]
            if "input" in e and not (e["type"] == "missing" or e["type"].startswith("model_")):
                msg += f" (found {_found(e['input'])})"
        seen.setdefault(where or "(top level)", msg)
    items = [f"{w}: {m}" for w, m in seen.items()]
    more = f" (+{len(items) - 3} more)" if len(items) > 3 else ""
    return f"{path}: " + "; ".join(items[:3]) + more


M = TypeVar("M", bound=BaseModel)


def validate_as(model: type[M], path: Path, data: Any) -> M:
    """Validate raw data read from `path` as `model`; ScenarioError with one line naming the fields."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(path, exc, data)) from None


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> LoadedScenario:
    """Read and validate a scenario file. Raises ScenarioError with a one-line message."""
    path = Path(path)
    data = read_yaml(path)
    if overrides:
        data = apply_overrides(data, overrides)
    scenario = validate_as(Scenario, path, data)
    if scenario.weather_years:  # each year's scenario is checked now, not at the solve
        from dhopt.weather_years import year_scenarios

        year_scenarios(path, data)
    return LoadedScenario(scenario=scenario, path=path, sha256=file_sha256(path), overrides=overrides)


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Set dotted paths (e.g. 'units.sea.investment.fixed_eur') in a copy of the raw scenario data."""
    import copy

    out = copy.deepcopy(data)
    for dotted, value in overrides.items():
        node: Any = out
        keys = dotted.split(".")
        for i, key in enumerate(keys[:-1]):
            if not isinstance(node, dict) or key not in node:
                raise ScenarioError(
                    f"override '{dotted}': no field '{'.'.join(keys[: i + 1])}' in the scenario"
                )
            node = node[key]
        if not isinstance(node, dict):
            raise ScenarioError(f"override '{dotted}': '{'.'.join(keys[:-1])}' is not a mapping")
        node[keys[-1]] = value
    return out


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class LoadedScenario:
    """A validated scenario with the file it came from (data paths are relative to it)."""

    def __init__(
        self, scenario: Scenario, path: Path, sha256: str, overrides: dict[str, Any] | None = None
    ) -> None:
        self.scenario = scenario
        self.path = path
        self.sha256 = sha256
        self.overrides = dict(overrides or {})  # dotted path → value, applied to the file's data

    @property
    def base_dir(self) -> Path:
        return self.path.parent


__all__ = ["LoadedScenario", "Scenario", "SeriesFromFile", "load_scenario"]
