"""Helpers: write small scenarios (YAML + CSV) into a temporary folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "scenarios" / "nordhavn.yaml"


def crf(rate: float, years: int) -> float:
    """Capital recovery factor, written out here independently of dhopt.inputs."""
    return rate * (1 + rate) ** years / ((1 + rate) ** years - 1)


def base_scenario(hours: int, demand: Any = 10.0, price: Any = 50.0) -> dict[str, Any]:
    return {
        "name": "test",
        "hours": hours,
        "demand": {"heat_mw": demand},
        "electricity": {"spot_price_eur_per_mwh": price},
        "district_heating": {"supply_temperature_c": 65, "return_temperature_c": 40},
        "economics": {"discount_rate": 0.04},
        "units": {},
    }


def heat_pump(**over: Any) -> dict[str, Any]:
    unit = {
        "type": "heat_pump",
        "source": "groundwater",
        "cop": {"model": "series", "cop": 4.0},
        "investment": {"fixed_eur": 0.0, "per_mw_eur": 500_000.0, "lifetime_years": 25},
        "om": {"fixed_eur_per_mw_year": 2000.0, "variable_eur_per_mwh": 2.0},
    }
    unit.update(over)
    return unit


def boiler(**over: Any) -> dict[str, Any]:
    unit = {
        "type": "electric_boiler",
        "investment": {"per_mw_eur": 110_000.0, "lifetime_years": 15},
        "om": {"fixed_eur_per_mw_year": 1020.0, "variable_eur_per_mwh": 0.5},
    }
    unit.update(over)
    return unit


class ScenarioWriter:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def csv(self, name: str, **columns: list[float]) -> str:
        pd.DataFrame(columns).to_csv(self.folder / name, index=False)
        return name

    def yaml(self, data: dict[str, Any] | str, name: str = "scenario.yaml") -> Path:
        path = self.folder / name
        path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
        return path


@pytest.fixture
def writer(tmp_path: Path) -> ScenarioWriter:
    return ScenarioWriter(tmp_path)
