"""The forecast a journal report shows: the person's own fit when the journal allows it.

:func:`personal_forecast` fits the person-level parameters to the period's entries (the last
:data:`~kratomsim.journal.fit_data.FIT_WINDOW_DAYS` days of it, as the Personal forecast page
does) and forecasts the next days under two plans a reader compares: use continuing as logged,
and stopping after the last entry. Each day shows relief (mean over the day) and the withdrawal
score (highest in the day) with the fit's credible band. When the entries are too few for a fit,
the result says what is missing, and the report labels its outlook as the population model's.
Neither plan is a recommendation, and nothing here says how much to take.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

import numpy as np

from kratomsim.errors import JournalError
from kratomsim.journal.entries import StoredEntry
from kratomsim.journal.fit import Forecast, ForecastSeries, PersonalFit, fit_person
from kratomsim.journal.fit_data import (
    FIT_WINDOW_DAYS,
    MIN_DOSES,
    MIN_PAIN_RATINGS,
    MIN_RATING_DAYS,
    FitData,
    check_enough,
    recent_entries,
)

#: Days the report forecasts after the last entry.
HORIZON_DAYS: Final = 7
#: Posterior draws behind each forecast band.
FORECAST_DRAWS: Final = 300
#: Sampling effort of the report's fit (the Personal forecast page's: ~400 effective draws).
FIT_EFFORT: Final[dict[str, Any]] = {"draws_per_round": 1000, "target_ess": 400.0}

#: Fits a journal's entries (already cut to the fit window); the web app passes a cached one.
Fitter = Callable[[Sequence[StoredEntry]], PersonalFit]


def fit_entries(entries: Sequence[StoredEntry]) -> PersonalFit:
    """The person's fit to ``entries`` with the report's effort and seed 0 (reproducible)."""
    return fit_person(FitData.from_entries(entries), seed=0, **FIT_EFFORT)


def _needs(counts: dict[str, int]) -> str:
    return (
        f"A personal fit needs at least {MIN_DOSES} doses and {MIN_PAIN_RATINGS} pain ratings "
        f"on {MIN_RATING_DAYS} different days; the last {FIT_WINDOW_DAYS} days of this period "
        f"hold {counts['doses']} dose{'s' * (counts['doses'] != 1)} and "
        f"{counts['pain_ratings']} pain rating{'s' * (counts['pain_ratings'] != 1)} on "
        f"{counts['pain_rating_days']} day{'s' * (counts['pain_rating_days'] != 1)}."
    )


def _daily(series: ForecastSeries, inside: np.ndarray, how: str) -> dict[str, float]:
    """The day's mean (``how="mean"``) or highest value of the median and of each band edge."""
    reduce = np.mean if how == "mean" else np.max
    return {
        "central": float(reduce(series.median[inside])),
        "low": float(reduce(series.low[inside])),
        "high": float(reduce(series.high[inside])),
    }


def _days(cont: Forecast, stop: Forecast) -> list[dict[str, Any]]:
    """Per day after the last entry: relief (mean of the day) if use continues, and the highest
    withdrawal score of the day under either plan, each with its band."""
    hours = cont.hours_ahead
    rows = []
    for day in range(1, HORIZON_DAYS + 1):
        inside = (hours > 24.0 * (day - 1)) & (hours <= 24.0 * day)
        rows.append(
            {
                "day": day,
                "relief_continue": _daily(cont.get("relief_nrs"), inside, "mean"),
                "withdrawal_continue": _daily(cont.get("withdrawal_score"), inside, "max"),
                "withdrawal_stop": _daily(stop.get("withdrawal_score"), inside, "max"),
            }
        )
    return rows


def personal_forecast(
    entries: Sequence[StoredEntry], fitter: Fitter | None = None
) -> dict[str, Any]:
    """JSON-ready: the personal forecast of a journal period, or why there is none.

    ``fitted`` says which; with a fit: ``counts`` (entries used), ``level``, ``narrowed`` and
    ``parameters`` (how many person-level parameters the entries narrowed), ``resolved`` and
    ``days`` (:data:`HORIZON_DAYS` rows, see :func:`_days`); without: ``reason``.
    """
    recent = recent_entries(entries)
    counts = {"doses": 0, "pain_ratings": 0, "pain_rating_days": 0}
    try:
        data = FitData.from_entries(recent) if recent else None
        if data is not None:
            counts = data.counts()
            check_enough(data)
        else:
            raise JournalError("Too few journal entries for a personal fit: none")
        fit = (fitter or fit_entries)(recent)
    except JournalError as exc:
        # too few entries: say what a fit needs; entries the model cannot use: the message
        # names them
        few = str(exc).startswith("Too few journal entries")
        reason = _needs(counts) if few else str(exc).splitlines()[0]
        return {"fitted": False, "reason": reason, "window_days": FIT_WINDOW_DAYS}
    horizon = 24.0 * HORIZON_DAYS
    cont = fit.forecast("continue", horizon, n_draws=FORECAST_DRAWS, seed=0)
    stop = fit.forecast("stop", horizon, n_draws=FORECAST_DRAWS, seed=0)
    return {
        "fitted": True,
        "window_days": FIT_WINDOW_DAYS,
        "counts": fit.counts,
        "level": fit.level,
        "narrowed": sum(1 for e in fit.estimates if e.informative),
        "parameters": len(fit.estimates),
        "resolved": fit.resolved,
        "plans": {"continue": cont.plan, "stop": stop.plan},
        "days": _days(cont, stop),
    }
