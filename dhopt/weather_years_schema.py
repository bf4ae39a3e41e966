"""The scenario's optional `weather_years:` list (schema only; dhopt.weather_years prepares them)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from dhopt.schema import Positive, StrictModel


class WeatherYear(StrictModel):
    """One weather year: the base scenario with some fields set to this year's series."""

    name: str = Field(
        description="Short name of the year (e.g. '2014'), in the result tables' weather_year column."
    )
    weight: Positive | None = Field(
        None,
        description="Relative weight of the year; the annual cost is the weighted mean of the years' "
        "(weights are normalised to sum to 1). Default: every year the same.",
    )
    set: dict[str, Any] = Field(
        default_factory=dict,
        description="Fields of the scenario to set for this year, by dotted path (as `--set` uses), "
        "e.g. `demand.heat_mw: {file: …, column: …}`, `units.air.source_temperature_c: …`.",
    )


YEAR_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")


def check_weather_years(years: list[WeatherYear]) -> None:
    """ValueError (the scenario validator turns it into a one-line error) for a bad list."""
    from dhopt.schema import FieldError

    if not years:
        raise FieldError("weather_years", "expected at least one year, found an empty list")
    seen: set[str] = set()
    for i, y in enumerate(years):
        if not y.name or not set(y.name) <= YEAR_NAME_CHARS:
            raise FieldError(
                f"weather_years.{i}.name",
                f"expected a name of letters, digits, '_', '-' and '.' (found {y.name!r})",
            )
        if y.name in seen:
            raise FieldError(
                f"weather_years.{i}.name", f"duplicate year name {y.name!r}; expected unique names"
            )
        seen.add(y.name)
        for path in y.set:
            if path == "weather_years" or path.startswith("weather_years.") or path in ("name", "hours"):
                raise FieldError(
                    f"weather_years.{i}.set.{path}",
                    "a year cannot set this field (the years share the scenario's name, horizon and list)",
                )
