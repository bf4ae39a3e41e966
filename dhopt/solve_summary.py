"""What `dhopt solve` and `dhopt validate` print: the result table, the typical-days check, each
unit's carrier use. Only printing; the numbers come from the result tables and the inputs."""

from __future__ import annotations

import numpy as np
from rich.table import Table

from dhopt import columns as result_columns
from dhopt.console import console
from dhopt.units import STORAGE_TYPES


def print_check(check) -> None:
    t = Table(title="typical days against every hour", title_justify="left")
    for col in ("quantity", "typical days", "every hour", "difference"):
        t.add_column(col, justify="left" if col == "quantity" else "right")
    for _, row in check.iterrows():
        diff = row["difference_pct"]
        t.add_row(
            row["quantity"],
            _fmt(row["typical_days"]),
            _fmt(row["every_hour"]),
            "–" if not np.isfinite(diff) else f"{diff:+.2f} %",
        )
    console.print(t)


def _fmt(x: float, digits: int = 2) -> str:
    return "–" if x is None or (isinstance(x, float) and not np.isfinite(x)) else f"{x:,.{digits}f}"


def print_summary(outcome) -> None:
    r, info = outcome.results, outcome.info
    caps = r.capacities.set_index("unit")
    years = info.get("weather_years")  # each year scaled to a year by itself (dhopt.weather_years)
    year_hours = years["hours"] if years else [info["hours"]]
    scaled = any(h < 8760 for h in year_hours) or (not years and info["hours"] != 8760)
    scaled = scaled or info.get("aggregation")
    t = Table(title=f"{info['scenario_name']} — {info['basis']}", title_justify="left")
    heat = "heat GWh/a" + (" (scaled)" if scaled else "")
    for col in ("unit", "capacity", heat, "SCOP", "LCOE €/MWh", "CO2 kg/MWh", "storage out GWh/a"):
        t.add_column(col, justify="left" if col == "unit" else "right")
    rows = list(r.kpis.iterrows())
    producers = [k for _, k in rows if k["type"] not in STORAGE_TYPES and k["type"] != "system"]
    storages = [k for _, k in rows if k["type"] in STORAGE_TYPES]
    system = [k for _, k in rows if k["type"] == "system"]
    for k in producers:
        t.add_row(
            k["unit"],
            f"{caps.loc[k['unit'], 'capacity_mw']:,.2f} MW",
            _fmt(k["heat_mwh"] / 1000),
            _fmt(k["scop"]),
            _fmt(k[result_columns.LCOE]),
            _fmt(k["co2_kg_per_mwh"]),
            "",
        )
    for i, k in enumerate(storages):
        t.add_row(
            k["unit"],
            f"{caps.loc[k['unit'], 'capacity_mwh']:,.1f} MWh",
            "",
            "",
            _fmt(k[result_columns.LCOE]),
            "",
            _fmt(k["heat_mwh"] / 1000),  # discharged heat: not production
            end_section=i == len(storages) - 1,
        )
    for k in system:
        t.add_row(
            "system (demand)",
            "",
            _fmt(k["heat_mwh"] / 1000),
            _fmt(k["scop"]),
            _fmt(k[result_columns.LCOE]),
            _fmt(k["co2_kg_per_mwh"]),
            "",
            style="bold",
        )
    console.print(t)
    for unit, row in caps.iterrows():
        if bool(row.get(result_columns.AT_LIMIT, False)):
            size = (
                f"{row['capacity_mwh']:,.1f} MWh"
                if row["type"] in STORAGE_TYPES
                else f"{row['capacity_mw']:,.2f} MW"
            )
            console.print(f"[yellow]at a limit:[/] {unit} ends at its largest {size}: a higher limit may pay")
    if scaled and not info.get("aggregation"):
        console.print(
            f"[yellow]short horizon:[/] {year_hours[0]} h"
            + (" of each weather year" if years else "")
            + f"; energies and costs are scaled to a year (×{8760 / year_hours[0]:.4g}), so they are "
            "not a year's values"
        )
    gap, bound = info["gap"], info["bound_eur_per_year"]
    style = "green" if info["status"] == "optimal" else "yellow"
    console.print(
        f"[{style}]{info['status']}[/] · objective {info['objective_eur_per_year']:,.0f} €/a · "
        + ("no bound" if bound is None else f"bound {bound:,.0f} · gap {100 * (gap or 0):.3f} %")
        + f" · build {info['build_seconds']:.1f} s · solve {info['solve_seconds']:.1f} s · "
        f"{info['min_load_binaries']} min-load binaries in {len(info['rounds'])} round(s)"
    )


def uses_text(u) -> str:
    """What a unit uses per MWh of heat, for `validate`: its COP for a unit driven by electricity
    alone, else each carrier's MWh per MWh (mean), and what it sells."""
    if u.cop is not None:
        cop = u.cop
        direct = int(np.isnan(cop).sum())
        text = f"COP {np.nanmean(cop):.2f} ({np.nanmin(cop):.2f}–{np.nanmax(cop):.2f})"
        return text + (f", direct use in {direct} h" if direct else "")
    parts = [f"{name} {per.mean():.3f}" for name, per in u.uses_per_mwh.items()]
    parts += [f"sells {name} {per.mean():.3f}" for name, per in u.makes_per_mwh.items()]
    return ", ".join(parts) or "no carrier"
