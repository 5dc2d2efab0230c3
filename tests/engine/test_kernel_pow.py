"""The kernels' block power ``x**y`` against NumPy's ``power``."""

from __future__ import annotations

import numpy as np

from kratomsim.engine.kernel_pow import vpow


def block_pow(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    r = np.empty_like(x)
    scratch = [np.empty(x.size, dtype=np.int64) for _ in range(3)]
    vpow(np.ascontiguousarray(x), np.ascontiguousarray(y), r, *scratch)
    return r


def test_powers_of_normal_numbers_agree_with_numpy_to_1e_13(rng: np.random.Generator) -> None:
    n = 200_000
    x = np.exp(rng.uniform(-300.0, 300.0, n))
    y = np.exp(rng.uniform(np.log(0.01), np.log(20.0), n)) * rng.choice([-1.0, 1.0], n)
    with np.errstate(over="ignore", under="ignore"):
        ref = np.power(x, y)
    got = block_pow(x, y)
    normal = (np.abs(ref) >= 2.2250738585072014e-308) & np.isfinite(ref)
    assert normal.sum() > n // 2
    rel = np.abs(got[normal] - ref[normal]) / ref[normal]
    # a few ulp, and the rounding of log x scaled by y: 8e-16·max(1, |y·log x|)
    allowed = 8e-16 * np.maximum(1.0, np.abs(y * np.log(x)))[normal]
    assert np.all(rel <= allowed), f"worst {np.max(rel / allowed):.2f}× the allowance"
    assert rel.max() < 1e-13
    # the Hill curves' range: bases near 1, exponents of a few
    xs = rng.uniform(0.0, 50.0, n)
    ys = rng.uniform(0.5, 6.0, n)
    assert np.max(np.abs(block_pow(xs, ys) - xs**ys) / np.maximum(xs**ys, 1e-300)) < 1e-14


def test_exact_cases_and_bases_outside_the_split_follow_the_library() -> None:
    x = np.array([0.0, 0.0, 0.0, 1.0, 2.0, 4.0, -2.0, -2.0, np.inf, np.nan, 5e-320, 1e-300, 1e300])
    y = np.array([2.5, 0.0, -1.5, 7.3, 3.0, 0.5, 2.0, 0.5, 1.5, 2.0, 0.5, 3.0, 3.0])
    with np.errstate(all="ignore"):
        ref = np.power(x, y)
        got = block_pow(x, y)
    same = (got == ref) | (np.isnan(got) & np.isnan(ref))
    # zero and one exactly; negative, infinite, NaN and subnormal bases as the library gives them
    exact = [0, 1, 2, 3, 6, 7, 8, 9, 10]
    assert same[exact].all(), (got, ref)
    assert np.allclose(got[[4, 5]], [8.0, 2.0], rtol=1e-15, atol=0.0)
    # underflow to zero or a subnormal, overflow to infinity
    assert got[11] == ref[11] == 0.0 or abs(got[11] - ref[11]) <= 1e-16 * 1e-300
    assert np.isinf(got[12]) and np.isinf(ref[12])


def test_a_result_does_not_depend_on_where_it_sits(rng: np.random.Generator) -> None:
    x = rng.uniform(0.0, 3.0, 64)
    y = rng.uniform(0.5, 4.0, 64)
    whole = block_pow(x, y)
    rolled = block_pow(np.roll(x, 5), np.roll(y, 5))
    assert np.array_equal(np.roll(whole, 5), rolled)
    assert np.array_equal(block_pow(x[7:8].copy(), y[7:8].copy()), whole[7:8])
