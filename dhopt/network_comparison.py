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
from dhopt.network_costs import CostEvaluation, LoadFactors
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

# ---------------------------------------------------------------------------------------------
# The calculation.


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
class NetworkComparison(CostEvaluation):
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
