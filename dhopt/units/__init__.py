"""Unit types. Each module holds one type's schema, its input preparation and its model builder.

To add a unit type: write a module with a pydantic class (with a `type: Literal["name"]` field) and
a `prepare(name, config, ctx)` function, and add one line to REGISTRY below. Everything else is
derived from REGISTRY: the `Unit` union of the scenario schema and its discriminator tags (which
error messages leave out of a field's path), the sections of docs/scenario.md and the list of
types there, and the preparation step; tests/test_unit_registry.py walks it.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, Field

from dhopt.units import (
    chp,
    electric_boiler,
    excess_heat,
    fuel_boiler,
    heat_import,
    heat_pump,
    pit_storage,
    solar_thermal,
    storage,
)


@dataclass(frozen=True)
class UnitType:
    """One registered unit type: its schema and the function that prepares its model inputs."""

    schema: type[BaseModel]
    prepare: Callable[..., Any]
    stores: bool = False  # a storage (prepare gives StorageInputs): no heat of its own

    @property
    def name(self) -> str:
        """The `type:` value a scenario gives (the schema's own Literal)."""
        (tag,) = typing.get_args(self.schema.model_fields["type"].annotation)
        return str(tag)


REGISTRY: tuple[UnitType, ...] = (
    UnitType(heat_pump.HeatPump, heat_pump.prepare),
    UnitType(electric_boiler.ElectricBoiler, electric_boiler.prepare),
    UnitType(storage.Storage, storage.prepare, stores=True),
    UnitType(excess_heat.ExcessHeat, excess_heat.prepare),
    UnitType(heat_import.HeatImport, heat_import.prepare),
    UnitType(fuel_boiler.FuelBoiler, fuel_boiler.prepare),
    UnitType(chp.Chp, chp.prepare),
    UnitType(solar_thermal.SolarThermal, solar_thermal.prepare),
    UnitType(pit_storage.PitStorage, pit_storage.prepare, stores=True),
)

# The storage types' names (a producer is every other type).
STORAGE_TYPES: frozenset[str] = frozenset(t.name for t in REGISTRY if t.stores)

# type name -> (schema class, prepare function)
UNIT_TYPES: dict[str, tuple[type[BaseModel], Callable[..., Any]]] = {
    t.name: (t.schema, t.prepare) for t in REGISTRY
}

# The scenario's `units` entries: one of the registered schemas, told apart by `type`.
Unit = Annotated[typing.Union[tuple(t.schema for t in REGISTRY)], Field(discriminator="type")]  # noqa: UP007
