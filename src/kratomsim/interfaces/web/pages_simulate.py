"""The Simulate page: a regimen of a product → what to expect, in words, charts and details.

The form is a GET, so a result has an address that can be bookmarked or shared; the same address
with ``.csv`` downloads every series, and ``/simulate/plot.png`` draws the static chart that is
shown when scripts are off. Examples on the page are links to their own results.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from kratomsim.errors import KratomsimError, ProductError, RegimenError
from kratomsim.interfaces.safety import panel_for_texts
from kratomsim.interfaces.web import results, results_charts, services
from kratomsim.interfaces.web.rendering import (
    FieldError,
    error_text,
    field_of,
    optional_float,
    png_bytes,
    render,
)

router = APIRouter()

DEMO_REGIMEN = "2 g every 8 h for 14 days"
DEMO_PRODUCT = "leaf-powder"
PAIN_CHOICES = (
    ("", "no pain model (exposure, tolerance, withdrawal)"),
    ("chronic", "long-term pain (0–10 scale)"),
    ("acute", "short pain test (ice water)"),
)
#: The page's examples: each is a link to its own result, and a browser test opens each.
EXAMPLES = (
    ("2 g once", "leaf-powder", "one dose of leaf powder"),
    ("3 g twice daily for 7 days", "leaf-powder", "twice a day for a week"),
    ("2 g at 8:00, 14:00 and 20:00 for 5 days", "tea", "three cups of tea a day"),
    ("4 g three times daily for 28 days then stop", "leaf-powder", "four weeks, then stopping"),
)
FIELDS = ("regimen", "product", "mg_per_g", "oh7_mg_per_g", "pain", "baseline_pain")
MAX_TEXT = 500


def _form(params: Any) -> dict[str, str]:
    form = {name: str(params.get(name, ""))[:MAX_TEXT] for name in FIELDS}
    form["product"] = form["product"] or DEMO_PRODUCT
    return form


def sim_input(form: dict[str, str]) -> services.SimInput:
    """The simulation a form asks for; a bad field raises :class:`FieldError` naming it."""
    regimen = form["regimen"].strip()
    if not regimen:
        raise FieldError("regimen", "Type a regimen, e.g. '2 g every 8 h for 14 days'.")
    pain = form["pain"] if form["pain"] in ("acute", "chronic") else ""
    baseline = optional_float(form["baseline_pain"], "Usual pain", "6", "baseline_pain")
    if baseline is not None and not 0 <= baseline <= 10:
        raise FieldError("baseline_pain", f"Usual pain is on the 0-10 scale: got {baseline:g}.")
    return services.SimInput(
        regimen=regimen,
        product=form["product"],
        mg_per_g=optional_float(form["mg_per_g"], "Mitragynine content", "15", "mg_per_g"),
        oh7_mg_per_g=optional_float(form["oh7_mg_per_g"], "7-OH content", "0.3", "oh7_mg_per_g"),
        pain=pain,  # type: ignore[arg-type]
        baseline_pain=6.0 if baseline is None else baseline,
    )


def _query(form: dict[str, str]) -> str:
    return urlencode({k: v for k, v in form.items() if v})


def _context(form: dict[str, str]) -> dict[str, Any]:
    return {
        "form": form,
        "products": services.product_choices(),
        "pains": PAIN_CHOICES,
        "examples": [
            (f"/simulate?{urlencode({'regimen': r, 'product': p})}", r, what)
            for r, p, what in EXAMPLES
        ],
    }


ERROR_FIELDS: dict[type[BaseException], str] = {RegimenError: "regimen", ProductError: "product"}


@router.get("/simulate", response_class=HTMLResponse)
def simulate_page(request: Request) -> HTMLResponse:
    form = _form(request.query_params)
    context = _context(form)
    if "regimen" not in request.query_params:
        context["form"] = {**form, "regimen": DEMO_REGIMEN}
        return render(request, "simulate.html", **context)
    panel = panel_for_texts(form["regimen"])
    try:
        result = services.simulate(sim_input(form))
    except KratomsimError as exc:
        field = field_of(exc, ERROR_FIELDS, "regimen")
        return render(
            request,
            "simulate.html",
            400,
            error=error_text(exc),
            error_field=field,
            panel=panel,
            **context,
        )
    view = results.view(result, _query(form))
    return render(request, "simulate.html", result=view, panel=panel, **context)


@router.get("/simulate.csv")
def simulate_csv(request: Request) -> Response:
    result = services.simulate(sim_input(_form(request.query_params)))
    headers, table = results_charts.csv_table(result.outcomes)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows([[f"{v:.6g}" for v in row] for row in table.tolist()])
    return Response(
        buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="kratomsim-simulation.csv"'},
    )


@router.get("/simulate/plot.png")
def simulate_png(request: Request, which: str = "exposure") -> Response:
    """The static chart (shown where scripts are off, and in reports)."""
    result = services.simulate(sim_input(_form(request.query_params)))
    fig = (
        services.outcomes_figure(result.outcomes)
        if which == "outcomes"
        else services.exposure_figure(result.outcomes)
    )
    return Response(png_bytes(fig), media_type="image/png")
