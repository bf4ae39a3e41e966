"""The marginal heat cost (dual of the heat balance, integers and capacities fixed), by hand."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import base_scenario, boiler, heat_pump

from dhopt import columns as col
from dhopt.run import run_scenario
from dhopt.solve import SolveOptions

EXACT = SolveOptions(mip_gap=1e-9)


def test_the_marginal_heat_cost_is_the_running_cost_of_the_marginal_unit(writer):
    """Heat pump (COP 4, ≤ 10 MW, 2 €/MWh O&M) on 40 €/MWh: 40/4 + 2 = 12 €/MWh; electric boiler fixed
    at 5 MW (η 1, 0.5 €/MWh): 40.5 €/MWh. Demand 8 MW (the heat pump is marginal) and 12 MW (the heat
    pump at its 10 MW limit, the boiler marginal with room to spare)."""
    sc = base_scenario(
        24, demand={"file": writer.csv("d.csv", d=[8.0, 12.0] * 12), "column": "d"}, price=40.0
    )
    sc["units"] = {"hp": heat_pump(capacity_max_mw=10.0, min_load_mw=1.0), "eb": boiler(capacity_mw=5.0)}
    out = run_scenario(writer.yaml(sc), options=EXACT)
    marginal = out.results.dispatch[col.MARGINAL_HEAT_COST].to_numpy()
    assert np.allclose(marginal, [12.0, 40.5] * 12, rtol=1e-9)


def test_a_storage_passes_the_cheap_hours_cost_on(writer):
    """Electricity at 20 and 60 €/MWh in turn; a fixed 20 MW heat pump (COP 4) and a free, lossless
    100 MWh tank: heat made in the cheap hour serves the dear one, so every hour's marginal heat
    costs the cheap hour's 20/4 + 2 = 7 €/MWh."""
    prices = {"file": writer.csv("p.csv", p=[20.0, 60.0] * 12), "column": "p"}
    sc = base_scenario(24, demand=5.0, price=prices)
    sc["units"] = {
        "hp": heat_pump(capacity_mw=20.0),
        "tank": {
            "type": "storage",
            "loss_per_hour": 0.0,
            "capacity_mwh": 100.0,
            "investment": {"lifetime_years": 20},
        },
    }
    out = run_scenario(writer.yaml(sc), options=EXACT)
    assert np.allclose(out.results.dispatch[col.MARGINAL_HEAT_COST], 7.0, rtol=1e-9)


def test_sweeps_and_options_can_leave_it_out(writer):
    sc = base_scenario(24)
    sc["units"] = {"eb": boiler()}
    out = run_scenario(writer.yaml(sc), options=SolveOptions(marginal_cost=False))
    assert col.MARGINAL_HEAT_COST not in out.results.dispatch.columns
    assert out.report.objective == pytest.approx(run_scenario(writer.yaml(sc)).report.objective)


def test_a_capacity_at_its_limit_is_flagged(writer):
    """The heat pump (cheaper) ends at its 10 MW limit; the boiler is free below its 20 MW limit."""
    sc = base_scenario(
        24, demand={"file": writer.csv("d.csv", d=[8.0, 12.0] * 12), "column": "d"}, price=40.0
    )
    sc["units"] = {"hp": heat_pump(capacity_max_mw=10.0), "eb": boiler(capacity_max_mw=20.0)}
    out = run_scenario(writer.yaml(sc), options=EXACT)
    flags = out.results.capacities.set_index("unit")[col.AT_LIMIT]
    assert bool(flags["hp"]) and not bool(flags["eb"])
