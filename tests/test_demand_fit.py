"""Heat demand vs outdoor temperature: parameter recovery, Flensburg validation, scenarios, CLI, bad input."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from dhopt.commands_demand import demand_app
from dhopt.demand_calendar import easter_sunday
from dhopt.demand_fit import DayTypeParameters, DemandModel, apply_scenario, fit
from dhopt.demand_metrics import evaluate, gof, read_hourly_csv

ROOT = Path(__file__).resolve().parents[1]
FLENSBURG = ROOT / "data" / "flensburg_dh_load_weather_2014_2016.csv"

# Built the way the owner registers it in dhopt.cli.
app = typer.Typer()
app.add_typer(demand_app, name="demand")
runner = CliRunner()

HOURS = np.arange(24)
TRUE = {
    "memory": 0.4,
    "weekday": {
        "cut": 15.5,
        "base": 40 + 8 * np.sin(2 * np.pi * (HOURS - 3) / 24),
        "slope": 10 + 2 * np.cos(2 * np.pi * (HOURS - 7) / 24),
    },
    "weekend_holiday": {
        "cut": 14.0,
        "base": 36 + 5 * np.sin(2 * np.pi * (HOURS - 5) / 24),
        "slope": 8 + 1.5 * np.cos(2 * np.pi * (HOURS - 9) / 24),
    },
}
# Public holidays of Schleswig-Holstein 2020–2021 plus 24/31 Dec, written out here by hand.
HOLIDAYS_DE_SH = {
    date(2020, 1, 1), date(2020, 4, 10), date(2020, 4, 13), date(2020, 5, 1), date(2020, 5, 21),
    date(2020, 6, 1), date(2020, 10, 3), date(2020, 10, 31), date(2020, 12, 24), date(2020, 12, 25),
    date(2020, 12, 26), date(2020, 12, 31), date(2021, 1, 1), date(2021, 4, 2), date(2021, 4, 5),
    date(2021, 5, 1), date(2021, 5, 13), date(2021, 5, 24), date(2021, 10, 3), date(2021, 10, 31),
    date(2021, 12, 24), date(2021, 12, 25), date(2021, 12, 26), date(2021, 12, 31),
}  # fmt: skip


def synthetic(noise_mw: float = 0.3, seed: int = 1) -> pd.DataFrame:
    """Two years of hourly data from the true parameters, computed independently of dhopt.demand_fit."""
    rng = np.random.default_rng(seed)
    utc = pd.date_range("2020-01-01", "2021-12-31 23:00", freq="h", tz="UTC")
    local = utc.tz_convert("Europe/Berlin")
    day = local.tz_localize(None).normalize()
    doy = day.day_of_year.to_numpy()
    days = pd.DatetimeIndex(np.unique(day))
    anomaly = pd.Series(rng.normal(0, 3.0, len(days)), index=days)
    temp = (
        9
        - 9 * np.cos(2 * np.pi * (doy - 20) / 365)
        + 3 * np.sin(2 * np.pi * (local.hour.to_numpy() - 9) / 24)
        + anomaly.reindex(day).to_numpy()
        + rng.normal(0, 0.5, len(utc))
    )
    daily = pd.Series(temp).groupby(day).mean()
    eff = []
    for value in daily.to_numpy():
        eff.append(value if not eff else (1 - TRUE["memory"]) * value + TRUE["memory"] * eff[-1])
    te = pd.Series(eff, index=daily.index).reindex(day).to_numpy()
    off = (day.day_of_week >= 5) | pd.Index(day.date).isin(HOLIDAYS_DE_SH)
    hour = local.hour.to_numpy()
    demand = np.empty(len(utc))
    for name, rows in (("weekday", ~off), ("weekend_holiday", off)):
        p = TRUE[name]
        demand[rows] = p["base"][hour[rows]] + p["slope"][hour[rows]] * np.maximum(p["cut"] - te[rows], 0)
    demand += rng.normal(0, noise_mw, len(utc))
    return pd.DataFrame(
        {"time_utc": utc.strftime("%Y-%m-%dT%H:%M:%SZ"), "temp_c": temp.round(3), "q_mw": demand}
    )


@pytest.fixture(scope="module")
def synth() -> pd.DataFrame:
    return synthetic()


@pytest.fixture(scope="module")
def synth_model(synth: pd.DataFrame) -> DemandModel:
    return fit(synth["time_utc"], synth["temp_c"], synth["q_mw"], timezone="Europe/Berlin", holidays="DE-SH")


# ------------------------------------------------------------------------------------------- (a) recovery


def test_calendar_matches_hand_written_holidays() -> None:
    from dhopt.demand_calendar import holidays

    assert easter_sunday(2016) == date(2016, 3, 27) and easter_sunday(2024) == date(2024, 3, 31)
    assert holidays("DE-SH", 2020) | holidays("DE-SH", 2021) == HOLIDAYS_DE_SH


def test_recovers_known_parameters(synth_model: DemandModel) -> None:
    m = synth_model
    assert m.memory == pytest.approx(TRUE["memory"], abs=0.02)
    for name in ("weekday", "weekend_holiday"):
        p, true = m.day_types[name], TRUE[name]
        assert p.change_point_c == pytest.approx(true["cut"], abs=0.1), name
        assert p.daily_slope_mw_per_k == pytest.approx(true["slope"].mean(), rel=0.01), name
        assert p.daily_base_mw == pytest.approx(true["base"].mean(), abs=0.3), name
        np.testing.assert_allclose(p.slope_mw_per_k, true["slope"], rtol=0.03)
        np.testing.assert_allclose(p.base_mw, true["base"], atol=0.6)
    assert m.n_parameters == 2 * 49 + 1


def test_fixed_memory_is_kept_and_wrong_memory_fits_worse(
    synth: pd.DataFrame, synth_model: DemandModel
) -> None:
    wrong = fit(
        synth["time_utc"],
        synth["temp_c"],
        synth["q_mw"],
        timezone="Europe/Berlin",
        holidays="DE-SH",
        memory=0,
    )
    assert wrong.memory == 0.0 and wrong.n_parameters == 2 * 49
    good = evaluate(synth_model, synth["time_utc"], synth["temp_c"], synth["q_mw"])["daily"].cv_rmse_pct
    bad = evaluate(wrong, synth["time_utc"], synth["temp_c"], synth["q_mw"])["daily"].cv_rmse_pct
    assert good < 0.5 * bad


def test_gof_formulas() -> None:
    y, yhat = np.array([10.0, 12.0, 14.0, 16.0]), np.array([11.0, 11.0, 15.0, 13.0])
    m = gof(y, yhat, p=2)  # residuals -1, 1, -1, 3; n - p = 2; mean 13
    assert m.cv_rmse_pct == pytest.approx(100 * np.sqrt(12 / 2) / 13)
    assert m.nmbe_pct == pytest.approx(100 * 2 / (2 * 13))
    assert gof(y, y, p=0).cv_rmse_pct == 0.0


# ------------------------------------------------------------------------------------------- (b) Flensburg


def test_flensburg_fit_2014_2015_validates_on_2016() -> None:
    stamps, v, _ = read_hourly_csv(
        FLENSBURG, "time_utc", ["air_temperature_c", "heat_demand_mw"], allow_empty=["heat_demand_mw"]
    )
    local = stamps.tz_convert("Europe/Berlin")
    train = np.asarray(local < pd.Timestamp("2016-01-01", tz="Europe/Berlin"))
    test = np.asarray(local < pd.Timestamp("2017-01-01", tz="Europe/Berlin")) & ~train
    q, temp = v["heat_demand_mw"], v["air_temperature_c"]
    model = fit(stamps, temp, np.where(train, q, np.nan), timezone="Europe/Berlin", holidays="DE-SH")
    metrics = evaluate(model, stamps, temp, q, test)
    # Measured: hourly CV 13.00 %, daily CV 9.61 %, NMBE −0.18 / −0.19 %, monthly CV 5.90 % (docs/demand.md).
    assert metrics["hourly"].n == 8784 and metrics["daily"].n == 366 and metrics["monthly"].n == 12
    assert 11.0 < metrics["hourly"].cv_rmse_pct < 14.0
    assert 8.0 < metrics["daily"].cv_rmse_pct < 10.5
    assert abs(metrics["hourly"].nmbe_pct) < 1.0 and abs(metrics["daily"].nmbe_pct) < 1.0
    assert metrics["monthly"].cv_rmse_pct < 7.0
    # Physically plausible: cut-off near 15 °C, ~48 MW summer base, ~14.5 MW/K (SOURCES.md: 13.7 MW/K
    # for the plain daily mean).
    for p in model.day_types.values():
        assert 13.5 < p.change_point_c < 16.5
        assert 44 < p.daily_base_mw < 52
        assert 13 < p.daily_slope_mw_per_k < 16
    assert 0.3 < model.memory < 0.8


# ------------------------------------------------------------------------------------------- (c) scenarios


def hand_model() -> DemandModel:
    types = {
        "weekday": DayTypeParameters(
            15.0, [50.0 + h for h in range(24)], [10.0 + 0.1 * h for h in range(24)]
        ),
        "weekend_holiday": DayTypeParameters(14.0, [45.0] * 24, [9.0] * 24),
    }
    return DemandModel(day_types=types, memory=0.0, timezone="UTC", holidays="none", n_parameters=98)


def test_model_prediction_by_hand() -> None:
    t = pd.date_range("2021-01-04", periods=48, freq="h", tz="UTC")  # a Monday and a Tuesday
    temp = np.r_[np.full(24, 5.0), np.full(24, 20.0)]
    q = hand_model().predict(t, temp)
    np.testing.assert_allclose(q[:24], [50 + h + (10 + 0.1 * h) * 10 for h in range(24)])
    np.testing.assert_allclose(q[24:], [50 + h for h in range(24)])  # above the cut-off: base only


def test_renovation_scales_only_the_temperature_dependent_part() -> None:
    m = hand_model()
    t = pd.date_range("2021-01-01", periods=24 * 14, freq="h", tz="UTC")
    temp = 10 + 8 * np.sin(np.arange(len(t)) / 30)
    base = m.predict(t, np.full(len(t), 30.0))  # warm: no heating
    q = m.predict(t, temp)
    r = apply_scenario(m, renovation_factor=0.6).predict(t, temp)
    np.testing.assert_allclose(r - base, 0.6 * (q - base), atol=1e-9)
    assert (q - base).max() > 50  # the check above is not vacuous
    np.testing.assert_allclose(apply_scenario(m, renovation_factor=0.0).predict(t, temp), base)
    assert m.day_types["weekday"].slope_mw_per_k[0] == 10.0  # the original is not changed


def test_climate_offset_equals_warmer_temperatures(synth: pd.DataFrame, synth_model: DemandModel) -> None:
    t, temp = synth["time_utc"], synth["temp_c"].to_numpy()
    warmer = apply_scenario(synth_model, temperature_offset=2.0)
    np.testing.assert_allclose(warmer.predict(t, temp), synth_model.predict(t, temp + 2.0), atol=1e-9)
    assert warmer.predict(t, temp).sum() < 0.95 * synth_model.predict(t, temp).sum()
    both = apply_scenario(synth_model, renovation_factor=0.7, temperature_offset=1.0)
    assert both.scenario == {"renovation_factor": 0.7, "temperature_offset_k": 1.0}


def test_json_round_trip(tmp_path: Path, synth: pd.DataFrame, synth_model: DemandModel) -> None:
    path = tmp_path / "p.json"
    synth_model.save(path)
    loaded = DemandModel.load(path)
    assert loaded == synth_model
    t, temp = synth["time_utc"][:500], synth["temp_c"][:500]
    np.testing.assert_array_equal(loaded.predict(t, temp), synth_model.predict(t, temp))


# ------------------------------------------------------------------------------------------- (d) CLI


def invoke(*args: str):
    result = runner.invoke(app, ["demand", *args])
    return result.exit_code, result.stdout, result.stderr, result


def test_cli_fit_and_generate(tmp_path: Path, synth: pd.DataFrame, synth_model: DemandModel) -> None:
    data = tmp_path / "data.csv"
    synth.to_csv(data, index=False)
    params = tmp_path / "out" / "params.json"
    code, out, err, result = invoke(
        "fit", str(data), "--out", str(params), "--time-column", "time_utc", "--temperature-column", "temp_c",
        "--demand-column", "q_mw", "--timezone", "Europe/Berlin", "--holidays", "DE-SH",
        "--train-start", "2020-01-01", "--train-end", "2021-01-01",
        "--test-start", "2021-01-01", "--test-end", "2022-01-01",
    )  # fmt: skip
    assert code == 0, (out, err, result.exception)
    lines = {tuple(line.split()[:2]): line.split()[2:] for line in out.splitlines()}
    for key in [(p, lvl) for p in ("train", "test") for lvl in ("hourly", "daily", "monthly")]:
        assert key in lines, out
    # 0.3 MW noise on ~100 MW: the held-out year is fitted almost perfectly.
    assert float(lines[("test", "daily")][0]) < 1.0 and float(lines[("test", "hourly")][0]) < 2.0
    assert int(lines[("test", "hourly")][2]) == 8760
    model = DemandModel.load(params)
    assert model.day_types["weekday"].change_point_c == pytest.approx(15.5, abs=0.15)
    assert (
        json.loads(params.read_text())["training"]["hours"] == 8783
    )  # leap year 2020 minus its first local hour (before the file)

    weather = tmp_path / "weather.csv"
    synth[["time_utc", "temp_c"]].iloc[: 24 * 60].to_csv(weather, index=False)
    demand_csv = tmp_path / "demand.csv"
    code, out, err, _ = invoke(
        "generate", str(params), str(weather), "--out", str(demand_csv), "--temperature-column", "temp_c",
        "--renovation-factor", "0.7", "--temperature-offset", "1.5",
    )  # fmt: skip
    assert code == 0, err
    got = pd.read_csv(demand_csv)
    assert list(got.columns) == ["time_utc", "heat_demand_mw"]
    assert got["time_utc"].tolist() == synth["time_utc"].iloc[: 24 * 60].tolist()
    expected = apply_scenario(model, 0.7, 1.5).predict(got["time_utc"], synth["temp_c"].iloc[: 24 * 60])
    np.testing.assert_allclose(got["heat_demand_mw"], expected, atol=1e-3)
    assert expected.mean() < 0.9 * model.predict(got["time_utc"], synth["temp_c"].iloc[: 24 * 60]).mean()


# ------------------------------------------------------------------------------------------- (e) bad input


def weather_frame(hours: int = 48) -> pd.DataFrame:
    t = pd.date_range("2022-01-01", periods=hours, freq="h", tz="UTC")
    return pd.DataFrame(
        {"time_utc": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "air_temperature_c": 5.0, "heat_demand_mw": 100.0}
    )


def assert_clean_error(result_tuple, *needles: str) -> None:
    code, out, err, result = result_tuple
    assert code == 2, (out, err)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    for needle in needles:
        assert needle in lines[0], f"{needle!r} not in {lines[0]!r}"


@pytest.fixture
def params_file(tmp_path: Path) -> Path:
    path = tmp_path / "params.json"
    hand_model().save(path)
    return path


def test_missing_file(tmp_path: Path, params_file: Path) -> None:
    missing = tmp_path / "nope.csv"
    assert_clean_error(
        invoke("fit", str(missing), "--out", str(tmp_path / "p.json")), "nope.csv", "not found"
    )
    assert_clean_error(
        invoke("generate", str(params_file), str(missing), "--out", str(tmp_path / "d.csv")), "nope.csv"
    )
    assert_clean_error(
        invoke("generate", str(tmp_path / "none.json"), str(missing), "--out", str(tmp_path / "d.csv")),
        "none.json",
    )


@pytest.mark.parametrize("command", ["fit", "generate"])
def test_missing_column(tmp_path: Path, params_file: Path, command: str) -> None:
    path = tmp_path / "w.csv"
    weather_frame().to_csv(path, index=False)
    args = [str(path)] if command == "fit" else [str(params_file), str(path)]
    result = invoke(command, *args, "--out", str(tmp_path / "o"), "--temperature-column", "t_air")
    assert_clean_error(result, "w.csv", "'t_air'")


@pytest.mark.parametrize("column", ["air_temperature_c", "heat_demand_mw"])
def test_non_numeric_value(tmp_path: Path, column: str) -> None:
    frame = weather_frame()
    frame[column] = frame[column].astype(object)
    frame.loc[7, column] = "n/a"
    path = tmp_path / "w.csv"
    frame.to_csv(path, index=False)
    assert_clean_error(
        invoke("fit", str(path), "--out", str(tmp_path / "p.json")), "w.csv", f"'{column}'", "line 9 of w.csv"
    )


def test_empty_temperature_is_an_error(tmp_path: Path, params_file: Path) -> None:
    frame = weather_frame()
    frame["air_temperature_c"] = frame["air_temperature_c"].astype(object)
    frame.loc[3, "air_temperature_c"] = ""
    path = tmp_path / "w.csv"
    frame.to_csv(path, index=False)
    result = invoke("generate", str(params_file), str(path), "--out", str(tmp_path / "d.csv"))
    assert_clean_error(result, "w.csv", "'air_temperature_c'", "empty cell")


@pytest.mark.parametrize("command", ["fit", "generate"])
def test_gap_in_time_stamps(tmp_path: Path, params_file: Path, command: str) -> None:
    frame = weather_frame().drop(index=10)
    path = tmp_path / "w.csv"
    frame.to_csv(path, index=False)
    args = [str(path)] if command == "fit" else [str(params_file), str(path)]
    assert_clean_error(invoke(command, *args, "--out", str(tmp_path / "o")), "w.csv", "'time_utc'", "2 h")


def test_bad_time_stamp(tmp_path: Path, params_file: Path) -> None:
    frame = weather_frame()
    frame.loc[5, "time_utc"] = "yesterday"
    path = tmp_path / "w.csv"
    frame.to_csv(path, index=False)
    result = invoke("generate", str(params_file), str(path), "--out", str(tmp_path / "d.csv"))
    assert_clean_error(result, "w.csv", "'time_utc'", "line 7 of w.csv")


def test_bad_parameters_json(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    weather_frame().to_csv(path, index=False)
    params = tmp_path / "params.json"
    data = hand_model().to_dict()
    del data["day_types"]["weekday"]["slope_mw_per_k"]
    params.write_text(json.dumps(data))
    result = invoke("generate", str(params), str(path), "--out", str(tmp_path / "d.csv"))
    assert_clean_error(result, "params.json", "slope_mw_per_k")
    params.write_text("{not json")
    assert_clean_error(
        invoke("generate", str(params), str(path), "--out", str(tmp_path / "d.csv")), "params.json"
    )
