"""Small matrix exponentials inside Numba kernels, for compartmental (block-triangular) matrices.

Every propagator the kernels need is ``expm(A·τ)`` for one small matrix per subject (5×5 or 7×7)
and a few step lengths τ. Calling LAPACK from a kernel costs more than the arithmetic, so the
exponential is computed in the kernel by scaling and squaring with a degree-16 Taylor polynomial
evaluated by the Paterson–Stockmeyer scheme (Moler & Van Loan 2003, "Nineteen dubious ways",
method 3 with §6 scaling and squaring): after scaling ``‖Aτ/2^s‖₁ ≤ 1/2`` the truncation error is
below ``0.5¹⁷/17! ≈ 2e-20``. The powers ``A², A³, A⁴`` are formed once per subject and reused for
every τ, so each further τ costs 3 products plus the squarings. Every function works on a block of
lanes at once (one matrix per lane, the lanes the last axis, looped over innermost so that the
loops vectorise): the kernels set up a block of subjects together.

Compartment models with flows running "downstream" (gut → plasma → metabolite → effect site) are
block lower triangular in the states' order; only ``mg_central ⇄ mg_peripheral`` couples both
ways. :func:`band` records, per row, the last column that can be non-zero (non-decreasing), and
products respect that band, so the 7×7 products cost about 93 multiply–adds instead of 343. For a
full matrix the band is the whole matrix and nothing is lost but the saving.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from kratomsim.engine.jit import njit

#: ‖Aτ/2^s‖₁ bound after scaling.
THETA: Final = 0.5
#: 1/k! for k = 0…16.
_INV_FACT: Final = np.array([1.0 / float(np.prod(np.arange(1, k + 1))) for k in range(17)])


def band(a: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Band of matrices with the non-zero pattern of ``a`` (any subject): (hi, lo).

    ``hi[i]``: last column that may be non-zero in row i (≥ i, non-decreasing); ``lo[j]``: first
    row m with ``hi[m] ≥ j``. Products and sums of matrices inside the band stay inside it.
    """
    pattern = np.any(np.asarray(a) != 0.0, axis=tuple(range(np.ndim(a) - 2)))
    n = pattern.shape[0]
    last = np.array([max([i, *np.flatnonzero(pattern[i]).tolist()]) for i in range(n)])
    hi = np.maximum.accumulate(last).astype(np.int64)
    lo = np.array([int(np.argmax(hi >= j)) for j in range(n)], dtype=np.int64)
    return hi, lo


@njit(cache=True, fastmath=False, error_model="numpy")
def band_matmul(
    x: np.ndarray, y: np.ndarray, hi: np.ndarray, lo: np.ndarray, out: np.ndarray
) -> None:  # pragma: no cover - jit
    """``out[..., b] = x[..., b] @ y[..., b]`` for banded x, y of every lane b (the last axis;
    ``out`` must not alias x or y)."""
    n = x.shape[0]
    lanes = x.shape[2]
    for i in range(n):
        for j in range(n):
            for b in range(lanes):
                out[i, j, b] = 0.0
            if j > hi[i]:
                continue
            for m in range(lo[j], hi[i] + 1):
                for b in range(lanes):
                    out[i, j, b] += x[i, m, b] * y[m, j, b]


@njit(cache=True, fastmath=False, error_model="numpy")
def powers(
    a: np.ndarray, hi: np.ndarray, lo: np.ndarray, out: np.ndarray
) -> None:  # pragma: no cover - jit
    """``out[k, ..., b] = a[..., b]^k`` for k = 0…4 (out shape (5, n, n, lanes))."""
    n = a.shape[0]
    lanes = a.shape[2]
    for i in range(n):
        for j in range(n):
            for b in range(lanes):
                out[0, i, j, b] = 1.0 if i == j else 0.0
                out[1, i, j, b] = a[i, j, b]
    for k in range(2, 5):
        band_matmul(out[k - 1], a, hi, lo, out[k])


@njit(cache=True, fastmath=False, error_model="numpy")
def expm_from_powers(
    pw: np.ndarray,
    norm1: np.ndarray,
    tau: np.ndarray,
    hi: np.ndarray,
    lo: np.ndarray,
    out: np.ndarray,
    work: np.ndarray,
    sig_pow: np.ndarray,
    squarings: np.ndarray,
) -> None:  # pragma: no cover - jit
    """``out[..., b] = expm(A_b·tau[b])`` for every lane b, from ``pw[k, ..., b] = A_b^k`` (k ≤ 4)
    and ``norm1[b] = ‖A_b‖₁``.

    The lanes are the last axis and the loops over them innermost, so that they vectorise. Each
    lane is scaled by its own ``2^s`` and squared ``s`` times (a lane with fewer squarings keeps
    its value through the others'), so its result is the same whatever lanes it shares the call
    with. ``work`` (≥ 2, n, n, lanes), ``sig_pow`` (5, lanes) and ``squarings`` (lanes, integer)
    are scratch: the function allocates nothing, so that a kernel built from it needs no memory
    manager at run time.
    """
    n = pw.shape[1]
    lanes = tau.shape[0]
    most = 0
    for b in range(lanes):
        s = 0
        scaled = norm1[b] * abs(tau[b])
        while scaled > THETA:
            scaled *= 0.5
            s += 1
        squarings[b] = s
        most = max(most, s)
        sig = tau[b] / 2.0**s
        sig_pow[0, b] = 1.0
        for k in range(1, 5):
            sig_pow[k, b] = sig_pow[k - 1, b] * sig
    x4 = work[0]
    tmp = work[1]
    for i in range(n):
        for j in range(n):
            for b in range(lanes):
                x4[i, j, b] = sig_pow[4, b] * pw[4, i, j, b]
                # Horner in X⁴ over blocks B_b = Σ_r X^r/(4b + r)!; start with B_4·X⁴ + B_3
                acc = _INV_FACT[16] * x4[i, j, b]
                for r in range(4):
                    acc += sig_pow[r, b] * pw[r, i, j, b] * _INV_FACT[12 + r]
                out[i, j, b] = acc
    for blk in range(2, -1, -1):
        band_matmul(out, x4, hi, lo, tmp)
        for i in range(n):
            for j in range(n):
                for b in range(lanes):
                    acc = tmp[i, j, b]
                    for r in range(4):
                        acc += sig_pow[r, b] * pw[r, i, j, b] * _INV_FACT[4 * blk + r]
                    out[i, j, b] = acc
    for q in range(most):
        band_matmul(out, out, hi, lo, tmp)
        for i in range(n):
            for j in range(n):
                for b in range(lanes):
                    if q < squarings[b]:
                        out[i, j, b] = tmp[i, j, b]


@njit(cache=True, fastmath=False, error_model="numpy")
def norm1(a: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover - jit
    """``out[b]``: the largest absolute column sum of lane b's matrix ``a[..., b]``."""
    lanes = a.shape[2]
    for b in range(lanes):
        out[b] = 0.0
    for j in range(a.shape[1]):
        for b in range(lanes):
            col = 0.0
            for i in range(a.shape[0]):
                col += abs(a[i, j, b])
            out[b] = max(out[b], col)


@njit(cache=True, fastmath=False, error_model="numpy")
def expm_banded(a: np.ndarray, tau: float, out: np.ndarray) -> None:  # pragma: no cover - jit
    """``out = expm(a·tau)`` for one matrix, any pattern (band taken as the whole matrix)."""
    n = a.shape[0]
    hi = np.full(n, n - 1, dtype=np.int64)
    lo = np.zeros(n, dtype=np.int64)
    lane = np.empty((n, n, 1))
    lane[:, :, 0] = a
    pw = np.empty((5, n, n, 1))
    powers(lane, hi, lo, pw)
    nrm = np.empty(1)
    norm1(lane, nrm)
    res = np.empty((n, n, 1))
    expm_from_powers(
        pw, nrm, np.full(1, tau), hi, lo, res, np.empty((2, n, n, 1)), np.empty((5, 1)),
        np.empty(1, dtype=np.int64),
    )  # fmt: skip
    out[:, :] = res[:, :, 0]
