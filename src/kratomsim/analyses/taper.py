"""Compare taper plans by withdrawal, duration and lost relief. Descriptive, never advice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kratomsim.analyses.draws import TAPER_DRAWS as TAPER_DRAWS
from kratomsim.analyses.outcomes import Outcomes, simulate_outcomes
from kratomsim.evidence.schema import Product
from kratomsim.models.dosing import Regimen
from kratomsim.models.taper import TaperPlan, taper_regimen
from kratomsim.models.withdrawal import SIGNS_THRESHOLD

#: Steady use before any plan starts, so that tolerance and dependence have built up (h).
LEAD_IN_H = 28 * 24.0
#: Observation after the last dose of a plan (h).
FOLLOW_UP_H = 21 * 24.0


@dataclass(frozen=True)
class TaperResult:
    """One plan's outcomes from its start: withdrawal (SOWS 0–64), length, lost relief.

    ``outcomes.withdrawal`` is the plan's withdrawal episode with intervals (onset, peak,
    duration), counted from the start of the plan, or from the last dose for "stop" (whichever
    comes first), so that withdrawal during a taper counts. ``peak_score`` is the median over
    the draws of each draw's own highest score in that episode, ``peak_score_high`` the upper end
    of their interval. The burden, the days with signs and the time until free follow the
    central (cited) set's score line.
    """

    plan: TaperPlan
    outcomes: Outcomes
    start_h: float
    peak_score: float
    peak_score_high: float
    burden_score_h: float
    taper_days: float
    days_with_signs: float
    until_free_days: float
    lost_relief: float


def _or(value: float | None, fallback: float) -> float:
    return fallback if value is None else value


def _after(t: np.ndarray, y: np.ndarray, start: float) -> tuple[np.ndarray, np.ndarray]:
    sel = t >= start
    return t[sel], y[sel]


def compare_tapers(
    current: Regimen,
    plans: Sequence[TaperPlan],
    *,
    product: Product | None = None,
    mg_per_g: float | None = None,
    n_draws: int = TAPER_DRAWS,
    seed: int = 0,
) -> tuple[TaperResult, ...]:
    """Simulate each plan after a lead-in of the ``current`` regimen and summarise it.

    ``plans`` come from :func:`kratomsim.models.taper.parse_plan` (``"-10% per week"``, ``"stop"``).

    ``lost_relief`` is the mean shortfall of effective MOR activation from its level at the start
    of the plan, over the plan and its follow-up, as a fraction of that level.
    """
    results = []
    for plan in plans:
        regimen, start = taper_regimen(current, plan, lead_in_h=LEAD_IN_H)
        last = float(regimen.expand().times_h[-1])
        duration = last + FOLLOW_UP_H
        res = simulate_outcomes(
            regimen,
            product=product,
            mg_per_g=mg_per_g,
            duration_h=duration,
            n_draws=n_draws,
            seed=seed,
            withdrawal_from_h=min(start, last),
        )
        t = res.time_h
        score = res.get("withdrawal_score")
        ts, sc = _after(t, score.central, start)
        eff = res.get("effective_activation").central
        ref = float(np.interp(start, t, eff))
        _, e_after = _after(t, eff, start)
        lost = float(np.mean(np.clip(ref - e_after, 0, None)) / ref) if ref > 0 else 0.0
        signs = sc >= SIGNS_THRESHOLD
        dt = np.gradient(ts)
        free_at = ts[signs][-1] if signs.any() else last
        results.append(
            TaperResult(
                plan=plan,
                outcomes=res,
                start_h=start,
                peak_score=float(_or(res.withdrawal.get("peak_score"), sc.max())),
                # the upper end of the per-draw peaks (not the highest point of the pointwise
                # band, which can fall below a draw's own peak)
                peak_score_high=float(_or(res.withdrawal.get("peak_score_high"), sc.max())),
                burden_score_h=float(np.trapezoid(sc, ts)),
                taper_days=(last - start) / 24.0 if not plan.is_stop else 0.0,
                days_with_signs=float(np.sum(dt[signs]) / 24.0),
                until_free_days=max(free_at - start, last - start, 0.0) / 24.0,
                lost_relief=lost,
            )
        )
    return tuple(results)
