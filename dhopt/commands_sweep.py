"""`dhopt sweep` and `dhopt plot`: plain functions, registered on the app by `register(app)`.

dhopt/cli.py calls `register(app)`; the functions carry no decorator so they can be registered on
any typer app (the tests build their own).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from dhopt.console import console, err_console, fail, fail_now, setup_logging
from dhopt.errors import DhoptError

EXIT_NOT_PROVEN = 3  # some point has no proven answer (time_limit, feasible, timeout, error)
EXIT_INTERRUPTED = 130  # Ctrl-C
EXIT_TERMINATED = 143  # SIGTERM


def sweep(
    sweep_file: Annotated[Path, typer.Argument(help="Sweep file (YAML), see docs/sweeps.md.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Sweep folder (default results/<stem>).")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Points solved at the same time.")] = 2,
    hours: Annotated[int | None, typer.Option(min=1, help="Solve only the first N hours.")] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address, or 'local' for a LocalCluster of --workers processes."),
    ] = None,
    retry_failed: Annotated[
        bool,
        typer.Option(
            "--retry-failed",
            help="Solve points without a proven answer (time_limit, feasible, timeout, error) again.",
        ),
    ] = False,
    plots: Annotated[bool, typer.Option("--plots/--no-plots", help="Write the plots at the end.")] = True,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every point.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
) -> None:
    """Solve many variants of a scenario (capacity splits, cases, grids); resumable: rerun to continue.

    Exit code 0 when every point is proven optimal or infeasible, 3 when some point is not
    (time_limit, feasible, timeout, error), 2 for bad input, 130 after Ctrl-C, 143 after SIGTERM.
    """
    setup_logging(verbose, quiet, default=logging.WARNING)
    from dhopt.sweep import SweepTerminated, run_sweep

    out = out or Path("results") / sweep_file.stem
    try:
        summary = run_sweep(
            sweep_file,
            out,
            workers=workers,
            hours=hours,
            scheduler=scheduler,
            retry_failed=retry_failed,
            progress=not quiet,
            console=err_console,
        )
    except DhoptError as exc:
        fail(str(exc))
    except OSError as exc:  # a full or read-only disk while writing the folder
        fail(f"{exc.filename or out}: cannot write: {exc.strerror or exc}")
    except KeyboardInterrupt:
        fail_now(
            f"interrupted; finished points are kept in {out / 'points'}; rerun the same command to resume",
            EXIT_INTERRUPTED,
        )
    except SweepTerminated:
        fail_now(
            f"terminated; finished points are kept in {out / 'points'}; rerun the same command to resume",
            EXIT_TERMINATED,
        )
    if plots:
        from dhopt.plots import plot_folder

        try:
            written = plot_folder(out)
        except DhoptError as exc:
            err_console.print(f"[yellow]warning:[/] no plots: {exc}", highlight=False, soft_wrap=True)
            written = []
    else:
        written = []
    not_proven = summary.not_proven
    advice = (
        f"{sum(not_proven.values())} point(s) not proven optimal: "
        + ", ".join(f"{n} {s}" for s, n in not_proven.items())
        + "; see the message column; rerun with --retry-failed to solve them again"
    )
    if quiet:
        if not_proven:
            err_console.print(f"[yellow]warning:[/] {advice}", highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_NOT_PROVEN)
        return
    counts = ", ".join(f"{n} {s}" for s, n in sorted(summary.counts.items()))
    console.print(
        f"{summary.total} points ({summary.rows} rows): {counts}; solved now {summary.solved}, "
        f"already done {summary.already_done}; {summary.wall_seconds:.1f} s"
    )
    console.print(
        f"table in [bold]{out / 'points.csv'}[/]" + (f", plots in {out / 'plots'}" if written else "")
    )
    if not_proven:
        console.print(f"[yellow]{advice}[/]", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_NOT_PROVEN)


def plot(
    folder: Annotated[Path, typer.Argument(help="A solve result folder or a sweep folder.")],
    free: Annotated[
        Path | None, typer.Option("--free", help="A free solve's result folder, marked on ternary diagrams.")
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(
            help="Dispatch period: 'START:END' as hour numbers (0:168) or dates (2018-01-08:2018-01-15)."
        ),
    ] = None,
) -> None:
    """Write PNG and SVG plots of a result folder into FOLDER/plots/."""
    setup_logging(False, False, default=logging.WARNING)
    from dhopt.plots import plot_folder

    try:
        written = plot_folder(folder, free=free, period=period)
    except DhoptError as exc:
        fail(str(exc))
    console.print(f"{len(written)} files in [bold]{folder / 'plots'}[/]")


def register(app: typer.Typer) -> None:
    app.command()(sweep)
    app.command()(plot)
