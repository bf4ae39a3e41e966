"""`python -m benchmarks --cases`: a few cases of a profile, by name."""

from __future__ import annotations

import json

import pytest

from benchmarks.__main__ import main


def test_cases_runs_only_the_named_ones(tmp_path):
    assert main(["--profile", "smoke", "--cases", "dhopt-84h", "--out", str(tmp_path)]) == 0
    record = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert [c["case"] for c in record["cases"]] == ["dhopt-84h"]
    assert record["cases"][0]["status"] == "optimal"


def test_a_case_not_in_the_profile_is_a_one_line_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--profile", "smoke", "--cases", "dhopt-84h,units-99hp", "--out", str(tmp_path)])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "--cases: units-99hp not in profile smoke (" in err and "dhopt-168h" in err
    assert not list(tmp_path.iterdir())


def test_every_storage_type_is_recorded_in_mwh():
    from types import SimpleNamespace

    import pandas as pd

    from benchmarks.runner import _capacities

    table = pd.DataFrame(
        {
            "unit": ["tank", "pit", "boiler"],
            "type": ["storage", "pit_storage", "fuel_boiler"],
            "capacity_mw": [float("nan"), float("nan"), 12.0],
            "capacity_mwh": [300.0, 5000.0, float("nan")],
        }
    )
    assert _capacities(SimpleNamespace(capacities=table)) == {"tank": 300.0, "pit": 5000.0, "boiler": 12.0}
