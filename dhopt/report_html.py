"""HTML pieces of the report: escaping, number formats, tables, figures, the page's CSS.

Every string that comes from a file goes through `esc` (html.escape); the page links nothing
outside itself (no fonts, scripts or styles fetched), and prints to A4 with its own print CSS.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import Any

from matplotlib.figure import Figure

from dhopt.report_charts import data_uri

CSS = """
:root { --ink: #1b1f24; --muted: #5b6470; --line: #d6dbe1; --warn: #9a3412; --warnbg: #fff4e5;
        --note: #1e3a8a; --notebg: #eef4ff; --ok: #166534; --okbg: #ecfdf3; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 1180px; padding: 1.2rem 1.6rem; line-height: 1.4; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; } h2 { border-bottom: 2px solid var(--line);
       padding-bottom: .2rem; margin-top: 2rem; } h3 { margin: 1.3rem 0 .4rem; }
.sub { color: var(--muted); margin: 0 0 .8rem; }
.decision { font-size: 1.15rem; font-weight: 600; margin: .6rem 0; }
.banner { border-left: 6px solid; padding: .6rem .9rem; margin: .6rem 0; font-weight: 600; }
.banner.warn { border-color: var(--warn); background: var(--warnbg); color: var(--warn); }
.banner.note { border-color: var(--note); background: var(--notebg); color: var(--note); }
.banner.ok { border-color: var(--ok); background: var(--okbg); color: var(--ok); }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); gap: .6rem;
         margin: .8rem 0; }
.tile { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .7rem; }
.tile .v { font-size: 1.35rem; font-weight: 700; } .tile .k { color: var(--muted); font-size: .85rem; }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-size: .88rem; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .55rem; text-align: left;
         vertical-align: top; }
td:first-child { white-space: nowrap; } .cards td:first-child { white-space: normal; }
th { background: #f4f6f8; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td { font-weight: 700; border-top: 2px solid var(--ink); }
.synthetic { background: #fff7d6; } tr.new td { background: var(--okbg); font-weight: 600; }
figure { margin: .6rem 0 1.2rem; break-inside: avoid; page-break-inside: avoid; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: .85rem; }
code { font-size: .85em; overflow-wrap: anywhere; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 0 1rem; }
.cards > div { min-width: 0; break-inside: avoid; page-break-inside: avoid; }
.cards table { width: 100%; table-layout: fixed; } .cards td { overflow-wrap: anywhere; }
.cards h4 { margin: .8rem 0 .2rem; }
nav { font-size: .9rem; margin: .4rem 0 1rem; } nav a { margin-right: .8rem; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav { display: none; }
  h2 { break-before: page; page-break-before: always; } section:first-of-type h2 { break-before: auto; }
  table, .tiles, .banner { break-inside: avoid; page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  .banner, .tile, th, .synthetic, tr.new td { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def num(x: Any, digits: int = 2, scale: float = 1.0) -> str:
    """A number as text with thousands separators; '–' for a missing value; text stays text."""
    if missing(x):
        return "–"
    try:
        v = float(x) * scale
    except (TypeError, ValueError):
        return str(x)
    v = 0.0 if abs(v) < 0.5 * 10**-digits else v  # no "-0.00"
    return f"{v:,.{digits}f}"


def pct(fraction: Any, digits: int = 3) -> str:
    return "–" if missing(fraction) else f"{100 * float(fraction):.{digits}g} %"


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    numeric: Iterable[int] = (),
    row_classes: Sequence[str] | None = None,
) -> str:
    """An HTML table; cells are escaped here (pass raw strings), `numeric` columns right-aligned."""
    right = set(numeric)
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{esc(row_classes[i])}"' if row_classes and row_classes[i] else ""
        cells = "".join(
            f'<td class="n">{esc(v)}</td>' if j in right else f"<td>{esc(v)}</td>" for j, v in enumerate(row)
        )
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def figure(fig: Figure, caption: str, alt: str) -> str:
    return (
        f'<figure><img src="{data_uri(fig)}" alt="{esc(alt)}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


def tiles(items: Iterable[tuple[str, str]]) -> str:
    return (
        '<div class="tiles">'
        + "".join(
            f'<div class="tile"><div class="v">{esc(v)}</div><div class="k">{esc(k)}</div></div>'
            for k, v in items
        )
        + "</div>"
    )


def banner(kind: str, text: str) -> str:
    return f'<div class="banner {esc(kind)}">{esc(text)}</div>'


def page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'  # no favicon request
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>{body}</body></html>\n"
    )
