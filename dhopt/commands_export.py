"""`dhopt economics` and `dhopt export xlsx`: plain functions, registered on the app by `register(app)`."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from dhopt.console import console, err_console, fail, setup_logging
from dhopt.errors import DhoptError


def economics(
    results_dir: Annotated[Path, typer.Argument(help="A `dhopt solve` result folder.")],
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", help="A result folder to compare with (e.g. the existing system)."),
    ] = None,
) -> None:
    """Lifetime economics of a result folder: CAPEX, reinvestment, residual value, NPV (and IRR and
    payback against a baseline); writes economics.csv and cashflow.csv into it (docs/economics.md).

    Options (study period, inflation, loan) are the scenario's `economics.lifetime`."""
    setup_logging(False, False, default=logging.WARNING)
    from dhopt import economics as ec
    from dhopt.economics_folder import CASHFLOW_FILE, ECONOMICS_FILE, folder_economics, write_economics

    try:
        result = folder_economics(results_dir, baseline)
        write_economics(results_dir, result)
    except DhoptError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename or results_dir}: cannot write: {exc.strerror or exc}")
    e = result.economics
    first = e.iloc[0]
    t = Table(
        title=f"lifetime economics — {first[ec.STUDY_PERIOD]} years at {100 * first[ec.DISCOUNT_REAL]:.2f} % "
        "(real)",
        title_justify="left",
    )
    for name in ("unit", "CAPEX M€", "reinvest M€", "residual M€", "net cost M€/a", "NPV M€"):
        t.add_column(name, justify="left" if name == "unit" else "right", no_wrap=name == "unit")
    for i, row in e.iterrows():
        t.add_row(
            str(row[ec.UNIT]),
            *(_m(row[c]) for c in (ec.CAPEX, ec.REINVESTMENT, ec.RESIDUAL, ec.ANNUAL_NET, ec.NPV)),
            style="bold" if i == len(e) - 1 else None,
        )
    console.print(t)
    system = e.iloc[-1]
    if system.get(ec.LOAN, 0.0) > 0:
        console.print(
            f"loan {_m(system[ec.LOAN])} M€: debt service {system[ec.DEBT_SERVICE]:,.0f} €/a (nominal); "
            f"NPV with the loan {_m(system[ec.NPV_EQUITY])} M€"
        )
    if baseline is not None:
        irr = system[ec.IRR]
        console.print(
            f"against {baseline}: NPV {_m(system[ec.NPV_VS_BASELINE])} M€, "
            f"IRR {'–' if not math.isfinite(irr) else f'{100 * irr:.2f} %'}, "
            f"payback {_years(system[ec.PAYBACK])}, "
            f"discounted payback {_years(system[ec.DISCOUNTED_PAYBACK])}"
        )
    for note in result.notes:
        err_console.print(f"[yellow]note:[/] {note}", highlight=False, soft_wrap=True)
    console.print(f"written {results_dir / ECONOMICS_FILE} and {results_dir / CASHFLOW_FILE}")


def _m(x: float) -> str:
    return "–" if not math.isfinite(x) else f"{x / 1e6:,.3f}"


def _years(x: float) -> str:
    return "never" if not math.isfinite(x) else f"{x:.2f} years"


export_app = typer.Typer(no_args_is_help=True, help="Export a result folder to other formats.")


@export_app.command("xlsx")
def export_xlsx(
    results_dir: Annotated[Path, typer.Argument(help="A `dhopt solve` result folder or a sweep folder.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Workbook to write (default RESULTS_DIR/results.xlsx).")
    ] = None,
) -> None:
    """One Excel workbook of a result folder (summary, capacities, KPIs, LCOE breakdown, carriers,
    monthly balance, hourly dispatch, economics, inputs), or of a sweep folder's points table."""
    setup_logging(False, False, default=logging.WARNING)
    from dhopt.excel_export import export_folder

    target = out or results_dir / "results.xlsx"
    try:
        sheets = export_folder(results_dir, target)
    except DhoptError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename or target}: cannot write: {exc.strerror or exc}")
    console.print(f"{len(sheets)} sheets ({', '.join(sheets)}) in [bold]{target}[/]")


def register(app: typer.Typer) -> None:
    app.command()(economics)
    app.add_typer(export_app, name="export")
