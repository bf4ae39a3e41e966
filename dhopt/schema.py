"""Building blocks of the scenario schema shared by the scenario and the unit types.

Every field carries its unit in the description; `docs/scenario.md` and `dhopt schema` are generated
from these classes, so the description is the documentation.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class StrictModel(BaseModel):
    """Base of every schema class: unknown keys are errors, values are checked on assignment too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)


NonNegative = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]
Fraction = Annotated[float, Field(ge=0, lt=1)]


class SeriesFromFile(StrictModel):
    """An hourly series read from one column of a CSV file: value = scale · column + offset."""

    file: str = Field(description="CSV file, relative to the scenario file (or absolute).")
    column: str = Field(description="Column name in the CSV file's header row.")
    scale: float = Field(1.0, description="Factor applied to every value (e.g. a unit conversion).")
    offset: float = Field(0.0, description="Added to every value after scaling.")


# A series is a constant (the same value every hour) or a column of a CSV file.
Series = float | SeriesFromFile


class Investment(StrictModel):
    """Investment cost `fixed + per_mw · capacity`, annualised with the capital recovery factor."""

    fixed_eur: NonNegative = Field(
        0.0, description="Capacity-independent part, € (paid only if the unit is built)."
    )
    per_mw_eur: NonNegative = Field(0.0, description="Specific part, € per MW of heat capacity.")
    lifetime_years: Annotated[int, Field(gt=0)] = Field(
        description="Economic lifetime for the annuity, years."
    )


class OperationAndMaintenance(StrictModel):
    """Operation and maintenance costs."""

    fixed_eur_per_mw_year: NonNegative = Field(0.0, description="Fixed O&M, € per MW of capacity and year.")
    variable_eur_per_mwh: NonNegative = Field(
        0.0, description="Variable O&M, € per MWh of heat produced (at the plant)."
    )


class Pipe(StrictModel):
    """A district-heating transmission pipe from the unit to the network (Nordhavn deliverable, Table 6).

    Investment per metre = cost_fixed_eur_per_m + cost_eur_per_m_per_m3h · V̇, with the design flow
    V̇ [m³/h] = capacity / (1.163e-3 MWh/(m³·K) · ΔT), ΔT = the smallest hourly supply − return
    difference (the largest flow). The flow unit (m³/h) is our reading of the deliverable.
    """

    length_m: NonNegative = Field(description="Pipe length, m.")
    cost_fixed_eur_per_m: NonNegative = Field(505.0, description="Fixed cost, € per m.")
    cost_eur_per_m_per_m3h: NonNegative = Field(
        3.1, description="Flow-dependent cost, € per m and per m³/h of design flow."
    )
    lifetime_years: Annotated[int, Field(gt=0)] = Field(30, description="Pipe lifetime, years.")
    heat_loss_fraction: Fraction = Field(
        0.0, description="Share of the unit's heat lost in the pipe, 0–1 (sewage: 0.05 over 2 km)."
    )
