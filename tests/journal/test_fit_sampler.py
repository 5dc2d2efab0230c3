"""The fit's building blocks against closed forms: sampler, Kalman likelihood, censored SOWS."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import expit
from scipy.stats import multivariate_normal, norm

from kratomsim.evidence import CitedValue
from kratomsim.journal import fit_sampler
from kratomsim.journal.fit_model import nrs_log_likelihood, sows_log_likelihood, sows_noise_sd
from kratomsim.journal.fit_sampler import (
    Prior,
    clipped_weights,
    log_prior_z,
    resample,
    sample_posterior,
    weighted_quantiles,
)


def _cited(dist: str, low: float, high: float) -> CitedValue:
    return CitedValue(
        name="x",
        value=low,
        unit="1",
        low=low,
        high=high,
        kind="assumption",
        source="kratomsim_assumption",
        locator="test",
        species="n/a",
        grade="E",
        distribution=dist,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("dist", "low", "high"), [("uniform", 2.0, 9.0), ("log-uniform", 0.1, 0.9)]
)
def test_prior_maps_round_trip(dist: str, low: float, high: float) -> None:
    p = Prior("x", _cited(dist, low, high))
    x = p.from_unit(np.linspace(0.01, 0.99, 9))
    np.testing.assert_allclose(p.from_z(p.to_z(x)), x, rtol=1e-12)
    assert p.from_unit(np.array([0.0, 1.0])) == pytest.approx([low, high])
    # Median of the prior: arithmetic mid for uniform, geometric mid for log-uniform.
    mid = (low + high) / 2 if dist == "uniform" else np.sqrt(low * high)
    assert float(p.from_z(np.array([0.0]))[0]) == pytest.approx(mid)


def test_logistic_prior_density_integrates_to_one() -> None:
    total, _ = quad(lambda z: float(np.exp(log_prior_z(np.array([[z]])))[0]), -40, 40)
    assert total == pytest.approx(1.0, abs=1e-9)


def test_sampler_matches_the_exact_posterior_of_a_sharp_likelihood() -> None:
    """Flat prior on u ∈ (0, 1), Gaussian likelihood at u = 0.3 with SD 0.01: the posterior is a
    truncated normal whose quantiles are known; the prior alone would give ESS ≈ 25 of 1000."""
    mu, sd = 0.3, 0.01

    def loglik(z: np.ndarray) -> np.ndarray:
        return norm.logpdf(expit(z[:, 0]), mu, sd)

    draws = sample_posterior(
        loglik, 1, np.random.default_rng(5), draws_per_round=1000, target_ess=2000
    )
    assert draws.rounds > 1 and draws.ess >= 2000
    u = expit(draws.z[:, 0])
    q = weighted_quantiles(u, draws.weights, np.array([0.05, 0.5, 0.95]))
    np.testing.assert_allclose(q, mu + sd * norm.ppf([0.05, 0.5, 0.95]), atol=0.1 * sd)


def test_resampling_keeps_the_weights() -> None:
    w = np.array([0.1, 0.6, 0.3])
    idx = resample(w, 10_000, np.random.default_rng(0))
    np.testing.assert_allclose(np.bincount(idx, minlength=3) / 10_000, w, atol=1e-3)


def test_kalman_likelihood_equals_the_explicit_gaussian() -> None:
    """OU noise with correlation rho per day plus independent rating error: the filter must give
    the multivariate-normal log density with the explicit covariance."""
    t = np.array([0.0, 3.0, 3.0, 20.0, 50.0, 130.0])
    y = np.array([6.0, 5.0, 5.5, 4.0, 7.0, 6.5])
    mean = np.array([[5.5, 5.0, 5.0, 4.5, 6.0, 6.0], [6.0, 6.0, 6.0, 6.0, 6.0, 6.0]])
    sd, rho, rating = np.array([1.0, 1.7]), np.array([0.5, 0.2]), 0.29
    got = nrs_log_likelihood(y, t, mean, sd, rho, rating)
    for i in range(2):
        lag = np.abs(t[:, None] - t[None, :]) / 24.0
        cov = sd[i] ** 2 * rho[i] ** lag + rating**2 * np.eye(t.size)
        assert got[i] == pytest.approx(multivariate_normal(mean[i], cov).logpdf(y), rel=1e-10)


def test_sows_likelihood_is_censored_at_the_scale_ends() -> None:
    s = sows_noise_sd()
    score = np.array([[2.0, 10.0, 63.0]])
    y = np.array([0.0, 12.0, 64.0])
    expected = norm.logcdf(-2.0 / s) + norm.logpdf(12.0, 10.0, s) + norm.logcdf((63.0 - 64.0) / s)
    assert sows_log_likelihood(y, score)[0] == pytest.approx(expected)


def test_clipped_weights_when_few_draws_have_any_weight() -> None:
    w = np.zeros(1000)
    w[[3, 9]] = [0.9, 0.1]
    c = clipped_weights(w)
    assert np.isfinite(c).all() and c[3] == c[9] == 0.5 and c.sum() == pytest.approx(1.0)


def test_clipped_weights_share_the_top_among_at_least_root_n_draws() -> None:
    w = np.full(10_000, 1e-9)
    w[7] = 1.0  # one draw holds nearly everything
    w /= w.sum()
    c = clipped_weights(w)
    assert c.sum() == pytest.approx(1.0)
    assert np.sum(c == c.max()) >= 100  # √10,000 draws share the largest weight
    assert np.all(np.diff(c[np.argsort(w)]) >= 0)  # the order of the weights is kept


def _sharp_posterior_ess(monkeypatch: pytest.MonkeyPatch, clip: bool) -> float:
    """Ten coordinates, each sharply informed (SD 0.02 on u ∈ (0, 1), at different places)."""
    if not clip:
        monkeypatch.setattr(fit_sampler, "clipped_weights", lambda w: w)
    centre = np.linspace(0.2, 0.9, 10)

    def loglik(z: np.ndarray) -> np.ndarray:
        return norm.logpdf(expit(z), centre, 0.02).sum(axis=1)

    draws = sample_posterior(
        loglik, 10, np.random.default_rng(1), draws_per_round=1000, target_ess=500
    )
    return draws.ess


def test_clipped_weights_keep_a_sharp_ten_dimensional_posterior_resolved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Fitted to the raw weights, the proposals collapse onto the few best prior draws."""
    with_clip = _sharp_posterior_ess(monkeypatch, clip=True)
    without = _sharp_posterior_ess(monkeypatch, clip=False)
    assert with_clip >= 500
    assert without < 50
