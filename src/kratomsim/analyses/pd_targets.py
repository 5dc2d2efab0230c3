"""The population studies' statistics, computed from simulated cohorts, and how each is weighed.

Each :class:`Target` ties one usable observation of ``outcome_studies.toml`` to a virtual cohort
(:mod:`kratomsim.analyses.cohorts`), a reading of the model's states as the study's statistic
(the thresholds are labelled assumptions in ``pd_calibration.toml``) and a log-likelihood built
from the uncertainty the study reported plus a stated model-discrepancy term:

* shares of people: binomial with an effective sample size ``n / (1 + (n − 1)·icc)``
  (beta-binomial overdispersion); a share reported as "at least" counts only below its bound;
* a mean with SD and n, a between-person SD, an odds ratio with its 95 % CI, a fold change:
  normal on the natural (mean, SD) or log (odds ratio, fold) scale, the reported sampling variance
  plus ``(relative_discrepancy)²``.

Observations about side effects are weighed elsewhere (``side_effects.toml``); the outcome file
says why the others are context only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kratomsim.analyses.cohorts import CohortRun, cohort_values
from kratomsim.evidence.studies import Observation, usable_observations

FloatArray = NDArray[np.float64]
Statistic = Callable[[CohortRun], FloatArray]

#: Observations of the PD calibration's studies that this module does not weigh, and why.
NOT_WEIGHED = {
    ("garciaromeu2020_us_survey", "any_adverse_effect"): "side-effect rate (side_effects.toml)",
    ("singh2019_malaysia_constipation", "constipation"): "side-effect rate (side_effects.toml)",
    ("tanna2023_single_dose_safety", "lightheadedness_or_headache"): "side-effect rate after a "
    "single dose (side_effects.toml)",
}


def _w(run: CohortRun, members: NDArray[np.bool_]) -> FloatArray:
    w = run.cohort.weight * members
    return w / w.sum()


def _share(run: CohortRun, flags: NDArray[np.bool_], members: NDArray[np.bool_]) -> FloatArray:
    return flags.astype(float) @ _w(run, members)


def _all(run: CohortRun) -> NDArray[np.bool_]:
    return np.ones(run.cohort.size, bool)


def _more_than_once(run: CohortRun) -> NDArray[np.bool_]:
    return run.cohort.doses_per_day >= 2


def _odds_ratio(run: CohortRun, flags: NDArray[np.bool_], split: int) -> FloatArray:
    high = run.cohort.doses_per_day > split
    p1 = np.clip(_share(run, flags, high), 0.005, 0.995)
    p0 = np.clip(_share(run, flags, ~high), 0.005, 0.995)
    return (p1 / (1 - p1)) / (p0 / (1 - p0))


def peak_share(threshold_key: str, members: Callable[[CohortRun], NDArray[np.bool_]]) -> Statistic:
    def stat(run: CohortRun) -> FloatArray:
        thr = cohort_values()[threshold_key]
        return _share(run, run.peak_withdrawal() >= thr, members(run))

    return stat


def tolerance_share(run: CohortRun) -> FloatArray:
    return _share(run, run.tolerance >= cohort_values()["tolerance_reported"], _all(run))


def sows_mean(run: CohortRun) -> FloatArray:
    return run.peak_withdrawal() @ _w(run, _all(run))


def sows_sd(run: CohortRun) -> FloatArray:
    w = _w(run, _all(run))
    peak = run.peak_withdrawal()
    mean = peak @ w
    return np.sqrt(np.maximum(((peak - mean[:, None]) ** 2) @ w, 0.0))


def severe_dependence_or(run: CohortRun) -> FloatArray:
    q = cohort_values()["severe_dependence_quantile"]
    w = _w(run, _all(run))
    peak = run.peak_withdrawal()
    out = np.empty(peak.shape[0])
    for i, x in enumerate(peak):
        order = np.argsort(x)
        cut = x[order][min(np.searchsorted(np.cumsum(w[order]), q), x.size - 1)]
        out[i] = _odds_ratio(run, (x > cut)[None, :], 3)[0]
    return out


def moderate_withdrawal_or(run: CohortRun) -> FloatArray:
    thr = cohort_values()["moderate_threshold_sows"]
    return _odds_ratio(run, run.peak_withdrawal() >= thr, 3)


def cpt_fold(run: CohortRun) -> FloatArray:
    w = _w(run, _more_than_once(run))
    return (run.cpt_after @ w) / (run.cpt_before @ w)


def signs_10_20h(run: CohortRun) -> FloatArray:
    thr = cohort_values()["signs_threshold_sows"]
    window = run.withdrawal[:, :, 10:21].max(axis=-1)
    return _share(run, window >= thr, _more_than_once(run))


# --- likelihoods -----------------------------------------------------------------------------


def _binomial(sim: FloatArray, observed: float, n: int) -> FloatArray:
    icc = cohort_values()["share_icc"]
    n_eff = n / (1.0 + (n - 1) * icc)
    p = np.clip(sim, 1e-4, 1 - 1e-4)
    q = np.clip(observed, 1e-4, 1 - 1e-4)
    # relative to the best possible fit (p = observed): 0 at the observation, < 0 elsewhere
    return n_eff * (observed * np.log(p / q) + (1 - observed) * np.log((1 - p) / (1 - q)))


def _normal(sim: FloatArray, observed: float, se: float) -> FloatArray:
    return -0.5 * (sim - observed) ** 2 / se**2


def loglik(obs: Observation, sim: FloatArray) -> FloatArray:
    """Log-likelihood of ``obs`` for simulated statistics ``sim`` (one per parameter set)."""
    u = obs.uncertainty
    delta = cohort_values()["relative_discrepancy"]
    if obs.value is None:
        raise ValueError(f"{obs.id}: no value to weigh")
    value = float(obs.value)
    if obs.unit == "proportion":
        if u.n is None:
            raise ValueError(f"{obs.id}: a share needs its n")
        ll = _binomial(sim, value, u.n)
        if u.kind == "lower_bound":
            ll = np.where(sim >= value, 0.0, ll)
        return ll
    if u.kind == "sd" and u.sd is not None and u.n is not None:
        return _normal(sim, value, np.hypot(u.sd / np.sqrt(u.n), delta * value))
    if obs.statistic.endswith("_sd") and u.n is not None:
        return _normal(sim, value, np.hypot(value / np.sqrt(2 * (u.n - 1)), delta * value))
    if u.kind == "ci95" and u.low is not None and u.high is not None:
        sd = (np.log(u.high) - np.log(u.low)) / (2 * 1.959964)
        return _normal(np.log(np.maximum(sim, 1e-9)), np.log(value), np.hypot(sd, delta))
    if u.kind == "derived" and u.sd is not None:
        # a fold change with the standard error of its log (the observation's note says how)
        return _normal(np.log(np.maximum(sim, 1e-9)), np.log(value), np.hypot(u.sd, delta))
    raise ValueError(f"{obs.id}: no likelihood for uncertainty kind {u.kind!r}")


@dataclass(frozen=True)
class Target:
    """One weighed observation: its study, the cohort that mirrors it and how it is read."""

    study: str
    observation: Observation
    cohort: str
    statistic: Statistic
    reading: str

    @property
    def key(self) -> str:
        return f"{self.study}:{self.observation.id}"

    def loglik(self, sim: FloatArray) -> FloatArray:
        return loglik(self.observation, sim)


#: How each weighed observation is read from the model (statistic name → cohort, reading).
READINGS: dict[str, tuple[str, Statistic, str]] = {
    "sows_mean": ("us_leaf", sows_mean, "mean peak withdrawal score in the 4 days after stopping"),
    "sows_sd": ("us_leaf", sows_sd, "between-person SD of that peak"),
    "share_withdrawal_on_abstinence": (
        "malaysia_tea",
        peak_share("signs_threshold_sows", _all),
        "share whose peak score after stopping reaches the signs threshold",
    ),
    "share_tolerance": (
        "malaysia_tea",
        tolerance_share,
        "share with at least tolerance_reported of the drive lost to tolerance",
    ),
    "odds_ratio_severe_dependence_gt3_glasses": (
        "malaysia_tea",
        severe_dependence_or,
        "odds ratio (> 3 vs ≤ 3 glasses a day) of a peak withdrawal score in the cohort's top 30 %",
    ),
    "odds_ratio_moderate_withdrawal_gt3_glasses": (
        "malaysia_tea",
        moderate_withdrawal_or,
        "odds ratio (> 3 vs ≤ 3 glasses a day) of a peak score ≥ the moderate threshold",
    ),
    "cold_pressor_fold_1h": (
        "malaysia_tea",
        cpt_fold,
        "mean cold-pressor tolerance 1 h after the day's first dose over just before it, "
        "after the night without kratom (members dosing more than once a day)",
    ),
    "share_signs_10_20h_after_last_dose": (
        "malaysia_tea",
        signs_10_20h,
        "share at or above the signs threshold 10-20 h after the last dose (more than once a day)",
    ),
    "share_increased_dose": (
        "us_leaf",
        tolerance_share,
        "share with at least tolerance_reported of the drive lost to tolerance",
    ),
    "share_fatigue_on_cessation": (
        "malaysia_tea",
        peak_share("signs_threshold_sows", _all),
        "share whose peak score after stopping reaches the signs threshold",
    ),
    "share_moderate_pain_on_cessation": (
        "malaysia_tea",
        peak_share("signs_threshold_sows", _all),
        "share whose peak score after stopping reaches the signs threshold",
    ),
}


def targets() -> tuple[Target, ...]:
    """Every usable observation this calibration weighs, in the outcome file's order."""
    out = []
    for study, obs in usable_observations():
        if (study.id, obs.id) in NOT_WEIGHED:
            continue
        if obs.statistic not in READINGS:
            raise ValueError(f"{study.id}:{obs.id}: no reading for statistic {obs.statistic!r}")
        cohort, stat, reading = READINGS[obs.statistic]
        out.append(Target(study.id, obs, cohort, stat, reading))
    return tuple(out)
