"""Withdrawal episodes: when signs begin, how bad they get and how long they last.

The withdrawal score itself (0–64, the SOWS range) is an output of the model specification
(``spec/model.toml``, computed by the kernels); this module summarises a score series after a
given time (e.g. the last dose), with the conventional threshold for "signs".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kratomsim.errors import ModelSpecError, bad_value

FloatArray = NDArray[np.float64]

#: Top of the Subjective Opiate Withdrawal Scale (16 items x 0-4 points).
SOWS_MAX: Final = 64.0
#: Score at or above which a withdrawal episode counts as having signs (SOWS points).
SIGNS_THRESHOLD: Final = 5.0


@dataclass(frozen=True, eq=False)
class WithdrawalSummary:
    """One withdrawal episode per subject; floats for 1-D input, arrays for 2-D input.

    Attributes
    ----------
    after_h : float
        Start of the window (h), e.g. the time of the last dose.
    onset_h : float or ndarray
        First grid time ≥ ``after_h`` with score ≥ the signs threshold (NaN if none).
    peak : float or ndarray
        Highest score at or after ``after_h``.
    peak_h : float or ndarray
        Time of that peak (h).
    duration_h : float or ndarray
        Time spent at or above the threshold after ``after_h`` (h; linear between grid points).
    burden : float or ndarray
        Integral of the score after ``after_h`` (score·h, trapezoidal).
    threshold : float
        The signs threshold used (SOWS points).
    """

    after_h: float
    onset_h: float | FloatArray
    peak: float | FloatArray
    peak_h: float | FloatArray
    duration_h: float | FloatArray
    burden: float | FloatArray
    threshold: float

    @property
    def latency_h(self) -> float | FloatArray:
        """Onset time counted from ``after_h`` (NaN if no signs)."""
        return self.onset_h - self.after_h


def _grid(t_h: ArrayLike, values: ArrayLike, what: str) -> tuple[FloatArray, FloatArray, bool]:
    """Validate a time grid and a (subjects, times) or (times,) array; return 2-D values."""
    t = np.asarray(t_h, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if t.ndim != 1 or t.size < 2 or not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
        raise ModelSpecError(
            bad_value(
                "The time grid must be a 1-D, finite, strictly increasing array of ≥ 2 hours",
                t.shape,
                "Pass e.g. np.linspace(0, 336, 3361).",
            )
        )
    if v.ndim not in (1, 2) or v.shape[-1] != t.size:
        raise ModelSpecError(
            bad_value(
                f"{what} must have shape (times,) or (subjects, times) matching the grid",
                v.shape,
                f"The grid has {t.size} times.",
            )
        )
    if not np.all(np.isfinite(v)):
        raise ModelSpecError(bad_value(f"{what} must be finite", "NaN or inf", "Check the input."))
    return t, np.atleast_2d(v), v.ndim == 1


def withdrawal_episode(
    t_h: ArrayLike,
    score: ArrayLike,
    after_h: float,
    *,
    threshold: float = SIGNS_THRESHOLD,
) -> WithdrawalSummary:
    """Summarise the withdrawal score at and after ``after_h`` (e.g. the last dose).

    Parameters
    ----------
    t_h : array_like
        Time grid (h), shape ``(times,)``.
    score : array_like
        Withdrawal score, shape ``(times,)`` or ``(subjects, times)``.
    after_h : float
        Start of the window; only grid points at or after it count.
    threshold : float
        Score at which signs are counted (SOWS points; default 5).

    Returns
    -------
    WithdrawalSummary
        Onset, peak, time of peak, time above threshold and cumulative score·h.
    """
    t, s, one_d = _grid(t_h, score, "Withdrawal score")
    keep = t >= after_h
    if keep.sum() < 2:
        raise ModelSpecError(
            bad_value(
                "The window after after_h needs at least two grid points",
                after_h,
                f"Choose after_h ≤ {t[-2]:g} h.",
            )
        )
    tw, sw = t[keep], s[:, keep]
    above = sw >= threshold
    first = np.argmax(above, axis=1)
    onset = np.where(above.any(axis=1), tw[first], np.nan)
    k = np.argmax(sw, axis=1)
    peak = sw[np.arange(sw.shape[0]), k]
    peak_h = tw[k]
    a, b = sw[:, :-1], sw[:, 1:]
    hi, lo = np.maximum(a, b), np.minimum(a, b)
    span = np.where(hi > lo, hi - lo, 1.0)
    frac = np.where(lo >= threshold, 1.0, np.where(hi < threshold, 0.0, (hi - threshold) / span))
    dtw = np.diff(tw)
    duration = (frac * dtw).sum(axis=1)
    burden = (0.5 * (a + b) * dtw).sum(axis=1)
    vals: list[float | FloatArray] = [onset, peak, peak_h, duration, burden]
    if one_d:
        vals = [float(np.asarray(v)[0]) for v in vals]
    return WithdrawalSummary(float(after_h), *vals, threshold=float(threshold))
