"""The report's section against a baseline run (`dhopt report DIR --baseline BASE`, `dhopt compare
--report`): the same delta tables as `dhopt compare` (dhopt.compare), and the economics against
the baseline where economics.csv has them (`dhopt economics DIR --baseline BASE`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dhopt.compare import capacity_differences, input_differences, load_run, system_differences
from dhopt.errors import DhoptError
from dhopt.report_html import banner, esc, num, table
from dhopt.result_files import ECONOMICS_FILE

# The system row's figures against a baseline, as `dhopt economics --baseline` writes them.
AGAINST_BASELINE = {
    "irr": ("IRR", 100.0, " %"),
    "payback_years": ("simple payback", 1.0, " years"),
    "discounted_payback_years": ("discounted payback", 1.0, " years"),
}


def _economics_lines(folder: Path) -> list[tuple[str, str]]:
    path = folder / ECONOMICS_FILE
    if not path.is_file():
        return []
    frame = pd.read_csv(path)
    system = frame[frame["unit"] == "system"]
    if system.empty:
        return []
    row = system.iloc[0]
    return [
        (label, num(row[column], 2, scale) + unit)
        for column, (label, scale, unit) in AGAINST_BASELINE.items()
        if column in row.index and not pd.isna(row[column])
    ]


def baseline_section(folder: Path, baseline: Path) -> str:
    """HTML of the comparison of `folder` with `baseline` (DhoptError if either is incomplete)."""
    base, other = load_run(baseline), load_run(folder)
    parts = ['<section id="baseline"><h2>Against the baseline</h2>', f"<p>Baseline: {esc(base.label)}.</p>"]
    if base.info.get("basis") != other.info.get("basis"):
        parts.append(banner("warn", "The two runs stand on different bases (horizon or typical days)."))
    for status in {base.info.get("status"), other.info.get("status")} - {"optimal"}:
        parts.append(banner("warn", f"A run's status is {status}: its figures are not proven optimal."))
    system = system_differences(base, other)
    parts.append("<h3>System</h3>")
    parts.append(
        table(
            ["figure", "baseline", "this run", "difference", "difference, %"],
            [
                [r.figure, num(r.base), num(r.other), num(r.difference), num(r.difference_pct)]
                for r in system.itertuples()
            ],
            (1, 2, 3, 4),
        )
    )
    caps = capacity_differences(base, other)
    parts.append("<h3>Capacities</h3>")
    parts.append(
        table(
            ["unit", "type", "size in", "baseline", "this run", "difference"],
            [
                [r.unit, r.type, r.unit_of_size, num(r.base), num(r.other), num(r.difference)]
                for r in caps.itertuples()
            ],
            (3, 4, 5),
        )
    )
    lines = _economics_lines(folder)
    if lines:
        parts.append("<h3>Economics against the baseline</h3>")
        parts.append(table(["figure", "value"], lines, (1,)))
    try:
        inputs = input_differences(base, other)
    except DhoptError as exc:
        parts.append(f"<p>The inputs cannot be compared: {esc(exc)}</p>")
    else:
        parts.append("<h3>Inputs that differ</h3>")
        if inputs.empty:
            parts.append("<p>None: the same scenario and data.</p>")
        else:
            parts.append(
                table(
                    ["key", "baseline", "this run", "note"],
                    [[r.key, r.base, r.other, r.note] for r in inputs.itertuples()],
                )
            )
    parts.append("</section>")
    return "".join(parts)
