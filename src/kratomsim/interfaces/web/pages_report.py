"""The Report page: download the clinician report of a regimen (HTML or tagged PDF).

The report is :mod:`kratomsim.reports.clinician` rendered by
:mod:`kratomsim.reports.clinician_render`, the same as ``kratomsim report`` writes. The regimen
comes from the form as text only: a text that names a scenario file is refused, so a web request
can never make the server read a file. Medicines and conditions are read item by item; an unknown
one is named with suggestions instead of failing the report. The download is a GET, so a report
has an address; a downloaded HTML report carries its own Content-Security-Policy.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from kratomsim.errors import KratomsimError, ProductError, RegimenError
from kratomsim.interfaces.web import names, services
from kratomsim.interfaces.web.pages_simulate import DEMO_PRODUCT, DEMO_REGIMEN
from kratomsim.interfaces.web.rendering import (
    FieldError,
    error_text,
    field_of,
    optional_float,
    render,
)

router = APIRouter()

FORMATS = ("html", "pdf")
#: A downloaded report holds its own inline style and images and nothing else.
REPORT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
FIELDS = ("regimen", "product", "mg_per_g", "medications", "conditions", "baseline_pain")
ERROR_FIELDS: dict[type[BaseException], str] = {RegimenError: "regimen", ProductError: "product"}


def _form(params: Any) -> dict[str, str]:
    form = {name: str(params.get(name, ""))[:1000] for name in FIELDS}
    form["regimen"] = form["regimen"] or DEMO_REGIMEN
    form["product"] = form["product"] or DEMO_PRODUCT
    return form


def download(body: bytes, fmt: str, name: str) -> Response:
    """A report as an attachment (a PDF, or HTML that may not run anything)."""
    media = "application/pdf" if fmt == "pdf" else "text/html; charset=utf-8"
    return Response(
        body,
        media_type=media,
        headers={
            "content-disposition": f'attachment; filename="{name}.{fmt}"',
            "content-security-policy": REPORT_POLICY,
        },
    )


def _items(form: dict[str, str]) -> tuple[Any, Any]:
    meds = names.resolve_medicines(form["medications"])
    conds = names.resolve_conditions(form["conditions"])
    for typed, near in [*meds.unknown, *conds.unknown]:
        field = "medications" if (typed, near) in meds.unknown else "conditions"
        hint = f" Did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
        raise FieldError(field, f"Not in the knowledge base: {typed!r}.{hint}")
    members = [m for _, _, ms in meds.classes for m in ms]
    return list(dict.fromkeys([*meds.medications, *members])), conds.conditions


@router.get("/report", response_class=HTMLResponse)
def report_page(request: Request) -> HTMLResponse:
    return _page(request, _form(request.query_params))


def _page(request: Request, form: dict[str, str], error: str = "", field: str = "") -> HTMLResponse:
    context: dict[str, Any] = {
        "form": form,
        "products": services.product_choices(),
        "formats": FORMATS,
    }
    return render(
        request,
        "report.html",
        status_code=400 if error else 200,
        error=error,
        error_field=field,
        **context,
    )


@router.get("/report/download", response_model=None)
def report_download(request: Request, format: str = "html") -> Response:
    form = _form(request.query_params)
    try:
        if format not in FORMATS:
            raise FieldError(
                "format", f"Unknown report format: got {format[:20]!r}. Choose html or pdf."
            )
        meds, conds = _items(form)
        body = services.regimen_report(
            "pdf" if format == "pdf" else "html",
            form["regimen"],
            product=form["product"],
            mg_per_g=optional_float(form["mg_per_g"], "Mitragynine content", "15", "mg_per_g"),
            medications=meds,
            conditions=conds,
            baseline_pain=optional_float(form["baseline_pain"], "Usual pain", "6", "baseline_pain"),
        )
    except KratomsimError as exc:
        return _page(request, form, error_text(exc), field_of(exc, ERROR_FIELDS, "regimen"))
    return download(body, format, "kratomsim-report")
