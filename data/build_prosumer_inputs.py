"""Build the SYNTHETIC hourly series of the prosumer examples (SOURCES.md, section 6).

No public hourly PV production or cooling load of the Høje Taastrup CITY2 mall was found, so both
are made here from the real 2018 air temperature of nordhavn_reference_2018.csv and solar geometry:
- pv_per_mwp: PV output per MWp at 55.65 N (clear-sky bell from the sun's elevation, a seasonal
  clearness factor and random day-to-day cloudiness), about 950 full-load hours a year;
- mall_cooling_mw: a mall's cooling load, 0.25 MW base (refrigeration, servers) plus 0.08 MW per K
  above 12 °C during opening hours (08–20 local time).

Run:  python build_prosumer_inputs.py   -> prosumer_synthetic_2018.csv
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
LATITUDE = np.radians(55.65)


def pv_per_mwp(time: pd.DatetimeIndex, rng: np.random.Generator) -> np.ndarray:
    day = time.day_of_year.to_numpy()
    hour_solar = time.hour.to_numpy() + 0.5 + 12.5 / 15  # UTC + longitude 12.5 E, mid-hour
    decl = np.radians(23.44) * np.sin(2 * np.pi * (284 + day) / 365)
    hour_angle = np.radians(15 * (hour_solar - 12))
    sin_elev = np.sin(LATITUDE) * np.sin(decl) + np.cos(LATITUDE) * np.cos(decl) * np.cos(hour_angle)
    clear = np.clip(sin_elev, 0, None) ** 1.2
    clearness = 0.45 + 0.2 * np.sin(2 * np.pi * (day - 80) / 365)  # sunnier summers
    cloud_by_day = rng.uniform(0.15, 1.0, size=366)[day - 1]
    return np.round(np.clip(clear * clearness * cloud_by_day * 2.0, 0, 1), 4)


def mall_cooling_mw(time: pd.DatetimeIndex, temperature: np.ndarray) -> np.ndarray:
    local_hour = time.tz_convert("Europe/Copenhagen").hour.to_numpy()
    open_ = (local_hour >= 8) & (local_hour < 20)
    return np.round(0.25 + open_ * 0.08 * np.clip(temperature - 12.0, 0, None), 4)


def main() -> None:
    ref = pd.read_csv(HERE / "nordhavn_reference_2018.csv")
    time = pd.DatetimeIndex(pd.to_datetime(ref["time_utc"], utc=True))
    rng = np.random.default_rng(2018)
    table = pd.DataFrame(
        {
            "time_utc": ref["time_utc"],
            "pv_per_mwp": pv_per_mwp(time, rng),
            "mall_cooling_mw": mall_cooling_mw(time, ref["air_temperature_c"].to_numpy()),
        }
    )
    assert len(table) == 8760 and not table.isna().any().any()
    table.to_csv(HERE / "prosumer_synthetic_2018.csv", index=False)
    print("PV full-load hours:", round(table.pv_per_mwp.sum(), 1))
    print("cooling: mean", round(table.mall_cooling_mw.mean(), 3), "max", table.mall_cooling_mw.max())


if __name__ == "__main__":
    main()
