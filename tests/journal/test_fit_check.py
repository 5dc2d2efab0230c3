"""Calibration of the personal fit: 90 % credible intervals cover the truth about 90 % of the time."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom

from kratomsim.journal.fit_check import FORECAST_CHECKS, band_hit, coverage_check
from kratomsim.journal.fit_model import PERSON_PARAMETERS


def test_coverage_of_a_few_people_is_within_binomial_noise() -> None:
    res = coverage_check(6, seed=1, days=7, draws_per_round=800, target_ess=300)
    n = sum(res.trials.values())
    # ten person-level parameters (SOWS logged) and three forecast quantities per person
    assert len(PERSON_PARAMETERS) == 10
    assert n == 6 * (len(PERSON_PARAMETERS) + len(FORECAST_CHECKS))
    covered = sum(res.covered.values())
    # 99.9 % binomial band at p = 0.9: a miscalibrated fit (e.g. intervals a third as wide,
    # coverage near 50 %) falls below it. Intervals of one person are correlated, so the band is
    # a loose check; the slow test below measures coverage per parameter.
    lo, hi = binom.ppf(0.0005, n, 0.9), binom.ppf(0.9995, n, 0.9)
    assert lo <= covered <= hi, res.coverage
    assert res.min_ess >= 100


@pytest.mark.slow
def test_coverage_per_parameter_and_forecast_over_300_people() -> None:
    """People drawn from priors set by the population posterior: each 90 % interval and forecast band holds
    the truth 85-95 % of the time (the issue's criterion; ±5 % is about ±3 binomial SDs)."""
    res = coverage_check(300, seed=2024, days=14, workers=2)
    assert set(FORECAST_CHECKS) <= set(res.coverage)
    for name, c in res.coverage.items():
        assert 0.85 <= c <= 0.95, (name, res.coverage)
    assert 0.87 <= res.pooled <= 0.93


def test_band_hit_counts_a_truth_inside_or_outside_a_continuous_band() -> None:
    draws = np.linspace(0.0, 100.0, 1001)
    assert band_hit(draws, 50.0, 0.90) == 1.0
    assert band_hit(draws, 99.0, 0.90) == 0.0
    assert band_hit(draws, 1.0, 0.90) == 0.0


def test_band_hit_of_a_truth_on_an_atom_is_the_share_of_its_span_in_the_band() -> None:
    draws = np.concatenate([np.zeros(300), np.linspace(1.0, 50.0, 700)])
    # F(0-) = 0, F(0) = 0.3; the band's span is 0.05 to 0.95: (0.3 - 0.05) / 0.3 of the atom
    assert band_hit(draws, 0.0, 0.90) == pytest.approx(0.25 / 0.30)
    small = np.concatenate([np.zeros(30), np.linspace(1.0, 50.0, 970)])
    assert band_hit(small, 0.0, 0.90) == 0.0  # an atom of 3 % lies wholly below the band


def test_band_hit_is_calibrated_where_a_count_of_hits_is_not() -> None:
    """Truths drawn from the forecast's own distribution (40 % exactly 0, as a withdrawal score
    below the threshold is): the expected hit is 90 %; counting a true 0 as held gives 95 %."""
    rng = np.random.default_rng(7)

    def mixed(n: int) -> np.ndarray:
        return np.where(rng.uniform(size=n) < 0.4, 0.0, rng.gamma(2.0, 8.0, n))

    draws = mixed(4000)
    truths = mixed(4000)
    lo, hi = np.percentile(draws, [5, 95])
    counted = np.mean((lo <= truths) & (truths <= hi))
    expected = np.mean([band_hit(draws, t, 0.90) for t in truths])
    assert counted > 0.935  # 0.95 in expectation: every true 0 plus 55 % of the rest
    assert abs(expected - 0.90) < 0.015
