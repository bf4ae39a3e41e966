"""A solved result folder → its lifetime economics: economics.csv and cashflow.csv (dhopt economics).

What each unit invests is read from the scenario through its schema and the capacities the solve
built: `investment.fixed_eur` (if new capacity was built) + `per_mw_eur` · new MW, a storage's
`fixed_eur` + `per_m3_eur` · its new volume; a pipe's investment is its annuity in kpis.csv over its
capital recovery factor (its design flow depends on the temperature series, which the annuity
already holds). The annual costs and revenues are kpis.csv's cost components, as the solve
reported them (a shorter horizon or typical days scaled to a year, which the notes say).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dhopt import columns as col
from dhopt import economics as ec
from dhopt.errors import DhoptError
from dhopt.inputs import capital_recovery_factor
from dhopt.result_files import CASHFLOW_FILE, ECONOMICS_FILE, atomic_write
from dhopt.result_reader import is_copy, read_table, run_info, solved_scenario
from dhopt.scenario import LoadedScenario, Scenario, load_scenario

SCENARIO_COPY = "scenario.yaml"  # the scenario as solved, kept in the result folder
CAPITAL = ("investment", "pipe", "extra_investments")  # annuities: replaced by the cash flows
REVENUES = ("cooling_credit", "pv_export")  # with electricity_sale_*: negative costs
TOTAL = col.cost_component("total")


@dataclass
class Item:
    """One row of economics.csv before the cash flows: its investments and its annual flows."""

    name: str
    kind: str
    investments: list[tuple[float, int]]  # (€ in year 0, lifetime in years)
    annual: dict[str, float] = field(default_factory=dict)  # economics column → € a year (≥ 0 a cost)
    lcoe: float = math.nan


@dataclass
class Folder:
    """What the economics read from a result folder."""

    path: Path
    info: dict[str, Any]
    kpis: pd.DataFrame
    capacities: pd.DataFrame
    loaded: LoadedScenario
    notes: list[str]

    @property
    def scenario(self) -> Scenario:
        return self.loaded.scenario


@dataclass
class Economics:
    economics: pd.DataFrame
    cashflow: pd.DataFrame
    notes: list[str]


def scenario_of(folder: Path, info: dict[str, Any]) -> tuple[Path, bool]:
    """The scenario as solved (dhopt.result_reader), and whether it is the folder's own copy."""
    path = solved_scenario(folder, info)
    return path, is_copy(folder, path)


def read_folder(folder: Path) -> Folder:
    """The result files and the scenario of a solve folder (one-line DhoptError if incomplete)."""
    info = run_info(folder)
    kpis = read_table(folder / "kpis.csv")
    capacities = read_table(folder / "capacities.csv")
    path, is_copy = scenario_of(folder, info)
    loaded = load_scenario(path)
    notes = []
    if not is_copy and info.get("scenario_sha256") not in (None, loaded.sha256):
        notes.append(f"{path} has changed since the solve (its SHA-256 differs from run.json's)")
    if info.get("hours") != 8760 or info.get("aggregation"):
        notes.append(f"the annual costs stand on {info.get('basis', 'a shorter horizon')}")
    return Folder(folder, info, kpis, capacities, loaded, notes)


def _component(column: str) -> str | None:
    if not (column.startswith("cost_") and column.endswith("_eur")) or column == TOTAL:
        return None
    return column[len("cost_") : -len("_eur")]


def _category(component: str) -> str | None:
    """Which annual flow a kpis.csv cost component is (None: an annuity of an investment)."""
    if component in CAPITAL:
        return None
    if component in ("fixed_om", "variable_om", "starts"):
        return ec.ANNUAL_OM
    if component.startswith("electricity_sale_") or component in REVENUES:
        return ec.ANNUAL_REVENUE
    if component.endswith("tax"):  # the excess-heat tax, a price adder named *tax (energy tax …)
        return ec.ANNUAL_TAX
    if component.startswith(("electricity_", "fuel_")) or component == "heat_purchase":
        return ec.ANNUAL_ENERGY
    return ec.ANNUAL_OTHER


def annual_flows(kpi: pd.Series) -> dict[str, float]:
    """A kpis.csv row's annual costs by category, € a year; revenues as positive amounts."""
    out = {column: 0.0 for column, _ in ec.OPERATING}
    for column, value in kpi.items():
        name = _component(str(column))
        category = None if name is None else _category(name)
        if category is None or not np.isfinite(value):
            continue
        out[category] += -float(value) if category == ec.ANNUAL_REVENUE else float(value)
    return out


def items(f: Folder) -> tuple[list[Item], Item]:
    """The units' and extra investments' rows, and the system's, of one folder."""
    sc, rate = f.scenario, f.scenario.economics.discount_rate
    kpis, caps = f.kpis.set_index(ec.UNIT), f.capacities.set_index(ec.UNIT)
    rows: list[Item] = []
    for name, cfg in sc.units.items():
        if name not in kpis.index or name not in caps.index:
            raise DhoptError(f"{f.path}: unit '{name}' of the scenario is not in kpis.csv and capacities.csv")
        kpi, inv = kpis.loc[name], cfg.investment
        # The upfront investment of what was built new, from its annuity in kpis.csv (CRF at the
        # unit's lifetime): the same for every unit type, whatever its cost form (per MW, per m²,
        # per m³, a cost curve), and exactly what the optimisation paid for.
        annuity = float(kpi.get(col.cost_component("investment"), 0.0))
        annuity = annuity if np.isfinite(annuity) and annuity > 1e-9 else 0.0
        capex = annuity / capital_recovery_factor(rate, inv.lifetime_years)
        investments = [(capex, inv.lifetime_years)]
        pipe, pipe_annuity = getattr(cfg, "pipe", None), float(kpi.get(col.cost_component("pipe"), 0.0))
        if pipe is not None and pipe_annuity > 0:
            crf = capital_recovery_factor(rate, pipe.lifetime_years)
            investments.append((pipe_annuity / crf, pipe.lifetime_years))
        rows.append(Item(name, cfg.type, investments, annual_flows(kpi), float(kpi.get(col.LCOE, math.nan))))
    for name, x in sc.extra_investments.items():
        if x.include:
            rows.append(Item(name, "extra_investment", [(x.investment_eur, x.lifetime_years)]))
    system_kpi = kpis.loc[col.SYSTEM]
    all_investments = [i for r in rows for i in r.investments]
    system = Item(
        col.SYSTEM, col.SYSTEM, all_investments, annual_flows(system_kpi), float(system_kpi[col.LCOE])
    )
    return rows, system


def longest_lifetime(sc: Scenario) -> int:
    """The default study period: the longest lifetime of any investment the scenario describes."""
    years = [u.investment.lifetime_years for u in sc.units.values()]
    pipes = [getattr(u, "pipe", None) for u in sc.units.values()]
    years += [p.lifetime_years for p in pipes if p is not None and p.length_m > 0]
    years += [x.lifetime_years for x in sc.extra_investments.values() if x.include]
    return max(years)


def cash_flows(item: Item, years: int, rate: float, inflation: float) -> pd.DataFrame:
    """One row's cash flows, t = 0 … years: costs negative, revenues positive, real terms."""
    invest, residual = np.zeros(years + 1), 0.0
    for capex, lifetime in item.investments:
        schedule, left = ec.investment_schedule(capex, lifetime, years)
        invest += schedule
        residual += left
    t = np.arange(years + 1)
    flows: dict[str, Any] = {ec.YEAR: t, ec.UNIT: item.name, ec.INVESTMENT_FLOW: -invest}
    flows[ec.RESIDUAL_FLOW] = np.where(t == years, residual, 0.0)
    for annual, flow in ec.OPERATING:
        sign = 1.0 if annual == ec.ANNUAL_REVENUE else -1.0
        flows[flow] = np.where(t > 0, sign * item.annual.get(annual, 0.0), 0.0)
    table = pd.DataFrame(flows)
    net = table[[ec.INVESTMENT_FLOW, ec.RESIDUAL_FLOW, *(f for _, f in ec.OPERATING)]].sum(axis=1)
    table[ec.NET_REAL] = net
    table[ec.NET_NOMINAL] = net * (1.0 + inflation) ** t
    table[ec.DISCOUNTED] = net * ec.discount_factors(rate, years)
    return table


def evaluate(f: Folder, years: int, options: ec.LifetimeEconomics, rate: float) -> Economics:
    """economics.csv and cashflow.csv of one folder over `years` (no baseline)."""
    rows, system = items(f)
    inflation = options.inflation_rate
    records, tables = [], []
    for item in [*rows, system]:
        table = cash_flows(item, years, rate, inflation)
        invest = -table[ec.INVESTMENT_FLOW].to_numpy()
        record: dict[str, Any] = {ec.UNIT: item.name, ec.TYPE: item.kind, ec.CAPEX: invest[0]}
        record[ec.REINVESTMENT] = invest[1:].sum()
        record[ec.RESIDUAL] = table[ec.RESIDUAL_FLOW].iloc[-1]
        record.update({annual: item.annual.get(annual, 0.0) for annual, _ in ec.OPERATING})
        costs = sum(v for k, v in item.annual.items() if k != ec.ANNUAL_REVENUE)
        record[ec.ANNUAL_NET] = costs - item.annual.get(ec.ANNUAL_REVENUE, 0.0)
        record[ec.LCOE_ANNUITY] = item.lcoe
        record[ec.NPV] = ec.npv(rate, table[ec.NET_REAL])
        records.append(record)
        tables.append(table)
    system_record, system_table = records[-1], tables[-1]
    loan = options.loan
    principal = 0.0 if loan is None else loan.share * system_record[ec.CAPEX]
    service = np.zeros(years + 1)
    if loan is not None:
        service = ec.debt_service(principal, loan.interest_rate, loan.tenor_years, years)
    t = np.arange(years + 1)
    system_table[ec.LOAN_FLOW] = np.where(t == 0, principal, 0.0)
    system_table[ec.DEBT_SERVICE_FLOW] = -service / (1.0 + inflation) ** t
    system_table[ec.NET_EQUITY_REAL] = (
        system_table[ec.NET_REAL] + system_table[ec.LOAN_FLOW] + system_table[ec.DEBT_SERVICE_FLOW]
    )
    system_record[ec.LOAN] = principal
    system_record[ec.DEBT_SERVICE] = 0.0 if loan is None else service[1]
    system_record[ec.NPV_EQUITY] = ec.npv(rate, system_table[ec.NET_EQUITY_REAL])
    economics = pd.DataFrame(records)
    economics[ec.STUDY_PERIOD] = years
    economics[ec.DISCOUNT_REAL] = rate
    economics[ec.INFLATION] = inflation
    economics[ec.DISCOUNT_NOMINAL] = ec.nominal_rate(rate, inflation)
    cashflow = pd.concat(tables, ignore_index=True)
    # Like every result table: the solve's status and what the annual figures stand on.
    for table in (economics, cashflow):
        table["status"] = f.info.get("status", "")
        table["basis"] = f.info.get("basis", "")
    return Economics(economics, cashflow, list(f.notes))


def folder_economics(folder: Path, baseline: Path | None = None) -> Economics:
    """The economics of a result folder, with IRR and payback against `baseline` if given."""
    f = read_folder(folder)
    options, rate = f.scenario.economics.lifetime, f.scenario.economics.discount_rate
    base = None if baseline is None else read_folder(baseline)
    years = options.study_period_years
    if years is None:
        years = max(longest_lifetime(f.scenario), 0 if base is None else longest_lifetime(base.scenario))
    result = evaluate(f, years, options, rate)
    if base is None:
        return result
    if base.scenario.economics.discount_rate != rate:
        result.notes.append(f"the baseline's discount rate differs; both are discounted at {rate:g}")
    base_result = evaluate(base, years, options, rate)
    result.notes += [f"baseline: {n}" for n in base_result.notes]
    own, other = result.cashflow, base_result.cashflow
    difference = (
        own.loc[own[ec.UNIT] == col.SYSTEM, ec.NET_REAL].to_numpy()
        - other.loc[other[ec.UNIT] == col.SYSTEM, ec.NET_REAL].to_numpy()
    )
    system = result.economics[ec.UNIT] == col.SYSTEM
    result.economics.loc[system, ec.NPV_VS_BASELINE] = ec.npv(rate, difference)
    result.economics.loc[system, ec.IRR] = ec.finite_or_nan(ec.irr(difference))
    result.economics.loc[system, ec.PAYBACK] = ec.finite_or_nan(ec.payback(difference))
    discounted = difference * ec.discount_factors(rate, years)
    result.economics.loc[system, ec.DISCOUNTED_PAYBACK] = ec.finite_or_nan(ec.payback(discounted))
    return result


def write_economics(folder: Path, result: Economics) -> None:
    atomic_write(folder / ECONOMICS_FILE, lambda p: result.economics.to_csv(p, index=False))
    atomic_write(folder / CASHFLOW_FILE, lambda p: result.cashflow.to_csv(p, index=False))


__all__ = ["Economics", "folder_economics", "write_economics"]
