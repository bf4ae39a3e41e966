"""`dhopt stress`: fix the capacities of a solved run and dispatch them on other weather years.

Every unit's capacity is fixed at the solved folder's (capacities.csv), heat may go unserved at
a stated high price (a priced slack, `unserved_heat_mw` in the dispatch table, the cost
component `unserved_heat` in the KPIs), and the scenario given, whose weather_years are the years
to try, is dispatched. The console shows each year's cost, LCOE and unserved heat and the spread.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from dhopt import columns as col
from dhopt.console import console, err_console, fail, setup_logging
from dhopt.errors import DhoptError, ScenarioError
from dhopt.units import STORAGE_TYPES

# € per MWh of heat that is not served: far above any heat price, so heat goes unserved only when
# the fixed capacities cannot make it (a Danish value of lost load for heat is not published; this is
# a penalty, not a cost estimate).
UNSERVED_EUR_PER_MWH = 10_000.0


def fixed_capacities(result_dir: Path) -> dict[str, float]:
    """Dotted path → value fixing every unit of a solved folder at its capacity (capacities.csv)."""
    path = result_dir / "capacities.csv"
    if not (result_dir / "run.json").is_file() or not path.is_file():
        raise ScenarioError(
            f"{result_dir}: expected a complete `dhopt solve` result folder (run.json, capacities.csv)"
        )
    caps = pd.read_csv(path)
    out: dict[str, float] = {}
    for _, row in caps.iterrows():
        if row["type"] in STORAGE_TYPES:
            out[f"units.{row['unit']}.capacity_mwh"] = float(row["capacity_mwh"])
        else:
            out[f"units.{row['unit']}.capacity_mw"] = float(row["capacity_mw"])
    return out


def stress_table(kpis_by_year: pd.DataFrame) -> pd.DataFrame:
    """Per year (and weighted): annual cost, LCOE and unserved heat of the system."""
    system = kpis_by_year[kpis_by_year["unit"] == "system"]
    unserved = system.get(col.UNSERVED_HEAT_MWH, pd.Series(0.0, index=system.index))
    return pd.DataFrame(
        {
            col.WEATHER_YEAR: system[col.WEATHER_YEAR].to_numpy(),
            "cost_total_eur": system["cost_total_eur"].to_numpy(),
            col.LCOE: system[col.LCOE].to_numpy(),
            col.UNSERVED_HEAT_MWH: unserved.fillna(0.0).to_numpy(),
        }
    )


def print_year_table(kpis_by_year: pd.DataFrame, title: str) -> None:
    """The system's KPIs per weather year and weighted, and the spread of the years' costs."""
    table = stress_table(kpis_by_year)
    t = Table(title=title, title_justify="left")
    for name in ("weather year", "annual cost M€", "LCOE €/MWh", "unserved heat MWh/a"):
        t.add_column(name, justify="left" if name == "weather year" else "right")
    for _, r in table.iterrows():
        t.add_row(
            str(r[col.WEATHER_YEAR]),
            f"{r['cost_total_eur'] / 1e6:,.3f}",
            f"{r[col.LCOE]:.2f}",
            f"{r[col.UNSERVED_HEAT_MWH]:,.1f}",
            style="bold" if r[col.WEATHER_YEAR] == col.WEIGHTED else None,
        )
    console.print(t)
    years = table[table[col.WEATHER_YEAR] != col.WEIGHTED]
    if len(years) > 1:
        lo, hi = years["cost_total_eur"].min(), years["cost_total_eur"].max()
        console.print(
            f"cost spread over the years: {lo / 1e6:,.3f}–{hi / 1e6:,.3f} M€/a "
            f"({100 * (hi - lo) / lo:.1f} %); "
            f"LCOE {years[col.LCOE].min():.2f}–{years[col.LCOE].max():.2f} €/MWh",
            highlight=False,
        )


def stress(
    result_dir: Annotated[Path, typer.Argument(help="A `dhopt solve` result folder: the design to test.")],
    scenario: Annotated[
        Path, typer.Argument(help="Scenario whose weather_years are the years to try (or a single year).")
    ],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Result folder of the stress test.")] = None,
    unserved_price: Annotated[
        float,
        typer.Option(min=0.0, help="Price of unserved heat, € per MWh (a penalty, not a cost estimate)."),
    ] = UNSERVED_EUR_PER_MWH,
) -> None:
    """Fix the capacities of a solved run and re-dispatch them on other weather years: each year's
    cost and LCOE, the spread, and any heat the design cannot supply (unserved_heat_mw, priced at
    --unserved-price). Writes the usual result folder (kpis_by_year.csv with several years)."""
    setup_logging(False, False, default=logging.WARNING)
    from dhopt.run import run_scenario
    from dhopt.solve import SolveOptions

    out = out or Path("results") / f"{scenario.stem}-stress"
    try:
        fixed = fixed_capacities(result_dir)
        with console.status("dispatching…", spinner="dots"):
            outcome = run_scenario(
                scenario,
                out=out,
                options=SolveOptions(marginal_cost=False),
                overrides=fixed,
                unserved_heat_eur_per_mwh=unserved_price,
            )
    except DhoptError as exc:
        fail(str(exc))
    console.print(
        f"capacities fixed from [bold]{result_dir}[/]: "
        + ", ".join(
            f"{k.split('.')[1]} {v:.3g}" + (" MWh" if k.endswith("mwh") else " MW") for k, v in fixed.items()
        ),
        highlight=False,
    )
    console.print(
        f"[bold]unserved heat[/] (unserved_heat_mw) is a priced slack at {unserved_price:,.0f} €/MWh: "
        "its cost (cost_unserved_heat_eur) is in the annual cost and LCOE below",
        highlight=False,
    )
    by_year = outcome.results.kpis_by_year
    if by_year is None:  # a single year: its own table stands for it
        by_year = outcome.results.kpis.assign(**{col.WEATHER_YEAR: outcome.loaded.scenario.name})
    print_year_table(by_year, f"stress test — {outcome.info['basis']}")
    unserved = stress_table(by_year)
    short = unserved[(unserved[col.WEATHER_YEAR] != col.WEIGHTED) & (unserved[col.UNSERVED_HEAT_MWH] > 1e-6)]
    if len(short):
        d = outcome.results.dispatch
        peak = float(d[col.UNSERVED_HEAT].max())
        err_console.print(
            "[yellow]heat not supplied:[/] "
            + ", ".join(
                f"{r[col.WEATHER_YEAR]} {r[col.UNSERVED_HEAT_MWH]:,.1f} MWh/a" for _, r in short.iterrows()
            )
            + f" (largest {peak:.3g} MW in an hour)",
            highlight=False,
            soft_wrap=True,
        )
    console.print(f"results in [bold]{out}[/]")


def register(app: typer.Typer) -> None:
    app.command()(stress)
