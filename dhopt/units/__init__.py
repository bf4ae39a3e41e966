"""Unit types. Each module holds one type's schema, its input preparation and its model builder.

To add a unit type: write a module with a pydantic class (with a `type: Literal[...]` field) and a
`prepare(name, config, ctx)` function, and list it in UNIT_TYPES below.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from dhopt.units import electric_boiler, excess_heat, heat_import, heat_pump, storage

# type name -> (schema class, prepare function)
UNIT_TYPES = {
    "heat_pump": (heat_pump.HeatPump, heat_pump.prepare),
    "electric_boiler": (electric_boiler.ElectricBoiler, electric_boiler.prepare),
    "storage": (storage.Storage, storage.prepare),
    "excess_heat": (excess_heat.ExcessHeat, excess_heat.prepare),
    "heat_import": (heat_import.HeatImport, heat_import.prepare),
}

Unit = Annotated[
    heat_pump.HeatPump
    | electric_boiler.ElectricBoiler
    | storage.Storage
    | excess_heat.ExcessHeat
    | heat_import.HeatImport,
    Field(discriminator="type"),
]
