"""Input preparation: demand rescaling, annuities, extra investments, horizon scaling."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from conftest import base_scenario, boiler, crf, heat_pump

from dhopt.errors import ScenarioError
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


def seasonal_demand(writer, hours: int = 8760) -> str:
    """A year that starts in winter: high in January, low in July, with a daily swing."""
    n = np.arange(hours)
    demand = 10 + 8 * np.cos(2 * np.pi * n / 8760) + 2 * np.sin(2 * np.pi * n / 24)
    return writer.csv("seasonal.csv", demand=demand.round(4).tolist())


def test_short_horizon_keeps_the_full_year_scaling(writer):
    """--hours 168 from the cold start: the week keeps its values from the full-year rescaling,
    it is not rescaled to the year's peak and mean by itself."""
    sc = base_scenario(8760, demand={"file": seasonal_demand(writer), "column": "demand"})
    sc["demand"]["scale_to_peak_mw"] = 40.0
    sc["demand"]["scale_to_annual_mwh"] = 100_000.0
    sc["units"]["eb"] = boiler()
    loaded = load_scenario(writer.yaml(sc))
    full = prepare_inputs(loaded).demand_mw
    assert full.max() == pytest.approx(40.0) and full.sum() == pytest.approx(100_000.0, rel=1e-6)
    week = prepare_inputs(loaded, 168).demand_mw
    assert np.allclose(week, full[:168])
    assert week.mean() > 1.5 * full.mean()  # a January week is colder than the average one


def test_constant_profile_cannot_meet_both_peak_and_annual_sum():
    with pytest.raises(ScenarioError, match="cannot be shaped"):
        rescale_demand(np.full(48, 3.0), 40.0, 100_000.0, 48)


def test_zero_demand_rescaling_is_a_clear_error(writer):
    sc = base_scenario(24, demand=0.0)
    sc["demand"]["scale_to_peak_mw"] = 40.0
    sc["units"]["eb"] = boiler()
    path = writer.yaml(sc)
    with pytest.raises(ScenarioError, match=r"scenario\.yaml: demand\.heat_mw: cannot rescale"):
        prepare_inputs(load_scenario(path))


def linear_hp(**over) -> dict:
    unit = heat_pump(
        source_temperature_c=10.0,
        cop={
            "model": "linear",
            "design_cop": 3.5,
            "source_design_temperature_c": 10.0,
            "sink_design_temperature_c": 65.0,
            "a": 0.05,
            "b": 0.04,
        },
    )
    unit.update(over)
    return unit


def test_source_as_warm_as_the_sink_is_an_error(writer):
    temps = [20.0] * 24
    temps[5] = temps[6] = 65.0
    temps[9] = 70.0
    data = writer.csv("t.csv", t=temps)
    for cop in (linear_hp()["cop"], {"model": "lorenz", "lorenz_efficiency": 0.5, "source_cooling_k": 4}):
        sc = base_scenario(24)
        sc["units"]["hp"] = linear_hp(source_temperature_c={"file": data, "column": "t"}, cop=cop)
        with pytest.raises(ScenarioError) as err:
            prepare_inputs(load_scenario(writer.yaml(sc)))
        text = str(err.value)
        assert text.startswith(str(writer.folder / "scenario.yaml"))
        assert "units.hp.source_temperature_c" in text and "3 hours (hours 5, 6, 9" in text
        assert "\n" not in text
    # With an explicit COP series the temperatures are the user's own business.
    sc["units"]["hp"] = heat_pump(source_temperature_c={"file": data, "column": "t"})
    assert prepare_inputs(load_scenario(writer.yaml(sc))).converters[0].cop[5] == 4.0


def test_unusual_cop_is_a_warning_with_the_hours(writer, caplog):
    temps = [10.0] * 24
    temps[3] = 60.0  # COP 3.5 + 0.05·50 = 6: usual
    temps[7] = temps[8] = -55.0  # COP 3.5 − 3.25 = 0.25: below 1, but positive
    data = writer.csv("t.csv", t=temps)
    cop = dict(linear_hp()["cop"], a=0.05)
    sc = base_scenario(24)
    sc["units"]["hp"] = linear_hp(source_temperature_c={"file": data, "column": "t"}, cop=cop)
    sc["units"]["hot"] = linear_hp(cop=dict(cop, design_cop=16.0))
    with caplog.at_level(logging.WARNING):
        prepare_inputs(load_scenario(writer.yaml(sc)))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    low = next(w for w in warnings if "units.hp.cop" in w)
    assert "below 1 in 2 hours (hours 7, 8" in low and low.startswith(str(writer.folder))
    high = next(w for w in warnings if "units.hot.cop" in w)
    assert "above 15 in 24 hours (hours 0, 1, 2, …" in high


def test_minimum_load_that_can_never_be_reached_is_a_warning(writer, caplog):
    avail = writer.csv("a.csv", a=[3.0] * 24)
    sc = base_scenario(24, demand=10.0)
    sc["units"]["hp"] = heat_pump(min_load_mw=4.0, availability_mw={"file": avail, "column": "a"})
    sc["units"]["big"] = boiler(min_load_mw=12.0)  # above the 10 MW peak, no storage, no dump
    sc["units"]["eb"] = boiler(min_load_mw=2.0)  # fine
    with caplog.at_level(logging.WARNING):
        prepare_inputs(load_scenario(writer.yaml(sc)))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("units.hp.min_load_mw" in w and "availability in every hour" in w for w in warnings)
    assert any("units.big.min_load_mw" in w and "peak demand" in w for w in warnings)
    assert not any("units.eb" in w for w in warnings)
    # With a storage the 12 MW boiler can run (charging it), so no warning about peak demand.
    sc["units"]["tank"] = {"type": "storage", "investment": {"lifetime_years": 20}}
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        prepare_inputs(load_scenario(writer.yaml(sc, "with-storage.yaml")))  # a warning is given once
    assert not any("units.big" in r.getMessage() for r in caplog.records)


def test_auxiliary_power_of_an_optimised_capacity_is_a_warning(writer, caplog):
    sc = base_scenario(24)
    sc["units"]["hp"] = heat_pump(auxiliary={"kind": "pump", "head_m": 30, "source_cooling_k": 5})
    with caplog.at_level(logging.WARNING):
        inputs = prepare_inputs(load_scenario(writer.yaml(sc)))
    assert inputs.converters[0].aux_mw_per_mw is None
    (message,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert message.startswith(str(writer.folder / "scenario.yaml")) and "units.hp.auxiliary" in message
    assert "only for a fixed capacity" in message
