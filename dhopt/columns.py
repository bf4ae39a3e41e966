"""Result column names, declared once: dhopt.results writes them; plots and sweeps import them
instead of parsing suffixes of their own."""

from __future__ import annotations

from collections.abc import Iterable

# dispatch: one row per model hour
TIME = "time_utc"
HOUR = "hour"
TYPICAL_PERIOD = "typical_period"
WEIGHT = "weight_h"
DEMAND = "demand_mw"
PRICE = "price_eur_per_mwh"
COOLING_DEMAND = "cooling_demand_mw"
HEAT_DUMPED = "heat_dumped_mw"
ELECTRICITY = "electricity_mw"
CO2_INTENSITY = "co2_t_per_mwh"
PV = "pv_mw"
PV_USED = "pv_used_mw"
GRID_ELECTRICITY = "grid_electricity_mw"
ELECTRICITY_SOLD = "electricity_sold_mw"
MARGINAL_HEAT_COST = "marginal_heat_cost_eur_per_mwh"
WEATHER_YEAR = "weather_year"  # the weather year of the hour (scenarios with weather_years)
UNSERVED_HEAT = "unserved_heat_mw"  # heat not served, a priced slack (only the stress test has it)

# kpis_by_year.csv (weather years): one KPI table per year, then the weighted one
YEAR_WEIGHT = "year_weight"  # the year's normalised weight (sums to 1 over the years)
WEIGHTED = "weighted"  # weather_year of the weighted rows (the objective's annual cost)
UNSERVED_HEAT_MWH = "unserved_heat_mwh"  # the system row's unserved heat a year (stress test)
UNSERVED_COST = "unserved_heat"  # its cost component (cost_unserved_heat_eur), at the stated price

# capacities: one row per unit
AT_LIMIT = "at_limit"  # an optimised capacity that ends at the user's largest
# A unit driven by electricity alone: its largest electricity draw at full heat output, MW (the
# grid connection it needs; the capacity is thermal, at the rating point where it is derated)
ELECTRIC_CAPACITY = "electric_capacity_mw"
STORAGE_LOSS = "annual_loss_mwh"  # a storage's heat lost a year (charged − discharged), MWh/a
FULL_CYCLES = "equivalent_full_cycles"  # a storage's annual discharge / its energy capacity, 1/a
# With any unit's `starts`: every producer's starts and running hours, a year (scaled like energies)
STARTS = "starts_per_year"
RUNNING_HOURS = "running_hours"

_HEAT, _DELIVERED, _ELECTRICITY, _AUX = "_heat_mw", "_delivered_mw", "_electricity_mw", "_aux_electricity_mw"
_COP, _COOLING, _SOLD = "_cop", "_cooling_mw", "_electricity_sold_mw"
_SOURCE_OUT = "_source_outlet_c"
_FUEL_INFIX = "_fuel_"
_CHARGE, _DISCHARGE, _LEVEL = "_charge_mw", "_discharge_mw", "_level_mwh"
_TO_BOOSTER = "_to_booster_mw"
_ON = "_on"


def heat(unit: str) -> str:
    """Heat at the plant, MW."""
    return unit + _HEAT


def delivered(unit: str) -> str:
    """Heat delivered to the network (after the pipe loss), MW."""
    return unit + _DELIVERED


def electricity(unit: str) -> str:
    return unit + _ELECTRICITY


def aux_electricity(unit: str) -> str:
    return unit + _AUX


def cop(unit: str) -> str:
    return unit + _COP


def fuel(unit: str, carrier: str) -> str:
    """Fuel a unit burns, MW of fuel (net calorific value)."""
    return f"{unit}{_FUEL_INFIX}{carrier}_mw"


def fuel_total(carrier: str) -> str:
    """Fuel all units burn, MW."""
    return f"fuel_{carrier}_mw"


def electricity_sold(unit: str) -> str:
    """Electricity a unit makes and sells (a CHP), MW."""
    return unit + _SOLD


def source_outlet(unit: str) -> str:
    """Temperature of a flow-limited source after the heat pump, °C."""
    return unit + _SOURCE_OUT


def on(unit: str) -> str:
    """On/off status of a unit with starts, 1 or 0."""
    return unit + _ON


def cooling(unit: str) -> str:
    return unit + _COOLING


def charge(storage: str) -> str:
    return storage + _CHARGE


def discharge(storage: str) -> str:
    return storage + _DISCHARGE


def level(storage: str) -> str:
    return storage + _LEVEL


def to_booster(storage: str) -> str:
    """A pit's heat drawn by its heat-pump booster (part of its discharge, inside the booster's heat), MW."""
    return storage + _TO_BOOSTER


def unit_column_suffixes() -> tuple[str, ...]:
    """What follows a unit's name in its dispatch columns (so two units' columns never collide)."""
    suffixes = (
        _HEAT,
        _DELIVERED,
        _ELECTRICITY,
        _AUX,
        _COP,
        _COOLING,
        _SOLD,
        _SOURCE_OUT,
        _CHARGE,
        _DISCHARGE,
        _LEVEL,
        _TO_BOOSTER,
        _ON,
    )
    return tuple(x.removeprefix("_") for x in suffixes)


def _named(columns: Iterable[str], suffix: str) -> list[str]:
    return [c[: -len(suffix)] for c in columns if c.endswith(suffix)]


def producers(columns: Iterable[str]) -> list[str]:
    """The heat-producing units of a dispatch table, in its column order."""
    return _named(columns, _DELIVERED)


def storages(columns: Iterable[str]) -> list[str]:
    """The storages of a dispatch table, in its column order."""
    return _named(columns, _LEVEL)


# kpis: one row per unit and a row "system"
SYSTEM = "system"
LCOE = "lcoe_eur_per_mwh"
_LCOE_PREFIX, _LCOE_SUFFIX = "lcoe_", "_eur_per_mwh"
_COST_PREFIX, _COST_SUFFIX = "cost_", "_eur"


def lcoe_component(name: str) -> str:
    """A cost component's share of the LCOE, €/MWh."""
    return f"{_LCOE_PREFIX}{name}{_LCOE_SUFFIX}"


def cost_component(name: str) -> str:
    """A cost component, €/a."""
    return f"{_COST_PREFIX}{name}{_COST_SUFFIX}"


def lcoe_components(columns: Iterable[str]) -> list[str]:
    """The cost components that have an LCOE column, in column order."""
    return [
        c[len(_LCOE_PREFIX) : -len(_LCOE_SUFFIX)]
        for c in columns
        if c.startswith(_LCOE_PREFIX) and c.endswith(_LCOE_SUFFIX) and c != LCOE
    ]
