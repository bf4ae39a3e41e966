"""Network-temperature comparison (Nordhavn deliverable, Part I): LTDH, ULTDH with boosters, individual HPs.

For a new district of fixed land area (340 000 m², Levantkaj) the levelised cost of heat (LCOE) of

* low-temperature district heating (LTDH, e.g. 80/50, 70/40, 60/30 °C) from a central unit,
* ultra-low-temperature district heating (ULTDH, 40/25 °C) whose domestic hot water (DHW) is lifted by a
  decentral booster (booster heat pump on the DH water per building, micro-booster per apartment, or an
  air-source heat pump per building), and
* individual units per building (air-to-water and brine-to-water heat pumps, electric heaters)

is computed over a range of plot ratios and hence linear heat densities, and for several space-heating
shares and central heat sources. The equations are the deliverable's (numbers refer to its Part I; see
docs/network-comparison.md):

* eq. 1  linear heat density q_l = Q/L = q_s · PR · w, with the effective width w of Persson & Werner [25];
* eq. 2  annual heat loss share 0.2748 · q_l^−0.653 · (T_f + T_r − 2 T_g) / (73.71 + 40.52 − 2 T_g);
* eq. 3  mean volume flow V̇ = (Q_delivered / 8760 h) / (c_p · (T_f − T_r) · ρ), pumped against a fixed
  gradient (100 Pa/m) over the network length plus 1 bar over the substations;
* eq. 4  booster fixed O&M 229.6 + 3852.6 · Q̇_nom [€ per unit and year, Q̇ in MW];
* eq. 5–7 COP from the exergy efficiency ε and the logarithmic mean temperatures of sink and source with
  the dead state T_0 (10.5 °C):  COP = [1 − (T_m,source / T_0) · ((1/ε)(T_0 / T_m,sink − 1) + 1)]^−1;
* eq. 8  system COP = Σ heat demand / Σ electricity;
* Table 1 cost functions a · Q̇^b [M€/MW] and lifetimes; network investment L · (C1 + C2 · d_a) after
  Persson & Werner / Frederiksen & Werner [25, 34];
* LCOE (1.2.3.3): all costs over the horizon (20 a) with reinvestment and the residual value of
  longer-lived parts subtracted, discounted, over the discounted heat demand.

Hourly resolution enters through the space-heating profile (degree hours of the outdoor temperature), the
air-source COPs and the electricity price; DHW and network losses are flat over the year. Because every
hourly sum is linear in the annual space-heating and flat loads, they are reduced to a few factors per
unit once, and all sweeps are vectorised over the plot ratio.

What we reconstructed from the garbled PDF text and what we assumed: docs/network-comparison.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from dhopt.errors import ScenarioError
from dhopt.inputs import SeriesReader
from dhopt.network_formulas import (  # noqa: F401  (the comparison's formulas, importable from here too)
    HOURS,
    KELVIN,
    average_pipe_diameter_m,
    cop_exergy,
    effective_width_m,
    heat_loss_share,
    investment_present_value_factor,
    levelising_factor,
    log_mean_temperature_k,
    pumping_power_kw,
    volume_flow_m3_per_h,
)
from dhopt.network_schema import (  # noqa: F401  (the scenario schema, importable from here too)
    CostFunction,
    Figure,
    NetworkComparisonScenario,
    TemperaturePair,
    load_network_scenario,
)
from dhopt.schema import (
    Series,
)

# LCOE components, in the order of the cost-composition bars.
COMPONENTS: tuple[str, ...] = (
    "network_investment",
    "network_om",
    "substation_investment",
    "substation_om",
    "central_investment",
    "central_om",
    "central_electricity",
    "central_fuel",
    "pumping_electricity",
    "booster_investment",
    "booster_fixed_om",
    "booster_electricity",
    "individual_investment",
    "individual_om",
    "individual_electricity",
)


# ---------------------------------------------------------------------------------------------
# The calculation.


@dataclass(frozen=True)
class LoadFactors:
    """Electricity of a unit serving the load Q_sh · s_h + Q_flat / 8760 over the hours h:
    W = Q_sh · inv_cop_sh + Q_flat · inv_cop_flat, cost = Q_sh · cost_sh + Q_flat · cost_flat."""

    inv_cop_sh: float
    inv_cop_flat: float
    cost_sh: float
    cost_flat: float

    @staticmethod
    def of(cop: np.ndarray, price: np.ndarray, sh_shape: np.ndarray) -> LoadFactors:
        inv = 1.0 / cop
        return LoadFactors(
            float(np.sum(sh_shape * inv)),
            float(np.mean(inv)),
            float(np.sum(sh_shape * price * inv)),
            float(np.mean(price * inv)),
        )


@dataclass(frozen=True)
class Concept:
    """One supply concept of a study."""

    study: str
    kind: Literal["dh", "individual"]
    temperature_set: str = ""
    central_source: str = ""
    booster: str = ""
    individual: str = ""

    @property
    def key(self) -> str:
        if self.kind == "individual":
            return f"individual/{self.individual}"
        return "/".join(x for x in (self.temperature_set, self.central_source, self.booster) if x)


@dataclass
class NetworkComparison:
    """The prepared scenario: hourly profiles read, COP factors cached; evaluate concepts by plot ratio."""

    scenario: NetworkComparisonScenario
    path: Path
    air_c: np.ndarray
    sh_shape: np.ndarray
    price_central: np.ndarray
    price_decentral: np.ndarray
    reader: SeriesReader
    _factors: dict[tuple, LoadFactors] = field(default_factory=dict)

    # ----- preparation -----------------------------------------------------------------------

    @classmethod
    def from_file(cls, path: str | Path) -> NetworkComparison:
        path = Path(path)
        return cls.from_scenario(load_network_scenario(path), path)

    @classmethod
    def from_scenario(cls, sc: NetworkComparisonScenario, path: Path) -> NetworkComparison:
        reader = SeriesReader(path)
        air = reader.read(sc.weather.air_temperature_c, "weather.air_temperature_c", HOURS)
        spot = reader.read(sc.electricity.spot_price_eur_per_mwh, "electricity.spot_price_eur_per_mwh", HOURS)
        degree = np.maximum(sc.demand.heating_base_temperature_c - air, 0.0)
        if degree.sum() <= 0:
            raise ScenarioError(
                f"{path}: demand.heating_base_temperature_c: no hour is below "
                f"{sc.demand.heating_base_temperature_c:g} °C, so there is no space-heating profile"
            )
        return cls(
            scenario=sc,
            path=path,
            air_c=air,
            sh_shape=degree / degree.sum(),
            price_central=spot + sum(sc.electricity.central_adders_eur_per_mwh.values()),
            price_decentral=spot + sum(sc.electricity.decentral_adders_eur_per_mwh.values()),
            reader=reader,
        )

    def _source_series(self, spec: Series, where: str) -> np.ndarray:
        return self.reader.read(spec, where, HOURS)

    def _cop(
        self, where: str, sink: tuple[float, float], source_in: np.ndarray, cooling: float, eps: float
    ) -> np.ndarray:
        cop = np.broadcast_to(
            cop_exergy(
                sink[0],
                sink[1],
                source_in,
                source_in - cooling,
                eps,
                self.scenario.cop.dead_state_temperature_c,
            ),
            (HOURS,),
        )
        bad = np.flatnonzero(~np.isfinite(cop) | (cop < 1.0))
        if bad.size:
            h = int(bad[0])
            t_src = float(np.broadcast_to(source_in, (HOURS,))[h])
            raise ScenarioError(
                f"{self.path}: {where}: eq. 6 gives no usable COP (found {cop[h]:.3g}) in hour {h} for the "
                f"sink {sink[0]:g}→{sink[1]:g} °C and a source at {t_src:.3g} °C "
                f"(source at or above the sink, or ε too low)"
            )
        return np.asarray(cop, dtype=float)

    def _load_factors(self, key: tuple, make_cop, price: np.ndarray) -> LoadFactors:
        if key not in self._factors:
            self._factors[key] = LoadFactors.of(make_cop(), price, self.sh_shape)
        return self._factors[key]

    def central_is_heat_pump(self, source: str, tset: str) -> bool:
        src = self.scenario.central_sources[source]
        if src.kind == "boiler":
            return False
        if src.kind == "waste_heat":
            return float(src.source_temperature_c) < self.scenario.temperature_sets[tset].forward_c
        return True

    def central_factors(self, source: str, tset: str) -> LoadFactors:
        src = self.scenario.central_sources[source]
        ts = self.scenario.temperature_sets[tset]
        where = f"central_sources.{source}"

        def make() -> np.ndarray:
            t_src = self._source_series(src.source_temperature_c, f"{where}.source_temperature_c")
            return self._cop(
                where, (ts.return_c, ts.forward_c), t_src, src.source_cooling_k, src.exergy_efficiency
            )

        return self._load_factors(("central", source, tset), make, self.price_central)

    def booster_sink_in_c(self, tset: str) -> float:
        d = self.scenario.demand
        return min(
            self.scenario.temperature_sets[tset].forward_c - d.dhw_preheat_approach_k, d.dhw_temperature_c
        )

    def booster_factors(self, booster: str, tset: str) -> LoadFactors:
        b = self.scenario.boosters[booster]
        ts = self.scenario.temperature_sets[tset]
        sink = (self.booster_sink_in_c(tset), self.scenario.demand.booster_sink_outlet_c)
        where = f"boosters.{booster}"

        def make() -> np.ndarray:
            if b.source == "district_heating":  # the DH water, cooled from forward to return
                src_in, cooling = np.full(HOURS, ts.forward_c), ts.forward_c - ts.return_c
            else:
                src_in, cooling = self.air_c, b.source_cooling_k
            return self._cop(where, sink, src_in, cooling, b.exergy_efficiency)

        return self._load_factors(("booster", booster, tset), make, self.price_decentral)

    def individual_factors(self, unit: str) -> tuple[LoadFactors, LoadFactors]:
        """(space heating, DHW) factors of an individual unit."""
        u = self.scenario.individual[unit]
        d = self.scenario.demand
        where = f"individual.{unit}"
        out = []
        for part, sink in (("sh", d.space_heating_sink), ("dhw", d.individual_dhw_sink)):

            def make(sink: TemperaturePair = sink) -> np.ndarray:
                if u.kind == "electric":
                    return np.ones(HOURS)
                t_src = self._source_series(u.source_temperature_c, f"{where}.source_temperature_c")
                return self._cop(
                    where, (sink.inlet_c, sink.outlet_c), t_src, u.source_cooling_k, u.exergy_efficiency
                )

            out.append(self._load_factors(("individual", unit, part), make, self.price_decentral))
        return out[0], out[1]

    # ----- demand ----------------------------------------------------------------------------

    def _demand(self, sh_share: float, plot_ratio: np.ndarray) -> dict[str, np.ndarray]:
        sc = self.scenario
        floor = np.asarray(plot_ratio, dtype=float) * sc.area.land_area_m2
        q_dhw = sc.demand.dhw_kwh_per_m2_year / 1000.0  # MWh/m²
        q_sh = q_dhw * sh_share / (1.0 - sh_share)  # the DHW demand is fixed; SH share of the total
        if sc.area.building_plot_area_m2 is not None:
            buildings = np.full_like(floor, sc.area.land_area_m2 / sc.area.building_plot_area_m2)
        else:
            buildings = floor / sc.area.building_floor_area_m2
        fb = floor / buildings
        peak_building_mw = (q_sh * self.sh_shape.max() + sc.demand.dhw_design_factor * q_dhw / HOURS) * fb
        return {
            "floor_area_m2": floor,
            "sh_mwh": q_sh * floor,
            "dhw_mwh": q_dhw * floor,
            "heat_demand_mwh": (q_sh + q_dhw) * floor,
            "specific_heat_demand_kwh_per_m2": np.full_like(floor, (q_sh + q_dhw) * 1000.0),
            "buildings": buildings,
            "building_floor_area_m2": fb,
            "apartments": floor / sc.area.apartment_floor_area_m2,
            "building_peak_kw": peak_building_mw * 1000.0,
        }

    def _levelised(self, cost: CostFunction, investment_eur: np.ndarray) -> np.ndarray:
        e = self.scenario.economics
        return investment_eur * levelising_factor(e.discount_rate, cost.lifetime_years, e.horizon_years)

    # ----- district heating ------------------------------------------------------------------

    def evaluate_dh(
        self,
        tset: str,
        source: str,
        booster: str | None,
        sh_share: float,
        plot_ratio: Any,
        exclude_booster_fixed_om: bool = False,
    ) -> dict[str, np.ndarray]:
        """Annual energy, costs and LCOE (€/MWh of heat demand) of a DH concept for each plot ratio."""
        sc = self.scenario
        ts = sc.temperature_sets[tset]
        src = sc.central_sources[source]
        net = sc.network
        pr = np.atleast_1d(np.asarray(plot_ratio, dtype=float))
        r = self._demand(sh_share, pr)
        zero = np.zeros_like(pr)
        annual = {c: zero.copy() for c in COMPONENTS}

        # Decentral DHW boosting (ULTDH): DH preheats DHW, the booster lifts it to the DHW temperature.
        needs_boost = ts.forward_c < sc.demand.dhw_direct_min_forward_c
        if needs_boost and not booster:
            raise ScenarioError(f"{self.path}: temperature set '{tset}' needs a DHW booster")
        if not needs_boost:
            booster = None
        boost_mwh = booster_el = zero
        dhw_from_dh = r["dhw_mwh"]
        units = unit_kw = zero
        booster_scop = np.nan
        if booster:
            b = sc.boosters[booster]
            d = sc.demand
            pre = (self.booster_sink_in_c(tset) - d.cold_water_temperature_c) / (
                d.dhw_temperature_c - d.cold_water_temperature_c
            )
            boost_mwh = (1.0 - min(max(pre, 0.0), 1.0)) * r["dhw_mwh"]
            f = self.booster_factors(booster, tset)
            booster_el = boost_mwh * f.inv_cop_flat
            booster_scop = 1.0 / f.inv_cop_flat
            annual["booster_electricity"] = boost_mwh * f.cost_flat
            # A DH-sourced booster takes its source heat from the network; an air-source one does not.
            dhw_from_dh = r["dhw_mwh"] - (booster_el if b.source == "district_heating" else boost_mwh)
            units = r["buildings"] if b.level == "building" else r["apartments"]
            unit_mw = d.dhw_design_factor * (boost_mwh / units) / HOURS
            unit_kw = unit_mw * 1000.0
            annual["booster_investment"] = self._levelised(b.cost, units * b.cost.investment_eur(unit_mw))
            if not exclude_booster_fixed_om:
                annual["booster_fixed_om"] = units * (
                    b.fixed_om_eur_per_unit_year + b.fixed_om_eur_per_mw_year * unit_mw
                )

        # Network: effective width, length, linear heat density, heat loss (eq. 1–2).
        delivered = r["sh_mwh"] + dhw_from_dh
        width = effective_width_m(pr, net.effective_width.coefficient_m, net.effective_width.exponent)
        length = sc.area.land_area_m2 / width
        q_l = delivered / length
        hl = net.heat_loss
        share = heat_loss_share(
            q_l,
            ts.forward_c,
            ts.return_c,
            hl.ground_temperature_c,
            hl.coefficient,
            hl.exponent,
            hl.reference_forward_c,
            hl.reference_return_c,
        )
        feasible = share < 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            into_network = np.where(feasible, delivered / (1.0 - share), np.nan)
        loss = into_network - delivered

        # Network investment (Persson & Werner): L · (C1 + C2 · d_a), cost class by plot ratio.
        dt_ref = net.cost.reference_temperature_difference_k
        flow_scale = dt_ref / (ts.forward_c - ts.return_c) if dt_ref else 1.0
        diameter = average_pipe_diameter_m(
            q_l * 3.6 * flow_scale, net.cost.diameter_slope_m, net.cost.diameter_intercept_m
        )
        c1, c2 = zero.copy(), zero.copy()
        lower = np.zeros_like(pr, dtype=bool)
        for cls in net.cost.classes:
            here = ~lower & (pr < cls.plot_ratio_below if cls.plot_ratio_below is not None else True)
            c1[here], c2[here] = cls.c1_eur_per_m, cls.c2_eur_per_m2
            lower |= here
        net_inv = length * (c1 + c2 * diameter)
        e = sc.economics
        annual["network_investment"] = net_inv * levelising_factor(
            e.discount_rate, net.cost.lifetime_years, e.horizon_years
        )
        annual["network_om"] = net.cost.fixed_om_share_of_investment * net_inv

        # Pumping (eq. 3): mean flow against gradient · network length + substation Δp.
        pp = net.pumping
        flow = volume_flow_m3_per_h(
            delivered,
            ts.forward_c,
            ts.return_c,
            pp.water_heat_capacity_kj_per_kg_k,
            pp.water_density_kg_per_m3,
        )
        pump_mwh = (
            pumping_power_kw(
                flow,
                length,
                pp.pressure_gradient_pa_per_m,
                pp.substation_pressure_drop_pa,
                pp.pump_efficiency,
            )
            * HOURS
            / 1000.0
        )
        annual["pumping_electricity"] = pump_mwh * float(np.mean(self.price_central))

        # Substations, one per building, sized on the building's peak.
        n_b = r["buildings"]
        sub_mw = r["building_peak_kw"] / 1000.0
        sub_inv = n_b * sc.substation.investment_eur(sub_mw)
        annual["substation_investment"] = self._levelised(sc.substation, sub_inv)
        annual["substation_om"] = (
            sc.substation.fixed_om_share_of_investment * sub_inv
            + sc.substation.fixed_om_eur_per_mw_year * n_b * sub_mw
        )

        # Central unit: serves Q_sh · s_h + (DHW from DH + loss) / 8760; sized on the peak hour.
        flat = dhw_from_dh + loss
        peak_mw = r["sh_mwh"] * self.sh_shape.max() + flat / HOURS
        central_el = zero
        central_scop = np.nan
        if src.kind == "boiler":
            annual["central_fuel"] = into_network / src.efficiency * src.fuel_price_eur_per_mwh
            inv = src.cost.investment_eur(peak_mw)
            om_cost = src.cost
        elif self.central_is_heat_pump(source, tset):
            f = self.central_factors(source, tset)
            central_el = r["sh_mwh"] * f.inv_cop_sh + flat * f.inv_cop_flat
            central_scop = into_network / central_el
            annual["central_electricity"] = r["sh_mwh"] * f.cost_sh + flat * f.cost_flat
            inv = src.cost.investment_eur(peak_mw)
            om_cost = src.cost
            if src.kind == "waste_heat":
                annual["central_fuel"] = (into_network - central_el) * src.heat_price_eur_per_mwh
                hex_inv = src.heat_exchanger_cost.investment_eur(peak_mw)
                annual["central_investment"] += self._levelised(src.heat_exchanger_cost, hex_inv)
                annual["central_om"] += self._om(src.heat_exchanger_cost, hex_inv, peak_mw, zero)
        else:  # waste heat hot enough for the forward temperature: heat exchanger only
            annual["central_fuel"] = into_network * src.heat_price_eur_per_mwh
            inv = src.heat_exchanger_cost.investment_eur(peak_mw)
            om_cost = src.heat_exchanger_cost
        annual["central_investment"] += self._levelised(om_cost, inv)
        annual["central_om"] += self._om(om_cost, inv, peak_mw, into_network)

        total_el = central_el + pump_mwh + booster_el
        out = dict(r)
        out.update(
            {
                "effective_width_m": width,
                "trench_length_m": length,
                "heat_delivered_by_network_mwh": delivered,
                "linear_heat_density_mwh_per_m": q_l,
                "heat_loss_share": np.where(feasible, share, np.nan),
                "heat_loss_mwh": loss,
                "heat_into_network_mwh": into_network,
                "average_pipe_diameter_m": diameter,
                "network_investment_eur": net_inv,
                "volume_flow_m3_per_h": flow,
                "pumping_electricity_mwh": pump_mwh,
                "central_capacity_mw": peak_mw,
                "central_scop": np.broadcast_to(central_scop, pr.shape).astype(float),
                "central_electricity_mwh": central_el + zero,
                "booster_units": units + zero,
                "booster_unit_kw": unit_kw + zero,
                "booster_heat_mwh": boost_mwh + zero,
                "booster_scop": np.full_like(pr, booster_scop),
                "booster_electricity_mwh": booster_el + zero,
                "individual_scop": np.full_like(pr, np.nan),
                "individual_electricity_mwh": zero,
                "electricity_mwh": total_el,
                "system_cop": np.where(src.kind == "boiler", np.nan, r["heat_demand_mwh"] / total_el),
            }
        )
        return self._finish(out, annual, r["heat_demand_mwh"], feasible)

    @staticmethod
    def _om(cost: CostFunction, inv: np.ndarray, cap_mw: np.ndarray, heat_mwh: np.ndarray) -> np.ndarray:
        return (
            cost.fixed_om_share_of_investment * inv
            + cost.fixed_om_eur_per_mw_year * cap_mw
            + cost.variable_om_eur_per_mwh * heat_mwh
        )

    @staticmethod
    def _finish(
        out: dict[str, Any], annual: dict[str, np.ndarray], demand: np.ndarray, feasible: np.ndarray
    ) -> dict[str, np.ndarray]:
        total = np.zeros_like(demand)
        for c in COMPONENTS:
            lcoe = np.where(feasible, annual[c] / demand, np.nan)
            out[f"lcoe_{c}_eur_per_mwh"] = lcoe
            total = total + lcoe
        out["lcoe_eur_per_mwh"] = total
        out["annual_cost_eur"] = total * demand
        return out

    # ----- individual units ------------------------------------------------------------------

    def evaluate_individual(self, unit: str, sh_share: float, plot_ratio: Any) -> dict[str, np.ndarray]:
        """One unit per building, sized on the building's peak; LCOE does not depend on the plot ratio."""
        sc = self.scenario
        u = sc.individual[unit]
        pr = np.atleast_1d(np.asarray(plot_ratio, dtype=float))
        r = self._demand(sh_share, pr)
        zero = np.zeros_like(pr)
        annual = {c: zero.copy() for c in COMPONENTS}
        f_sh, f_dhw = self.individual_factors(unit)
        el = r["sh_mwh"] * f_sh.inv_cop_sh + r["dhw_mwh"] * f_dhw.inv_cop_flat
        annual["individual_electricity"] = r["sh_mwh"] * f_sh.cost_sh + r["dhw_mwh"] * f_dhw.cost_flat
        cap_mw = r["building_peak_kw"] / 1000.0
        inv = r["buildings"] * u.cost.investment_eur(cap_mw)
        annual["individual_investment"] = self._levelised(u.cost, inv)
        annual["individual_om"] = self._om(u.cost, inv, r["buildings"] * cap_mw, r["heat_demand_mwh"])
        out = dict(r)
        nan = np.full_like(pr, np.nan)
        for k in (
            "effective_width_m",
            "trench_length_m",
            "heat_delivered_by_network_mwh",
            "linear_heat_density_mwh_per_m",
            "heat_loss_share",
            "heat_loss_mwh",
            "heat_into_network_mwh",
            "average_pipe_diameter_m",
            "network_investment_eur",
            "volume_flow_m3_per_h",
            "central_capacity_mw",
            "central_scop",
            "booster_scop",
            "booster_unit_kw",
        ):
            out[k] = nan
        out.update(
            {
                "pumping_electricity_mwh": zero,
                "central_electricity_mwh": zero,
                "booster_units": zero,
                "booster_heat_mwh": zero,
                "booster_electricity_mwh": zero,
                "individual_scop": r["heat_demand_mwh"] / el,
                "individual_electricity_mwh": el,
                "electricity_mwh": el,
                "system_cop": r["heat_demand_mwh"] / el,
            }
        )
        # The density of the area still describes the row (for plots against q_l).
        w = effective_width_m(
            pr, sc.network.effective_width.coefficient_m, sc.network.effective_width.exponent
        )
        out["linear_heat_density_mwh_per_m"] = r["heat_demand_mwh"] / (sc.area.land_area_m2 / w)
        return self._finish(out, annual, r["heat_demand_mwh"], np.ones_like(pr, dtype=bool))

    # ----- concepts, tables ------------------------------------------------------------------

    def concepts(self, study: str) -> list[Concept]:
        st = self.scenario.studies[study]
        out = []
        for t in st.temperature_sets:
            boosted = (
                self.scenario.temperature_sets[t].forward_c < self.scenario.demand.dhw_direct_min_forward_c
            )
            for s in st.central_sources:
                for b in st.boosters if boosted else [""]:
                    out.append(Concept(study, "dh", t, s, b))
        out += [Concept(study, "individual", individual=u) for u in st.individual]
        return out

    def evaluate(
        self, concept: Concept, sh_share: float, plot_ratio: Any, exclude_booster_fixed_om: bool = False
    ) -> dict[str, np.ndarray]:
        if concept.kind == "individual":
            return self.evaluate_individual(concept.individual, sh_share, plot_ratio)
        return self.evaluate_dh(
            concept.temperature_set,
            concept.central_source,
            concept.booster or None,
            sh_share,
            plot_ratio,
            exclude_booster_fixed_om,
        )

    def label(self, concept: Concept) -> str:
        sc = self.scenario
        if concept.kind == "individual":
            return f"individual {sc.individual[concept.individual].label}"
        parts = [
            sc.temperature_sets[concept.temperature_set].label,
            sc.central_sources[concept.central_source].label,
        ]
        if concept.booster:
            parts.append(sc.boosters[concept.booster].label)
        return " · ".join(parts)

    def _rows(
        self, concept: Concept, sh_share: float, values: dict[str, np.ndarray], pr: np.ndarray
    ) -> pd.DataFrame:
        sc = self.scenario
        ts = sc.temperature_sets.get(concept.temperature_set)
        head = {
            "study": concept.study,
            "concept": concept.key,
            "label": self.label(concept),
            "kind": concept.kind,
            "temperature_set": concept.temperature_set,
            "forward_c": ts.forward_c if ts else np.nan,
            "return_c": ts.return_c if ts else np.nan,
            "central_source": concept.central_source,
            "booster": concept.booster,
            "individual_unit": concept.individual,
            "space_heating_share": sh_share,
            "plot_ratio": pr,
        }
        df = pd.DataFrame(head | {k: np.broadcast_to(v, pr.shape) for k, v in values.items()})
        return df

    def table(self) -> pd.DataFrame:
        """One row per study, concept, space-heating share and plot ratio of the studies' grids."""
        frames = []
        for sname, st in self.scenario.studies.items():
            pr = np.asarray(st.plot_ratios, dtype=float)
            for concept in self.concepts(sname):
                for s in st.space_heating_shares:
                    frames.append(self._rows(concept, s, self.evaluate(concept, s, pr), pr))
        return pd.concat(frames, ignore_index=True)

    def reference_lcoe(self, study: str, sh_share: float) -> float:
        ref = self.scenario.studies[study].reference_individual
        return float(self.evaluate_individual(ref, sh_share, np.array([1.0]))["lcoe_eur_per_mwh"][0])

    def min_feasible(self, concept: Concept, sh_share: float) -> dict[str, Any]:
        """The plot ratio (and linear heat density) above which the DH concept is cheaper than the study's
        reference individual unit throughout the search range (deliverable Figure 3)."""
        ms = self.scenario.min_feasible_search
        ref = self.reference_lcoe(concept.study, sh_share)
        grid = np.geomspace(ms.plot_ratio_min, ms.plot_ratio_max, ms.points)
        diff = self.evaluate(concept, sh_share, grid)["lcoe_eur_per_mwh"] - ref
        cheaper = np.isfinite(diff) & (diff < 0)
        status, pr_star = "found", np.nan
        if cheaper.all():
            status, pr_star = "below_search_range", ms.plot_ratio_min
        elif not cheaper[-1]:
            status = "not_in_search_range"
        else:
            # Refine the last crossing on a fine grid, then interpolate linearly between its two points.
            j = int(np.flatnonzero(~cheaper)[-1])
            fine = np.linspace(grid[j], grid[j + 1], 257)
            d = self.evaluate(concept, sh_share, fine)["lcoe_eur_per_mwh"] - ref
            k = int(np.flatnonzero(~(np.isfinite(d) & (d < 0)))[-1])
            pr_star = fine[k + 1]
            if np.isfinite(d[k]) and d[k] > d[k + 1]:
                pr_star = fine[k] + (fine[k + 1] - fine[k]) * d[k] / (d[k] - d[k + 1])
        q_l = np.nan
        if np.isfinite(pr_star):
            q_l = float(
                self.evaluate(concept, sh_share, np.array([pr_star]))["linear_heat_density_mwh_per_m"][0]
            )
        return {
            "study": concept.study,
            "concept": concept.key,
            "label": self.label(concept),
            "temperature_set": concept.temperature_set,
            "central_source": concept.central_source,
            "booster": concept.booster,
            "space_heating_share": sh_share,
            "reference_individual": self.scenario.studies[concept.study].reference_individual,
            "reference_lcoe_eur_per_mwh": ref,
            "status": status,
            "min_feasible_plot_ratio": pr_star,
            "min_feasible_linear_heat_density_mwh_per_m": q_l,
        }

    def min_feasible_table(self) -> pd.DataFrame:
        rows = []
        for sname, st in self.scenario.studies.items():
            for concept in self.concepts(sname):
                if concept.kind == "dh":
                    rows += [self.min_feasible(concept, s) for s in st.space_heating_shares]
        return pd.DataFrame(rows)
