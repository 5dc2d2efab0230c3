"""Parameter uncertainty: draws from the cited ranges, seeded and reproducible.

Every cited value carries a plausible range [low, high]. The distribution over it is declared here,
once, for all parameter files:

* ``low == high``: fixed;
* ``low > 0``: log-uniform on [low, high] (ranges of rates, volumes and affinities span orders of
  magnitude, and no study gives a distribution);
* otherwise (a range that includes 0): uniform on [low, high].

Draw 0 is always the central value set, so a run's central line is the model at the cited values and
the interval comes from the other draws.

The pain-response parameters fitted to the population studies are the exception
(:func:`sample_model_values`): they are drawn as whole sets from the calibration's posterior
ensemble (``pd_posterior.toml``), keeping the correlations the data gave them, and ``wd_gain``
varies between people by the fitted spread ``omega_wd_gain``.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from kratomsim.evidence import CitedValue
from kratomsim.evidence.posterior import pd_posterior

FloatArray = NDArray[np.float64]
Distribution = Literal["fixed", "log-uniform", "uniform"]


def distribution(value: CitedValue) -> Distribution:
    """The distribution declared with ``value`` in its data file, else the rule above."""
    if value.distribution is not None:
        return value.distribution
    if value.low == value.high:
        return "fixed"
    return "log-uniform" if value.low > 0 else "uniform"


def sample_values(
    values: Iterable[CitedValue], n_draws: int, *, seed: int = 0
) -> dict[str, FloatArray]:
    """Draw ``n_draws`` values of each parameter; draw 0 is the central value.

    Each parameter has its own random stream, keyed by the seed and the parameter's name, so adding
    or removing a parameter does not change the draws of the others.
    """
    if n_draws < 1:
        raise ValueError(f"n_draws must be ≥ 1, got {n_draws}")
    out: dict[str, FloatArray] = {}
    for v in values:
        key = zlib.crc32(v.name.encode("utf-8"))
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))
        kind = distribution(v)
        if kind == "fixed":
            draws = np.full(n_draws, v.value)
        elif kind == "log-uniform":
            draws = np.exp(rng.uniform(np.log(v.low), np.log(v.high), n_draws))
        else:
            draws = rng.uniform(v.low, v.high, n_draws)
        draws[0] = v.value
        out[v.name] = draws
    return out


def interval(
    values: FloatArray, level: float = 0.90, axis: int = 0
) -> tuple[FloatArray, FloatArray]:
    """Central ``level`` percentile interval over ``axis`` (the draws).

    The numbers of ``np.percentile`` (its default, linear interpolation), from one sort: NumPy's
    vectorised sort of the draws of every time point is several times faster than the selection
    ``np.percentile`` runs along a strided axis, and an outcome run takes a dozen such intervals
    over (draws × times) arrays.
    """
    tail = 100 * (1 - level) / 2
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0 or not np.all(np.isfinite(v)):
        lo, hi = np.percentile(v, [tail, 100 - tail], axis=axis)
        return np.asarray(lo), np.asarray(hi)
    ordered = np.sort(v, axis=axis)
    return _linear(ordered, tail / 100, axis), _linear(ordered, (100 - tail) / 100, axis)


def _linear(ordered: FloatArray, q: float, axis: int) -> FloatArray:
    """The ``q`` quantile of sorted data by NumPy's "linear" rule, with its arithmetic."""
    n = ordered.shape[axis]
    at = (n - 1) * q  # NumPy's virtual index of the linear rule
    below = min(int(np.floor(at)), n - 1)
    above = min(below + 1, n - 1)
    gamma = at - below
    a = np.take(ordered, below, axis=axis)
    b = np.take(ordered, above, axis=axis)
    diff = b - a
    # NumPy interpolates from the nearer end (``_lerp``), so the numbers match bit for bit
    return np.asarray(b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma)


def sample_model_values(
    values: Iterable[CitedValue], n_draws: int, *, seed: int = 0, people: bool = True
) -> dict[str, FloatArray]:
    """:func:`sample_values`, with the calibrated pain-response parameters drawn as whole sets.

    Draw 0 is the posterior's central set; draws 1… are ensemble sets chosen with ``seed``.
    ``people``: the interval covers a person drawn from the population as well (between-person
    spread of the withdrawal gain); ``False`` for a typical person's parameter uncertainty only.
    """
    draws = sample_values(values, n_draws, seed=seed)
    post = pd_posterior()
    if not post:
        return draws
    size = next(iter(post.values())).size
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x5044,)))
    pick = np.concatenate(
        ([0], rng.integers(1, size, n_draws - 1) if size > 1 else np.zeros(n_draws - 1, int))
    )
    for name, col in post.items():
        if name in draws:
            draws[name] = col[pick]
    omega = post.get("omega_wd_gain")
    if people and omega is not None and "wd_gain" in draws:
        z = rng.standard_normal(n_draws)
        z[0] = 0.0
        draws["wd_gain"] = draws["wd_gain"] * np.exp(omega[pick] * z)
    return draws
