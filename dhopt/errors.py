"""User-facing errors: one line naming the file, the field or column, what was expected and found."""

from __future__ import annotations


class DhoptError(Exception):
    """An error caused by the user's input or situation, reported without a traceback."""


class ScenarioError(DhoptError):
    """The scenario file or one of its data files is malformed."""


class InfeasibleError(DhoptError):
    """The scenario has no feasible dispatch; the message says why, as far as we can tell."""


class SolverError(DhoptError):
    """The solver stopped without a usable solution; `status` says how (time_limit, error, …)."""

    def __init__(self, message: str, status: str = "error") -> None:
        super().__init__(message)
        self.status = status
