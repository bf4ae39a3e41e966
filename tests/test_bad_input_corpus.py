"""Bad-input corpus: every field of the scenario schema, tried with NaN, infinity, a wrong type, a boolean,
a negative and a huge value.

The fields are found by walking the pydantic models from `Scenario` (and the unit registry
`dhopt.units.UNIT_TYPES`) over a valid scenario that has every kind of unit and every optional part; a
test checks that the walk reaches every field of every model, so a new field is tried as soon as it
exists. A value the field's type refuses must make `dhopt validate` exit 2 with one line on stderr that
starts with `error:` and names the field's dotted path; a value it allows (a negative price) must pass
the schema.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main
import typer.testing
import yaml
from pydantic import BaseModel, ValidationError
from schema_walk import NAN, Leaf, every_field, leaves, trials, with_value
from typer.testing import CliRunner

from dhopt.cli import app
from dhopt.errors import ScenarioError
from dhopt.network_comparison import NetworkComparisonScenario
from dhopt.scenario import Scenario, validate_as
from dhopt.schema import FieldError
from dhopt.units import UNIT_TYPES

HOURS = 24
CSV_NAME = "series.csv"

INVESTMENT = {"fixed_eur": 10_000.0, "per_mw_eur": 500_000.0, "lifetime_years": 25}
OM = {"fixed_eur_per_mw_year": 2000.0, "variable_eur_per_mwh": 2.0}
PIPE = {
    "length_m": 500.0,
    "cost_fixed_eur_per_m": 505.0,
    "cost_eur_per_m_per_m3h": 3.1,
    "lifetime_years": 30,
    "heat_loss_fraction": 0.01,
}
TAX = {
    "heat_price_eur_per_mwh": 60.0,
    "rate": 0.25,
    "cap_eur_per_gj": 7.4,
    "cop_threshold": 3.0,
    "rule": "hourly",
}
LINEAR = {
    "model": "linear",
    "design_cop": 3.5,
    "source_design_temperature_c": 10.0,
    "sink_design_temperature_c": 65.0,
    "a": 0.05,
    "b": 0.03,
}

# A valid scenario with one unit of each type (heat pumps with each COP model and auxiliary kind) and
# every optional part set, so that the walk below meets every field of the schema.
BASE: dict[str, Any] = {
    "name": "corpus",
    "description": "every field once",
    "hours": HOURS,
    "demand": {
        "heat_mw": {"file": CSV_NAME, "column": "demand", "scale": 1.0, "offset": 0.0},
        "scale_to_peak_mw": 6.0,
        "cooling_mw": 0.2,
    },
    "electricity": {
        "spot_price_eur_per_mwh": 50.0,
        "adders_eur_per_mwh": {"tax": 20.0},
        "co2_t_per_mwh": 0.1,
        "onsite_pv_mw": 0.3,
        "pv_export_price_eur_per_mwh": 10.0,
    },
    "fuels": {
        "natural_gas": {
            "price_eur_per_mwh": 30.0,
            "adders_eur_per_mwh": {"energy_tax": 10.0},
            "co2_t_per_mwh": 0.2,
            "annual_limit_mwh": 1e6,
        }
    },
    "district_heating": {
        "supply_temperature_c": 65.0,
        "return_temperature_c": {
            "outdoor_temperature_c": 5.0,
            "points": [
                {"outdoor_temperature_c": -12.0, "temperature_c": 45.0},
                {"outdoor_temperature_c": 15.0, "temperature_c": 40.0},
            ],
        },
        "allow_heat_dump": True,
    },
    "economics": {
        "discount_rate": 0.04,
        "lifetime": {
            "study_period_years": 25,
            "inflation_rate": 0.02,
            "loan": {"share": 0.6, "interest_rate": 0.05, "tenor_years": 15},
        },
    },
    "units": {
        "hp": {
            "type": "heat_pump",
            "source": "groundwater",
            "source_temperature_c": 10.0,
            "cop": LINEAR,
            "capacity_min_mw": 0.0,
            "capacity_max_mw": 8.0,
            "availability_mw": 8.0,
            "source_flow": {"flow_m3_per_h": 3000.0, "max_cooling_k": 4.0},
            "direct_use": False,
            "capacity_by_source_temperature": [
                {"source_temperature_c": -10.0, "share": 0.7},
                {"source_temperature_c": 10.0, "share": 1.0},
            ],
            "min_load_mw": 0.5,
            "investment": INVESTMENT,
            "om": OM,
            "pipe": PIPE,
            "excess_heat_tax": TAX,
            "cooling": {"credit_eur_per_mwh": 5.0, "serves_cooling_demand": True},
            "auxiliary": {"kind": "pump", "head_m": 30.0, "source_cooling_k": 5.0, "pump_efficiency": 0.7},
            "starts": {"cost_eur": 300.0, "min_up_hours": 3, "min_down_hours": 2},
        },
        "air": {
            "type": "heat_pump",
            "source": "air",
            "source_temperature_c": 5.0,
            "cop": {"model": "lorenz", "lorenz_efficiency": 0.5, "source_cooling_k": 4.0},
            "capacity_mw": 2.0,
            "investment": INVESTMENT,
            "auxiliary": {"kind": "fan", "share_of_source_capacity": 0.02},
        },
        "given": {
            "type": "heat_pump",
            "source": "sewage",
            "cop": {"model": "series", "cop": 3.0},
            "investment": INVESTMENT,
        },
        "eb": {
            "type": "electric_boiler",
            "efficiency": 0.99,
            "capacity_min_mw": 0.0,
            "capacity_max_mw": 10.0,
            "min_load_mw": 0.5,
            "investment": {"per_mw_eur": 110_000.0, "lifetime_years": 15},
            "om": OM,
            "starts": {"cost_eur": 20.0},
        },
        "tank": {
            "type": "storage",
            "loss_per_hour": 0.0001,
            "temperature_difference_k": 25.0,
            "capacity_min_mwh": 0.0,
            "capacity_max_mwh": 50.0,
            "power_max_mw": 5.0,
            "follows_network": True,
            "investment": {"fixed_eur": 200_000.0, "per_m3_eur": 87.0, "lifetime_years": 20},
        },
        "tall_tank": {  # loss from its geometry, power tied to its capacity
            "type": "storage",
            "capacity_max_mwh": 30.0,
            "power_per_mwh": 0.2,
            "geometry": {
                "height_to_diameter": 2.0,
                "u_wall_w_per_m2k": 0.3,
                "u_lid_w_per_m2k": 0.2,
                "u_bottom_w_per_m2k": 0.5,
                "air_temperature_c": 8.0,
                "ground_temperature_c": 10.0,
                "mean_temperature_c": 55.0,
                "design_volume_m3": 1000.0,
            },
            "investment": {"per_m3_eur": 150.0, "lifetime_years": 20},
        },
        "squat_tank": {  # loss from its height, power sized on its own
            "type": "storage",
            "capacity_max_mwh": 20.0,
            "power_capacity": {"per_mw_eur": 50_000.0, "capacity_max_mw": 4.0},
            "geometry": {
                "height_m": 8.0,
                "u_wall_w_per_m2k": 0.3,
                "u_lid_w_per_m2k": 0.2,
                "u_bottom_w_per_m2k": 0.5,
                "air_temperature_c": 8.0,
            },
            "investment": {"per_m3_eur": 150.0, "lifetime_years": 20},
        },
        "pit": {
            "type": "pit_storage",
            "top_temperature_c": 80.0,
            "bottom_temperature_c": 40.0,
            "depth_m": 12.0,
            "side_slope": 2.0,
            "u_lid_w_per_m2k": 0.3,
            "u_wall_w_per_m2k": 0.4,
            "u_bottom_w_per_m2k": 0.4,
            "air_temperature_c": 8.0,
            "ground_temperature_c": 10.0,
            "design_volume_m3": 60_000.0,
            "volume_min_m3": 0.0,
            "volume_max_m3": 80_000.0,
            "volume_m3": 60_000.0,
            "existing_volume_m3": 20_000.0,
            "retired": False,
            "power_max_mw": 5.0,
            "booster": "eb",
            "investment": {
                "curve": [
                    {"volume_m3": 10_000.0, "investment_eur": 670_000.0},
                    {"volume_m3": 60_000.0, "investment_eur": 2_280_000.0},
                    {"volume_m3": 200_000.0, "investment_eur": 4_800_000.0},
                ],
                "lifetime_years": 25,
            },
        },
        "market": {
            "type": "excess_heat",
            "source": "supermarket",
            "available_heat_mw": 0.3,
            "booster": {"source_temperature_c": 35.0, "cop": LINEAR},
            "heat_price_eur_per_mwh": 5.0,
            "capacity_max_mw": 1.0,
            "investment": INVESTMENT,
            "om": OM,
            "pipe": PIPE,
            "excess_heat_tax": TAX,
        },
        "gas": {
            "type": "fuel_boiler",
            "fuel": "natural_gas",
            "efficiency": 0.97,
            "efficiency_by_return_temperature": [
                {"return_temperature_c": 30.0, "efficiency": 1.05},
                {"return_temperature_c": 50.0, "efficiency": 0.97},
            ],
            "existing_mw": 2.0,
            "capacity_max_mw": 6.0,
            "min_load_mw": 1.0,
            "investment": INVESTMENT,
            "om": OM,
            "starts": {"cost_eur": 100.0, "min_up_hours": 2},
        },
        "engine": {
            "type": "chp",
            "fuel": "natural_gas",
            "total_efficiency": 0.92,
            "power_to_heat_ratio": 0.9,
            "sale_adders_eur_per_mwh": {"premium": 5.0},
            "extraction": {"cv": 0.15},
            "capacity_mw": 1.0,
            "retired": False,
            "min_load_mw": 0.5,
            "investment": INVESTMENT,
            "om": OM,
            "starts": {"cost_eur": 500.0, "min_up_hours": 4, "min_down_hours": 4},
        },
        "import": {
            "type": "heat_import",
            "source": "main network",
            "price_eur_per_mwh": 80.0,
            "capacity_max_mw": 3.0,
            "investment": INVESTMENT,
            "om": OM,
        },
        "sun": {
            "type": "solar_thermal",
            "collector": {"eta0": 0.8, "a1_w_per_m2_k": 2.5, "a2_w_per_m2_k2": 0.01},
            "irradiance": {"kind": "plane_of_array", "irradiance_w_per_m2": 400.0},
            "ambient_temperature_c": 10.0,
            "mean_fluid_temperature_c": 50.0,
            "area_min_m2": 0.0,
            "area_max_m2": 5000.0,
            "existing_area_m2": 1000.0,
            "retired": False,
            "investment": {"fixed_eur": 10_000.0, "per_m2_eur": 250.0, "lifetime_years": 25},
            "om": {"fixed_eur_per_m2_year": 0.5, "variable_eur_per_mwh": 1.0},
        },
        "sun_ghi": {
            "type": "solar_thermal",
            "collector": {"eta0": 0.8, "a1_w_per_m2_k": 2.5, "a2_w_per_m2_k2": 0.01},
            "irradiance": {
                "kind": "global_horizontal",
                "global_horizontal_w_per_m2": {"file": CSV_NAME, "column": "ghi"},
                "latitude_deg": 55.68,
                "longitude_deg": 12.57,
                "tilt_deg": 35.0,
                "azimuth_deg": 180.0,
                "albedo": 0.2,
                "transposition": "haydavies",
            },
            "ambient_temperature_c": 10.0,
            "area_m2": 2000.0,
            "investment": {"per_m2_eur": 250.0, "lifetime_years": 25},
        },
    },
    "extra_investments": {"network": {"investment_eur": 1e6, "lifetime_years": 40, "include": True}},
    "weather_years": [
        {"name": "2014", "weight": 1.0, "set": {"electricity.spot_price_eur_per_mwh": 40.0}},
        {"name": "2015", "weight": 2.0, "set": {}},
    ],
}
BASE = json.loads(json.dumps(BASE))  # no part shared between units: a change to one stays in it
DEMAND = [4.0 + 2.0 * math.sin(h / 4) for h in range(HOURS)]
GHI = [max(0.0, 800.0 * math.sin(math.pi * (h - 3) / 17)) for h in range(HOURS)]  # W/m², a June day


SCENARIO_LEAVES, SCENARIO_SEEN = leaves(Scenario, BASE)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
runner = CliRunner()


@pytest.fixture(scope="module", autouse=True)
def _command_built_once():
    """typer builds the click command on every invoke (15 ms); the corpus invokes it some 2000 times."""
    command = typer.main.get_command(app)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(typer.testing, "_get_command", lambda _app: command)
        yield


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    # time stamps for the solar field on global horizontal irradiance (the sun's position)
    rows = "".join(f"2018-06-21T{h:02d}:00:00Z,{v:.4f},{GHI[h]:.1f}\n" for h, v in enumerate(DEMAND))
    (tmp_path / CSV_NAME).write_text("time_utc,demand,ghi\n" + rows)
    return tmp_path


def _write(folder: Path, data: dict[str, Any], name: str = "scenario.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.dump(data, Dumper=DUMPER, sort_keys=False))
    return path


def _problems_with_invalid(command: list[str], path: Path, leaf: Leaf, label: str) -> list[str]:
    result = runner.invoke(app, [*command, str(path)])
    lines = result.stderr.strip().splitlines()
    problems = []
    if result.exit_code != 2:
        problems.append(f"exit code {result.exit_code}")
    if "Traceback" in result.output or not (
        result.exception is None or isinstance(result.exception, SystemExit)
    ):
        problems.append(f"traceback ({result.exception!r})")
    if len(lines) != 1 or not lines[0].startswith("error:"):
        problems.append(f"expected one line 'error: …' on stderr, found {result.stderr!r}")
    elif not re.search(re.escape(leaf.dotted) + r"[.:]", lines[0]):
        problems.append(f"field not named: {lines[0]!r}")
    return [f"{leaf.dotted} = {label}: {p}" for p in problems]


def _problems_with_valid(root: type[BaseModel], path: Path, data: dict[str, Any], leaf: Leaf, label: str):
    """The field's own type takes the value; a check across fields may still refuse it (one line)."""
    try:
        root.model_validate(data)
    except ValidationError as exc:
        own = [e for e in exc.errors() if not isinstance((e.get("ctx") or {}).get("error"), FieldError)]
        if own:
            return [f"{leaf.dotted} = {label}: refused, but its type allows it: {own[0]['msg']}"]
        try:
            validate_as(root, path, data)
        except ScenarioError as err:
            assert "\n" not in str(err)
    return []


def test_base_scenario_is_valid(folder):
    result = runner.invoke(app, ["validate", str(_write(folder, BASE))])
    assert result.exit_code == 0, result.output


def test_the_walk_reaches_every_field_of_the_schema():
    every = every_field(Scenario)
    assert {cls.__name__ for cls, _ in UNIT_TYPES.values()} <= {model for model, _ in every}
    missing = sorted(every - SCENARIO_SEEN)
    assert not missing, f"extend BASE with these fields so the corpus tries them: {missing}"


FAST = {
    "demand.heat_mw",
    "demand.heat_mw.scale",
    "electricity.spot_price_eur_per_mwh",
    "electricity.adders_eur_per_mwh.tax",
    "district_heating.allow_heat_dump",
    "units.hp.cop.design_cop",
    "units.hp.type",
    "units.tank.loss_per_hour",
    "units.market.booster.source_temperature_c",
    "units.import.investment.lifetime_years",
    "hours",
    "name",
}


def _marks(leaf: Leaf):
    return () if leaf.dotted in FAST else (pytest.mark.slow,)


@pytest.mark.parametrize(
    "leaf", [pytest.param(leaf, id=leaf.dotted, marks=_marks(leaf)) for leaf in SCENARIO_LEAVES]
)
def test_scenario_field(folder, leaf):
    problems = []
    for label, value, valid in trials(leaf):
        data = with_value(BASE, leaf.path, value)
        path = _write(folder, data)
        if valid:
            problems += _problems_with_valid(Scenario, path, data, leaf, label)
        else:
            problems += _problems_with_invalid(["validate"], path, leaf, label)
    assert not problems, "\n".join(problems)


def test_console_script_on_a_bad_number(folder):
    """Once through the installed console script, in a process of its own."""
    path = _write(folder, with_value(BASE, ("units", "hp", "cop", "design_cop"), NAN))
    script = Path(sys.executable).with_name("dhopt")
    proc = subprocess.run([str(script), "validate", str(path)], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), proc.stderr
    assert "units.hp.cop.design_cop: expected a finite number (found nan)" in lines[0]


# ---------------------------------------------------------------------------------------------
# network-compare: the same for its scenario, on the shipped file (validation only, no computation).

NETWORK_FILE = Path(__file__).resolve().parents[1] / "scenarios" / "network-comparison.yaml"


def _absolute_files(node: Any, base: Path) -> Any:
    if isinstance(node, dict):
        return {
            k: str((base / v).resolve()) if k == "file" else _absolute_files(v, base) for k, v in node.items()
        }
    if isinstance(node, list):
        return [_absolute_files(v, base) for v in node]
    return node


NETWORK_BASE = _absolute_files(yaml.safe_load(NETWORK_FILE.read_text()), NETWORK_FILE.parent)
NETWORK_LEAVES, NETWORK_SEEN = leaves(NetworkComparisonScenario, NETWORK_BASE)
# Its many temperature sets, sources and figures repeat the same models: each field once is enough.
NETWORK_LEAVES = list(
    {(leaf.owner or leaf.dotted, leaf.path[-1]): leaf for leaf in reversed(NETWORK_LEAVES)}.values()
)[::-1]


def test_network_walk_reaches_every_field():
    missing = sorted(every_field(NetworkComparisonScenario) - NETWORK_SEEN)
    assert not missing, f"the shipped network-comparison scenario lacks these fields: {missing}"


@pytest.mark.slow
@pytest.mark.parametrize("leaf", [pytest.param(leaf, id=leaf.dotted) for leaf in NETWORK_LEAVES])
def test_network_field(tmp_path, leaf):
    problems = []
    for label, value, valid in trials(leaf):
        data = with_value(NETWORK_BASE, leaf.path, value)
        path = _write(tmp_path, data, "network.yaml")
        if valid:
            problems += _problems_with_valid(NetworkComparisonScenario, path, data, leaf, label)
        else:
            problems += _problems_with_invalid(
                ["network-compare", "--out", str(tmp_path / "out")], path, leaf, label
            )
    assert not problems, "\n".join(problems)
