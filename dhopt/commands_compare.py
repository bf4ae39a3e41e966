"""`dhopt compare BASE OTHER…`: delta tables against a baseline run, printed and written as CSV."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from dhopt.console import console, fail
from dhopt.errors import DhoptError


def _fmt(x: object, exact: bool) -> str:
    """A figure with 2 decimals; an input value as it was given (`exact`)."""
    if isinstance(x, float):
        if math.isnan(x):
            return "–"
        if exact:
            return f"{x:g}"
        return f"{x:,.2f}" if abs(x) < 1e6 else f"{x:,.0f}"
    return str(x)


def _print(title: str, frame: pd.DataFrame, exact: bool = False) -> None:
    table = Table(title=title, title_justify="left")
    for column in frame.columns:
        table.add_column(column, justify="right" if frame[column].dtype.kind in "fi" else "left")
    for _, row in frame.iterrows():
        table.add_row(*(_fmt(v, exact) for v in row))
    console.print(table)


def compare(
    base: Annotated[Path, typer.Argument(help="The baseline's result folder.")],
    others: Annotated[list[Path], typer.Argument(help="Result folders to compare with it.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the delta tables as CSV files here.")
    ] = None,
    report: Annotated[
        bool,
        typer.Option("--report", help="Also write each OTHER/report.html with a section against BASE."),
    ] = False,
) -> None:
    """Compare result folders with a baseline: capacities, system figures, and which inputs differ."""
    from dhopt.compare import capacity_differences, input_differences, load_run, system_differences
    from dhopt.result_files import atomic_write

    try:
        reference = load_run(base)
        for folder in others:
            other = load_run(folder)
            tables = {
                "capacities": capacity_differences(reference, other),
                "system": system_differences(reference, other),
                "inputs": input_differences(reference, other),
            }
            console.print(f"[bold]{other.label}[/] against [bold]{reference.label}[/]")
            for status in {reference.info.get("status"), other.info.get("status")} - {"optimal"}:
                console.print(
                    f"[yellow]warning:[/] a run's status is {status}: its figures are not proven optimal"
                )
            if reference.info.get("basis") != other.info.get("basis"):
                console.print(
                    "[yellow]warning:[/] the runs stand on different bases (horizon or typical days)"
                )
            _print("capacities", tables["capacities"])
            _print("system", tables["system"])
            if tables["inputs"].empty:
                console.print("inputs: the same scenario and data")
            else:
                _print("inputs that differ", tables["inputs"], exact=True)
            if report:
                from dhopt.report import write_report

                console.print(f"report in [bold]{write_report(folder, base)}[/]")
            if out is not None:
                for name, frame in tables.items():
                    atomic_write(
                        out / f"{other.folder.name}_{name}.csv", lambda p, f=frame: f.to_csv(p, index=False)
                    )
    except DhoptError as exc:
        fail(str(exc))


def register(app: typer.Typer) -> None:
    app.command()(compare)
