"""Small read-only answers the page script asks for: names to suggest, live safety checks.

Each answer is also reachable without the script (the full pages do the same checks when a form
is sent), so nothing depends on them. Fragments are HTML rendered from the same templates as the
pages; the script inserts them into a live region so screen readers announce them.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, JSONResponse

from kratomsim.errors import KratomsimError
from kratomsim.evidence import resolve_medication
from kratomsim.interfaces.findings_view import CATEGORY_WORDS, SEVERITY_WORDS, medicine_row
from kratomsim.interfaces.safety import co_use_advice, merge, panel_for_entry, panel_for_texts
from kratomsim.interfaces.web import services
from kratomsim.interfaces.web.names import condition_names, medicine_names
from kratomsim.interfaces.web.rendering import render_fragment

router = APIRouter()

#: Longest text a live check reads (a note's limit).
MAX_TEXT = 2000


@router.get("/api/names")
def names(kind: str = "medicine") -> JSONResponse:
    """Names to suggest as people type: medicines (and classes) or conditions."""
    options = condition_names() if kind == "condition" else medicine_names()
    return JSONResponse(
        [{"v": o.value, "h": o.hint} for o in options],
        headers={"cache-control": "max-age=3600"},
    )


@router.get("/api/red-flags", response_class=HTMLResponse)
def red_flags(
    request: Request, text: str = "", symptom: str = "", severity: int = 1
) -> HTMLResponse:
    """The "seek care now" panel for a symptom being logged or a text being typed ("" if none)."""
    panel = merge(
        [
            panel_for_texts(text[:MAX_TEXT]),
            panel_for_entry("symptom", {"name": symptom, "severity": severity})
            if symptom
            else None,
        ]
    )
    return HTMLResponse(render_fragment(request, "fragments/redflags.html", panel=panel))


@router.get("/api/co-use", response_class=HTMLResponse)
def co_use(request: Request, name: str = "") -> HTMLResponse:
    """What the rules say about kratom with a substance being logged ("" if unknown)."""
    try:
        med = resolve_medication(name[:200])
    except KratomsimError:
        return HTMLResponse("")
    row = medicine_row(services.check_one(med), med)
    depressant = med.cns_depressant or med.respiratory_depressant or med.opioid_agonist
    advice = co_use_advice(opioid=med.opioid_agonist) if depressant else ()
    html = render_fragment(
        request,
        "fragments/co_use.html",
        med=med,
        row=row,
        advice=advice,
        categories=CATEGORY_WORDS,
        severities=SEVERITY_WORDS,
    )
    return HTMLResponse(html)
