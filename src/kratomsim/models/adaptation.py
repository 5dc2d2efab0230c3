"""Tolerance, dependence and withdrawal driven by a mu-opioid activation series ``E(t)``.

The input is a MOR activation signal ``E(t)`` in [0, 1) on a time grid (hours), for one subject
(shape ``(times,)``) or many (shape ``(subjects, times)``). Three slow states follow it:

* tolerance (receptor desensitisation), ``dT/dt = k_on·E·(T_max − T) − k_off·T``; it reverses
  after use stops, and ``0 ≤ T < T_max``;
* effective activation ``E_eff = E·(1 − T)``;
* homeostatic counter-adaptation (physical dependence), ``dH/dt = k_h·(E_eff − H)``.

When ``E_eff`` falls below the adapted level ``H`` by more than a threshold, the excess
``D = max(0, H − E_eff − θ)`` drives withdrawal, mapped onto the 0–64 range of the Subjective
Opiate Withdrawal Scale (16 items scored 0–4) by a saturating Hill function
``score = 64·(g·D)^n / (1 + (g·D)^n)``.

Every rate, the threshold and the score map are labelled assumptions (``evidence/data/
adaptation.toml``): no human tolerance or withdrawal kinetics for kratom were found. The output is a
simulation of a hypothesis, never a prediction for a person and never advice.

Integration is exact for ``E`` held constant between grid points at the mean of the two endpoint
values (so second-order accurate for smooth ``E``): ``T`` is then an exponential within each step
and ``H``, driven by ``E_eff = α + β·e^{−b·s}``, has a closed form too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kratomsim.errors import ModelSpecError, bad_value

FloatArray = NDArray[np.float64]

#: Top of the Subjective Opiate Withdrawal Scale (16 items x 0-4 points).
SOWS_MAX: Final = 64.0
#: Score at or above which a withdrawal episode counts as having signs (SOWS points).
SIGNS_THRESHOLD: Final = 5.0

#: Field of :class:`AdaptationParams` → parameter name in ``adaptation.toml``.
PARAMETER_NAMES: Final = {
    "k_on": "tol_k_on",
    "k_off": "tol_k_off",
    "t_max": "tol_max",
    "k_h": "dep_k_h",
    "threshold": "wd_threshold",
    "gain": "wd_gain",
    "steepness": "wd_steepness",
}

#: Field → (lower, upper, lower bound exclusive).
_BOUNDS: Final = {
    "k_on": (0.0, np.inf, False),
    "k_off": (0.0, np.inf, True),
    "t_max": (0.0, 1.0, False),
    "k_h": (0.0, np.inf, True),
    "threshold": (0.0, np.inf, False),
    "gain": (0.0, np.inf, True),
    "steepness": (0.0, np.inf, True),
}


@dataclass(frozen=True, eq=False)
class AdaptationParams:
    """Rate constants and the withdrawal-score map; each a float or a per-subject 1-D array.

    Attributes
    ----------
    k_on : float or ndarray
        Tolerance development rate per unit activation (1/h).
    k_off : float or ndarray
        Tolerance recovery rate (1/h), > 0.
    t_max : float or ndarray
        Largest fractional desensitisation, in [0, 1].
    k_h : float or ndarray
        Rate of homeostatic counter-adaptation (1/h), > 0.
    threshold : float or ndarray
        Activation deficit ``H − E_eff`` tolerated without withdrawal (activation units).
    gain : float or ndarray
        Scale of the score map (per activation unit): ``g·D = 1`` gives half of 64.
    steepness : float or ndarray
        Hill exponent of the score map.

    Defaults are the values of ``evidence/data/adaptation.toml`` (all ASSUMPTIONS).
    """

    k_on: float | FloatArray = 0.02
    k_off: float | FloatArray = 0.0069
    t_max: float | FloatArray = 0.6
    k_h: float | FloatArray = 0.008
    threshold: float | FloatArray = 0.06
    gain: float | FloatArray = 6.0
    steepness: float | FloatArray = 2.0

    def __post_init__(self) -> None:
        sizes = set()
        for f in fields(self):
            arr = np.asarray(getattr(self, f.name), dtype=np.float64)
            lo, hi, open_lo = _BOUNDS[f.name]
            bad = ~np.isfinite(arr) | (arr < lo) | (arr > hi) | (open_lo & (arr <= lo))
            if arr.ndim > 1 or np.any(bad):
                shown = arr.shape if arr.ndim > 1 else float(arr[bad].ravel()[0])
                raise ModelSpecError(
                    bad_value(
                        f"Adaptation parameter {f.name} must be a float or 1-D array in "
                        f"{'(' if open_lo else '['}{lo:g}, {hi:g}]",
                        shown,
                        "Check adaptation.toml or the values passed (one per subject).",
                    )
                )
            if arr.ndim == 0:
                object.__setattr__(self, f.name, float(arr))
                continue
            sizes.add(arr.size)
            arr = arr.copy()
            arr.flags.writeable = False
            object.__setattr__(self, f.name, arr)
        if len(sizes - {1}) > 1:
            raise ModelSpecError(
                bad_value(
                    "Per-subject adaptation parameters need one common length",
                    sorted(sizes),
                    "Give every array the same number of subjects.",
                )
            )

    @classmethod
    def from_mapping(cls, values: Mapping[str, float | ArrayLike]) -> AdaptationParams:
        """Build from ``adaptation.toml`` names (e.g. ``ParameterSet.values_dict()``).

        Missing names keep their defaults; other keys are ignored.
        """
        given = {f: np.asarray(values[n], float) for f, n in PARAMETER_NAMES.items() if n in values}
        return cls(**given)  # type: ignore[arg-type]

    def per_subject(self, name: str, n: int) -> FloatArray:
        """Parameter ``name`` broadcast to shape ``(n,)`` (one value per activation row)."""
        arr = np.atleast_1d(np.asarray(getattr(self, name), dtype=np.float64))
        if arr.size not in (1, n):
            raise ModelSpecError(
                bad_value(
                    f"Adaptation parameter {name} has {arr.size} values; activation rows are",
                    n,
                    "Give one parameter value per row of the activation array.",
                )
            )
        return np.broadcast_to(arr, (n,)).copy()


@dataclass(frozen=True, eq=False)
class AdaptationState:
    """Time courses from :func:`integrate_adaptation`; every array has the activation's shape.

    Attributes
    ----------
    t_h : ndarray
        Time grid (h), shape ``(times,)``.
    activation : ndarray
        The input ``E``.
    tolerance : ndarray
        ``T``, fractional desensitisation, ``0 ≤ T < t_max``.
    effective : ndarray
        ``E_eff = E·(1 − T)``.
    counter : ndarray
        ``H``, homeostatic counter-adaptation (the adapted level; physical dependence).
    drive : ndarray
        ``D = max(0, H − E_eff − threshold)``.
    score : ndarray
        Withdrawal score on the 0–64 SOWS range.
    """

    t_h: FloatArray
    activation: FloatArray
    tolerance: FloatArray
    effective: FloatArray
    counter: FloatArray
    drive: FloatArray
    score: FloatArray


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


def _relax_factor(lo: FloatArray, hi: FloatArray, s: FloatArray) -> FloatArray:
    """``(e^{−lo·s} − e^{−hi·s}) / (hi − lo)`` for ``hi ≥ lo ≥ 0``, stable when they are close."""
    x = (hi - lo) * s
    safe = np.where(x > 1e-12, x, 1.0)
    phi = np.where(x > 1e-12, -np.expm1(-safe) / safe, 1.0 - 0.5 * x)
    return np.exp(-lo * s) * s * phi


def withdrawal_score(drive: ArrayLike, gain: ArrayLike, steepness: ArrayLike) -> FloatArray:
    """Map a withdrawal drive ``D ≥ 0`` onto [0, 64): ``64·(g·D)^n / (1 + (g·D)^n)``."""
    x = np.power(np.maximum(np.asarray(gain) * np.asarray(drive), 0.0), steepness)
    return SOWS_MAX * x / (1.0 + x)


def calibrate_withdrawal_gain(
    peak_drive: float, target_score: float, steepness: float = 2.0
) -> float:
    """Gain that maps a withdrawal drive ``peak_drive`` onto ``target_score`` (SOWS points).

    Lets the engine rescale the score map once the receptor layer fixes the activation scale, e.g.
    so that the peak after stopping a typical regimen sits in the SOWS range reported for active
    consumers (13.5 ± 11.9, Rogers 2024).

    Parameters
    ----------
    peak_drive : float
        Drive ``D > 0`` at the peak of a reference episode (activation units).
    target_score : float
        Score wanted at that drive, in (0, 64).
    steepness : float
        Hill exponent of the score map.

    Returns
    -------
    float
        ``g`` with ``64·(g·D)^n / (1 + (g·D)^n) = target_score``.
    """
    if not (np.isfinite(peak_drive) and peak_drive > 0):
        raise ModelSpecError(bad_value("The peak drive must be > 0", peak_drive, "Pass D > 0."))
    if not (0.0 < target_score < SOWS_MAX):
        raise ModelSpecError(
            bad_value("The target score must lie in (0, 64)", target_score, "Pass e.g. 13.5.")
        )
    if not (np.isfinite(steepness) and steepness > 0):
        raise ModelSpecError(bad_value("The steepness must be > 0", steepness, "Pass e.g. 2."))
    x = target_score / (SOWS_MAX - target_score)
    return float(x ** (1.0 / steepness) / peak_drive)


def integrate_adaptation(
    t_h: ArrayLike,
    activation: ArrayLike,
    params: AdaptationParams | None = None,
    *,
    tolerance0: ArrayLike = 0.0,
    counter0: ArrayLike = 0.0,
) -> AdaptationState:
    """Integrate tolerance and counter-adaptation along an activation series.

    Parameters
    ----------
    t_h : array_like
        Strictly increasing time grid (h), shape ``(times,)``.
    activation : array_like
        MOR activation ``E`` in [0, 1), shape ``(times,)`` or ``(subjects, times)``.
    params : AdaptationParams, optional
        Rates and score map; defaults to :class:`AdaptationParams()`.
    tolerance0, counter0 : array_like
        ``T`` and ``H`` at ``t_h[0]`` (scalar or per subject); 0 for a drug-naive start.

    Returns
    -------
    AdaptationState
        Arrays of the activation's shape. Vectorised over subjects; the only loop runs over
        time steps.

    Examples
    --------
    >>> t = np.linspace(0.0, 240.0, 241)
    >>> s = integrate_adaptation(t, np.where(t < 120, 0.5, 0.0))
    >>> bool(s.tolerance[120] > s.tolerance[-1] > 0)
    True
    """
    p = params if params is not None else AdaptationParams()
    t, e, one_d = _grid(t_h, activation, "Activation")
    if np.any(e < 0.0) or np.any(e >= 1.0):
        raise ModelSpecError(
            bad_value(
                "MOR activation must lie in [0, 1)",
                float(e[(e < 0.0) | (e >= 1.0)][0]),
                "Pass a fractional receptor activation, not a concentration.",
            )
        )
    n = e.shape[0]
    k_on, k_off, t_max, k_h, theta, gain, steep = (p.per_subject(k, n) for k in PARAMETER_NAMES)
    tol, h = np.empty_like(e), np.empty_like(e)
    tol[:, 0] = np.broadcast_to(np.asarray(tolerance0, dtype=np.float64), (n,))
    h[:, 0] = np.broadcast_to(np.asarray(counter0, dtype=np.float64), (n,))
    t0, h0 = tol[:, 0], h[:, 0]
    if np.any(~np.isfinite(t0) | (t0 < 0) | ((t0 > 0) & (t0 >= t_max)) | ~(h0 >= 0)):
        raise ModelSpecError(
            bad_value(
                "Initial state needs 0 ≤ tolerance0 < t_max and counter0 ≥ 0",
                (tolerance0, counter0),
                "Start a drug-naive subject at 0.",
            )
        )
    dt = np.diff(t)
    e_mid = 0.5 * (e[:, 1:] + e[:, :-1])
    for i in range(dt.size):
        s = dt[i]
        ei = e_mid[:, i]
        b = k_on * ei + k_off
        t_inf = k_on * ei * t_max / b
        decay = np.exp(-b * s)
        tol[:, i + 1] = t_inf + (tol[:, i] - t_inf) * decay
        # Within the step E_eff(s) = alpha + beta·exp(−b s); H relaxes towards it at k_h.
        alpha = ei * (1.0 - t_inf)
        beta = -ei * (tol[:, i] - t_inf)
        lo, hi = np.minimum(b, k_h), np.maximum(b, k_h)
        h[:, i + 1] = (
            alpha
            + (h[:, i] - alpha) * np.exp(-k_h * s)
            + beta * k_h * _relax_factor(lo, hi, np.full_like(b, s))
        )
    eff = e * (1.0 - tol)
    drive = np.maximum(h - eff - theta[:, None], 0.0)
    score = withdrawal_score(drive, gain[:, None], steep[:, None])
    out = [e, tol, eff, h, drive, score]
    if one_d:
        out = [a[0] for a in out]
    for a in out:
        a.flags.writeable = False
    return AdaptationState(t, *out)


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
