"""Build weather_years_flensburg_<year>.csv (2014, 2015, 2016): the Nordhavn reference's inputs on
the weather of three real years (data/SOURCES.md, section 8). Rerun to reproduce the files exactly:

    python data/build_weather_years_flensburg.py

- heat_demand_mw: the Flensburg network load of that year (section 5) times one factor for all three
  years, chosen so that the three years' mean annual heat is the reference's 100 GWh (the years keep
  their own peaks and energies: 2016 is the coldest). The one missing hour (2016-12-31 23:00,
  the last) takes the hour before's value.
- air_temperature_c: DWD Glücksburg-Meierwik, that year (section 5).
- spot_price_eur_per_mwh, co2_t_per_mwh_el, seawater_temperature_c, sewage_temperature_c,
  sewage_flow_m3_per_h: the REFERENCE YEAR 2018's values REUSED (nordhavn_reference_2018.csv), matched
  by calendar date and hour; 29 February 2016 takes 28 February's values. No prices of 2014–2016 are in
  data/: the price differences between the years are not modelled, only the weather's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REFERENCE_MEAN_MWH = 100_000.0  # the Nordhavn reference's annual heat
REUSED = [
    "spot_price_eur_per_mwh",
    "co2_t_per_mwh_el",
    "seawater_temperature_c",
    "sewage_temperature_c",
    "sewage_flow_m3_per_h",
]


def main() -> None:
    fl = pd.read_csv(HERE / "flensburg_dh_load_weather_2014_2016.csv", parse_dates=["time_utc"])
    missing = fl.loc[fl["heat_demand_mw"].isna(), "time_utc"]
    for t in missing:
        print(f"heat_demand_mw missing at {t:%Y-%m-%d %H:%M} UTC: filled (interpolated, or the hour before)")
    fl["heat_demand_mw"] = fl["heat_demand_mw"].interpolate(limit_area="inside").ffill()
    years = fl["time_utc"].dt.year
    factor = REFERENCE_MEAN_MWH / fl.groupby(years)["heat_demand_mw"].sum().mean()
    ref = pd.read_csv(HERE / "nordhavn_reference_2018.csv", parse_dates=["time_utc"])
    key = ref["time_utc"].dt.strftime("%m-%d %H")
    by_hour = ref.set_index(key)[REUSED]
    for year, part in fl.groupby(years):
        t = part["time_utc"]
        lookup = t.dt.strftime("%m-%d %H").str.replace("02-29", "02-28", regex=False)
        out = pd.DataFrame(
            {
                "time_utc": t.dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "heat_demand_mw": np.round(factor * part["heat_demand_mw"].to_numpy(), 4),
                "air_temperature_c": part["air_temperature_c"].to_numpy(),
            }
        )
        for column in REUSED:
            out[column] = by_hour.loc[lookup, column].to_numpy()
        path = HERE / f"weather_years_flensburg_{year}.csv"
        out.to_csv(path, index=False)
        print(
            f"{path.name}: {len(out)} h, peak {out['heat_demand_mw'].max():.2f} MW, "
            f"{out['heat_demand_mw'].sum() / 1000:.2f} GWh, air min {out['air_temperature_c'].min():.1f} °C"
        )
    print(f"demand factor {factor:.6g} (Flensburg MW → reference MW)")


if __name__ == "__main__":
    main()
