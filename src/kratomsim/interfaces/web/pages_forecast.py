"""The Personal forecast page: the model fitted to the journal, continued under a plan the user picks.

The page never proposes a plan: it forecasts the one the person types ("continue", "stop", or
a regimen) and shows how much the journal narrowed each parameter. With too little data the fit
refuses, and its message says what to log.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse

from kratomsim.errors import JournalError, KratomsimError, bad_value
from kratomsim.interfaces.api import read_plan
from kratomsim.interfaces.web.journal_plot import plot_forecast
from kratomsim.interfaces.web.pages_journal import journal_for, journal_path_of
from kratomsim.interfaces.web.rendering import error_text, png_data_uri, render
from kratomsim.journal.fit import fit_person
from kratomsim.journal.fit_data import MIN_DOSES, MIN_PAIN_RATINGS, MIN_RATING_DAYS, FitData

router = APIRouter()

PLANS = (("continue", "continue as logged"), ("stop", "stop now"), ("regimen", "a regimen:"))
#: Posterior draws simulated for a forecast shown on the page.
FORECAST_DRAWS = 300
#: The page fits the last this many days of the journal (a 28-day journal fits in ~5 s).
FIT_WINDOW_DAYS = 28
#: Sampling effort of the page's fit: ~400 effective draws; on test journals
#: this gives the same 90 % intervals as the library defaults to two significant digits.
FIT_EFFORT: dict[str, Any] = {"draws_per_round": 1000, "target_ess": 400.0}
NEEDS = (
    f"The forecast needs at least {MIN_DOSES} doses and {MIN_PAIN_RATINGS} pain ratings "
    f"on {MIN_RATING_DAYS} different days in the journal."
)


def forecast_view(request: Request, form: dict[str, str]) -> dict[str, Any]:
    """Fit the journal and forecast the chosen plan; everything the result part shows."""
    if not journal_path_of(request).exists():
        raise JournalError(bad_value("The journal is empty", "no journal file", NEEDS))
    with journal_for(request, readonly=True) as journal:
        entries = journal.entries()
    if entries:  # the fit's cost grows with the span it covers: keep a page fast
        start = max(e.at for e in entries) - timedelta(days=FIT_WINDOW_DAYS)
        entries = [e for e in entries if e.at >= start]
    plan = form["regimen"] if form["plan"] == "regimen" else form["plan"]
    if not plan.strip():
        raise JournalError(
            bad_value("No regimen given", plan, "Type a regimen, e.g. '2 g every 12 h'.")
        )
    chosen = read_plan(plan)
    data = FitData.from_entries(entries)
    fit = fit_person(data, seed=0, **FIT_EFFORT)
    forecast = fit.forecast(chosen, form["horizon"], n_draws=FORECAST_DRAWS, seed=0)
    end = {
        s.name: (f"{s.median[-1]:.2g}", f"{s.low[-1]:.2g}–{s.high[-1]:.2g}", s.unit)
        for s in forecast.series
    }
    return {
        "plan": forecast.plan,
        "level": f"{fit.level:.0%}",
        "estimates": fit.estimates,
        "summary": fit.summary(),
        "counts": fit.counts,
        "ess": f"{fit.ess:.0f}",
        "end": end,
        "window": FIT_WINDOW_DAYS,
        "days": f"{forecast.hours_ahead[-1] / 24:.3g}",
        "plot": png_data_uri(plot_forecast(forecast)),
    }


def _form(plan: str = "continue", regimen: str = "", horizon: str = "7 d") -> dict[str, str]:
    return {"plan": plan, "regimen": regimen, "horizon": horizon}


@router.get("/forecast", response_class=HTMLResponse)
def forecast_page(request: Request) -> HTMLResponse:
    return render(request, "forecast.html", form=_form(), plans=PLANS, needs=NEEDS)


@router.post("/forecast", response_class=HTMLResponse)
def forecast_submit(
    request: Request,
    plan: Annotated[str, Form(max_length=20)] = "continue",
    regimen: Annotated[str, Form(max_length=500)] = "",
    horizon: Annotated[str, Form(max_length=40)] = "7 d",
) -> HTMLResponse:
    form = _form(plan, regimen, horizon)
    context: dict[str, Any] = {"form": form, "plans": PLANS, "needs": NEEDS}
    try:
        result = forecast_view(request, form)
    except KratomsimError as exc:
        return render(request, "forecast.html", status_code=400, error=error_text(exc), **context)
    return render(request, "forecast.html", result=result, **context)
