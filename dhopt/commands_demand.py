"""`dhopt demand …`: fit the heat demand – outdoor temperature model and generate hourly demand from it.

Registered in the main CLI as `app.add_typer(demand_app, name="demand")`. User errors end as one line
`error: …` on stderr with exit code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer

from dhopt.console import fail
from dhopt.demand_calendar import DAY_TYPES, HOLIDAY_CALENDARS, check_timezone
from dhopt.demand_fit import DemandModel, apply_scenario, fit
from dhopt.demand_metrics import Metrics, evaluate, read_hourly_csv
from dhopt.errors import DhoptError, ScenarioError

demand_app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Heat demand as a function of outdoor temperature: fit the model, generate hourly demand.",
)

TimeColumn = Annotated[str, typer.Option(help="Column with hourly time stamps (UTC if no offset is given).")]
TemperatureColumn = Annotated[str, typer.Option(help="Column with the outdoor temperature, °C.")]


def _fail(exc: DhoptError) -> None:
    # One line, no traceback: the message already names the file and the column.
    fail(str(exc))


def _local_bound(value: str | None, timezone: str, option: str) -> pd.Timestamp | None:
    """A period bound as a time stamp; naive values are local times in the model's time zone."""
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ScenarioError(
            f"{option}: expected a date or time such as 2016-01-01, found {value!r}"
        ) from None
    return stamp.tz_localize(timezone) if stamp.tz is None else stamp.tz_convert(timezone)


def _period(
    stamps: pd.DatetimeIndex, timezone: str, start: str | None, end: str | None, name: str
) -> np.ndarray | None:
    """Rows with start ≤ t < end, or None if neither bound is given."""
    lo = _local_bound(start, timezone, f"--{name}-start")
    hi = _local_bound(end, timezone, f"--{name}-end")
    if lo is None and hi is None:
        return None
    mask = np.ones(len(stamps), dtype=bool)
    if lo is not None:
        mask &= np.asarray(stamps >= lo)
    if hi is not None:
        mask &= np.asarray(stamps < hi)
    if not mask.any():
        raise ScenarioError(f"--{name}-start/--{name}-end: the {name} period holds none of the file's hours")
    return mask


def _metrics_lines(label: str, metrics: dict[str, Metrics]) -> list[str]:
    return [
        f"{label:<6} {level:<8} {m.cv_rmse_pct:>11.2f} {m.nmbe_pct:>8.2f} {m.n:>7d} {m.p:>4d}"
        for level, m in metrics.items()
    ]


@demand_app.command("fit")
def fit_command(
    data: Annotated[Path, typer.Argument(help="CSV with hourly time stamps, temperature and heat demand.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the parameters (JSON).")],
    time_column: TimeColumn = "time_utc",
    temperature_column: TemperatureColumn = "air_temperature_c",
    demand_column: Annotated[str, typer.Option(help="Column with the heat demand, MW.")] = "heat_demand_mw",
    timezone: Annotated[str, typer.Option(help="Time zone of local days and clock hours.")] = "UTC",
    holidays: Annotated[
        str, typer.Option(help=f"Holiday calendar: {', '.join(HOLIDAY_CALENDARS)}.")
    ] = "none",
    memory: Annotated[
        float | None,
        typer.Option(
            min=0.0, max=0.99, help="Fix the temperature memory m (0 = plain daily mean); default: fit."
        ),
    ] = None,
    train_start: Annotated[str | None, typer.Option(help="First day of the training period.")] = None,
    train_end: Annotated[str | None, typer.Option(help="End of the training period (exclusive).")] = None,
    test_start: Annotated[str | None, typer.Option(help="First day of the held-out test period.")] = None,
    test_end: Annotated[str | None, typer.Option(help="End of the test period (exclusive).")] = None,
) -> None:
    """Fit the change-point model; write its parameters and print CV(RMSE) and NMBE (ASHRAE Guideline 14).

    Period bounds are dates or times in --timezone; start inclusive, end exclusive. Without a training
    period all rows are used. Empty demand cells are left out; empty temperatures are errors.
    """
    try:
        if holidays not in HOLIDAY_CALENDARS:
            raise ScenarioError(
                f"--holidays: expected one of {', '.join(HOLIDAY_CALENDARS)}, found {holidays!r}"
            )
        check_timezone(timezone)
        stamps, values, _ = read_hourly_csv(
            data, time_column, [temperature_column, demand_column], allow_empty=[demand_column]
        )
        temperature, demand = values[temperature_column], values[demand_column]
        train = _period(stamps, timezone, train_start, train_end, "train")
        test = _period(stamps, timezone, test_start, test_end, "test")
        fit_demand = demand if train is None else np.where(train, demand, np.nan)
        model = fit(stamps, temperature, fit_demand, timezone=timezone, holidays=holidays, memory=memory)
        model.training["file"] = str(data)
        train_metrics = evaluate(model, stamps, temperature, demand, train)
        test_metrics = evaluate(model, stamps, temperature, demand, test) if test is not None else None
    except DhoptError as exc:
        _fail(exc)
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        model.save(out)
    except OSError as exc:
        _fail(ScenarioError(f"{out}: cannot write: {exc.strerror}"))
        return

    empty = int(np.isnan(demand).sum())
    if empty:
        typer.echo(f"note: {empty} rows with empty '{demand_column}' left out")
    typer.echo(f"wrote {out}")
    typer.echo(f"memory m = {model.memory:.2f}  (time zone {model.timezone}, holidays {model.holidays})")
    typer.echo(f"{'day type':<16} {'cut-off °C':>10} {'base MW':>8} {'slope MW/K':>10}")
    for name in DAY_TYPES:
        p = model.day_types[name]
        typer.echo(
            f"{name:<16} {p.change_point_c:>10.2f} {p.daily_base_mw:>8.2f} {p.daily_slope_mw_per_k:>10.3f}"
        )
    typer.echo(f"{'period':<6} {'level':<8} {'CV(RMSE) %':>11} {'NMBE %':>8} {'n':>7} {'p':>4}")
    lines = _metrics_lines("train", train_metrics)
    if test_metrics is not None:
        lines += _metrics_lines("test", test_metrics)
    for line in lines:
        typer.echo(line)


@demand_app.command("generate")
def generate_command(
    parameters: Annotated[Path, typer.Argument(help="Parameters JSON written by `dhopt demand fit`.")],
    weather: Annotated[Path, typer.Argument(help="CSV with hourly time stamps and outdoor temperature.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV to write (time, demand).")],
    time_column: TimeColumn = "time_utc",
    temperature_column: TemperatureColumn = "air_temperature_c",
    demand_column: Annotated[
        str, typer.Option(help="Name of the demand column to write.")
    ] = "heat_demand_mw",
    renovation_factor: Annotated[
        float,
        typer.Option(min=0.0, help="Multiply the temperature-dependent demand by this (0.7 = 30 % less)."),
    ] = 1.0,
    temperature_offset: Annotated[
        float, typer.Option(help="Add this many K to every outdoor temperature (climate scenario).")
    ] = 0.0,
) -> None:
    """Hourly heat demand for a temperature series, optionally under a renovation/climate scenario."""
    try:
        model = DemandModel.load(parameters)
        model = apply_scenario(model, renovation_factor, temperature_offset)
        stamps, values, raw_time = read_hourly_csv(weather, time_column, [temperature_column])
        demand = model.predict(stamps, values[temperature_column])
    except DhoptError as exc:
        _fail(exc)
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame({time_column: raw_time, demand_column: np.round(demand, 3)}).to_csv(out, index=False)
    except OSError as exc:
        _fail(ScenarioError(f"{out}: cannot write: {exc.strerror}"))
        return
    typer.echo(
        f"wrote {out}: {len(demand)} h, {demand.sum() / 1000:.1f} GWh, peak {demand.max():.1f} MW, "
        f"min {demand.min():.1f} MW"
    )
