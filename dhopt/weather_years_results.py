"""The KPIs of each weather year of a solved run, and the weighted ones (kpis_by_year.csv).

A year's KPIs are the solved model's tables with that year's hour weights alone (8760 / n_y in
its hours, 0 in the others): its own dispatch costs and energies, scaled to a year, beside the
one investment every year shares. The weighted rows are kpis.csv's (the objective's annual cost
is their cost_total_eur). An annual excess-heat tax is a max(0, ·) over the whole horizon: each
year shows the weighted value.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from dhopt import columns as col
from dhopt.model import BuiltModel
from dhopt.results import basis_label, collect
from dhopt.weather_years import year_masks


def kpis_by_year(built: BuiltModel, labels: dict[str, str]) -> pd.DataFrame:
    """One KPI table per weather year, then the weighted one, with weather_year and year_weight."""
    inp = built.inputs
    years = inp.years
    assert years is not None
    tables = []
    for (name, weights), share in zip(year_masks(inp), years.weights, strict=True):
        alone = dataclasses.replace(built, inputs=dataclasses.replace(inp, hour_weight=weights))
        kpis = collect(alone).kpis
        kpis.insert(0, col.YEAR_WEIGHT, share)
        kpis.insert(0, col.WEATHER_YEAR, name)
        tables.append(kpis)
    weighted = collect(built).kpis
    weighted.insert(0, col.YEAR_WEIGHT, 1.0)
    weighted.insert(0, col.WEATHER_YEAR, col.WEIGHTED)
    out = pd.concat([*tables, weighted], ignore_index=True)
    for column, value in {**labels, "basis": basis_label(inp)}.items():
        out[column] = value
    return out
