"""Non-compartmental analysis of simulated drug levels, as a study's sampling would read them.

Every function takes the output grid ``t`` (h) and levels ``c`` of shape (people, times) and
returns one value per person: the highest level and its time, the terminal rate and half-life from
a log-linear regression over 13 samples evenly spaced in a window (as non-compartmental analysis of
a sampling schedule would), exposure to infinity. :func:`study_interval` gives the spread of a
statistic (median, mean) over virtual studies of a given size resampled from the people.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def peak(t: FloatArray, c: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Highest level and its time per person (rows)."""
    i = np.argmax(c, axis=1)
    return c[np.arange(c.shape[0]), i], t[i]


def levels_at(t: FloatArray, c: FloatArray, s: FloatArray) -> FloatArray:
    """Levels of every person at times ``s`` (linear interpolation on the grid)."""
    j = np.clip(np.searchsorted(t, s) - 1, 0, t.size - 2)
    w = (s - t[j]) / (t[j + 1] - t[j])
    return c[:, j] * (1.0 - w) + c[:, j + 1] * w


def terminal_rate(t: FloatArray, c: FloatArray, window: tuple[float, float]) -> FloatArray:
    """Terminal rate per person: log-linear regression over 13 samples evenly spaced in the
    window, as non-compartmental analysis of a sampling schedule would."""
    s = np.linspace(window[0], window[1], 13)
    y = np.log(np.maximum(levels_at(t, c, s), 1e-300))
    x = s - s.mean()
    return -((y - y.mean(axis=1, keepdims=True)) @ x) / (x @ x)


def half_life(t: FloatArray, c: FloatArray, window: tuple[float, float]) -> FloatArray:
    return np.log(2.0) / terminal_rate(t, c, window)


def auc_inf(t: FloatArray, c: FloatArray, window: tuple[float, float]) -> FloatArray:
    """Exposure to the last sample (the grid's end) plus the tail extrapolated with the terminal
    rate of ``window``."""
    return np.trapezoid(c, t, axis=1) + c[:, -1] / terminal_rate(t, c, window)


def study_interval(
    x: FloatArray, size: int, stat: Callable[..., FloatArray], rng: np.random.Generator, b: int
) -> tuple[float, float]:
    """5th and 95th percentile of ``stat`` over ``b`` virtual studies of ``size`` people."""
    picks = x[rng.integers(0, x.size, (b, size))]
    lo, hi = np.percentile(stat(picks, axis=1), [5.0, 95.0])
    return float(lo), float(hi)


def power_exponent(doses: FloatArray, y: FloatArray) -> float:
    """Power-model exponent: the slope of log(y) on log(dose)."""
    return float(np.polyfit(np.log(doses), np.log(y), 1)[0])
