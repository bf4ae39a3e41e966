"""Valid inequalities for the decomposition's master problem: enough capacity for the peak.

Over any window W of hours, the heat delivered equals the demand (or exceeds it, with dumping), and
a storage can give at most what it held at the window's start, so

    Σ_u (1 − pipe loss_u) · Σ_{n∈W} cf_u[n] · cap_u  +  Σ_s max_n share_s[n] · cap_s  ≥  Σ_{n∈W} demand[n]

holds for every feasible solution (cf: heat per MW of capacity in the hour, 1 for most units; share:
a storage's usable part of its capacity). Without them the master's first steps, knowing only a
cut or two, shrink every capacity at once and the dispatch is left with heat it cannot supply:
each such step costs a dispatch LP from far away. The windows are the demand's densest single
hour, 6 hours, day, 3 days and week.
"""

from __future__ import annotations

import numpy as np

from dhopt.model import BuiltModel
from dhopt.units.capacity import capacity_vars
from dhopt.units.storage import investment_vars as storage_investment_vars

WINDOWS = (1, 6, 24, 72, 168)


def peak_rows(built: BuiltModel) -> list[tuple[dict[int, float], float]]:
    """(id(capacity variable) → coefficient, right-hand side) for each window."""
    inputs = built.inputs
    demand = np.asarray(inputs.demand_mw, float)
    hours = len(demand)
    rows = []
    for length in WINDOWS:
        if length > hours:
            continue
        sums = np.convolve(demand, np.ones(length), mode="valid")  # demand over each window
        start = int(np.argmax(sums))
        window = slice(start, start + length)
        coefficients: dict[int, float] = {}
        for u in inputs.converters:
            cap, _ = capacity_vars(built.converter_blocks[u.name])
            coefficients[id(cap)] = (1.0 - u.heat_loss_fraction) * float(u.heat_per_mw[window].sum())
        for s in inputs.storages:
            cap = storage_investment_vars(built.storage_blocks[s.name])[0]
            share = 1.0 if s.usable_share is None else float(np.max(s.usable_share))
            coefficients[id(cap)] = max(share, 1.0)
        rows.append((coefficients, float(sums[start])))
    return rows
