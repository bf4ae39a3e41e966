"""The benchmark cases of each profile (`python -m benchmarks --profile …`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from benchmarks.scaling import PORTFOLIO_PHYSICS


@dataclass
class Case:
    name: str
    hours: int
    kind: str  # dhopt | plain | fixed | typical | sweep
    time_limit: float | None = None
    capacities: dict[str, float] | None = None  # fixed: the capacities to hold (else the stored ones)
    typical_days: int | None = None  # typical: the number of typical days
    sweep_step: str | None = None  # sweep: the proportion step on the sewage–seawater–air face
    copies: int = 1  # each heat pump of the reference this many times (benchmarks.scaling)
    scenario: str = "reference"  # or "portfolio"
    overrides: dict[str, Any] | None = None  # scenario fields set as with --set
    weather_years: int = 0  # scenario "weather-years": its first this many years (hours: of each)


# Minimum loads that bind hard (the storage forbidden: demand falls below every heat pump's 1 MW
# minimum load in summer; or 4 MW minimum loads on every heat pump).
NO_STORAGE = {"units.storage.capacity_max_mwh": 0}
MIN_LOAD_4 = {f"units.{u}.min_load_mw": 4 for u in ("groundwater", "sewage", "seawater", "air")}
# The hardest case: a summer fortnight, 4 MW minimum loads, groundwater required (≥ 4 MW).
FORTNIGHT = {**MIN_LOAD_4, "units.groundwater.capacity_min_mw": 4}


def weather_year_cases(hours: int, counts: tuple[int, ...] = (1, 2, 3)) -> list[Case]:
    """The reference sized on 1, 2 and 3 Flensburg weather years (`hours` of each year)."""
    return [
        Case(
            f"years-{n}-{hours}h", hours, "scaled", scenario="weather-years", weather_years=n, time_limit=900
        )
        for n in counts
    ]


def scaling_cases(hours: int) -> list[Case]:
    """Twice and four times the heat pumps, twice the hours, hard minimum loads, the portfolio,
    one to three weather years."""
    out = [Case(f"units-{4 * c}hp-{hours}h", hours, "scaled", copies=c) for c in (2, 4)]
    if hours == 8760:
        out.append(Case("dhopt-4380h", 4380, "dhopt"))  # dhopt-2190h is in every full-year profile
        out.append(Case("no-storage-8760h", 8760, "scaled", overrides=NO_STORAGE, time_limit=600))
        out.append(Case("min-load-4mw-8760h", 8760, "scaled", overrides=MIN_LOAD_4, time_limit=600))
        out.append(Case("portfolio-8760h", 8760, "scaled", scenario="portfolio", time_limit=600))
        out.append(
            Case(
                "july-fortnight-min-load-4mw",
                336,
                "scaled",
                scenario="july-fortnight",
                overrides=FORTNIGHT,
                time_limit=300,
            )
        )
        out += weather_year_cases(hours)
    else:
        out.append(Case("dhopt-84h", 84, "dhopt"))
    return out


def physics_cases() -> list[Case]:
    """The reference and the portfolio with the physics options on (docs/physics.md)."""
    return [
        Case("physics-8760h", 8760, "scaled", scenario="physics", time_limit=600),
        Case(
            "portfolio-physics-8760h",
            8760,
            "scaled",
            scenario="portfolio",
            overrides=PORTFOLIO_PHYSICS,
            time_limit=900,
        ),
    ]


def cases_for(profile: str, plain_limit: float) -> list[Case]:
    if profile == "physics":
        return physics_cases()
    if profile == "scale":
        return [Case("dhopt-2190h", 2190, "dhopt"), Case("dhopt-8760h", 8760, "dhopt"), *scaling_cases(8760)]
    if profile == "smoke":
        return [
            *scaling_cases(168)[:1],
            *weather_year_cases(168, (1, 2)),
            Case("dhopt-84h", 84, "dhopt"),
            Case("dhopt-168h", 168, "dhopt"),
            Case("fixed-168h", 168, "fixed"),
            Case("typical-2d-168h", 168, "typical", typical_days=2),
            Case("sweep-168h", 168, "sweep", sweep_step="1/2"),
            Case("plain-168h", 168, "plain", time_limit=plain_limit),
        ]
    out = [Case(f"dhopt-{h}h", h, "dhopt") for h in (168, 720, 2190, 8760)]
    out.append(Case("fixed-8760h", 8760, "fixed"))
    out += [Case(f"typical-{d}d-8760h", 8760, "typical", typical_days=d) for d in (12, 24, 48)]
    out.append(Case("sweep-8760h", 8760, "sweep", sweep_step="1/3"))
    out += scaling_cases(8760)
    out += [Case(f"plain-{h}h", h, "plain", time_limit=plain_limit) for h in (168, 720, 2190, 8760)]
    return out
