"""A storage's charge and discharge power: unlimited, a fixed MW limit, a ratio to the energy
capacity, or a power capacity sized on its own (at most one of them).

With net[n] = discharge − charge (dhopt.units.storage), per hour:
    power_max_mw p:       −p ≤ net[n] ≤ p                         (bounds on an expression)
    power_per_mwh r:      −r·cap ≤ net[n] ≤ r·cap                  (linear: cap is a variable)
    power_capacity:       −P ≤ net[n] ≤ P,  0 ≤ P ≤ P_max,  cost c·P a year
The power capacity P has its own annualised investment, per_mw_eur · CRF(the storage's lifetime),
counted in the storage's investment; the results report P (and r·cap, or p) as the storage's
capacity_mw.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyomo.environ as pyo
from pydantic import Field, model_validator

from dhopt.schema import FieldError, NonNegative, Power, StrictModel, number

PowerRatio = number(gt=0, le=100)  # MW per MWh: 100 empties a storage in 36 seconds


class PowerCapacity(StrictModel):
    """Charge and discharge power sized by the optimisation, with its own investment."""

    per_mw_eur: NonNegative = Field(
        description="Investment per MW of charge/discharge power (pumps, pipes, heat exchangers), € "
        "(annualised over the storage's investment lifetime)."
    )
    capacity_max_mw: Power | None = Field(None, description="Largest power, MW (none: unlimited).")


class PowerLimits(StrictModel):
    """The three ways to limit a storage's power; a storage gives one of them at most."""

    power_max_mw: Power | None = Field(
        None, description="Largest charge or discharge rate, MW (none: unlimited, as the study)."
    )
    power_per_mwh: PowerRatio | None = Field(
        None,
        description="Largest charge or discharge rate per MWh of energy capacity, MW/MWh (e.g. 0.1: a "
        "full storage empties in 10 hours at the most); the limit grows with the capacity built.",
    )
    power_capacity: PowerCapacity | None = Field(
        None,
        description="Size the charge/discharge power on its own, at an investment per MW; reported as "
        "the storage's capacity_mw.",
    )

    @model_validator(mode="after")
    def _at_most_one(self) -> PowerLimits:
        names = ("power_max_mw", "power_per_mwh", "power_capacity")
        given = [n for n in names if getattr(self, n) is not None]
        if len(given) > 1:
            raise FieldError(given[1], f"expected at most one of {', '.join(names)} (found {given[0]} too)")
        return self


@dataclass(frozen=True)
class PowerInputs:
    """The prepared power limit of a storage (what the model needs)."""

    per_mwh: float | None = None  # power_per_mwh
    sized_max_mw: float | None = None  # power_capacity's bound (None: unlimited)
    sized_annual_per_mw_eur: float | None = None  # power_capacity's annual cost; None: not sized

    @property
    def sized(self) -> bool:
        return self.sized_annual_per_mw_eur is not None


def prepare_power(cfg: PowerLimits, crf: float) -> PowerInputs:
    """power_per_mwh and power_capacity (power_max_mw stays StorageInputs.power_max_mw)."""
    sized = cfg.power_capacity
    return PowerInputs(
        per_mwh=cfg.power_per_mwh,
        sized_max_mw=None if sized is None else sized.capacity_max_mw,
        sized_annual_per_mw_eur=None if sized is None else crf * sized.per_mw_eur,
    )


def add_power_limits(block: pyo.Block, max_mw: float | None, p: PowerInputs, net: list, hours: int):
    """The rows of the module docstring on `block` (`max_mw`: power_max_mw); returns the annual
    cost (0 unless sized)."""
    T = range(hours)
    if max_mw is not None:
        top = max_mw
        block.power = pyo.Constraint(T, rule=lambda b, n: (-top, net[n], top))
    elif p.per_mwh is not None:
        r = p.per_mwh
        block.power_out = pyo.Constraint(T, rule=lambda b, n: net[n] <= r * b.cap)
        block.power_in = pyo.Constraint(T, rule=lambda b, n: -net[n] <= r * b.cap)
    elif p.sized:
        block.power_cap = pyo.Var(bounds=(0.0, p.sized_max_mw))
        block.power_out = pyo.Constraint(T, rule=lambda b, n: net[n] <= b.power_cap)
        block.power_in = pyo.Constraint(T, rule=lambda b, n: -net[n] <= b.power_cap)
        return float(p.sized_annual_per_mw_eur or 0.0) * block.power_cap
    return 0.0


def power_mw(block: pyo.Block, max_mw: float | None, p: PowerInputs, capacity_mwh: float) -> float:
    """The solved power limit, MW (NaN: unlimited)."""
    if max_mw is not None:
        return max_mw
    if p.per_mwh is not None:
        return p.per_mwh * capacity_mwh
    if p.sized:
        value = float(block.power_cap.value or 0.0)
        return value if value > 1e-7 else 0.0
    return float("nan")


def power_investment_value(block: pyo.Block, p: PowerInputs) -> float:
    """The solved annual investment in power capacity, € (0 unless sized)."""
    if not p.sized:
        return 0.0
    return float(p.sized_annual_per_mw_eur or 0.0) * power_mw(block, None, p, 0.0)
