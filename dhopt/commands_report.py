"""`dhopt report`: a plain function, registered on the app by `register(app)` (as dhopt.commands_sweep)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from dhopt.console import console, fail, setup_logging
from dhopt.errors import DhoptError


def report(
    results_dir: Annotated[Path, typer.Argument(help="A solve result folder (with run.json).")],
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline", help="A baseline run's folder: adds a section of differences (dhopt compare)."
        ),
    ] = None,
) -> None:
    """Write RESULTS_DIR/report.html: one self-contained page (works offline, prints to PDF) built
    from the folder's files alone (docs/report.md)."""
    setup_logging(False, False, default=logging.WARNING)
    from dhopt.report import write_report

    try:
        written = write_report(results_dir, baseline)
    except DhoptError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename or results_dir}: cannot write the report: {exc.strerror or exc}")
    console.print(f"report in [bold]{written}[/]")


def register(app: typer.Typer) -> None:
    app.command()(report)
