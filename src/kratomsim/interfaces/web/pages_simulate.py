"""The Simulate page: a regimen of a product → exposure, outcomes with intervals, grades, plots."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse

from kratomsim.analyses.outcomes import Outcomes, simulate_outcomes
from kratomsim.errors import KratomsimError
from kratomsim.evidence import resolve_product
from kratomsim.interfaces.render import HYPOTHESIS_NOTE
from kratomsim.interfaces.web.rendering import (
    error_text,
    optional_float,
    png_data_uri,
    product_choices,
    render,
)
from kratomsim.models.regimen_text import format_regimen, parse_regimen
from kratomsim.reports.plots import plot_exposure, plot_outcomes
from kratomsim.reports.summary import SUMMARY_ROWS, content_used, fmt_value

router = APIRouter()

DEMO_REGIMEN = "2 g every 8 h for 14 days"
DEMO_PRODUCT = "leaf-powder"
#: Parameter draws per web simulation: an interval in well under a second.
WEB_DRAWS = 100
PAIN_CHOICES = (("", "no pain model"), ("acute", "acute (cold-pressor)"), ("chronic", "chronic"))

Text = Annotated[str, Form(max_length=500)]
Short = Annotated[str, Form(max_length=40)]


def _form(regimen: str = DEMO_REGIMEN, product: str = DEMO_PRODUCT, **extra: str) -> dict[str, str]:
    return {"regimen": regimen, "product": product, "mg_per_g": "", "oh7_mg_per_g": "", **extra}


def simulate_web(form: dict[str, str]) -> Outcomes:
    """Run the outcomes model on a web form (regimen text only: never a file on the server)."""
    regimen = parse_regimen(form["regimen"])
    pain = form.get("pain") or None
    return simulate_outcomes(
        regimen,
        product=resolve_product(form["product"]) if form["product"] else None,
        mg_per_g=optional_float(form["mg_per_g"], "Mitragynine content (mg/g)", "15"),
        oh7_mg_per_g=optional_float(form["oh7_mg_per_g"], "7-OH content (mg/g)", "0.3"),
        pain="acute" if pain == "acute" else "chronic" if pain == "chronic" else None,
        n_draws=WEB_DRAWS,
        seed=0,
    )


def outcome_view(res: Outcomes) -> dict[str, Any]:
    """Everything the result part of the page shows, as plain values."""
    sim = res.exposure
    summary = sim.summary()
    exposure_rows = [
        (label, [fmt_value(getattr(summary[a], field)) for a in sim.analytes])
        for label, field in SUMMARY_ROWS
    ]
    outcome_rows = [
        {
            "name": s.name.replace("_", " "),
            "unit": s.unit,
            "central": f"{s.strongest()[0]:.3g}",
            "interval": f"{s.strongest()[1]:.3g}–{s.strongest()[2]:.3g}",
        }
        for s in res.series
    ]
    safety = dict(res.safety or {})
    dose = safety.pop("_dose", {})
    safety_rows = [
        {
            "name": name.replace("_", " "),
            "central": f"{v['central']:.2f}",
            "interval": f"{v['low']:.2f}–{v['high']:.2f}",
        }
        for name, v in safety.items()
    ]
    w = res.withdrawal
    last = w["after_last_dose_h"] or 0.0
    onset = w["onset_h"]
    return {
        "title": sim.regimen.text or format_regimen(sim.regimen),
        "description": format_regimen(sim.regimen),
        "product": sim.product.name,
        "analytes": sim.analytes,
        "exposure_rows": exposure_rows,
        "content": list(content_used(sim).items()),
        "outcome_rows": outcome_rows,
        "level": f"{res.level:.0%}",
        "draws": res.n_draws,
        "safety_rows": safety_rows,
        "dose": dose,
        "withdrawal_onset": "no signs"
        if onset is None
        else f"{onset - last:.0f} h after last dose",
        "withdrawal_peak": f"{w['peak_score'] or 0.0:.3g}",
        "pain": res.pain,
        "evidence": res.used,
        "hypothesis_note": HYPOTHESIS_NOTE if res.hypothesis else None,
        "exposure_plot": png_data_uri(plot_exposure(sim)),
        "outcomes_plot": png_data_uri(plot_outcomes(res), dpi=90),
    }


@router.get("/simulate", response_class=HTMLResponse)
def simulate_page(request: Request) -> HTMLResponse:
    return render(
        request,
        "simulate.html",
        form=_form(pain=""),
        products=product_choices(),
        pains=PAIN_CHOICES,
    )


@router.post("/simulate", response_class=HTMLResponse)
def simulate_submit(
    request: Request,
    regimen: Text,
    product: Short = DEMO_PRODUCT,
    mg_per_g: Short = "",
    oh7_mg_per_g: Short = "",
    pain: Short = "",
) -> HTMLResponse:
    form = _form(regimen, product, mg_per_g=mg_per_g, oh7_mg_per_g=oh7_mg_per_g, pain=pain)
    context: dict[str, Any] = {"form": form, "products": product_choices(), "pains": PAIN_CHOICES}
    try:
        result = outcome_view(simulate_web(form))
    except KratomsimError as exc:
        return render(request, "simulate.html", status_code=400, error=error_text(exc), **context)
    return render(request, "simulate.html", result=result, **context)
