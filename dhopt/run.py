"""The whole flow for one scenario: load → prepare → check → build and solve → results → files.

This is the Python API behind `dhopt solve`; the sweep runner calls it too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import platform
import time
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from dhopt import __version__
from dhopt.diagnose import check_supply, explain_infeasible
from dhopt.errors import DhoptError, InfeasibleError, ScenarioError, SolverError
from dhopt.inputs import SystemInputs, prepare_inputs
from dhopt.result_files import clear_results, prepare_folder, write_json, write_results
from dhopt.results import Results, basis_label, collect
from dhopt.scenario import LoadedScenario, load_scenario
from dhopt.scenario_copy import SCENARIO_COPY, write_scenario_copy
from dhopt.solve import ModelCache, SolveOptions, SolveReport, solve


@dataclass
class RunOutcome:
    loaded: LoadedScenario
    inputs: SystemInputs
    report: SolveReport
    results: Results
    info: dict[str, Any]


def package_versions() -> dict[str, str]:
    out = {"dhopt": __version__, "python": platform.python_version()}
    for pkg in ("pyomo", "highspy", "numpy", "pandas", "pydantic", "pyarrow"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def aggregation_info(inputs: SystemInputs) -> dict[str, Any]:
    """What a typical-period run stands on, for run.json and the console."""
    p = inputs.periods
    assert p is not None
    return {
        "approximate": True,
        "method": p.method,
        "typical_periods": len(p.counts),
        "period_hours": p.length,
        "model_hours": inputs.hours,
        "source_hours": p.source_hours,
    }


def years_info(inputs: SystemInputs) -> dict[str, Any]:
    """The weather years a run stands on, for run.json."""
    y = inputs.years
    assert y is not None
    return {"names": list(y.names), "hours": list(y.lengths), "weights": list(y.weights)}


def run_scenario(
    scenario: str | Path | LoadedScenario,
    out: Path | None = None,
    hours: int | None = None,
    options: SolveOptions | None = None,
    overrides: dict[str, Any] | None = None,
    typical_days: int | None = None,
    model_cache: ModelCache | None = None,
    copy_inputs: bool = True,
    unserved_heat_eur_per_mwh: float | None = None,
) -> RunOutcome:
    """Solve one scenario; write its result folder if `out` is given. Raises DhoptError subclasses.

    `typical_days`: solve on that many typical days (plus the peak day) instead of every hour, an
    approximation for screening (dhopt.aggregate); the results say so. `model_cache`: reuse a
    model built by an earlier call whose inputs differed only in fixed capacities (sweeps).
    `copy_inputs`: the result folder keeps copies of the data files (else the scenario copy
    names them by absolute path: a sweep's points share them). `unserved_heat_eur_per_mwh`: heat
    may go unserved at this price (the stress test, dhopt.commands_stress).
    """
    started = time.perf_counter()
    loaded = scenario if isinstance(scenario, LoadedScenario) else load_scenario(scenario, overrides)
    inputs = prepare_inputs(loaded, hours)
    if unserved_heat_eur_per_mwh is not None:  # the stress test: heat may go unserved, at a price
        inputs = dataclasses.replace(inputs, unserved_heat_eur_per_mwh=unserved_heat_eur_per_mwh)
    try:
        if inputs.unserved_heat_eur_per_mwh is None:
            check_supply(inputs)
    except InfeasibleError as exc:  # name the scenario, like every other input error
        raise InfeasibleError(f"{loaded.path}: {exc}") from None
    if typical_days is not None and inputs.years is not None:
        raise ScenarioError(
            f"{loaded.path}: --typical-days: not with weather_years (each year's storage is cyclic "
            "within its year); solve every hour"
        )
    if typical_days is not None:
        from dhopt.aggregate import aggregate_inputs

        inputs = aggregate_inputs(inputs, typical_days)
    options = options or SolveOptions()
    if out is not None:
        prepare_folder(out)
        if options.log_file is None:
            options.log_file = out / "solver.log"
    built, report = solve(inputs, options, model_cache)
    if report.status == "infeasible":
        raise InfeasibleError(f"{loaded.path}: {explain_infeasible(inputs)}")
    if report.objective is None or not report.feasible:
        raise SolverError(
            f"no usable solution ({report.status}): {report.message}"
            + (f"; solver log in {options.log_file}" if options.log_file else ""),
            status=report.status,
        )
    results = collect(built, {"status": report.status, "basis": basis_label(inputs)})
    if inputs.years is not None:
        from dhopt.weather_years_results import kpis_by_year

        results.kpis_by_year = kpis_by_year(built, {"status": report.status})
    info = {
        "scenario": str(loaded.path),
        "scenario_sha256": loaded.sha256,
        "overrides": loaded.overrides,
        "scenario_copy": None if out is None else SCENARIO_COPY,
        "scenario_name": loaded.scenario.name,
        "hours": inputs.hours if inputs.periods is None else inputs.periods.source_hours,
        "basis": basis_label(inputs),
        "aggregation": None if inputs.periods is None else aggregation_info(inputs),
        "weather_years": None if inputs.years is None else years_info(inputs),
        "unserved_heat_eur_per_mwh": inputs.unserved_heat_eur_per_mwh,
        "finished_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "versions": package_versions(),
        "options": {
            "mip_gap": options.mip_gap,
            "time_limit": options.time_limit,
            "threads": options.threads,
            "solver": options.solver,
        },
        "solver": report.solver,
        "status": report.status,
        "feasible": report.feasible,
        "message": report.message,
        "objective_eur_per_year": report.objective,
        "bound_eur_per_year": report.bound,
        "gap": report.gap,
        "build_seconds": report.build_seconds,
        "solve_seconds": report.solve_seconds,
        "wall_seconds": time.perf_counter() - started,
        "min_load_binaries": report.min_load_binaries,
        "rounds": [asdict(r) for r in report.rounds],
    }
    if out is not None:
        try:
            write_results(results, out)
            write_scenario_copy(loaded, out, copy_inputs)
            write_json(out / "run.json", info)  # last: its presence marks a complete folder
        except OSError as exc:
            clear_results(out)  # no folder that mixes this run's tables with nothing or an old run's
            raise DhoptError(
                f"{exc.filename or out}: cannot write the results: {exc.strerror or exc}"
            ) from None
    return RunOutcome(loaded, inputs, report, results, info)
