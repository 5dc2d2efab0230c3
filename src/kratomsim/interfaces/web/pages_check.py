"""The Interactions page: kratom with each medicine and condition, a grid first, then the findings.

Each typed item is read on its own: known ones are checked, unknown ones get "did you mean" links
that re-run the check with the suggestion, and kratom itself typed as a medicine gets a note.
Classes ("benzos", "MAOI") are checked as their members in the knowledge base. With a regimen,
the predicted change in each medicine's exposure is quoted in its row. A GET form, so a check has
an address; statements for a conversation with a clinician, never an amount.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from kratomsim.errors import KratomsimError, ProductError, RegimenError
from kratomsim.interfaces.findings_view import (
    CATEGORY_WORDS,
    SEVERITY_WORDS,
    GridRow,
    finding_views,
    grid_rows,
)
from kratomsim.interfaces.safety import panel_for_texts
from kratomsim.interfaces.web import names, services
from kratomsim.interfaces.web.rendering import error_text, field_of, optional_float, render
from kratomsim.risk.check import DISCLAIMER as CHECK_DISCLAIMER
from kratomsim.risk.findings import severity_rank

router = APIRouter()

FIELDS = ("medications", "conditions", "regimen", "product", "mg_per_g")
MAX_TEXT = 1000
ERROR_FIELDS: dict[type[BaseException], str] = {RegimenError: "regimen", ProductError: "product"}


def _form(params: Any) -> dict[str, str]:
    return {name: str(params.get(name, ""))[:MAX_TEXT] for name in FIELDS}


def _replaced(form: dict[str, str], field: str, old: str, new: str) -> str:
    """The address of this check with one typed item replaced by a suggestion."""
    items = (
        names.split_items(form[field])
        if field == "medications"
        else [p.strip() for p in form[field].replace(";", ",").split(",") if p.strip()]
    )
    changed = [new if item == old else item for item in items]
    query = {**form, field: ", ".join(changed)}
    return "/check?" + urlencode({k: v for k, v in query.items() if v})


def _class_rows(
    rows: list[GridRow], classes: list[tuple[str, str, tuple[Any, ...]]], typed_ids: set[str]
) -> list[GridRow]:
    """One grid row per class typed, with the worst finding among its members (a member also
    typed on its own keeps its own row)."""
    out = list(rows)
    for typed, _tag, members in classes:
        ids = {m.id for m in members} - typed_ids
        mine = [r for r in out if r.id in ids]
        if not mine:
            continue
        out = [r for r in out if r.id not in ids]
        rated = [r for r in mine if r.severity is not None]
        worst = min(rated, key=lambda r: severity_rank(r.severity)) if rated else mine[0]  # type: ignore[arg-type]
        names = ", ".join(r.name for r in mine)
        out.append(
            GridRow(
                "medicine",
                f"class-{typed}",
                f"{typed} (class: {names})",
                worst.category,
                worst.severity,
                worst.why,
                worst.anchor,
                tuple(dict.fromkeys(rule for r in mine for rule in r.rules)),
                worst.change,
            )
        )
    return sorted(out, key=lambda r: severity_rank(r.severity) if r.severity else 99)


def check_view(form: dict[str, str]) -> dict[str, Any]:
    """Read each item, run the rules on the known ones; everything the result part shows."""
    meds = names.resolve_medicines(form["medications"])
    conds = names.resolve_conditions(form["conditions"])
    mg = optional_float(form["mg_per_g"], "Mitragynine content", "15", "mg_per_g")
    members = [m for _, _, ms in meds.classes for m in ms]
    medications = list(dict.fromkeys([*meds.medications, *members]))
    unknown = [
        {
            "field": "medications",
            "typed": typed,
            "suggestions": [(s, _replaced(form, "medications", typed, s)) for s in near],
        }
        for typed, near in meds.unknown
    ] + [
        {
            "field": "conditions",
            "typed": typed,
            "suggestions": [(s, _replaced(form, "conditions", typed, s)) for s in near],
        }
        for typed, near in conds.unknown
    ]
    view: dict[str, Any] = {
        "unknown": unknown,
        "notes": meds.notes,
        "classes": [(typed, [m.name for m in ms]) for typed, _, ms in meds.classes],
        "note": CHECK_DISCLAIMER,
    }
    anything = medications or conds.conditions or form["regimen"].strip() or form["product"]
    if not anything:
        view["empty"] = True
        return view
    result, predictions = services.run_check(
        medications, conds.conditions, form["regimen"], form["product"], mg
    )
    typed_ids = {m.id for m in meds.medications}
    rows = _class_rows(grid_rows(result, predictions), meds.classes, typed_ids)
    counts: dict[str, int] = {}
    for f in result.findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    view.update(
        {
            "rows": rows,
            "findings": finding_views(result),
            "counts": counts,
            "predictions": predictions,
            "caveats": result.caveats[:-1],
            "checked": [m.name for m in result.medications]
            + [c.describe() for c in result.conditions],
        }
    )
    return view


def _context(form: dict[str, str]) -> dict[str, Any]:
    return {
        "form": form,
        "products": services.product_choices(),
        "categories": CATEGORY_WORDS,
        "severities": SEVERITY_WORDS,
    }


@router.get("/check", response_class=HTMLResponse)
def check_page(request: Request) -> HTMLResponse:
    form = _form(request.query_params)
    context = _context(form)
    if not any(name in request.query_params for name in ("medications", "conditions")):
        return render(request, "check.html", **context)
    panel = panel_for_texts(form["medications"], form["conditions"], form["regimen"])
    try:
        result = check_view(form)
    except KratomsimError as exc:
        field = field_of(exc, ERROR_FIELDS, "medications")
        return render(
            request,
            "check.html",
            400,
            error=error_text(exc),
            error_field=field,
            panel=panel,
            **context,
        )
    carry = urlencode({k: v for k, v in form.items() if v and k != "mg_per_g"})
    return render(request, "check.html", result=result, panel=panel, carry=carry, **context)
