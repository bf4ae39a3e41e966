"""Input preparation: demand rescaling, annuities, extra investments, horizon scaling."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import base_scenario, boiler, crf

from dhopt.inputs import capital_recovery_factor, prepare_inputs, rescale_demand
from dhopt.run import run_scenario
from dhopt.scenario import load_scenario


def test_capital_recovery_factor():
    assert capital_recovery_factor(0.04, 25) == pytest.approx(crf(0.04, 25))
    assert capital_recovery_factor(0.04, 25) == pytest.approx(0.064012, abs=1e-6)
    assert capital_recovery_factor(0.0, 20) == pytest.approx(0.05)


def test_rescale_to_peak_and_to_annual_sum():
    profile = np.array([1.0, 2.0, 4.0, 3.0])
    assert rescale_demand(profile, 40.0, None, 4).max() == pytest.approx(40.0)
    annual = rescale_demand(profile, None, 8760.0 * 5, 4)
    assert annual.mean() == pytest.approx(5.0)


def test_rescale_to_both_keeps_peak_and_sum():
    rng = np.random.default_rng(1)
    profile = rng.uniform(0.1, 1.0, 8760)
    out = rescale_demand(profile, 40.0, 100_000.0, 8760)
    assert out.max() == pytest.approx(40.0)
    assert out.sum() == pytest.approx(100_000.0, rel=1e-6)
    assert np.argmax(out) == np.argmax(profile)  # the shape's order is kept


def test_extra_investment_enters_lcoe(writer):
    sc = base_scenario(24, demand=5.0, price=40.0)
    sc["units"]["eb"] = boiler()
    sc["extra_investments"] = {"network": {"investment_eur": 4.53e6, "lifetime_years": 30}}
    with_net = run_scenario(writer.yaml(sc, "a.yaml"))
    sc["extra_investments"]["network"]["include"] = False
    without = run_scenario(writer.yaml(sc, "b.yaml"))
    lcoe = lambda o: float(o.results.kpis.set_index("unit").loc["system", "lcoe_eur_per_mwh"])  # noqa: E731
    assert lcoe(with_net) - lcoe(without) == pytest.approx(4.53e6 * crf(0.04, 30) / (8760 * 5))


def test_short_horizon_scales_operation_not_investment(writer):
    sc = base_scenario(48, demand=5.0, price=40.0)
    sc["units"]["eb"] = boiler()
    inp = prepare_inputs(load_scenario(writer.yaml(sc)), 12)
    assert inp.hours == 12 and inp.year_scale == pytest.approx(730.0)
    out = run_scenario(writer.yaml(sc), hours=12)
    k = out.results.kpis.set_index("unit").loc["system"]
    assert k["heat_mwh"] == pytest.approx(8760 * 5)
    assert k["cost_investment_eur"] == pytest.approx(crf(0.04, 15) * 110_000 * 5)


def test_reference_scenario_inputs():
    """The reference table's stated statistics (data/SOURCES.md §4) come through."""
    from conftest import REFERENCE

    inp = prepare_inputs(load_scenario(REFERENCE))
    assert inp.hours == 8760
    assert inp.demand_mw.max() == pytest.approx(40.0, abs=0.01)
    assert inp.demand_mw.sum() == pytest.approx(100_000, rel=1e-3)
    assert inp.price.mean() == pytest.approx(89.89, abs=0.01)  # seed Table 5 total
    sewage = next(u for u in inp.converters if u.name == "sewage")
    assert sewage.upper_mw.mean() == pytest.approx(45.0, rel=0.01)  # mean flow 3035 m³/h ↔ 45 MW
    gw = next(u for u in inp.converters if u.name == "groundwater")
    assert np.allclose(gw.cop, 3.87)
