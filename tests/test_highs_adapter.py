"""dhopt.highs_adapter: HiGHS's time limit, held against the instance's summed run time."""

from __future__ import annotations

import highspy
import numpy as np
import pytest
import scipy.sparse as sp

from dhopt.highs_adapter import run_time_limit


def an_lp(rows: int = 2500, cols: int = 4000) -> highspy.Highs:
    """A random covering LP that takes HiGHS some tenths of a second from scratch."""
    rng = np.random.default_rng(0)
    a = (sp.random(rows, cols, density=0.002, random_state=1) + sp.eye(rows, cols)).tocsc()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = cols, rows
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = rng.random(cols), np.zeros(cols), np.full(cols, 10.0)
    lp.row_lower_, lp.row_upper_ = np.ones(rows), np.full(rows, highspy.kHighsInf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = a.indptr, a.indices, a.data
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    return h


def test_a_later_run_gets_the_seconds_it_is_given():
    """After a first solve, three new costs re-solve in some 60 iterations; given half the first
    solve's time, the run must finish (HiGHS 1.15 alone counts the first solve's time against it
    and stops at once, after no iteration: a decomposition's dispatches and a model's later rounds
    did)."""
    h = an_lp()
    h.run()
    first = h.getRunTime()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal and first > 0.05
    changed = np.array([0, 1333, 2666], dtype=np.int32)
    h.changeColsCost(3, changed, np.full(3, 5.0))
    h.setOptionValue("time_limit", run_time_limit(h, first / 2))
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    assert h.getInfo().simplex_iteration_count > 0
    assert run_time_limit(None, 3.0) == 3.0


def test_minimum_load_binaries_get_highs_own_heuristics():
    """Build decisions alone: dhopt's tuning (heuristics off). Minimum-load on/off binaries free:
    HiGHS's defaults for the same keys, set explicitly (an instance keeps options between runs)."""
    from dhopt.highs_adapter import BUILD_MIP_OPTIONS, mip_tuning

    assert mip_tuning(False) == BUILD_MIP_OPTIONS
    fresh = highspy.Highs()
    on = mip_tuning(True)
    assert on.keys() == BUILD_MIP_OPTIONS.keys()
    assert all(on[k] == fresh.getOptionValue(k)[1] for k in on)
    assert on["mip_heuristic_effort"] > 0 and on["mip_heuristic_run_rins"] is True


def test_a_round_with_on_off_binaries_asks_for_highs_heuristics(writer, monkeypatch):
    """The hand-worked minimum-load case needs its on/off binaries in a second round: that MIP
    is solved with HiGHS's heuristics asked for (the choice itself: the test above)."""
    from test_hand_solved import EXACT, minimum_load_case

    import dhopt.min_load_rounds as rounds_module
    from dhopt.run import run_scenario

    asked = []
    tuning = rounds_module.mip_tuning
    monkeypatch.setattr(rounds_module, "mip_tuning", lambda free: asked.append(free) or tuning(free))
    sc, cost = minimum_load_case(writer)
    out = run_scenario(writer.yaml(sc), options=EXACT)
    assert out.report.min_load_binaries >= 12
    assert True in asked
    assert out.report.objective == pytest.approx(cost, rel=1e-9)
