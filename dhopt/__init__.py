"""dhopt: investment and hourly dispatch of district-heating heat sources (Nordhavn MILP, Pyomo + HiGHS)."""

from __future__ import annotations

__version__ = "0.1.0"
