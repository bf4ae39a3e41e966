"""`dhopt report`: the HTML page of a solve folder, read from its files and checked in a real
headless browser (Debian's Chromium driven by Playwright): no console error, no request but the
file itself, every chart drawn, status and basis on the first screen, a screenshot kept under
test-artifacts/, and a PDF print."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT
from typer.testing import CliRunner

from dhopt import columns as col
from dhopt.cli import app
from dhopt.errors import DhoptError
from dhopt.report import (
    AT_LIMIT,
    MARGINAL_HEAT_COST,
    REPORT,
    build_report,
    decision,
    horizon_warning,
    status_text,
    write_report,
)
from dhopt.report_charts import monthly_heat
from dhopt.report_inputs import HEADER, report_scenario, synthetic_comments
from dhopt.result_reader import solved_scenario as find_scenario
from dhopt.run import run_scenario

PORTFOLIO = ROOT / "scenarios" / "utility-portfolio.yaml"
ARTIFACTS = ROOT / "test-artifacts"
VIEWPORT = {"width": 1280, "height": 900}
# The text of every text node drawn (at least partly) inside the first viewport.
FIRST_SCREEN_TEXT = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const out = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(n);
    const box = range.getBoundingClientRect();
    if (box.height > 0 && box.top < innerHeight && box.bottom > 0) out.push(n.textContent);
  }
  return out.join(" ");
}"""


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> Path:
    """The utility portfolio (fuels, CHP, heat pumps, a tank) solved on its first 168 h."""
    out = tmp_path_factory.mktemp("report") / "week"
    run_scenario(PORTFOLIO, out=out, hours=168)
    return out


def _copy(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / folder.name
    shutil.copytree(folder, target)
    return target


def _edit_run(folder: Path, **changes) -> None:
    info = json.loads((folder / "run.json").read_text())
    info.update(changes)
    (folder / "run.json").write_text(json.dumps(info))


def _chromium() -> str:
    """The system Chromium (Debian's package; DHOPT_CHROMIUM to point elsewhere), or skip."""
    pytest.importorskip("playwright.sync_api", reason="the test extra's playwright is not installed")
    path = os.environ.get("DHOPT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        message = "no Chromium on this machine: apt-get install -y chromium (.ci/run does)"
        if os.environ.get("CI"):  # CI installs it: its absence there is a failure, not a skip
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.mark.slow
def test_report_in_a_headless_browser(solved):
    """A real browser loads the file offline: no console error, no other request, every chart
    drawn, the status and the basis (168 h, scaled) on the first screen; screenshot and PDF."""
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    page_path = write_report(solved)
    url = page_path.resolve().as_uri()
    info = json.loads((solved / "run.json").read_text())
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            errors: list[str] = []
            requests: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(url, wait_until="load")
            images = page.evaluate(
                "() => [...document.images].map(i => [i.alt, i.complete, i.naturalWidth, i.naturalHeight])"
            )
            svgs = page.evaluate(
                "() => [...document.querySelectorAll('svg')].map(s => s.getBoundingClientRect().width)"
            )
            first_screen = page.evaluate(FIRST_SCREEN_TEXT)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report-first-screen.png"))
            pdf = page.pdf(path=str(ARTIFACTS / "report.pdf"), format="A4", print_background=True)
        finally:
            browser.close()
    assert errors == []
    assert requests == [url]
    # price carpet, dispatch ×2, load duration, LCOE, storage, month, electricity, ≥ 1 unit carpet
    assert len(images) >= 9
    assert all(ok and w > 0 and h > 0 for _alt, ok, w, h in images), images
    assert all(w > 0 for w in svgs)
    assert info["status"] in first_screen and info["basis"] in first_screen
    assert "168 h" in first_screen and "scaled" in first_screen and "Not a full year" in first_screen
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    assert (ARTIFACTS / "report-first-screen.png").stat().st_size > 10_000


def test_report_shows_the_folders_files_escaped(solved, tmp_path):
    """Everything comes from the folder: the LCOE tile and a capacity are the CSVs' values (changed
    there, changed in the page), the name is run.json's (escaped), a status other than optimal is
    a warning, CAPEX appears with economics.csv, a capacity at its limit and the marginal heat cost
    are shown when the files have them, and the copy scenario.yaml is read for the scenario's values
    (the original named in run.json, changed since the run, is said to differ)."""
    folder = _copy(solved, tmp_path)
    kpis = pd.read_csv(folder / "kpis.csv")
    kpis.loc[kpis["unit"] == col.SYSTEM, col.LCOE] = 123.456
    kpis.to_csv(folder / "kpis.csv", index=False)
    caps = pd.read_csv(folder / "capacities.csv")
    caps.loc[caps["unit"] == "sewage", "capacity_mw"] = 9876.5
    caps[AT_LIMIT] = caps["unit"] == "sewage"
    caps.to_csv(folder / "capacities.csv", index=False)
    dispatch = pd.read_parquet(folder / "dispatch.parquet")
    dispatch[MARGINAL_HEAT_COST] = 40.0
    dispatch.to_parquet(folder / "dispatch.parquet", index=False)
    changed = tmp_path / "original.yaml"
    changed.write_text(PORTFOLIO.read_text() + "# edited after the run\n")
    _edit_run(
        folder,
        scenario=str(changed),
        scenario_name='<script>alert("x")</script>&',
        status="time_limit",
        gap=0.0123,
    )
    pd.DataFrame({"unit": ["sewage"], "capex_eur": [11_484_000.0]}).to_csv(folder / "economics.csv")
    data = yaml.safe_load(PORTFOLIO.read_text())
    data["description"] = "the copy as solved"
    (folder / "scenario.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    text = build_report(folder)
    assert "123.46" in text and "9,876.50 MW" in text
    assert "<script>" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;" in text
    assert "Not proven optimal: time limit (gap 1.23 %)" in text
    assert "CAPEX, M€" in text and "11.484" in text
    assert "sewage ends at its 9,876.50 MW limit: a higher limit may pay." in text
    assert "carpet plot of the marginal heat cost" in text
    assert "the copy as solved" in text
    assert "changed since the run" in text and "No comment in the scenario file says SYNTHETIC" in text


def test_synthetic_comments_of_the_copy_and_the_unchanged_original(solved, tmp_path):
    """A copy without comments (as dhopt writes it) keeps the original's SYNTHETIC marks while the
    original is unchanged (its SHA-256 as in run.json); without a copy the original is read."""
    folder = _copy(solved, tmp_path)
    (folder / "scenario.yaml").unlink(missing_ok=True)  # a solve that keeps a copy writes one
    info = json.loads((folder / "run.json").read_text())
    notes: list[str] = []
    original = report_scenario(folder, info, notes)
    assert original.path == Path(info["scenario"]) and notes == []
    data = yaml.safe_load(PORTFOLIO.read_text())
    (folder / "scenario.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    copy = report_scenario(folder, info, notes)
    assert copy.path == folder / "scenario.yaml" and notes == []
    assert ("units.sewage.source_temperature_c", "SYNTHETIC") in copy.synthetic
    assert copy.synthetic == original.synthetic


def test_status_text():
    assert status_text({"status": "optimal", "gap": 0.0009}) == "optimal"
    assert status_text({"status": "time_limit", "gap": 0.0123}) == "time limit (gap 1.23 %)"
    assert status_text({"status": "feasible", "gap": 0.05}) == "feasible (gap 5 %)"


def test_synthetic_comments_find_their_keys():
    """Comment on a key's line → that key (a flow mapping: its own key); on a line of its own → the
    next key; before any key → the header; '#' inside quotes is not a comment."""
    text = (
        "# SYNTHETIC inputs below\n"
        "name: 'a # SYNTHETIC not a comment'\n"
        "demand:\n"
        "  heat_mw: {file: d.csv, column: q}  # SYNTHETIC demand\n"
        "units:\n"
        "  hp:\n"
        "    # flow is SYNTHETIC\n"
        "    availability_mw: {file: d.csv, column: f}\n"
        "    cop: 3  # real\n"
    )
    assert synthetic_comments(text) == [
        (HEADER, "SYNTHETIC inputs below"),
        ("demand.heat_mw", "SYNTHETIC demand"),
        ("units.hp.availability_mw", "flow is SYNTHETIC"),
    ]


def test_monthly_heat_sums_each_month_with_its_weights():
    """Hand-summed: hp delivers 2, 4, 6 MW at 31 Jan 23:00 and 1 Feb 00:00, 01:00 with weights
    1, 2, 3 h → January 2 MWh, February 4·2 + 6·3 = 26 MWh; the demand 1 MW → 1 and 5 MWh."""
    d = pd.DataFrame(
        {
            col.TIME: pd.to_datetime(["2018-01-31 23:00", "2018-02-01 00:00", "2018-02-01 01:00"], utc=True),
            col.HOUR: [0, 1, 2],
            col.WEIGHT: [1.0, 2.0, 3.0],
            col.DEMAND: [1.0, 1.0, 1.0],
            col.heat("hp"): [2.0, 4.0, 6.0],
            col.delivered("hp"): [2.0, 4.0, 6.0],
        }
    )
    table = monthly_heat(d)
    assert list(table.index) == ["2018-01", "2018-02"]
    np.testing.assert_allclose(table["hp"], [2.0, 26.0])
    np.testing.assert_allclose(table["heat demand"], [1.0, 5.0])
    assert monthly_heat(d.drop(columns=[col.TIME])) is None


def test_cli_writes_the_report_and_refuses_an_incomplete_folder(solved, tmp_path):
    folder = _copy(solved, tmp_path)
    result = CliRunner().invoke(app, ["report", str(folder)])
    assert result.exit_code == 0, result.output
    text = (folder / REPORT).read_text(encoding="utf-8")
    assert len(text) > 50_000 and "CAPEX, M€" not in text  # no CAPEX in the folder: no column
    (folder / "run.json").unlink()
    result = CliRunner().invoke(app, ["report", str(folder)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "no run.json" in lines[0]
    with pytest.raises(DhoptError, match="no such result folder"):
        build_report(tmp_path / "nowhere")


def test_decision_and_horizon_lines():
    """The first screen's sentence from capacities.csv, and its note on the horizon from run.json."""
    caps = pd.DataFrame(
        [
            {"unit": "hp", "capacity_mw": 5.0, "existing_mw": 0.0, "new_mw": 5.0, AT_LIMIT: True},
            {"unit": "gas", "capacity_mw": 60.0, "existing_mw": 60.0, "new_mw": 0.0, AT_LIMIT: False},
            {
                "unit": "tank",
                "capacity_mwh": 312.5,
                "existing_mwh": 300.0,
                "new_mwh": 12.5,
                AT_LIMIT: False,
            },
        ]
    )
    assert decision(caps) == (
        "Build hp 5.00 MW, tank 12.50 MWh. Existing: gas 60.00 MW, tank 300.00 MWh. "
        "hp ends at its 5.00 MW limit: a higher limit may pay."
    )
    assert decision(caps.iloc[1:2]) == "Build nothing new. Existing: gas 60.00 MW."
    assert horizon_warning({"hours": 8760, "aggregation": None}) is None
    week = horizon_warning({"hours": 168, "aggregation": None, "basis": "168 h scaled ×52.14 to a year"})
    assert week.startswith("Not a full year: first 168 h of the year, scaled to a year")
    typical = horizon_warning({"hours": 8760, "aggregation": {"typical_periods": 5}, "basis": "tsam"})
    assert typical.startswith("Approximate: 5 typical days, approximate")


def test_scenario_file_is_found_beside_the_folder(tmp_path):
    """run.json's relative scenario path: tried from the current folder, then the folder's parent."""
    folder = tmp_path / "results" / "run"
    folder.mkdir(parents=True)
    (tmp_path / "results" / "s.yaml").write_text("name: x\n")
    assert find_scenario(folder, {"scenario": "s.yaml"}) == tmp_path / "results" / "s.yaml"
    with pytest.raises(DhoptError, match=r"the scenario file gone\.yaml was not found"):
        find_scenario(folder, {"scenario": "gone.yaml"})
    (folder / "scenario.yaml").write_text("name: copy\n")
    assert find_scenario(folder, {"scenario": "s.yaml"}) == folder / "scenario.yaml"
