"""Stage 1: the scenario file (YAML) → validated objects. Nothing here reads data files or solves."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from dhopt.errors import ScenarioError
from dhopt.schema import Fraction, Positive, Series, SeriesFromFile, StrictModel
from dhopt.units import Unit


class Demand(StrictModel):
    """Hourly heat demand at the plant, optionally rescaled."""

    heat_mw: Series = Field(description="Heat demand per hour, MW (= MWh/h).")
    scale_to_peak_mw: Positive | None = Field(
        None, description="Rescale so that the largest hour is this, MW."
    )
    scale_to_annual_mwh: Positive | None = Field(
        None,
        description="Rescale so that the year's sum is this, MWh. With scale_to_peak_mw as well, "
        "the profile s (peak 1) is mapped to peak·s^k with k chosen to meet both.",
    )
    cooling_mw: Series | None = Field(
        None,
        description="Cooling demand per hour, MW, to be met by heat pumps whose cold side serves it "
        "(units.*.cooling). Optional.",
    )


class Electricity(StrictModel):
    """Electricity price = spot price + the named adders; optional CO2 intensity."""

    spot_price_eur_per_mwh: Series = Field(description="Day-ahead price per hour, €/MWh_el.")
    adders_eur_per_mwh: dict[str, Series] = Field(
        default_factory=dict,
        description="Named price adders (taxes, tariffs), €/MWh_el, each constant or hourly.",
    )
    co2_t_per_mwh: Series | None = Field(
        None, description="CO2 intensity of grid electricity, t/MWh_el (optional)."
    )
    onsite_pv_mw: Series | None = Field(
        None, description="On-site PV production, MW: used before grid electricity (optional)."
    )
    pv_export_price_eur_per_mwh: Series = Field(
        0.0, description="Price for PV electricity not used on site, €/MWh (0: curtailed)."
    )


class DistrictHeating(StrictModel):
    """The network the units feed."""

    supply_temperature_c: Series = Field(description="Supply temperature, °C.")
    return_temperature_c: Series = Field(description="Return temperature, °C.")
    allow_heat_dump: bool = Field(
        False,
        description="Let surplus heat be rejected (a dry cooler): supply ≥ demand instead of =. Needed "
        "when a cooling demand makes more heat than the network can take.",
    )


class Economics(StrictModel):
    discount_rate: Fraction = Field(0.04, description="Real discount rate for annuities, -.")


class ExtraInvestment(StrictModel):
    """An investment outside the units (e.g. the DH network), added to the annual cost."""

    investment_eur: Annotated[float, Field(ge=0)] = Field(description="Investment, €.")
    lifetime_years: Annotated[int, Field(gt=0)] = Field(description="Lifetime, years.")
    include: bool = Field(True, description="Whether it counts in the objective and the LCOE.")


class Scenario(StrictModel):
    """A dhopt scenario: demand, electricity, network, units and economics."""

    name: str = Field(description="Short name used in reports.")
    description: str = Field("", description="Free text.")
    hours: Annotated[int, Field(gt=0)] | None = Field(
        None,
        description="Hours to model from the start of the series (default: the series' length). "
        "Operating costs of a shorter horizon are scaled to 8760 h.",
    )
    demand: Demand
    electricity: Electricity
    district_heating: DistrictHeating
    economics: Economics = Field(default_factory=Economics)
    units: dict[str, Unit] = Field(description="Production and storage units, by name.")
    extra_investments: dict[str, ExtraInvestment] = Field(
        default_factory=dict, description="Investments outside the units, by name."
    )

    @model_validator(mode="after")
    def _has_producer(self) -> Scenario:
        if not any(u.type != "storage" for u in self.units.values()):
            raise ValueError("units: expected at least one heat-producing unit, found none")
        return self


def _location(loc: tuple[Any, ...]) -> str:
    # pydantic puts the discriminator's tag in the path (units.gw.heat_pump.cop); drop it.
    from dhopt.units import UNIT_TYPES

    tags = set(UNIT_TYPES) | {"float", "SeriesFromFile", "linear", "lorenz", "series", "fan", "pump"}
    parts = [str(p) for p in loc if str(p) not in tags]
    return ".".join(parts) or "(top level)"


def format_validation_error(path: Path, err: ValidationError) -> str:
    """One line: the file, then each distinct field with what was expected and what was found."""
    seen: dict[str, str] = {}
    for e in err.errors():
        where = _location(e["loc"])
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        else:
            msg = e["msg"]
            if "input" in e and not isinstance(e["input"], dict | list):
                msg += f" (found {e['input']!r})"
        seen.setdefault(where, msg)
    items = [f"{w}: {m}" for w, m in seen.items()]
    more = f" (+{len(items) - 3} more)" if len(items) > 3 else ""
    return f"{path}: " + "; ".join(items[:3]) + more


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(f"{path}{at}: YAML syntax error: {problem}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: expected a mapping of scenario fields, found {type(data).__name__}")
    return data


M = TypeVar("M", bound=BaseModel)


def validate_as(model: type[M], path: Path, data: Any) -> M:
    """Validate raw data read from `path` as `model`; ScenarioError with one line naming the fields."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(path, exc)) from None


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> LoadedScenario:
    """Read and validate a scenario file. Raises ScenarioError with a one-line message."""
    path = Path(path)
    data = read_yaml(path)
    if overrides:
        data = apply_overrides(data, overrides)
    scenario = validate_as(Scenario, path, data)
    return LoadedScenario(scenario=scenario, path=path, sha256=file_sha256(path))


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

    def __init__(self, scenario: Scenario, path: Path, sha256: str) -> None:
        self.scenario = scenario
        self.path = path
        self.sha256 = sha256

    @property
    def base_dir(self) -> Path:
        return self.path.parent


__all__ = ["LoadedScenario", "Scenario", "SeriesFromFile", "load_scenario"]
