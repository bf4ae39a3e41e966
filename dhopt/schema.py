"""Building blocks of the scenario schema shared by the scenario and the unit types.

Every field carries its unit in the description; `docs/scenario.md` and `dhopt schema` are generated
from these classes, so the description is the documentation.

Every number is finite and within a range that means something for its field (checked at
validation, so a NaN, an infinity or a price of 1e300 never reaches the solver), and a boolean is
never taken for a number (YAML's `yes` would otherwise be read as 1).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    Tag,
    model_validator,
)
from pydantic_core import PydanticCustomError

# The general cap on any magnitude (costs, prices, energies, lengths): beyond it a number is a typo
# or an overflow, and would wreck the solver's numerics long before it meant anything.
LIMIT = 1e9


class StrictModel(BaseModel):
    """Base of every schema class: unknown keys are errors, values are checked on assignment too,
    and no float may be NaN or infinite."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False, allow_inf_nan=False)


class FieldError(ValueError):
    """A model-level check that is about one field: the error message names `field` (a dotted path
    relative to the model) instead of the model."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _range_text(bounds: dict[str, float]) -> str:
    """E.g. 'greater than or equal to 0 and less than 1', in pydantic's own words."""
    parts = []
    if "ge" in bounds:
        parts.append(f"greater than or equal to {bounds['ge']:g}")
    if "gt" in bounds:
        parts.append(f"greater than {bounds['gt']:g}")
    if "le" in bounds:
        parts.append(f"less than or equal to {bounds['le']:g}")
    if "lt" in bounds:
        parts.append(f"less than {bounds['lt']:g}")
    return " and ".join(parts)


def _within(value: float, bounds: dict[str, float]) -> bool:
    return (
        value >= bounds.get("ge", -math.inf)
        and value > bounds.get("gt", -math.inf)
        and value <= bounds.get("le", math.inf)
        and value < bounds.get("lt", math.inf)
    )


def _checker(bounds: dict[str, float], kind: str) -> Callable[[Any], Any]:
    """A before-validator: booleans, NaN, infinities and values out of `bounds` are errors with a
    message that gives the whole range; anything else goes on to pydantic's own parsing."""
    expected = f"expected a {kind} {_range_text(bounds)}"

    def check(value: Any) -> Any:
        # pydantic's lax mode reads True as 1; in a scenario that is always a mistake.
        if isinstance(value, bool):
            raise PydanticCustomError("bool_is_not_a_number", f"expected a {kind}, not true/false")
        parsed = value
        if isinstance(value, str):
            try:
                parsed = float(value)
            except ValueError:
                return value  # not a number: pydantic says so
        if isinstance(parsed, int | float):
            if not math.isfinite(parsed):
                raise PydanticCustomError("finite_number", f"expected a finite {kind}")
            if not _within(parsed, bounds):
                raise PydanticCustomError("out_of_range", expected)
        return value

    return check


def number(**bounds: float) -> Any:
    """A finite float within `bounds` (ge/gt/le/lt); ints and numeric strings accepted, booleans not.
    The bounds go into the JSON Schema too."""
    return Annotated[float, BeforeValidator(_checker(bounds, "number")), Field(allow_inf_nan=False, **bounds)]


def integer(**bounds: int) -> Any:
    """A whole number within `bounds`; booleans refused."""
    return Annotated[int, BeforeValidator(_checker(bounds, "whole number")), Field(**bounds)]


Real = number(ge=-LIMIT, le=LIMIT)
NonNegative = number(ge=0, le=LIMIT)
Positive = number(gt=0, le=LIMIT)
Fraction = number(ge=0, lt=1)  # a share that cannot be all (a loss, a discount rate)
Share = number(ge=0, le=1)  # a share, 0–1
Efficiency = number(gt=0, le=1)
Temperature = number(ge=-60, le=250)  # °C: from arctic air to high-temperature process heat
TemperatureDifference = number(gt=0, le=200)  # K
Price = number(ge=-10_000, le=100_000)  # €/MWh: the day-ahead market's own limits, and some
NonNegativePrice = number(ge=0, le=100_000)  # €/MWh (or €/GJ)
Power = number(ge=0, le=100_000)  # MW: far above any district-heating unit
PositivePower = number(gt=0, le=100_000)
Energy = number(ge=0, le=LIMIT)  # MWh
PositiveEnergy = number(gt=0, le=LIMIT)
Cop = number(gt=0, le=50)  # heat out / electricity in
Co2Intensity = number(ge=0, le=10)  # t CO2 per MWh of electricity (coal: about 1)
Length = number(ge=0, le=1e6)  # m
Years = integer(ge=1, le=200)
Hours = integer(ge=1, le=100_000)  # a little over 11 years of hours


class SeriesFromFile(StrictModel):
    """An hourly series read from one column of a CSV file: value = scale · column + offset."""

    file: str = Field(description="CSV file, relative to the scenario file (or absolute).")
    column: str = Field(description="Column name in the CSV file's header row.")
    scale: Real = Field(1.0, description="Factor applied to every value (e.g. a unit conversion).")
    offset: Real = Field(0.0, description="Added to every value after scaling.")


# The tags of a series' two forms, which pydantic puts in an error's location (the messages leave
# them out); a ':' keeps them apart from any key of a scenario.
SERIES_CONSTANT, SERIES_FILE = "series:constant", "series:file"


def _series_kind(value: Any) -> str:
    return SERIES_FILE if isinstance(value, dict | SeriesFromFile) else SERIES_CONSTANT


def series(constant: Any) -> Any:
    """A series: a constant of type `constant` (the same value every hour) or a column of a CSV file.
    The file's values are checked hour by hour when the inputs are prepared."""
    return Annotated[
        Annotated[constant, Tag(SERIES_CONSTANT)] | Annotated[SeriesFromFile, Tag(SERIES_FILE)],
        Discriminator(_series_kind),
    ]


# A series of any finite number within the general cap, and the series of the usual quantities.
Series = series(Real)
PowerSeries = series(Power)
PriceSeries = series(Price)
TemperatureSeries = series(Temperature)
CopSeries = series(Cop)
Co2Series = series(Co2Intensity)


def curve_points(points: list[Any] | None, attribute: str, what: str) -> list[Any] | None:
    """The points of a curve (a field validator's check): two or more, each `attribute` value once,
    returned in increasing order of it, so a scenario may list them in any order."""
    if points is None:
        return None
    if len(points) < 2:
        raise ValueError(f"expected at least two points, found {len(points)}")
    values = [getattr(p, attribute) for p in points]
    if len(set(values)) < len(values):
        raise ValueError(f"expected each {what} once, found {values}")
    return sorted(points, key=lambda p: getattr(p, attribute))


class Investment(StrictModel):
    """Investment cost `fixed + per_mw · capacity`, annualised with the capital recovery factor."""

    fixed_eur: NonNegative = Field(
        0.0, description="Capacity-independent part, € (paid only if the unit is built)."
    )
    per_mw_eur: NonNegative = Field(0.0, description="Specific part, € per MW of heat capacity.")
    lifetime_years: Years = Field(description="Economic lifetime for the annuity, years.")


class OperationAndMaintenance(StrictModel):
    """Operation and maintenance costs."""

    fixed_eur_per_mw_year: NonNegative = Field(0.0, description="Fixed O&M, € per MW of capacity and year.")
    variable_eur_per_mwh: NonNegativePrice = Field(
        0.0, description="Variable O&M, € per MWh of heat produced (at the plant)."
    )


class Pipe(StrictModel):
    """A district-heating transmission pipe from the unit to the network (Nordhavn deliverable, Table 6).

    Investment per metre = cost_fixed_eur_per_m + cost_eur_per_m_per_m3h · V̇, with the design flow
    V̇ [m³/h] = capacity / (1.163e-3 MWh/(m³·K) · ΔT), ΔT = the smallest hourly supply − return
    difference (the largest flow). The flow unit (m³/h) is our reading of the deliverable.
    """

    length_m: Length = Field(description="Pipe length, m.")
    cost_fixed_eur_per_m: NonNegative = Field(505.0, description="Fixed cost, € per m.")
    cost_eur_per_m_per_m3h: NonNegative = Field(
        3.1, description="Flow-dependent cost, € per m and per m³/h of design flow."
    )
    lifetime_years: Years = Field(30, description="Pipe lifetime, years.")
    heat_loss_fraction: Fraction = Field(
        0.0, description="Share of the unit's heat lost in the pipe, 0–1 (sewage: 0.05 over 2 km)."
    )


def check_size_limits(
    model: BaseModel, minimum: str, maximum: str | None, fixed: str, existing: str, unit: str
) -> None:
    """FieldError for size limits that contradict each other, by field name: existing above the
    largest, a fixed size below the existing, the smallest above the largest. Every unit kind's
    sizes (MW, MWh, m², m³) are checked by this one rule. `maximum` None: no largest to check."""
    low, fix, have = getattr(model, minimum), getattr(model, fixed), getattr(model, existing)
    top = None if maximum is None else getattr(model, maximum)
    if top is not None and have > top:
        raise FieldError(existing, f"expected at most {maximum} {top:g} {unit} (found {have:g})")
    if fix is not None and fix < have:
        raise FieldError(fixed, f"expected at least {existing} {have:g} {unit} (found {fix:g})")
    if top is not None and low > top:
        raise FieldError(minimum, f"expected at most {maximum} {top:g} {unit} (found {low:g})")


class CapacityLimits(StrictModel):
    """The capacity block every heat producer includes: its size limits (capacity_min_mw,
    capacity_max_mw, a fixed capacity_mw, existing_mw), its minimum load, forced retirement and O&M,
    with the checks of limits that contradict each other or a minimum load the unit could never
    reach. A limit of 0 MW switches a unit off (sweeps do so) and is always allowed. A fixed
    capacity above capacity_max_mw is left to the inputs' preparation: a sweep reports such a point
    as infeasible instead of refusing the whole sweep. (Each type adds its own `investment`, whose
    default differs.)"""

    capacity_min_mw: Power = Field(0.0, description="Smallest capacity to build, MW heat.")
    capacity_max_mw: Power | None = Field(
        None, description="Largest capacity (e.g. a source's or a site's limit), MW heat."
    )
    capacity_mw: Power | None = Field(
        None, description="Fixed capacity instead of an optimised one, MW heat."
    )
    existing_mw: Power = Field(
        0.0,
        description="Capacity that exists already, MW: it needs no investment but keeps its O&M. "
        "capacity_min_mw, capacity_max_mw and capacity_mw count it in; more is an expansion, whose "
        "investment (fixed part too) is paid.",
    )
    retired: StrictBool = Field(
        False,
        description="The unit is unavailable (a forced retirement): no capacity, no cost, whatever "
        'else is given; one switch for "keep the old plant or replace it".',
    )
    min_load_mw: Power = Field(
        0.0, description="Least heat output when running, MW (the Nordhavn deliverable: 1 MW for heat pumps)."
    )
    om: OperationAndMaintenance = Field(default_factory=OperationAndMaintenance, description="O&M costs.")

    @model_validator(mode="after")
    def _consistent_capacities(self) -> Any:
        check_size_limits(self, "capacity_min_mw", "capacity_max_mw", "capacity_mw", "existing_mw", "MW")
        top, fixed, min_load = self.capacity_max_mw, self.capacity_mw, self.min_load_mw
        if fixed is not None and 0 < fixed < min_load:
            raise FieldError(
                "min_load_mw",
                f"expected at most the fixed capacity_mw {fixed:g} MW, else the unit can never run "
                f"(found {min_load:g})",
            )
        if fixed is None and top is not None and 0 < top < min_load:
            raise FieldError(
                "min_load_mw",
                f"expected at most capacity_max_mw {top:g} MW, else the unit can never run "
                f"(found {min_load:g})",
            )
        return self
