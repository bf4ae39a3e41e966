"""How the solve time grows: the reference with its heat pumps copied (4, 8, 16 heat pumps), the
reference on more hours, minimum loads that bind hard, and the utility portfolio.

A copy k of a heat pump differs as a second candidate of the same kind would: its fixed cost
×(1 + 0.1·k), its cost per MW ×(1 − 0.03·k), its design COP ×(1 − 0.02·k); each copy has its own
build decision and the reference's 1 MW minimum load (so 16 heat pumps are 16 build decisions).
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "scenarios" / "nordhavn.yaml"
PORTFOLIO = ROOT / "scenarios" / "utility-portfolio.yaml"
PHYSICS = ROOT / "scenarios" / "nordhavn-physics.yaml"
WEATHER_YEARS = ROOT / "scenarios" / "nordhavn-weather-years.yaml"
# The portfolio with the physics options on, as in scenarios/nordhavn-physics.yaml (docs/physics.md).
PORTFOLIO_PHYSICS = {
    "district_heating.supply_temperature_c": {
        "outdoor_temperature_c": {
            "file": "../data/nordhavn_reference_2018.csv",
            "column": "air_temperature_c",
        },
        "points": [
            {"outdoor_temperature_c": -12, "temperature_c": 85},
            {"outdoor_temperature_c": 15, "temperature_c": 75},
        ],
    },
    "units.air.capacity_by_source_temperature": [
        {"source_temperature_c": 7, "share": 1.0},
        {"source_temperature_c": -10, "share": 0.65},
    ],
    "units.tank.follows_network": True,
    "units.sewage.starts": {"cost_eur": 500, "min_up_hours": 3, "min_down_hours": 3},
}


def _map_files(node: Any, new_name: Callable[[str], str]) -> Any:
    """The scenario with every `file:` replaced by new_name(file) (it is written to another folder)."""
    if isinstance(node, dict):
        out = {k: _map_files(v, new_name) for k, v in node.items()}
        if isinstance(out.get("file"), str):
            out["file"] = new_name(out["file"])
        return out
    if isinstance(node, list):
        return [_map_files(v, new_name) for v in node]
    return node


def _with_absolute_files(scenario: Path) -> dict[str, Any]:
    """The scenario's data with every `file:` made absolute (it is written to another folder)."""
    return _map_files(yaml.safe_load(scenario.read_text()), lambda f: str((scenario.parent / f).resolve()))


def copied_heat_pumps(copies: int, folder: Path) -> Path:
    """The reference with each heat pump there `copies` times in all; returns the scenario's path."""
    data = _with_absolute_files(REFERENCE)
    units = data["units"]
    pumps = [name for name, u in units.items() if u.get("type") == "heat_pump"]
    for name in pumps:
        for k in range(1, copies):
            unit = copy.deepcopy(units[name])
            unit.pop("auxiliary", None)  # modelled for fixed capacities only: a warning each
            inv = unit["investment"]
            inv["fixed_eur"] = inv.get("fixed_eur", 0.0) * (1 + 0.1 * k)
            inv["per_mw_eur"] = inv.get("per_mw_eur", 0.0) * (1 - 0.03 * k)
            if "design_cop" in unit["cop"]:
                unit["cop"]["design_cop"] = unit["cop"]["design_cop"] * (1 - 0.02 * k)
            units[f"{name}_{k + 1}"] = unit
    path = folder / f"nordhavn-{copies}x.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


JULY_FIRST_HOUR = 181 * 24  # 1 July of the reference year


def summer_fortnight(folder: Path) -> Path:
    """The reference on the 336 hours from 1 July (its data files cut to them)."""
    import pandas as pd

    data = yaml.safe_load(REFERENCE.read_text())
    cut: dict[str, str] = {}

    def sliced(name: str) -> str:
        if name not in cut:
            frame = pd.read_csv(REFERENCE.parent / name)
            target = folder / f"fortnight-{len(cut)}.csv"
            frame.iloc[JULY_FIRST_HOUR : JULY_FIRST_HOUR + 336].to_csv(target, index=False)
            cut[name] = str(target)
        return cut[name]

    data = _map_files(data, sliced)
    data["hours"] = 336
    path = folder / "nordhavn-july-fortnight.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def first_weather_years(count: int, folder: Path) -> Path:
    """The weather-year scenario (Flensburg 2014–2016) with its list cut to the first `count` years."""
    data = _with_absolute_files(WEATHER_YEARS)
    if not 1 <= count <= len(data["weather_years"]):
        raise ValueError(f"{WEATHER_YEARS.name} has {len(data['weather_years'])} weather years, not {count}")
    data["weather_years"] = data["weather_years"][:count]
    for unit in data["units"].values():
        unit.pop("auxiliary", None)  # modelled for fixed capacities only: a warning each
    path = folder / f"nordhavn-{count}-weather-years.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def scenario_for(case) -> tuple[Path, tempfile.TemporaryDirectory | None]:
    """The scenario file a case runs (a temporary one for copies; keep the folder while it runs)."""
    if case.scenario == "july-fortnight":
        tmp = tempfile.TemporaryDirectory()
        return summer_fortnight(Path(tmp.name)), tmp
    if case.scenario == "weather-years":
        tmp = tempfile.TemporaryDirectory()
        return first_weather_years(case.weather_years, Path(tmp.name)), tmp
    if case.copies > 1:
        tmp = tempfile.TemporaryDirectory()
        return copied_heat_pumps(case.copies, Path(tmp.name)), tmp
    return {"portfolio": PORTFOLIO, "physics": PHYSICS}.get(case.scenario, REFERENCE), None


def growth(rows) -> dict[str, float]:
    """Time ratios of the scaling cases in one run: twice the units, twice the hours, more years."""
    by_name = {m.case: m for m in rows if m.total_s > 0}
    pairs = {
        "units_8_over_4": ("dhopt-8760h", "units-8hp-8760h"),  # the reference has 4 heat pumps
        "units_16_over_8": ("units-8hp-8760h", "units-16hp-8760h"),
        "hours_4380_over_2190": ("dhopt-2190h", "dhopt-4380h"),
        "hours_8760_over_4380": ("dhopt-4380h", "dhopt-8760h"),
        "smoke_units_8_over_4": ("dhopt-168h", "units-8hp-168h"),
        "smoke_hours_168_over_84": ("dhopt-84h", "dhopt-168h"),
        # Weather years: the hours double (1 → 2 years) and triple (1 → 3), one investment.
        "years_2_over_1": ("years-1-8760h", "years-2-8760h"),
        "years_3_over_1": ("years-1-8760h", "years-3-8760h"),
        "smoke_years_2_over_1": ("years-1-168h", "years-2-168h"),
    }
    out = {}
    for key, (small, large) in pairs.items():
        if small in by_name and large in by_name:
            out[key] = round(by_name[large].total_s / by_name[small].total_s, 2)
    return out
