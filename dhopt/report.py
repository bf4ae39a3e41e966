"""`dhopt report`: one self-contained HTML page of a solve folder (docs/report.md).

The decision first (what to build, what it costs), then operation, then every input and
assumption and the solver's record. Every number shown is read from the folder's files
(capacities.csv, kpis.csv, carriers.csv, dispatch.parquet, run.json, the scenario file), never
recomputed from the model; the monthly balance and the peak electricity draw are sums and maxima of
dispatch columns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dhopt import columns as col
from dhopt.plots_common import horizon_note, with_note
from dhopt.plots_lcoe import component_label
from dhopt.report_charts import (
    carpet,
    electricity_draw,
    monthly_figure,
    monthly_heat,
    standard_figures,
    storage_level,
)
from dhopt.report_compare import baseline_section
from dhopt.report_html import banner, esc, figure, missing, num, page, pct, table, tiles
from dhopt.report_inputs import CAPEX, ResultFolder, read_folder
from dhopt.report_tables import inputs_section, run_section
from dhopt.result_files import REPORT_FILE, atomic_write

REPORT = REPORT_FILE
# Read only when a folder has them (older folders may not).
AT_LIMIT = col.AT_LIMIT
MARGINAL_HEAT_COST = col.MARGINAL_HEAT_COST


def status_text(info: dict[str, Any]) -> str:
    """'optimal', or what else the solve ended with: 'time limit (gap X %)', 'feasible (gap X %)'."""
    status = str(info.get("status", "unknown"))
    if status == "optimal":
        return "optimal"
    gap = f" (gap {pct(info.get('gap'))})" if not missing(info.get("gap")) else ""
    return {"time_limit": "time limit", "feasible": "feasible"}.get(status, status) + gap


def horizon_warning(info: dict[str, Any]) -> str | None:
    """The first screen's note on a run that is not every hour of a full year."""
    note = horizon_note(info.get("hours"), info.get("aggregation"))
    if not note:
        return None
    lead = "Approximate" if info.get("aggregation") else "Not a full year"
    return (
        f"{lead}: {note} (basis: {info.get('basis', '?')}). Every annual number in this report stands on it."
    )


def time_labels(d: pd.DataFrame) -> np.ndarray:
    """Each row's time stamp as 'YYYY-MM-DD HH:MM UTC', or 'hour N' without time stamps."""
    if col.TIME in d:
        return pd.to_datetime(d[col.TIME], utc=True).dt.strftime("%Y-%m-%d %H:%M UTC").to_numpy()
    return np.array([f"hour {h}" for h in d[col.HOUR]])


def _system(kpis: pd.DataFrame) -> pd.Series:
    rows = kpis[kpis["unit"] == col.SYSTEM]
    return rows.iloc[0] if len(rows) else pd.Series(dtype=object)


def _flag(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("true", "1", "1.0")


def _amount(r: pd.Series, part: str) -> tuple[float, str]:
    """A capacities.csv row's `part` ('capacity', 'existing', 'new') and its unit (a storage, whose
    capacity is in MWh, has a capacity_mwh)."""
    storage = not missing(r.get("capacity_mwh"))
    value = r.get(part + ("_mwh" if storage else "_mw"))
    return (0.0 if missing(value) else float(value)), (" MWh" if storage else " MW")


def decision(capacities: pd.DataFrame) -> str:
    """One sentence from capacities.csv: what is new, what existing capacity is kept."""
    new, kept = [], []
    for _, r in capacities.iterrows():
        value, unit = _amount(r, "new")
        if value > 1e-9:
            new.append(f"{r['unit']} {num(value)}{unit}")
        existing, unit = _amount(r, "existing")
        if existing > 1e-9:
            kept.append(f"{r['unit']} {num(existing)}{unit}")
    text = ("Build " + ", ".join(new) + ".") if new else "Build nothing new."
    text += " Existing: " + ", ".join(kept) + "." if kept else ""
    for _, r in capacities.iterrows():
        if _flag(r.get(AT_LIMIT)):
            value, unit = _amount(r, "capacity")
            text += f" {r['unit']} ends at its {num(value)}{unit} limit: a higher limit may pay."
    return text


def headline(f: ResultFolder) -> str:
    info, s = f.info, _system(f.kpis)
    name = info.get("scenario_name", f.path.name)
    status = status_text(info)
    parts = [
        f"<h1>{esc(name)}</h1>",
        f'<p class="sub">status <b id="status">{esc(status)}</b> · basis <b id="basis">'
        f"{esc(info.get('basis', '?'))}</b> · solved {esc(info.get('finished_utc', '?'))}</p>",
    ]
    if info.get("status") != "optimal":
        parts.append(banner("warn", f"Not proven optimal: {status}. {info.get('message') or ''}".strip()))
    warning = horizon_warning(info)
    if warning:
        parts.append(banner("note", warning))
    parts.extend(f"{banner('warn', n)}" for n in f.notes)
    parts.append(f'<p class="decision">{esc(decision(f.capacities))}</p>')
    parts.append(
        tiles(
            [
                ("system LCOE, €/MWh heat", num(s.get(col.LCOE))),
                ("annual cost, M€/a", num(s.get("cost_total_eur"), 3, 1e-6)),
                ("heat demand, GWh/a", num(s.get("heat_mwh"), 1, 1e-3)),
                ("CO2, t/a", num(s.get("co2_t"), 0)),
                ("CO2, kg/MWh heat", num(s.get("co2_kg_per_mwh"), 1)),
                ("system SCOP", num(s.get("scop"))),
                ("fuel efficiency", num(s.get("fuel_efficiency"), 3)),
            ]
        )
    )
    return "<header>" + "".join(parts) + "</header>"


def build_section(f: ResultFolder) -> str:
    cap = f.capacities
    has_capex = CAPEX in cap
    headers = ["unit", "type", "source", "capacity", "existing", "new", "share of peak, %", "full-load h"]
    headers += ["CAPEX, M€"] if has_capex else []
    headers += ["at its limit"] if AT_LIMIT in cap else []
    rows, classes = [], []
    for _, r in cap.iterrows():
        (total, unit), (existing, _), (new, _) = (_amount(r, k) for k in ("capacity", "existing", "new"))
        source = "" if missing(r.get("source")) else r["source"]
        row = [r["unit"], r["type"], source, num(total) + unit, num(existing) + unit, num(new) + unit]
        row += [num(r.get("share_of_peak_pct"), 1), num(r.get("full_load_hours"), 0)]
        if has_capex:
            row.append(num(r.get(CAPEX), 3, 1e-6))
        if AT_LIMIT in cap:
            row.append("yes" if _flag(r.get(AT_LIMIT)) else "")
        rows.append(row)
        classes.append("new" if new > 1e-9 else "")
    capex_note = (
        ""
        if has_capex
        else " No CAPEX in this folder (no capex_eur column in capacities.csv, no economics.csv)."
    )
    return (
        '<section id="build"><h2>What to build</h2>'
        f"<p>Capacities from capacities.csv (storage in MWh); new capacity highlighted.{esc(capex_note)}</p>"
        + table(headers, rows, range(3, 9 if has_capex else 8), classes)
        + storage_note(cap)
        + "</section>"
    )


def storage_note(cap: pd.DataFrame) -> str:
    """Each storage's power, annual loss and equivalent full cycles (older folders lack them)."""
    if col.STORAGE_LOSS not in cap:
        return ""
    lines = []
    for _, r in cap[cap[col.STORAGE_LOSS].notna()].iterrows():
        power = "" if missing(r.get("capacity_mw")) else f"{num(r['capacity_mw'])} MW of power, "
        lines.append(
            f"{esc(r['unit'])}: {power}loses {num(r[col.STORAGE_LOSS])} MWh a year, "
            f"{num(r[col.FULL_CYCLES], 1)} equivalent full cycles a year"
        )
    return f'<p class="storage">{"; ".join(lines)}.</p>' if lines else ""


def cost_section(f: ResultFolder, figures: dict[str, Any]) -> str:
    kpis, s = f.kpis, _system(f.kpis)
    parts = ['<section id="cost"><h2>What it costs</h2>']
    if "lcoe_breakdown" in figures:
        parts.append(figure(figures["lcoe_breakdown"], "LCOE by cost component (kpis.csv)", "LCOE breakdown"))
    rows = []
    for c in col.lcoe_components(kpis.columns):
        cost = s.get(col.cost_component(c))
        if missing(cost) or abs(float(cost)) < 1e-6:
            continue
        rows.append([component_label(c), num(cost, 0), num(s.get(col.lcoe_component(c)))])
    rows.append(["total", num(s.get("cost_total_eur"), 0), num(s.get(col.LCOE))])
    parts.append("<h3>System annual cost by component</h3>")
    parts.append(table(["component", "€/a", "€/MWh heat"], rows, (1, 2), [""] * (len(rows) - 1) + ["total"]))
    unit_rows = []
    for _, r in kpis.iterrows():
        unit_rows.append(
            [
                r["unit"],
                r["type"],
                num(r.get("heat_mwh"), 0),
                num(r.get("electricity_mwh"), 0),
                num(r.get("fuel_mwh"), 0),
                num(r.get("electricity_sold_mwh"), 0),
                num(r.get("scop")),
                num(r.get("fuel_efficiency"), 3),
                num(r.get("cost_total_eur"), 0),
                num(r.get(col.LCOE)),
                num(r.get("co2_t"), 0),
                num(r.get("co2_kg_per_mwh"), 1),
            ]
        )
    parts.append("<h3>Per unit (kpis.csv)</h3>")
    parts.append(
        table(
            [
                "unit",
                "type",
                "heat MWh/a",
                "electricity MWh/a",
                "fuel MWh/a",
                "el. sold MWh/a",
                "SCOP",
                "fuel eff.",
                "cost €/a",
                "LCOE €/MWh",
                "CO2 t/a",
                "CO2 kg/MWh",
            ],
            unit_rows,
            range(2, 12),
            ["total" if r[0] == col.SYSTEM else "" for r in unit_rows],
        )
    )
    parts.append(
        "<p>Definitions: heat is what a unit delivers to the network (the system: the demand); SCOP is "
        "heat at the plant over electricity (units driven by electricity alone; the system: the demand's "
        "share not made from fuel over all electricity); fuel efficiency is (heat + electricity sold) over "
        "fuel; LCOE is annual cost over annual heat.</p></section>"
    )
    return "".join(parts)


def operation_section(f: ResultFolder, figures: dict[str, Any]) -> str:
    d, info = f.dispatch, f.info
    name = info.get("scenario_name", f.path.name)
    note = horizon_note(info.get("hours"), info.get("aggregation"))
    parts = ['<section id="operation"><h2>Operation</h2>']
    for key, caption in (
        ("dispatch_period", "Hourly dispatch: the week around the peak hour, or all of a shorter horizon"),
        ("dispatch_year", "Dispatch over the whole horizon, daily means"),
        ("load_duration", "Load-duration curves"),
    ):
        if key in figures:
            parts.append(figure(figures[key], caption, caption))
    parts.append("<h3>Carpet plots: day × hour</h3>")
    parts.append(
        figure(
            carpet(d, col.PRICE, with_note(f"{name}: electricity price", note), "€/MWh el", "magma", False),
            "Electricity price paid for grid electricity (spot plus adders), day × hour",
            "carpet plot of the electricity price",
        )
    )
    if MARGINAL_HEAT_COST in d:
        title = with_note(f"{name}: marginal heat cost", note)
        parts.append(
            figure(
                carpet(d, MARGINAL_HEAT_COST, title, "€/MWh heat", "magma", False),
                "Marginal heat cost, day × hour: the dual of the heat balance with every build decision "
                "and capacity fixed, i.e. what one more MWh of heat in that hour costs the plant as built",
                "carpet plot of the marginal heat cost",
            )
        )
    idle = []
    for u in col.producers(d.columns):
        if d[col.heat(u)].abs().sum() <= 1e-9:
            idle.append(u)
            continue
        title = with_note(f"{name}: {u} heat output", note)
        parts.append(
            figure(carpet(d, col.heat(u), title, "MW heat"), f"{u}: heat at the plant, MW", f"carpet of {u}")
        )
    if idle:
        parts.append(f"<p>No heat at any hour (no carpet plot): {esc(', '.join(idle))}.</p>")
    if col.storages(d.columns):
        parts.append("<h3>Storage level</h3>")
        parts.append(
            figure(
                storage_level(d, with_note(f"{name}: storage level", note)),
                "Storage level, MWh, in time order",
                "storage level",
            )
        )
    parts.append(monthly_part(d, name, note))
    parts.append(electricity_part(d, name, note))
    parts.append("</section>")
    return "".join(parts)


def monthly_part(d: pd.DataFrame, name: str, note: str) -> str:
    head = "<h3>Monthly energy balance</h3>"
    months = monthly_heat(d)
    if months is not None:  # units that never ran are listed with the carpet plots
        months = months.loc[:, (months.abs() > 1e-9).any() | (months.columns == "heat demand")]
    if months is None:
        return (
            head + "<p>The dispatch has no time stamps (typical days, or series without dates): "
            "no calendar months.</p>"
        )
    rows = [[m, *(num(v, 0) for v in r)] for m, r in months.iterrows()]
    rows.append(["total", *(num(v, 0) for v in months.sum())])
    hours = "weighted hours of the dispatch" if col.WEIGHT in d else "modelled hours, not scaled to a year"
    return (
        head
        + figure(
            monthly_figure(months, with_note(f"{name}: heat per unit and month", note)),
            f"Heat delivered per unit and month, MWh over the {hours}",
            "monthly energy balance",
        )
        + table(
            ["month", *(f"{c}, MWh" for c in months.columns)],
            rows,
            range(1, len(months.columns) + 1),
            [""] * (len(rows) - 1) + ["total"],
        )
    )


def electricity_part(d: pd.DataFrame, name: str, note: str) -> str:
    head = "<h3>Peak electricity draw</h3>"
    if col.ELECTRICITY not in d or d[col.ELECTRICITY].abs().sum() <= 1e-9:
        return head + "<p>No unit uses electricity.</p>"
    when = time_labels(d)
    rows = []
    for u in col.producers(d.columns):
        if col.electricity(u) in d and d[col.electricity(u)].abs().sum() > 1e-9:
            i = int(np.argmax(d[col.electricity(u)].to_numpy()))
            rows.append([u, num(d[col.electricity(u)].iloc[i]), when[i]])
    i = int(np.argmax(d[col.ELECTRICITY].to_numpy()))
    rows.append(["all units", num(d[col.ELECTRICITY].iloc[i]), when[i]])
    if col.GRID_ELECTRICITY in d:
        g = int(np.argmax(d[col.GRID_ELECTRICITY].to_numpy()))
        rows.append(["from the grid (after on-site PV)", num(d[col.GRID_ELECTRICITY].iloc[g]), when[g]])
    return (
        head
        + figure(
            electricity_draw(d, with_note(f"{name}: electricity used", note)),
            "Electricity used per hour, MW",
            "electricity draw",
        )
        + table(["who", "peak, MW", "at"], rows, (1,), ["total" if r[0] == "all units" else "" for r in rows])
    )


def build_report(path: Path, baseline: Path | None = None) -> str:
    """The report's HTML for the solve folder `path` (DhoptError if the folder is not one), with
    a section against the `baseline` run's folder if one is given."""
    f = read_folder(path)
    figures = standard_figures(path)
    nav = "".join(
        f'<a href="#{k}">{esc(v)}</a>'
        for k, v in (
            *((("baseline", "Against the baseline"),) if baseline is not None else ()),
            ("build", "What to build"),
            ("cost", "What it costs"),
            ("operation", "Operation"),
            ("inputs", "Inputs and assumptions"),
            ("run", "Solver and versions"),
        )
    )
    body = (
        headline(f)
        + f"<nav>{nav}</nav>"
        + (baseline_section(path, baseline) if baseline is not None else "")
        + build_section(f)
        + cost_section(f, figures)
        + operation_section(f, figures)
        + inputs_section(f)
        + run_section(f)
    )
    return page(f"{f.info.get('scenario_name', path.name)}: dhopt report", body)


def write_report(path: str | Path, baseline: str | Path | None = None) -> Path:
    """Write `path`/report.html (atomically) and return its path."""
    path = Path(path)
    text = build_report(path, None if baseline is None else Path(baseline))
    out = path / REPORT
    atomic_write(out, lambda p: p.write_text(text, encoding="utf-8"))
    return out
