"""Lifetime economics: the options, the column names and the arithmetic of cash flows over a study period.

Conventions (docs/economics.md):
- Year 0 is the investment in the new capacity; operating costs and revenues fall at the end of
  years 1 … N, N the study period. Existing capacity has no investment (and no reinvestment).
- An investment whose lifetime L ends inside the study period is made again at years L, 2L, …
  (< N); at year N the last one has a residual value of its linear depreciation: the share
  (its year + L − N) / L of it is left.
- Every amount is in real terms (prices of year 0) and discounted at the scenario's discount
  rate, which is real. With an inflation rate i, the nominal cash flow of year t is the real one
  times (1 + i)^t, discounted at the nominal rate (1 + r)(1 + i) − 1: the NPV is the same.
- A loan is nominal: its debt service is the annuity P·q / (1 − (1 + q)^−n) for years 1 … n
  (principal P = share · the year-0 investment, interest q, tenor n); if n > N the debt left
  after year N is repaid in year N. In real terms its payments shrink by (1 + i)^t.
- IRR, simple and discounted payback are of the difference against a baseline run, year by
  year: the extra investment against what it saves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from pydantic import Field

from dhopt.schema import Fraction, Share, StrictModel, Years, number

# economics.csv: one row per unit, per extra investment, and a row "system"
UNIT, TYPE = "unit", "type"
CAPEX = "capex_eur"
REINVESTMENT = "reinvestment_eur"  # all reinvestments inside the study period, real, undiscounted
RESIDUAL = "residual_value_eur"
ANNUAL_OM = "annual_om_eur"
ANNUAL_ENERGY = "annual_energy_eur"
ANNUAL_TAX = "annual_tax_eur"
ANNUAL_REVENUE = "annual_revenue_eur"
ANNUAL_OTHER = "annual_other_eur"
ANNUAL_NET = "annual_net_cost_eur"
LCOE_ANNUITY = "lcoe_eur_per_mwh"  # kpis.csv's annuity-based LCOE, copied as it is
NPV = "npv_eur"
LOAN = "loan_eur"
DEBT_SERVICE = "debt_service_eur_per_year"  # nominal, years 1 … tenor
NPV_EQUITY = "npv_equity_eur"
NPV_VS_BASELINE = "npv_vs_baseline_eur"
IRR = "irr"
PAYBACK = "payback_years"
DISCOUNTED_PAYBACK = "discounted_payback_years"
STUDY_PERIOD = "study_period_years"
DISCOUNT_REAL = "discount_rate_real"
INFLATION = "inflation_rate"
DISCOUNT_NOMINAL = "discount_rate_nominal"

# cashflow.csv: one row per year (0 … N) and unit (and system); costs negative, revenues positive
YEAR = "year"
INVESTMENT_FLOW = "investment_eur"  # capex in year 0, reinvestments later (negative)
RESIDUAL_FLOW = "residual_value_eur"
OM_FLOW, ENERGY_FLOW, TAX_FLOW, REVENUE_FLOW, OTHER_FLOW = (
    "om_eur",
    "energy_eur",
    "tax_eur",
    "revenue_eur",
    "other_eur",
)
NET_REAL = "net_real_eur"
NET_NOMINAL = "net_nominal_eur"
DISCOUNTED = "discounted_eur"
LOAN_FLOW = "loan_eur"  # system only: the loan paid out in year 0 (positive)
DEBT_SERVICE_FLOW = "debt_service_real_eur"  # system only: the debt service in real terms (negative)
NET_EQUITY_REAL = "net_equity_real_eur"  # system only: net + loan + debt service

# The annual flows of a row, by the column of economics.csv and of cashflow.csv (a cost is
# positive in the first and negative in the second; a revenue positive in both).
OPERATING = (
    (ANNUAL_OM, OM_FLOW),
    (ANNUAL_ENERGY, ENERGY_FLOW),
    (ANNUAL_TAX, TAX_FLOW),
    (ANNUAL_REVENUE, REVENUE_FLOW),
    (ANNUAL_OTHER, OTHER_FLOW),
)

Inflation = number(ge=-0.1, le=0.5)  # a year, -: deflation allowed, hyperinflation not


class Loan(StrictModel):
    """A loan on the year-0 investment, repaid as an annuity (constant nominal payments)."""

    share: Share = Field(description="Share of the year-0 investment financed by the loan, 0–1.")
    interest_rate: Fraction = Field(description="Nominal interest rate, a year, -.")
    tenor_years: Years = Field(description="Years of repayment, from year 1.")


class LifetimeEconomics(StrictModel):
    """Options of `dhopt economics` (cash flows, NPV, IRR and payback over a study period; see
    docs/economics.md). They do not change the solve, whose annuity-based LCOE stays as it is."""

    study_period_years: Years | None = Field(
        None,
        description="Years of the cash flows after the investment (default: the longest lifetime of "
        "any investment the scenario describes: units, their pipes, extra investments).",
    )
    inflation_rate: Inflation = Field(
        0.0,
        description="Inflation a year, -, for the nominal cash flows (the discount rate is real; the "
        "nominal one is (1 + r)(1 + i) − 1, which gives the same NPV).",
    )
    loan: Loan | None = Field(None, description="A loan on the year-0 investment (optional).")


def nominal_rate(real: float, inflation: float) -> float:
    """The nominal discount rate of a real one (Fisher): (1 + r)(1 + i) − 1."""
    return (1.0 + real) * (1.0 + inflation) - 1.0


def discount_factors(rate: float, years: int) -> np.ndarray:
    """1 / (1 + rate)^t for t = 0 … years."""
    return (1.0 + rate) ** -np.arange(years + 1, dtype=float)


def npv(rate: float, flows: Sequence[float] | np.ndarray) -> float:
    """Σ_t flow_t / (1 + rate)^t, the first flow at t = 0."""
    flows = np.asarray(flows, dtype=float)
    return float(flows @ discount_factors(rate, len(flows) - 1))


def annuity_payment(principal: float, rate: float, years: int) -> float:
    """The constant payment that repays `principal` in `years` at `rate`: P·q / (1 − (1 + q)^−n)."""
    if rate == 0:
        return principal / years
    return principal * rate / (1.0 - (1.0 + rate) ** -years)


def debt_service(principal: float, rate: float, tenor: int, years: int) -> np.ndarray:
    """Nominal payments for t = 0 … years: the annuity in years 1 … tenor; a tenor beyond the study
    period repays the debt left after year `years` in that year."""
    pay = annuity_payment(principal, rate, tenor)
    out = np.zeros(years + 1)
    out[1 : min(tenor, years) + 1] = pay
    if tenor > years:  # what is left of the principal after `years` payments
        grown = (1.0 + rate) ** years
        left = principal * grown - (pay * (grown - 1.0) / rate if rate > 0 else pay * years)
        out[years] += left
    return out


def investment_schedule(capex: float, lifetime: int, years: int) -> tuple[np.ndarray, float]:
    """Investments (capex in year 0, again at each end of its lifetime before `years`) for
    t = 0 … years, and the residual value in year `years` (linear depreciation of the last one)."""
    out = np.zeros(years + 1)
    last = 0
    for t in range(0, years, lifetime):
        out[t] = capex
        last = t
    residual = capex * max(last + lifetime - years, 0) / lifetime
    return out, residual


def irr(flows: Sequence[float] | np.ndarray) -> float | None:
    """The rate at which the NPV of `flows` is 0, by bisection; None if there is none or more than one.

    Bisection on the NPV rather than numpy-financial's `irr` (the roots of a polynomial, from which
    it picks one): the rates -90 % … 1000 % are scanned for a change of sign of the NPV, which
    also tells a unique IRR from several (a flow that changes sign more than once), and the one
    bracket is halved to 1e-12; twenty lines, no dependency for it.
    """
    flows = np.asarray(flows, dtype=float)
    grid = np.concatenate([np.linspace(-0.9, 1.0, 190, endpoint=False), np.geomspace(1.0, 10.0, 100)])
    values = np.array([npv(r, flows) for r in grid])
    signs = np.sign(values)
    changes = np.flatnonzero(signs[:-1] * signs[1:] < 0)
    zeros = np.flatnonzero(values == 0.0)
    if len(changes) + len(zeros) != 1:
        return None
    if len(zeros):
        return float(grid[zeros[0]])
    lo, hi = grid[changes[0]], grid[changes[0] + 1]
    f_lo = values[changes[0]]
    while hi - lo > 1e-12:
        mid = 0.5 * (lo + hi)
        f_mid = npv(mid, flows)
        if (f_mid < 0) == (f_lo < 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def payback(flows: Sequence[float] | np.ndarray) -> float | None:
    """Years until the cumulative flow first reaches 0, linear within the year; 0 if it never is
    below 0, None if it never recovers."""
    cumulative = np.cumsum(np.asarray(flows, dtype=float))
    if cumulative[0] >= 0:
        return 0.0
    for t in range(1, len(cumulative)):
        if cumulative[t] >= 0:
            return (t - 1) + (-cumulative[t - 1]) / (cumulative[t] - cumulative[t - 1])
    return None


def finite_or_nan(x: float | None) -> float:
    return math.nan if x is None else float(x)
