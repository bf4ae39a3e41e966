"""The report's last sections: inputs and assumptions (carriers.csv, the scenario file, the
dispatch's series), and the solver's record (run.json)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dhopt import columns as col
from dhopt.report_html import esc, missing, num, pct, table
from dhopt.report_inputs import HEADER, ResultFolder, describe, file_series, flatten

SKIP = (col.HOUR, col.TYPICAL_PERIOD)


def carriers_part(f: ResultFolder) -> str:
    head = "<h3>Carriers (carriers.csv)</h3>"
    c = f.carriers
    if c is None:
        return head + "<p>This folder has no carriers.csv.</p>"
    rows = [
        [
            r["carrier"],
            r["kind"],
            num(r.get("bought_mwh"), 0),
            num(r.get("cost_eur"), 0),
            num(r.get("mean_price_eur_per_mwh")),
            num(r.get("sold_mwh"), 0),
            num(r.get("revenue_eur"), 0),
            num(r.get("co2_t"), 0),
            num(r.get("annual_limit_mwh"), 0),
        ]
        for _, r in c.iterrows()
    ]
    return head + table(
        [
            "carrier",
            "kind",
            "bought MWh/a",
            "cost €/a",
            "mean price €/MWh",
            "sold MWh/a",
            "revenue €/a",
            "CO2 t/a",
            "annual limit MWh",
        ],
        rows,
        range(2, 9),
    )


def _synthetic_keys(f: ResultFolder) -> set[str]:
    return {k for k, _ in f.scenario.synthetic} if f.scenario else set()


def units_part(f: ResultFolder) -> str:
    """The scenario's units: one table each of its parameters (dotted within the unit), as written."""
    head = "<h3>Units and their parameters (scenario file)</h3>"
    if f.scenario is None:
        return head + "<p>The scenario file could not be read (see the note at the top).</p>"
    units = f.scenario.data.get("units") or {}
    if not isinstance(units, dict) or not units:
        return head + "<p>The scenario has no units.</p>"
    synthetic = _synthetic_keys(f)
    cards = []
    for u, params in units.items():
        flat = flatten(params) if isinstance(params, dict) else {"": params}
        rows, classes = [], []
        for k, v in flat.items():
            marked = f"units.{u}.{k}" in synthetic or f"units.{u}.{k.split('.')[0]}" in synthetic
            rows.append([k, describe(v) + (" (SYNTHETIC)" if marked else "")])
            classes.append("synthetic" if marked else "")
        cards.append(
            f"<div><h4>{esc(u)}</h4>{table(['parameter', 'value'], rows, row_classes=classes)}</div>"
        )
    return head + '<div class="cards">' + "".join(cards) + "</div>"


def settings_part(f: ResultFolder) -> str:
    """Every other scenario field (demand, electricity, fuels, network, economics…), flattened."""
    head = "<h3>Scenario settings (scenario file, all but the units)</h3>"
    if f.scenario is None:
        return head + "<p>The scenario file could not be read.</p>"
    synthetic = _synthetic_keys(f)
    rest = {k: v for k, v in f.scenario.data.items() if k != "units"}
    rows, classes = [], []
    for k, v in flatten(rest).items():
        marked = k in synthetic or any(k.startswith(s + ".") for s in synthetic)
        rows.append([k, describe(v) + (" (SYNTHETIC)" if marked else "")])
        classes.append("synthetic" if marked else "")
    return head + table(["field", "value"], rows, row_classes=classes)


def _series_sources(f: ResultFolder) -> dict[str, str]:
    """Where each input series of the dispatch comes from in the scenario, as its dotted key."""
    sources = {
        col.DEMAND: "demand.heat_mw",
        col.PRICE: "electricity: spot price plus adders and the CO2 price",
        col.CO2_INTENSITY: "electricity.co2_t_per_mwh",
        col.PV: "electricity.onsite_pv_mw",
        col.COOLING_DEMAND: "demand.cooling_mw",
    }
    units = (f.scenario.data.get("units") if f.scenario else None) or {}
    for u in col.producers(f.dispatch.columns):
        given = units.get(u) if isinstance(units, dict) and isinstance(units.get(u), dict) else {}
        keys = [k for k in ("cop", "efficiency", "source_temperature_c") if k in given]
        sources[col.cop(u)] = ", ".join(f"units.{u}.{k}" for k in keys) or f"the unit {u} (scenario)"
    return sources


def series_part(f: ResultFolder) -> str:
    """Statistics of every series in the dispatch table (means weighted by each hour's weight)."""
    d = f.dispatch
    w = d[col.WEIGHT].to_numpy(dtype=float) if col.WEIGHT in d else np.ones(len(d))
    sources = _series_sources(f)
    rows = []
    for c in d.columns:
        if c in SKIP or c == col.TIME or not pd.api.types.is_numeric_dtype(d[c]):
            continue
        v = d[c].to_numpy(dtype=float)
        rows.append(
            [c, num(v.min(), 3), num(float(w @ v) / w.sum(), 3), num(v.max(), 3), sources.get(c, "solution")]
        )
    span = ""
    if col.TIME in d and len(d):
        t = pd.to_datetime(d[col.TIME], utc=True).dt.strftime("%Y-%m-%d %H:%M UTC")
        span = f" from {t.iloc[0]} to {t.iloc[-1]}"
    files = file_series(f.scenario.data) if f.scenario else []
    synthetic = _synthetic_keys(f)
    file_rows = [[k, v, "SYNTHETIC" if k in synthetic else ""] for k, v in files]
    out = (
        "<h3>Series (dispatch.parquet)</h3>"
        f"<p>{len(d)} rows{esc(span)}; means weighted by each row's hours of the year where the table "
        "has a weight column.</p>" + table(["column", "min", "mean", "max", "source"], rows, (1, 2, 3))
    )
    if files:
        out += "<h3>Data files the scenario reads</h3>" + table(
            ["scenario field", "file and column", "marked"],
            file_rows,
            row_classes=["synthetic" if r[2] else "" for r in file_rows],
        )
    return out


def synthetic_part(f: ResultFolder) -> str:
    head = "<h3>Inputs marked synthetic</h3>"
    how = (
        "<p>Detected from the scenario file's comments: every YAML comment containing the word "
        "SYNTHETIC, attached to the key on its line (a comment on a line of its own to the next key; "
        "before the first key, to the file's header). Results resting on these inputs rest on data "
        "made up to stand in for series that are not public.</p>"
    )
    if f.scenario is None:
        return head + how + "<p>The scenario file could not be read: nothing could be checked.</p>"
    found = f.scenario.synthetic
    if not found:
        return head + how + "<p>No comment in the scenario file says SYNTHETIC.</p>"
    rows = [[k if k != HEADER else "(the scenario file's header)", comment] for k, comment in found]
    return head + how + table(["scenario field", "comment"], rows)


def inputs_section(f: ResultFolder) -> str:
    return (
        '<section id="inputs"><h2>Inputs and assumptions</h2>'
        + carriers_part(f)
        + synthetic_part(f)
        + units_part(f)
        + settings_part(f)
        + series_part(f)
        + "</section>"
    )


def _value(x: Any) -> str:
    return "–" if missing(x) else str(x)


def run_section(f: ResultFolder) -> str:
    i = f.info
    rows = [
        ["status", _value(i.get("status"))],
        ["message", _value(i.get("message") or "–")],
        ["solver", _value(i.get("solver"))],
        ["objective, €/a", num(i.get("objective_eur_per_year"), 0)],
        ["dual bound, €/a", num(i.get("bound_eur_per_year"), 0)],
        ["gap", pct(i.get("gap"))],
        ["basis", _value(i.get("basis"))],
        ["hours", _value(i.get("hours"))],
        ["scenario file", _value(i.get("scenario"))],
        ["scenario SHA-256", _value(i.get("scenario_sha256"))],
        ["scenario file read for this report", str(f.scenario.path) if f.scenario else "–"],
        ["finished (UTC)", _value(i.get("finished_utc"))],
        [
            "build / solve / wall s",
            " / ".join(num(i.get(k + "_seconds"), 2) for k in ("build", "solve", "wall")),
        ],
    ]
    for k, v in (i.get("options") or {}).items():
        rows.append([f"option {k}", _value(v)])
    agg = i.get("aggregation")
    if isinstance(agg, dict):
        rows += [[f"aggregation {k}", _value(v)] for k, v in agg.items()]
    versions = [[k, _value(v)] for k, v in (i.get("versions") or {}).items()]
    rounds = [
        [
            _value(r.get("round")),
            _value(r.get("kind")),
            num(r.get("objective"), 0),
            num(r.get("bound"), 0),
            _value(r.get("termination")),
            num(r.get("seconds"), 2),
        ]
        for r in i.get("rounds") or []
        if isinstance(r, dict)
    ]
    return (
        '<section id="run"><h2>Solver and versions (run.json)</h2>'
        + table(["item", "value"], rows)
        + "<h3>Versions</h3>"
        + table(["package", "version"], versions)
        + (
            "<h3>Solve rounds</h3>"
            + table(["round", "kind", "objective €/a", "bound €/a", "termination", "s"], rounds, (2, 3, 5))
            if rounds
            else ""
        )
        + "</section>"
    )
