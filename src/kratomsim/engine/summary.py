"""Exposure summaries: Cmax, tmax, AUC, last trough and time to 90 % of steady state."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from kratomsim.engine.result import ANALYTES, AnalyteSummary
from kratomsim.models.dosing import Regimen

FloatArray = NDArray[np.float64]


def _cumulative_auc(t: FloatArray, c: FloatArray) -> FloatArray:
    return np.concatenate([[0.0], np.cumsum(np.diff(t) * (c[1:] + c[:-1]) / 2.0)])


def time_to_fraction_of_steady_state(
    t: FloatArray,
    c: FloatArray,
    first_h: float,
    tau_h: float,
    css_avg: float,
    n_doses: int,
    fraction: float = 0.9,
) -> float | None:
    """First dose time (h after the first dose) from which every dosing-interval average stays
    within ``1 - fraction`` (10 %) of the steady-state average.

    For an exposure that rises to its steady state this is the first interval that reaches 90 %;
    7-hydroxymitragynine can instead fall towards it (its formation slows as mitragynine
    inactivates CYP3A), and then this is when it has come down to within 10 %. The steady-state
    interval average ``css_avg`` comes from a long run of the repeating record alone, so it does
    not depend on the simulated window. ``None`` when the window ends first.
    """
    cum = _cumulative_auc(t, c)
    settled: float | None = None
    for j in range(n_doses):
        start = first_h + j * tau_h
        end = start + tau_h
        if end > t[-1] + 1e-9:
            break
        avg = (np.interp(end, t, cum) - np.interp(start, t, cum)) / tau_h
        if abs(avg - css_avg) <= (1.0 - fraction) * css_avg:
            settled = start - first_h if settled is None else settled
        else:
            settled = None
    return settled


def auc_to_infinity(t: FloatArray, c: FloatArray) -> float:
    """Trapezoidal AUC over the grid plus the tail ``c_last / λz`` (λz from the last 10 % of the
    window, log-linear); without a falling tail the AUC stops at the last time."""
    auc = float(_cumulative_auc(t, c)[-1])
    tail = t >= t[-1] - 0.1 * (t[-1] - t[0])
    ct = c[tail]
    if ct.size >= 3 and np.all(ct > 0):
        slope = -np.polyfit(t[tail], np.log(ct), 1)[0]
        if slope > 0:
            auc += float(c[-1] / slope)
    return auc


def summarise(
    t: FloatArray,
    conc_ng_ml: FloatArray,
    conc_nm: FloatArray,
    dose_times_h: FloatArray,
    steady_avg_ng_ml: FloatArray | None,
    regimen: Regimen,
) -> tuple[AnalyteSummary, ...]:
    """Summaries for one subject; concentrations have shape (times, analytes).

    ``steady_avg_ng_ml``: each analyte's interval average at the steady state of the regimen's
    repeating record (None when nothing repeats).
    """
    repeat = next((r for r in regimen.records if r.addl is None or r.addl > 0), None)
    out = []
    for k, name in enumerate(ANALYTES):
        c = conc_ng_ml[:, k]
        i = int(np.argmax(c))
        trough = None
        if dose_times_h.size > 1:
            trough = float(np.interp(dose_times_h[-1], t, c))
        t90 = None
        if repeat is not None and steady_avg_ng_ml is not None:
            n = int(np.sum(dose_times_h >= repeat.time_h))
            t90 = time_to_fraction_of_steady_state(
                t, c, repeat.time_h, repeat.ii_h, float(steady_avg_ng_ml[k]), n
            )
        out.append(
            AnalyteSummary(
                analyte=name,
                cmax_ng_ml=float(c[i]),
                cmax_nm=float(conc_nm[i, k]),
                tmax_h=float(t[i]),
                auc_ng_h_ml=float(_cumulative_auc(t, c)[-1]),
                auc_inf_ng_h_ml=auc_to_infinity(t, c),
                last_trough_ng_ml=trough,
                time_to_90pct_steady_state_h=t90,
            )
        )
    return tuple(out)
