"""The formulas of the network-temperature comparison (the Nordhavn deliverable, Part I, eq. 1–7
and the LCOE of 1.2.3.3): heat density, heat loss, pumping, the exergy COP, present-value factors.
Pure functions of numbers and arrays; the comparison itself is dhopt.network_comparison."""

from __future__ import annotations

from typing import Any

import numpy as np

from dhopt.inputs import capital_recovery_factor

HOURS = 8760
KELVIN = 273.15


# ---------------------------------------------------------------------------------------------
# The deliverable's formulas, each a plain function of numbers (numpy arrays broadcast).


def log_mean_temperature_k(t_in_c: Any, t_out_c: Any) -> Any:
    """Eq. 7: logarithmic mean temperature of a stream heated or cooled from t_in to t_out, K."""
    t_in = np.asarray(t_in_c, dtype=float) + KELVIN
    t_out = np.asarray(t_out_c, dtype=float) + KELVIN
    same = np.isclose(t_in, t_out)
    with np.errstate(divide="ignore", invalid="ignore"):
        tm = np.where(same, t_in, (t_out - t_in) / np.log(np.where(same, 2.0, t_out / t_in)))
    return tm if tm.ndim else float(tm)


def cop_exergy(
    sink_in_c: Any,
    sink_out_c: Any,
    source_in_c: Any,
    source_out_c: Any,
    exergy_efficiency: float,
    dead_state_c: float,
) -> Any:
    """Eq. 6 (reconstructed): COP of a heat pump with the exergy efficiency ε and dead state T_0.

    COP = [1 − (T_m,source / T_0) · ((1/ε) · (T_0 / T_m,sink − 1) + 1)]^−1. With ε = 1 it is the Lorenz COP
    T_m,sink / (T_m,sink − T_m,source); with T_m,source = T_0 it is ε times the Lorenz COP. Returns inf or a
    negative number where the source is so warm that no heat pump is needed; callers check.
    """
    t_sink = log_mean_temperature_k(sink_in_c, sink_out_c)
    t_source = log_mean_temperature_k(source_in_c, source_out_c)
    t0 = dead_state_c + KELVIN
    inverse = 1.0 - (np.asarray(t_source) / t0) * (
        (1.0 / exergy_efficiency) * (t0 / np.asarray(t_sink) - 1.0) + 1.0
    )
    with np.errstate(divide="ignore"):
        cop = 1.0 / inverse
    return cop if np.ndim(cop) else float(cop)


def heat_loss_share(
    linear_heat_density_mwh_per_m: Any,
    forward_c: float,
    return_c: float,
    ground_c: float,
    coefficient: float = 0.2748,
    exponent: float = -0.653,
    reference_forward_c: float = 73.71,
    reference_return_c: float = 40.52,
) -> Any:
    """Eq. 2: annual heat loss share from the linear heat density (MWh/m/a), temperature-corrected."""
    q = np.asarray(linear_heat_density_mwh_per_m, dtype=float)
    correction = (forward_c + return_c - 2 * ground_c) / (
        reference_forward_c + reference_return_c - 2 * ground_c
    )
    with np.errstate(divide="ignore"):
        share = coefficient * q**exponent * correction
    return share if share.ndim else float(share)


def effective_width_m(plot_ratio: Any, coefficient: float = 61.8, exponent: float = -0.15) -> Any:
    """Effective width w = 61.8 · PR^−0.15 m (Persson & Werner 2011 [25]): land per trench metre."""
    w = coefficient * np.asarray(plot_ratio, dtype=float) ** exponent
    return w if w.ndim else float(w)


def average_pipe_diameter_m(
    linear_heat_density_gj_per_m: Any, slope: float = 0.0486, intercept: float = 0.0007
) -> Any:
    """Average pipe diameter d_a = 0.0486 · ln(Q/L [GJ/m]) + 0.0007 m (Persson & Werner 2011), not below 0."""
    q = np.asarray(linear_heat_density_gj_per_m, dtype=float)
    with np.errstate(divide="ignore"):
        d = np.maximum(slope * np.log(q) + intercept, 0.0)
    return d if d.ndim else float(d)


def volume_flow_m3_per_h(
    heat_delivered_mwh_per_year: Any,
    forward_c: float,
    return_c: float,
    heat_capacity_kj_per_kg_k: float = 4.18,
    density_kg_per_m3: float = 985.0,
) -> Any:
    """Eq. 3: mean volume flow, m³/h, that carries the annual delivered heat at the design ΔT."""
    kw = np.asarray(heat_delivered_mwh_per_year, dtype=float) * 1000.0 / HOURS  # mean power, kW = kJ/s
    m3_per_s = kw / (heat_capacity_kj_per_kg_k * (forward_c - return_c) * density_kg_per_m3)
    v = m3_per_s * 3600.0
    return v if np.ndim(v) else float(v)


def pumping_power_kw(
    volume_flow_m3h: Any,
    path_length_m: Any,
    pressure_gradient_pa_per_m: float = 100.0,
    substation_pressure_drop_pa: float = 1.0e5,
    pump_efficiency: float = 1.0,
) -> Any:
    """Electric pump power, kW: V̇ · (gradient · length + substation Δp) / η."""
    dp = pressure_gradient_pa_per_m * np.asarray(path_length_m, dtype=float) + substation_pressure_drop_pa
    p = np.asarray(volume_flow_m3h, dtype=float) / 3600.0 * dp / pump_efficiency / 1000.0
    return p if np.ndim(p) else float(p)


def investment_present_value_factor(rate: float, lifetime_years: int, horizon_years: int) -> float:
    """Present value of one euro invested now, kept for the horizon: reinvested at the end of each life,
    minus the (linearly depreciated) residual value of the last vintage at the horizon (1.2.3.3)."""
    pv, start = 0.0, 0
    while start < horizon_years:
        pv += (1.0 + rate) ** -start
        last = start
        start += lifetime_years
    residual = (last + lifetime_years - horizon_years) / lifetime_years
    return pv - residual * (1.0 + rate) ** -horizon_years


def levelising_factor(rate: float, lifetime_years: int, horizon_years: int) -> float:
    """Equivalent annual cost per euro of investment over the horizon (€/a per €)."""
    return investment_present_value_factor(rate, lifetime_years, horizon_years) * capital_recovery_factor(
        rate, horizon_years
    )
