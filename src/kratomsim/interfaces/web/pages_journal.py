"""The Journal page: log a day in one go, see the totals, filter and page, edit, delete and undo.

One quick form logs a dose (repeat the last one, a favourite, or a new one in g, mg, teaspoons,
capsules or 7-OH tablets), the pain now, a symptom, another substance and a note, in a single
transaction; a red-flag symptom or note brings the "seek care now" panel at once, and another
substance brings what the risk rules say about it. The journal is opened for each request and
closed after it, so the CLI can write to the same file at the same time. Every value is checked by
the journal's entry models against the same bounds as the CLI. Forms are read by
:mod:`~kratomsim.interfaces.web.journal_forms`; exports and backups are in
:mod:`~kratomsim.interfaces.web.pages_journal_files`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, RedirectResponse, Response

from kratomsim.errors import JournalError, KratomsimError
from kratomsim.evidence import resolve_medication
from kratomsim.interfaces.findings_view import CATEGORY_WORDS, SEVERITY_WORDS, medicine_row
from kratomsim.interfaces.safety import co_use_advice, merge, panel_for_entry
from kratomsim.interfaces.web import journal_charts, services
from kratomsim.interfaces.web.journal_forms import (
    FIELDS,
    MAX_ID,
    PAGE_SIZE,
    TITLES,
    UNIT_CHOICES,
    EntryError,
    ago,
    describe,
    dose_data,
    edited_entry,
    entry_of,
    filters,
    form_values,
    input_time,
    local_time,
    query_of,
    quick_entries,
    single_entry,
    text_of,
)
from kratomsim.interfaces.web.rendering import error_text, render
from kratomsim.journal.bounds import BOUNDS
from kratomsim.journal.entries import (
    NOTE_MAX_CHARS,
    SOWS_ANSWERS,
    SOWS_ITEMS,
    SUBSTANCE_UNITS,
    SYMPTOMS,
    StoredEntry,
    now_utc,
)
from kratomsim.journal.store import Journal, describe_dose, journal_path, open_journal
from kratomsim.journal.summary import dose_totals
from kratomsim.journal.transfer import FORMATS
from kratomsim.risk.red_flags import load_red_flags, safety_panel

router = APIRouter()
T = TypeVar("T")


def journal_path_of(request: Request) -> Path:
    """The journal file: the app's setting, else the CLI's (``KRATOMSIM_HOME``) at this moment."""
    chosen: Path | None = request.app.state.settings.journal_path
    return chosen if chosen is not None else journal_path()


@contextmanager
def journal_for(request: Request, *, readonly: bool = False) -> Iterator[Journal]:
    """The journal of this app's settings, open for one request (``with`` closes it).

    After a request that opened it for writing ends without an error, the app's
    :class:`~kratomsim.interfaces.web.services.FitAhead` (if it has one) refits it in the
    background.
    """
    path = journal_path_of(request)
    with open_journal(path, readonly=readonly) as journal:
        yield journal
    ahead: services.FitAhead | None = request.app.state.fit_ahead
    if not readonly and ahead is not None:
        ahead.request(path)


def entry_id_of(text: str) -> int:
    """An entry id from a URL; anything but a whole number SQLite can hold is not found (404)."""
    if not text.isascii() or not text.isdigit() or len(text) > 19 or int(text) > MAX_ID:
        raise HTTPException(404)
    return int(text)


def _flags_of(text: str) -> Any:
    wanted = [t for t in text.split(",") if t]
    return safety_panel(f for f in load_red_flags() if f.id in wanted)


def _co_use(med_id: str) -> dict[str, Any] | None:
    try:
        med = resolve_medication(med_id)
    except KratomsimError:
        return None
    row = medicine_row(services.check_one(med), med)
    depressant = med.cns_depressant or med.respiratory_depressant or med.opioid_agonist
    advice = co_use_advice(opioid=med.opioid_agonist) if depressant else ()
    return {"med": med, "row": row, "advice": advice}


def _page(
    request: Request, status_code: int = 200, form: Any = None, **context: Any
) -> HTMLResponse:
    f = filters(request.query_params)
    kinds = [f["kind"]] if f["kind"] else None
    rows: list[dict[str, Any]] = []
    total = 0
    chart = None
    totals = None
    favourites: list[Any] = []
    last = None
    if journal_path_of(request).exists():  # reading never creates the journal file
        with journal_for(request, readonly=True) as journal:
            total = journal.count(since=f["since"], until=f["until"], kinds=kinds)
            pages = max(1, -(-total // PAGE_SIZE))
            f["page"] = min(f["page"], pages)
            stored = journal.entries(
                f["since"],
                f["until"],
                kinds,
                newest_first=True,
                limit=PAGE_SIZE,
                offset=(f["page"] - 1) * PAGE_SIZE,
            )
            in_range = journal.entries(f["since"], f["until"])
            recent = journal.entries(since=now_utc() - timedelta(days=8))
            favourites = journal.favourites()
            last = journal.last("dose")
        rows = [
            {"id": e.id, "kind": e.kind, "when": local_time(e.at), "what": describe(e)}
            for e in stored
        ]
        totals = dose_totals(recent)
        chart = journal_charts.journal_chart(in_range, f"/journal/chart.png?{query_of(f)}")
    pages = max(1, -(-total // PAGE_SIZE))
    pager = {
        "newer": f"/journal?{query_of(f, page=f['page'] - 1)}" if f["page"] > 1 else None,
        "older": f"/journal?{query_of(f, page=f['page'] + 1)}" if f["page"] < pages else None,
    }
    params = request.query_params
    return render(
        request,
        "journal.html",
        status_code=status_code,
        rows=rows,
        total=total,
        pages=pages,
        filters=f,
        pager=pager,
        chart=chart,
        totals=totals,
        ago=ago(totals.hours_since_last if totals else None),
        last=None if last is None else describe_dose(last.data),
        favourites=favourites,
        fields=FIELDS,
        titles=TITLES,
        products=services.product_choices(),
        symptoms=SYMPTOMS,
        units=UNIT_CHOICES,
        substance_units=SUBSTANCE_UNITS,
        sows_items=SOWS_ITEMS,
        sows_answers=SOWS_ANSWERS,
        bounds=BOUNDS,
        note_max=NOTE_MAX_CHARS,
        formats=FORMATS,
        export_query=query_of(f, page=1),
        form=form or {},
        saved=str(params.get("saved", ""))[:200],
        deleted=params.get("deleted") if str(params.get("deleted", "")).isdigit() else None,
        panel=context.pop("panel", None) or _flags_of(str(params.get("flags", ""))[:200]),
        co_use=context.pop("co_use", None) or _co_use(str(params.get("co", ""))[:100]),
        categories=CATEGORY_WORDS,
        severities=SEVERITY_WORDS,
        **context,
    )


async def _form_then(request: Request, action: Callable[[Any], T]) -> T:
    """Read the posted form, then run the blocking journal work off the event loop."""
    form = await request.form()
    return await run_in_threadpool(action, form)


@router.get("/journal", response_class=HTMLResponse)
def journal_page(request: Request) -> HTMLResponse:
    try:
        return _page(request)
    except EntryError as exc:
        return _page_without_filters(request, exc)


def _page_without_filters(request: Request, exc: EntryError) -> HTMLResponse:
    request.scope["query_string"] = b""
    return _page(request, 400, error=error_text(exc), error_field=exc.field)


@router.post("/journal/add", response_model=None)
async def journal_add(request: Request) -> Response:
    def add(form: Any) -> Response:
        kind = text_of(form, "kind") or "quick"
        try:
            with journal_for(request) as journal:
                entries = (
                    quick_entries(form, journal) if kind == "quick" else [single_entry(form, kind)]
                )
                ids = journal.add_many(entries)
        except KratomsimError as exc:
            field = exc.field if isinstance(exc, EntryError) else ""
            prefix = {"quick": "q", "peg": "peg", "withdrawal": "w"}.get(kind, "q")
            return _page(
                request,
                400,
                form=dict(form),
                error=error_text(exc),
                error_field=field,
                error_prefix=prefix,
            )
        panel = merge(panel_for_entry(e.kind, e.data()) for e in entries)
        substances = [str(e.data()["name"]) for e in entries if e.kind == "substance"]
        query = {"saved": ",".join(map(str, ids))}
        if panel is not None:
            query["flags"] = ",".join(panel.ids())
        if substances:
            query["co"] = substances[0]
        # no #fragment: scrolling to one would take the focus from a red-flag panel
        return RedirectResponse(f"/journal?{urlencode(query)}", status_code=303)

    return await _form_then(request, add)


@router.post("/journal/favourite", response_model=None)
async def favourite_add(request: Request) -> Response:
    def save(form: Any) -> Response:
        try:
            entry = entry_of("dose", None, dose_data(form))
            with journal_for(request) as journal:
                journal.add_favourite(entry, text_of(form, "label"))  # type: ignore[arg-type]
        except EntryError as exc:
            return _page(
                request,
                400,
                form=dict(form),
                error=error_text(exc),
                error_field=exc.field,
                error_prefix="f",
            )
        return RedirectResponse("/journal?saved=favourite#quick", status_code=303)

    return await _form_then(request, save)


@router.post("/journal/favourite/{fav_id}/delete", response_model=None)
def favourite_delete(request: Request, fav_id: str) -> Response:
    with journal_for(request) as journal:
        journal.delete_favourite(entry_id_of(fav_id))
    return RedirectResponse("/journal#favourites", status_code=303)


@router.get("/journal/{entry_id}/edit", response_class=HTMLResponse)
def journal_edit_page(request: Request, entry_id: str) -> HTMLResponse:
    number = entry_id_of(entry_id)
    stored = _stored(request, number)
    return _edit_page(request, stored, form_values(stored.data), input_time(stored.at))


def _stored(request: Request, number: int, *, include_deleted: bool = False) -> StoredEntry:
    if not journal_path_of(request).exists():
        raise HTTPException(404)
    with journal_for(request, readonly=True) as journal:
        try:
            return journal.get(number, include_deleted=include_deleted)
        except JournalError:
            raise HTTPException(404) from None


def _edit_page(
    request: Request,
    stored: StoredEntry,
    values: dict[str, Any],
    at: str,
    error: str | None = None,
    error_field: str = "",
) -> HTMLResponse:
    return render(
        request,
        "journal_edit.html",
        status_code=400 if error else 200,
        entry=stored,
        title=TITLES.get(stored.kind, stored.kind),
        values=values,
        at=at,
        names=FIELDS[stored.kind],
        products=services.product_choices(),
        symptoms=SYMPTOMS,
        units=UNIT_CHOICES,
        substance_units=SUBSTANCE_UNITS,
        sows_items=SOWS_ITEMS,
        sows_answers=SOWS_ANSWERS,
        bounds=BOUNDS,
        note_max=NOTE_MAX_CHARS,
        error=error,
        error_field=error_field,
        error_prefix="edit",
    )


@router.post("/journal/{entry_id}/edit", response_model=None)
async def journal_edit(request: Request, entry_id: str) -> Response:
    number = entry_id_of(entry_id)

    def edit(form: Any) -> Response:
        stored = _stored(request, number)
        try:
            entry = edited_entry(form, stored.kind)
            with journal_for(request) as journal:
                journal.edit(number, entry)
        except EntryError as exc:
            values = {k: str(v) for k, v in form.items()}
            return _edit_page(
                request, stored, values, text_of(form, "at"), error_text(exc), exc.field
            )
        return RedirectResponse(f"/journal?saved={number}#entries", status_code=303)

    return await _form_then(request, edit)


@router.get("/journal/{entry_id}/delete", response_class=HTMLResponse)
def journal_delete_page(request: Request, entry_id: str) -> HTMLResponse:
    """Ask before deleting (the entry can still be restored afterwards)."""
    stored = _stored(request, entry_id_of(entry_id))
    return render(
        request,
        "journal_delete.html",
        entry=stored,
        when=local_time(stored.at),
        what=describe(stored),
        title=TITLES.get(stored.kind, stored.kind),
    )


@router.post("/journal/{entry_id}/delete", response_model=None)
def journal_delete(request: Request, entry_id: str) -> Response:
    number = entry_id_of(entry_id)
    _stored(request, number)
    with journal_for(request) as journal:
        journal.delete(number)
    return RedirectResponse(f"/journal?deleted={number}", status_code=303)


@router.post("/journal/{entry_id}/undo", response_model=None)
def journal_undo(request: Request, entry_id: str) -> Response:
    number = entry_id_of(entry_id)
    _stored(request, number, include_deleted=True)
    with journal_for(request) as journal:
        journal.undo_delete(number)
    return RedirectResponse(f"/journal?saved={number}#entries", status_code=303)
