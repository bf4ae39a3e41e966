"""Solar-thermal fields, solved by hand: the collector formula hour by hour, the optimal area, the
plane irradiance from pvlib, and bad input.

Every case is 24 h (a year is 365 copies of it) with a heat import at a fixed price as the backup,
so the field's heat is worth exactly that price per MWh where the demand can take it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pvlib
import pytest
from conftest import base_scenario, crf

from dhopt.errors import ScenarioError
from dhopt.run import run_scenario
from dhopt.solve import SolveOptions

EXACT = SolveOptions(mip_gap=1e-9)
IMPORT_PRICE = 60.0  # €/MWh
COPENHAGEN = {"latitude_deg": 55.68, "longitude_deg": 12.57}


def solar_field(irradiance, eta0=0.8, a1=2.0, a2=0.0125, **over) -> dict:
    unit = {
        "type": "solar_thermal",
        "collector": {"eta0": eta0, "a1_w_per_m2_k": a1, "a2_w_per_m2_k2": a2},
        "irradiance": irradiance,
        "ambient_temperature_c": 15.0,
        "investment": {"per_m2_eur": 1000.0, "lifetime_years": 25},
    }
    unit.update(over)
    return unit


def plane(values) -> dict:
    return {"kind": "plane_of_array", "irradiance_w_per_m2": values}


def heat_import() -> dict:
    return {"type": "heat_import", "price_eur_per_mwh": IMPORT_PRICE}


def scenario(demand=10.0, **units) -> dict:
    sc = base_scenario(24, demand=demand)
    sc["district_heating"] = {"supply_temperature_c": 70.0, "return_temperature_c": 40.0}
    sc["units"] = {**units, "imp": heat_import()}
    return sc


def test_the_yield_is_the_collector_formula_hour_by_hour(writer):
    """Fixed 5,000 m², η0 0.8, a1 2 W/(m²K), a2 0.0125 W/(m²K²); demand 10 MW is never met by the sun.
    Hour by hour: ΔT = (supply + return)/2 − T_a, heat = 5000 m² · max(0, 0.8·G − 2·ΔT − 0.0125·ΔT²),
    0 where G = 0 (even when T_a is above T_m) or where the losses exceed 0.8·G."""
    g = [0, 0, 50, 120, 300, 500, 700, 850, 950, 1000, 1050, 900] * 2
    ambient = [-5.0, 0.0, 5.0, 10.0, 15.0, 20.0] * 4
    supply = [80.0, 70.0, 60.0] * 8
    ret = [45.0, 40.0, 35.0, 30.0] * 6
    ambient[1] = 90.0  # hotter than the fluid, no sun: still no heat
    sc = scenario()
    sc["district_heating"] = {
        "supply_temperature_c": {"file": writer.csv("s.csv", t=supply), "column": "t"},
        "return_temperature_c": {"file": writer.csv("r.csv", t=ret), "column": "t"},
    }
    sc["units"]["sun"] = solar_field(
        plane({"file": writer.csv("g.csv", g=g), "column": "g"}),
        ambient_temperature_c={"file": writer.csv("a.csv", a=ambient), "column": "a"},
        area_m2=5000.0,
        om={"fixed_eur_per_m2_year": 5.0, "variable_eur_per_mwh": 1.0},
    )
    out = run_scenario(writer.yaml(sc), options=EXACT)
    dt = (np.array(supply) + np.array(ret)) / 2 - np.array(ambient)
    gain = 0.8 * np.array(g, float) - 2.0 * dt - 0.0125 * dt**2
    per_m2 = np.where(np.array(g) > 0, np.maximum(gain, 0.0), 0.0)  # W/m²
    expected = 5000.0 * per_m2 * 1e-6  # MW
    assert gain[1] > 0 and expected[1] == 0.0  # no sun: no heat, though the formula would give some
    assert g[2] > 0 and expected[2] == 0.0  # sun, but too little for the losses
    assert np.allclose(out.results.dispatch["sun_heat_mw"], expected, atol=1e-9)
    solar = 365 * expected.sum()
    invest = crf(0.04, 25) * 1000.0 * 5000 + 5.0 * 5000
    objective = invest + solar * 1.0 + (365 * 240.0 - solar) * IMPORT_PRICE
    assert out.report.objective == pytest.approx(objective, rel=1e-9)
    cap = out.results.capacities.set_index("unit")
    assert cap.loc["sun", "capacity_mw"] == pytest.approx(5000 * 0.8e-3)  # η0 kW per m² at the reference


def test_an_explicit_mean_fluid_temperature_replaces_the_network_mean(writer):
    """T_m 35 °C, T_a 15 °C: ΔT 20 K, heat = 5000 · (0.8·600 − 40 − 5) W = 2.175 MW every hour."""
    sc = scenario()
    sc["units"]["sun"] = solar_field(plane(600.0), area_m2=5000.0, mean_fluid_temperature_c=35.0)
    out = run_scenario(writer.yaml(sc), options=EXACT)
    assert np.allclose(out.results.dispatch["sun_heat_mw"], 2.175, atol=1e-9)


# The optimal area: 6 h of G = 1000, 6 h of G = 500 and 12 h of night a day; ΔT = 55 − 15 = 40 K,
# losses 2·40 + 0.0125·40² = 100 W/m², so a m² gives 700 and 300 W. Demand 7 MW: 10,000 m² fill it
# in the sunny hours. Below that a m² saves 365·6·(0.7 + 0.3) kWh = 2.19 MWh of import a year
# (131.4 €); above, the sunny hours' heat is curtailed and it saves only 365·6·0.3 kWh = 0.657 MWh
# (39.42 €). Its cost, 1000 € · crf(4 %, 25 a) + 5 €/a = 69.01 €/a, lies between: 10,000 m².
SUNNY_DAY = [0.0] * 6 + [500.0] * 3 + [1000.0] * 6 + [500.0] * 3 + [0.0] * 6
DEMAND_MWH = 7.0 * 8760
OM = {"fixed_eur_per_m2_year": 5.0, "variable_eur_per_mwh": 0.0}


def _per_m2_cost() -> float:
    return crf(0.04, 25) * 1000.0 + 5.0


@pytest.mark.parametrize(
    ("limits", "area", "new_area", "solar_mwh_per_day"),
    [
        ({}, 10_000.0, 10_000.0, 6 * 7.0 + 6 * 3.0),  # the kink: the demand is met in the sunny hours
        # An area cap below it binds; 2,000 m² exist already (no investment, but their O&M).
        ({"area_max_m2": 6000.0, "existing_area_m2": 2000.0}, 6000.0, 4000.0, 6 * 4.2 + 6 * 1.8),
    ],
    ids=["marginal-value", "area-cap"],
)
def test_the_optimal_area_is_where_a_m2_stops_paying(writer, limits, area, new_area, solar_mwh_per_day):
    sc = scenario(demand=7.0)
    sc["units"]["sun"] = solar_field(plane({"file": writer.csv("g.csv", g=SUNNY_DAY), "column": "g"}), om=OM)
    sc["units"]["sun"].update(limits)
    out = run_scenario(writer.yaml(sc), options=EXACT)
    cap = out.results.capacities.set_index("unit")
    assert cap.loc["sun", "capacity_mw"] == pytest.approx(area * 0.8e-3, rel=1e-9)
    assert cap.loc["sun", "area_m2"] == pytest.approx(area, rel=1e-9)
    solar = 365 * solar_mwh_per_day
    invest = crf(0.04, 25) * 1000.0 * new_area + 5.0 * area
    objective = invest + (DEMAND_MWH - solar) * IMPORT_PRICE
    assert out.report.objective == pytest.approx(objective, rel=1e-9)
    k = out.results.kpis.set_index("unit")
    assert k.loc["sun", "heat_mwh"] == pytest.approx(solar, rel=1e-9)
    assert k.loc["sun", "lcoe_eur_per_mwh"] == pytest.approx(invest / solar, rel=1e-9)
    assert k.loc["system", "lcoe_eur_per_mwh"] == pytest.approx(objective / DEMAND_MWH, rel=1e-9)
    if not limits:  # 10,000 m² at 69.01 €/a each over 21,900 MWh: 31.51 €/MWh
        assert k.loc["sun", "lcoe_eur_per_mwh"] == pytest.approx(_per_m2_cost() * 10_000 / 21_900, rel=1e-9)


# With no variable O&M the field's heat is absent from the objective; the economic bound check
# must still count it as heat at no cost (it once took the import's price for all heat, and kept
# the first capacity guess as if proven).
@pytest.mark.parametrize("variable_om", [0.0, 1e-9])
def test_a_field_larger_than_the_first_bound_guess_is_found(writer, variable_om):
    """At 500 €/m² a m² costs 500 · 0.064012 + 5 = 37.01 €/a < 39.42 €/a saved in the G = 500 hours,
    so the field grows past 10,000 m² (the first guess of its bound: the demand at the best hour's
    yield) to its cap of 20,000 m²: 6 h · 7 MW + 6 h · 6 MW = 78 MWh of solar heat a day."""
    sc = scenario(demand=7.0)
    sunny = {"file": writer.csv("g.csv", g=SUNNY_DAY), "column": "g"}
    om = {**OM, "variable_eur_per_mwh": variable_om}
    invest = {"per_m2_eur": 500.0, "lifetime_years": 25}
    sc["units"]["sun"] = solar_field(plane(sunny), om=om, investment=invest, area_max_m2=20_000.0)
    out = run_scenario(writer.yaml(sc), options=EXACT)
    cap = out.results.capacities.set_index("unit")
    assert cap.loc["sun", "capacity_mw"] == pytest.approx(20_000 * 0.8e-3, rel=1e-9)
    solar = 365 * 78.0
    objective = (crf(0.04, 25) * 500.0 + 5.0) * 20_000 + solar * variable_om + (DEMAND_MWH - solar) * 60.0
    assert out.report.objective == pytest.approx(objective, rel=1e-9)


def test_a_field_that_costs_more_than_it_saves_is_not_built_and_a_retired_one_is_gone(writer):
    """At 2,100 €/m² a m² costs 2100 · 0.064012 + 5 = 139.4 €/a > 131.4 €/a saved: no field. A
    retired field with 2,000 m² existing costs nothing, not even its O&M."""
    sc = scenario(demand=7.0)
    sunny = {"file": writer.csv("g.csv", g=SUNNY_DAY), "column": "g"}
    sc["units"]["sun"] = solar_field(
        plane(sunny), om=OM, investment={"per_m2_eur": 2100, "lifetime_years": 25}
    )
    sc["units"]["old"] = solar_field(plane(sunny), om=OM, existing_area_m2=2000.0, retired=True)
    out = run_scenario(writer.yaml(sc), options=EXACT)
    assert out.report.objective == pytest.approx(DEMAND_MWH * IMPORT_PRICE, rel=1e-9)
    cap = out.results.capacities.set_index("unit")
    assert cap.loc["sun", "capacity_mw"] == 0.0 and cap.loc["old", "capacity_mw"] == 0.0


# ---------------------------------------------------------------------------------------------
# The plane irradiance from the global horizontal one (pvlib): a field with no heat losses
# (a1 = a2 = 0) of 10,000 m² and η0 0.8 makes 0.008 MW per W/m² on its plane, all of it used.

MIDSUMMER = pd.date_range("2018-06-21T00:00:00Z", periods=24, freq="h")


def _clear_sky_ghi() -> np.ndarray:
    """A clear midsummer day in Copenhagen (pvlib's Ineichen model), rounded as a file would be."""
    location = pvlib.location.Location(COPENHAGEN["latitude_deg"], COPENHAGEN["longitude_deg"])
    ghi = location.get_clearsky(MIDSUMMER + pd.Timedelta(minutes=30))["ghi"].to_numpy()
    return np.round(ghi, 1)


def _stamped_scenario(writer, ghi: np.ndarray, orientation: dict, stamps_in="demand") -> dict:
    times = MIDSUMMER.strftime("%Y-%m-%dT%H:%M:%SZ")
    columns = {"demand": [10.0] * 24, "ghi": list(ghi)}
    stamped = pd.DataFrame({"time_utc": times, **columns})
    if stamps_in == "demand":
        stamped.to_csv(writer.folder / "data.csv", index=False)
        sc = scenario(demand={"file": "data.csv", "column": "demand"})
    else:  # only the irradiance file has time stamps; the demand is a constant
        stamped[["time_utc", "ghi"]].to_csv(writer.folder / "data.csv", index=False)
        sc = scenario()
    irradiance = {
        "kind": "global_horizontal",
        "global_horizontal_w_per_m2": {"file": "data.csv", "column": "ghi"},
    }
    sc["units"]["sun"] = solar_field({**irradiance, **COPENHAGEN, **orientation}, a1=0.0, a2=0.0, area_m2=1e4)
    return sc


def _plane_from_dispatch(out) -> np.ndarray:
    return out.results.dispatch["sun_heat_mw"].to_numpy() / 0.008


@pytest.mark.parametrize("transposition", ["isotropic", "haydavies"])
def test_a_south_facing_plane_gets_what_pvlib_gives(writer, transposition):
    """Solar position at the middle of each hour (the stamps mark its start), Erbs, then the
    transposition, each called here directly. For isotropic the sum is also written out by hand:
    beam·cos(incidence) + diffuse·(1 + cos β)/2 + GHI·albedo·(1 − cos β)/2."""
    ghi = _clear_sky_ghi()
    orientation = {"tilt_deg": 40.0, "azimuth_deg": 180.0, "albedo": 0.2, "transposition": transposition}
    out = run_scenario(writer.yaml(_stamped_scenario(writer, ghi, orientation)), options=EXACT)
    mid = MIDSUMMER + pd.Timedelta(minutes=30)
    sun = pvlib.solarposition.get_solarposition(mid, **{k[:-4]: v for k, v in COPENHAGEN.items()})
    zenith, azimuth = sun["apparent_zenith"].to_numpy(), sun["azimuth"].to_numpy()
    split = pvlib.irradiance.erbs(ghi, zenith, mid)
    poa = pvlib.irradiance.get_total_irradiance(
        40.0, 180.0, zenith, azimuth, split["dni"], ghi, split["dhi"],
        dni_extra=pvlib.irradiance.get_extra_radiation(mid), albedo=0.2, model=transposition,
    )["poa_global"]  # fmt: skip
    got = _plane_from_dispatch(out)
    assert np.allclose(got, np.clip(np.nan_to_num(np.asarray(poa, float)), 0, None), atol=1e-6)
    noon = 11  # 11:30 UTC is about solar noon at 12.57° E
    assert got[noon] > ghi[noon]  # a 40° south plane at midsummer noon sees more than the horizontal
    if transposition == "isotropic":
        b, z, a = np.radians(40.0), np.radians(zenith), np.radians(azimuth)
        cos_incidence = np.cos(b) * np.cos(z) + np.sin(b) * np.sin(z) * np.cos(a - np.pi)
        beam = np.asarray(split["dni"]) * np.maximum(cos_incidence, 0.0)
        by_hand = beam + np.asarray(split["dhi"]) * (1 + np.cos(b)) / 2 + ghi * 0.2 * (1 - np.cos(b)) / 2
        assert np.allclose(got, by_hand, atol=1e-6)


@pytest.mark.parametrize("transposition", ["isotropic", "haydavies"])
def test_a_horizontal_collector_sees_the_global_horizontal_irradiance(writer, transposition):
    """Tilt 0: direct·cos(zenith) + diffuse = GHI (Erbs keeps that closure), nothing from the ground.
    The time stamps come from the irradiance file here (the demand is a constant)."""
    ghi = _clear_sky_ghi()
    orientation = {"tilt_deg": 0.0, "transposition": transposition}
    sc = _stamped_scenario(writer, ghi, orientation, stamps_in="irradiance")
    out = run_scenario(writer.yaml(sc), options=EXACT)
    assert np.allclose(_plane_from_dispatch(out), ghi, atol=1e-6)


# ---------------------------------------------------------------------------------------------
# Bad input: one line that names the field.


def _bad(writer, change) -> dict:
    sc = scenario()
    sc["units"]["sun"] = solar_field(plane({"file": writer.csv("g.csv", g=[100.0] * 24), "column": "g"}))
    change(sc["units"]["sun"], writer)
    return sc


def _ghi_without_stamps(unit, writer) -> None:
    unit["irradiance"] = {
        "kind": "global_horizontal",
        "global_horizontal_w_per_m2": {"file": writer.csv("h.csv", h=[100.0] * 24), "column": "h"},
        **COPENHAGEN,
        "tilt_deg": 35.0,
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda u, w: u["irradiance"].update(
                irradiance_w_per_m2={"file": w.csv("n.csv", g=[100.0] * 3 + [-1.0] * 21), "column": "g"}
            ),
            r"units\.sun\.irradiance\.irradiance_w_per_m2: expected values ≥ 0 W/m², found a negative "
            r"one in hour 3$",
        ),
        (
            lambda u, w: u["irradiance"].update(
                irradiance_w_per_m2={"file": w.csv("k.csv", g=[3600.0] * 24), "column": "g"}
            ),
            r"units\.sun\.irradiance\.irradiance_w_per_m2: expected values ≤ 2000 W/m² .*is the unit W/m²\?$",
        ),
        (
            lambda u, w: u["irradiance"].update(irradiance_w_per_m2=-5.0),
            r"units\.sun\.irradiance\.irradiance_w_per_m2",
        ),
        (
            _ghi_without_stamps,
            r"units\.sun\.irradiance\.global_horizontal_w_per_m2: needs time stamps for the sun's position",
        ),
        (
            lambda u, w: (_ghi_without_stamps(u, w), u["irradiance"].update(tilt_deg=95.0)),
            r"units\.sun\.irradiance\.tilt_deg: .*less than or equal to 90",
        ),
        (
            lambda u, w: (_ghi_without_stamps(u, w), u["irradiance"].update(latitude_deg=91.0)),
            r"units\.sun\.irradiance\.latitude_deg",
        ),
        (
            lambda u, w: u["irradiance"].update(kind="diffuse"),
            r"units\.sun\.irradiance\.kind: expected one of",
        ),
        (lambda u, w: u["collector"].update(eta0=1.2), r"units\.sun\.collector\.eta0"),
        (
            lambda u, w: u.update(area_m2=8000.0, area_max_m2=5000.0),
            r"units\.sun\.area_m2: fixed area 8000 m² is above area_max_m2 5000 m²$",
        ),
        (
            lambda u, w: u.update(existing_area_m2=6000.0, area_max_m2=5000.0),
            r"units\.sun\.existing_area_m2: expected at most area_max_m2 5000 m² \(found 6000\)",
        ),
        (
            lambda u, w: u.update(area_min_m2=6000.0, area_max_m2=5000.0),
            r"units\.sun\.area_min_m2: expected at most area_max_m2",
        ),
        (
            lambda u, w: u.update(area_m2=1000.0, existing_area_m2=2000.0),
            r"units\.sun\.area_m2: expected at least existing_area_m2",
        ),
        (lambda u, w: u.update(capacity_mw=5.0), r"units\.sun\.capacity_mw: unknown key"),
    ],
    ids=[
        "negative-file",
        "huge-file",
        "negative-constant",
        "no-time-stamps",
        "tilt",
        "latitude",
        "kind",
        "eta0",
        "area-above-max",
        "existing-above-max",
        "min-above-max",
        "area-below-existing",
        "mw-field",
    ],
)
def test_bad_solar_input_is_one_clear_line(writer, change, message):
    with pytest.raises(ScenarioError, match=message) as err:
        run_scenario(writer.yaml(_bad(writer, change)), options=EXACT)
    assert "\n" not in str(err.value)
