"""Stage 2: validated scenario → arrays over the horizon (series, COP, annualised costs).

Data files are read here, once each, and checked: the file exists, the column exists, values are
numbers with no gaps, the length matches the horizon, and time stamps (if the file has a
`time_utc` or `time` column) are hourly without gaps or repeats, and the same in every data file
that has them (files without time stamps are combined by position). See dhopt.data_files.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import numpy as np
import pandas as pd

from dhopt.carriers import ELECTRICITY, CarrierInputs, prepare_fuel
from dhopt.data_files import HOURS_PER_YEAR, SeriesReader
from dhopt.errors import ScenarioError
from dhopt.scenario import LoadedScenario
from dhopt.schema import Series, SeriesFromFile
from dhopt.temperature_curve import network_temperature
from dhopt.units import STORAGE_TYPES, UNIT_TYPES
from dhopt.units.commitment import prepare_starts
from dhopt.units.converter import ConverterInputs
from dhopt.units.storage import StorageInputs

if TYPE_CHECKING:
    from dhopt.weather_years import WeatherYears

log = logging.getLogger(__name__)
_warned: set[str] = set()  # input warnings already given in this process (see PrepareContext.warn)


def capital_recovery_factor(rate: float, years: int) -> float:
    """Annuity factor r / (1 − (1 + r)^−L); 1/L at r = 0."""
    if rate == 0:
        return 1.0 / years
    return rate / (1.0 - (1.0 + rate) ** -years)


def rescale_demand(profile: np.ndarray, peak: float | None, annual: float | None, hours: int) -> np.ndarray:
    """Rescale to a peak, an annual sum (scaled to 8760 h), or both (peak·s^k, k by bisection)."""
    if peak is None and annual is None:
        return profile
    top = profile.max()
    if top <= 0:
        raise ScenarioError("demand.heat_mw: cannot rescale a profile whose peak is not positive")
    s = profile / top
    target_mean = None if annual is None else annual / HOURS_PER_YEAR
    if peak is None:
        return profile * (target_mean / profile.mean())
    if target_mean is None:
        return peak * s
    if target_mean >= peak:
        raise ScenarioError(
            f"demand: scale_to_annual_mwh {annual:g} needs a mean of {target_mean:.3g} MW, "
            f"not below scale_to_peak_mw {peak:g}"
        )
    s = np.clip(s, 0.0, None)
    lo, hi = 1e-3, 50.0
    for _ in range(200):
        k = 0.5 * (lo + hi)
        if peak * np.mean(s**k) > target_mean:
            lo = k
        else:
            hi = k
    out = peak * s ** (0.5 * (lo + hi))
    if abs(out.mean() - target_mean) > 1e-6 * target_mean:
        raise ScenarioError(
            f"demand: this profile cannot be shaped to a mean of {target_mean:.3g} MW under a peak of "
            f"{peak:g} MW (a constant profile has its mean at its peak); give one of scale_to_peak_mw "
            "and scale_to_annual_mwh"
        )
    return out


@dataclass
class SystemInputs:
    """Everything the model builder needs, as plain arrays and numbers."""

    name: str
    hours: int
    year_scale: float  # 8760 / hours: operating costs and energies of the horizon → a year
    time: pd.DatetimeIndex | None
    demand_mw: np.ndarray
    # Electricity first (price "spot" and each adder, €/MWh_el), then each fuel (dhopt.carriers).
    carriers: dict[str, CarrierInputs]
    supply_temperature_c: np.ndarray
    return_temperature_c: np.ndarray
    converters: list[ConverterInputs]
    storages: list[StorageInputs]
    extra_annual_eur: dict[str, float] = field(default_factory=dict)
    pv_mw: np.ndarray | None = None  # on-site PV production, MW (electricity used before the grid)
    pv_export_price: np.ndarray | None = None  # € per MWh of unused PV, if exported
    cooling_demand_mw: np.ndarray | None = None  # to be covered by units whose cold side serves it
    allow_heat_dump: bool = False  # supply ≥ demand, the surplus rejected
    co2_cap_t_per_year: float | None = None  # CO2 of every carrier used, t per year, at most
    # Typical periods (dhopt.aggregate): hours of a year each model hour stands for, and how the
    # periods follow each other (for storage). None: every hour stands for year_scale hours.
    hour_weight: np.ndarray | None = None
    periods: TypicalPeriods | None = None
    scenario_path: Path | None = None  # the scenario file, for messages of later stages
    # Several weather years joined into one horizon (dhopt.weather_years.WeatherYears); None: one.
    years: WeatherYears | None = None
    # Heat that may go unserved at this price, € per MWh (the stress test); None: all must be served.
    unserved_heat_eur_per_mwh: float | None = None

    @property
    def electricity(self) -> CarrierInputs:
        return self.carriers[ELECTRICITY]

    @property
    def price_components(self) -> dict[str, np.ndarray]:
        """Components of the price of grid electricity, €/MWh_el."""
        return self.electricity.price_components

    @property
    def price(self) -> np.ndarray:
        """Price of grid electricity, €/MWh_el."""
        return self.electricity.price

    @property
    def co2_t_per_mwh(self) -> np.ndarray | None:
        """CO2 intensity of grid electricity, t/MWh_el (None: not given)."""
        return self.electricity.co2_t_per_mwh

    @property
    def weights(self) -> np.ndarray:
        """Hours of a year each model hour stands for (sums to 8760)."""
        if self.hour_weight is not None:
            return self.hour_weight
        return np.full(self.hours, self.year_scale)


@dataclass
class TypicalPeriods:
    """The structure of a model built on typical periods (see dhopt.aggregate)."""

    length: int  # hours per period
    order: np.ndarray  # for each period of the original horizon, in time order: its typical period
    counts: np.ndarray  # for each typical period: how many original periods it stands for
    source_hours: int  # hours of the original horizon
    method: str  # e.g. "tsam hierarchical medoids, peak-demand day kept"


class PrepareContext:
    """What unit `prepare` functions may use: series reading, economics, system data."""

    def __init__(self, loaded: LoadedScenario, reader: SeriesReader, hours: int) -> None:
        self.loaded = loaded
        self.reader = reader
        self.hours = hours
        self.discount_rate = loaded.scenario.economics.discount_rate
        self.demand_mw = np.zeros(hours)
        self.supply_temperature_c = np.zeros(hours)
        self.return_temperature_c = np.zeros(hours)
        self.cooling_demand_mw: np.ndarray | None = None
        self.carriers: dict[str, CarrierInputs] = {}  # electricity and the fuels, before the units
        self.has_storage = any(u.type in STORAGE_TYPES for u in loaded.scenario.units.values())

    def fail(self, where: str, message: str) -> NoReturn:
        raise ScenarioError(f"{self.loaded.path}: {where}: {message}")

    def warn(self, where: str, message: str) -> None:
        """A doubtful input that does not stop the run: one line at the normal (warning) level,
        once per process (a sweep prepares the same scenario for every point)."""
        text = f"{self.loaded.path}: {where}: {message}"
        if text not in _warned:
            _warned.add(text)
            log.warning("%s", text)

    def series(self, spec: Series, where: str) -> np.ndarray:
        return self.reader.read(spec, where, self.hours)

    def crf(self, years: int) -> float:
        return capital_recovery_factor(self.discount_rate, years)

    @property
    def peak_demand_mw(self) -> float:
        return float(self.demand_mw.max())

    @property
    def design_temperature_difference_k(self) -> float:
        return float(np.min(self.supply_temperature_c - self.return_temperature_c))

    def add_pipe_costs(self, conv: ConverterInputs, pipe) -> None:
        """Annualised pipe cost (Nordhavn deliverable Table 6): per metre, fixed + per m³/h of design flow."""
        crf = self.crf(pipe.lifetime_years)
        flow_per_mw = 1.0 / (1.163e-3 * self.design_temperature_difference_k)  # m³/h per MW
        conv.annual_fixed_eur["pipe"] = crf * pipe.length_m * pipe.cost_fixed_eur_per_m
        conv.annual_per_mw_eur["pipe"] = crf * pipe.length_m * pipe.cost_eur_per_m_per_m3h * flow_per_mw

    def _warn_if_never_runs(self, where: str, min_load: float, upper: np.ndarray, loss: float) -> None:
        """A minimum load the unit can never reach: above its availability in every hour, or above
        the peak demand when all its heat must go to the demand at once (no storage, no dump)."""
        if min_load <= 0:
            return
        if upper.size and np.all(upper < min_load):
            self.warn(
                f"{where}.min_load_mw",
                f"{min_load:g} MW is above the unit's hourly availability in every hour of the horizon; "
                "the unit can never run",
            )
        elif not self.has_storage and not self.loaded.scenario.district_heating.allow_heat_dump:
            peak = self.peak_demand_mw / (1.0 - loss)
            if min_load > peak:
                self.warn(
                    f"{where}.min_load_mw",
                    f"{min_load:g} MW is above the horizon's peak demand ({peak:.3g} MW at the unit) "
                    "and there is no storage and no heat dump; the unit can never run",
                )

    def fuel(self, where: str, name: str) -> str:
        """The name of a fuel the scenario defines (a unit's `fuel:` field), else a clear error."""
        carrier = self.carriers.get(name)
        if carrier is None or not carrier.is_fuel:
            known = ", ".join(n for n, c in self.carriers.items() if c.is_fuel) or "none"
            self.fail(where, f"expected one of the scenario's fuels ({known}), found '{name}'")
        return name

    def converter_base(
        self,
        name: str,
        kind: str,
        source: str,
        uses: dict[str, np.ndarray],
        upper: np.ndarray,
        cfg,
        loss: float,
    ) -> ConverterInputs:
        """The fields every heat producer shares (capacities, investment, O&M); `uses`: carrier →
        MWh used per MWh of heat, per hour."""
        where = f"units.{name}"
        if cfg.capacity_max_mw is not None and cfg.capacity_min_mw > cfg.capacity_max_mw:
            self.fail(f"{where}.capacity_min_mw", "is above capacity_max_mw")
        if (
            cfg.capacity_mw is not None
            and cfg.capacity_max_mw is not None
            and cfg.capacity_mw > cfg.capacity_max_mw
        ):
            self.fail(
                f"{where}.capacity_mw",
                f"fixed capacity {cfg.capacity_mw:g} MW is above capacity_max_mw {cfg.capacity_max_mw:g} MW",
            )
        self._warn_if_never_runs(where, cfg.min_load_mw, upper, loss)
        if cfg.retired:  # unavailable: fixed at 0 MW, no existing capacity, so no cost at all
            cfg = cfg.model_copy(update={"capacity_mw": 0.0, "existing_mw": 0.0, "capacity_min_mw": 0.0})
        user_max = np.inf if cfg.capacity_max_mw is None else cfg.capacity_max_mw
        # The model's bound is set once every unit is prepared (dhopt.bounds.apply_capacity_bounds).
        bound = user_max if cfg.capacity_mw is None else cfg.capacity_mw
        crf = self.crf(cfg.investment.lifetime_years)
        return ConverterInputs(
            name=name,
            kind=kind,
            source=source,
            uses_per_mwh=uses,
            upper_mw=upper,
            capacity_max_mw=user_max,
            capacity_bound_mw=bound,
            capacity_bound_is_derived=cfg.capacity_mw is None and cfg.capacity_max_mw is None,
            capacity_min_mw=cfg.capacity_min_mw,
            capacity_fixed_mw=cfg.capacity_mw,
            min_load_mw=cfg.min_load_mw,
            heat_loss_fraction=loss,
            annual_fixed_eur={"investment": crf * cfg.investment.fixed_eur},
            annual_per_mw_eur={
                "investment": crf * cfg.investment.per_mw_eur,
                "fixed_om": cfg.om.fixed_eur_per_mw_year,
            },
            variable_om_eur_per_mwh=cfg.om.variable_eur_per_mwh,
            capacity_existing_mw=cfg.existing_mw,
            starts=prepare_starts(getattr(cfg, "starts", None), cfg.min_load_mw, self, where),
        )


def prepare_inputs(loaded: LoadedScenario, hours: int | None = None) -> SystemInputs:
    """Read every series of the scenario and derive COP and annualised costs."""
    sc = loaded.scenario
    if sc.weather_years:
        from dhopt.weather_years import prepare_weather_years

        return prepare_weather_years(loaded, hours)
    reader = SeriesReader(loaded.path)
    # A constant demand lasts the asked-for horizon; a file's demand sets the horizon's length.
    from_file = isinstance(sc.demand.heat_mw, SeriesFromFile)
    raw_demand = reader.read(sc.demand.heat_mw, "demand.heat_mw", None if from_file else sc.hours or hours)
    available = len(raw_demand)
    if from_file:
        reader.expected_rows = available
    n = hours or sc.hours or available
    if n > available:
        raise ScenarioError(f"{loaded.path}: hours: asked for {n} hours, but demand.heat_mw has {available}")
    ctx = PrepareContext(loaded, reader, n)
    if np.any(raw_demand < 0):
        row = int(np.argmax(raw_demand < 0))
        ctx.fail("demand.heat_mw", f"expected values ≥ 0, found a negative one in hour {row}")
    # The full series is rescaled before the horizon is cut: a short horizon keeps its place in
    # the year (a cold January week stays cold) instead of being scaled to the year's peak and mean.
    try:
        demand = sc.demand
        scaled = rescale_demand(raw_demand, demand.scale_to_peak_mw, demand.scale_to_annual_mwh, available)
    except ScenarioError as exc:
        raise ScenarioError(f"{loaded.path}: {exc}") from None
    ctx.demand_mw = scaled[:n]
    ctx.supply_temperature_c = network_temperature(
        sc.district_heating.supply_temperature_c, ctx, "district_heating.supply_temperature_c"
    )
    ctx.return_temperature_c = network_temperature(
        sc.district_heating.return_temperature_c, ctx, "district_heating.return_temperature_c"
    )
    if np.any(ctx.supply_temperature_c <= ctx.return_temperature_c):
        row = int(np.argmax(ctx.supply_temperature_c <= ctx.return_temperature_c))
        ctx.fail("district_heating", f"supply temperature must be above return; not so in hour {row}")
    prices = {"spot": ctx.series(sc.electricity.spot_price_eur_per_mwh, "electricity.spot_price_eur_per_mwh")}
    for name, spec in sc.electricity.adders_eur_per_mwh.items():
        if name == "spot":
            ctx.fail("electricity.adders_eur_per_mwh.spot", "the name 'spot' is reserved")
        prices[name] = ctx.series(spec, f"electricity.adders_eur_per_mwh.{name}")
    co2 = None
    if sc.electricity.co2_t_per_mwh is not None:
        co2 = ctx.series(sc.electricity.co2_t_per_mwh, "electricity.co2_t_per_mwh")
    co2_price = ctx.series(sc.economics.co2_price_eur_per_t, "economics.co2_price_eur_per_t")
    co2_cap = sc.economics.co2_cap_t_per_year
    fuel_co2 = any(f.co2_t_per_mwh > 0 for f in sc.fuels.values())
    if (np.any(co2_price) or co2_cap is not None) and co2 is None and not fuel_co2:
        which = "co2_price_eur_per_t" if np.any(co2_price) else "co2_cap_t_per_year"
        ctx.fail(
            f"economics.{which}",
            "needs electricity.co2_t_per_mwh or a fuel with a co2_t_per_mwh (the CO2 it prices or caps)",
        )
    if np.any(co2_price) and co2 is not None:
        if "co2" in prices:
            ctx.fail("electricity.adders_eur_per_mwh.co2", "the name 'co2' is reserved for the CO2 price")
        # The CO2 price is one more component of the price of grid electricity, € per MWh_el.
        prices["co2"] = co2_price * co2
    ctx.carriers = {ELECTRICITY: CarrierInputs(ELECTRICITY, prices, co2, None, is_fuel=False)}
    for fuel_name, fuel in sc.fuels.items():
        ctx.carriers[fuel_name] = prepare_fuel(fuel_name, fuel, co2_price, ctx)
    pv = export = cooling = None
    if sc.electricity.onsite_pv_mw is not None:
        pv = ctx.series(sc.electricity.onsite_pv_mw, "electricity.onsite_pv_mw")
        export = ctx.series(
            sc.electricity.pv_export_price_eur_per_mwh, "electricity.pv_export_price_eur_per_mwh"
        )
        if np.any(pv < 0):
            ctx.fail("electricity.onsite_pv_mw", "expected values ≥ 0, found a negative one")
    if sc.demand.cooling_mw is not None:
        cooling = ctx.series(sc.demand.cooling_mw, "demand.cooling_mw")
        ctx.cooling_demand_mw = cooling
    converters: list[ConverterInputs] = []
    storages: list[StorageInputs] = []
    for name, cfg in sc.units.items():
        prepared = UNIT_TYPES[cfg.type][1](name, cfg, ctx)
        (storages if isinstance(prepared, StorageInputs) else converters).append(prepared)
    if cooling is not None and not any(u.cooling_per_mwh is not None for u in converters):
        ctx.fail("demand.cooling_mw", "no unit serves it (give a heat pump a 'cooling' entry)")
    extra = {
        name: ctx.crf(x.lifetime_years) * x.investment_eur
        for name, x in sc.extra_investments.items()
        if x.include
    }
    from dhopt.bounds import apply_capacity_bounds  # needs every unit prepared

    return apply_capacity_bounds(
        SystemInputs(
            name=sc.name,
            hours=n,
            year_scale=HOURS_PER_YEAR / n,
            time=reader.timestamps(sc.demand.heat_mw, n),
            demand_mw=ctx.demand_mw,
            carriers=ctx.carriers,
            co2_cap_t_per_year=co2_cap,
            supply_temperature_c=ctx.supply_temperature_c,
            return_temperature_c=ctx.return_temperature_c,
            converters=converters,
            storages=storages,
            extra_annual_eur=extra,
            pv_mw=pv,
            pv_export_price=export,
            cooling_demand_mw=cooling,
            allow_heat_dump=sc.district_heating.allow_heat_dump,
            scenario_path=loaded.path,
        )
    )
