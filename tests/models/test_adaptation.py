"""Tolerance, dependence and withdrawal: the adaptation part of the model, run by the engine.

The equations are the specification's (``tolerance``, ``counter`` and the withdrawal score); these
tests pin down their behaviour on regimens at the cited parameter values, and the summary of a
withdrawal episode.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from kratomsim.engine.subjects import Dosing, simulate_subjects
from kratomsim.errors import ModelSpecError
from kratomsim.evidence import cited_inputs, resolve_product
from kratomsim.models.withdrawal import SOWS_MAX, withdrawal_episode

TEA = cited_inputs(resolve_product("tea"))


@cache
def run(grams: float, every_h: float, days: int, extra_days: int = 14):
    """The whole model for ``grams`` of tea every ``every_h`` h for ``days`` days, hourly."""
    times = np.arange(0.0, days * 24.0, every_h)
    mg = np.full((1, times.size), grams * TEA.mg_per_g)
    t = np.arange(0.0, (days + extra_days) * 24.0 + 0.5, 1.0)
    return simulate_subjects(TEA.values, Dosing("tea", times, mg, np.zeros_like(mg), t)), times


def test_tolerance_rises_with_repeated_dosing_and_reverses_after_stopping() -> None:
    out, times = run(2.0, 8.0, 28)
    tol = out.tolerance[0]
    last = int(times[-1])
    assert tol[24] < tol[7 * 24] < tol[last]
    assert tol[last + 14 * 24] < 0.5 * tol[last]
    assert np.all(tol >= 0) and np.all(tol < 1)


def test_the_adapted_level_grows_with_duration_and_amount() -> None:
    short, _ = run(2.0, 8.0, 7)
    long, _ = run(2.0, 8.0, 28)
    more, _ = run(4.0, 8.0, 7)
    at = 7 * 24 - 1
    assert long.dependence[0, 28 * 24 - 1] > short.dependence[0, at]
    assert more.dependence[0, at] > short.dependence[0, at]


def test_scores_stay_on_the_sows_scale() -> None:
    out, _ = run(8.0, 4.0, 28)
    w = out.withdrawal_score[0]
    assert np.all(w >= 0) and np.all(w < SOWS_MAX)


def test_withdrawal_episode_on_a_triangle() -> None:
    t = np.arange(0.0, 101.0)
    score = np.interp(t, [0, 20, 40, 60, 100], [0, 0, 20, 0, 0])
    ep = withdrawal_episode(t, score, 10.0)
    assert ep.onset_h == 25.0  # first grid point with score ≥ 5
    assert ep.latency_h == 15.0
    assert (ep.peak, ep.peak_h) == (20.0, 40.0)
    assert ep.duration_h == pytest.approx(30.0)  # 25 → 55 h above 5
    assert ep.burden == pytest.approx(400.0)
    late = withdrawal_episode(t, score, 70.0)
    assert np.isnan(late.onset_h) and late.duration_h == 0.0
    two = withdrawal_episode(t, np.vstack([score, 0.5 * score]), 10.0)
    np.testing.assert_allclose(two.peak, [20.0, 10.0])
    with pytest.raises(ModelSpecError, match="two grid points"):
        withdrawal_episode(t, score, 100.0)
