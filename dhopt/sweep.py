"""Sweeps: many solves of one scenario with different overrides, resumable, in parallel (issue 4).

A sweep file (YAML, schema `SweepFile` below, documented in docs/sweeps.md) names a base scenario
and the points to solve: a split of a fixed total heat-pump capacity over some heat sources on a
grid (`proportions`, the Nordhavn deliverable's 2.3.3: the ternary diagrams), named `cases` (Table 8), and a
cartesian `grid` of dotted-path values. Each point is the base scenario with a set of overrides
(`dhopt.run.run_scenario(..., overrides=...)`); its id is a hash of those overrides.

Output folder:
    points/<id>.json     one file per finished point, written atomically (temp file + rename)
    points.csv|parquet   one row per reported point (a point shared by two faces appears twice)
    sweep.json           the sweep file and its context (base scenario hash, hours, MIP gap)
    attempts.jsonl       one line per solve attempt (id, status, seconds): an audit trail
    .running/<id>.json   pid and start time of a point being solved (local workers only)
    runs/<id>/           the full result folder of each point, only with `keep_runs: true`

A rerun with the same output folder reads the finished points back and solves only the rest;
failed points (error, timeout, time_limit) are solved again only with `retry_failed`.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime as dt
import hashlib
import itertools
import json
import logging
import math
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, field_validator, model_validator

from dhopt.errors import DhoptError, InfeasibleError, ScenarioError, SolverError
from dhopt.results import atomic_write, write_json
from dhopt.scenario import (
    Scenario,
    apply_overrides,
    file_sha256,
    format_validation_error,
    read_yaml,
    validate_as,
)
from dhopt.schema import NonNegative, Positive, StrictModel

log = logging.getLogger(__name__)

STATUSES = ("optimal", "time_limit", "infeasible", "error", "timeout")
FAILED = frozenset({"error", "timeout", "time_limit"})  # solved again with retry_failed
LIMIT_TOLERANCE_MW = 1e-6
FAULTS_ENV = "DHOPT_SWEEP_TEST_FAULTS"  # test hook, see _test_fault


# ---------------------------------------------------------------------------------------------
# The sweep file


class Proportions(StrictModel):
    """A fixed total heat-pump capacity split over heat sources on a grid of shares (deliverable 2.3.3)."""

    sources: list[str] = Field(min_length=1, description="Units (by name) the total is split over.")
    total_mw: Positive | None = Field(None, description="Total capacity to split, MW heat.")
    share_of_peak: Positive | None = Field(
        None,
        description="Total capacity as a share of the peak demand of the modelled horizon, - "
        "(the study: 0.6 of 40 MW = 24 MW).",
    )
    step: float | str = Field(
        description="Grid step of the shares: a number dividing 1 (0.1, 0.25) or a fraction '1/9' "
        "(3 sources: (n+1)(n+2)/2 points for n = 1/step; 1/9 gives the study's 55)."
    )
    faces: bool = Field(
        False,
        description="Split over every subset of 3 sources (the faces of the pyramid for 4 sources), "
        "the other sources at 0, instead of over all sources at once.",
    )
    other_heat_pumps: Literal["off", "free"] = Field(
        "off",
        description="Heat pumps of the base scenario not in `sources`: 'off' fixes them to 0 MW, "
        "'free' leaves them to the optimiser.",
    )

    @field_validator("other_heat_pumps", mode="before")
    @classmethod
    def _yaml_off(cls, v: Any) -> Any:
        return "off" if v is False else v  # YAML 1.1 reads a bare `off` as false

    @field_validator("step")
    @classmethod
    def _step_divides_one(cls, v: float | str) -> float | str:
        _divisions(v)
        return v

    @model_validator(mode="after")
    def _check(self) -> Proportions:
        if (self.total_mw is None) == (self.share_of_peak is None):
            raise ValueError("give exactly one of total_mw and share_of_peak")
        if len(set(self.sources)) != len(self.sources):
            raise ValueError("sources: a source is listed twice")
        if self.faces and len(self.sources) < 4:
            raise ValueError(f"faces: needs at least 4 sources, found {len(self.sources)}")
        return self

    @property
    def divisions(self) -> int:
        return _divisions(self.step)


def _divisions(step: float | str) -> int:
    """n such that step = 1/n; raises ValueError otherwise."""
    try:
        value = float(Fraction(step.strip())) if isinstance(step, str) else float(step)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"step: expected a number or a fraction such as '1/9', found {step!r}") from None
    if not 0 < value <= 1:
        raise ValueError(f"step: expected a value in (0, 1], found {step!r}")
    n = round(1 / value)
    if abs(n * value - 1) > 1e-4:
        raise ValueError(f"step: 1/step must be a whole number, found 1/{step!r} = {1 / value:.6g}")
    return n


class Case(StrictModel):
    """A named set of overrides (e.g. one column of the study's Table 8)."""

    name: str = Field(description="Case name used in tables and plots.")
    overrides: dict[str, Any] = Field(default_factory=dict, description="Dotted path → value.")
    note: str = Field("", description="Free text, e.g. where the numbers come from.")


class SweepFile(StrictModel):
    """A sweep: the base scenario and the points to solve (see docs/sweeps.md)."""

    name: str | None = Field(None, description="Sweep name (default: the file's stem).")
    description: str = Field("", description="Free text.")
    base: str = Field(description="Base scenario file, relative to the sweep file (or absolute).")
    hours: Annotated[int, Field(gt=0)] | None = Field(None, description="Solve the first N hours only.")
    time_limit_s: Positive | None = Field(None, description="Solver time limit per point, s.")
    timeout_grace_s: NonNegative = Field(
        60.0,
        description="A point still running time_limit_s + this many seconds after it started is "
        "killed and recorded as 'timeout', s.",
    )
    mip_gap: NonNegative = Field(1e-3, description="Relative MIP gap per point, -.")
    threads: Annotated[int, Field(ge=1)] = Field(1, description="Solver threads per point.")
    overrides: dict[str, Any] = Field(
        default_factory=dict,
        description="Dotted path → value, applied to every point (a point's own overrides win).",
    )
    proportions: Proportions | None = Field(None, description="Split of a total heat-pump capacity.")
    cases: list[Case] | None = Field(None, min_length=1, description="Named override sets.")
    grid: dict[str, Annotated[list[Any], Field(min_length=1)]] | None = Field(
        None, description="Dotted path → list of values; every combination is a point."
    )
    keep_runs: bool = Field(False, description="Also write each point's result folder to runs/<id>/.")

    @model_validator(mode="after")
    def _something_to_sweep(self) -> SweepFile:
        if self.proportions is None and not self.cases and not self.grid:
            raise ValueError("expected at least one of proportions, cases and grid")
        if self.cases:
            names = [c.name for c in self.cases]
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise ValueError(f"cases: names must be unique, found {', '.join(dup)} twice")
        return self


# ---------------------------------------------------------------------------------------------
# The plan: every point and every reported row


@dataclass
class PointSpec:
    id: str
    overrides: dict[str, Any]
    skip_reason: str | None = None  # set when the point breaks a capacity limit: not solved


@dataclass
class Row:
    point_id: str
    labels: dict[str, Any]  # face, case, share_<src>, mw_<src>, grid paths


@dataclass
class SweepPlan:
    path: Path
    config: SweepFile
    name: str
    base_path: Path
    hours: int
    peak_mw: float
    total_mw: float | None
    rows: list[Row]
    points: dict[str, PointSpec]
    context: dict[str, Any]
    label_columns: list[str] = field(default_factory=list)
    limits_mw: dict[str, float] = field(default_factory=dict)  # capacity_max_mw of the split's sources

    @property
    def sources(self) -> list[str]:
        return list(self.config.proportions.sources) if self.config.proportions else []

    def time_guard_s(self) -> float | None:
        c = self.config
        return None if c.time_limit_s is None else c.time_limit_s + c.timeout_grace_s


def _canonical(value: Any) -> Any:
    """Numbers as floats (so 0 and 0.0 give the same id), containers recursively."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def point_id(overrides: dict[str, Any]) -> str:
    """A stable id: the first 12 hex digits of the SHA-256 of the canonical JSON of the overrides."""
    text = json.dumps(_canonical(overrides), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def compositions(n: int, k: int) -> list[tuple[int, ...]]:
    """Every k-tuple of non-negative integers summing to n (the grid points of a simplex)."""
    if k == 1:
        return [(n,)]
    return [(i, *rest) for i in range(n, -1, -1) for rest in compositions(n - i, k - 1)]


def face_name(face: Iterable[str]) -> str:
    return "-".join(face)


def load_sweep(path: str | Path, hours: int | None = None) -> SweepPlan:
    """Read and check a sweep file and expand it into points. Raises ScenarioError (one line)."""
    from dhopt.inputs import prepare_inputs
    from dhopt.scenario import load_scenario

    path = Path(path)
    config = validate_as(SweepFile, path, read_yaml(path))
    base_path = Path(config.base)
    if not base_path.is_absolute():
        base_path = (path.parent / base_path).resolve()
    hours = hours or config.hours
    try:
        base_raw = read_yaml(base_path)
        loaded = load_scenario(base_path, config.overrides)
        inputs = prepare_inputs(loaded, hours)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: base: {exc}") from None
    peak = float(inputs.demand_mw.max())
    units = loaded.scenario.units
    heat_pumps = [n for n, u in units.items() if u.type == "heat_pump"]

    # Proportions: (labels, overrides) per reported row.
    prop_items: list[tuple[dict[str, Any], dict[str, Any]]] = [({}, {})]
    total = None
    p = config.proportions
    if p is not None:
        for s in p.sources:
            if s not in units:
                raise ScenarioError(
                    f"{path}: proportions.sources: no unit '{s}' in {base_path.name} "
                    f"(units: {', '.join(units)})"
                )
            if units[s].type == "storage":
                raise ScenarioError(f"{path}: proportions.sources: '{s}' is a storage, not a producer")
        total = p.total_mw if p.total_mw is not None else p.share_of_peak * peak
        n = p.divisions
        faces = list(itertools.combinations(p.sources, 3)) if p.faces else [tuple(p.sources)]
        off = [u for u in heat_pumps if u not in p.sources] if p.other_heat_pumps == "off" else []
        prop_items = []
        for face in faces:
            for combo in compositions(n, len(face)):
                shares = dict.fromkeys(p.sources, 0.0)
                shares.update({s: k / n for s, k in zip(face, combo, strict=True)})
                mw = {s: round(total * shares[s], 9) for s in p.sources}
                labels: dict[str, Any] = {"face": face_name(face)} if p.faces else {}
                labels.update({f"share_{s}": shares[s] for s in p.sources})
                labels.update({f"mw_{s}": mw[s] for s in p.sources})
                ov = {f"units.{s}.capacity_mw": mw[s] for s in p.sources}
                ov.update({f"units.{u}.capacity_mw": 0.0 for u in off})
                prop_items.append((labels, ov))

    case_items: list[tuple[dict[str, Any], dict[str, Any]]] = [({}, {})]
    if config.cases:
        case_items = [({"case": c.name}, dict(c.overrides)) for c in config.cases]
    grid_items: list[tuple[dict[str, Any], dict[str, Any]]] = [({}, {})]
    if config.grid:
        keys = list(config.grid)
        grid_items = [
            (dict(zip(keys, values, strict=True)), dict(zip(keys, values, strict=True)))
            for values in itertools.product(*config.grid.values())
        ]

    # A path set by two parts of the sweep would make one silently win: refuse it.
    owners: dict[str, str] = {}
    for part, items in (("proportions", prop_items), ("cases", case_items), ("grid", grid_items)):
        for key in {k for _, ov in items for k in ov}:
            if key in owners and owners[key] != part:
                raise ScenarioError(f"{path}: override '{key}' is set by both {owners[key]} and {part}")
            owners[key] = part

    rows: list[Row] = []
    points: dict[str, PointSpec] = {}
    for (pl, po), (cl, co), (gl, go) in itertools.product(prop_items, case_items, grid_items):
        overrides = {**config.overrides, **po, **co, **go}
        pid = point_id(overrides)
        labels = {**pl, **cl, **gl}
        if pid not in points:
            where = _describe(labels)
            try:
                data = apply_overrides(base_raw, overrides)
                Scenario.model_validate(data)
            except ScenarioError as exc:
                raise ScenarioError(f"{path}: {where}: {exc}") from None
            except ValidationError as exc:
                raise ScenarioError(f"{path}: {where}: {format_validation_error(base_path, exc)}") from None
            points[pid] = PointSpec(pid, overrides, _limit_breach(data))
        rows.append(Row(pid, labels))

    label_columns: list[str] = []
    for r in rows:
        label_columns += [k for k in r.labels if k not in label_columns]
    context = {"base": str(base_path), "base_sha256": file_sha256(base_path), "hours": inputs.hours}
    context["mip_gap"] = config.mip_gap
    return SweepPlan(
        path=path,
        config=config,
        name=config.name or path.stem,
        base_path=base_path,
        hours=inputs.hours,
        peak_mw=peak,
        total_mw=total,
        rows=rows,
        points=points,
        context=context,
        label_columns=label_columns,
        limits_mw={
            s: float(units[s].capacity_max_mw)
            for s in (p.sources if p else [])
            if getattr(units[s], "capacity_max_mw", None) is not None
        },
    )


def _describe(labels: dict[str, Any]) -> str:
    if not labels:
        return "overrides"
    parts = []
    for k, v in labels.items():
        if k.startswith("mw_"):
            continue
        if k.startswith("share_"):
            v = f"{100 * v:.1f} %"
        parts.append(f"{k} {v}")
    return "point (" + ", ".join(parts) + ")"


def _limit_breach(data: dict[str, Any]) -> str | None:
    """Why a point's fixed capacities break the base scenario's limits (capacity_max_mw), or None."""
    reasons = []
    for name, unit in (data.get("units") or {}).items():
        if not isinstance(unit, dict):
            continue
        fixed, top = unit.get("capacity_mw"), unit.get("capacity_max_mw")
        if fixed is not None and top is not None and float(fixed) > float(top) + LIMIT_TOLERANCE_MW:
            reasons.append(f"{name} {float(fixed):.3f} MW is above its capacity_max_mw {float(top):g} MW")
    return "; ".join(reasons) or None


# ---------------------------------------------------------------------------------------------
# One point, in a worker process (or a Dask worker)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _test_fault(pid: str, spec: str | None) -> None:
    """Test hook: env DHOPT_SWEEP_TEST_FAULTS = JSON {point id or '*': 'exit' | 'raise' | 'sleep:S'}.

    Lets the tests make a worker die (os._exit), raise, or hang, which the runner must survive.
    The runner reads the variable when it makes the tasks (a forkserver started earlier would not
    see a later change of the environment) and passes it along.
    """
    if not spec:
        return
    faults = json.loads(spec)
    action = faults.get(pid) or faults.get("*")
    if not action:
        return
    if action == "exit":
        os._exit(3)
    if action == "raise":
        raise RuntimeError("test fault")
    if action.startswith("sleep:"):
        time.sleep(float(action.split(":", 1)[1]))


# Pyomo's HiGHS interface redirects the process's stdout/stderr file descriptors while it solves,
# so two solves in threads of one process garble each other (measured: a Dask in-process cluster
# with 2 threads hung). One solve per process at a time; parallelism comes from processes.
_SOLVE_LOCK = threading.Lock()


_MODEL_CACHE = None


def _worker_cache():
    """This worker process's model, reused by the next point when only fixed capacities differ
    (a proportion sweep): bounds change instead of a rebuild (dhopt.solve.ModelCache)."""
    global _MODEL_CACHE
    if _MODEL_CACHE is None:
        from dhopt.solve import ModelCache

        _MODEL_CACHE = ModelCache()
    return _MODEL_CACHE


def solve_point(task: dict[str, Any]) -> dict[str, Any]:
    """Solve one point; never raises for a failed solve (the status says what happened)."""
    with _SOLVE_LOCK:
        return _solve_point(task)


def _solve_point(task: dict[str, Any]) -> dict[str, Any]:
    started, started_utc = time.perf_counter(), _now()
    pid = task["id"]
    if task.get("running_dir"):
        write_json(Path(task["running_dir"]) / f"{pid}.json", {"pid": os.getpid(), "started": time.time()})
    record: dict[str, Any] = {
        "id": pid,
        "overrides": task["overrides"],
        "context": task["context"],
        "started_utc": started_utc,
        "worker_pid": os.getpid(),
    }
    try:
        _test_fault(pid, task.get("faults"))
        from dhopt.run import run_scenario
        from dhopt.solve import SolveOptions

        options = SolveOptions(
            mip_gap=task["mip_gap"], time_limit=task.get("time_limit"), threads=task.get("threads")
        )
        out = Path(task["keep_dir"]) if task.get("keep_dir") else None
        outcome = run_scenario(
            Path(task["base"]),
            out=out,
            hours=task["hours"],
            options=options,
            overrides=task["overrides"],
            model_cache=_worker_cache(),
        )
    except InfeasibleError as exc:
        record.update(status="infeasible", message=str(exc))
    except SolverError as exc:
        # A time limit is not an error.
        record.update(status="time_limit" if exc.status == "time_limit" else "error", message=str(exc))
    except DhoptError as exc:
        record.update(status="error", message=str(exc))
    except Exception as exc:  # anything else must not take the sweep down
        record.update(status="error", message=_one_line(f"{type(exc).__name__}: {exc}"))
    else:
        report = outcome.report
        record.update(
            status=report.status,
            message=report.message,
            objective_eur_per_year=report.objective,
            gap=report.gap,
            solve_seconds=report.solve_seconds,
            **summarise(outcome.results),
        )
    record["wall_seconds"] = time.perf_counter() - started
    record["finished_utc"] = _now()
    return record


def _one_line(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _num(x: Any) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def summarise(results) -> dict[str, Any]:
    """The numbers a sweep keeps of one solve: system KPIs and, per unit, capacity, heat, SCOP, LCOE."""
    kpis = results.kpis.set_index("unit")
    system = {
        c: _num(v)
        for c, v in kpis.loc["system"].items()
        if c not in ("type", "source") and _num(v) is not None
    }
    units: dict[str, dict[str, Any]] = {}
    for _, c in results.capacities.iterrows():
        name = c["unit"]
        k = kpis.loc[name] if name in kpis.index else {}
        units[name] = {
            "type": c["type"],
            "capacity_mw": _num(c.get("capacity_mw")),
            "capacity_mwh": _num(c.get("capacity_mwh")),
            "heat_mwh": _num(k.get("heat_mwh")) if len(k) else None,
            "scop": _num(k.get("scop")) if len(k) else None,
            "lcoe_eur_per_mwh": _num(k.get("lcoe_eur_per_mwh")) if len(k) else None,
        }
    return {"system": system, "units": units}


# ---------------------------------------------------------------------------------------------
# Reading and writing the folder


def point_file(out: Path, pid: str) -> Path:
    return out / "points" / f"{pid}.json"


def read_points(out: Path) -> dict[str, dict[str, Any]]:
    """Finished points in `out/points/`; unreadable files are ignored (and solved again)."""
    found = {}
    for f in sorted((out / "points").glob("*.json")):
        try:
            rec = json.loads(f.read_text())
        except (OSError, ValueError):
            log.warning("ignoring unreadable point file %s", f)
            continue
        if isinstance(rec, dict) and rec.get("id") == f.stem and rec.get("status") in STATUSES:
            found[f.stem] = rec
    return found


def _append_attempt(out: Path, rec: dict[str, Any]) -> None:
    line = {k: rec.get(k) for k in ("id", "status", "started_utc", "wall_seconds", "attempt", "worker_pid")}
    with open(out / "attempts.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(line) + "\n")


def points_table(plan: SweepPlan, records: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per reported point (status 'pending' if it has no result yet)."""
    base_units = Scenario.model_validate(read_yaml(plan.base_path)).units
    unit_names = list(base_units)
    storage = {n for n, u in base_units.items() if u.type == "storage"}
    out = []
    for row in plan.rows:
        rec = records.get(row.point_id, {})
        system = rec.get("system") or {}
        units = rec.get("units") or {}
        r: dict[str, Any] = {"point_id": row.point_id}
        r.update({k: row.labels.get(k) for k in plan.label_columns})
        r["status"] = rec.get("status", "pending")
        r["message"] = rec.get("message", "")
        r["lcoe_eur_per_mwh"] = system.get("lcoe_eur_per_mwh")
        r["scop"] = system.get("scop")
        r["co2_kg_per_mwh"] = system.get("co2_kg_per_mwh")
        for name in unit_names:
            u = units.get(name) or {}
            if name in storage:
                r[f"cap_{name}_mwh"] = u.get("capacity_mwh")
            else:
                r[f"cap_{name}_mw"] = u.get("capacity_mw")
        for name in unit_names:
            r[f"heat_{name}_mwh"] = (units.get(name) or {}).get("heat_mwh")
        for k, v in system.items():
            if (k.startswith("lcoe_") and k != "lcoe_eur_per_mwh") or k.startswith("aux_"):
                r[k] = v
        r["heat_demand_mwh"] = system.get("heat_mwh")
        r["electricity_mwh"] = system.get("electricity_mwh")
        r["objective_eur_per_year"] = rec.get("objective_eur_per_year")
        r["gap"] = rec.get("gap")
        r["wall_seconds"] = rec.get("wall_seconds")
        r["attempt"] = rec.get("attempt")
        out.append(r)
    df = pd.DataFrame(out)
    numeric = ("scop", "co2_kg_per_mwh", "electricity_mwh", "objective_eur_per_year", "gap", "wall_seconds")
    for col in df.columns:
        if col.startswith(("lcoe_", "cap_", "heat_", "share_", "mw_", "aux_")) or col in numeric:
            df[col] = pd.to_numeric(df[col], errors="coerce")
    df["attempt"] = pd.to_numeric(df["attempt"], errors="coerce").astype("Int64")
    return df


def write_tables(
    plan: SweepPlan, out: Path, records: dict[str, dict[str, Any]] | None = None
) -> pd.DataFrame:
    records = read_points(out) if records is None else records
    df = points_table(plan, records)
    atomic_write(out / "points.csv", lambda p: df.to_csv(p, index=False))

    def parquet(p: Path) -> None:
        try:
            df.to_parquet(p, index=False)
        except Exception:  # mixed-type label columns (a grid of numbers and strings): as text
            df.astype({c: str for c in df.columns if df[c].dtype == object}).to_parquet(p, index=False)

    atomic_write(out / "points.parquet", parquet)
    return df


# ---------------------------------------------------------------------------------------------
# The runner


@dataclass
class SweepSummary:
    out: Path
    total: int  # unique points
    rows: int  # reported rows
    already_done: int
    solved: int
    counts: dict[str, int]
    wall_seconds: float
    table: pd.DataFrame

    @property
    def failed(self) -> int:
        return sum(self.counts.get(s, 0) for s in ("error", "timeout", "time_limit"))


class _Progress:
    """The rich progress bar (done / failed / remaining, ETA), or nothing."""

    def __init__(self, enabled: bool, total: int, done: int, failed: int, console=None) -> None:
        self.enabled = enabled and total > 0
        self.done, self.failed, self.total = done, failed, total
        if not self.enabled:
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} failed · {task.fields[remaining]} to go"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.task = self.progress.add_task(
            "sweep", total=total, completed=done, failed=failed, remaining=total - done
        )

    def __enter__(self) -> _Progress:
        if self.enabled:
            self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self.progress.__exit__(*exc)

    def advance(self, failed: bool) -> None:
        self.done += 1
        self.failed += int(failed)
        if self.enabled:
            self.progress.update(self.task, advance=1, failed=self.failed, remaining=self.total - self.done)


def run_sweep(
    sweep_path: str | Path,
    out: Path,
    workers: int = 2,
    hours: int | None = None,
    scheduler: str | None = None,
    retry_failed: bool = False,
    progress: bool = True,
    console=None,
    dask_processes: bool = True,
) -> SweepSummary:
    """Solve every point of a sweep not yet in `out`, then (re)write points.csv and points.parquet.

    `scheduler`: None for local worker processes, 'local' for a Dask LocalCluster of `workers`
    processes (threads with dask_processes=False), or a Dask scheduler address.
    Raises ScenarioError for a bad sweep file; KeyboardInterrupt after writing the tables.
    """
    started = time.perf_counter()
    if workers < 1:
        raise ScenarioError(f"--workers: expected at least 1, found {workers}")
    plan = load_sweep(sweep_path, hours)
    out = Path(out)
    (out / "points").mkdir(parents=True, exist_ok=True)
    running_dir = out / ".running"
    running_dir.mkdir(exist_ok=True)
    for stale in running_dir.glob("*"):  # left by a run that was killed
        stale.unlink(missing_ok=True)
    write_json(
        out / "sweep.json",
        {
            "sweep_file": str(Path(sweep_path).resolve()),
            "name": plan.name,
            "config": plan.config.model_dump(mode="json"),
            "context": plan.context,
            "peak_mw": plan.peak_mw,
            "total_mw": plan.total_mw,
            "sources": plan.sources,
            "limits_mw": plan.limits_mw,
            "points": len(plan.points),
            "rows": len(plan.rows),
            "started_utc": _now(),
        },
    )
    records = read_points(out)
    todo: list[PointSpec] = []
    already = stale = 0
    for spec in plan.points.values():
        rec = records.get(spec.id)
        if rec is not None and not _same_context(rec.get("context"), plan.context):
            stale += 1  # same overrides, other base scenario file, horizon or MIP gap
            rec = None
        if rec is not None and not (retry_failed and rec["status"] in FAILED):
            already += 1
            continue
        if spec.skip_reason is not None:
            new = {
                "id": spec.id,
                "overrides": spec.overrides,
                "context": plan.context,
                "status": "infeasible",
                "message": f"not solved: {spec.skip_reason}",
                "skipped": True,
                "attempt": 0,
                "finished_utc": _now(),
            }
            write_json(point_file(out, spec.id), new)
            records[spec.id] = new
            already += 1
            continue
        todo.append(spec)
    if stale:
        log.warning(
            "%d point(s) in %s were solved with another base scenario, horizon or MIP gap; solving again",
            stale,
            out,
        )
    todo_ids = {t.id for t in todo}
    failed_before = sum(
        1 for s in plan.points if s in records and s not in todo_ids and records[s]["status"] in FAILED
    )
    solved = 0

    def on_result(rec: dict[str, Any]) -> None:
        nonlocal solved
        prev = records.get(rec["id"]) or {}
        rec["attempt"] = int(prev.get("attempt") or 0) + 1
        write_json(point_file(out, rec["id"]), rec)
        (running_dir / f"{rec['id']}.json").unlink(missing_ok=True)
        _append_attempt(out, rec)
        records[rec["id"]] = rec
        solved += 1
        bar.advance(rec["status"] in FAILED)
        if rec["status"] in FAILED:
            log.warning("point %s: %s: %s", rec["id"], rec["status"], rec.get("message", ""))
        else:
            log.info("point %s: %s in %.1f s", rec["id"], rec["status"], rec.get("wall_seconds") or 0.0)

    tasks = [_task(plan, spec, out, running_dir if scheduler is None else None) for spec in todo]
    bar = _Progress(progress, len(plan.points), already, failed_before, console)
    try:
        with bar:
            if not tasks:
                pass
            elif scheduler is None:
                _run_local(tasks, workers, plan.time_guard_s(), on_result, running_dir)
            else:
                _run_dask(tasks, scheduler, workers, plan.time_guard_s(), on_result, dask_processes)
    finally:
        for marker in running_dir.glob("*"):
            marker.unlink(missing_ok=True)
        table = write_tables(plan, out, records)
    counts = {s: int(n) for s, n in table.drop_duplicates("point_id")["status"].value_counts().items()}
    return SweepSummary(
        out=out,
        total=len(plan.points),
        rows=len(plan.rows),
        already_done=already,
        solved=solved,
        counts=counts,
        wall_seconds=time.perf_counter() - started,
        table=table,
    )


CONTEXT_KEYS = ("base_sha256", "hours", "mip_gap")  # what makes an earlier result of a point stale


def _same_context(a: Any, b: dict[str, Any]) -> bool:
    """Same base scenario content, horizon and MIP gap (the base file may have moved)."""
    return isinstance(a, dict) and all(a.get(k) == b.get(k) for k in CONTEXT_KEYS)


def _task(plan: SweepPlan, spec: PointSpec, out: Path, running_dir: Path | None) -> dict[str, Any]:
    c = plan.config
    return {
        "id": spec.id,
        "base": str(plan.base_path),
        "hours": plan.hours,
        "overrides": spec.overrides,
        "context": plan.context,
        "mip_gap": c.mip_gap,
        "time_limit": c.time_limit_s,
        "threads": c.threads,
        "running_dir": str(running_dir) if running_dir else None,
        "keep_dir": str(out / "runs" / spec.id) if c.keep_runs else None,
        "faults": os.environ.get(FAULTS_ENV),
    }


def _failure(task: dict[str, Any], status: str, message: str, started: float) -> dict[str, Any]:
    return {
        "id": task["id"],
        "overrides": task["overrides"],
        "context": task["context"],
        "status": status,
        "message": message,
        "wall_seconds": time.monotonic() - started,
        "finished_utc": _now(),
    }


def _mp_context():
    """forkserver where the platform has it (Linux), else spawn: never plain fork (Pyomo, HiGHS threads)."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _pool_pids(pool: cf.ProcessPoolExecutor) -> set[int]:
    procs = getattr(pool, "_processes", None) or {}
    return {p.pid for p in procs.values() if p.pid}


def _kill_pool(pool: cf.ProcessPoolExecutor) -> None:
    """Stop a pool now, killing the worker processes it started (and only those)."""
    pids = _pool_pids(pool)
    pool.shutdown(wait=False, cancel_futures=True)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _run_local(
    tasks: list[dict[str, Any]],
    workers: int,
    guard_s: float | None,
    on_result: Callable[[dict[str, Any]], None],
    running_dir: Path,
) -> None:
    """Worker processes with a per-point wall-clock guard and recovery from dying workers.

    A point that runs past `guard_s` gets its worker killed (pid from .running/<id>.json) and is
    recorded as 'timeout'. Killing one worker (or one dying by itself) breaks the whole pool; the
    pool is then replaced and the other points in flight are submitted again. When a worker died by
    itself, the points that were in flight are suspects: each is run again alone, so the one that
    kills its worker is found and recorded as 'error' without blaming the others.
    """
    queue = deque(tasks)
    suspects: deque[dict[str, Any]] = deque()
    ctx = _mp_context()
    pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
    inflight: dict[cf.Future, tuple[dict[str, Any], float, bool]] = {}  # task, submit time, alone
    killed: set[str] = set()
    try:
        while queue or suspects or inflight:
            broken = False
            try:
                if suspects:
                    if not inflight:
                        t = suspects[0]
                        inflight[pool.submit(solve_point, t)] = (t, time.monotonic(), True)
                        suspects.popleft()
                else:
                    while queue and len(inflight) < workers:
                        t = queue[0]
                        inflight[pool.submit(solve_point, t)] = (t, time.monotonic(), False)
                        queue.popleft()
            except cf.process.BrokenProcessPool:
                broken = True  # a worker died since the last look; the task stays queued
            done, _ = cf.wait(list(inflight), timeout=0 if broken else 0.5, return_when=cf.FIRST_COMPLETED)
            for f in done:
                rec = _result(f)
                if rec is None:
                    broken = True  # handled below with the others in flight
                else:
                    inflight.pop(f)
                    on_result(rec)
            if broken:
                # Every other future of a broken pool fails too; collect them all.
                cf.wait(list(inflight), timeout=30)
                lost = []
                for f, (t, t0, alone) in inflight.items():
                    rec = _result(f)
                    if rec is None:
                        lost.append((t, t0, alone))
                    else:
                        on_result(rec)
                inflight.clear()
                _kill_pool(pool)
                pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
                culprit_known = bool(killed & {t["id"] for t, _, _ in lost})
                for t, t0, alone in lost:
                    if t["id"] in killed:
                        killed.discard(t["id"])
                        on_result(
                            _failure(t, "timeout", f"killed after {guard_s:g} s of wall-clock time", t0)
                        )
                    elif alone or (len(lost) == 1 and not culprit_known):
                        on_result(
                            _failure(t, "error", "the worker process died while solving this point", t0)
                        )
                    elif culprit_known:
                        queue.appendleft(t)  # an innocent bystander of a timeout kill
                    else:
                        suspects.append(t)
                continue
            if guard_s is not None:
                for t, _t0, _alone in inflight.values():
                    started = _started(running_dir, t["id"])
                    if t["id"] in killed or started is None:
                        continue
                    pid, start_wall = started
                    ours = _pool_pids(pool)
                    if time.time() - start_wall > guard_s and (not ours or pid in ours):
                        log.warning(
                            "point %s ran over %.0f s; killing its worker (pid %d)", t["id"], guard_s, pid
                        )
                        killed.add(t["id"])
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(pid, signal.SIGKILL)
    except BaseException:
        _kill_pool(pool)
        raise
    else:
        pool.shutdown(wait=True)


def _result(f: cf.Future) -> dict[str, Any] | None:
    """The point's record, or None if its worker process died (the pool is broken)."""
    try:
        return f.result(timeout=0)
    except (cf.process.BrokenProcessPool, cf.TimeoutError, cf.CancelledError):
        return None


def _started(running_dir: Path, pid: str) -> tuple[int, float] | None:
    try:
        d = json.loads((running_dir / f"{pid}.json").read_text())
        return int(d["pid"]), float(d["started"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _run_dask(
    tasks: list[dict[str, Any]],
    address: str,
    workers: int,
    guard_s: float | None,
    on_result: Callable[[dict[str, Any]], None],
    processes: bool = True,
) -> None:
    """The same points on a Dask cluster: a LocalCluster ('local') or a running scheduler.

    At most as many points are in flight as the cluster has worker processes (one solve per
    process at a time, see _SOLVE_LOCK), so a point's wall clock starts when it is submitted. A point past
    `guard_s` is cancelled and recorded as 'timeout', and its worker restarted (where the worker
    has a nanny to restart it).
    """
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise DhoptError("--scheduler needs dask[distributed]: pip install 'dhopt[cluster]'") from None
    cluster = None
    try:
        if address == "local":
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=processes,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            client = Client(cluster)
        else:
            client = Client(address, timeout="20s")
    except OSError as exc:
        if cluster is not None:
            cluster.close()
        raise DhoptError(f"cannot reach the Dask scheduler at {address}: {_one_line(str(exc))}") from None
    try:
        slots = max(1, len(set(client.run(os.getpid).values())))
        queue = deque(tasks)
        inflight: dict[Any, tuple[dict[str, Any], float]] = {}
        n = 0
        while queue or inflight:
            while queue and len(inflight) < slots:
                t = queue.popleft()
                n += 1
                fut = client.submit(solve_point, t, key=f"dhopt-point-{t['id']}-{n}", pure=False)
                inflight[fut] = (t, time.monotonic())
            time.sleep(0.2)
            for fut, (t, t0) in list(inflight.items()):
                if fut.done():
                    del inflight[fut]
                    if fut.status == "finished":
                        on_result(fut.result())
                    else:
                        exc = fut.exception()
                        on_result(_failure(t, "error", _one_line(f"Dask worker failed: {exc!r}"), t0))
                elif guard_s is not None and time.monotonic() - t0 > guard_s:
                    del inflight[fut]
                    rec = _failure(t, "timeout", f"cancelled after {guard_s:g} s of wall-clock time", t0)
                    where = [w for w, keys in client.processing().items() if fut.key in keys]
                    fut.cancel()
                    if where and processes:  # a thread cannot be stopped; a worker process can
                        with contextlib.suppress(Exception):
                            client.restart_workers(where, timeout=60)
                    on_result(rec)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
