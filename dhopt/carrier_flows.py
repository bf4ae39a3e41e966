"""What each solved producer used and made of every carrier, hour by hour, and what that cost.

One place for the results' carrier arithmetic (dhopt.results builds its tables from it): the
electricity a unit uses (heat / COP + auxiliary power) and the share of it bought from the grid
(1 without on-site PV; with PV, grid purchases and their CO2 are shared in proportion to each
unit's use), each fuel it burns, the electricity it sells, and the cost components of all of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dhopt.carriers import ELECTRICITY, CarrierInputs
from dhopt.inputs import SystemInputs
from dhopt.units.converter import ConverterInputs


@dataclass
class UnitFlows:
    """One producer's hourly flows, MW (heat at the plant `q`, carriers by name)."""

    q: np.ndarray
    aux: np.ndarray  # auxiliary (fan, pump) electricity
    electricity: np.ndarray  # electricity used, auxiliary power included
    fuels: dict[str, np.ndarray] = field(default_factory=dict)  # fuel burnt, MW of fuel
    electricity_sold: np.ndarray | None = None  # electricity made and sold (a CHP)


def unit_flows(u: ConverterInputs, q: np.ndarray, aux: np.ndarray, extra_power: np.ndarray) -> UnitFlows:
    """`extra_power`: an extraction CHP's electricity beyond the back-pressure line (zeros if none)."""
    el = u.electricity_per_mwh
    electricity = (q * el if el is not None else np.zeros_like(q)) + aux
    fuels = {name: q * per_mwh for name, per_mwh in u.uses_per_mwh.items() if name != ELECTRICITY}
    made = u.makes_per_mwh.get(ELECTRICITY)
    sold = None if made is None else q * made
    if u.extraction is not None:
        for name, per_mwh_el in u.extraction.uses_per_mwh_el.items():
            fuels[name] = fuels.get(name, np.zeros_like(q)) + extra_power * per_mwh_el
        sold = extra_power if sold is None else sold + extra_power
    return UnitFlows(q, aux, electricity, fuels, sold)


def fuel_component(fuel: str, part: str) -> str:
    """Cost component name of a fuel's price part ("price", an adder, "co2")."""
    return f"fuel_{fuel}" if part == "price" else f"fuel_{fuel}_{part}"


def carrier_costs(
    inp: SystemInputs, u: ConverterInputs, f: UnitFlows, grid_share: np.ndarray
) -> dict[str, float]:
    """The unit's annual cost by carrier component, € (negative: electricity sold)."""
    w = inp.weights
    costs: dict[str, float] = {}
    for k, price in inp.price_components.items():
        costs[f"electricity_{k}"] = float((w * price) @ (f.electricity * grid_share))
    for name, burnt in f.fuels.items():
        for part, price in inp.carriers[name].price_components.items():
            costs[fuel_component(name, part)] = float((w * price) @ burnt)
    if f.electricity_sold is not None:
        for k, price in u.sale_eur_per_mwh.items():
            costs[f"electricity_sale_{k}"] = -float((w * price) @ f.electricity_sold)
    return costs


def unit_co2_t(inp: SystemInputs, f: UnitFlows, grid_share: np.ndarray) -> float | None:
    """The unit's CO2 in a year, t: grid electricity (if its intensity is given) and every fuel.
    None if the unit uses grid electricity whose CO2 is not given."""
    w = inp.weights
    total = 0.0
    for name, burnt in f.fuels.items():
        co2 = inp.carriers[name].co2_t_per_mwh
        total += 0.0 if co2 is None else float((w * co2) @ burnt)
    grid = f.electricity * grid_share
    if np.any(grid > 0):
        if inp.co2_t_per_mwh is None:
            return None
        total += float((w * inp.co2_t_per_mwh) @ grid)
    return total


def carrier_table(
    carriers: dict[str, CarrierInputs],
    weights: np.ndarray,
    used: dict[str, np.ndarray],
    grid: np.ndarray,
    sold: np.ndarray,
    sale_revenue_eur: float,
) -> pd.DataFrame:
    """One row per carrier: a year's use, cost and CO2 (`used`: fuel burnt per hour, MW, by fuel;
    `grid`: electricity bought from the grid per hour; `sold`: electricity sold per hour)."""
    rows = []
    for name, c in carriers.items():
        flow = grid if name == ELECTRICITY else used.get(name, np.zeros_like(weights))
        mwh = float(weights @ flow)
        cost = float((weights * c.price) @ flow)
        co2 = None if c.co2_t_per_mwh is None else float((weights * c.co2_t_per_mwh) @ flow)
        is_el = name == ELECTRICITY
        rows.append(
            {
                "carrier": name,
                "kind": "fuel" if c.is_fuel else "electricity",
                "bought_mwh": mwh,
                "cost_eur": cost,
                "mean_price_eur_per_mwh": cost / mwh if mwh > 0 else np.nan,
                "sold_mwh": float(weights @ sold) if is_el else 0.0,
                "revenue_eur": sale_revenue_eur if is_el else 0.0,
                "co2_t": np.nan if co2 is None else co2,
                "annual_limit_mwh": np.nan if c.annual_limit_mwh is None else c.annual_limit_mwh,
            }
        )
    return pd.DataFrame(rows)
