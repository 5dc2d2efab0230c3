"""Pain outcomes around the model's mean courses (``spec/model.toml`` outputs).

* Acute experimental pain: the cold-pressor tolerance is an output of the specification. The only
  human anchor is Vicknasingam 2020: in 26 male daily users, tolerance rose from 11.2 s to 24.9 s
  one hour after a kratom decoction of unknown strength, a 2.22-fold increase.
* Chronic pain: a daily 0–10 numerical rating scale (NRS) series around the specification's mean
  pain (``pain_nrs_mean``), with AR(1) day-to-day variation. No controlled chronic-pain trial of
  kratom exists; every chronic-pain parameter is an ASSUMPTION.

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


def _checked(
    mean_nrs: ArrayLike, rng: object, sd: ArrayLike, rho: ArrayLike, t_h: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """The time grid and mean course as arrays, after checking every argument."""
    if not isinstance(rng, np.random.Generator):
        raise ModelSpecError(
            bad_value("rng must be a numpy Generator", type(rng).__name__, "Use default_rng(seed).")
        )
    t = np.asarray(t_h, dtype=np.float64)
    m = np.asarray(mean_nrs, dtype=np.float64)
    if t.ndim != 1 or m.ndim not in (1, 2) or m.shape[-1] != t.size or np.any(np.diff(t) <= 0):
        raise ModelSpecError(
            bad_value(
                "t_h must be strictly increasing and match the last axis of mean_nrs",
                (t.shape, m.shape),
                "Pass the grid the mean was computed on.",
            )
        )
    if np.any(~np.isfinite(m) | (m < 0) | (m > NRS_MAX)):
        raise ModelSpecError(
            bad_value("Mean NRS must lie in [0, 10]", float(np.nanmax(m)), "Use the 0-10 scale.")
        )
    sds = np.asarray(sd, dtype=np.float64)
    if not np.all(np.isfinite(sds) & (sds >= 0)):
        raise ModelSpecError(bad_value("The NRS SD must be ≥ 0", float(np.min(sds)), "E.g. 1.0."))
    _fraction("rho", rho)
    return t, m


def chronic_nrs(
    mean_nrs: ArrayLike,
    rng: np.random.Generator,
    sd: float,
    rho: float,
    t_h: ArrayLike,
) -> FloatArray:
    """A 0–10 NRS pain series: day-to-day variation around a mean course.

    The mean course is the model's ``pain_nrs_mean`` output (the specification says how relief
    lowers a person's usual pain). Around it an Ornstein–Uhlenbeck process (continuous-time AR(1))
    with stationary SD ``sd`` and correlation ``rho`` between values one day (24 h) apart, sampled
    exactly on any grid. Values are clipped to [0, 10].

    Parameters
    ----------
    mean_nrs : array_like
        Mean pain (0–10), shape ``(times,)`` or ``(subjects, times)``.
    rng : numpy.random.Generator
        Source of randomness (no global state is used).
    sd : float
        Stationary day-to-day SD (NRS points), ≥ 0.
    rho : float
        Correlation of the noise between days, in [0, 1).
    t_h : array_like
        Strictly increasing times (h), matching the last axis of ``mean_nrs``.

    Returns
    -------
    ndarray
        NRS values in [0, 10], the shape of ``mean_nrs``.
    """
    t, m = _checked(mean_nrs, rng, sd, rho, t_h)
    one_d = m.ndim == 1
    m2 = np.atleast_2d(m)
    n = m2.shape[0]
    noise = np.empty_like(m2)
    noise[:, 0] = sd * rng.standard_normal(n)
    phi = np.power(rho, np.diff(t) / 24.0)
    innov = sd * np.sqrt(1.0 - phi**2)
    for i in range(phi.size):
        noise[:, i + 1] = phi[i] * noise[:, i] + innov[i] * rng.standard_normal(n)
    nrs = np.clip(m2 + noise, 0.0, NRS_MAX)
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


def chronic_nrs_rows(
    mean_nrs: ArrayLike,
    rng: np.random.Generator,
    sd: ArrayLike,
    rho: ArrayLike,
    t_h: ArrayLike,
) -> FloatArray:
    """:func:`chronic_nrs` for many people at once, each with their own ``sd`` and ``rho``.

    Row ``i`` of ``mean_nrs`` (shape ``(rows, times)``) gets the series that
    ``chronic_nrs(mean_nrs[i], rng, sd[i], rho[i], t_h)`` would give when called for the rows in
    order with the same ``rng``: the same numbers, drawn in one batch. ``sd`` and ``rho`` are
    scalars or one value per row.
    """
    t, m = _checked(mean_nrs, rng, sd, rho, t_h)
    if m.ndim != 2:
        raise ModelSpecError(
            bad_value("mean_nrs must have one row per person", m.shape, "Pass (rows, times).")
        )
    n, size = m.shape
    sds = np.broadcast_to(np.asarray(sd, dtype=np.float64), (n,))[:, None]
    rhos = np.broadcast_to(np.asarray(rho, dtype=np.float64), (n,))[:, None]
    # row by row, each row's normals in time order: the order of ``chronic_nrs`` row after row
    z = rng.standard_normal((n, size))
    phi = np.power(rhos, (np.diff(t) / 24.0)[None, :])
    innov = sds * np.sqrt(1.0 - phi**2)
    noise = np.empty_like(m)
    noise[:, 0] = sds[:, 0] * z[:, 0]
    for i in range(size - 1):
        noise[:, i + 1] = phi[:, i] * noise[:, i] + innov[:, i] * z[:, i + 1]
    return np.clip(m + noise, 0.0, NRS_MAX)
