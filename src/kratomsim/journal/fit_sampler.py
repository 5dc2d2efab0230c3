"""Priors on bounded ranges and adaptive importance sampling of a low-dimensional posterior.

Every person-level prior is uniform or log-uniform on a cited range. Mapped through
``z = logit(u)`` (``u`` the position in the range, on a log scale for log-uniform) each becomes
a standard logistic density on the real line, so a proposal can be any density on ℝᵈ.

The posterior is sampled by adaptive multiple importance sampling (Cornuet et al. 2012, "Adaptive
multiple importance sampling", Scand J Stat 39:798): round 0 draws from the prior; each later
round draws from a heavy-tailed Student-t fitted to the weighted draws so far (their weights
clipped so that at least √n draws share the largest: Koblents & Míguez 2015), widened, mixed
with the prior (a defensive component, Hesterberg 1995), and all rounds are weighted together
against the mixture of every proposal used (the balance heuristic, Veach & Guibas 1995). Weights
are exact ratios posterior/proposal up to a constant, so the estimate is the Bayesian posterior;
the effective sample size (Kish) says how well it is resolved. Every round evaluates its draws in
one vectorised call of the likelihood.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import solve_triangular
from scipy.special import expit, gammaln, logit, logsumexp

from kratomsim.errors import JournalError, bad_value
from kratomsim.evidence import CitedValue

FloatArray = NDArray[np.float64]

#: Degrees of freedom of the Student-t proposals (heavy tails keep weights bounded).
PROPOSAL_DF: Final = 5.0
#: Scale factor on the fitted posterior covariance for the next proposal.
PROPOSAL_WIDEN: Final = 1.5
#: Share of each adaptive proposal drawn from the prior (defensive mixture).
DEFENSIVE_SHARE: Final = 0.1
#: Fewest draws that share the largest weight when a proposal is fitted (:func:`clipped_weights`).
CLIP_MIN: Final = 20


@dataclass(frozen=True)
class Prior:
    """A person-level parameter: its cited value and the range its prior is flat on."""

    name: str
    cited: CitedValue

    def __post_init__(self) -> None:
        c = self.cited
        if c.distribution not in ("uniform", "log-uniform") or not c.low < c.high:
            raise JournalError(
                bad_value(
                    f"Prior of {self.name} needs a uniform or log-uniform range",
                    (c.distribution, c.low, c.high),
                    "Declare the distribution and a range in its data file.",
                )
            )

    @property
    def log_scale(self) -> bool:
        return self.cited.distribution == "log-uniform"

    def _ends(self) -> tuple[float, float]:
        lo, hi = self.cited.low, self.cited.high
        return (float(np.log(lo)), float(np.log(hi))) if self.log_scale else (lo, hi)

    def from_unit(self, u: FloatArray) -> FloatArray:
        """Value at position ``u`` ∈ [0, 1] of the range (the prior quantile function)."""
        a, b = self._ends()
        x = a + np.asarray(u, float) * (b - a)
        return np.exp(x) if self.log_scale else x

    def to_unit(self, x: FloatArray) -> FloatArray:
        a, b = self._ends()
        y = np.log(x) if self.log_scale else np.asarray(x, float)
        return (y - a) / (b - a)

    def from_z(self, z: FloatArray) -> FloatArray:
        return self.from_unit(expit(z))

    def to_z(self, x: FloatArray) -> FloatArray:
        return np.asarray(logit(np.clip(self.to_unit(x), 1e-12, 1 - 1e-12)), float)


def log_prior_z(z: FloatArray) -> FloatArray:
    """Log density of independent standard logistic coordinates, shape ``(draws,)``."""
    return -np.sum(np.logaddexp(0.0, z) + np.logaddexp(0.0, -z), axis=1)


def prior_draws_z(rng: np.random.Generator, n: int, dim: int) -> FloatArray:
    u = rng.uniform(1e-12, 1.0 - 1e-12, size=(n, dim))
    return np.asarray(logit(u), float)


@dataclass(frozen=True)
class WeightedDraws:
    """Draws in logistic coordinates with normalised importance weights."""

    z: FloatArray
    weights: FloatArray
    log_likelihood: FloatArray
    rounds: int

    @property
    def ess(self) -> float:
        """Kish effective sample size, ``1 / Σ w²`` for normalised weights."""
        return float(1.0 / np.sum(self.weights**2))

    @property
    def n(self) -> int:
        return int(self.weights.size)


@dataclass(frozen=True)
class _Proposal:
    """The prior (``mean is None``), or a Student-t mixed with the prior (defensive share)."""

    mean: FloatArray | None = None
    chol: FloatArray | None = None  # lower Cholesky factor of the t's shape matrix

    def sample(self, rng: np.random.Generator, n: int, dim: int) -> FloatArray:
        if self.mean is None or self.chol is None:
            return prior_draws_z(rng, n, dim)
        g = rng.standard_normal((n, dim))
        scale = np.sqrt(rng.chisquare(PROPOSAL_DF, n) / PROPOSAL_DF)
        z = self.mean + (g @ self.chol.T) / scale[:, None]
        from_prior = rng.uniform(size=n) < DEFENSIVE_SHARE
        z[from_prior] = prior_draws_z(rng, int(from_prior.sum()), dim)
        return z

    def logpdf(self, z: FloatArray, lp: FloatArray | None = None) -> FloatArray:
        """Log density at ``z``; ``lp`` is ``log_prior_z(z)`` if the caller has it already."""
        lp = log_prior_z(z) if lp is None else lp
        if self.mean is None or self.chol is None:
            return lp
        dim, nu = z.shape[1], PROPOSAL_DF
        y = solve_triangular(self.chol, (z - self.mean).T, lower=True)
        maha = np.sum(y**2, axis=0)
        lt = (
            gammaln((nu + dim) / 2)
            - gammaln(nu / 2)
            - 0.5 * dim * np.log(nu * np.pi)
            - np.sum(np.log(np.diag(self.chol)))
            - 0.5 * (nu + dim) * np.log1p(maha / nu)
        )
        return np.logaddexp(np.log1p(-DEFENSIVE_SHARE) + lt, np.log(DEFENSIVE_SHARE) + lp)


def _fit_proposal(z: FloatArray, w: FloatArray) -> _Proposal:
    mean = w @ z
    d = z - mean
    cov = (w[:, None] * d).T @ d / max(1.0 - float(np.sum(w**2)), 1e-12)
    # A ridge keeps the shape positive definite when few draws carry the weight.
    cov = 0.5 * (cov + cov.T) + 1e-4 * np.eye(z.shape[1])
    shape = cov * PROPOSAL_WIDEN**2 * (PROPOSAL_DF - 2.0) / PROPOSAL_DF
    return _Proposal(mean, np.asarray(np.linalg.cholesky(shape), dtype=np.float64))


def clipped_weights(w: FloatArray) -> FloatArray:
    """Normalised weights with the largest clipped to the ``M``-th largest, ``M = √n`` (at least
    :data:`CLIP_MIN`), for fitting the next proposal only.

    When a journal is informative, a few draws carry nearly all the weight and a proposal fitted
    to them collapses onto them; the next rounds then add nothing. Clipped ("transformed")
    weights keep the proposal as wide as the best ``M`` draws (Koblents & Míguez 2015, "A
    population Monte Carlo scheme with transformed weights and its application to stochastic
    kinetic models", Stat Comput 25:407-425, doi:10.1007/s11222-013-9440-2). The estimate still
    uses the exact weights.
    """
    positive = w[w > 0]  # fewer than M draws with any weight: those share it equally
    m = min(positive.size, max(CLIP_MIN, int(np.ceil(np.sqrt(w.size)))))
    cap = np.partition(positive, positive.size - m)[positive.size - m]
    c = np.minimum(w, cap)
    return c / c.sum()


def sample_posterior(
    log_likelihood: Callable[[FloatArray], FloatArray],
    dim: int,
    rng: np.random.Generator,
    *,
    draws_per_round: int = 2000,
    target_ess: float = 1000.0,
    max_rounds: int = 16,
) -> WeightedDraws:
    """Adaptive multiple importance sampling of ``prior(z)·exp(log_likelihood(z))``.

    Parameters
    ----------
    log_likelihood
        Maps draws ``(n, dim)`` in logistic coordinates to log-likelihoods ``(n,)`` (−inf allowed).
    dim
        Number of coordinates.
    rng
        Source of randomness; the result is reproducible from its seed.
    draws_per_round, target_ess, max_rounds
        Stop once the effective sample size reaches ``target_ess`` or after ``max_rounds``.
    """
    proposals: list[_Proposal] = []
    zs: list[FloatArray] = []
    lls: list[FloatArray] = []
    # the prior's log density at each round's draws, and log_q[p][c]: proposal p's log density
    # at round c's draws; each computed once
    lps: list[FloatArray] = []
    log_q: list[list[FloatArray]] = []
    draws = WeightedDraws(np.empty((0, dim)), np.empty(0), np.empty(0), 0)
    for r in range(max_rounds):
        prop = _Proposal() if r == 0 else _fit_proposal(draws.z, clipped_weights(draws.weights))
        z = prop.sample(rng, draws_per_round, dim)
        lp = log_prior_z(z)
        for p, row in zip(proposals, log_q, strict=True):
            row.append(p.logpdf(z, lp))
        proposals.append(prop)
        zs.append(z)
        lps.append(lp)
        log_q.append([prop.logpdf(c, lc) for c, lc in zip(zs, lps, strict=True)])
        lls.append(np.asarray(log_likelihood(z), float))
        z_all, ll_all = np.concatenate(zs), np.concatenate(lls)
        # Balance heuristic: every draw is weighed against the equal mixture of all proposals.
        log_mix = logsumexp(np.stack([np.concatenate(row) for row in log_q]), axis=0) - np.log(
            len(proposals)
        )
        logw = ll_all + np.concatenate(lps) - log_mix
        logw = np.where(np.isfinite(logw), logw, -np.inf)
        if not np.isfinite(logw).any():
            raise JournalError(
                bad_value(
                    "No parameter set in the prior ranges can produce these journal entries",
                    f"{z_all.shape[0]} draws",
                    "Check the entries (units, products, times) and re-run.",
                )
            )
        w = np.exp(logw - logsumexp(logw))
        draws = WeightedDraws(z_all, w, ll_all, r + 1)
        if draws.ess >= target_ess:
            break
    return draws


def weighted_quantiles(x: FloatArray, w: FloatArray, q: FloatArray) -> FloatArray:
    """Quantiles ``q`` of values ``x`` under normalised weights ``w`` (inverse of the weighted CDF,
    interpolated between the midpoints of each draw's weight)."""
    order = np.argsort(x)
    xs, ws = x[order], w[order]
    cdf = np.cumsum(ws) - 0.5 * ws
    return np.interp(q, cdf, xs)


def resample(w: FloatArray, n: int, rng: np.random.Generator) -> NDArray[np.intp]:
    """Systematic resampling: ``n`` indices drawn in proportion to the weights."""
    positions = (rng.uniform() + np.arange(n)) / n
    idx = np.searchsorted(np.cumsum(w), positions)
    return np.minimum(idx, w.size - 1)
