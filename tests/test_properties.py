"""Random small scenarios either solve, keeping every constraint, or are refused with a DhoptError."""

from __future__ import annotations

import numpy as np
from conftest import base_scenario, boiler, heat_pump
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dhopt.errors import DhoptError
from dhopt.run import run_scenario

HOURS = 12


@st.composite
def scenarios(draw):
    demand = draw(st.lists(st.floats(0.0, 20.0), min_size=HOURS, max_size=HOURS))
    price = draw(st.lists(st.floats(-20.0, 200.0), min_size=HOURS, max_size=HOURS))
    units = {}
    for i in range(draw(st.integers(1, 3))):
        units[f"hp{i}"] = heat_pump(
            cop={"model": "series", "cop": draw(st.floats(1.5, 6.0))},
            min_load_mw=draw(st.sampled_from([0.0, 1.0, 3.0])),
            capacity_max_mw=draw(st.one_of(st.none(), st.floats(0.0, 25.0))),
            investment={
                "fixed_eur": draw(st.floats(0, 2e6)),
                "per_mw_eur": draw(st.floats(0, 1e6)),
                "lifetime_years": 25,
            },
        )
    if draw(st.booleans()):
        units["eb"] = boiler(capacity_max_mw=draw(st.one_of(st.none(), st.floats(0.0, 10.0))))
    if draw(st.booleans()):
        units["tank"] = {
            "type": "storage",
            "capacity_max_mwh": draw(st.one_of(st.none(), st.floats(0.0, 50.0))),
            "investment": {"fixed_eur": draw(st.floats(0, 1e5)), "per_m3_eur": 87.0, "lifetime_years": 20},
        }
    return demand, price, units


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=scenarios())
def test_random_scenarios_solve_or_fail_cleanly(writer, case):
    demand, price, units = case
    data = writer.csv("series.csv", demand=demand, price=price)
    sc = base_scenario(
        HOURS, demand={"file": data, "column": "demand"}, price={"file": data, "column": "price"}
    )
    sc["units"] = units
    try:
        out = run_scenario(writer.yaml(sc))
    except DhoptError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    d = out.results.dispatch
    caps = out.results.capacities.set_index("unit")
    supply = np.zeros(HOURS)
    for name, u in units.items():
        if u["type"] == "storage":
            supply += d[f"{name}_discharge_mw"] - d[f"{name}_charge_mw"]
            assert np.all(d[f"{name}_level_mwh"] <= caps.loc[name, "capacity_mwh"] + 1e-6)
            continue
        q = d[f"{name}_heat_mw"].to_numpy()
        supply += q
        assert np.all(q <= caps.loc[name, "capacity_mw"] + 1e-6)
        low = u.get("min_load_mw", 0.0)
        assert np.all((q <= 1e-6) | (q >= low - 1e-6)), f"{name} below its minimum load"
    assert np.allclose(supply, demand, atol=1e-5)
    assert out.report.feasible and out.report.gap is not None and out.report.gap <= 1e-3 + 1e-9
