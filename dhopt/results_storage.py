"""The result rows of a storage (tank or pit): its hourly charge, discharge and level, and its row of
the capacity table with the annual loss and the equivalent full cycles.

Annual energies are scaled to a year like every other (the hour weights: a short horizon's
8760/hours, typical periods' counts):
- annual loss (MWh/a) = Σ_n w[n]·charge[n] − Σ_n w[n]·discharge[n]: the storage is cyclic (it ends
  where it starts), so what went in and did not come out was lost. On the full horizon this is
  exactly Σ_n w[n]·loss·level[n−1]. On typical periods it also holds the loss of the levels carried
  from one period to the next (the cyclic link over the year conserves them the same way).
- equivalent full cycles (1/a) = annual discharge / energy capacity; 0 for a storage not built
  (no capacity, no discharge).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyomo.environ as pyo

from dhopt import columns as col
from dhopt.inputs import SystemInputs
from dhopt.units.capacity import built_capacity, new_capacity
from dhopt.units.pit_booster import heat_to_booster
from dhopt.units.storage import StorageInputs, investment_value, level_values, net_output_values
from dhopt.units.storage_power import power_investment_value, power_mw


@dataclass
class StorageResult:
    dispatch: dict[str, np.ndarray]  # its dispatch columns
    investment_eur: float  # annual investment: energy capacity (a curve's too) and power capacity
    discharged_mwh: float  # a year, to the network or a heat-pump booster
    capacity_row: dict[str, Any]  # its row of the capacity table (without at_limit)


def _clean(x: np.ndarray, tol: float = 1e-7) -> np.ndarray:
    return np.where(np.abs(x) < tol, 0.0, x)


def storage_result(
    block: pyo.Block, s: StorageInputs, inp: SystemInputs, heat: dict[str, np.ndarray]
) -> StorageResult:
    """The results of storage `s` from its solved `block`; `heat`: each converter's heat per hour."""
    w = inp.weights
    level = _clean(level_values(block, inp.hours))
    previous = None
    if inp.years is not None:
        from dhopt.weather_years import previous_hours

        previous = previous_hours(inp)
    net = _clean(net_output_values(level, s, inp.periods, previous))  # discharge − charge
    charge, discharge = np.clip(-net, 0, None), np.clip(net, 0, None)
    cap = built_capacity(block)  # existing included
    new, _ = new_capacity(block, s.capacity_existing_mwh)
    dispatch = {col.charge(s.name): charge, col.discharge(s.name): discharge, col.level(s.name): level}
    drawn = heat_to_booster(s.booster, inp, heat)
    if drawn is not None:
        dispatch[col.to_booster(s.name)] = _clean(drawn)
    charged_mwh, discharged_mwh = float(w @ charge), float(w @ discharge)
    row = {
        "unit": s.name,
        "type": s.kind,
        "source": "",
        "capacity_mw": power_mw(block, s.power_max_mw, s.power, cap),
        "capacity_mwh": cap,
        "existing_mwh": s.capacity_existing_mwh,
        "new_mwh": new,
        "share_of_peak_pct": np.nan,
        "full_load_hours": np.nan,
        "min_load_mw": np.nan,
        "volume_m3": cap * s.volume_m3_per_mwh,
        col.STORAGE_LOSS: _clean(np.array(charged_mwh - discharged_mwh), 1e-6).item(),
        col.FULL_CYCLES: discharged_mwh / cap if cap > 0 else 0.0,
    }
    investment = investment_value(block, s) + power_investment_value(block, s.power)
    return StorageResult(dispatch, investment, discharged_mwh, row)
