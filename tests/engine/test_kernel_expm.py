"""The kernels' matrix exponentials against SciPy's, lane by lane."""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from kratomsim.engine.kernel_expm import band, expm_banded, expm_from_powers, norm1, powers


def compartments(rng: np.random.Generator, n: int) -> np.ndarray:
    """A compartment matrix: flows run downstream (lower triangle), one pair exchanges both ways,
    each diagonal entry the negative of its column's outflows plus an elimination."""
    a = np.tril(rng.uniform(0.05, 3.0, (n, n)), -1) * (rng.random((n, n)) < 0.6)
    a[n - 2, n - 1] = rng.uniform(0.1, 1.0)  # an exchange both ways (central ⇄ peripheral)
    np.fill_diagonal(a, 0.0)
    np.fill_diagonal(a, -(a.sum(axis=0) + rng.uniform(0.01, 0.5, n)))
    return a


def test_one_matrix_matches_scipy(rng: np.random.Generator) -> None:
    for n in (2, 5, 7):
        a = compartments(rng, n)
        for tau in (0.07, 1.0, 8.0):
            out = np.empty((n, n))
            expm_banded(a, tau, out)
            ref = sla.expm(a * tau)
            assert np.max(np.abs(out - ref)) <= 1e-13 * max(1.0, np.max(np.abs(ref)))


def test_each_lane_gets_its_own_exponential_whatever_its_neighbours(
    rng: np.random.Generator,
) -> None:
    """A block of lanes with different matrices and step lengths (so different numbers of
    squarings): every lane matches SciPy, and computing a lane alone gives the same bits."""
    n, lanes = 5, 8
    mats = [compartments(rng, n) for _ in range(lanes)]
    hi, lo = band(np.array(mats))
    a = np.stack(mats, axis=-1)
    tau = np.array([0.01, 0.3, 1.0, 2.5, 0.07, 5.0, 0.93, 12.0])

    def block(a: np.ndarray, tau: np.ndarray) -> np.ndarray:
        k = tau.size
        pw, nrm, out = np.empty((5, n, n, k)), np.empty(k), np.empty((n, n, k))
        powers(a, hi, lo, pw)
        norm1(a, nrm)
        scratch = (np.empty((2, n, n, k)), np.empty((5, k)), np.empty(k, dtype=np.int64))
        expm_from_powers(pw, nrm, tau, hi, lo, out, *scratch)
        return out

    together = block(a, tau)
    for b in range(lanes):
        ref = sla.expm(mats[b] * tau[b])
        assert np.max(np.abs(together[..., b] - ref)) <= 1e-13 * max(1.0, np.abs(ref).max())
        alone = block(np.ascontiguousarray(a[..., b : b + 1]), tau[b : b + 1])
        assert np.array_equal(alone[..., 0], together[..., b])
