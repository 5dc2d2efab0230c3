"""The Interactions and conditions page: findings on a person's medicines, conditions and use.

Findings come from :func:`kratomsim.risk.check.check` (sorted most serious first) and, when a
regimen is given, the predicted exposure change of each medicine from
:func:`kratomsim.risk.ddi.predict_interactions`, quoted in the findings. Statements for a
conversation with a clinician; never an amount.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse

from kratomsim.errors import KratomsimError
from kratomsim.evidence import resolve_product
from kratomsim.evidence.medication_names import parse_medication_list
from kratomsim.interfaces.api import product_for
from kratomsim.interfaces.web.rendering import error_text, optional_float, product_choices, render
from kratomsim.models.regimen_text import parse_regimen
from kratomsim.risk.check import DISCLAIMER as CHECK_DISCLAIMER
from kratomsim.risk.conditions import parse_conditions
from kratomsim.risk.ddi import InteractionPrediction, check_use

router = APIRouter()

#: Parameter draws behind each predicted exposure change (the CLI default is 200): ~4 s for
#: three medicines.
DDI_DRAWS = 100
Text = Annotated[str, Form(max_length=1000)]
Short = Annotated[str, Form(max_length=40)]


def _ratio(value: float | None, interval: tuple[float, float] | None) -> str:
    if value is None:
        return "—"
    text = f"{value:.2f}×"
    return text if interval is None else f"{text} ({interval[0]:.2f}–{interval[1]:.2f})"


def prediction_row(p: InteractionPrediction) -> dict[str, Any]:
    return {
        "name": p.name,
        "pathways": ", ".join(p.pathways) or "—",
        "auc": _ratio(p.auc_ratio, p.auc_ratio_interval),
        "cmax": _ratio(p.cmax_ratio, p.cmax_ratio_interval),
        "grade": p.grade,
        "notes": [p.explanation, *p.flags],
    }


def check_view(form: dict[str, str]) -> dict[str, Any]:
    """Run the checks on the form; everything the result part shows."""
    meds = parse_medication_list(form["medications"]) if form["medications"].strip() else ()
    conds = parse_conditions(form["conditions"]) if form["conditions"].strip() else ()
    regimen = parse_regimen(form["regimen"]) if form["regimen"].strip() else None
    mg = optional_float(form["mg_per_g"], "Mitragynine content (mg/g)", "15")
    if regimen is not None:
        product = product_for(regimen, form["product"] or None, mg, None)
    else:
        product = resolve_product(form["product"]) if form["product"] else None
    result, predictions = check_use(
        meds, conds, regimen, product=product, mg_per_g=mg, n_draws=DDI_DRAWS, seed=0
    )
    return {
        "findings": result.findings,
        "medications": [m.name for m in result.medications],
        "conditions": [c.describe() for c in result.conditions],
        "predictions": [prediction_row(p) for p in predictions],
        "caveats": result.caveats,
        "note": CHECK_DISCLAIMER,
    }


def _form(**given: str) -> dict[str, str]:
    keys = ("medications", "conditions", "regimen", "product", "mg_per_g")
    return {**dict.fromkeys(keys, ""), **given}


def _products() -> list[tuple[str, str]]:
    return [("", "(none given)"), *product_choices()]


@router.get("/check", response_class=HTMLResponse)
def check_page(request: Request) -> HTMLResponse:
    return render(request, "check.html", form=_form(), products=_products())


@router.post("/check", response_class=HTMLResponse)
def check_submit(
    request: Request,
    medications: Text = "",
    conditions: Text = "",
    regimen: Text = "",
    product: Short = "",
    mg_per_g: Short = "",
) -> HTMLResponse:
    form = _form(
        medications=medications,
        conditions=conditions,
        regimen=regimen,
        product=product,
        mg_per_g=mg_per_g,
    )
    context: dict[str, Any] = {"form": form, "products": _products()}
    try:
        result = check_view(form)
    except KratomsimError as exc:
        return render(request, "check.html", status_code=400, error=error_text(exc), **context)
    return render(request, "check.html", result=result, **context)
