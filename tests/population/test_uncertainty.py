"""Parameter draws: declared distributions, central draw first, reproducible streams."""

from __future__ import annotations

import numpy as np
import pytest

from kratomsim.evidence import CitedValue
from kratomsim.population.uncertainty import distribution, interval, sample_values


def cited(name: str, value: float, low: float, high: float) -> CitedValue:
    return CitedValue(
        name=name,
        value=value,
        unit="1",
        low=low,
        high=high,
        kind="assumption",
        source="tanna2022",
        locator="test",
        species="n/a",
        grade="E",
        note="ASSUMPTION",
    )


def test_declared_distributions() -> None:
    assert distribution(cited("a", 1, 1, 1)) == "fixed"
    assert distribution(cited("b", 1, 0.1, 10)) == "log-uniform"
    assert distribution(cited("c", 0.1, 0.0, 0.3)) == "uniform"


def test_draw_zero_is_central_and_draws_stay_in_range() -> None:
    values = [cited("k", 2.0, 0.5, 8.0), cited("f", 0.1, 0.0, 0.35)]
    draws = sample_values(values, 500, seed=3)
    assert draws["k"][0] == 2.0 and draws["f"][0] == 0.1
    assert 0.5 <= draws["k"].min() and draws["k"].max() <= 8.0
    # log-uniform: the median sits near the geometric middle of the range
    assert np.median(np.log(draws["k"])) == pytest.approx(np.log(2.0), abs=0.15)


def test_reproducible_and_independent_of_other_parameters() -> None:
    a = sample_values([cited("k", 2.0, 0.5, 8.0)], 50, seed=11)
    b = sample_values([cited("k", 2.0, 0.5, 8.0)], 50, seed=11)
    np.testing.assert_array_equal(a["k"], b["k"])
    c = sample_values([cited("a", 1.0, 0.1, 9.0), cited("k", 2.0, 0.5, 8.0)], 50, seed=11)
    np.testing.assert_array_equal(a["k"], c["k"])


def test_interval_brackets_the_draws() -> None:
    x = np.arange(101.0)[:, None] * np.ones((1, 3))
    lo, hi = interval(x, 0.90)
    np.testing.assert_allclose(lo, 5.0)
    np.testing.assert_allclose(hi, 95.0)


@pytest.mark.parametrize("level", [0.5, 0.8, 0.9, 0.95, 0.999])
@pytest.mark.parametrize("shape", [(1, 4), (2, 3), (200, 50), (37, 5, 2)])
def test_interval_gives_the_numbers_of_numpy_percentile(
    level: float, shape: tuple[int, ...]
) -> None:
    rng = np.random.default_rng(sum(shape))
    x = rng.lognormal(0.0, 2.0, shape)
    x[: shape[0] // 2] = np.round(x[: shape[0] // 2], 1)  # ties
    tail = 100 * (1 - level) / 2
    want = np.percentile(x, [tail, 100 - tail], axis=0)
    lo, hi = interval(x, level)
    np.testing.assert_array_equal(lo, want[0])
    np.testing.assert_array_equal(hi, want[1])


def test_interval_of_draws_with_a_nan_is_nan_as_numpy_gives() -> None:
    x = np.ones((10, 3))
    x[4, 1] = np.nan
    lo, hi = interval(x)
    assert np.isnan(lo[1]) and np.isnan(hi[1])
    assert lo[0] == hi[0] == 1.0
