"""Streaming summaries: percentile accuracy against exact computation, merging, bounded state."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

from kratomsim.population.streaming import (
    BAND_BINS,
    SCALAR_BINS,
    BandState,
    Moments,
    ScalarState,
    Threshold,
    band_counts,
    clopper_pearson,
    merge_band_counts,
)

PCTS = (1.0, 5.0, 25.0, 50.0, 75.0, 95.0, 99.0)


def _lognormal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return np.exp(rng.normal(np.log(40.0), 0.8, shape))


def test_stated_accuracy_is_half_a_bin() -> None:
    assert BAND_BINS.relative_accuracy == pytest.approx(0.004988, rel=1e-3)
    assert SCALAR_BINS.relative_accuracy == pytest.approx(0.0004999, rel=1e-3)


def test_scalar_percentiles_within_stated_accuracy(rng: np.random.Generator) -> None:
    x = _lognormal(rng, (20_000,))
    state = ScalarState(["cmax"])
    for part in np.array_split(x, 7):
        state.add({"cmax": part})
    got = state.percentiles(PCTS)["cmax"]
    exact = np.percentile(x, PCTS)
    rel = np.abs(np.array([got[p] for p in PCTS]) / exact - 1)
    assert rel.max() <= SCALAR_BINS.relative_accuracy  # ≤ 0.05 %


def test_band_percentiles_within_half_percent(rng: np.random.Generator) -> None:
    # 3000 subjects × 50 time points whose scale grows over time; first column all zeros
    series = _lognormal(rng, (3000, 50)) * np.linspace(0.01, 5, 50)
    series[:, 0] = 0.0
    band = BandState(50)
    for part in np.array_split(series, 4):
        band.add_counts(band_counts(part))
    got = band.percentiles(PCTS)
    exact = np.percentile(series, PCTS, axis=0)
    for j, p in enumerate(PCTS):
        assert got[p][0] == 0.0
        rel = np.abs(got[p][1:] / exact[j, 1:] - 1)
        assert rel.max() <= 0.005, p


def test_values_above_range_read_as_the_largest_seen() -> None:
    x = np.array([1.0, 2.0, 5e9, 6e9])
    state = ScalarState(["big"])
    state.add({"big": x})
    assert state.percentiles([100.0])["big"][100.0] == 6e9


def test_merge_is_exact_and_order_independent_for_counts(rng: np.random.Generator) -> None:
    x = _lognormal(rng, (5000,))
    one, many = ScalarState(["v"]), ScalarState(["v"])
    one.add({"v": x})
    for part in np.array_split(x, 13):
        many.add({"v": part})
    assert np.array_equal(one.counts, many.counts)
    assert one.percentiles(PCTS) == many.percentiles(PCTS)
    assert many.moments["v"].mean == pytest.approx(x.mean(), rel=1e-12)
    assert many.moments["v"].sd == pytest.approx(x.std(ddof=1), rel=1e-10)


def test_moments_ignore_nan() -> None:
    m = Moments()
    m.add(np.array([1.0, np.nan, 3.0]))
    assert (m.n, m.mean, m.sd) == (2, 2.0, pytest.approx(np.sqrt(2.0)))


def test_state_size_does_not_grow_with_subjects(rng: np.random.Generator) -> None:
    sizes = []
    for n in (100, 20_000):
        state, band = ScalarState(["a", "b"]), BandState(24)
        for part in np.array_split(_lognormal(rng, (n, 24)), max(1, n // 2000)):
            state.add({"a": part[:, 0], "b": part[:, 1]})
            band.add_counts(band_counts(part))
        sizes.append(state.counts.nbytes + band.counts.nbytes + band.top.nbytes)
        assert int(band.counts[0].sum()) == n
    assert sizes[0] == sizes[1]


def test_exceedance_counts_and_exact_interval(rng: np.random.Generator) -> None:
    x = _lognormal(rng, (4000,))
    t = Threshold("cmax", ">", 100.0)
    state = ScalarState(["cmax"], [t])
    for part in np.array_split(x, 3):
        state.add({"cmax": part})
    k = int(np.count_nonzero(x > 100.0))
    assert int(state.hits[0]) == k
    ref = binomtest(k, x.size).proportion_ci(method="exact")
    lo, hi = clopper_pearson(k, x.size)
    assert (lo, hi) == (pytest.approx(ref.low, rel=1e-9), pytest.approx(ref.high, rel=1e-9))
    assert clopper_pearson(0, 10)[0] == 0.0 and clopper_pearson(10, 10)[1] == 1.0
    assert Threshold("x", "<", 1.0).hits(np.array([0.5, 2.0])) == 1


def test_band_counts_are_the_histograms_of_the_bin_index(rng: np.random.Generator) -> None:
    series = _lognormal(rng, (700, 30))
    series[:5, 3] = [0.0, np.nan, 1e-9, 5e6, -1.0]  # below, NaN, below, above the range, negative
    part = band_counts(series)
    idx = BAND_BINS.index(series) + np.arange(30) * BAND_BINS.size
    want = np.bincount(idx.ravel(), minlength=30 * BAND_BINS.size)
    assert np.array_equal(part.flat, np.flatnonzero(want))
    assert np.array_equal(part.counts, want[want > 0])
    assert part.counts.dtype == np.min_scalar_type(want.max())  # compact between processes
    band = BandState(30)
    band.add_counts(part)
    assert np.array_equal(band.counts.ravel(), want)


def test_merged_band_counts_equal_those_of_the_whole(rng: np.random.Generator) -> None:
    series = _lognormal(rng, (900, 12))
    whole = band_counts(series)
    merged = merge_band_counts([band_counts(p) for p in np.array_split(series, 4)])
    order = np.argsort(merged.flat)  # merged bins come in no particular order
    assert np.array_equal(merged.flat[order], whole.flat)
    assert np.array_equal(merged.counts[order], whole.counts)
    assert np.array_equal(merged.top, whole.top)
    again = band_counts(series)  # the reused counting array was handed back all zeros
    assert np.array_equal(again.flat, whole.flat) and np.array_equal(again.counts, whole.counts)
