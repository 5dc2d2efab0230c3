"""Calibrating the pain-response system to what people who use kratom report, study by study.

The uncertain parameters of tolerance, dependence, withdrawal and cold-pressor analgesia
(:data:`CALIBRATED`) are fitted jointly to every weighed observation of the population studies
(:mod:`kratomsim.analyses.pd_targets`): for each candidate parameter set, virtual cohorts like the
studies' samples are simulated with the model specification's kernel
(:mod:`kratomsim.analyses.cohorts`) and the studies' statistics computed from them.

Inference: **adaptive multiple importance sampling** (AMIS; Cornuet, Marin, Mira & Robert 2012,
Scand J Stat 39:798–812, doi:10.1111/j.1467-9469.2011.00756.x). Wave 0 is a scrambled Sobol design
over the prior box (log-uniform priors: the parameters' cited ranges); each later wave draws from a
multivariate Student-t fitted to the weighted sets so far; every set's weight uses the
deterministic mixture of all proposals. The final weights are Pareto-smoothed (PSIS; Vehtari,
Simpson, Gelman, Yao & Gabry 2024, JMLR 25(72):1–58) with ArviZ, whose Pareto k says whether the
weights can be trusted (k < 0.7). Why this and not MCMC: one likelihood evaluation is a whole set
of virtual cohorts over six weeks of use; AMIS evaluates thousands of sets in large vectorised
kernel calls (not one chain step at a time), reuses every evaluation, and its weights give
leave-one-study-out fits for free: dropping a study's likelihood from the weights refits without
it (with PSIS's k checking the reweighting is reliable).

:func:`calibrate` returns the weighted sets, an equally weighted resampled ensemble (what the
outcomes draw from), the posterior predictive of every observation and the leave-one-study-out
predictions.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import stats
from scipy.special import logsumexp as _logsumexp

from kratomsim.analyses.cohorts import CohortRun, make_cohort, simulate_cohort
from kratomsim.analyses.pd_targets import Target, targets
from kratomsim.evidence import CitedValue, load_parameters

FloatArray = NDArray[np.float64]


def logsumexp(x: FloatArray, axis: int | None = None) -> FloatArray:
    """SciPy's logsumexp as an array (its annotations allow a tuple)."""
    return np.asarray(_logsumexp(x, axis=axis), dtype=np.float64)


#: The parameters fitted here (specification names, plus the between-person spread of wd_gain).
CALIBRATED = (
    "mor_reserve_factor",
    "tol_k_on",
    "tol_k_off",
    "tol_max",
    "dep_k_h",
    "wd_threshold",
    "wd_onset_k",
    "wd_gain",
    "wd_steepness",
    "cpt_gain",
    "omega_wd_gain",
)
PRIOR_FILES = ("adaptation.toml", "receptors.toml", "outcomes.toml", "pd_calibration.toml")


def priors() -> dict[str, CitedValue]:
    """The cited range of each calibrated parameter: its log-uniform prior."""
    p = load_parameters(PRIOR_FILES)
    return {name: p[name] for name in CALIBRATED}


@dataclass(frozen=True)
class Evaluation:
    """Parameter sets (log scale, rows) with each target's simulated statistic and log-likelihood."""

    log_theta: FloatArray
    statistics: FloatArray  # (sets, targets)
    loglik: FloatArray  # (sets, targets)


def evaluate(
    log_theta: FloatArray,
    tgts: tuple[Target, ...],
    per_group: int,
    *,
    chunk: int = 128,
    progress: Callable[[int, int], None] | None = None,
) -> Evaluation:
    """Simulate every cohort for every set of ``log_theta`` and weigh every target."""
    names = {t.cohort for t in tgts}
    cohorts = {n: make_cohort(n, per_group) for n in sorted(names)}
    n = log_theta.shape[0]
    stat = np.empty((n, len(tgts)))
    for start in range(0, n, chunk):
        rows = slice(start, min(start + chunk, n))
        theta = {k: np.exp(log_theta[rows, j]) for j, k in enumerate(CALIBRATED)}
        runs: dict[str, CohortRun] = {c: simulate_cohort(co, theta) for c, co in cohorts.items()}
        for j, t in enumerate(tgts):
            stat[rows, j] = t.statistic(runs[t.cohort])
        if progress is not None:
            progress(rows.stop, n)
    ll = np.column_stack([t.loglik(stat[:, j]) for j, t in enumerate(tgts)])
    return Evaluation(log_theta, stat, ll)


def _box() -> tuple[FloatArray, FloatArray]:
    pr = priors()
    lo = np.log([pr[n].low for n in CALIBRATED])
    hi = np.log([pr[n].high for n in CALIBRATED])
    return lo, hi


@dataclass(frozen=True)
class _Proposal:
    mean: FloatArray
    cov: FloatArray
    df: float
    log_inside: float  # log of the share of the untruncated t inside the prior box

    def logpdf(self, x: FloatArray) -> FloatArray:
        t = stats.multivariate_t(self.mean, self.cov, df=self.df)  # pyright: ignore[reportArgumentType]
        return t.logpdf(x) - self.log_inside

    def draw(self, n: int, rng: np.random.Generator, lo: FloatArray, hi: FloatArray) -> FloatArray:
        t = stats.multivariate_t(self.mean, self.cov, df=self.df, seed=rng)  # pyright: ignore[reportArgumentType]
        out: list[FloatArray] = []
        while sum(len(o) for o in out) < n:
            x = np.atleast_2d(t.rvs(4 * n))
            out.append(x[np.all((x >= lo) & (x <= hi), axis=1)])
        return np.concatenate(out)[:n]


def _fit_proposal(
    x: FloatArray, logw: FloatArray, lo: FloatArray, hi: FloatArray, rng: np.random.Generator
) -> _Proposal:
    w = np.exp(logw - logsumexp(logw))
    mean = w @ x
    d = x - mean
    cov = (d * w[:, None]).T @ d
    # widen (a proposal must be heavier-tailed than the target) and keep it well conditioned
    span = (hi - lo) ** 2
    cov = 2.0 * cov + np.diag(1e-3 * span)
    t = stats.multivariate_t(mean, cov, df=5.0, seed=rng)  # pyright: ignore[reportArgumentType]
    probe = np.atleast_2d(t.rvs(20000))
    inside = np.mean(np.all((probe >= lo) & (probe <= hi), axis=1))
    return _Proposal(mean, cov, 5.0, float(np.log(max(inside, 1e-6))))


def _log_mixture(x: FloatArray, counts: list[int], props: list[_Proposal | None], box: float):
    """log of the deterministic mixture density (wave 0: uniform on the box, log volume ``box``)."""
    n = sum(counts)
    terms = []
    for c, p in zip(counts, props, strict=True):
        dens = np.full(x.shape[0], -box) if p is None else p.logpdf(x)
        terms.append(np.log(c / n) + dens)
    return logsumexp(np.vstack(terms), axis=0)


def _tempered(ll: FloatArray, base: FloatArray, share: float = 0.05) -> FloatArray:
    """Log-weights ``ll/τ + base`` with the smallest τ ≥ 1 whose effective sample size is at
    least ``share`` of the sets: the next proposal covers the posterior's neighbourhood instead of
    collapsing on the few best sets of an early wave."""
    need = max(share * ll.size, min(50.0, ll.size / 2))
    if ess(ll + base) >= need:
        return ll + base
    lo_t, hi_t = 0.0, 12.0  # log τ
    for _ in range(40):
        mid = (lo_t + hi_t) / 2
        if ess(ll / np.exp(mid) + base) >= need:
            hi_t = mid
        else:
            lo_t = mid
    return ll / np.exp(hi_t) + base


def _learning_rate(total: FloatArray, base: FloatArray, min_ess: float) -> float:
    """The largest η ≤ 1 with ``ess(η·total + base) ≥ min_ess`` (bisection on log η)."""
    if ess(total + base) >= min_ess:
        return 1.0
    lo, hi = -12.0, 0.0  # log η: hi fails, lo passes
    if ess(np.exp(lo) * total + base) < min_ess:
        return float(np.exp(lo))
    for _ in range(40):
        mid = (lo + hi) / 2
        if ess(np.exp(mid) * total + base) >= min_ess:
            lo = mid
        else:
            hi = mid
    return float(np.exp(lo))


def psis(logw: FloatArray) -> tuple[FloatArray, float]:
    """Pareto-smoothed normalised log-weights and the Pareto k (ArviZ)."""
    with warnings.catch_warnings():
        # ArviZ 0.x announces its 1.0 refactor with a FutureWarning on the first import of each
        # day (whatever is called); psislw itself is current API. Only that notice is silenced.
        warnings.filterwarnings(
            "ignore", message=r"\s*ArviZ is undergoing a major refactor", category=FutureWarning
        )
        import arviz as az  # heavy import, only for calibrations

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lw, k = az.psislw(np.asarray(logw, float).copy())
    return np.asarray(lw, float), float(np.asarray(k))


def ess(logw: FloatArray) -> float:
    w = np.exp(logw - logsumexp(logw))
    return float(1.0 / np.sum(w**2))


@dataclass(frozen=True)
class Prediction:
    """A target's simulated statistic under a weighting: median and 90 % interval."""

    key: str
    observed: float
    median: float
    low: float
    high: float
    pareto_k: float | None = None

    @property
    def covered(self) -> bool:
        return self.low <= self.observed <= self.high


@dataclass(frozen=True)
class Calibration:
    """The result of :func:`calibrate` (see the module docstring)."""

    targets: tuple[Target, ...]
    evaluation: Evaluation
    log_weights: FloatArray  # PSIS-smoothed, normalised
    pareto_k: float
    ess: float
    ensemble: FloatArray  # (sets, CALIBRATED) on the natural scale, equally weighted
    fitted: tuple[Prediction, ...]
    leave_one_out: tuple[Prediction, ...]
    waves: int
    seed: int
    #: likelihood weight η of the shipped posterior (1 = the plain posterior; see calibrate)
    learning_rate: float = 1.0
    #: effective sample size of the plain posterior (η = 1)
    full_ess: float = float("nan")
    notes: list[str] = field(default_factory=list)
    #: each ensemble member's simulated statistic of every target, shape (sets, targets)
    ensemble_statistics: FloatArray | None = None

    def ensemble_dict(self) -> dict[str, FloatArray]:
        return {n: self.ensemble[:, j] for j, n in enumerate(CALIBRATED)}


def _wquantile(x: FloatArray, logw: FloatArray, qs: tuple[float, ...]) -> list[float]:
    w = np.exp(logw - logsumexp(logw))
    order = np.argsort(x)
    cw = np.cumsum(w[order])
    return [float(x[order][min(np.searchsorted(cw, q), x.size - 1)]) for q in qs]


def _value(t: Target) -> float:
    v = t.observation.value
    return float("nan") if v is None else float(v)


def _predictions(
    ev: Evaluation, tgts: tuple[Target, ...], logw: FloatArray, k: float | None, cols: list[int]
) -> list[Prediction]:
    out = []
    for j in cols:
        lo, med, hi = _wquantile(ev.statistics[:, j], logw, (0.05, 0.5, 0.95))
        out.append(Prediction(tgts[j].key, _value(tgts[j]), med, lo, hi, k))
    return out


def calibrate(
    *,
    sets_per_wave: int = 256,
    waves: int = 4,
    per_group: int = 12,
    ensemble_size: int = 200,
    seed: int = 0,
    learning_rate: float | None = None,
    min_ess: float = 100.0,
    progress: Callable[[str, int, int], None] | None = None,
) -> Calibration:
    """Fit :data:`CALIBRATED` to every weighed observation (AMIS, see the module docstring).

    ``learning_rate`` η weighs the likelihood (general Bayesian updating with a learning rate,
    Bissiri, Holmes & Walker 2016, J R Stat Soc B 78:1103–1130, doi:10.1111/rssb.12158): ``None``
    takes the largest η ≤ 1 at which the weights still rest on ``min_ess`` effective sets. Where
    the model cannot reproduce some observations (it says which), the plain posterior (η = 1)
    collapses onto a handful of sets that trade one misfit against another; a smaller η keeps the
    spread that this misspecification leaves. The calibration reports η and the plain
    posterior's effective sample size.
    """
    if sets_per_wave < 16 or waves < 1 or ensemble_size < 1:
        raise ValueError("sets_per_wave must be ≥ 16, waves ≥ 1 and ensemble_size ≥ 1")
    tgts = targets()
    lo, hi = _box()
    box = float(np.sum(hi - lo))
    rng = np.random.default_rng(seed)
    sobol = stats.qmc.Sobol(len(CALIBRATED), scramble=True, rng=rng)
    x = lo + sobol.random(sets_per_wave) * (hi - lo)
    counts: list[int] = []
    props: list[_Proposal | None] = []
    evals: list[Evaluation] = []
    proposal: _Proposal | None = None
    for wave in range(waves):
        if wave > 0:
            assert proposal is not None
            x = proposal.draw(sets_per_wave, rng, lo, hi)

        def tick(done: int, total: int, wave: int = wave) -> None:
            if progress is not None:
                progress(f"wave {wave + 1} of {waves}", done, total)

        evals.append(evaluate(x, tgts, per_group, progress=tick))
        counts.append(x.shape[0])
        props.append(proposal)
        allx = np.vstack([e.log_theta for e in evals])
        ll = np.concatenate([e.loglik.sum(axis=1) for e in evals])
        base = -_log_mixture(allx, counts, props, box)
        proposal = _fit_proposal(allx, _tempered(ll, base), lo, hi, rng)
    ev = Evaluation(
        np.vstack([e.log_theta for e in evals]),
        np.vstack([e.statistics for e in evals]),
        np.vstack([e.loglik for e in evals]),
    )
    base = -_log_mixture(ev.log_theta, counts, props, box)
    total = ev.loglik.sum(axis=1)
    full_ess = ess(total + base)
    eta = _learning_rate(total, base, min_ess) if learning_rate is None else learning_rate
    lw, k = psis(eta * total + base)
    # systematic resampling into an equally weighted ensemble
    w = np.exp(lw - logsumexp(lw))
    pos = (rng.random() + np.arange(ensemble_size)) / ensemble_size
    idx = np.minimum(np.searchsorted(np.cumsum(w), pos), w.size - 1)
    ensemble = np.exp(ev.log_theta[idx])
    fitted = _predictions(ev, tgts, lw, k, list(range(len(tgts))))
    loso: list[Prediction] = []
    for study in dict.fromkeys(t.study for t in tgts):
        cols = [j for j, t in enumerate(tgts) if t.study == study]
        keep = [j for j in range(len(tgts)) if j not in cols]
        lw_s, k_s = psis(eta * ev.loglik[:, keep].sum(axis=1) + base)
        loso += _predictions(ev, tgts, lw_s, k_s, cols)
    return Calibration(
        tgts, ev, lw, k, ess(lw), ensemble, tuple(fitted), tuple(loso), waves, seed, eta, full_ess,
        ensemble_statistics=ev.statistics[idx],
    )  # fmt: skip


def summary_rows(cal: Calibration) -> list[Mapping[str, object]]:
    """One row per weighed observation: observed, fitted and left-out predictions."""
    loso = {p.key: p for p in cal.leave_one_out}
    rows = []
    for t, p in zip(cal.targets, cal.fitted, strict=True):
        q = loso[p.key]
        rows.append(
            {
                "observation": p.key,
                "reading": t.reading,
                "observed": p.observed,
                "fitted": p.median,
                "fitted_low": p.low,
                "fitted_high": p.high,
                "left_out": q.median,
                "left_out_low": q.low,
                "left_out_high": q.high,
                "left_out_pareto_k": q.pareto_k,
                "left_out_covers": q.covered,
            }
        )
    return rows
