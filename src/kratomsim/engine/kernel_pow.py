"""``x**y`` for a block of lanes at once, in arithmetic the compiler can vectorise.

The outputs of the pain-response layer are Hill curves with per-subject exponents (withdrawal score,
ventilation, pupil). Numba calls the C library's scalar ``pow`` for them, one lane at a time and
about 12 ns a call on the benchmark machine, because the pip builds of llvmlite carry no vector
maths library. :func:`vpow` computes the same powers as ``exp(y·log x)`` from the bits of ``x``
with polynomials, in loops over a flat array that LLVM turns into SIMD code:

- ``x = m·2^e`` with ``m`` in [√½, √2); ``log m = 2·atanh(s)``, ``s = (m − 1)/(m + 1)``, by its
  series to ``s²³`` (``|s| ≤ 0.172``: the next term is below 1e-18);
- ``t = y·log x`` with ``ln 2`` split in two (Cody & Waite), ``t = k·ln 2 + q``, ``|q| ≤ ln 2 / 2``,
  and ``e^q`` by its Taylor series to ``q¹³`` (next term below 1e-17); ``2^k`` is built from its
  bits in two halves, so that results down to the smallest subnormal come out;
- ``x = 0`` gives 0, 1 or ∞ as ``y`` is positive, zero or negative; negative, subnormal, infinite
  and NaN bases go to the library's ``pow`` (a branch that is not taken in practice: a vectorised
  count of such bases decides whether the branchy loop runs at all).

Relative error against NumPy's ``power``: a few units of 1e-16 times ``max(1, |y·log x|)`` (the
rounding of ``log x`` is scaled by ``y``), i.e. below 1e-13 wherever the result is a normal
number; tests/engine/test_kernel_pow.py checks it. Each element's arithmetic does not depend on
where it sits in the array, so a lane's result does not depend on its block.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from kratomsim.engine.jit import njit

#: ln 2 in two parts (fdlibm): k·LN2_HI is exact for the |k| < 2¹¹ that occur.
LN2_HI: Final = 6.93147180369123816490e-01
LN2_LO: Final = 1.90821492927058770002e-10
INV_LN2: Final = 1.44269504088896338700e00
SQRT2: Final = 1.4142135623730951
#: Smallest positive normal and largest finite double.
TINY: Final = 2.2250738585072014e-308
HUGE: Final = 1.7976931348623157e308
#: 2/(2k + 1), k = 0…11: log m = s·Σ LOG_C[k]·s^(2k).
LOG_C: Final = tuple(2.0 / (2 * k + 1) for k in range(12))
#: 1/k!, k = 0…13.
EXP_C: Final = tuple(1.0 / float(np.prod(np.arange(1, k + 1))) for k in range(14))


@njit(cache=True, nogil=True, fastmath={"contract", "arcp", "nsz"}, error_model="numpy")
def vpow(x, y, r, e_, m_, k_):  # pragma: no cover - jit
    """``r = x**y`` for 1-D float64 arrays; ``e_``, ``m_``, ``k_``: int64 scratch of the same size."""
    n = x.size
    xi = x.view(np.int64)
    mf = m_.view(np.float64)
    kf = k_.view(np.float64)
    for i in range(n):  # x = m·2^e, m in [1, 2) (for positive normal x)
        bits = xi[i]
        e_[i] = (bits >> 52) - 1023
        m_[i] = (bits & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000
    for i in range(n):
        m = mf[i]
        e = float(e_[i])
        big = m > SQRT2
        m = m * 0.5 if big else m
        e = e + 1.0 if big else e
        s = (m - 1.0) / (m + 1.0)
        z = s * s
        p = LOG_C[11]
        for j in range(10, -1, -1):  # Horner in s²
            p = p * z + LOG_C[j]
        yy = y[i]
        t = yy * (e * LN2_HI) + yy * (e * LN2_LO + s * p)
        t = min(max(t, -746.0), 710.0)
        k = np.floor(t * INV_LN2 + 0.5)
        q = (t - k * LN2_HI) - k * LN2_LO
        c = EXP_C[13]
        for j in range(12, -1, -1):  # Horner in q
            c = c * q + EXP_C[j]
        r[i] = c
        kf[i] = k
    for i in range(n):  # 2^k = 2^(k >> 1) · 2^(k − (k >> 1)), each half a normal number
        k = int(kf[i])
        half = k >> 1
        e_[i] = (half + 1023) << 52
        m_[i] = (k - half + 1023) << 52
    ef = e_.view(np.float64)
    for i in range(n):
        yy = y[i]
        at_zero = 0.0 if yy > 0.0 else (1.0 if yy == 0.0 else np.inf)
        r[i] = at_zero if x[i] == 0.0 else r[i] * ef[i] * mf[i]
    outside = 0  # bases the bit split does not cover (a vectorised count: there are none in
    for i in range(n):  # practice, and a loop with a branch per element would cost a third)
        xx = x[i]
        outside += 0 if (xx >= TINY or xx == 0.0) and xx <= HUGE else 1
    if outside:
        for i in range(n):  # … go to the library's pow
            xx = x[i]
            if not (xx >= TINY or xx == 0.0) or xx > HUGE:
                r[i] = xx ** y[i]
