"""The shipped example scenarios: each one validates, and the utility portfolio's full-year result
is the one docs/portfolio.md reports (so the docs cannot drift from the code)."""

from __future__ import annotations

import pytest
from conftest import ROOT
from typer.testing import CliRunner

from dhopt.cli import app
from dhopt.run import run_scenario

SOLVE_SCENARIOS = [
    "nordhavn.yaml",
    "supermarket-ltdh.yaml",
    "mall-prosumer.yaml",
    "utility-portfolio.yaml",
    "nordhavn-physics.yaml",
    "nordhavn-weather-years.yaml",
]


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
    # docs/portfolio.md, the example's table (rounded as printed there; the gap is 0.1 %)
    assert k.loc["system", "lcoe_eur_per_mwh"] == pytest.approx(36.46, abs=0.02)
    for unit, limit in (("sewage", 20.0), ("groundwater", 5.0), ("neighbour", 10.0)):
        assert cap[unit] == pytest.approx(limit, abs=1e-6)
    assert cap["supermarkets"] == pytest.approx(0.9 * 4.93 / 3.93, rel=1e-6)  # all the source heat
    # A flat optimum: another one within the gap may size the wood boiler a few tenths apart.
    assert cap["wood_chips"] == pytest.approx(22.7, abs=0.5)
    for unit in ("seawater", "air", "air_north", "data_centre", "electric_boiler", "solar"):
        assert cap[unit] == pytest.approx(0.0, abs=1e-6), unit
    storages = out.results.capacities.set_index("unit")["capacity_mwh"]
    assert storages["pit"] == 0.0 and storages["tank_east"] == 0.0 and storages["tank"] == 300.0
    carriers = out.results.carriers.set_index("carrier")
    assert carriers.loc["wood_chips", "bought_mwh"] == pytest.approx(150_000.0, rel=1e-6)
    assert k.loc["system", "scop"] == pytest.approx(4.42, abs=0.02)
    marginal = out.results.dispatch.set_index("time_utc")["marginal_heat_cost_eur_per_mwh"]
    monthly = marginal.groupby(marginal.index.month).mean()
    # Gas at the margin in January; the heat pumps, link and wood boiler with room in summer.
    assert monthly[1] == pytest.approx(60.8, abs=0.1)
    assert monthly[[5, 6, 7, 8, 9]].between(22.1, 22.5).all()
    # The spring and autumn hours carry the chip contract's shadow price, which this degenerate
    # LP does not fix: two sets of library versions gave a mean of 30.7 and 30.4 (docs/portfolio.md).
    assert 30.2 <= marginal.mean() <= 30.9
