"""`dhopt network-compare`: the Nordhavn deliverable's Part I network comparison, as tables and plots.

`register(app)` adds the command to a typer app (dhopt/cli.py, or a test's own app). User errors end as
one line `error: …` on stderr with exit code 2, never a traceback. Every file is written atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer

from dhopt.console import fail
from dhopt.errors import DhoptError
from dhopt.network_comparison import Concept, Figure, NetworkComparison
from dhopt.network_costs import COMPONENTS
from dhopt.result_files import atomic_write

COMPONENT_LABELS = {
    "network_investment": "network investment",
    "network_om": "network O&M",
    "substation_investment": "substations",
    "substation_om": "substation O&M",
    "central_investment": "central unit investment",
    "central_om": "central unit O&M",
    "central_electricity": "central electricity",
    "central_fuel": "fuel / waste heat",
    "pumping_electricity": "pumping electricity",
    "booster_investment": "booster investment",
    "booster_fixed_om": "booster fixed O&M (eq. 4)",
    "booster_electricity": "booster electricity",
    "individual_investment": "individual unit investment",
    "individual_om": "individual unit O&M",
    "individual_electricity": "individual electricity",
}


def _write_csv(path: Path, df: pd.DataFrame) -> None:
    atomic_write(path, lambda p: df.to_csv(p, index=False, float_format="%.6g"))


# ---------------------------------------------------------------------------------------------
# Plots (matplotlib, Agg), each written as PNG and SVG.


def _save(fig: Any, plots: Path, name: str) -> list[Path]:
    written = []
    for fmt in ("png", "svg"):
        path = plots / f"{name}.{fmt}"
        atomic_write(path, lambda p, fmt=fmt: fig.savefig(p, format=fmt, dpi=130, bbox_inches="tight"))
        written.append(path)
    return written


def _selected(nc: NetworkComparison, spec: Figure) -> list[Concept]:
    concepts = nc.concepts(spec.study)
    keep = []
    for c in concepts:
        if c.kind == "dh":
            if spec.temperature_sets and c.temperature_set not in spec.temperature_sets:
                continue
            if spec.central_sources and c.central_source not in spec.central_sources:
                continue
        keep.append(c)
    return keep


def _plot_lcoe(nc: NetworkComparison, spec: Figure, x: str) -> Any:
    import matplotlib.pyplot as plt

    st = nc.scenario.studies[spec.study]
    shares = spec.space_heating_shares or st.space_heating_shares
    pr = np.linspace(min(st.plot_ratios), max(st.plot_ratios), 91)
    concepts = _selected(nc, spec)
    fig, ax = plt.subplots(figsize=(9, 5.2))
    dh_colours = plt.get_cmap("tab10")(np.arange(10))
    grey = ["black", "dimgrey", "darkgrey", "silver"]
    styles = ["-", "--", ":", "-."]
    n_dh = n_ind = 0
    for c in concepts:
        colour = dh_colours[n_dh % 10] if c.kind == "dh" else grey[n_ind % len(grey)]
        n_ind += c.kind == "individual"
        for j, s in enumerate(shares):
            v = nc.evaluate(c, s, pr, spec.exclude_booster_fixed_om)
            xs = pr if x == "plot_ratio" else v["linear_heat_density_mwh_per_m"]
            label = nc.label(c) + (f", SH share {s:.2f}" if len(shares) > 1 else "")
            lw = 2.4 if c.kind == "individual" else 1.6
            ax.plot(xs, v["lcoe_eur_per_mwh"], styles[j % len(styles)], color=colour, lw=lw, label=label)
        n_dh += c.kind == "dh"
    ax.set_xlabel("plot ratio PR, –" if x == "plot_ratio" else "linear heat density q_l, MWh/(m·a)")
    ax.set_ylabel("LCOE, €/MWh")
    ax.set_title(spec.title or spec.name, fontsize=10)
    ax.grid(alpha=0.3)
    finite = [line.get_ydata() for line in ax.get_lines()]
    top = np.nanpercentile(np.concatenate(finite), 97) if finite else 1.0
    ax.set_ylim(0, max(top * 1.1, 1.0))
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


def _plot_min_feasible(nc: NetworkComparison, spec: Figure, mf: pd.DataFrame) -> Any:
    import matplotlib.pyplot as plt

    st = nc.scenario.studies[spec.study]
    shares = spec.space_heating_shares or st.space_heating_shares[:1]
    d = mf[(mf["study"] == spec.study) & np.isclose(mf["space_heating_share"], shares[0])]
    if spec.temperature_sets:
        d = d[d["temperature_set"].isin(spec.temperature_sets)]
    if spec.central_sources:
        d = d[d["central_source"].isin(spec.central_sources)]
    sources = list(dict.fromkeys(d["central_source"]))
    variants = list(dict.fromkeys(zip(d["temperature_set"], d["booster"], strict=True)))
    fig, ax = plt.subplots(figsize=(9, 5))
    width = 0.8 / max(len(variants), 1)
    for k, (t, b) in enumerate(variants):
        ys = []
        for s in sources:
            row = d[(d["central_source"] == s) & (d["temperature_set"] == t) & (d["booster"] == b)]
            ys.append(
                float(row["min_feasible_linear_heat_density_mwh_per_m"].iloc[0]) if len(row) else np.nan
            )
        label = nc.scenario.temperature_sets[t].label + (f" · {nc.scenario.boosters[b].label}" if b else "")
        xs = np.arange(len(sources)) + (k - (len(variants) - 1) / 2) * width
        ax.bar(xs, ys, width, label=label)
        for xi, yi in zip(xs, ys, strict=True):
            if not np.isfinite(yi):  # DH never cheaper in the search range
                ax.text(xi, 0.02, "none", rotation=90, ha="center", va="bottom", fontsize=7)
    ax.set_xticks(
        np.arange(len(sources)), [nc.scenario.central_sources[s].label for s in sources], fontsize=8
    )
    ax.set_ylabel("minimum feasible linear heat density, MWh/(m·a)")
    ref = nc.scenario.individual[st.reference_individual].label
    ax.set_title(spec.title or f"{spec.name} (vs individual {ref}, SH share {shares[0]:.2f})", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    return fig


def _plot_composition(nc: NetworkComparison, spec: Figure) -> Any:
    import matplotlib.pyplot as plt

    share = spec.space_heating_shares[0]
    st = nc.scenario.studies[spec.study]
    concepts = [c for c in _selected(nc, spec) if c.kind == "dh" or c.individual == st.reference_individual]
    values = [
        nc.evaluate(c, share, np.array([spec.plot_ratio]), spec.exclude_booster_fixed_om) for c in concepts
    ]
    used = [c for c in COMPONENTS if any(abs(v[f"lcoe_{c}_eur_per_mwh"][0]) > 1e-9 for v in values)]
    fig, ax = plt.subplots(figsize=(9, 5.2))
    colours = plt.get_cmap("tab20")(np.linspace(0, 1, 20))
    bottom = np.zeros(len(concepts))
    for i, comp in enumerate(used):
        h = np.array([v[f"lcoe_{comp}_eur_per_mwh"][0] for v in values])
        ax.bar(
            range(len(concepts)), h, 0.6, bottom=bottom, label=COMPONENT_LABELS[comp], color=colours[i % 20]
        )
        bottom += h
    for i, total in enumerate(bottom):
        ax.text(i, total, f"{total:.1f}", ha="center", va="bottom", fontsize=8)
    ax.set_ylim(0, max(bottom.max(), 1.0) * 1.08)
    ax.set_xticks(range(len(concepts)), [nc.label(c).replace(" · ", "\n") for c in concepts], fontsize=7)
    ax.set_ylabel("LCOE, €/MWh")
    ax.set_title(spec.title or f"{spec.name} (PR {spec.plot_ratio:g}, SH share {share:.2f})", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


def write_plots(nc: NetworkComparison, mf: pd.DataFrame, plots: Path) -> list[Path]:
    """Draw every figure of the scenario's `figures` list into `plots` (PNG and SVG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written: list[Path] = []
    for spec in nc.scenario.figures:
        if spec.kind == "lcoe_vs_plot_ratio":
            fig = _plot_lcoe(nc, spec, "plot_ratio")
        elif spec.kind == "lcoe_vs_linear_heat_density":
            fig = _plot_lcoe(nc, spec, "linear_heat_density")
        elif spec.kind == "min_feasible_density":
            fig = _plot_min_feasible(nc, spec, mf)
        else:
            fig = _plot_composition(nc, spec)
        try:
            written += _save(fig, plots, spec.name)
        finally:
            plt.close(fig)
    return written


# ---------------------------------------------------------------------------------------------
# The command.


def network_compare(
    scenario: Annotated[Path, typer.Argument(help="Network-comparison scenario (YAML).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Result folder.")] = Path("results/network"),
    plots: Annotated[bool, typer.Option("--plots/--no-plots", help="Write the figures to OUT/plots.")] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
) -> None:
    """LCOE of LTDH, ULTDH with boosters and individual heat pumps over plot ratio and linear heat density
    (the EnergyLab Nordhavn deliverable, Part I); writes network_comparison.csv, min_feasible_density.csv
    and plots."""
    try:
        nc = NetworkComparison.from_file(scenario)
        table = nc.table()
        mf = nc.min_feasible_table()
        _write_csv(out / "network_comparison.csv", table)
        _write_csv(out / "min_feasible_density.csv", mf)
        images = write_plots(nc, mf, out / "plots") if plots else []
    except DhoptError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{out}: cannot write the results: {exc.strerror or exc}")
    if quiet:
        return
    found = mf[mf["status"] == "found"]
    print(f"{len(table)} rows in {out / 'network_comparison.csv'}")
    where = out / "min_feasible_density.csv"
    print(f"{len(mf)} concepts in {where}, {len(found)} with a minimum feasible density")
    if images:
        print(f"{len(images)} images in {out / 'plots'}")


def register(app: typer.Typer) -> None:
    """Add `network-compare` to a typer app."""
    app.command("network-compare")(network_compare)
