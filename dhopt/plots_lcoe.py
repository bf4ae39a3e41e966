"""The LCOE breakdown (the study's Figure 13): each unit's and the system's €/MWh by cost component.

Costs are stacked to the right of 0, credits and revenues (PV export, cooling credit, a negative
price) to the left of 0, so a credit never hides a cost; the net LCOE is marked with its value.
A component's colour follows its name, the same in every run: a fixed colour for each component
dhopt knows, a colour picked by a stable hash of the name for named price adders.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dhopt import columns as col

# tab20's colours for the components dhopt writes.
KNOWN_COLOURS = {
    "investment": "#1f77b4",
    "pipe": "#aec7e8",
    "fixed_om": "#ff7f0e",
    "variable_om": "#ffbb78",
    "electricity_spot": "#2ca02c",
    "heat_purchase": "#8c564b",
    "excess_heat_tax": "#e377c2",
    "extra_investments": "#7f7f7f",
    "pv_export": "#bcbd22",
    "cooling_credit": "#17becf",
}
# For named adders: tab20's colours not used above, then tab20b's (30 in all, so few names collide).
OTHER_COLOURS = (
    "#98df8a", "#d62728", "#ff9896", "#9467bd", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d",
    "#9edae5", "#393b79", "#5254a3", "#6b6ecf", "#9c9ede", "#637939", "#8ca252", "#b5cf6b", "#cedb9c",
    "#8c6d31", "#bd9e39", "#e7ba52", "#e7cb94", "#843c39", "#ad494a", "#d6616b", "#e7969c", "#7b4173",
    "#a55194", "#ce6dbd", "#de9ed6",
)  # fmt: skip


def component_colour(component: str) -> str:
    """The colour of a cost component, from its name alone (Python's hash() varies per process)."""
    if component in KNOWN_COLOURS:
        return KNOWN_COLOURS[component]
    digest = hashlib.sha256(component.encode("utf-8")).digest()
    return OTHER_COLOURS[int.from_bytes(digest[:4], "big") % len(OTHER_COLOURS)]


def component_label(component: str) -> str:
    label = component
    if label.startswith("electricity_"):
        label = "electricity: " + label[len("electricity_") :]
    return label.replace("_", " ")


def components(kpis: pd.DataFrame) -> list[str]:
    """Cost components of the kpis table, by name ('investment', 'electricity_spot', …)."""
    return col.lcoe_components(kpis.columns)


def lcoe_breakdown(kpis: pd.DataFrame, title: str) -> Figure:
    """Horizontal bars, one row per unit that delivers heat and one for the system."""
    rows = kpis[(kpis["unit"] == "system") | (kpis["heat_mwh"].fillna(0) > 0)].copy()
    rows = pd.concat([rows[rows["unit"] != "system"], rows[rows["unit"] == "system"]])
    comps = [c for c in components(kpis) if rows[col.lcoe_component(c)].fillna(0).abs().max() > 1e-9]
    fig = Figure(figsize=(9, 1.2 + 0.55 * len(rows)))
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    right = np.zeros(len(rows))  # end of the costs stacked from 0
    left = np.zeros(len(rows))  # end of the credits stacked from 0
    for c in comps:
        v = rows[col.lcoe_component(c)].fillna(0).to_numpy(dtype=float)
        cost, credit = np.clip(v, 0, None), np.clip(v, None, 0)
        colour, label = component_colour(c), component_label(c)
        if (cost > 0).any():
            ax.barh(y, cost, left=right, label=label, color=colour)
            label = "_nolegend_"  # one legend entry per component
        if (credit < 0).any():
            ax.barh(y, credit, left=left, label=label, color=colour, hatch="//", edgecolor="white")
        right += cost
        left += credit
    net = rows[col.LCOE].to_numpy(dtype=float)
    finite = np.isfinite(net)
    if finite.any():
        ax.scatter(net[finite], y[finite], marker="D", s=40, color="black", zorder=4, label="net LCOE")
    span = max(float(right.max() - left.min()), 1.0)
    for yi in y[finite]:
        ax.text(
            max(right[yi], net[yi]) + 0.02 * span, yi, f"net {net[yi]:.2f}", va="center", fontsize="small"
        )
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlim(left.min() - 0.05 * span, right.max() + 0.18 * span)
    ax.set_yticks(y, [f"{u}" for u in rows["unit"]])
    ax.invert_yaxis()
    ax.set_xlabel("LCOE, € per MWh of heat delivered (credits and revenues left of 0)")
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    ax.grid(axis="x", alpha=0.3)
    return fig
