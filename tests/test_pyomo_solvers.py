"""--solver: another MIP solver that Pyomo drives (CBC here: Debian's coinor-cbc, installed by
.ci/run) gets the whole MILP and must reach the same hand-worked optimum as dhopt's HiGHS path."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REFERENCE
from test_hand_solved import minimum_load_case
from typer.testing import CliRunner

from dhopt import columns as col
from dhopt.cli import app
from dhopt.errors import ScenarioError
from dhopt.pyomo_solvers import _status
from dhopt.run import run_scenario
from dhopt.solve import SolveOptions
from dhopt.sweep import run_sweep

runner = CliRunner()


@pytest.fixture(scope="module")
def cbc() -> str:
    """'cbc' if Pyomo finds it; CI installs it, so there its absence is a failure."""
    if shutil.which("cbc") is None:
        message = "no CBC on this machine: apt-get install -y coinor-cbc (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return "cbc"


def test_cbc_reaches_the_hand_worked_optimum(writer, cbc):
    sc, cost = minimum_load_case(writer)
    out = run_scenario(writer.yaml(sc), options=SolveOptions(mip_gap=1e-9, solver=cbc))
    caps = out.results.capacities.set_index("unit")["capacity_mw"]
    assert caps["hp"] == pytest.approx(3.0, abs=1e-6)
    assert caps["eb"] == pytest.approx(0.5, abs=1e-6)
    d = out.results.dispatch
    assert d["hp_heat_mw"].to_numpy() == pytest.approx(np.array([3.0, 0.0] * 12), abs=1e-6)
    assert out.report.objective == pytest.approx(cost, rel=1e-7)
    assert out.report.status == "optimal" and out.report.feasible
    assert out.report.solver.startswith("CBC ")
    # the whole MILP at once: a binary for every hour the heat pump can run, one round
    assert out.report.min_load_binaries == 24
    assert [r.kind for r in out.report.rounds] == ["whole MILP (cbc)"]
    assert out.info["options"]["solver"] == "cbc"
    # the marginal heat cost from CBC's duals: the heat pump's 50/4 + 2 when it runs, else the boiler's
    assert d[col.MARGINAL_HEAT_COST].to_numpy() == pytest.approx(np.array([14.5, 50.5] * 12), rel=1e-6)


def test_cbc_and_highs_agree_on_a_week_of_the_reference(cbc, tmp_path):
    """Same model, same optimum (each within its 0.1 % gap of the other's bound)."""
    highs = run_scenario(REFERENCE, hours=168, options=SolveOptions(marginal_cost=False))
    other = run_scenario(REFERENCE, hours=168, options=SolveOptions(marginal_cost=False, solver=cbc))
    assert other.report.status == "optimal"
    assert other.report.objective >= highs.report.bound * (1 - 1e-9)
    assert highs.report.objective >= other.report.bound * (1 - 1e-9)
    assert other.report.objective == pytest.approx(highs.report.objective, rel=1e-3)


def test_a_solver_time_limit_is_reported_as_one():
    """The statuses from Pyomo's termination conditions: a time limit is never 'optimal' or
    'infeasible'; the gap is in the message."""
    from pyomo.opt import TerminationCondition as TC

    status, message = _status(TC.maxTimeLimit, True, 110.0, 100.0)
    assert status == "time_limit" and "gap 9.09 %" in message
    status, message = _status(TC.maxTimeLimit, False, None, None)
    assert status == "time_limit" and "before a solution was found" in message
    assert _status(TC.intermediateNonInteger, False, None, None)[0] == "time_limit"  # CBC's word for it
    assert _status(TC.infeasible, False, None, None)[0] == "infeasible"
    assert _status(TC.optimal, True, 100.0, 100.0) == ("optimal", "")
    status, message = _status(TC.optimal, False, 100.0, 100.0)  # a broken minimum load is not optimal
    assert status == "error" and "below its minimum load" in message


@pytest.mark.parametrize(
    ("solver", "needles"),
    [
        ("foo", ["--solver: expected one of highs, cbc", "found 'foo'"]),
        ("gurobi_direct", ["--solver gurobi_direct: Pyomo finds no gurobi_direct", "available here: highs"]),
    ],
)
def test_an_unknown_or_missing_solver_is_a_clear_error(solver, needles):
    import pyomo.environ as pyo

    if solver != "foo" and pyo.SolverFactory(solver).available(exception_flag=False):
        pytest.skip(f"{solver} is installed here")
    result = runner.invoke(app, ["solve", str(REFERENCE), "--hours", "24", "--solver", solver])
    text = " ".join(result.output.split())
    assert result.exit_code == 2, text
    assert "Traceback" not in text and text.startswith("error:")
    for needle in needles:
        assert needle in text, text


def test_a_sweep_names_its_solver(tmp_path, cbc):
    sweep = {
        "base": str(REFERENCE),
        "hours": 24,
        "cases": [{"name": "ref"}],
        "solver": cbc,
    }
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(sweep))
    summary = run_sweep(path, tmp_path / "out", workers=1, progress=False)
    assert summary.counts == {"optimal": 1}
    assert pd.read_csv(tmp_path / "out" / "points.csv")["solver"].str.startswith("CBC ").all()
    path.write_text(yaml.safe_dump({**sweep, "solver": "excel"}))
    with pytest.raises(ScenarioError, match=r"sweep\.yaml.*solver.*expected one of highs.*found 'excel'"):
        run_sweep(path, tmp_path / "out2", workers=1, progress=False)


@pytest.mark.slow
def test_cbc_at_its_time_limit_says_so(cbc, tmp_path):
    """2016 h of the reference in 5 s: 'time limit', exit 3, what to try. CBC usually stops
    before an integer solution (its intermediateNonInteger): then no folder that looks complete;
    on a fast machine it has one: then it is written as time_limit with its gap and bound."""
    args = ["solve", str(REFERENCE), "--hours", "2016", "--solver", cbc, "--time-limit", "5"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "r"), "--no-plots", "--no-report"])
    text = " ".join(result.output.split())
    assert result.exit_code == 3, text
    assert "time limit" in text and "infeasible" not in text
    assert "leave out --solver" in text and "--mip-gap 0.01" in text
    run_json = tmp_path / "r" / "run.json"
    if run_json.exists():
        run = json.loads(run_json.read_text())
        assert run["status"] == "time_limit" and run["bound_eur_per_year"] <= run["objective_eur_per_year"]
        assert run["gap"] is not None and "not proven optimal" in text
    else:
        assert "no usable solution" in text
