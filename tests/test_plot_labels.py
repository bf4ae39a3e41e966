"""What the plots say, read back from the matplotlib figures plot_folder saves: titles, axis
labels, legend entries and colour-bar labels name the right things, and a result that is not a
full year of consecutive hours says so."""

from __future__ import annotations

import json
import logging
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE, base_scenario, boiler, heat_pump
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from dhopt.plots import plot_folder
from dhopt.run import run_scenario

TEMP_NAME = re.compile(r"\.(?P<stem>.+)\.(png|svg)\.[A-Za-z0-9_]+")  # atomic_write's temporary file


@pytest.fixture
def drawn(monkeypatch) -> dict[str, Figure]:
    """The figures plot_folder saves, by file stem; a placeholder is written instead of rendering."""
    figures: dict[str, Figure] = {}

    def record(self: Figure, fname, *args, **kwargs) -> None:
        match = TEMP_NAME.fullmatch(Path(fname).name)
        stem = match["stem"] if match else Path(fname).stem
        figures[stem] = self
        Path(fname).write_bytes(b"placeholder")

    monkeypatch.setattr(Figure, "savefig", record)
    return figures


def all_axes(fig: Figure) -> list[Axes]:
    out: list[Axes] = []
    for ax in fig.axes:
        out += [ax, *(a for a in ax.child_axes if a not in out)]
    return out


def title(fig: Figure) -> str:
    return fig.axes[0].get_title()


def legend_labels(fig: Figure) -> list[str]:
    return [t.get_text() for ax in all_axes(fig) if ax.get_legend() for t in ax.get_legend().get_texts()]


def texts(fig: Figure) -> list[str]:
    """Every piece of text a reader sees on the figure."""
    out = [t.get_text() for t in fig.texts] + legend_labels(fig)
    for ax in all_axes(fig):
        out += [ax.get_title(loc) for loc in ("left", "center", "right")]
        out += [ax.get_xlabel(), ax.get_ylabel()] + [t.get_text() for t in ax.texts]
        for name in ("tlabel", "llabel", "rlabel"):  # ternary axes
            if hasattr(ax, f"get_{name}"):
                out.append(getattr(ax, f"get_{name}")())
    return [t for t in out if t]


def assert_no_internal_references(figures: dict[str, Figure]) -> None:
    """Plots cite sources by their own titles, never files a user does not have."""
    for stem, fig in figures.items():
        for text in texts(fig):
            assert not re.search(r"\bseed|\bspec\b|\.\./shared", text, re.I), (stem, text)


@pytest.fixture(scope="module")
def short_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("short")
    run_scenario(REFERENCE, out=out, hours=72)
    return out


def copy_result(folder: Path, to: Path) -> Path:
    shutil.copytree(folder, to, ignore=shutil.ignore_patterns("plots"))
    return to


# ---------------------------------------------------------------------------------------------
# Solve folders


def test_short_horizon_is_on_every_title(short_folder, tmp_path, drawn):
    plot_folder(copy_result(short_folder, tmp_path / "r"))
    assert set(drawn) == {"dispatch_period", "dispatch_year", "load_duration", "lcoe_breakdown"}
    for stem, fig in drawn.items():
        assert "first 72 h of the year, scaled" in title(fig), stem
    assert_no_internal_references(drawn)


def typical_days_case(writer, days: int = 6) -> dict:
    hours = np.arange(24 * days)
    demand = 10 + 4 * np.sin(hours / 24 * 2 * np.pi) + (hours // 24 == 2) * 3.0
    price = np.where(hours % 24 >= 8, 90.0, 30.0) + (hours // 24)
    data = writer.csv("d.csv", demand=demand.tolist(), price=price.tolist())
    sc = base_scenario(
        24 * days, demand={"file": data, "column": "demand"}, price={"file": data, "column": "price"}
    )
    sc["units"]["hp"] = heat_pump()
    sc["units"]["eb"] = boiler()
    return sc


def test_typical_days_are_not_drawn_as_consecutive_hours(writer, tmp_path, drawn):
    out = tmp_path / "typical"
    run_scenario(writer.yaml(typical_days_case(writer)), out=out, typical_days=3)
    assert json.loads((out / "run.json").read_text())["aggregation"]
    plot_folder(out)
    period = drawn["dispatch_period"]
    assert "typical days (approximate), not consecutive hours" in title(period)
    assert "typical day" in period.axes[0].get_xlabel()
    ticks = [t.get_text() for t in period.axes[0].get_xticklabels()]
    assert ticks[:2] == ["day 1", "day 2"]
    assert "not consecutive hours" in title(drawn["dispatch_year"])
    for stem, fig in drawn.items():
        assert "typical days, approximate" in title(fig), stem
        assert "first 144 h of the year, scaled" in title(fig), stem
    assert_no_internal_references(drawn)


def test_dispatch_shows_dumped_heat_and_the_cooling_demand(writer, tmp_path, drawn):
    """The heat pump must run for the 3 MW of cooling (4 MW of heat at COP 4); at night the heat
    demand is 2 MW, so 2 MW of heat is dumped."""
    sc = base_scenario(24, demand={"file": writer.csv("d.csv", d=[8.0] * 12 + [2.0] * 12), "column": "d"})
    sc["demand"]["cooling_mw"] = 3.0
    sc["district_heating"]["allow_heat_dump"] = True
    sc["units"]["hp"] = heat_pump(cooling={})
    sc["units"]["eb"] = boiler()
    out = tmp_path / "cool"
    outcome = run_scenario(writer.yaml(sc), out=out)
    assert outcome.results.dispatch.filter(like="dump").to_numpy().max() == pytest.approx(2.0)
    plot_folder(out)
    labels = legend_labels(drawn["dispatch_period"])
    assert any(lab.startswith("heat dumped") for lab in labels), labels
    assert any(lab.startswith("cooling demand") for lab in labels), labels
    assert any(lab.startswith("heat dumped") for lab in legend_labels(drawn["load_duration"]))


# ---------------------------------------------------------------------------------------------
# LCOE breakdown


def bars(fig: Figure) -> dict[str, list]:
    """Legend label → the bars (rectangles) of that cost component."""
    ax = fig.axes[0]
    out: dict[str, list] = {}
    name = None
    for container in ax.containers:
        name = container.get_label() if not container.get_label().startswith("_") else name
        out.setdefault(name, []).extend(container.patches)
    return out


def with_components(folder: Path, to: Path, extra: dict[str, float], reverse: bool = False) -> Path:
    """A copy of a result folder whose system row has `extra` LCOE components added to it."""
    copy_result(folder, to)
    kpis = pd.read_csv(to / "kpis.csv")
    system = kpis["unit"] == "system"
    for comp, value in extra.items():
        kpis[f"lcoe_{comp}_eur_per_mwh"] = np.where(system, value, 0.0)
    kpis.loc[system, "lcoe_eur_per_mwh"] += sum(extra.values())
    if reverse:
        kpis = kpis[kpis.columns[::-1]]
    kpis.to_csv(to / "kpis.csv", index=False)
    return to


def test_credits_are_left_of_zero_and_the_net_is_marked(short_folder, tmp_path, drawn):
    folder = with_components(short_folder, tmp_path / "r", {"pv_export": -6.0, "cooling_credit": -2.5})
    plot_folder(folder)
    fig = drawn["lcoe_breakdown"]
    by_name = bars(fig)
    assert {"pv export", "cooling credit"} <= set(by_name)
    system_y = len(fig.axes[0].get_yticks()) - 1
    costs, credits = [], []
    for name, rects in by_name.items():
        for r in rects:
            if abs(r.get_y() + r.get_height() / 2 - system_y) > 1e-9 or abs(r.get_width()) < 1e-12:
                continue
            lo, hi = sorted((r.get_x(), r.get_x() + r.get_width()))
            (credits if name in ("pv export", "cooling credit") else costs).append((lo, hi))
            assert lo >= -1e-9 or hi <= 1e-9, (name, lo, hi)  # never across 0
    assert min(lo for lo, _ in costs) == pytest.approx(0.0, abs=1e-9)
    assert max(hi for _, hi in credits) == pytest.approx(0.0, abs=1e-9)
    assert min(lo for lo, _ in credits) == pytest.approx(-8.5)
    kpis = pd.read_csv(folder / "kpis.csv").set_index("unit")
    net = kpis.loc["system", "lcoe_eur_per_mwh"]
    assert sum(hi - lo for lo, hi in costs) == pytest.approx(net + 8.5)
    assert "net LCOE" in legend_labels(fig)
    assert f"net {net:.2f}" in [t.get_text() for t in fig.axes[0].texts]


def test_component_colours_follow_the_name_not_the_order(short_folder, tmp_path, drawn):
    extra = {"electricity_grid_tariff": 4.0, "pv_export": -3.0}
    colours = []
    for reverse in (False, True):
        plot_folder(with_components(short_folder, tmp_path / f"r{reverse}", extra, reverse=reverse))
        by_name = bars(drawn["lcoe_breakdown"])
        colours.append({name: tuple(rects[0].get_facecolor()) for name, rects in by_name.items()})
    assert "electricity: grid tariff" in colours[0]
    assert colours[0] == colours[1]


# ---------------------------------------------------------------------------------------------
# Sweep folders

SOURCES = ("groundwater", "sewage", "air")


def sweep_folder(folder: Path, hours: int) -> Path:
    """A three-source sweep on a ½ grid (made-up values; no solving) run on `hours` hours."""
    rows = []
    for i, (g, s) in enumerate([(1, 0), (0, 1), (0, 0), (0.5, 0.5), (0.5, 0), (0, 0.5)]):
        a = 1 - g - s
        rows.append(
            {
                "point_id": f"p{i}",
                "share_groundwater": g,
                "share_sewage": s,
                "share_air": a,
                "status": "optimal",
                "lcoe_eur_per_mwh": 40 - 3 * g - 2 * s + a,
                "scop": 3 + s,
            }
        )
    folder.mkdir(parents=True)
    pd.DataFrame(rows).to_csv(folder / "points.csv", index=False)
    meta = {"name": "t", "total_mw": 24.0, "limits_mw": {}, "config": {}, "context": {"hours": hours}}
    (folder / "sweep.json").write_text(json.dumps(meta))
    return folder


def free_folder(folder: Path, hours: int, aggregation: dict | None = None) -> Path:
    """A free solve's result folder: 5 MW groundwater + 19 MW sewage, on `hours` hours."""
    folder.mkdir(parents=True)
    caps = {"groundwater": 5.0, "sewage": 19.0, "air": 0.0}
    pd.DataFrame({"unit": list(caps), "capacity_mw": list(caps.values())}).to_csv(
        folder / "capacities.csv", index=False
    )
    pd.DataFrame({"unit": ["system"], "lcoe_eur_per_mwh": [37.8], "scop": [3.9]}).to_csv(
        folder / "kpis.csv", index=False
    )
    (folder / "run.json").write_text(json.dumps({"hours": hours, "aggregation": aggregation}))
    return folder


def test_ternary_title_and_colour_bar_name_the_metric(tmp_path, drawn):
    plot_folder(sweep_folder(tmp_path / "sweep", 8760))
    expected = {"lcoe": "LCOE, €/MWh heat", "scop": "system SCOP, -"}
    assert set(drawn) == {f"ternary_{m}_groundwater-sewage-air" for m in expected}
    for metric, label in expected.items():
        fig = drawn[f"ternary_{metric}_groundwater-sewage-air"]
        assert title(fig).startswith(label + "\n"), title(fig)
        bar_labels = [a.get_ylabel() for a in all_axes(fig)[1:]]
        assert bar_labels == [label]
        assert not any("failed" in t for t in texts(fig))  # every point solved
    assert_no_internal_references(drawn)


@pytest.mark.parametrize(
    ("sweep_hours", "free_hours", "aggregation", "free_says"),
    [(8760, 168, None, "168 h"), (168, 168, {"typical_periods": 5}, "168 h on 5 typical days")],
)
def test_free_optimum_of_another_horizon_is_left_out_with_a_warning(
    tmp_path, drawn, caplog, sweep_hours, free_hours, aggregation, free_says
):
    sweep = sweep_folder(tmp_path / "sweep", sweep_hours)
    with caplog.at_level(logging.WARNING):
        plot_folder(sweep, free=free_folder(tmp_path / "free", free_hours, aggregation))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    both = f"solved on {free_says}, the sweep on {sweep_hours} h"
    assert any(both in w for w in warnings), warnings
    for fig in drawn.values():
        assert not any(lab.startswith("free optimum (") for lab in legend_labels(fig))
        assert any(t == f"free optimum not shown: {both}" for t in texts(fig)), texts(fig)


def test_free_optimum_of_the_same_horizon_says_so(tmp_path, drawn):
    plot_folder(sweep_folder(tmp_path / "sweep", 168), free=free_folder(tmp_path / "free", 168))
    fig = drawn["ternary_lcoe_groundwater-sewage-air"]
    free = [lab for lab in legend_labels(fig) if lab.startswith("free optimum (")]
    assert free == ["free optimum (37.80; 24.0 MW heat pumps; 168 h like the sweep)"]
    assert "first 168 h of the year, scaled" in title(fig)


def test_points_not_proven_optimal_are_marked(tmp_path, drawn):
    """A point stopped by its time limit (or with a large gap) is drawn with its value and a ring
    that says so; it is neither hidden among the proven points nor called failed."""
    folder = sweep_folder(tmp_path / "sweep", 8760)
    table = pd.read_csv(folder / "points.csv")
    table.loc[3, "status"] = "time_limit"
    table.loc[4, "status"] = "feasible"
    table.to_csv(folder / "points.csv", index=False)
    plot_folder(folder)
    fig = drawn["ternary_lcoe_groundwater-sewage-air"]
    assert "not proven optimal (time limit or gap)" in legend_labels(fig)
    assert not any("failed" in t for t in texts(fig))
