"""The Report page: download the clinician report of a regimen (HTML or PDF).

The report is :mod:`kratomsim.reports.clinician` rendered by
:mod:`kratomsim.reports.clinician_render`, the same as ``kratomsim report`` writes. The regimen
comes from the form as text only: a text that names a scenario file is refused, so a web request
can never make the server read a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse, Response

from kratomsim.errors import KratomsimError, bad_value
from kratomsim.evidence import parse_medication_list
from kratomsim.interfaces.api import product_for
from kratomsim.interfaces.web.pages_simulate import DEMO_PRODUCT, DEMO_REGIMEN
from kratomsim.interfaces.web.rendering import (
    FormError,
    error_text,
    optional_float,
    product_choices,
    render,
)
from kratomsim.interop.scenario import SCENARIO_SUFFIXES
from kratomsim.models.regimen_text import parse_regimen
from kratomsim.reports.clinician import report_data
from kratomsim.reports.clinician_render import render_report_html, render_report_pdf
from kratomsim.risk.conditions import parse_conditions

router = APIRouter()

FORMATS = ("html", "pdf")
#: Parameter draws behind the web report's intervals (the CLI default is 200): the chronic pain
#: model costs ~70 ms a draw, so this keeps a download near ten seconds.
REPORT_DRAWS = 100
#: A downloaded report holds its own inline style and images and nothing else.
REPORT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
Text = Annotated[str, Form(max_length=1000)]
Short = Annotated[str, Form(max_length=40)]


def build_report(fmt: str, form: dict[str, str]) -> bytes:
    """The clinician report of the form's regimen, medicines and conditions, as bytes."""
    if fmt not in FORMATS:
        raise FormError(bad_value("Unknown report format", fmt, "Choose html or pdf."))
    regimen = form["regimen"].strip()
    if Path(regimen).suffix.lower() in SCENARIO_SUFFIXES:
        raise FormError(
            bad_value(
                "The web app takes regimen text, not a scenario file",
                regimen,
                "Type the regimen, e.g. '2 g every 8 h for 14 days'.",
            )
        )
    parsed = parse_regimen(regimen)  # the regimen's own message for text it cannot read
    mg = optional_float(form["mg_per_g"], "Mitragynine content (mg/g)", "15")
    data = report_data(
        parsed,
        product=product_for(parsed, form["product"] or None, mg, None),
        mg_per_g=mg,
        medications=(
            parse_medication_list(form["medications"]) if form["medications"].strip() else ()
        ),
        conditions=parse_conditions(form["conditions"]) if form["conditions"].strip() else (),
        baseline_pain=optional_float(form["baseline_pain"], "Baseline pain (NRS 0-10)", "6"),
        n_draws=REPORT_DRAWS,
        seed=0,
    )
    if fmt == "pdf":
        return render_report_pdf(data)
    return render_report_html(data).encode("utf-8")


def _form(**given: str) -> dict[str, str]:
    blank = dict.fromkeys(("mg_per_g", "medications", "conditions", "baseline_pain"), "")
    return {"regimen": DEMO_REGIMEN, "product": DEMO_PRODUCT, **blank, **given}


def _page(request: Request, form: dict[str, str], error: str | None = None) -> HTMLResponse:
    context: dict[str, Any] = {"form": form, "products": product_choices(), "formats": FORMATS}
    return render(request, "report.html", status_code=400 if error else 200, error=error, **context)


@router.get("/report", response_class=HTMLResponse)
def report_page(request: Request) -> HTMLResponse:
    return _page(request, _form())


@router.post("/report", response_model=None)
def report_download(
    request: Request,
    regimen: Text,
    product: Short = DEMO_PRODUCT,
    mg_per_g: Short = "",
    medications: Text = "",
    conditions: Text = "",
    baseline_pain: Short = "",
    format: Short = "html",
) -> Response:
    form = _form(
        regimen=regimen,
        product=product,
        mg_per_g=mg_per_g,
        medications=medications,
        conditions=conditions,
        baseline_pain=baseline_pain,
    )
    try:
        body = build_report(format, form)
    except KratomsimError as exc:
        return _page(request, form, error_text(exc))
    media = "application/pdf" if format == "pdf" else "text/html; charset=utf-8"
    return Response(
        body,
        media_type=media,
        headers={
            "content-disposition": f'attachment; filename="kratomsim-report.{format}"',
            "content-security-policy": REPORT_POLICY,
        },
    )
