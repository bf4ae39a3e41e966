"""The `dhopt` command: composes the stages; all user errors end as one line on stderr, exit code 2."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from dhopt.console import (
    EXIT_NOT_PROVEN,
    console,
    err_console,
    exit_on_interrupt,
    fail,
    setup_logging,
    time_limit_advice,
)
from dhopt.errors import DhoptError
from dhopt.solve_summary import print_check, print_summary, uses_text

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Which district-heating heat sources to build, how big, and how to run them hour by hour.",
)


def _version(value: bool) -> None:
    if value:
        from dhopt import __version__

        console.print(f"dhopt {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Which district-heating heat sources to build, how big, and how to run them hour by hour."""


Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Show progress and the solver's log.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")]
Sets = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Override a scenario field: KEY=VALUE with KEY a dotted path as in sweep files "
        "(units.gw.capacity_max_mw=8); VALUE is read as YAML (a number, true, a list). Repeatable.",
    ),
]


def parse_sets(items: list[str] | None) -> dict[str, object]:
    """`--set` options → dotted path → value (the value read as YAML, so 8 is a number)."""
    import yaml

    out: dict[str, object] = {}
    for item in items or []:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            fail(f"--set {item!r}: expected KEY=VALUE, e.g. units.gw.capacity_max_mw=8")
        try:
            out[key.strip()] = yaml.safe_load(text)
        except yaml.YAMLError:
            fail(f"--set {item!r}: the value is not valid YAML")
    return out


@app.command()
def solve(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Result folder.")] = None,
    hours: Annotated[int | None, typer.Option(min=1, help="Solve only the first N hours.")] = None,
    mip_gap: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="Relative MIP gap (above 0.1 a result is never called optimal)."),
    ] = 1e-3,
    time_limit: Annotated[float | None, typer.Option(min=0.0, help="Wall-clock limit, s.")] = None,
    threads: Annotated[int | None, typer.Option(min=1, help="Solver threads.")] = None,
    solver: Annotated[
        str,
        typer.Option(
            help="MIP solver: highs (dhopt's own fast path) or another that Pyomo drives and that is "
            "installed: cbc, glpk, scip, cplex, gurobi (the whole MILP at once; slower on big models).",
        ),
    ] = "highs",
    plots: Annotated[bool, typer.Option("--plots/--no-plots", help="Write DIR/plots/ at the end.")] = True,
    report: Annotated[
        bool, typer.Option("--report/--no-report", help="Write DIR/report.html at the end (dhopt report).")
    ] = True,
    typical_days: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Screening: solve on N typical days (+ the peak day) instead of every hour. Approximate; "
            "the results say so.",
        ),
    ] = None,
    check_exact: Annotated[
        bool,
        typer.Option(
            "--check-exact",
            help="With --typical-days: also solve every hour and write aggregation_check.csv.",
        ),
    ] = False,
    sets: Sets = None,
    verbose: Verbose = False,
    quiet: Quiet = False,
) -> None:
    """Optimise capacities and hourly dispatch; write tables (and plots) to the result folder.

    Exit code 0: proven optimal; 2: bad input or infeasible (the message says which); 3: not
    proven optimal (time limit or a gap above 10 %; the results are written if a solution was
    found); 130: interrupted."""
    setup_logging(verbose, quiet)
    from dhopt.errors import SolverError
    from dhopt.result_files import remove_partial_files
    from dhopt.run import run_scenario
    from dhopt.solve import SolveOptions

    if check_exact and typical_days is None:
        fail("--check-exact compares a --typical-days run with the exact one; give --typical-days N")
    _check_solver_options(time_limit, threads, solver)
    out = out or Path("results") / scenario.stem
    options = SolveOptions(
        mip_gap=mip_gap, time_limit=time_limit, threads=threads, echo_log=verbose, solver=solver
    )
    exact = None
    try:
        with (
            exit_on_interrupt(lambda: remove_partial_files(out) if out.is_dir() else None),
            console.status("solving…", spinner="dots")
            if not (quiet or verbose)
            else contextlib.nullcontext(),
        ):
            outcome = run_scenario(
                scenario,
                out=out,
                hours=hours,
                options=options,
                overrides=parse_sets(sets),
                typical_days=typical_days,
            )
            if check_exact:
                exact_options = SolveOptions(
                    mip_gap=mip_gap, time_limit=time_limit, threads=threads, solver=solver
                )
                exact = run_scenario(outcome.loaded, hours=hours, options=exact_options)
    except SolverError as exc:
        if exc.status == "time_limit":
            fail(f"{exc}; {time_limit_advice(solver=solver)}", EXIT_NOT_PROVEN)
        fail(str(exc))
    except DhoptError as exc:
        fail(str(exc))
    if typical_days is not None:
        err_console.print(
            f"[yellow]approximate:[/] {outcome.info['aggregation']['method']}; "
            + (
                "compared with every hour below."
                if exact
                else "check with --check-exact before relying on it."
            ),
            highlight=False,
            soft_wrap=True,
        )
    if exact is not None:
        from dhopt.result_files import atomic_write
        from dhopt.results import aggregation_check

        check = aggregation_check(outcome.results, exact.results)
        try:
            atomic_write(out / "aggregation_check.csv", lambda p: check.to_csv(p, index=False))
        except OSError as exc:
            fail(f"{out / 'aggregation_check.csv'}: cannot write: {exc.strerror or exc}")
    if plots:
        from dhopt.plots import plot_folder

        _after_solve("plots", lambda: plot_folder(out), out)
    if report:
        from dhopt.economics_folder import folder_economics, write_economics
        from dhopt.report import write_report

        # The lifetime economics first, so that the report leads with each unit's CAPEX.
        _after_solve("economics", lambda: write_economics(out, folder_economics(out)), out)
        _after_solve("report", lambda: write_report(out), out)
    proven = outcome.report.status == "optimal" and (exact is None or exact.report.status == "optimal")
    if not quiet:
        print_summary(outcome)
        if outcome.results.kpis_by_year is not None:
            from dhopt.commands_stress import print_year_table

            print_year_table(outcome.results.kpis_by_year, f"weather years — {outcome.info['basis']}")
        if exact is not None:
            print_check(check)
        console.print(f"results in [bold]{out}[/]")
    if not proven:
        stopped = outcome.report if outcome.report.status != "optimal" else exact.report
        err_console.print(
            f"[yellow]not proven optimal ({stopped.status}):[/] {stopped.message}",
            highlight=False,
            soft_wrap=True,
        )
        if stopped.status == "time_limit":
            err_console.print(
                time_limit_advice(stopped.min_load_binaries, solver), highlight=False, soft_wrap=True
            )
        raise typer.Exit(EXIT_NOT_PROVEN)


def _check_solver_options(time_limit: float | None, threads: int | None, solver: str = "highs") -> None:
    from dhopt.pyomo_solvers import check_solver

    try:
        check_solver(solver)
    except DhoptError as exc:
        fail(str(exc))
    cores = os.cpu_count() or 1
    if threads is not None and threads > cores:
        fail(f"--threads: expected at most {cores} (the cores of this machine), found {threads}")
    if time_limit is not None and not (0 < time_limit < 1e7):
        fail(f"--time-limit: expected seconds above 0, found {time_limit:g}")


def _after_solve(what: str, write, out: Path) -> None:
    """Write the plots or the report of a written result folder; a problem there is a warning,
    not a failed run (the tables are written)."""
    try:
        with exit_on_interrupt():
            write()
    except DhoptError as exc:
        err_console.print(f"[yellow]warning:[/] no {what}: {exc}", highlight=False, soft_wrap=True)
    except OSError as exc:
        err_console.print(
            f"[yellow]warning:[/] no {what}: {exc.filename or out}: {exc.strerror or exc}",
            highlight=False,
            soft_wrap=True,
        )


@app.command()
def validate(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    hours: Annotated[int | None, typer.Option(min=1, help="Check only the first N hours.")] = None,
    sets: Sets = None,
) -> None:
    """Check a scenario and its data without solving; print what was found (and any warning)."""
    setup_logging(False, False, default=logging.WARNING)
    from dhopt.diagnose import check_supply
    from dhopt.inputs import prepare_inputs
    from dhopt.scenario import load_scenario

    try:
        loaded = load_scenario(scenario, parse_sets(sets))
        inp = prepare_inputs(loaded, hours)
        check_supply(inp)
    except DhoptError as exc:
        fail(str(exc))
    d, p = inp.demand_mw, inp.price
    span = f"{inp.time[0]:%Y-%m-%d %H:%M} → {inp.time[-1]:%Y-%m-%d %H:%M} UTC" if inp.time is not None else ""
    console.print(f"[bold]{loaded.scenario.name}[/] ({scenario}) is valid")
    console.print(f"horizon: {inp.hours} h {span} (×{inp.year_scale:.3g} to a year)")
    console.print(
        f"demand: peak {d.max():.2f} MW, mean {d.mean():.2f} MW, {inp.year_scale * d.sum() / 1000:,.1f} GWh/a"
    )
    sup, ret = inp.supply_temperature_c, inp.return_temperature_c
    console.print(
        f"network: supply {sup.min():.1f}–{sup.max():.1f} °C, return {ret.min():.1f}–{ret.max():.1f} °C"
    )
    spot = inp.price_components["spot"]
    console.print(
        f"electricity: spot mean {spot.mean():.2f} (min {spot.min():.2f}, max {spot.max():.2f}) €/MWh; "
        f"with adders mean {p.mean():.2f} €/MWh"
        + ("" if inp.co2_t_per_mwh is None else f"; CO2 mean {inp.co2_t_per_mwh.mean():.3f} t/MWh")
    )
    for name, c in inp.carriers.items():
        if c.is_fuel:
            limit = "" if c.annual_limit_mwh is None else f"; at most {c.annual_limit_mwh:,.0f} MWh/a"
            co2_text = f"{c.co2_t_per_mwh.mean():.3f}" if c.co2_t_per_mwh is not None else "0"
            console.print(
                f"fuel {name}: price mean {c.price.mean():.2f} €/MWh (with adders); "
                f"CO2 {co2_text} t/MWh{limit}"
            )
    t = Table(title="units", title_justify="left")
    for col in ("unit", "type", "source", "capacity bound", "uses per MWh of heat", "min load"):
        t.add_column(col)
    for u in inp.converters:
        bound = "–" if not np.isfinite(u.capacity_max_mw) else f"≤ {u.capacity_max_mw:g} MW"
        if u.capacity_fixed_mw is not None:
            bound = f"= {u.capacity_fixed_mw:g} MW"
        t.add_row(
            u.name,
            u.kind,
            u.source,
            bound,
            uses_text(u),
            f"{u.min_load_mw:g} MW",
        )
    for s in inp.storages:
        bound = "–" if s.capacity_bound_is_derived else f"≤ {s.capacity_bound_mwh:g} MWh"
        t.add_row(s.name, s.kind, "", bound, "", "")
    console.print(t)


@app.command()
def schema(
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the Markdown reference.")] = False,
) -> None:
    """Print the scenario JSON Schema (for editors), or the Markdown reference."""
    from dhopt.docs import scenario_json_schema, scenario_markdown

    if markdown:
        sys.stdout.write(scenario_markdown())
    else:
        sys.stdout.write(json.dumps(scenario_json_schema(), indent=2) + "\n")


def _register_command_modules() -> None:
    """Commands that live in their own modules (kept out of this file so each stays small)."""
    from dhopt.commands_compare import register as register_compare
    from dhopt.commands_demand import demand_app
    from dhopt.commands_export import register as register_export
    from dhopt.commands_network import register as register_network
    from dhopt.commands_report import register as register_report
    from dhopt.commands_stress import register as register_stress
    from dhopt.commands_sweep import register as register_sweep

    register_sweep(app)
    app.add_typer(demand_app, name="demand")
    register_network(app)
    register_compare(app)
    register_export(app)  # economics, export xlsx
    register_report(app)
    register_stress(app)  # weather years: a design re-dispatched on other years


_register_command_modules()


def main() -> None:  # pragma: no cover - console script entry
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
