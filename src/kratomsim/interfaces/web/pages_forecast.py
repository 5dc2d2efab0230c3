"""The Personal forecast page: the model fitted to the journal, continued under a plan the user picks.

The page never proposes a plan: it forecasts the one the person types ("continue", "stop", or a
regimen) and shows how much the journal narrowed each parameter. With too little data the fit
refuses, and its message says what to log. A GET form, so a forecast has an address; the fit is
cached per journal state, plan and horizon, so the static chart reuses it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from kratomsim.errors import JournalError, KratomsimError, RegimenError, bad_value
from kratomsim.interfaces.labels import (
    label_for,
    narrowed_summary,
    parameter_display,
    parameter_label,
)
from kratomsim.interfaces.web import services
from kratomsim.interfaces.web.charts import Chart, Series
from kratomsim.interfaces.web.journal_charts import plot_forecast
from kratomsim.interfaces.web.pages_journal import journal_for, journal_path_of
from kratomsim.interfaces.web.rendering import error_text, png_bytes, render
from kratomsim.journal.fit import Forecast, ParameterEstimate, PersonalFit
from kratomsim.journal.fit_data import MIN_DOSES, MIN_PAIN_RATINGS, MIN_RATING_DAYS

router = APIRouter()

PLANS = (("continue", "continue as logged"), ("stop", "stop now"), ("regimen", "a regimen:"))
NEEDS = (
    f"The forecast needs at least {MIN_DOSES} doses and {MIN_PAIN_RATINGS} pain ratings "
    f"on {MIN_RATING_DAYS} different days in the journal."
)
_CACHE: dict[tuple[Any, ...], tuple[PersonalFit, Forecast]] = {}


def _form(params: Any) -> dict[str, str]:
    plan = str(params.get("plan", "continue"))
    return {
        "plan": plan if plan in dict(PLANS) else "continue",
        "regimen": str(params.get("regimen", ""))[:500],
        "horizon": str(params.get("horizon", "7 d"))[:40] or "7 d",
    }


def run(request: Request, form: dict[str, str]) -> tuple[PersonalFit, Forecast]:
    """Fit the journal and forecast the chosen plan (cached per journal state)."""
    path = journal_path_of(request)
    if not path.exists():
        raise JournalError(bad_value("The journal is empty", "no journal file", NEEDS))
    plan = form["regimen"] if form["plan"] == "regimen" else form["plan"]
    if not plan.strip():
        raise RegimenError(
            bad_value("No regimen given", plan, "Type a regimen, e.g. '2 g every 12 h'.")
        )
    wal = path.with_name(path.name + "-wal")
    stamp = tuple(p.stat().st_mtime_ns if p.exists() else 0 for p in (path, wal))
    key = (str(path), stamp, plan, form["horizon"])
    if key not in _CACHE:
        with journal_for(request, readonly=True) as journal:
            entries = journal.entries()
        _CACHE.clear()  # one journal, one person: keep the latest only
        _CACHE[key] = services.forecast(entries, plan, form["horizon"])
    return _CACHE[key]


def _narrowed(fit: PersonalFit) -> str:
    """What the journal could and could not tell, in people's words."""
    names = [e.name for e in fit.estimates]
    return narrowed_summary(names, [e.informative for e in fit.estimates], fit.resolved)


def _estimate(e: ParameterEstimate) -> dict[str, Any]:
    """One fitted parameter as the page shows it."""
    k, unit = parameter_display(e.name, e.unit)
    return {
        "label": parameter_label(e.name),
        "unit": unit,
        "median": f"{k * e.median:.3g}",
        "interval": f"{k * e.low:.3g}–{k * e.high:.3g}",
        "prior": f"{k * e.prior_low:.3g}–{k * e.prior_high:.3g}",
        "informative": e.informative,
        "grade": e.prior.grade,
    }


def view(fit: PersonalFit, forecast: Forecast, query: str) -> dict[str, Any]:
    days = forecast.hours_ahead / 24.0
    series = []
    end = []
    for s in forecast.series:
        lab = label_for(s.name, s.unit)
        series.append(
            Series(lab.label, lab.unit, s.median * lab.scale, s.low * lab.scale, s.high * lab.scale)
        )
        end.append(
            {
                "label": lab.label,
                "unit": lab.unit,
                "median": f"{s.median[-1] * lab.scale:.2g}",
                "band": f"{s.low[-1] * lab.scale:.2g}–{s.high[-1] * lab.scale:.2g}",
            }
        )
    charts = [
        Chart(
            f"forecast-{k}",
            f"{s.label} ({s.unit})",
            days,
            "days after your last journal entry",
            [s],
            csv="",
            y_min_zero=True,
        )
        for k, s in enumerate(series)
    ]
    return {
        "plan": forecast.plan,
        "level": f"{fit.level:.0%}",
        "estimates": [_estimate(e) for e in fit.estimates],
        "summary": _narrowed(fit),
        "counts": fit.counts,
        "ess": f"{fit.ess:.0f}",
        "end": end,
        "window": services.FIT_WINDOW_DAYS,
        "days": f"{days[-1]:.3g}",
        "charts": charts,
        "png": f"/forecast/plot.png?{query}",
    }


@router.get("/forecast", response_class=HTMLResponse)
def forecast_page(request: Request) -> HTMLResponse:
    form = _form(request.query_params)
    context: dict[str, Any] = {"form": form, "plans": PLANS, "needs": NEEDS}
    if "plan" not in request.query_params:
        return render(request, "forecast.html", **context)
    try:
        fit, forecast = run(request, form)
    except KratomsimError as exc:
        field = "regimen" if isinstance(exc, RegimenError) else "plan"
        return render(
            request, "forecast.html", 400, error=error_text(exc), error_field=field, **context
        )
    result = view(fit, forecast, urlencode(form))
    return render(request, "forecast.html", result=result, **context)


@router.get("/forecast/plot.png")
def forecast_png(request: Request) -> Response:
    _, forecast = run(request, _form(request.query_params))
    return Response(png_bytes(plot_forecast(forecast)), media_type="image/png")
