"""Build a SYNTHETIC hourly global horizontal irradiance for Copenhagen, 2018 (SOURCES.md, section 7).

No open hourly irradiance series for Copenhagen could be shipped, so this one is made, not measured:
pvlib's clear-sky model (Ineichen-Perez, with pvlib's monthly Linke turbidity climatology) at
55.68 N, 12.57 E, with the sun at the middle of each hour, times a monthly clearness factor, the
factors scaled by one common number so that the year sums to ANNUAL_KWH_PER_M2.

- ANNUAL_KWH_PER_M2 = 1000: the round figure usually quoted for Denmark's global horizontal
  irradiation in a typical year. It is a target, not a measurement of 2018 (a sunny year in
  Denmark); for real data use the Danish Meteorological Institute's "2001–2010 Danish Design
  Reference Year" (Wang, Scharling, Nielsen, Kern-Hansen, Wittchen; DMI Technical Report 13-19).
- MONTHLY_SHAPE: the share of the clear-sky irradiance that reaches the ground in each month,
  relative; chosen here (cloudier winters, clearer late spring), not taken from a source.
Every day of a month has the same clearness, so the series has no day-to-day weather: it is
fit for sizing tests and examples, not for the variability a storage must cover.

Run:  python build_solar_synthetic.py   -> solar_synthetic_copenhagen_2018.csv
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pvlib

HERE = Path(__file__).parent
LATITUDE, LONGITUDE = 55.68, 12.57  # Copenhagen
ANNUAL_KWH_PER_M2 = 1000.0
MONTHLY_SHAPE = np.array([0.45, 0.50, 0.55, 0.62, 0.68, 0.66, 0.65, 0.63, 0.58, 0.52, 0.45, 0.42])


def synthetic_ghi(time_utc: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Hourly GHI, W/m², for hours starting at `time_utc`; and the monthly clearness factors used."""
    mid = time_utc + pd.Timedelta(minutes=30)
    clear = pvlib.location.Location(LATITUDE, LONGITUDE).get_clearsky(mid)["ghi"].to_numpy()
    month = time_utc.month.to_numpy() - 1
    shaped = clear * MONTHLY_SHAPE[month]
    scale = ANNUAL_KWH_PER_M2 * 1000.0 / shaped.sum()  # one hour at 1 W/m² is 1 Wh/m²
    factors = MONTHLY_SHAPE * scale
    return np.round(clear * factors[month], 1), factors


def main() -> None:
    stamps = pd.read_csv(HERE / "nordhavn_reference_2018.csv", usecols=["time_utc"])["time_utc"]
    time = pd.DatetimeIndex(pd.to_datetime(stamps, utc=True))
    ghi, factors = synthetic_ghi(time)
    table = pd.DataFrame({"time_utc": stamps, "ghi_w_per_m2": ghi})
    assert len(table) == 8760 and not table.isna().any().any() and (ghi >= 0).all()
    table.to_csv(HERE / "solar_synthetic_copenhagen_2018.csv", index=False)
    print("annual GHI:", round(ghi.sum() / 1000, 1), "kWh/m²; max", ghi.max(), "W/m²")
    print("monthly clearness factors:", ", ".join(f"{f:.3f}" for f in factors))
    monthly = table.groupby(time.month)["ghi_w_per_m2"].sum() / 1000
    print("monthly GHI, kWh/m²:", ", ".join(f"{m:.0f}" for m in monthly))


if __name__ == "__main__":
    main()
