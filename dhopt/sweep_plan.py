"""The sweep file (schema `SweepFile`, documented in docs/sweeps.md) and its expansion into points.

A sweep names a base scenario and the points to solve: a split of a fixed total heat-pump
capacity over some heat sources on a grid (`proportions`: the ternary diagrams of the EnergyLab
Nordhavn deliverable, Part II "Optimal exploitation of heat sources", section 2.3.3; docs/sources.md),
named `cases` (its Table 8), and a cartesian `grid` of dotted-path values. Each point is the base
scenario with a set of overrides (`dhopt.run.run_scenario(..., overrides=...)`); its id is a hash
of those overrides.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, ValidationError, field_validator, model_validator

from dhopt.errors import ScenarioError
from dhopt.pyomo_solvers import known_solvers
from dhopt.scenario import (
    Scenario,
    apply_overrides,
    file_sha256,
    format_validation_error,
    read_yaml,
    validate_as,
)
from dhopt.schema import Hours, NonNegative, Positive, StrictModel, integer
from dhopt.units import STORAGE_TYPES

ThreadCount = integer(ge=1, le=1024)

LIMIT_TOLERANCE_MW = 1e-6


# ---------------------------------------------------------------------------------------------
# The sweep file


class Proportions(StrictModel):
    """A fixed total heat-pump capacity split over heat sources on a grid of shares (ternary diagrams)."""

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

    @field_validator("step", mode="before")
    @classmethod
    def _step_is_no_boolean(cls, v: Any) -> Any:
        if isinstance(v, bool):
            raise ValueError(f"expected a number or a fraction such as '1/9', not {str(v).lower()}")
        return v

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
    hours: Hours | None = Field(None, description="Solve the first N hours only.")
    time_limit_s: Positive | None = Field(None, description="Solver time limit per point, s.")
    timeout_grace_s: NonNegative = Field(
        60.0,
        description="A point still running time_limit_s + this many seconds after it started is "
        "killed and recorded as 'timeout', s.",
    )
    mip_gap: NonNegative = Field(1e-3, description="Relative MIP gap per point, -.")
    threads: ThreadCount = Field(1, description="Solver threads per point.")
    solver: str = Field(
        "highs",
        description="MIP solver: highs (dhopt's own path) or another that Pyomo drives and that is "
        "installed (cbc, glpk, scip, cplex, gurobi; the whole MILP at once, docs/performance.md).",
    )
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

    @field_validator("solver")
    @classmethod
    def _known_solver(cls, name: str) -> str:
        if name not in known_solvers():
            raise ValueError(f"expected one of {', '.join(known_solvers())}, found {name!r}")
        return name

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
            if units[s].type in STORAGE_TYPES:
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
                breach = _limit_breach(data)
                if breach is None:  # a breaching point is not solved (status infeasible, the reason)
                    Scenario.model_validate(data)
            except ScenarioError as exc:
                raise ScenarioError(f"{path}: {where}: {exc}") from None
            except ValidationError as exc:
                message = format_validation_error(base_path, exc, data)
                raise ScenarioError(f"{path}: {where}: {message}") from None
            points[pid] = PointSpec(pid, overrides, breach)
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
    """Why a point's fixed capacities break the base scenario's limits (above capacity_max_mw, or
    built below the minimum load, so the unit could never run), or None."""
    reasons = []
    for name, unit in (data.get("units") or {}).items():
        if not isinstance(unit, dict):
            continue
        fixed, top, low = unit.get("capacity_mw"), unit.get("capacity_max_mw"), unit.get("min_load_mw")
        if not isinstance(fixed, int | float) or isinstance(fixed, bool):
            continue
        if isinstance(top, int | float) and float(fixed) > float(top) + LIMIT_TOLERANCE_MW:
            reasons.append(f"{name} {float(fixed):.3f} MW is above its capacity_max_mw {float(top):g} MW")
        if isinstance(low, int | float) and 0 < float(fixed) < float(low) - LIMIT_TOLERANCE_MW:
            reasons.append(
                f"{name} {float(fixed):.3f} MW is below its min. load {float(low):g} MW: it can never run"
            )
    return "; ".join(reasons) or None
