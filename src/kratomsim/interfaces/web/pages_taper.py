"""The Taper page: ways of stopping compared, after four weeks of the current use.

The comparison is the library's (:func:`kratomsim.analyses.taper.compare_tapers`, through
:mod:`kratomsim.interfaces.web.services`): each plan's withdrawal (when signs start, how strong
at their worst and when, how long they last, with ranges), length and lost relief, with a chart of the withdrawal score over time. It describes plans the
person chooses, for a conversation with a clinician; it never recommends one.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import numpy as np
from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from kratomsim.errors import KratomsimError, ProductError, RegimenError
from kratomsim.interfaces.labels import label_for
from kratomsim.interfaces.web import services
from kratomsim.interfaces.web.charts import Chart, Series
from kratomsim.interfaces.web.rendering import (
    FieldError,
    error_text,
    field_of,
    optional_float,
    png_bytes,
    render,
)
from kratomsim.interfaces.web.results import episode
from kratomsim.interfaces.web.services import TaperResult

router = APIRouter()

#: Plans offered as boxes to tick (any plan the library reads can be typed too).
PLANS = ("-10% per week", "-25% per week", "stop")
DEFAULT_CURRENT = "4 g three times daily"
ERROR_FIELDS: dict[type[BaseException], str] = {RegimenError: "current", ProductError: "product"}


def _form(params: Any) -> dict[str, Any]:
    chosen = [str(p)[:60] for p in params.getlist("plan")] if hasattr(params, "getlist") else []
    return {
        "current": str(params.get("current", ""))[:500],
        "plans": [p for p in chosen if p],
        "other": str(params.get("other", ""))[:60],
        "product": str(params.get("product", "") or "leaf-powder")[:40],
        "mg_per_g": str(params.get("mg_per_g", ""))[:40],
    }


def _plans(form: dict[str, Any]) -> tuple[str, ...]:
    plans = [*form["plans"], *([form["other"]] if form["other"].strip() else [])]
    if not plans:
        raise FieldError("plan", "Tick at least one plan to compare, or type one.")
    return tuple(dict.fromkeys(plans))


def _run(form: dict[str, Any]) -> tuple[TaperResult, ...]:
    if not form["current"].strip():
        raise FieldError("current", "Describe the current use, e.g. '4 g three times daily'.")
    return services.compare(
        form["current"],
        _plans(form),
        form["product"],
        optional_float(form["mg_per_g"], "Mitragynine content", "15", "mg_per_g"),
    )


def _query(form: dict[str, Any]) -> str:
    pairs = [("current", form["current"]), ("product", form["product"])]
    pairs += [("plan", p) for p in form["plans"]]
    if form["other"]:
        pairs.append(("other", form["other"]))
    if form["mg_per_g"]:
        pairs.append(("mg_per_g", form["mg_per_g"]))
    return urlencode(pairs)


def view(results: tuple[TaperResult, ...], query: str) -> dict[str, Any]:
    rows = [
        {
            "plan": r.plan.text,
            "taper_days": f"{r.taper_days:.0f}",
            "until_free": f"{r.until_free_days:.0f}",
            "lost_relief": f"{100 * r.lost_relief:.0f} %",
            "episode": episode(r.outcomes.withdrawal),
        }
        for r in results
    ]
    # one shared axis: days since each plan starts (plans differ in length)
    start = -7.0
    end = max(float((r.outcomes.time_h[-1] - r.start_h) / 24.0) for r in results)
    x = np.arange(start, end + 1e-9, 0.25)
    wd = label_for("withdrawal_score", "SOWS points (0-64)")
    series = []
    for r in results:
        t = (r.outcomes.time_h - r.start_h) / 24.0
        s = r.outcomes.get("withdrawal_score")
        series.append(
            Series(
                r.plan.text,
                wd.unit,
                np.interp(x, t, s.central, left=np.nan, right=np.nan),
                np.interp(x, t, s.low, left=np.nan, right=np.nan),
                np.interp(x, t, s.high, left=np.nan, right=np.nan),
            )
        )
    chart = Chart(
        "taper",
        "Withdrawal score if each plan is followed (central line and range; before day 0: "
        "steady use)",
        x,
        # short enough for the axis of a 390 px phone screen
        "days from the plan's start",
        series,
        y_label=wd.unit,
        marks=[0.0],
    )
    level = f"{results[0].outcomes.level:.0%}"
    draws = results[0].outcomes.n_draws
    return {
        "rows": rows,
        "chart": chart,
        "png": f"/taper/plot.png?{query}",
        "level": level,
        "draws": draws,
    }


@router.get("/taper", response_class=HTMLResponse)
def taper_page(request: Request) -> HTMLResponse:
    form = _form(request.query_params)
    context = {"form": form, "plan_choices": PLANS, "products": services.product_choices()}
    if "plan" not in request.query_params and "other" not in request.query_params:
        if not form["current"]:
            form["current"] = DEFAULT_CURRENT
        form["plans"] = list(PLANS)
        return render(request, "taper.html", **context)
    try:
        results = _run(form)
    except KratomsimError as exc:
        field = field_of(exc, ERROR_FIELDS, "current")
        return render(
            request, "taper.html", 400, error=error_text(exc), error_field=field, **context
        )
    return render(request, "taper.html", result=view(results, _query(form)), **context)


@router.get("/taper/plot.png")
def taper_png(request: Request) -> Response:
    results = _run(_form(request.query_params))
    return Response(png_bytes(services.taper_figure(results)), media_type="image/png")
