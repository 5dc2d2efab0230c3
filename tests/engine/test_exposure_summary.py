"""Time to steady state from interval averages, worked by hand on exponential approaches."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kratomsim.engine.summary import time_to_fraction_of_steady_state

T = np.linspace(0.0, 60.0, 60_001)
K = 0.1  # 1/h
# Interval [j, j+1] average of css(1 ∓ e^{-kt}) differs from css by css e^{-kj} (1 - e^{-k}) / k;
# within 10 % from j ≥ ln(10 (1 - e^{-k}) / k) / k = 22.53, so from the dose at 23 h.
HAND = math.ceil(math.log(10 * (1 - math.exp(-K)) / K) / K)


@pytest.mark.parametrize("sign", [-1.0, 1.0], ids=["rising", "falling"])
def test_settling_time_of_an_exponential_approach(sign: float) -> None:
    c = 5.0 * (1 + sign * np.exp(-K * T))
    got = time_to_fraction_of_steady_state(T, c, 0.0, 1.0, 5.0, 50)
    assert HAND == 23
    assert got == pytest.approx(HAND, abs=1e-9)


def test_an_exposure_that_leaves_the_band_again_is_not_settled_until_it_returns() -> None:
    c = np.where((T >= 10) & (T < 30), 3.0, 5.0)  # 5, then 3 (too low), then 5 again
    assert time_to_fraction_of_steady_state(T, c, 0.0, 1.0, 5.0, 50) == pytest.approx(30.0)


def test_none_when_the_window_ends_first() -> None:
    c = 5.0 * (1 - np.exp(-0.01 * T))
    assert time_to_fraction_of_steady_state(T, c, 0.0, 1.0, 5.0, 50) is None
