"""Stage 5: solved model → tables (capacities, KPIs with the LCOE breakdown, hourly dispatch), files.

Definitions (docs/model.md, section 5):
- heat_mwh: a unit's heat delivered to the network (after its pipe loss), a year; system: demand.
- scop: a unit's heat at the plant / its electricity (no storage losses), only for units driven
  by electricity alone; system: the demand's share not made from fuel / all electricity used
  (storage and pipe losses included; with no fuel units, demand / electricity).
- fuel_efficiency: (heat at the plant + electricity sold) / fuel (net calorific value).
- lcoe: annual cost / annual heat; a unit's own costs over its own delivered heat; the storage's over
  the heat it discharges; the system's (all costs, extra investments too) over the demand.
- co2: kg CO2 per MWh of heat, from the hourly intensity of the grid electricity used and the
  CO2 of each fuel burnt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dhopt import columns as col
from dhopt.carrier_flows import carrier_costs, carrier_table, unit_co2_t, unit_flows
from dhopt.inputs import SystemInputs
from dhopt.model import BuiltModel, grid_values, unserved_values
from dhopt.results_storage import storage_result
from dhopt.units import STORAGE_TYPES, commitment
from dhopt.units.capacity import built_capacity, new_capacity
from dhopt.units.converter import (
    annual_tax_value,
    auxiliary_values,
    electric_capacity_mw,
    extra_power_values,
    heat_values,
)
from dhopt.weather_years import cycle_hours


@dataclass
class Results:
    capacities: pd.DataFrame
    kpis: pd.DataFrame
    dispatch: pd.DataFrame
    carriers: pd.DataFrame  # one row per carrier: bought, sold, cost, CO2
    kpis_by_year: pd.DataFrame | None = None  # weather years: each year's KPIs and the weighted ones


def _clean(x: np.ndarray, tol: float = 1e-7) -> np.ndarray:
    """Solver noise (|x| < tol) to exact zero, so reports show 0 rather than 1e-12."""
    return np.where(np.abs(x) < tol, 0.0, x)


def basis_label(inputs: SystemInputs) -> str:
    """What the annual numbers stand on, for every table: the full year, a shorter horizon scaled
    to a year, or typical periods (approximate)."""
    if inputs.periods is not None:
        return f"{inputs.periods.method} (approximate, {inputs.periods.source_hours} h)"
    if inputs.years is not None:
        y = inputs.years
        weights = (
            "equal weights"
            if len(set(y.weights)) == 1
            else "weights " + "/".join(f"{w:.3g}" for w in y.weights)
        )
        return f"{y.label}, {'+'.join(map(str, y.lengths))} h, each scaled to a year, {weights}"
    if inputs.hours == 8760:
        return "8760 h (a full year)"
    return f"{inputs.hours} h scaled ×{inputs.year_scale:.4g} to a year"


def collect(built: BuiltModel, labels: dict[str, str] | None = None) -> Results:
    """The tables of a solved model. `labels`: columns with one value for every row of the
    capacity and KPI tables (the solve's status and basis, so no table travels without them)."""
    inp: SystemInputs = built.inputs
    hours, w = inp.hours, inp.weights  # w: hours of a year each model hour stands for
    peak = float(inp.demand_mw.max())
    disp: dict[str, Any] = {}
    if inp.time is not None:
        disp[col.TIME] = inp.time
    disp[col.HOUR] = np.arange(hours)
    if inp.years is not None:
        disp[col.WEATHER_YEAR] = np.repeat(inp.years.names, inp.years.lengths)
    if inp.periods is not None:  # typical periods: which one, and how many hours of a year each stands for
        disp[col.TYPICAL_PERIOD] = np.arange(hours) // inp.periods.length
        disp[col.WEIGHT] = w
    disp[col.DEMAND] = inp.demand_mw
    disp[col.PRICE] = inp.price
    cap_rows, kpi_rows = [], []
    counts_starts = any(u.starts is not None for u in inp.converters)  # the columns, for every producer
    period = cycle_hours(inp)
    total_elec = np.zeros(hours)
    total_aux = np.zeros(hours)
    cost_cols = ["investment", "pipe", "fixed_om", "variable_om"] + [
        f"electricity_{k}" for k in inp.price_components
    ]
    system_costs = dict.fromkeys(cost_cols, 0.0)

    # Carrier flows per unit and hour, and the share of electricity bought from the grid (1
    # without PV: with on-site PV, grid purchases and their CO2 are shared in proportion to use).
    flows = {
        u.name: unit_flows(
            u,
            _clean(heat_values(built.converter_blocks[u.name], hours)),
            _clean(auxiliary_values(built.converter_blocks[u.name], hours)),
            _clean(extra_power_values(built.converter_blocks[u.name], hours)),
        )
        for u in inp.converters
    }
    use = sum((f.electricity for f in flows.values()), np.zeros(hours))
    grid = use
    grid_share = np.ones(hours)
    if inp.pv_mw is not None:
        grid = _clean(grid_values(built))
        grid_share = np.divide(grid, use, out=np.zeros(hours), where=use > 1e-9)
        disp[col.PV] = inp.pv_mw
        disp[col.PV_USED] = use - grid
        disp[col.GRID_ELECTRICITY] = grid
        export = (w * inp.pv_export_price) @ (inp.pv_mw - (use - grid))
        system_costs["pv_export"] = -float(export)
    if inp.cooling_demand_mw is not None:
        disp[col.COOLING_DEMAND] = inp.cooling_demand_mw

    fuel_burnt: dict[str, np.ndarray] = {}
    sold_total = np.zeros(hours)
    fuel_heat = fuel_total = fuel_output = 0.0  # heat at the plant of fuel units, their fuel, heat + power
    delivered_total = 0.0
    co2_known = True
    for u in inp.converters:
        b = built.converter_blocks[u.name]
        f = flows[u.name]
        q, aux, elec = f.q, f.aux, f.electricity
        cap = built_capacity(b)  # existing included
        new, built_flag = new_capacity(b, u.capacity_existing_mw)  # investment only on what is new
        delivered = (1 - u.heat_loss_fraction) * q
        total_elec += elec
        total_aux += aux
        disp[col.heat(u.name)] = q
        disp[col.delivered(u.name)] = delivered
        if u.electricity_per_mwh is not None or u.aux_mw_per_mw is not None:
            disp[col.electricity(u.name)] = elec
            disp[col.aux_electricity(u.name)] = aux
        if u.cop is not None:
            disp[col.cop(u.name)] = u.cop
        for name, burnt in f.fuels.items():
            disp[col.fuel(u.name, name)] = burnt
            fuel_burnt[name] = fuel_burnt.get(name, np.zeros(hours)) + burnt
        sold = f.electricity_sold if f.electricity_sold is not None else np.zeros(hours)
        if f.electricity_sold is not None:
            disp[col.electricity_sold(u.name)] = sold
            sold_total += sold
        if u.cooling_per_mwh is not None:
            disp[col.cooling(u.name)] = u.cooling_per_mwh * q
        if u.source_stream is not None:  # the source cooled by what the heat pump draws from it
            inlet, capacity_flow = u.source_stream
            drawn = q - elec + aux  # heat from the source: Q − W (auxiliary power makes no heat)
            with np.errstate(divide="ignore", invalid="ignore"):
                cooled = np.where(capacity_flow > 0, drawn / capacity_flow, 0.0)
            disp[col.source_outlet(u.name)] = inlet - cooled
        costs = {
            "investment": (
                u.annual_fixed_eur.get("investment", 0.0) * built_flag
                + u.annual_per_mw_eur.get("investment", 0.0) * new
            ),
            "pipe": u.annual_fixed_eur.get("pipe", 0.0) * built_flag
            + u.annual_per_mw_eur.get("pipe", 0.0) * new,
            "fixed_om": u.annual_per_mw_eur.get("fixed_om", 0.0) * cap,
            "variable_om": u.variable_om_eur_per_mwh * float(w @ q),
        }
        costs.update(carrier_costs(inp, u, f, grid_share))
        for k, coef in u.hourly_costs_eur_per_mwh.items():
            costs[k] = costs.get(k, 0.0) + float((w * coef) @ q)
        tax = annual_tax_value(b)
        if tax is not None:
            costs["excess_heat_tax"] = costs.get("excess_heat_tax", 0.0) + tax
        on = commitment.on_pattern(b, q)
        n_starts, running = commitment.operation_counts(on, w, period)
        if u.starts is not None:
            disp[col.on(u.name)] = on
            costs["starts"] = u.starts.cost_eur * n_starts  # the objective's term (w·s at an optimum)
        for k, v in costs.items():
            system_costs[k] = system_costs.get(k, 0.0) + v
        heat = float(w @ delivered)
        delivered_total += heat
        elec_mwh = float(w @ elec)
        fuel_mwh = sum(float(w @ burnt) for burnt in f.fuels.values())
        sold_mwh = float(w @ sold)
        if u.uses_fuel:
            fuel_heat += heat
            fuel_total += fuel_mwh
            fuel_output += float(w @ q) + sold_mwh
        co2_t = unit_co2_t(inp, f, grid_share)
        co2_known = co2_known and co2_t is not None
        kpi_rows.append(
            _kpi_row(
                u.name,
                u.kind,
                u.source,
                heat,
                elec_mwh,
                # SCOP: only a unit driven by electricity alone has one
                float(w @ q) / elec_mwh if elec_mwh > 0 and not u.uses_fuel else np.nan,
                costs,
                co2_t,
                aux_mwh=float(w @ aux),
                fuel_mwh=fuel_mwh,
                sold_mwh=sold_mwh,
                fuel_efficiency=(float(w @ q) + sold_mwh) / fuel_mwh if fuel_mwh > 0 else np.nan,
            )
        )
        cap_rows.append(
            {
                "unit": u.name,
                "type": u.kind,
                "source": u.source,
                "capacity_mw": cap,
                "existing_mw": u.capacity_existing_mw,
                "new_mw": new,
                "capacity_mwh": np.nan,
                "share_of_peak_pct": 100 * cap / peak if peak > 0 else np.nan,
                "full_load_hours": heat / (1 - u.heat_loss_fraction) / cap if cap > 0 else 0.0,
                "min_load_mw": u.min_load_mw,
                col.AT_LIMIT: _at_limit(cap, u.capacity_max_mw, u.capacity_fixed_mw, u.capacity_existing_mw),
                col.ELECTRIC_CAPACITY: electric_capacity_mw(u, cap),
                **({} if u.area_m2_per_mw is None else {"area_m2": cap * u.area_m2_per_mw}),
                **({col.STARTS: n_starts, col.RUNNING_HOURS: running} if counts_starts else {}),
            }
        )

    heat = {u.name: flows[u.name].q for u in inp.converters}
    for s in inp.storages:
        r = storage_result(built.storage_blocks[s.name], s, inp, heat)
        disp.update(r.dispatch)
        costs = dict.fromkeys(cost_cols, 0.0)
        costs["investment"] = r.investment_eur  # a cost curve's and a power capacity's too
        system_costs["investment"] += costs["investment"]
        kpi_rows.append(_kpi_row(s.name, s.kind, "", r.discharged_mwh, 0.0, np.nan, costs, None))
        cap = r.capacity_row["capacity_mwh"]
        limit = _at_limit(cap, s.capacity_max_mwh, s.capacity_fixed_mwh, s.capacity_existing_mwh)
        cap_rows.append({**r.capacity_row, col.AT_LIMIT: limit})

    if inp.allow_heat_dump:
        supply = sum(disp[col.delivered(u.name)] for u in inp.converters) + sum(
            disp[col.discharge(s.name)] - disp[col.charge(s.name)] - disp.get(col.to_booster(s.name), 0.0)
            for s in inp.storages  # a heat-pump booster's heat holds what it drew from the pit
        )
        disp[col.HEAT_DUMPED] = _clean(supply - inp.demand_mw)
    disp[col.ELECTRICITY] = total_elec
    if built.marginal_heat_cost is not None:
        disp[col.MARGINAL_HEAT_COST] = _clean(built.marginal_heat_cost, 1e-9)
    if inp.co2_t_per_mwh is not None:
        disp[col.CO2_INTENSITY] = inp.co2_t_per_mwh
    for name, burnt in fuel_burnt.items():
        disp[col.fuel_total(name)] = burnt
    if any(u.makes_per_mwh for u in inp.converters):
        disp[col.ELECTRICITY_SOLD] = sold_total
    extra = sum(inp.extra_annual_eur.values())
    system_costs["extra_investments"] = extra
    unserved = unserved_values(built)
    if unserved is not None:  # the stress test's priced slack, in its own column and cost
        unserved = _clean(unserved)
        disp[col.UNSERVED_HEAT] = unserved
        system_costs[col.UNSERVED_COST] = float(inp.unserved_heat_eur_per_mwh or 0.0) * float(w @ unserved)
    demand_mwh = float(w @ inp.demand_mw)
    elec_mwh = float(w @ total_elec)
    # System SCOP: the demand's share not made from fuel (in proportion to the heat each unit
    # delivered) over all electricity used; with no fuel units it is demand / electricity.
    not_fuel = demand_mwh * (1.0 - fuel_heat / delivered_total) if delivered_total > 0 else demand_mwh
    sold_mwh = float(w @ sold_total)
    co2_system = None
    if co2_known:
        co2_system = sum(
            float(k["co2_t"]) for k in kpi_rows if k["type"] not in STORAGE_TYPES and np.isfinite(k["co2_t"])
        )
    kpi_rows.append(
        _kpi_row(
            "system",
            "system",
            "",
            demand_mwh,
            elec_mwh,
            not_fuel / elec_mwh if elec_mwh > 0 else np.nan,
            system_costs,
            co2_system,
            aux_mwh=float(w @ total_aux),
            fuel_mwh=fuel_total,
            sold_mwh=sold_mwh,
            fuel_efficiency=fuel_output / fuel_total if fuel_total > 0 else np.nan,
        )
    )
    sale_revenue = -sum(v for k, v in system_costs.items() if k.startswith("electricity_sale_"))
    carriers = carrier_table(inp.carriers, w, fuel_burnt, grid, sold_total, sale_revenue)
    if unserved is not None:
        kpi_rows[-1][col.UNSERVED_HEAT_MWH] = float(w @ unserved)
    kpis = pd.DataFrame(kpi_rows).fillna({c: 0.0 for c in _cost_columns(kpi_rows)})
    if inp.periods is not None:  # never silent: every KPI row says it stands on typical periods
        kpis["approximation"] = inp.periods.method
    # A component a unit does not have is 0 €/MWh for it (NaN only where it delivered no heat).
    produced = kpis["heat_mwh"] > 0
    for c in map(col.lcoe_component, col.lcoe_components(kpis.columns)):
        kpis.loc[produced, c] = kpis.loc[produced, c].fillna(0.0)
    capacities = pd.DataFrame(cap_rows)
    for column, value in (labels or {}).items():
        for table in (kpis, capacities, carriers):
            table[column] = value
    if inp.periods is not None:
        carriers["approximation"] = inp.periods.method
    return Results(capacities=capacities, kpis=kpis, dispatch=pd.DataFrame(disp), carriers=carriers)


def _at_limit(cap: float, limit: float, fixed: float | None, existing: float) -> bool:
    """An optimised capacity that ends at the user's largest one (a higher limit may be worth
    trying); never a fixed one, nor one whose limit leaves nothing to decide (limit ≤ existing)."""
    decided = fixed is None and np.isfinite(limit) and limit > existing
    return bool(decided and cap >= limit * (1 - 1e-6) - 1e-9)


def _cost_columns(rows: list[dict]) -> list[str]:
    cols: list[str] = []
    for r in rows:
        cols += [c for c in r if c.startswith("cost_") and c not in cols]
    return cols


def _kpi_row(
    name,
    kind,
    source,
    heat_mwh,
    elec_mwh,
    scop,
    costs,
    co2_t,
    aux_mwh=0.0,
    fuel_mwh=0.0,
    sold_mwh=0.0,
    fuel_efficiency=np.nan,
) -> dict[str, Any]:
    total = sum(costs.values())
    row: dict[str, Any] = {
        "unit": name,
        "type": kind,
        "source": source,
        "heat_mwh": heat_mwh,
        "electricity_mwh": elec_mwh,
        "fuel_mwh": fuel_mwh,
        "electricity_sold_mwh": sold_mwh,
        "fuel_efficiency": fuel_efficiency,
        "aux_electricity_mwh": aux_mwh,
        "aux_share": aux_mwh / elec_mwh if elec_mwh > 0 else 0.0,
        "scop": scop,
        "cost_total_eur": total,
        col.LCOE: total / heat_mwh if heat_mwh > 0 else np.nan,
        "co2_t": np.nan if co2_t is None else co2_t,
        "co2_kg_per_mwh": np.nan if co2_t is None or heat_mwh <= 0 else 1000 * co2_t / heat_mwh,
    }
    for k, v in costs.items():
        row[col.cost_component(k)] = v
    for k, v in costs.items():
        row[col.lcoe_component(k)] = v / heat_mwh if heat_mwh > 0 else np.nan
    return row


def aggregation_check(approx: Results, exact: Results) -> pd.DataFrame:
    """LCOE, SCOP, CO2 and every capacity of a typical-period run beside the exact run's."""
    rows = []
    ka, ke = approx.kpis.set_index("unit").loc["system"], exact.kpis.set_index("unit").loc["system"]
    for column, name in (
        (col.LCOE, "LCOE €/MWh"),
        ("scop", "SCOP"),
        ("co2_kg_per_mwh", "CO2 kg/MWh"),
    ):
        if column in ka.index:
            rows.append((name, float(ka[column]), float(ke[column])))
    ca, ce = approx.capacities.set_index("unit"), exact.capacities.set_index("unit")
    for unit in ce.index:
        column, label = (
            ("capacity_mwh", "MWh") if ce.loc[unit, "type"] in STORAGE_TYPES else ("capacity_mw", "MW")
        )
        rows.append((f"{unit} {label}", float(ca.loc[unit, column]), float(ce.loc[unit, column])))
    table = pd.DataFrame(rows, columns=["quantity", "typical_days", "every_hour"])
    with np.errstate(divide="ignore", invalid="ignore"):
        table["difference_pct"] = np.where(
            table["every_hour"].abs() > 1e-9,
            100 * (table["typical_days"] - table["every_hour"]) / table["every_hour"].abs(),
            np.where(table["typical_days"].abs() > 1e-9, np.inf, 0.0),
        )
    return table
