"""From exposure to the pain-response system: receptors, tolerance, dependence and withdrawal.

``simulate_outcomes`` runs the PK model, the effect site and receptor layer, and the adaptation
states for a set of parameter draws (draw 0 at the cited values; the rest from the cited ranges,
see :mod:`kratomsim.population.uncertainty`), and returns each outcome as a central line with an
interval. Every step is a model of evidence graded in the parameter files; none of it is advice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from kratomsim.engine.result import Simulation
from kratomsim.engine.simulate import simulate
from kratomsim.engine.subjects import Dosing, simulate_subjects
from kratomsim.errors import RegimenError, bad_value
from kratomsim.evidence import CitedValue, load_parameters
from kratomsim.evidence.model_parameters import uncertain_parameters
from kratomsim.evidence.params import cited_inputs
from kratomsim.evidence.schema import Product
from kratomsim.models.dosing import Regimen
from kratomsim.models.pain import chronic_nrs, relief_summary
from kratomsim.models.side_effects import (
    SIDE_EFFECT_PARAMETERS,
    side_effect_params_from_values,
    side_effect_probabilities,
)
from kratomsim.models.withdrawal import withdrawal_episode
from kratomsim.population.uncertainty import interval, sample_values

FloatArray = NDArray[np.float64]
Hypothesis = Literal["endocannabinoid"]
Pain = Literal["acute", "chronic"]
#: Values outside the model specification that the outcomes use: day-to-day pain variation and
#: the dose-response curves of side effects.
EXTRA_PARAMETERS = ("nrs_day_sd", "nrs_day_rho", *SIDE_EFFECT_PARAMETERS)


@dataclass(frozen=True)
class OutcomeSeries:
    """One outcome over time: central line (draw 0) and an interval over the draws."""

    name: str
    unit: str
    central: FloatArray
    low: FloatArray
    high: FloatArray


@dataclass(frozen=True)
class Outcomes:
    """Exposure and the pain-response outcomes of one regimen, with uncertainty."""

    exposure: Simulation
    time_h: FloatArray
    series: tuple[OutcomeSeries, ...]
    withdrawal: dict[str, float | None]
    level: float
    n_draws: int
    seed: int
    hypothesis: Hypothesis | None
    used: tuple[CitedValue, ...]
    pain: dict[str, float | str] | None = None
    safety: dict[str, dict[str, float]] | None = None

    def get(self, name: str) -> OutcomeSeries:
        for s in self.series:
            if s.name == name:
                return s
        raise KeyError(name)

    def to_frame(self) -> pd.DataFrame:
        """Exposure columns plus one column per outcome (central) and its interval bounds."""
        frame = self.exposure.to_frame()
        for s in self.series:
            frame[s.name] = s.central
            frame[f"{s.name}_low"] = s.low
            frame[f"{s.name}_high"] = s.high
        for name, v in (self.safety or {}).items():
            if name.startswith("_") or name == "respiratory_index":
                continue
            # per-dose probabilities at the regimen's largest dose: constant over time
            frame[f"{name}_probability"] = v["central"]
            frame[f"{name}_probability_low"] = v["low"]
            frame[f"{name}_probability_high"] = v["high"]
        return frame


def _draws(
    absorption: str, n_draws: int, seed: int, fixed: Mapping[str, float]
) -> tuple[dict[str, FloatArray], list[CitedValue]]:
    """Draws of every uncertain model parameter and of the outcome values outside the model.

    Draw 0 is the cited central set; ``fixed`` (the person's inputs, their product's content…)
    holds for every draw.
    """
    extra = load_parameters(("adaptation.toml", "side_effects.toml"))
    chosen = [*uncertain_parameters(absorption), *(extra[n] for n in EXTRA_PARAMETERS)]
    draws = sample_values(chosen, n_draws, seed=seed)
    for name, value in fixed.items():
        if name not in draws:
            draws[name] = np.full(n_draws, float(value))
    return draws, chosen


def simulate_outcomes(
    regimen: Regimen,
    /,
    *,
    product: Product | None = None,
    mg_per_g: float | None = None,
    oh7_mg_per_g: float | None = None,
    duration_h: float | None = None,
    hypothesis: Hypothesis | None = None,
    pain: Pain | None = None,
    baseline_pain: float = 6.0,
    n_draws: int = 200,
    seed: int = 0,
    level: float = 0.90,
) -> Outcomes:
    """Simulate exposure, MOR activation, tolerance, dependence and withdrawal with uncertainty.

    ``product`` defaults to leaf powder; ``mg_per_g`` and ``oh7_mg_per_g`` replace its cited
    content (label or assay); ``duration_h`` is the observation window (default: until washed
    out). ``hypothesis="endocannabinoid"``
    switches on the article's ECS pathway, which no study supports (see ``kratomsim claims``).
    ``n_draws`` parameter sets are drawn from the cited ranges with ``seed``; draw 0 is the
    cited central set. ``level`` is the width of the reported interval.
    """
    if not 0.0 <= baseline_pain <= 10.0:
        raise RegimenError(
            bad_value(
                "baseline_pain must be on the 0-10 NRS",
                baseline_pain,
                "Give a pain rating from 0 to 10, e.g. 6.",
            )
        )
    inputs = cited_inputs(
        product,
        mg_per_g=mg_per_g,
        oh7_mg_per_g=oh7_mg_per_g,
        inputs={"nrs_baseline": baseline_pain},
    )
    exposure = simulate(regimen, inputs, duration_h=duration_h)
    absorption = exposure.product.absorption
    draws, chosen = _draws(absorption, n_draws, seed, inputs.values)
    t = exposure.time_h
    doses = exposure.dose_times_h
    dosing = Dosing(
        absorption,
        np.asarray(doses, float),
        np.atleast_2d(exposure.dose_amounts_g * exposure.mg_per_g).astype(float),
        np.atleast_2d(exposure.dose_amounts_g * exposure.oh7_mg_per_g).astype(float),
        np.asarray(t, float),
    )
    run = simulate_subjects(draws, dosing, ecs_hypothesis=hypothesis == "endocannabinoid")
    after = float(doses[-1])
    episode = withdrawal_episode(t, run.withdrawal_score, after)

    def band(name: str, unit: str, values: FloatArray) -> OutcomeSeries:
        lo, hi = interval(values, level)
        return OutcomeSeries(name, unit, np.asarray(values[0]), lo, hi)

    series = (
        band("mu_occupancy", "fraction", run.mu_occupancy),
        band("mu_activation", "fraction of system maximum", run.mu_activation),
        band("analgesic_drive", "fraction of system maximum", run.analgesic_drive),
        band("tolerance", "fraction desensitised", run.tolerance),
        band("effective_activation", "fraction of system maximum", run.effective_activation),
        band("dependence", "adapted drive (fraction of system maximum)", run.dependence),
        band("withdrawal_score", "SOWS points (0-64)", run.withdrawal_score),
        band("respiratory_index", "index 0-1 (an ordering, not breathing)", run.respiratory_index),
        band("cyp3a_liver_activity", "fraction of normal", run.cyp3a_liver_activity),
        band("cyp3a_gut_activity", "fraction of normal", run.cyp3a_gut_activity),
    )
    if hypothesis == "endocannabinoid":
        series = (*series, band("ecs_activation_hypothesis", "fraction", run.ecs_activation))
    # Expected relief of a chronic pain at ``baseline_pain`` (NRS points), without day-to-day noise.
    relief = baseline_pain - run.pain_nrs_mean
    series = (
        *series,
        band("relief_nrs_points", f"NRS points below baseline {baseline_pain:g}", relief),
    )
    pain_summary: dict[str, float | str] | None = None
    if pain == "acute":
        series = (*series, band("cold_pressor_tolerance_s", "s", run.cold_pressor_s))
        pain_summary = {
            "kind": "acute",
            "model": "cold-pressor tolerance; the only human anchor is Vicknasingam 2020 "
            "(11.2 → 24.9 s at 1 h in daily users)",
        }
    elif pain == "chronic":
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7,)))
        nrs = np.stack(
            [
                chronic_nrs(
                    run.pain_nrs_mean[i],
                    rng,
                    float(draws["nrs_day_sd"][i]),
                    float(draws["nrs_day_rho"][i]),
                    t,
                )
                for i in range(n_draws)
            ]
        )
        change = nrs - baseline_pain
        series = (
            *series,
            band("pain_nrs", "NRS 0-10", nrs),
            band("relief_nrs_change", "NRS points", change),
        )
        rel = relief_summary(np.full(n_draws, baseline_pain), nrs)
        pain_summary = {"kind": "chronic", "baseline_nrs": baseline_pain}
        for key in ("mean_change", "share_2_points", "share_30_percent"):
            vals = np.atleast_1d(np.asarray(getattr(rel, key), dtype=float))
            lo, hi = interval(vals[:, None], level)
            pain_summary[key] = float(vals[0])
            pain_summary[f"{key}_low"] = float(lo[0])
            pain_summary[f"{key}_high"] = float(hi[0])
    safety = safety_signals(exposure, draws, level, run.respiratory_index.max(axis=1))
    summary = {
        "after_last_dose_h": after,
        "onset_h": _first(episode.onset_h),
        "peak_score": _first(episode.peak),
        "peak_h": _first(episode.peak_h),
        "duration_h": _first(episode.duration_h),
    }
    return Outcomes(
        exposure,
        t,
        series,
        summary,
        level,
        n_draws,
        seed,
        hypothesis,
        tuple(dict.fromkeys((*exposure.used, *chosen))),
        pain_summary,
        safety,
    )


def safety_signals(
    exposure: Simulation,
    draws: Mapping[str, FloatArray],
    level: float,
    respiratory_peak: FloatArray | None = None,
) -> dict[str, dict[str, float]]:
    """Side-effect probabilities at the regimen's largest dose, and the peak respiratory index.

    Central value at the cited parameters (draw 0) and an interval over the draws.
    """
    amount = float(exposure.dose_amounts_g.max())
    mg = amount * exposure.mg_per_g
    oh = amount * exposure.oh7_mg_per_g
    times = exposure.dose_times_h
    per_day = float(min(24.0 / np.median(np.diff(times)), len(times))) if len(times) > 1 else 1.0
    n = len(draws[SIDE_EFFECT_PARAMETERS[0]])
    rows: dict[str, list[float]] = {}
    for i in range(n):
        se = side_effect_params_from_values({k: float(draws[k][i]) for k in SIDE_EFFECT_PARAMETERS})
        for name, p in side_effect_probabilities(mg, se, daily_doses=per_day).items():
            rows.setdefault(name, []).append(float(p))
    if respiratory_peak is not None:
        rows["respiratory_index"] = [float(v) for v in respiratory_peak]
    out: dict[str, dict[str, float]] = {}
    for name, values in rows.items():
        arr = np.asarray(values)
        lo, hi = interval(arr[:, None], level)
        out[name] = {"central": float(arr[0]), "low": float(lo[0]), "high": float(hi[0])}
    out["_dose"] = {
        "product_g": amount,
        "mitragynine_mg": mg,
        "7oh_mg": oh,
        "doses_per_day": per_day,
    }
    return out


def _first(x: float | FloatArray) -> float | None:
    v = float(np.atleast_1d(x)[0])
    return None if np.isnan(v) else v
