"""The costs of one supply concept over the plot ratio (Nordhavn deliverable, Part I, 1.2.3): the
demand of the district, then district heating (network, substations, central unit, boosters,
pumping) or individual units, each levelised over the horizon. A mixin of
dhopt.network_comparison.NetworkComparison, which prepares the profiles and COP factors it uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from dhopt.errors import ScenarioError
from dhopt.network_formulas import (
    HOURS,
    average_pipe_diameter_m,
    effective_width_m,
    heat_loss_share,
    levelising_factor,
    pumping_power_kw,
    volume_flow_m3_per_h,
)
from dhopt.network_schema import CostFunction

if TYPE_CHECKING:
    from dhopt.network_schema import NetworkComparisonScenario


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


class CostEvaluation:
    """Cost evaluation of the concepts; the preparation (profiles, COP factors) is the subclass's."""

    if TYPE_CHECKING:
        scenario: NetworkComparisonScenario
        sh_shape: np.ndarray

        def central_is_heat_pump(self, source: str, tset: str) -> bool: ...
        def central_factors(self, source: str, tset: str) -> LoadFactors: ...
        def booster_sink_in_c(self, tset: str) -> float: ...
        def booster_factors(self, booster: str, tset: str) -> LoadFactors: ...
        def individual_factors(self, unit: str) -> tuple[LoadFactors, LoadFactors]: ...

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
