"""The decomposition's master problem (dhopt.decomposition): the investment columns of the whole
model, the rows that hold nothing else, θ above every cut, solved exactly by HiGHS (a few dozen
columns, a few dozen rows and one row per cut)."""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

INTEGER = highspy.HighsVarType.kInteger


@dataclass
class Master:
    """The small master problem: the investment columns, their own rows, θ and the cuts."""

    highs: highspy.Highs
    columns: np.ndarray  # the investment columns' indices in the whole model
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray  # bool per column
    cuts: int = 0

    @property
    def theta(self) -> int:
        return len(self.columns)

    def add_cut(self, value: float, gradient: np.ndarray, at: np.ndarray) -> None:
        """θ ≥ value + gradient · (x − at)."""
        n = len(self.columns)
        self.highs.addRow(
            value - float(gradient @ at), highspy.kHighsInf, n + 1, np.arange(n + 1), np.r_[-gradient, 1.0]
        )
        self.cuts += 1

    def add_row(self, coefficients: dict[int, float], lower: float) -> None:
        """Σ coefficient · x ≥ lower over the columns given by position (a valid inequality)."""
        cols = np.array(sorted(coefficients), dtype=np.int32)
        values = np.array([coefficients[int(c)] for c in cols], float)
        self.highs.addRow(lower, highspy.kHighsInf, len(cols), cols, values)

    def solve(
        self, integer: bool, box: tuple[np.ndarray, np.ndarray] | None = None
    ) -> tuple[float, np.ndarray]:
        """min θ over the cuts; returns (θ, x). `box`: bounds on x instead of its own."""
        h, cols = self.highs, np.flatnonzero(self.integer)
        kind = INTEGER if integer else highspy.HighsVarType.kContinuous
        h.changeColsIntegrality(len(cols), cols.astype(np.int32), np.array([kind] * len(cols)))
        lower, upper = box if box is not None else (self.lower, self.upper)
        h.changeColsBounds(len(lower), np.arange(len(lower), dtype=np.int32), lower, upper)
        h.run()
        if h.getModelStatus() not in (
            highspy.HighsModelStatus.kOptimal,
            highspy.HighsModelStatus.kInfeasible,
        ):
            # HiGHS 1.15.1's MIP presolve can end in "Solve error" on a master whose cuts reach 1e8
            # (priced unserved heat; seen on 16 heat pumps); without presolve the same one solves.
            h.setOptionValue("presolve", "off")
            try:
                h.clearSolver()
                h.run()
            finally:
                h.setOptionValue("presolve", "choose")
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise Stop(f"master problem {h.modelStatusToString(h.getModelStatus())}")
        objective = float(h.getInfo().objective_function_value)
        x = np.array(h.getSolution().col_value)[: self.theta]
        if integer and len(cols):
            x = self._polished(x, lower, upper)
        return objective, np.clip(x, self.lower, self.upper)

    def _polished(self, x: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
        """The continuous part solved again with the build decisions held at their rounded values:
        within the MIP's integrality tolerance a build of 1e-6 passes as 0, and with a big bound its
        capacity may still be 0.2 MW, which the dispatch (build exactly 0) cannot have."""
        h, cols = self.highs, np.flatnonzero(self.integer)
        rounded = np.round(x[cols])
        h.changeColsIntegrality(
            len(cols), cols.astype(np.int32), np.array([highspy.HighsVarType.kContinuous] * len(cols))
        )
        h.changeColsBounds(len(cols), cols.astype(np.int32), rounded, rounded)
        try:
            h.run()
            if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                x = np.array(h.getSolution().col_value)[: self.theta]
        finally:
            h.changeColsBounds(len(cols), cols.astype(np.int32), lower[cols], upper[cols])
        x[cols] = rounded
        return x


class Stop(Exception):
    """The decomposition cannot go on (an infeasible dispatch, a master that fails)."""


# Below this many hours the whole model is small enough to solve at once.
def build_master(lp: highspy.HighsLp, columns: np.ndarray) -> Master:
    """The master: the investment columns, the rows that hold nothing else, and θ."""
    a = lp.a_matrix_
    shape = (lp.num_row_, lp.num_col_)
    parts = (np.array(a.value_), np.array(a.index_), np.array(a.start_))
    rows = (
        sp.csr_matrix(parts, shape=shape)
        if a.format_ == highspy.MatrixFormat.kRowwise
        else (sp.csc_matrix(parts, shape=shape).tocsr())
    )
    ours = np.zeros(lp.num_col_, bool)
    ours[columns] = True
    foreign = rows.copy()
    foreign.data = (~ours[foreign.indices]).astype(float)
    own_rows = np.flatnonzero(np.asarray(foreign.sum(axis=1)).ravel() == 0)
    position = -np.ones(lp.num_col_, int)
    position[columns] = np.arange(len(columns))
    integrality = list(lp.integrality_)
    integer = np.array([bool(integrality) and integrality[j] == INTEGER for j in columns])
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 1e-9)  # tiny problem: solve it exactly
    lower = np.array(lp.col_lower_)[columns]
    upper = np.array(lp.col_upper_)[columns]
    n = len(columns)
    h.addVars(n + 1, np.r_[lower, -highspy.kHighsInf], np.r_[upper, highspy.kHighsInf])
    h.changeColsCost(n + 1, np.arange(n + 1), np.r_[np.zeros(n), 1.0])
    row_lower, row_upper = np.array(lp.row_lower_), np.array(lp.row_upper_)
    for r in own_rows:
        lo, hi = rows.indptr[r], rows.indptr[r + 1]
        if hi > lo:
            h.addRow(row_lower[r], row_upper[r], hi - lo, position[rows.indices[lo:hi]], rows.data[lo:hi])
    return Master(h, columns, lower, upper, integer)


def consistent(master: Master, x: np.ndarray, is_cap: np.ndarray) -> np.ndarray:
    """The start's capacities with build decisions (and cost-curve fills) that fit them; where the
    master's own rows (the peak rows) want more, the least more capacity that meets them."""
    h, n = master.highs, master.theta
    size = np.where(np.isfinite(master.upper) & (master.upper > 0), master.upper, 1.0)
    builds = master.integer.astype(float)
    # θ keeps its bounds (free) at no cost: fixed, the cuts found so far (θ ≥ cost > 0) would
    # make every point infeasible.
    try:
        h.changeColsCost(n + 1, np.arange(n + 1), np.r_[builds, 0.0])  # the fewest builds
        try:
            _, point = master.solve(
                integer=True, box=(np.where(is_cap, x, master.lower), np.where(is_cap, x, master.upper))
            )
        except Stop:  # too little for the peak: grow the capacities as little as will do
            h.changeColsCost(n + 1, np.arange(n + 1), np.r_[builds + np.where(is_cap, 1.0 / size, 0.0), 0.0])
            _, point = master.solve(integer=True, box=(np.where(is_cap, x, master.lower), master.upper))
    finally:
        h.changeColsCost(n + 1, np.arange(n + 1), np.r_[np.zeros(n), 1.0])
    return point


class TimeUp(Stop):
    """The time limit came during the decomposition."""
