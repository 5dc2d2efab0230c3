"""Simulation-based calibration of the personal fit: do its 90 % intervals hold the truth 90 % of the time?

For each simulated person: draw true person-level parameters from the prior — for tolerance and
withdrawal that is the calibrated population posterior widened for the spread between people —
simulate a journal of ``days`` days from the same model the fit assumes
(leaf powder, 2–4 g, 2–3 doses a day at jittered times; 1–3 pain ratings a day at random waking
times; optionally one SOWS score a day), fit it, and record whether each credible interval
contains the true value. The forecast bands are checked the same way: the person stops at the
journal's end, and the true withdrawal peak over the next week, the true withdrawal score 48 h
after the last entry and the true expected pain 24 h after it are compared with the 90 % bands
of :meth:`~kratomsim.journal.fit.PersonalFit.forecast`. When the
inference is exact, coverage equals the credible level up to binomial noise (Cook, Gelman &
Rubin 2006; Talts et al. 2018, "Validating Bayesian inference algorithms with simulation-based
calibration").

The simulated ratings follow the fit's observation model, except that pain ratings are clipped
to the 0–10 scale as a journal would hold them; so the check measures the inference, not how
well the model describes real people.
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from kratomsim.errors import JournalError, bad_value
from kratomsim.evidence import resolve_product
from kratomsim.journal.fit import PersonalFit, fit_person
from kratomsim.journal.fit_data import NRS_MAX, SOWS_MAX, DoseEvent, FitData, Rating
from kratomsim.journal.fit_model import (
    PersonModel,
    pain_mean,
    person_priors,
    rating_noise_sd,
    sows_noise_sd,
)

FloatArray = NDArray[np.float64]
#: Dose pattern of the simulated journals (grams of leaf powder, doses a day, clock hours).
DOSE_RANGE_G: Final = (2.0, 4.0)
DOSE_CLOCKS_H: Final = {2: (8.0, 20.0), 3: (8.0, 14.0, 20.0)}
WAKING_H: Final = (8.0, 22.0)
#: Forecast checked: "stop" for a week; draws behind each band.
FORECAST_H: Final = 7 * 24.0
FORECAST_DRAWS: Final = 400
#: Names of the forecast quantities in :class:`CoverageResult` (besides the parameters).
FORECAST_CHECKS: Final = (
    "forecast: withdrawal peak in the week after stopping",
    "forecast: withdrawal score 48 h after the last entry",
    "forecast: expected pain 24 h after the last entry",
)


@dataclass(frozen=True)
class CoverageResult:
    """How often each parameter's credible interval held the true value."""

    n_people: int
    seed: int
    level: float
    covered: dict[str, float]
    trials: dict[str, int]
    median_ess: float
    min_ess: float
    seconds: float

    @property
    def coverage(self) -> dict[str, float]:
        return {k: self.covered[k] / self.trials[k] for k in self.trials}

    @property
    def pooled(self) -> float:
        """Coverage over every interval of every person."""
        return sum(self.covered.values()) / sum(self.trials.values())

    @property
    def seconds_per_person(self) -> float:
        return self.seconds / self.n_people


def simulate_journal(
    truth: dict[str, float],
    rng: np.random.Generator,
    *,
    days: int = 14,
    withdrawal: bool = True,
    product: str = "leaf-powder",
    dose_g: float | None = None,
    doses_per_day: int | None = None,
    ratings_per_day: int | None = None,
    dose_days: int | None = None,
) -> FitData:
    """A journal of ``days`` days for a person whose person-level parameters are ``truth``.

    Unset design choices are drawn per person: the dose (2–4 g, to 0.5 g), 2 or 3 doses a day,
    1–3 pain ratings a day. ``dose_days`` < ``days`` ends the doses early (ratings go on).
    """
    g = dose_g if dose_g is not None else float(np.round(rng.uniform(*DOSE_RANGE_G) * 2) / 2)
    per_day = doses_per_day if doses_per_day is not None else int(rng.integers(2, 4))
    n_rate = ratings_per_day if ratings_per_day is not None else int(rng.integers(1, 4))
    doses = tuple(
        DoseEvent(24.0 * d + c + float(rng.normal(0.0, 0.5)), g, product)
        for d in range(days if dose_days is None else min(dose_days, days))
        for c in DOSE_CLOCKS_H[per_day]
    )
    pain_t = np.sort(
        np.concatenate([24.0 * d + rng.uniform(*WAKING_H, size=n_rate) for d in range(days)])
    )
    sows_t = (
        np.sort(24.0 * np.arange(days) + rng.uniform(*WAKING_H, size=days))
        if withdrawal
        else np.empty(0)
    )
    # Bind the design to the model with placeholder ratings, then draw the ratings from it, at
    # the exact times (the fit places them on quarter hours: the check includes that error).
    stub = FitData(
        doses,
        tuple(Rating(t, 0.0) for t in pain_t),
        tuple(Rating(t, 0.0) for t in sows_t),
    )
    model = PersonModel.build(stub, resolution_h=0.0)
    x = {k: np.array([v]) for k, v in truth.items()}
    e, w = model.observed(x)
    mean = pain_mean(x, e)[0]
    noise = _ou(pain_t, truth, rng) + rating_noise_sd() * rng.normal(size=mean.size)
    nrs = np.clip(mean + noise, 0.0, NRS_MAX)
    sows = np.clip(w[0] + sows_noise_sd() * rng.normal(size=w.shape[1]), 0.0, SOWS_MAX)
    return FitData(
        doses,
        tuple(Rating(float(t), float(v)) for t, v in zip(pain_t, nrs, strict=True)),
        tuple(Rating(float(t), float(v)) for t, v in zip(sows_t, sows, strict=True)),
    )


def _ou(t_h: FloatArray, truth: dict[str, float], rng: np.random.Generator) -> FloatArray:
    """Day-to-day pain fluctuation: an Ornstein–Uhlenbeck path sampled exactly at ``t_h``."""
    sd, rho = truth["nrs_day_sd"], truth["nrs_day_rho"]
    x = np.empty(t_h.size)
    x[0] = sd * rng.normal()
    for i in range(1, t_h.size):
        phi = rho ** ((t_h[i] - t_h[i - 1]) / 24.0)
        x[i] = phi * x[i - 1] + sd * np.sqrt(1.0 - phi**2) * rng.normal()
    return x


_Job = tuple[np.random.SeedSequence, int, bool, float, int, float]


def _one_person(job: _Job) -> tuple[dict[str, float], float]:
    seq, days, withdrawal, level, draws_per_round, target_ess = job
    rng = np.random.default_rng(seq)
    priors = person_priors(resolve_product("leaf-powder"))
    truth = {p.name: float(p.from_unit(np.array(rng.uniform()))) for p in priors}
    data = simulate_journal(truth, rng, days=days, withdrawal=withdrawal)
    fit = fit_person(
        data,
        seed=int(rng.integers(2**31)),
        level=level,
        draws_per_round=draws_per_round,
        target_ess=target_ess,
    )
    hits = {e.name: float(e.low <= truth[e.name] <= e.high) for e in fit.estimates}
    hits |= forecast_hits(fit, truth, level)
    return hits, fit.ess


def forecast_hits(fit: PersonalFit, truth: dict[str, float], level: float) -> dict[str, float]:
    """How much the 90 % forecast bands ("stop" now) hold the true person's course (:func:`band_hit`)."""
    true_x = {k: np.array([v]) for k, v in truth.items()}
    ahead, _, _, e_true, w_true = fit.forecast_draws("stop", FORECAST_H, values=true_x)
    _, _, x, e, w = fit.forecast_draws("stop", FORECAST_H, n_draws=FORECAST_DRAWS)
    i48, i24 = int(np.searchsorted(ahead, 48.0)), int(np.searchsorted(ahead, 24.0))
    pairs = (
        (w.max(axis=1), float(w_true[0].max())),
        (w[:, i48], float(w_true[0, i48])),
        (pain_mean(x, e)[:, i24], float(pain_mean(true_x, e_true)[0, i24])),
    )
    return {
        name: band_hit(draws, true, level)
        for name, (draws, true) in zip(FORECAST_CHECKS, pairs, strict=True)
    }


def band_hit(draws: FloatArray, true: float, level: float) -> float:
    """How much the central ``level`` band of ``draws`` holds ``true``: 1 or 0, or a share.

    A withdrawal score is 0 for everyone below the threshold, so its forecast has an atom at 0;
    a band whose lower end falls in that atom holds a true 0 whatever the fit, and a count of
    hits would credit a band as wide as 95 % when the fit is exact. Where the truth sits on an
    atom of the draws, the hit is the share of the atom's span of predictive probability, from
    F(true-) to F(true), that lies within the band's (1 - level)/2 to (1 + level)/2: the
    expected hit of the randomised PIT (Czado, Gneiting & Held 2009, Biometrics 65:1254-1261,
    doi:10.1111/j.1541-0420.2009.01191.x). Elsewhere the band is the percentiles as shown.
    """
    d = np.asarray(draws, dtype=np.float64)
    tie = np.abs(d - true) <= 1e-9
    if tie.any():
        below = float(np.mean(d < true - 1e-9))
        upto = below + float(np.mean(tie))
        a, b = (1 - level) / 2, (1 + level) / 2
        return max(0.0, min(upto, b) - max(below, a)) / (upto - below)
    tail = 100 * (1 - level) / 2
    lo, hi = np.percentile(d, [tail, 100 - tail])
    return float(lo - 1e-9 <= true <= hi + 1e-9)


def coverage_check(
    n_people: int,
    seed: int = 0,
    *,
    days: int = 14,
    withdrawal: bool = True,
    level: float = 0.90,
    draws_per_round: int = 2000,
    target_ess: float = 1000.0,
    workers: int = 1,
) -> CoverageResult:
    """Fit ``n_people`` simulated journals and count how often each interval covers the truth.

    Each person has its own random stream spawned from ``seed``, so the result does not depend
    on ``workers`` (processes used to fit people in parallel).
    """
    if n_people < 1 or workers < 1:
        raise JournalError(
            bad_value("n_people and workers must be ≥ 1", (n_people, workers), "Pass e.g. 200.")
        )
    seqs = np.random.SeedSequence(seed).spawn(n_people)
    jobs = [(s, days, withdrawal, level, draws_per_round, target_ess) for s in seqs]
    t0 = time.perf_counter()
    if workers == 1:
        results = [_one_person(j) for j in jobs]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_one_person, jobs))
    seconds = time.perf_counter() - t0
    covered: dict[str, float] = {}
    trials: dict[str, int] = {}
    for hits, _ in results:
        for name, hit in hits.items():
            covered[name] = covered.get(name, 0.0) + hit
            trials[name] = trials.get(name, 0) + 1
    ess = np.array([e for _, e in results])
    return CoverageResult(
        n_people, seed, level, covered, trials, float(np.median(ess)), float(ess.min()), seconds
    )
