"""The clinician report from the journal: a period's doses, trends, substances and the forecast.

The report reuses :mod:`kratomsim.reports` (the same template as the regimen report, HTML and
tagged PDF) with a journal section; see :mod:`kratomsim.reports.journal_report`. The person's
own forecast comes from the personal fit, cached per entries (:func:`services.fit_journal`), so
the Personal forecast page, the HTML and the PDF of one period fit once. The period defaults to
the last 30 days.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from kratomsim.errors import KratomsimError
from kratomsim.interfaces.web import services
from kratomsim.interfaces.web.journal_forms import EntryError, filters
from kratomsim.interfaces.web.pages_journal import journal_for, journal_path_of
from kratomsim.interfaces.web.pages_report import FORMATS, _items, download
from kratomsim.interfaces.web.rendering import FieldError, error_text, render
from kratomsim.journal.fit_data import MIN_DOSES, MIN_PAIN_RATINGS, MIN_RATING_DAYS

router = APIRouter()

DEFAULT_DAYS = 30
#: When a personal fit is possible, in the page's words.
NEEDS = (
    f"at least {MIN_DOSES} doses and {MIN_PAIN_RATINGS} pain ratings on {MIN_RATING_DAYS} "
    "different days in the period"
)


def _form(params: Any) -> dict[str, str]:
    today = date.today()
    start = (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
    return {
        "from": str(params.get("from", "") or start)[:10],
        "to": str(params.get("to", "") or today.isoformat())[:10],
        "medications": str(params.get("medications", ""))[:1000],
        "conditions": str(params.get("conditions", ""))[:1000],
    }


def _page(request: Request, form: dict[str, str], error: str = "", field: str = "") -> HTMLResponse:
    return render(
        request,
        "journal_report.html",
        status_code=400 if error else 200,
        form=form,
        formats=FORMATS,
        needs=NEEDS,
        error=error,
        error_field=field,
    )


@router.get("/journal/report", response_class=HTMLResponse)
def journal_report_page(request: Request) -> HTMLResponse:
    return _page(request, _form(request.query_params))


@router.get("/journal/report/download", response_model=None)
def journal_report_download(request: Request, format: str = "html") -> Response:
    form = _form(request.query_params)
    try:
        if format not in FORMATS:
            raise FieldError(
                "format", f"Unknown report format: got {format[:20]!r}. Choose html or pdf."
            )
        f = filters(form)
        meds, conds = _items(form)
        entries = []
        if journal_path_of(request).exists():
            with journal_for(request, readonly=True) as journal:
                entries = journal.entries(f["since"], f["until"])
        body = services.journal_report(
            "pdf" if format == "pdf" else "html",
            entries,
            since=f["from"] or "the first entry",
            until=f["to"] or "the last entry",
            medications=meds,
            conditions=conds,
        )
    except EntryError as exc:
        return _page(request, form, error_text(exc), exc.field)
    except KratomsimError as exc:
        field = exc.field if isinstance(exc, FieldError) else "from"
        return _page(request, form, error_text(exc), field)
    return download(body, format, "kratomsim-journal-report")
