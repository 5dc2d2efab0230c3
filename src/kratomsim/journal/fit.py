"""The personal fit: Bayesian estimates of a person's parameters from their journal, and forecasts.

The population model is the prior; a person's doses and ratings update a handful of person-level
parameters (:data:`~kratomsim.journal.fit_model.PERSON_PARAMETERS`; model and likelihood in
:mod:`.fit_model`). The posterior is sampled by adaptive importance sampling (:mod:`.fit_sampler`):
exact Bayesian weights, an effective sample size to show how well it is resolved, and a
calibration check (:mod:`.fit_check`) that measures how often its 90 % intervals hold the truth.

A forecast continues the journal under a plan the caller gives ("continue" the logged pattern,
"stop" now, or a regimen) and shows relief and withdrawal with credible bands. It never proposes
a plan and never says how much to take.

>>> from kratomsim.journal.fit_data import FitData
>>> data = FitData.from_records(
...     [(8 + 24 * d + 12 * k, 3.0) for d in range(5) for k in range(2)],
...     [(10 + 24 * d + 8 * k, 6.0 - 2 * (d > 0)) for d in range(5) for k in range(2)],
... )
>>> fit = fit_person(data, seed=1, draws_per_round=500, target_ess=200)
>>> fit.get("baseline_nrs").low < fit.get("baseline_nrs").high
True
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from kratomsim.errors import JournalError, KratomsimError, bad_value
from kratomsim.evidence import CitedValue
from kratomsim.journal.fit_data import FitData, check_enough
from kratomsim.journal.fit_model import (
    LIKELIHOOD_OUTPUTS,
    WITHDRAWAL_PARAMETERS,
    PersonModel,
    pain_mean,
)
from kratomsim.journal.fit_sampler import (
    WeightedDraws,
    resample,
    sample_posterior,
    weighted_quantiles,
)
from kratomsim.models.dosing import Regimen
from kratomsim.models.regimen_text import parse_time_h

FloatArray = NDArray[np.float64]
#: A parameter counts as informed by the data when its credible interval is narrower than this
#: share of its prior interval (same level).
INFORMATIVE_RATIO: Final = 0.8
#: Below this effective sample size the posterior is too coarsely resolved to trust its intervals.
MIN_ESS: Final = 200.0
#: Longest forecast (h): the model's slow states are assumptions; beyond weeks it says little.
MAX_HORIZON_H: Final = 90 * 24.0
#: The "continue" plan repeats the doses of at most this many last days of the journal.
PATTERN_DAYS: Final = 7
Plan = Literal["continue", "stop"] | Regimen


@dataclass(frozen=True)
class ParameterEstimate:
    """Posterior median and credible interval of one parameter, with its prior interval beside."""

    name: str
    unit: str
    median: float
    low: float
    high: float
    prior_low: float
    prior_high: float
    informative: bool
    prior: CitedValue

    @property
    def width_ratio(self) -> float:
        """Posterior interval width / prior interval width (log widths for log-uniform priors)."""
        if self.prior.distribution == "log-uniform":
            return float(np.log(self.high / self.low) / np.log(self.prior_high / self.prior_low))
        return (self.high - self.low) / (self.prior_high - self.prior_low)


@dataclass(frozen=True)
class ForecastSeries:
    """One forecast quantity over time: posterior median and credible band."""

    name: str
    unit: str
    median: FloatArray
    low: FloatArray
    high: FloatArray


@dataclass(frozen=True)
class Forecast:
    """Relief and withdrawal after the journal's last entry under the caller's plan.

    ``start_h`` is the last entry in the journal's hours (since ``FitData.origin`` when the
    journal has datetimes); ``hours_ahead`` counts from it.
    """

    plan: str
    start_h: float
    hours_ahead: FloatArray
    series: tuple[ForecastSeries, ...]
    level: float
    n_draws: int

    def get(self, name: str) -> ForecastSeries:
        for s in self.series:
            if s.name == name:
                return s
        raise KeyError(name)

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame({"hours_ahead": self.hours_ahead})
        for s in self.series:
            frame[s.name] = s.median
            frame[f"{s.name}_low"] = s.low
            frame[f"{s.name}_high"] = s.high
        return frame


@dataclass(frozen=True, eq=False)
class PersonalFit:
    """Posterior of the person-level parameters given one journal.

    ``estimates`` lists the withdrawal parameters (``wd_gain``, ``dep_k_h``, ``wd_threshold``,
    ``wd_onset_k``) only when withdrawal scores were logged (otherwise they keep their prior,
    which forecasts still carry). ``ess`` is the effective sample size of the weighted posterior
    draws; ``counts`` the entries used.
    """

    estimates: tuple[ParameterEstimate, ...]
    ess: float
    n_draws: int
    rounds: int
    counts: dict[str, int]
    level: float
    seed: int
    product: str
    model: PersonModel
    draws: WeightedDraws

    def get(self, name: str) -> ParameterEstimate:
        for e in self.estimates:
            if e.name == name:
                return e
        raise KeyError(name)

    @property
    def resolved(self) -> bool:
        """Whether the weighted draws resolve the posterior well enough (ESS ≥ :data:`MIN_ESS`)."""
        return self.ess >= MIN_ESS

    @property
    def uninformed(self) -> tuple[str, ...]:
        """Parameters whose posterior is indistinguishable from the prior."""
        return tuple(e.name for e in self.estimates if not e.informative)

    def summary(self) -> str:
        """One line on what the data could and could not tell."""
        warn = (
            ""
            if self.resolved
            else f"Posterior coarsely resolved (effective sample size {self.ess:.0f} < "
            f"{MIN_ESS:.0f}; raise draws_per_round or max_rounds). "
        )
        if not self.uninformed:
            return warn + "Every parameter was narrowed by the journal."
        if len(self.uninformed) == len(self.estimates):
            return warn + "The journal did not narrow any parameter: the result is the prior."
        return (
            warn
            + "The journal did not narrow "
            + ", ".join(self.uninformed)
            + ": for these the result is the prior."
        )

    def interval(self, name: str, level: float) -> tuple[float, float]:
        """Central credible interval of parameter ``name`` at another ``level``."""
        j = [p.name for p in self.model.priors].index(name)
        x = self.model.priors[j].from_z(self.draws.z[:, j])
        tail = (1 - level) / 2
        lo, hi = weighted_quantiles(x, self.draws.weights, np.array([tail, 1 - tail]))
        return float(lo), float(hi)

    def posterior_values(self, n: int, seed: int | None = None) -> dict[str, FloatArray]:
        """``n`` equally weighted posterior draws of every person-level parameter."""
        rng = np.random.default_rng(self.seed if seed is None else seed)
        idx = resample(self.draws.weights, n, rng)
        return _values(self.model, self.draws.z[idx])

    def forecast(
        self,
        plan: Plan,
        horizon: float | str,
        *,
        n_draws: int = 400,
        seed: int | None = None,
        step_h: float = 1.0,
    ) -> Forecast:
        """Relief (NRS points below baseline), expected pain and withdrawal after the last entry.

        Parameters
        ----------
        plan
            What happens after the journal ends, chosen by the caller: ``"continue"`` repeats the
            doses of the last (up to) 7 logged days; ``"stop"`` takes no more doses; or a
            :class:`Regimen` (e.g. parsed from ``"2 g every 12 h"``) of the journal's product,
            starting at the last entry.
        horizon
            Hours (number) or text such as ``"7 d"``; at most 90 days.
        n_draws, seed
            Posterior draws simulated, and their resampling seed (default: the fit's seed).
        step_h
            Spacing of the forecast times (h).
        """
        ahead, label, x, e, w = self.forecast_draws(
            plan, horizon, n_draws=n_draws, seed=seed, step_h=step_h
        )
        pain = pain_mean(x, e)
        relief = np.asarray(x["baseline_nrs"], float)[:, None] - pain
        tail = 100 * (1 - self.level) / 2

        def band(name: str, unit: str, v: FloatArray) -> ForecastSeries:
            lo, med, hi = np.percentile(v, [tail, 50.0, 100 - tail], axis=0)
            return ForecastSeries(name, unit, med, lo, hi)

        series = (
            band("relief_nrs", "NRS points below the person's baseline", relief),
            band("pain_nrs", "expected NRS 0-10 (without day-to-day noise)", pain),
            band("withdrawal_score", "SOWS points (0-64)", w),
        )
        return Forecast(label, self.model.data.end_h, ahead, series, self.level, n_draws)

    def forecast_draws(
        self,
        plan: Plan,
        horizon: float | str,
        *,
        n_draws: int = 400,
        seed: int | None = None,
        step_h: float = 1.0,
        values: dict[str, FloatArray] | None = None,
    ) -> tuple[FloatArray, str, dict[str, FloatArray], FloatArray, FloatArray]:
        """The simulated draws behind :meth:`forecast`: hours ahead, plan label, the parameter
        values, effective activation and withdrawal score ``(draws, times)``.

        ``values`` replaces the posterior draws (e.g. a simulated person's true values).
        """
        horizon_h = _horizon(horizon)
        if not (n_draws >= 1 and 0 < step_h <= horizon_h):
            raise JournalError(
                bad_value(
                    "Forecast needs n_draws ≥ 1 and 0 < step_h ≤ horizon",
                    (n_draws, step_h),
                    "Use e.g. n_draws=400, step_h=1.",
                )
            )
        m = self.model
        end = m.end_h
        new_t, new_g, label = _plan_doses(plan, m, horizon_h)
        scale = m.mg / np.array([d.amount_g for d in m.data.doses])
        per_g = float(np.median(scale))
        oh_per_g = float(np.median(m.oh7 / np.array([d.amount_g for d in m.data.doses])))
        dose_t = np.concatenate([m.dose_t, new_t])
        mg = np.concatenate([m.mg, new_g * per_g])
        oh = np.concatenate([m.oh7, new_g * oh_per_g])
        n_out = int(np.floor(horizon_h / step_h + 1e-9))
        ahead = np.arange(n_out + 1, dtype=np.float64) * step_h
        t = m.grid(end + ahead)
        idx = np.searchsorted(t, end + ahead)
        x = self.posterior_values(n_draws, seed) if values is None else values
        runs = m.simulate(x, t, dose_t=dose_t, mg=mg, oh7=oh, outputs=LIKELIHOOD_OUTPUTS)
        e = np.concatenate([r.effective_activation[:, idx] for r in runs])
        w = np.concatenate([r.withdrawal_score[:, idx] for r in runs])
        return ahead, label, x, e, w


def fit_person(
    data: FitData,
    *,
    seed: int = 0,
    level: float = 0.90,
    draws_per_round: int = 2000,
    target_ess: float = 1000.0,
    max_rounds: int = 16,
) -> PersonalFit:
    """Fit the person-level parameters to a journal.

    Main arguments
    --------------
    data
        The journal (:class:`FitData`); at least 3 doses and 5 pain ratings on 3 days.

    Other arguments
    ---------------
    seed
        Makes the result reproducible.
    level
        Credible level of the reported intervals (0.90: the 5th to 95th percentile).
    draws_per_round, target_ess, max_rounds
        Importance-sampling effort: rounds of ``draws_per_round`` model runs until the effective
        sample size reaches ``target_ess``.

    Ratings are compared with the model at their exact times.

    Raises
    ------
    JournalError
        Too few entries (the message says what to log), or entries the model cannot use.
    """
    if not 0.5 <= level < 1.0:
        raise JournalError(bad_value("Credible level must lie in [0.5, 1)", level, "Use 0.90."))
    check_enough(data)
    model = PersonModel.build(data)
    rng = np.random.default_rng(seed)

    def loglik(z: FloatArray) -> FloatArray:
        return model.log_likelihood(_values(model, z))

    draws = sample_posterior(
        loglik,
        len(model.priors),
        rng,
        draws_per_round=draws_per_round,
        target_ess=target_ess,
        max_rounds=max_rounds,
    )
    tail = (1 - level) / 2
    q = np.array([tail, 0.5, 1 - tail])
    estimates = []
    for j, prior in enumerate(model.priors):
        if prior.name in WITHDRAWAL_PARAMETERS and not data.withdrawal:
            continue
        x = prior.from_z(draws.z[:, j])
        lo, med, hi = weighted_quantiles(x, draws.weights, q)
        p_lo, p_hi = prior.from_unit(np.array([tail, 1 - tail]))
        est = ParameterEstimate(
            prior.name,
            prior.cited.unit,
            float(med),
            float(lo),
            float(hi),
            float(p_lo),
            float(p_hi),
            False,
            prior.cited,
        )
        estimates.append(replace(est, informative=bool(est.width_ratio < INFORMATIVE_RATIO)))
    return PersonalFit(
        tuple(estimates),
        draws.ess,
        draws.n,
        draws.rounds,
        data.counts(),
        level,
        seed,
        model.product.id,
        model,
        draws,
    )


def _values(model: PersonModel, z: FloatArray) -> dict[str, FloatArray]:
    return {p.name: p.from_z(z[:, j]) for j, p in enumerate(model.priors)}


def _horizon(horizon: float | str) -> float:
    try:
        h = parse_time_h(horizon) if isinstance(horizon, str) else float(horizon)
    except KratomsimError as exc:
        raise JournalError(str(exc)) from None
    if not (np.isfinite(h) and 0 < h <= MAX_HORIZON_H):
        raise JournalError(
            bad_value("Forecast horizon must lie in (0, 90 days]", horizon, "Give e.g. '7 d'.")
        )
    return h


def _plan_doses(
    plan: Plan, model: PersonModel, horizon_h: float
) -> tuple[FloatArray, FloatArray, str]:
    """Dose times (internal h, after the last entry) and grams of product under ``plan``."""
    end = model.end_h
    grams = np.array([d.amount_g for d in model.data.doses])
    if plan == "stop":
        return np.empty(0), np.empty(0), "stop: no doses after the last entry"
    if plan == "continue":
        first = float(model.dose_t[0])
        days = int(min(PATTERN_DAYS, max(1, np.ceil((end - first) / 24.0 - 1e-9))))
        period = 24.0 * days
        keep = model.dose_t > end - period
        t0, g0 = model.dose_t[keep], grams[keep]
        reps = int(np.ceil(horizon_h / period)) + 1
        t = np.concatenate([t0 + k * period for k in range(1, reps + 1)])
        g = np.tile(g0, reps)
        inside = (t > end) & (t <= end + horizon_h)
        return t[inside], g[inside], f"continue: the doses of the last {days} day(s), repeated"
    if not isinstance(plan, Regimen):
        raise JournalError(
            bad_value(
                "A forecast plan is 'continue', 'stop' or a Regimen",
                plan if isinstance(plan, str) else type(plan).__name__,
                "Pass 'continue', 'stop' or a parsed regimen (parse_regimen('2 g every 12 h')).",
            )
        )
    regimen = plan
    events = regimen.expand(horizon_h)
    inside = events.times_h <= horizon_h
    label = regimen.text or "regimen"
    return end + events.times_h[inside], events.amounts_g[inside], f"regimen: {label}"
