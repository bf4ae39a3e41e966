"""`python -m benchmarks [--profile smoke|full]`: time the reference model and write a record."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks.cases import cases_for
from benchmarks.runner import drift, measure, record, store_reference

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--profile",
        choices=["smoke", "full", "scale", "physics"],
        default="smoke",
        help="smoke: 168 h cases (for CI); full: 168/720/2190/8760 h, the plain model and the scaling "
        "cases; scale: only the full year and the scaling cases (benchmarks/scaling.py); physics: the "
        "reference and the portfolio with the physics options on",
    )
    parser.add_argument(
        "--plain-time-limit",
        type=float,
        default=None,
        help="wall-clock limit of each plain-model case, s (default: 60 smoke, 600 full)",
    )
    parser.add_argument("--out", type=Path, default=HERE / "records", help="folder for the record")
    parser.add_argument(
        "--store-reference",
        action="store_true",
        help="keep this run's results as the values later runs are checked against",
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if LCOE or capacities drift from the stored full run"
    )
    parser.add_argument(
        "--cases",
        default=None,
        help="comma-separated names of the profile's cases to run (default: all), e.g. "
        "dhopt-8760h,units-8hp-8760h,units-16hp-8760h,portfolio-8760h",
    )
    args = parser.parse_args(argv)
    limit = args.plain_time_limit or (60.0 if args.profile == "smoke" else 600.0)
    console = Console()
    cases = cases_for(args.profile, limit)
    if args.cases is not None:
        wanted = [name.strip() for name in args.cases.split(",") if name.strip()]
        unknown = [name for name in wanted if name not in {c.name for c in cases}]
        if unknown or not wanted:
            names = ", ".join(c.name for c in cases)
            parser.error(
                f"--cases: {', '.join(unknown) or 'none given'} not in profile {args.profile} ({names})"
            )
        cases = [c for c in cases if c.name in wanted]
    rows = []
    for case in cases:
        if case.kind == "fixed":
            free = next((m for m in rows if m.kind == "dhopt" and m.hours == case.hours), None)
            case.capacities = free.capacities if free and free.status == "optimal" else None
        console.print(f"running {case.name} …")
        rows.append(measure(case))
    rec = record(rows, args.profile)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"{rec['finished_utc'].replace(':', '')}-{args.profile}"
    (args.out / f"{stem}.json").write_text(json.dumps(rec, indent=2) + "\n")
    import pandas as pd

    nested = ("capacities", "extra")
    flat = pd.DataFrame([{k: v for k, v in c.items() if k not in nested} for c in rec["cases"]])
    flat.to_csv(args.out / f"{stem}.csv", index=False)
    table = Table(
        title=f"dhopt benchmark ({args.profile}) — {rec['machine']['cores']} cores, {rec['git_commit'][:8]}"
    )
    for col in ("case", "status", "build s", "solve s", "total s", "peak MB", "gap %", "LCOE"):
        table.add_column(col, justify="left" if col in ("case", "status") else "right", no_wrap=True)
    for m in rows:
        table.add_row(
            m.case,
            m.status,
            f"{m.build_s:.1f}",
            f"{m.solve_s:.1f}",
            f"{m.total_s:.1f}",
            f"{m.peak_rss_mb:.0f}",
            "–" if m.gap is None else f"{100 * m.gap:.3f}",
            "–" if m.lcoe_eur_per_mwh is None else f"{m.lcoe_eur_per_mwh:.3f}",
        )
    console.print(table)
    console.print(f"speed-up of dhopt over the plain model (total time): {rec['speedup_plain_over_dhopt']}")
    console.print(f"growth (time ratios): {rec['growth']}")
    for name, diff in rec["typical_days_vs_exact"].items():
        console.print(f"{name} against the exact solve: LCOE {diff['lcoe_pct']:+.2f} %")
    for m in rows:
        if m.kind == "sweep":
            e = m.extra
            console.print(
                f"{m.case}: {e.get('points')} points with {e.get('workers')} workers in {m.total_s:.1f} s; "
                f"per point median {e.get('point_seconds_median') or 0:.1f} s, "
                f"max {e.get('point_seconds_max') or 0:.1f} s"
            )
    console.print(f"record: {args.out / stem}.json / .csv")
    if args.store_reference:
        store_reference(rows)
        console.print("stored as the reference results")
    problems = drift(rows)
    for p in problems:
        console.print(f"[red]drift:[/] {p}")
    failed = [m.case for m in rows if m.kind != "plain" and m.status not in ("optimal",)]
    for name in failed:
        console.print(f"[red]failed:[/] {name}")
    return 1 if args.check and (problems or failed) else 0


if __name__ == "__main__":
    sys.exit(main())
