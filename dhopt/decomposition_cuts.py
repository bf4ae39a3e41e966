"""Valid inequalities for the decomposition's master problem: enough capacity for the demand of a
window of hours.

Over any window W of consecutive hours within one cycle of the storages (the horizon, or one
weather year), the heat delivered equals the demand (or exceeds it, with dumping), and a storage
can give at most what it held at the window's start. A unit's heat in hour n is at most
cf_u[n] · cap_u (cf: heat per MW of capacity, 1 for most units) and at most its availability
up_u[n], so for any choice of hours A_u in which the first of the two is counted,

    Σ_u (1 − pipe loss_u) · (Σ_{n∈W∩A_u} cf_u[n] · cap_u + Σ_{n∈W∖A_u} up_u[n])
        + Σ_s max_n share_s[n] · cap_s  ≥  Σ_{n∈W} demand[n]

holds for every feasible solution. Without such rows the master's first steps, knowing only a
cut or two, shrink every capacity at once and the dispatch is left with heat it cannot supply:
each such step costs a dispatch LP from far away.

Two sets: fixed rows for the demand's densest single hour, 6 hours, day, 3 days, week, fortnight
and 30 days (A_u: every hour), and rows added as the decomposition goes, for windows ending where
a dispatch left heat unserved (A_u: the hours in which cf·cap is below up at that dispatch's
capacities, the tightest choice there).
"""

from __future__ import annotations

import numpy as np

from dhopt.model import BuiltModel
from dhopt.units.capacity import capacity_vars
from dhopt.units.storage import investment_vars as storage_investment_vars
from dhopt.weather_years import cycle_hours

# The 2- and 4-week windows: without them the first integer point of a weather year (Flensburg
# 2014) had 18 MW of heat pumps and boiler and a 1,900 MWh tank for a January the tank cannot
# carry (1,700 MWh unserved, then three more points short, each LP 2.4–2.9 s); with them 104 MWh
# and one more: 20.3 → 11.1 s of dispatch LPs in all.
WINDOWS = (1, 6, 24, 72, 168, 336, 720)
# Windows that end at an hour with unserved heat: how far back the shortage may have built up.
UNSERVED_WINDOWS = (1, 3, 6, 12, 24, 48, 72, 168, 336, 720)
MOST_RUNS = 20  # the runs with the most unserved heat, each dispatch

Row = tuple[dict[int, float], float]  # id(capacity variable) → coefficient, right-hand side


class WindowRows:
    """The window rows of one built model (see the module docstring)."""

    def __init__(self, built: BuiltModel):
        inputs = built.inputs
        # With heat allowed to go unserved (a priced slack, as the stress test has) no row holds.
        self.valid = inputs.unserved_heat_eur_per_mwh is None
        self.demand = np.asarray(inputs.demand_mw, float)
        self.hours = len(self.demand)
        self.cycle = cycle_hours(inputs) or self.hours
        self.units = [
            (
                id(capacity_vars(built.converter_blocks[u.name])[0]),
                (1.0 - u.heat_loss_fraction) * np.asarray(u.heat_per_mw, float),
                (1.0 - u.heat_loss_fraction) * np.asarray(u.upper_mw, float),
            )
            for u in inputs.converters
        ]
        self.storages = [
            (
                id(storage_investment_vars(built.storage_blocks[s.name])[0]),
                max(1.0 if s.usable_share is None else float(np.max(s.usable_share)), 1.0),
            )
            for s in inputs.storages
        ]

    def row(self, start: int, length: int, capacity: dict[int, float] | None = None) -> Row:
        """The row of hours [start, start + length); `capacity` (id → MW): the point whose
        tightest A_u is taken, None: A_u is every hour."""
        window = slice(start, start + length)
        coefficients: dict[int, float] = {}
        rhs = float(self.demand[window].sum())
        for key, cf, up in self.units:
            if capacity is None:
                coefficients[key] = float(cf[window].sum())
                continue
            counted = cf[window] * capacity[key] < up[window]
            coefficients[key] = float(cf[window][counted].sum())
            rhs -= float(up[window][~counted].sum())
        for key, share in self.storages:
            coefficients[key] = share
        return coefficients, rhs

    def densest(self) -> list[Row]:
        """The fixed rows: the densest window of each length in WINDOWS, within one cycle."""
        rows: list[Row] = []
        for length in WINDOWS if self.valid else ():
            if length > self.cycle:
                continue
            best_start, best = 0, -np.inf
            for first in range(0, self.hours, self.cycle):
                cycle = self.demand[first : first + self.cycle]
                sums = np.convolve(cycle, np.ones(length), mode="valid")  # demand over each window
                k = int(np.argmax(sums))
                if sums[k] > best:
                    best_start, best = first + k, float(sums[k])
            rows.append(self.row(best_start, length))
        return rows

    def unserved(self, unserved_mwh: np.ndarray, capacity: dict[int, float]) -> list[Row]:
        """Rows for windows ending at the last hour of each run of hours with unserved heat, and at
        its hour with the most, that the capacities where it was found break (so each tells the
        master something new)."""
        short = np.flatnonzero(unserved_mwh > 1e-6)
        if len(short) == 0 or not self.valid:
            return []
        firsts = np.r_[0, np.flatnonzero(np.diff(short) > 1) + 1]
        runs = np.split(short, firsts[1:])
        runs.sort(key=lambda run: -float(unserved_mwh[run].sum()))
        ends = set()
        for run in runs[:MOST_RUNS]:
            ends |= {int(run[-1]), int(run[np.argmax(unserved_mwh[run])])}
        rows = []
        for end in sorted(ends):
            first_of_cycle = (end // self.cycle) * self.cycle
            for length in UNSERVED_WINDOWS:
                start = end - length + 1
                if start < first_of_cycle:
                    break
                coefficients, rhs = self.row(start, length, capacity)
                given = sum(c * capacity[k] for k, c in coefficients.items() if k in capacity)
                if given < rhs - 1e-6 * max(1.0, abs(rhs)):
                    rows.append((coefficients, rhs))
        return rows
