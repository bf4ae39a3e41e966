"""The decomposition's subproblem (dhopt.decomposition): the dispatch for fixed investment columns,
solved in the whole model's own HiGHS instance, with unserved heat priced."""

from __future__ import annotations

import logging
import math
import time

import highspy
import numpy as np

from dhopt.decomposition_master import Stop, TimeUp
from dhopt.highs_adapter import run_time_limit

log = logging.getLogger("dhopt.solve")

# Heat the dispatch cannot supply at the master's capacities is priced (€/MWh) instead of making
# the dispatch infeasible: its cut then says how much capacity is missing. The priced model is a
# relaxation of the true one, so the bound stays valid whatever the price, and a higher price
# leaves every earlier cut valid (it only raises the cost the cuts bound from below). A point
# counts as a solution only if it supplies every MWh; where the master's best point leaves some
# unserved, the price is raised tenfold. It starts above what a MW more in one hour can cost
# (twice the dearest unit's annual cost of a MW, over the hour's weight), at least this:
UNSERVED_EUR_PER_MWH = 1e4
PRICE_RISES = 8


class Dispatch:
    """The dispatch for fixed investment columns, solved in the model's own HiGHS instance (so
    its basis is at hand for the solves that follow)."""

    def __init__(
        self,
        highs: highspy.Highs,
        columns: np.ndarray,
        deadline: float | None,
        rows,
        cost,
        log_file: str | None,
    ):
        self.highs, self.columns, self.deadline = highs, columns, deadline
        # Unserved heat, one column per hour at the end of the model (removed by `close`).
        k = len(rows)
        self.first_slack = highs.getNumCol()
        highs.addCols(
            k,
            cost,
            np.zeros(k),
            np.full(k, highspy.kHighsInf),
            k,
            np.arange(k, dtype=np.int32),
            np.asarray(rows, dtype=np.int32),
            np.ones(k),
        )
        self.slacks = np.arange(self.first_slack, self.first_slack + k, dtype=np.int32)
        self.cost = np.asarray(cost, float)
        self.rises = 0
        self.basis = None
        self.unserved = 0.0
        self.unserved_by_hour = np.zeros(k)  # MWh in each hour, at the last dispatch
        self.solves = 0
        self.seconds = 0.0
        # Many small solves: their log goes to the solver log file only, not to the console.
        highs.setOptionValue("log_to_console", False)
        if log_file and highs.getOptionValue("log_file")[1] != log_file:
            highs.setOptionValue("log_file", log_file)
        highs.setOptionValue("solve_relaxation", True)  # integers are all fixed: an LP, with duals
        highs.setOptionValue("simplex_dual_edge_weight_strategy", 1)
        highs.setOptionValue("objective_bound", math.inf)

    def _run(self) -> highspy.HighsModelStatus:
        """One HiGHS run within what is left of the time limit."""
        limit = math.inf
        if self.deadline is not None:
            left = self.deadline - time.perf_counter()
            if left <= 0:
                raise TimeUp("time limit")
            limit = run_time_limit(self.highs, left)
        h = self.highs
        h.setOptionValue("time_limit", limit)
        h.run()
        return h.getModelStatus()

    def keep_basis(self) -> None:
        """Start the next dispatches from the last one's basis (the trust region's centre): the
        points tried are near it, and a far point that did not pay is a poor place to start from."""
        self.basis = self.highs.getBasis()

    def __call__(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        h = self.highs
        if self.basis is not None:
            h.setBasis(self.basis)
        h.changeColsBounds(len(self.columns), self.columns.astype(np.int32), x, x)
        t = time.perf_counter()
        status = self._run()
        self.solves += 1
        self.seconds += time.perf_counter() - t
        if status != highspy.HighsModelStatus.kOptimal and status != highspy.HighsModelStatus.kTimeLimit:
            # With unserved heat priced, a dispatch is feasible but for another limit (a CO2 cap,
            # a fuel limit); a warm start can also end in a wrong verdict: once more from scratch.
            log.debug("dispatch %d: %s from the kept basis; again from scratch", self.solves, status)
            h.clearSolver()
            status = self._run()
        if status == highspy.HighsModelStatus.kTimeLimit:
            raise TimeUp("time limit")
        if status != highspy.HighsModelStatus.kOptimal:
            raise Stop(f"dispatch {h.modelStatusToString(status)}")
        z = float(h.getInfo().objective_function_value)
        solution = h.getSolution()
        self.unserved_by_hour = np.array(solution.col_value)[self.slacks]
        self.unserved = float(np.sum(self.unserved_by_hour))
        log.debug(
            "dispatch %d: %.2f (%.3g MWh unserved) in %.2f s",
            self.solves,
            z,
            self.unserved,
            time.perf_counter() - t,
        )
        return z, np.array(solution.col_dual)[self.columns]

    @property
    def served(self) -> bool:
        """The last dispatch supplied every MWh (its cost is that of a real solution)."""
        return self.unserved <= 1e-6

    def raise_price(self) -> None:
        """Unserved heat ten times dearer (see UNSERVED_EUR_PER_MWH); Stop after PRICE_RISES rises."""
        if self.rises >= PRICE_RISES:
            raise Stop("unserved heat at every price tried")
        self.rises += 1
        self.cost = 10.0 * self.cost
        self.highs.changeColsCost(len(self.slacks), self.slacks, self.cost)
        log.debug("unserved heat now %.3g €/MWh", float(self.cost.max()))

    def close(self) -> None:
        self.highs.deleteCols(len(self.slacks), self.slacks)
