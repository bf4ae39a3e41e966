"""The scenario reference, generated from the schema: JSON Schema for editors, Markdown for people.

`docs/scenario.md` is `dhopt schema --markdown`; a test keeps the two equal.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from dhopt.scenario import Scenario
from dhopt.schema_tree import models_under
from dhopt.units import REGISTRY

# A schema class used by this many of the scenario's parts (its top level, each unit type) is a
# shared building block: documented once, at the end.
SHARED_BY = 3


def sections() -> list[type[BaseModel]]:
    """The classes docs/scenario.md documents, from the scenario and the unit registry: the top
    level, then each unit type with the classes it uses, then the shared building blocks."""
    parts = [models_under(Scenario, skip=frozenset({"units"}))] + [models_under(t.schema) for t in REGISTRY]
    uses = {m: sum(m in part for part in parts) for part in parts for m in part}
    shared = [m for m in uses if uses[m] >= SHARED_BY]
    out: list[type[BaseModel]] = []
    for part in parts:
        out += [m for m in part if m not in out and m not in shared]
    return out + shared


EXAMPLE = """\
# One heat pump on a 10 °C source and an electric boiler for 10 MW of constant demand.
name: small-example
hours: 24                      # model 24 h; costs are scaled to a year
demand:
  heat_mw: 10                  # a constant, or {file: data.csv, column: demand_mw}
electricity:
  spot_price_eur_per_mwh: {file: prices.csv, column: price}   # path relative to this file
  adders_eur_per_mwh: {electricity_tax: 20.0}
district_heating: {supply_temperature_c: 65, return_temperature_c: 40}
units:
  hp:
    type: heat_pump
    source: groundwater
    source_temperature_c: 10
    cop: {model: linear, design_cop: 3.5, source_design_temperature_c: 10,
          sink_design_temperature_c: 65, a: 0.05, b: 0.03}
    capacity_max_mw: 8
    min_load_mw: 1
    investment: {fixed_eur: 500000, per_mw_eur: 600000, lifetime_years: 25}
    om: {fixed_eur_per_mw_year: 2000, variable_eur_per_mwh: 2.0}
  boiler:
    type: electric_boiler
    investment: {per_mw_eur: 110000, lifetime_years: 15}
  tank:
    type: storage
    investment: {fixed_eur: 205000, per_m3_eur: 87, lifetime_years: 20}
"""


def scenario_json_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "dhopt scenario"
    return schema


def _range(metadata: list[Any]) -> str:
    """A number's allowed range from its constraints, e.g. ' 0 … 1e+05' or ' > 0 … ≤ 1'."""
    bounds: dict[str, float] = {}
    for m in metadata:
        for item in m.metadata if isinstance(m, FieldInfo) else [m]:
            for name in ("ge", "gt", "le", "lt"):
                if hasattr(item, name) and type(item).__name__.lower() == name:
                    bounds[name] = getattr(item, name)
    if not bounds:
        return ""
    low = f"{bounds['ge']:g}" if "ge" in bounds else f"> {bounds['gt']:g}" if "gt" in bounds else ""
    high = f"{bounds['le']:g}" if "le" in bounds else f"< {bounds['lt']:g}" if "lt" in bounds else ""
    return f" {low} … {high}".rstrip()


def _type_name(tp: Any, metadata: list[Any] | None = None) -> str:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        inner, *extra = typing.get_args(tp)
        return _type_name(inner, [*(metadata or []), *extra])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        names = [_type_name(a) for a in args]
        if len(names) == 2 and names[0].startswith("number") and names[1] == "SeriesFromFile":
            return "series" + names[0].removeprefix("number")
        return " or ".join(names)
    if origin is typing.Literal:
        return " / ".join(f"`{a}`" for a in typing.get_args(tp))
    if origin is dict:
        return f"mapping of name → {_type_name(typing.get_args(tp)[1])}"
    if tp is float or tp is int:
        return ("number" if tp is float else "integer") + _range(metadata or [])
    if tp is str:
        return "text"
    if tp is bool:
        return "true/false"
    if inspect.isclass(tp):
        return tp.__name__
    return str(tp)


def _default(field) -> str:
    if field.is_required():
        return "**required**"
    if field.default_factory is not None:
        return "(defaults)"
    if field.default is None or field.default is PydanticUndefined:
        return "none"
    return f"`{field.default}`"


def scenario_markdown() -> str:
    lines = [
        "# Scenario file reference",
        "",
        "Generated from the schema by `dhopt schema --markdown`; do not edit by hand. "
        "`dhopt schema` prints the JSON Schema for editors (e.g. the YAML language server: "
        "`# yaml-language-server: $schema=dhopt-scenario.schema.json`).",
        "",
        "Units: power MW, energy MWh, money €, temperature °C. Unknown keys and keys given twice are "
        "errors. Every number must be finite and within its field's range (the type column; `a … b` "
        "includes both ends); `true`/`false` (or `yes`/`no`) is never a number. A **series** "
        "is a number (the same every hour) or `{file, column, scale, offset}`: a CSV column, "
        "relative to the scenario file. Every file series must have as many rows as the demand "
        "series; a `time_utc` (or `time`) column, if present, must step by exactly one hour. The CSV "
        "format (comma-separated, `.` decimals, UTF-8, a header row) and what an Excel export needs: "
        "[data-files.md](data-files.md).",
        "",
        "Units of the `units` mapping are told apart by `type`: "
        + ", ".join(f"`{t.name}`" for t in REGISTRY)
        + ". A unit's name starts with a letter and holds letters, "
        "digits, `_` and `-`; it begins the unit's columns in the result tables, so the names those "
        "tables use themselves (`system`, `grid`, `demand`, `pv`, `electricity`, …) are refused. "
        "The reference case is `scenarios/nordhavn.yaml`; "
        "`scenarios/supermarket-ltdh.yaml` and `scenarios/mall-prosumer.yaml` show the others.",
        "",
        "## Worked example",
        "",
        "```yaml",
        EXAMPLE.rstrip(),
        "```",
        "",
    ]
    for cls in sections():
        doc = inspect.cleandoc(cls.__doc__ or "")
        lines += [f"## {cls.__name__}", "", re.sub(r"\n(?!\n)", " ", doc), ""]
        lines += ["| field | type | default | meaning |", "| --- | --- | --- | --- |"]
        for name, f in cls.model_fields.items():
            desc = (f.description or "").replace("|", "\\|")
            lines.append(f"| `{name}` | {_type_name(f.annotation, f.metadata)} | {_default(f)} | {desc} |")
        lines.append("")
    return "\n".join(lines)
