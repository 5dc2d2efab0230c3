"""The victim march runs as stored machine code: the numbers of Numba's own compile, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from kratomsim.risk import victim_steps


def inputs(d: int, steps: int, m: int, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    h = rng.uniform(0.05, 2.0, steps)
    ka = rng.uniform(0.3, 3.0, d)
    k = rng.uniform(0.05, 0.5, (d, steps))
    k[0, : steps // 2] = ka[0]  # coincident rates: the other formulas
    ek, eka = np.exp(-k * h), np.exp(-ka[:, None] * h)
    em_k, em_ka = np.expm1(-k * h), np.expm1(-ka[:, None] * h)
    hep, gut_step = rng.uniform(0.2, 1.0, (d, steps)), rng.uniform(0.05, 1.0, (d, steps))
    fg, x = rng.uniform(0.3, 1.0, d), rng.uniform(0.1, 4.0, d)
    doses = np.where(rng.uniform(size=(m, steps + 1)) < 0.05, 1.0, 0.0)
    return hep, k, ek, eka, em_k, em_ka, h, gut_step, fg, x, ka, doses


def test_the_stored_march_gives_numbas_numbers_bit_for_bit() -> None:
    from kratomsim.risk import victim_march  # Numba compiles it here

    args = inputs(7, 500, 3, seed=11)
    stored = victim_steps.march(*args)
    d, m = 7, 3
    here = [np.zeros((d, m)) for _ in range(4)] + [np.zeros(d)]
    victim_march.march(*args, *here)
    assert np.max(stored[2]) > 0
    for a, b in zip(stored, here, strict=True):
        assert np.array_equal(a, b)


def test_a_wrong_shape_is_refused_before_the_code_reads_memory() -> None:
    args = list(inputs(2, 10, 1, seed=1))
    args[6] = args[6][:-1]
    with pytest.raises(ValueError, match="must all have shape"):
        victim_steps.march(*args)
    args = list(inputs(2, 10, 1, seed=1))
    args[11] = args[11][:, :-1]
    with pytest.raises(ValueError, match="doses"):
        victim_steps.march(*args)
