"""What mitragynine's own CYP3A inactivation predicts for repeated daily dosing.

Nothing here is fitted to repeated-dose data: the model was calibrated to single doses only, so
these are predictions (the Huestis 2024 multiple-dose results are held back to judge them). For a
regimen repeated every ``tau`` hours: the time until the dosing-interval average reaches 90 % of its
steady state, the 7-OH/mitragynine AUC ratio per day, the accumulation of the daily AUC, the CYP3A
activity left in gut wall and liver, and the apparent terminal half-life after the last dose
(log-linear fit 48–120 h after it, as a 0–120 h sampling would give).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kratomsim.engine.subjects import PK_OUTPUTS, Dosing, simulate_subjects
from kratomsim.evidence.params import cited_inputs
from kratomsim.evidence.schema import Product

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class RepeatedDose:
    """Predictions for one regimen (grams of product every ``tau_h`` hours for ``days``)."""

    grams: float
    tau_h: float
    days: int
    product: str
    time_to_90pct_h: float | None
    ratio_7oh_mg_day1: float
    ratio_7oh_mg_last_day: float
    accumulation_last_day: float
    cyp3a_liver_min: float
    cyp3a_gut_min: float
    apparent_half_life_h: float
    single_dose_half_life_h: float


def _daily(t: FloatArray, c: FloatArray, day: int) -> float:
    sl = (t >= (day - 1) * 24.0) & (t <= day * 24.0)
    return float(np.trapezoid(c[sl], t[sl]))


def _half_life(t: FloatArray, c: FloatArray, start: float) -> float:
    sl = (t >= start + 48.0) & (t <= start + 120.0)
    slope = np.polyfit(t[sl], np.log(c[sl]), 1)[0]
    return float(np.log(2) / -slope)


def predict(grams: float, tau_h: float, days: int, product: Product | None = None) -> RepeatedDose:
    """Predictions for ``grams`` of ``product`` (default leaf powder) every ``tau_h`` h."""
    inputs = cited_inputs(product)
    times = np.arange(0.0, days * 24.0, tau_h)
    t = np.arange(0.0, days * 24.0 + 20 * 24.0, 0.1)
    mg = np.full((1, times.size), grams * inputs.mg_per_g)
    dosing = Dosing(inputs.product.absorption, times, mg, np.zeros_like(mg), t)
    run = simulate_subjects(inputs.values, dosing, outputs=PK_OUTPUTS)
    c_mg, c_oh = run.get("mitragynine_nm")[0], run.get("oh7_nm")[0]
    single = simulate_subjects(
        inputs.values,
        Dosing(inputs.product.absorption, times[:1], mg[:, :1], np.zeros((1, 1)), t),
        outputs=("mitragynine_nm", "oh7_nm"),
    ).get("mitragynine_nm")[0]
    last_day = days
    per_interval = [
        float(np.trapezoid(c_mg[(t >= s) & (t <= s + tau_h)], t[(t >= s) & (t <= s + tau_h)]))
        for s in times
    ]
    steady = per_interval[-1]
    reached = next((s for s, a in zip(times, per_interval, strict=True) if a >= 0.9 * steady), None)
    return RepeatedDose(
        grams=grams,
        tau_h=tau_h,
        days=days,
        product=inputs.product.id,
        time_to_90pct_h=float(reached) if reached is not None else None,
        ratio_7oh_mg_day1=_daily(t, c_oh, 1) / _daily(t, c_mg, 1),
        ratio_7oh_mg_last_day=_daily(t, c_oh, last_day) / _daily(t, c_mg, last_day),
        accumulation_last_day=_daily(t, c_mg, last_day) / _daily(t, c_mg, 1),
        cyp3a_liver_min=float(run.get("cyp3a_liver_activity")[0].min()),
        cyp3a_gut_min=float(run.get("cyp3a_gut_activity")[0].min()),
        apparent_half_life_h=_half_life(t, c_mg, float(times[-1])),
        single_dose_half_life_h=_half_life(t, single, 0.0),
    )


def markdown_table(rows: list[RepeatedDose]) -> str:
    """The predictions as a Markdown table."""
    head = (
        "| regimen | time to 90 % of steady state | 7-OH/MG AUC day 1 → last day | daily AUC "
        "last day / day 1 | lowest CYP3A left (liver, gut wall) | MG half-life after the last "
        "dose (single dose) |\n|---|---|---|---|---|---|"
    )
    lines = [head]
    for r in rows:
        every = "once daily" if r.tau_h == 24 else f"every {r.tau_h:g} h"
        t90 = f"{r.time_to_90pct_h / 24:.1f} d" if r.time_to_90pct_h is not None else "—"
        lines.append(
            f"| {r.grams:g} g {r.product} {every}, {r.days} d | {t90} | "
            f"{r.ratio_7oh_mg_day1:.3f} → {r.ratio_7oh_mg_last_day:.3f} | "
            f"{r.accumulation_last_day:.2f} | {r.cyp3a_liver_min:.0%}, {r.cyp3a_gut_min:.0%} | "
            f"{r.apparent_half_life_h:.1f} h ({r.single_dose_half_life_h:.1f} h) |"
        )
    return "\n".join(lines)
