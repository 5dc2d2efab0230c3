"""The band histograms run as stored machine code: the numbers of Numba's own compile."""

from __future__ import annotations

import numpy as np
import pytest

from kratomsim.population import streaming
from kratomsim.population.streaming import BAND_BINS


def chunk(rng: np.random.Generator, n: int, times: int) -> tuple[np.ndarray, np.ndarray]:
    x = rng.lognormal(3.0, 2.5, (n, times))
    x[rng.uniform(size=x.shape) < 0.05] = 0.0
    x[0, 0], x[1, 1], x[2, 2] = np.nan, BAND_BINS.hi * 10, BAND_BINS.lo / 10
    with np.errstate(divide="ignore", invalid="ignore"):
        return x, np.log(x / BAND_BINS.lo)


def test_the_stored_histograms_equal_numbas_compile(rng: np.random.Generator) -> None:
    from kratomsim.population import histograms  # Numba compiles it here

    x, logs = chunk(rng, 300, 40)
    args = (BAND_BINS.lo, BAND_BINS.hi, np.log(BAND_BINS.ratio), BAND_BINS.n)
    hist = np.zeros((40, BAND_BINS.size), dtype=np.int32)
    flat, counts = streaming._sparse_histograms(x, logs, *args, hist)
    assert not hist.any() and counts.sum() == x.size  # every value counted, hist left clean
    first, last = np.empty(40, dtype=np.int64), np.empty(40, dtype=np.int64)
    m = histograms.count(x, logs, np.array(args[:3]), args[3], hist, first, last)
    here = np.empty(m, dtype=np.int64), np.empty(m, dtype=np.int64)
    histograms.extract(hist, first, last, *here)
    assert np.array_equal(flat, here[0]) and np.array_equal(counts, here[1])
    # merging: stored against compiled here
    both = np.concatenate([flat, flat[::3]]), np.concatenate([counts, counts[::3]])
    dense = np.zeros(40 * BAND_BINS.size, dtype=np.int32)
    merged = streaming._merge_sparse(*both, dense)
    out = np.empty_like(both[0]), np.empty_like(both[1])
    k = histograms.merge(*both, dense, *out)
    assert not dense.any()
    assert np.array_equal(merged[0], out[0][:k]) and np.array_equal(merged[1], out[1][:k])
    assert merged[1].sum() == counts.sum() + counts[::3].sum()


def test_arrays_that_do_not_fit_are_refused_before_the_code_reads_memory(
    rng: np.random.Generator,
) -> None:
    x, logs = chunk(rng, 5, 4)
    args = (BAND_BINS.lo, BAND_BINS.hi, np.log(BAND_BINS.ratio), BAND_BINS.n)
    with pytest.raises(ValueError, match="logs must have x's shape"):
        streaming._sparse_histograms(x, logs[:, :3], *args, np.zeros((4, BAND_BINS.size), np.int32))
    with pytest.raises(ValueError, match="int32"):
        streaming._sparse_histograms(x, logs, *args, np.zeros((4, BAND_BINS.size), np.int64))
    with pytest.raises(ValueError, match="flat indexes bins"):
        streaming._merge_sparse(np.array([7]), np.array([1]), np.zeros(5, np.int32))
