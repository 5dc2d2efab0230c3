"""The personal model: the population model with a few person-level parameters, and its likelihood.

Person-level parameters (priors from the cited ranges, see :func:`person_priors`):

* ``baseline_nrs``: untreated mean pain (``journal_fit.toml``);
* ``nrs_relief_max``: fraction of baseline pain removed as effective activation → 1;
* ``tol_k_on``: tolerance development rate;
* ``content_multiplier``: actual / labelled mitragynine (and 7-OH) content of the product logged,
  with the product type's cited content range as its prior;
* ``nrs_day_sd``, ``nrs_day_rho``: day-to-day pain fluctuation (SD, correlation one day apart);
* ``wd_gain``: scale of the withdrawal-score map;
* ``dep_k_h``: how fast the body adapts to the drug (physical dependence);
* ``wd_threshold``: how far the drive may fall below the adapted level before withdrawal shows;
* ``wd_onset_k``: how quickly withdrawal follows a fall of the drive (someone with a fast onset
  feels withdrawal between doses; the typical person does not).

The four withdrawal parameters are informed only by logged SOWS scores (withdrawal logged while
still dosing, between doses, moves them as much as withdrawal after stopping). Every parameter
not named here (receptor reserve, tolerance ceiling and recovery, withdrawal steepness, …) stays
at its cited central value, the central set of the population calibration: the fit is
conditional on the population model, which is what makes it a low-dimensional problem.

Observation model. Pain ratings: ``NRS(t) = baseline·(1 − relief_max·E_eff(t)) + x(t) + ε``, with
``x`` an Ornstein–Uhlenbeck process (stationary SD ``nrs_day_sd``, correlation ``nrs_day_rho``
per day, as in :func:`kratomsim.models.pain.chronic_nrs`) and ``ε`` an independent rating error
(``fit_rating_noise_sd``); the likelihood is exact by a scalar Kalman filter. Ratings are treated
as continuous and unbounded (the 0/10 ends are not modelled as censoring). SOWS scores: the
modelled withdrawal score plus Gaussian error (``fit_sows_noise_sd``), censored at 0 and 64.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Final

import numpy as np
from numpy.typing import NDArray
from scipy.special import log_ndtr, ndtri

from kratomsim.engine.subjects import Dosing, SubjectOutputs, simulate_subjects
from kratomsim.errors import JournalError, KratomsimError, bad_value
from kratomsim.evidence import CitedValue, Product, load_parameters, resolve_product
from kratomsim.evidence.model_parameters import central_values, cited
from kratomsim.evidence.posterior import pd_posterior
from kratomsim.journal.fit_data import SOWS_MAX, FitData
from kratomsim.journal.fit_sampler import Prior

FloatArray = NDArray[np.float64]

#: Person-level parameters in sampling order.
PERSON_PARAMETERS: Final = (
    "baseline_nrs",
    "nrs_relief_max",
    "tol_k_on",
    "content_multiplier",
    "nrs_day_sd",
    "nrs_day_rho",
    "wd_gain",
    "dep_k_h",
    "wd_threshold",
    "wd_onset_k",
)
#: Person-level parameters that only logged withdrawal scores inform.
WITHDRAWAL_PARAMETERS: Final = ("wd_gain", "dep_k_h", "wd_threshold", "wd_onset_k")
#: Names in the full model's parameter set that a person-level value replaces.
_MODEL_NAMES: Final = ("tol_k_on", "wd_gain", "dep_k_h", "wd_threshold", "wd_onset_k")
#: A person's dependence rate, withdrawal threshold and onset rate: the ensemble's 5-95 % range of the typical
#: value, widened by this factor on each side for the spread between people (ASSUMPTION: the
#: population studies do not resolve that spread).
PERSON_WIDEN: Final = 2.0
#: Resolution of the model's time axis (h): entries are placed on the nearest quarter hour (a
#: shift of at most 7.5 min, far inside what a rating "around now" means), so that the kernel
#: meets few distinct interval lengths (see :meth:`PersonModel.grid`).
TIME_RESOLUTION_H: Final = 0.25
#: The outputs the likelihood and the forecasts read: their own kernel is about a quarter faster
#: than the full one (``benchmarks/bench_engine.py`` workload, 1 thread: 108 vs 141 µs a subject).
LIKELIHOOD_OUTPUTS: Final = ("effective_activation", "withdrawal_score")
#: Draws simulated per call of the full model (bounds memory: arrays are draws × grid times).
CHUNK: Final = 1000


@cache
def _fit_values() -> dict[str, CitedValue]:
    return dict(load_parameters(("journal_fit.toml",)).items())


def content_prior(product: Product) -> CitedValue:
    """Prior of actual/labelled content: the product type's cited range around its value."""
    mg = product.mg_per_g
    return CitedValue(
        name="content_multiplier",
        value=1.0,
        unit="1 (actual / labelled mg per g)",
        low=mg.low / mg.value,
        high=mg.high / mg.value,
        distribution="log-uniform",
        kind="derived",
        source=mg.source,
        locator=f"products.toml {product.id}.mg_per_g: {mg.low:g}-{mg.high:g} around "
        f"{mg.value:g} mg/g, as a ratio ({mg.locator})",
        species=mg.species,
        grade=mg.grade,
        note="ASSUMPTION when the label gives mg_per_g: a label is taken to be as uncertain as "
        "the spread of the product type's content.",
    )


def person_wd_gain(typical: CitedValue) -> CitedValue:
    """Prior of one person's withdrawal gain: the population posterior's typical value times the
    fitted between-person spread (5-95 % of ``wd_gain·exp(omega_wd_gain·z)`` over the ensemble)."""
    post = pd_posterior()
    if "wd_gain" not in post or "omega_wd_gain" not in post:
        return typical
    z = ndtri((np.arange(200) + 0.5) / 200)
    person = (
        post["wd_gain"][:, None] * np.exp(post["omega_wd_gain"][:, None] * z[None, :])
    ).ravel()
    lo, hi = np.percentile(person, [5, 95])
    return typical.model_copy(
        update={
            "low": float(min(lo, typical.value)),
            "high": float(max(hi, typical.value)),
            "distribution": "log-uniform",
            "note": "Prior of one person: the population posterior of the typical gain times the "
            "fitted between-person spread, 5-95 % (pd_posterior.toml).",
        }
    )


def person_widened(typical: CitedValue) -> CitedValue:
    """Prior of one person's value of a parameter the population calibration fitted only as a
    typical value: the ensemble's 5-95 % range widened by :data:`PERSON_WIDEN` each side."""
    post = pd_posterior()
    if typical.name not in post:
        return typical
    lo, hi = np.percentile(post[typical.name], [5, 95])
    lo, hi = min(lo, typical.value) / PERSON_WIDEN, max(hi, typical.value) * PERSON_WIDEN
    return typical.model_copy(
        update={
            "low": float(lo),
            "high": float(hi),
            "distribution": "log-uniform",
            "kind": "assumption",
            "note": "Prior of one person: the population posterior's 5-95 % range of the typical "
            f"value (pd_posterior.toml), widened ×/÷ {PERSON_WIDEN:g} for the spread between "
            "people (ASSUMPTION: the population studies do not resolve that spread).",
        }
    )


def person_priors(product: Product) -> tuple[Prior, ...]:
    """The priors of :data:`PERSON_PARAMETERS` for a journal of ``product``.

    Where the population calibration fitted a parameter, its posterior sets the prior, widened
    for the spread between people (``wd_gain`` by the fitted spread, the dependence rate,
    withdrawal threshold and onset rate by an assumed factor): the prior is for one person.
    """
    model = {
        v.name: v
        for v in cited(
            product.absorption,
            ("nrs_relief_max", "tol_k_on", "wd_gain", "dep_k_h", "wd_threshold", "wd_onset_k"),
        )
    }
    model["wd_gain"] = person_wd_gain(model["wd_gain"])
    for name in ("dep_k_h", "wd_threshold", "wd_onset_k"):
        model[name] = person_widened(model[name])
    day = load_parameters(("adaptation.toml",))
    shared = {**model, "nrs_day_sd": day["nrs_day_sd"], "nrs_day_rho": day["nrs_day_rho"]}
    shared["baseline_nrs"] = _fit_values()["fit_baseline_nrs"]
    shared["content_multiplier"] = content_prior(product)
    return tuple(Prior(n, shared[n]) for n in PERSON_PARAMETERS)


@dataclass(frozen=True, eq=False)
class PersonModel:
    """A journal bound to the model: dose inputs, observation times and the likelihood.

    Internal times are hours since the journal's first entry (the model starts drug-naive there).
    """

    data: FitData
    product: Product
    priors: tuple[Prior, ...]
    offset_h: float
    dose_t: FloatArray
    mg: FloatArray
    oh7: FloatArray
    #: times are placed on multiples of this (h); 0 keeps them exact (see :func:`snap_times`)
    resolution_h: float = TIME_RESOLUTION_H

    @classmethod
    def build(cls, data: FitData, *, resolution_h: float | None = None) -> PersonModel:
        """The model of ``data``'s person; ``resolution_h`` (default :data:`TIME_RESOLUTION_H`;
        0: exact) places the entries' times on its multiples."""
        res = TIME_RESOLUTION_H if resolution_h is None else float(resolution_h)
        if not data.doses:
            raise JournalError(bad_value("No doses in the journal", 0, "Log doses first."))
        try:
            products = {d.product: resolve_product(d.product) for d in data.doses}
        except KratomsimError as exc:
            raise JournalError(str(exc)) from None
        classes = {p.absorption for p in products.values()}
        if len(classes) > 1:
            raise JournalError(
                bad_value(
                    "The journal mixes products absorbed differently",
                    sorted(products),
                    "Fit the entries of one product type at a time.",
                )
            )
        main = products[Counter(d.product for d in data.doses).most_common(1)[0][0]]
        label = [
            d.mg_per_g if d.mg_per_g is not None else products[d.product].mg_per_g.value
            for d in data.doses
        ]
        amounts = np.array([d.amount_g for d in data.doses])
        oh = np.array([products[d.product].oh7_mg_per_g.value for d in data.doses])
        offset = data.start_h
        return cls(
            data,
            main,
            person_priors(main),
            offset,
            snap_times(np.array([d.time_h for d in data.doses]) - offset, res),
            amounts * np.asarray(label, float),
            amounts * oh,
            res,
        )

    @property
    def absorption(self) -> str:
        return self.product.absorption

    @property
    def end_h(self) -> float:
        """Last entry, in internal hours (placed as :meth:`internal_h` places times)."""
        return float(snap_times(np.array(self.data.end_h - self.offset_h), self.resolution_h))

    def internal_h(self, times_h: FloatArray) -> FloatArray:
        """Journal times (h) → the model's time axis (from the first entry, snapped)."""
        return snap_times(np.asarray(times_h, float) - self.offset_h, self.resolution_h)

    @staticmethod
    def grid(times_h: FloatArray) -> FloatArray:
        """Output grid: the model start, every whole hour up to the last time, and the times
        asked for (sorted, distinct).

        The kernel steps between grid and dose times to its own accuracy, setting up its
        propagators once for each distinct interval length. With every time on a quarter hour
        and a node on each whole hour, the intervals take at most four lengths; times of day as
        people log them would otherwise give each interval its own set-up (a month of entries
        at irregular minutes: about 7× the work of the whole fit).
        """
        t = np.asarray(times_h, float)
        hours = np.arange(0.0, np.ceil(t.max(initial=0.0)) + 1.0)
        return np.unique(np.concatenate([[0.0], hours, t]))

    def simulate(
        self,
        x: Mapping[str, FloatArray],
        time_h: FloatArray,
        *,
        dose_t: FloatArray | None = None,
        mg: FloatArray | None = None,
        oh7: FloatArray | None = None,
        outputs: tuple[str, ...] | None = None,
    ) -> list[SubjectOutputs]:
        """Run the full model for person-level values ``x`` (arrays ``(draws,)``), in chunks.

        ``outputs`` (default: all) selects the kernel: one for fewer outputs skips the states and
        algebra that none of them needs.
        """
        base = central_values(self.absorption)
        n = int(np.asarray(x["content_multiplier"]).size)
        dt = self.dose_t if dose_t is None else dose_t
        mg_d = self.mg if mg is None else mg
        oh_d = self.oh7 if oh7 is None else oh7
        dosing = Dosing(self.absorption, dt, mg_d[None, :], oh_d[None, :], time_h)
        out = []
        for s in range(0, n, CHUNK):
            sl = slice(s, min(n, s + CHUNK))
            m = sl.stop - sl.start
            values = {k: np.full(m, v) for k, v in base.items()}
            for name in _MODEL_NAMES:
                if name in x:
                    values[name] = np.asarray(x[name], float)[sl]
            out.append(
                simulate_subjects(
                    values,
                    dosing.with_content(np.asarray(x["content_multiplier"], float)[sl]),
                    outputs=outputs,
                )
            )
        return out

    def observed(self, x: Mapping[str, FloatArray]) -> tuple[FloatArray, FloatArray]:
        """Effective activation at the pain ratings and withdrawal score at the SOWS entries."""
        pain_t = self.internal_h(np.array([r.time_h for r in self.data.pain]))
        sows_t = self.internal_h(np.array([r.time_h for r in self.data.withdrawal]))
        obs_t = np.concatenate([pain_t, sows_t])
        t = self.grid(obs_t)
        ip, iw = np.searchsorted(t, pain_t), np.searchsorted(t, sows_t)
        runs = self.simulate(x, t, outputs=LIKELIHOOD_OUTPUTS)
        e = np.concatenate([r.effective_activation[:, ip] for r in runs])
        w = np.concatenate([r.withdrawal_score[:, iw] for r in runs])
        return e, w

    def log_likelihood(self, x: Mapping[str, FloatArray]) -> FloatArray:
        """Log-likelihood of the journal's ratings for each draw of ``x``, shape ``(draws,)``."""
        e, w = self.observed(x)
        ll = self.pain_log_likelihood(x, e)
        if self.data.withdrawal:
            ll = ll + sows_log_likelihood(np.array([r.value for r in self.data.withdrawal]), w)
        return ll

    def pain_log_likelihood(self, x: Mapping[str, FloatArray], e_eff: FloatArray) -> FloatArray:
        pain_t = np.array([r.time_h for r in self.data.pain])
        y = np.array([r.value for r in self.data.pain])
        return nrs_log_likelihood(
            y,
            pain_t,
            pain_mean(x, e_eff),
            np.asarray(x["nrs_day_sd"], float),
            np.asarray(x["nrs_day_rho"], float),
            rating_noise_sd(),
        )


def rating_noise_sd() -> float:
    return _fit_values()["fit_rating_noise_sd"].value


def sows_noise_sd() -> float:
    return _fit_values()["fit_sows_noise_sd"].value


def pain_mean(x: Mapping[str, FloatArray], e_eff: FloatArray) -> FloatArray:
    """Expected NRS: ``baseline·(1 − relief_max·E_eff)``, shape of ``e_eff`` (draws first)."""
    b = np.asarray(x["baseline_nrs"], float)[:, None]
    r = np.asarray(x["nrs_relief_max"], float)[:, None]
    return b * (1.0 - r * e_eff)


def nrs_log_likelihood(
    y: FloatArray,
    t_h: FloatArray,
    mean: FloatArray,
    sd: FloatArray,
    rho: FloatArray,
    rating_sd: float,
) -> FloatArray:
    """Exact log-likelihood of ratings ``y`` (times sorted) under OU day-to-day noise + rating error.

    A scalar Kalman filter over the ratings, vectorised over draws: ``mean`` is ``(draws, n)``,
    ``sd`` and ``rho`` are ``(draws,)``.
    """
    n_draws = mean.shape[0]
    m = np.zeros(n_draws)
    p = sd**2
    r2 = rating_sd**2
    ll = np.zeros(n_draws)
    for i in range(y.size):
        if i > 0:
            phi = np.power(rho, (t_h[i] - t_h[i - 1]) / 24.0)
            m = phi * m
            p = phi**2 * p + sd**2 * (1.0 - phi**2)
        v = y[i] - mean[:, i] - m
        s = p + r2
        ll -= 0.5 * (np.log(2.0 * np.pi * s) + v**2 / s)
        k = p / s
        m = m + k * v
        p = (1.0 - k) * p
    return ll


def sows_log_likelihood(y: FloatArray, score: FloatArray) -> FloatArray:
    """Log-likelihood of SOWS totals ``y`` given modelled scores ``(draws, n)``, censored at 0/64."""
    s = sows_noise_sd()
    low, high = y <= 0.0, y >= SOWS_MAX
    mid = ~(low | high)
    # normal densities and tails from scipy.special (scipy.stats costs ~1 s to import)
    v = (y[None, mid] - score[:, mid]) / s
    ll = (-0.5 * v**2 - np.log(s) - 0.5 * np.log(2.0 * np.pi)).sum(axis=1)
    ll += log_ndtr(-score[:, low] / s).sum(axis=1)
    ll += log_ndtr((score[:, high] - SOWS_MAX) / s).sum(axis=1)
    return np.asarray(ll, float)


def snap_times(times_h: FloatArray, resolution_h: float) -> FloatArray:
    """``times_h`` rounded to the nearest multiple of ``resolution_h`` (unchanged if it is 0)."""
    t = np.asarray(times_h, float)
    return t if resolution_h == 0 else np.round(t / resolution_h) * resolution_h


def prepare_likelihood_kernel() -> None:
    """Compile (or load) the kernel the likelihood runs, on one subject and one dose: the set-up's
    warm-up calls it so that a person's first fit does not wait for the compiler."""
    dosing = Dosing(
        "capsule", np.array([0.0]), np.array([[10.0]]), np.array([[0.1]]), np.array([1.0])
    )
    simulate_subjects(central_values("capsule"), dosing, outputs=LIKELIHOOD_OUTPUTS)
