"""Calibration of the personal fit: 90 % credible intervals cover the truth about 90 % of the time."""

from __future__ import annotations

import pytest
from scipy.stats import binom

from kratomsim.journal.fit_check import FORECAST_CHECKS, coverage_check
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
