"""Chronic pain (NRS) around the model's mean course, and the relief summary (models/pain.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from kratomsim.errors import ModelSpecError
from kratomsim.evidence import load_parameters
from kratomsim.models.pain import (
    CPT_AFTER_1H_S,
    CPT_BASELINE_S,
    CPT_FOLD,
    CPT_N,
    MEANINGFUL_FRACTION,
    MEANINGFUL_POINTS,
    chronic_nrs,
    chronic_nrs_rows,
    relief_summary,
)

daily = np.arange(0.0, 24.0 * 60, 24.0)


def test_constants_match_the_cited_file() -> None:
    ev = load_parameters(("adaptation.toml",))
    assert ev["cpt_baseline_s"].value == CPT_BASELINE_S
    assert ev["cpt_after_1h_s"].value == CPT_AFTER_1H_S
    assert ev["cpt_fold"].value == CPT_FOLD
    assert ev["cpt_n"].value == CPT_N
    assert CPT_AFTER_1H_S / CPT_BASELINE_S == pytest.approx(CPT_FOLD, abs=0.005)
    assert ev["nrs_meaningful_points"].value == MEANINGFUL_POINTS
    assert ev["nrs_meaningful_fraction"].value == MEANINGFUL_FRACTION


@settings(max_examples=80)
@given(
    hnp.arrays(np.float64, st.integers(2, 40), elements=st.floats(0.0, 10.0)),
    st.floats(0.0, 5.0),
    st.floats(0.0, 0.99),
    st.integers(0, 2**32 - 1),
)
def test_nrs_stays_on_the_scale_and_is_reproducible(
    mean: np.ndarray, sd: float, rho: float, seed: int
) -> None:
    t = np.arange(mean.size) * 24.0
    a = chronic_nrs(mean, np.random.default_rng(seed), sd, rho, t)
    b = chronic_nrs(mean, np.random.default_rng(seed), sd, rho, t)
    assert a.shape == mean.shape
    assert np.all((a >= 0) & (a <= 10))
    np.testing.assert_array_equal(a, b)


def test_nrs_uses_no_global_random_state() -> None:
    state = np.random.get_state()
    m = np.full(daily.size, 4.0)
    np.random.seed(1)
    a = chronic_nrs(m, np.random.default_rng(5), 1.0, 0.5, daily)
    np.random.seed(2)
    b = chronic_nrs(m, np.random.default_rng(5), 1.0, 0.5, daily)
    np.testing.assert_array_equal(a, b)
    c = chronic_nrs(m, np.random.default_rng(6), 1.0, 0.5, daily)
    assert not np.array_equal(a, c)
    np.random.set_state(state)


def test_without_noise_the_series_is_the_mean() -> None:
    m = np.linspace(6.0, 3.0, daily.size)
    np.testing.assert_allclose(chronic_nrs(m, np.random.default_rng(0), 0.0, 0.5, daily), m)


def test_day_to_day_variation_has_the_requested_sd_and_autocorrelation() -> None:
    rng = np.random.default_rng(20261124)
    hourly = np.arange(0.0, 24.0 * 200, 6.0)
    m = np.full((400, hourly.size), 5.0)
    x = chronic_nrs(m, rng, 1.0, 0.5, hourly) - 5.0
    assert x.std() == pytest.approx(1.0, abs=0.03)
    lag = 4  # 4 x 6 h = one day
    r = np.mean(x[:, lag:] * x[:, :-lag]) / x.var()
    assert r == pytest.approx(0.5, abs=0.03)
    r_6h = np.mean(x[:, 1:] * x[:, :-1]) / x.var()
    assert r_6h == pytest.approx(0.5**0.25, abs=0.03)


def test_bad_inputs_are_named() -> None:
    m = np.full(daily.size, 5.0)
    with pytest.raises(ModelSpecError, match="Generator"):
        chronic_nrs(m, 1, 1.0, 0.3, daily)  # type: ignore[arg-type]
    with pytest.raises(ModelSpecError, match="rho"):
        chronic_nrs(m, np.random.default_rng(1), 1.0, 1.0, daily)
    with pytest.raises(ModelSpecError, match="0-10"):
        chronic_nrs(m + 7.0, np.random.default_rng(1), 1.0, 0.3, daily)
    with pytest.raises(ModelSpecError, match="match the last axis"):
        chronic_nrs(m[:-1], np.random.default_rng(1), 1.0, 0.3, daily)


def test_relief_summary_by_hand() -> None:
    s = relief_summary(6.0, [6.0, 4.0, 4.5, 3.0])
    assert s.mean_change == pytest.approx(-1.625)
    assert s.share_2_points == 0.5
    assert s.share_30_percent == 0.5
    # 2 points from 10 is only 20 %; 1.5 points from 4 is 37.5 % but under 2 points.
    both = relief_summary([10.0, 4.0], [[8.0, 8.0], [2.5, 2.5]])
    np.testing.assert_allclose(both.share_2_points, [1.0, 0.0])
    np.testing.assert_allclose(both.share_30_percent, [0.0, 1.0])
    np.testing.assert_allclose(both.mean_change, [-2.0, -1.5])
    assert relief_summary(0.0, [0.0, 0.0]).share_30_percent == 0.0


@settings(max_examples=60)
@given(st.floats(0.0, 10.0), hnp.arrays(np.float64, st.integers(1, 30), elements=st.floats(0, 10)))
def test_relief_shares_are_fractions(base: float, nrs: np.ndarray) -> None:
    s = relief_summary(base, nrs)
    assert 0.0 <= s.share_2_points <= 1.0
    assert 0.0 <= s.share_30_percent <= 1.0
    assert s.mean_change == pytest.approx(nrs.mean() - base)


def test_rows_at_once_equal_one_row_after_another() -> None:
    """The batched series are the very numbers of the row-by-row calls with one generator."""
    t = np.concatenate([np.arange(0.0, 48.0, 0.5), np.arange(48.0, 24.0 * 20, 6.0)])
    means = np.linspace(2.0, 8.0, 5)[:, None] + np.sin(t / 30.0)[None, :]
    sd = np.array([0.0, 0.5, 1.0, 1.5, 2.0])
    rho = np.array([0.1, 0.3, 0.5, 0.7, 0.9])
    one_by_one = np.random.default_rng(11)
    expected = np.stack(
        [chronic_nrs(means[i], one_by_one, sd[i], rho[i], t) for i in range(sd.size)]
    )
    got = chronic_nrs_rows(means, np.random.default_rng(11), sd, rho, t)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got[0], means[0])  # sd 0: the mean itself


def test_rows_at_once_check_their_inputs() -> None:
    m = np.full((2, daily.size), 5.0)
    with pytest.raises(ModelSpecError, match="SD"):
        chronic_nrs_rows(m, np.random.default_rng(1), [1.0, -0.5], 0.3, daily)
    with pytest.raises(ModelSpecError, match="rho"):
        chronic_nrs_rows(m, np.random.default_rng(1), 1.0, [0.3, 1.2], daily)
    with pytest.raises(ModelSpecError, match="one row per person"):
        chronic_nrs_rows(m[0], np.random.default_rng(1), 1.0, 0.3, daily)
