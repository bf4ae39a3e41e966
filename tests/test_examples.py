"""The shipped example scenarios: each one validates, and the utility portfolio's full-year result
is the one docs/portfolio.md reports (so the docs cannot drift from the code)."""

from __future__ import annotations

import pytest
from conftest import ROOT
from typer.testing import CliRunner

from dhopt.cli import app
from dhopt.run import run_scenario

SOLVE_SCENARIOS = ["nordhavn.yaml", "supermarket-ltdh.yaml", "mall-prosumer.yaml", "utility-portfolio.yaml"]


@pytest.mark.parametrize("name", SOLVE_SCENARIOS)
def test_every_shipped_scenario_validates(name):
    result = CliRunner().invoke(app, ["validate", str(ROOT / "scenarios" / name)])
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_the_utility_portfolio_gives_the_documented_full_year_result():
    out = run_scenario(ROOT / "scenarios" / "utility-portfolio.yaml")
    assert out.report.status == "optimal"
    k = out.results.kpis.set_index("unit")
    cap = out.results.capacities.set_index("unit")["capacity_mw"]
    # docs/portfolio.md, the example's table (rounded as printed there; the gap is 0.01 %)
    assert k.loc["system", "lcoe_eur_per_mwh"] == pytest.approx(37.27, abs=0.01)
    assert cap["sewage"] == pytest.approx(20.0, abs=0.01)
    assert cap["wood_chips"] == pytest.approx(23.29, abs=0.05)
    assert cap["air"] == pytest.approx(13.29, abs=0.1)
    assert cap["seawater"] == 0.0 and cap["electric_boiler"] == 0.0 and cap["solar"] == 0.0
    assert out.results.capacities.set_index("unit").loc["pit", "capacity_mwh"] == 0.0
    carriers = out.results.carriers.set_index("carrier")
    assert carriers.loc["wood_chips", "bought_mwh"] == pytest.approx(150_000.0, rel=1e-6)
    assert k.loc["system", "scop"] == pytest.approx(3.32, abs=0.01)
    marginal = out.results.dispatch.set_index("time_utc")["marginal_heat_cost_eur_per_mwh"]
    assert marginal.mean() == pytest.approx(31.7, abs=0.05)
