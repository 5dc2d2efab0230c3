"""Pain outcomes driven by the effective MOR activation ``E_eff`` (see :mod:`.adaptation`).

* Acute experimental pain: cold-pressor tolerance ``baseline·(1 + gain·E_eff)``. The only human
  anchor is Vicknasingam 2020: in 26 male daily users, tolerance rose from 11.2 s to 24.9 s one
  hour after a kratom decoction of unknown strength, a 2.22-fold increase (pd.md Table 3.2,
  DERIVED). :func:`calibrate_cold_pressor_gain` turns that fold into a gain once the simulator
  knows ``E_eff`` one hour after a typical dose in a tolerant daily user.
* Chronic pain: a daily 0–10 numerical rating scale (NRS) series whose mean falls by
  ``relief_max·E_eff`` of baseline, with AR(1) day-to-day variation. No controlled chronic-pain
  trial of kratom exists (pd.md §9c); every chronic-pain parameter is an ASSUMPTION.

These are simulations of hypotheses for explanation, never predictions or advice for a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kratomsim.errors import ModelSpecError, bad_value

FloatArray = NDArray[np.float64]

#: Vicknasingam 2020 (pd.md Table 3.2): mean CPT tolerance before and 1 h after kratom (s), n.
CPT_BASELINE_S: Final = 11.2
CPT_AFTER_1H_S: Final = 24.9
CPT_FOLD: Final = 2.22
CPT_N: Final = 26
#: Conventional thresholds for a clinically important fall in NRS pain (Farrar 2001; IMMPACT).
MEANINGFUL_POINTS: Final = 2.0
MEANINGFUL_FRACTION: Final = 0.30
NRS_MAX: Final = 10.0


def _fraction(name: str, x: ArrayLike, *, upper_open: bool = True) -> FloatArray:
    arr = np.asarray(x, dtype=np.float64)
    bad = ~np.isfinite(arr) | (arr < 0) | ((arr >= 1) if upper_open else (arr > 1))
    if np.any(bad):
        raise ModelSpecError(
            bad_value(
                f"{name} must lie in [0, 1{')' if upper_open else ']'}",
                float(arr[bad].ravel()[0]),
                "Pass a fraction, not a percentage or a concentration.",
            )
        )
    return arr


def cold_pressor_tolerance_s(baseline_s: ArrayLike, e_eff: ArrayLike, gain: float) -> FloatArray:
    """Cold-pressor tolerance (s) at effective activation ``e_eff``: ``baseline·(1 + gain·E_eff)``.

    Parameters
    ----------
    baseline_s : array_like
        Drug-free tolerance (s), > 0; broadcast against ``e_eff``.
    e_eff : array_like
        Effective MOR activation in [0, 1).
    gain : float
        Fold increase per unit activation, ≥ 0 (see :func:`calibrate_cold_pressor_gain`).

    Returns
    -------
    ndarray
        Tolerance in seconds (no task time-out is applied).

    Examples
    --------
    >>> g = calibrate_cold_pressor_gain(0.5)
    >>> round(float(cold_pressor_tolerance_s(11.2, 0.5, g)), 2)
    24.86
    """
    base = np.asarray(baseline_s, dtype=np.float64)
    if np.any(~np.isfinite(base) | (base <= 0)):
        raise ModelSpecError(
            bad_value("Baseline tolerance must be > 0 s", baseline_s, "E.g. 11.2.")
        )
    if not (np.isfinite(gain) and gain >= 0):
        raise ModelSpecError(bad_value("Cold-pressor gain must be ≥ 0", gain, "Calibrate it."))
    return base * (1.0 + gain * _fraction("Effective activation", e_eff))


def calibrate_cold_pressor_gain(e_eff_at_1h: float, fold: float = CPT_FOLD) -> float:
    """Gain that reproduces a ``fold`` increase in cold-pressor tolerance at ``e_eff_at_1h``.

    Parameters
    ----------
    e_eff_at_1h : float
        Simulated effective activation 1 h after a typical dose in a tolerant daily user (the
        Vicknasingam 2020 design), in (0, 1).
    fold : float
        Target ratio after/before; default 2.22 = 24.9 s / 11.2 s (DERIVED).

    Returns
    -------
    float
        ``(fold − 1) / e_eff_at_1h``.
    """
    e = float(e_eff_at_1h)
    if not (0.0 < e < 1.0):
        raise ModelSpecError(
            bad_value("Activation at 1 h must lie in (0, 1)", e_eff_at_1h, "Pass E_eff(1 h).")
        )
    if not (np.isfinite(fold) and fold >= 1.0):
        raise ModelSpecError(bad_value("The fold change must be ≥ 1", fold, "E.g. 2.22."))
    return (fold - 1.0) / e


def chronic_nrs(
    baseline_nrs: ArrayLike,
    e_eff: ArrayLike,
    relief_max: ArrayLike,
    rng: np.random.Generator,
    sd: float,
    rho: float,
    t_h: ArrayLike,
) -> FloatArray:
    """Simulate a 0–10 NRS pain series under activation ``e_eff``.

    The mean is ``baseline·(1 − relief_max·E_eff(t))``; around it an Ornstein–Uhlenbeck process
    (continuous-time AR(1)) with stationary SD ``sd`` and correlation ``rho`` between values one
    day (24 h) apart, sampled exactly on any grid. Values are clipped to [0, 10].

    Parameters
    ----------
    baseline_nrs : array_like
        Untreated mean pain (0–10); scalar or one per subject (row of ``e_eff``).
    e_eff : array_like
        Effective activation in [0, 1), shape ``(times,)`` or ``(subjects, times)``.
    relief_max : array_like
        Fraction of baseline removed at ``E_eff → 1``, in [0, 1]; scalar or per subject.
    rng : numpy.random.Generator
        Source of randomness (no global state is used).
    sd : float
        Stationary day-to-day SD (NRS points), ≥ 0.
    rho : float
        Correlation of the noise between days, in [0, 1).
    t_h : array_like
        Strictly increasing times (h), matching the last axis of ``e_eff``.

    Returns
    -------
    ndarray
        NRS values in [0, 10], same shape as ``e_eff``.
    """
    if not isinstance(rng, np.random.Generator):
        raise ModelSpecError(
            bad_value("rng must be a numpy Generator", type(rng).__name__, "Use default_rng(seed).")
        )
    t = np.asarray(t_h, dtype=np.float64)
    e = _fraction("Effective activation", e_eff)
    if t.ndim != 1 or e.ndim not in (1, 2) or e.shape[-1] != t.size or np.any(np.diff(t) <= 0):
        raise ModelSpecError(
            bad_value(
                "t_h must be strictly increasing and match the last axis of e_eff",
                (t.shape, e.shape),
                "Pass the grid the activation was computed on.",
            )
        )
    if not (np.isfinite(sd) and sd >= 0):
        raise ModelSpecError(bad_value("The NRS SD must be ≥ 0", sd, "E.g. 1.0."))
    _fraction("rho", rho)
    one_d = e.ndim == 1
    e2 = np.atleast_2d(e)
    n = e2.shape[0]
    base = np.atleast_1d(np.asarray(baseline_nrs, dtype=np.float64))
    relief = np.atleast_1d(_fraction("relief_max", relief_max, upper_open=False))
    for name, arr in (("baseline_nrs", base), ("relief_max", relief)):
        if arr.ndim != 1 or arr.size not in (1, n):
            raise ModelSpecError(
                bad_value(f"{name} needs one value or one per row", arr.shape, "Check its shape.")
            )
    if np.any(~np.isfinite(base) | (base < 0) | (base > NRS_MAX)):
        raise ModelSpecError(
            bad_value("Baseline NRS must lie in [0, 10]", baseline_nrs, "Use the 0-10 scale.")
        )
    mean = base[:, None] * (1.0 - relief[:, None] * e2)
    noise = np.empty_like(e2)
    noise[:, 0] = sd * rng.standard_normal(n)
    phi = np.power(rho, np.diff(t) / 24.0)
    innov = sd * np.sqrt(1.0 - phi**2)
    for i in range(phi.size):
        noise[:, i + 1] = phi[i] * noise[:, i] + innov[i] * rng.standard_normal(n)
    nrs = np.clip(mean + noise, 0.0, NRS_MAX)
    return nrs[0] if one_d else nrs


@dataclass(frozen=True, eq=False)
class ReliefSummary:
    """Change in NRS pain against baseline; floats for 1-D input, per-subject arrays for 2-D.

    Attributes
    ----------
    mean_change : float or ndarray
        Mean of ``nrs − baseline`` (negative = less pain).
    share_2_points : float or ndarray
        Share of time points with a reduction ≥ ``points`` (default 2).
    share_30_percent : float or ndarray
        Share of time points with a reduction ≥ ``fraction`` of baseline (default 30 %).
    """

    mean_change: float | FloatArray
    share_2_points: float | FloatArray
    share_30_percent: float | FloatArray


def relief_summary(
    baseline: ArrayLike,
    nrs: ArrayLike,
    *,
    points: float = MEANINGFUL_POINTS,
    fraction: float = MEANINGFUL_FRACTION,
) -> ReliefSummary:
    """Summarise an NRS series against baseline with the ≥ 2-point and ≥ 30 % conventions.

    Parameters
    ----------
    baseline : array_like
        Baseline NRS; scalar or one per subject (row of ``nrs``).
    nrs : array_like
        NRS series, shape ``(times,)`` or ``(subjects, times)``; on a uniform grid the share of
        points equals the share of time.
    points, fraction : float
        Reductions counted as clinically important (a convention, not kratom data).

    Returns
    -------
    ReliefSummary
        Mean change and the two shares. A baseline of 0 cannot fall by 30 % (share 0).
    """
    y = np.asarray(nrs, dtype=np.float64)
    if y.ndim not in (1, 2) or y.shape[-1] == 0 or not np.all(np.isfinite(y)):
        raise ModelSpecError(
            bad_value("nrs must be a finite 1-D or 2-D array", y.shape, "Pass an NRS series.")
        )
    y2 = np.atleast_2d(y)
    b = np.atleast_1d(np.asarray(baseline, dtype=np.float64))
    if b.ndim != 1 or b.size not in (1, y2.shape[0]) or not np.all(np.isfinite(b)):
        raise ModelSpecError(
            bad_value("baseline needs one value or one per row", b.shape, "Check its shape.")
        )
    b = b[:, None]
    drop = b - y2
    tiny = 1e-9
    change = (y2 - b).mean(axis=1)
    share_pts = (drop >= points - tiny).mean(axis=1)
    share_pct = ((b > 0) & (drop >= fraction * b - tiny)).mean(axis=1)
    if y.ndim == 1:
        return ReliefSummary(float(change[0]), float(share_pts[0]), float(share_pct[0]))
    return ReliefSummary(change, share_pts, share_pct)
