"""Observation grids and dose events of a regimen: where a simulation reports, and what it doses."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from kratomsim.errors import RegimenError, bad_value
from kratomsim.models.dosing import DoseEvents, Regimen

FloatArray = NDArray[np.float64]
#: Observation continues at least this long after the last dose (h) …
MIN_WASHOUT_H = 168.0
#: … and at least this many terminal half-lives of mitragynine.
WASHOUT_HALF_LIVES = 5.0
MAX_DURATION_H = 10 * 365 * 24.0


#: Terminal half-life of mitragynine used to size the default window (h): Tanna 2022 median
#: 45.3 h (range to 50.2 h); a longer washout costs only output points.
WINDOW_HALF_LIFE_H = 50.0


def default_times(regimen: Regimen, duration_h: float | None, t_half_h: float) -> FloatArray:
    """Observation grid: to ``duration_h``, or until the last dose has largely washed out.

    The step widens with the window (0.05 h to 10 days, 0.25 h to about two months, then 0.5 h
    and 1 h): every output of every parameter draw is kept at every point, so a month of 200
    draws on a 0.1 h grid held ~300 MB. On the 0.25 h grid the peak concentration of a month of
    doses every 8 h is within 0.7 % of a 0.01 h grid (tea, leaf powder, 7-OH tablets; checked by
    ``tests/engine/test_grid.py``).
    """
    if duration_h is None:
        last = regimen.expand(None).last_time_h if not regimen.open_ended else 28 * 24.0
        duration_h = last + max(MIN_WASHOUT_H, WASHOUT_HALF_LIVES * t_half_h)
    if not (0 < duration_h <= MAX_DURATION_H):
        raise RegimenError(
            bad_value(
                "duration_h (the observation window) must be between 0 and 10 years",
                f"{duration_h:g} h",
                "Give e.g. duration_h=240 (10 days).",
            )
        )
    step = (
        0.05
        if duration_h <= 240
        else (0.25 if duration_h <= 1500 else 0.5 if duration_h <= 8760 else 1.0)
    )
    n = int(np.ceil(duration_h / step - 1e-9))
    return np.linspace(0.0, n * step, n + 1)


def schedule(
    regimen: Regimen,
    *,
    duration_h: float | None = None,
    times_h: FloatArray | None = None,
) -> tuple[FloatArray, DoseEvents]:
    """Output times (h) and the dose events inside them (grams of product).

    ``times_h`` (explicit output times) overrides ``duration_h``; without either the grid runs
    until the last dose has largely washed out. Doses after the observation window never happen
    within it: they are left out.
    """
    if times_h is not None:
        t = np.asarray(times_h, dtype=np.float64)
        if t.ndim != 1 or t.size == 0 or np.any(t < 0) or not np.all(np.isfinite(t)):
            raise RegimenError(
                bad_value(
                    "Output times must be finite hours ≥ 0", "times_h", "Pass a 1-D array of times."
                )
            )
        t = np.sort(t)
    else:
        t = default_times(regimen, duration_h, WINDOW_HALF_LIFE_H)
    expanded = regimen.expand(float(t[-1]) if regimen.open_ended else None)
    inside = expanded.times_h <= t[-1]
    events = DoseEvents(expanded.times_h[inside], expanded.amounts_g[inside])
    if len(events) == 0:
        raise RegimenError(
            bad_value(
                "No dose falls inside the observation window",
                f"{t[-1]:g} h",
                "Lengthen duration_h.",
            )
        )
    return t, events
