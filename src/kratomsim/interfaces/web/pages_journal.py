"""The Journal page: add, list, edit and delete entries (with undo), and see them over time.

The journal is opened for each request and closed after it, so the CLI can write to the same file
at the same time (the store serialises writers). Form values go to the entry models as typed
text; the models validate and convert them and raise :class:`~kratomsim.errors.JournalError`
with the project's one-line message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from kratomsim.errors import JournalError, KratomsimError, bad_value
from kratomsim.interfaces.web.journal_plot import plot_journal
from kratomsim.interfaces.web.rendering import error_text, png_data_uri, product_choices, render
from kratomsim.journal.entries import ENTRY_TYPES, SYMPTOMS, Entry, StoredEntry, make_entry
from kratomsim.journal.store import Journal, journal_path, open_journal

router = APIRouter()
T = TypeVar("T")

#: Form fields of each kind of entry, in the order they are shown.
FIELDS: dict[str, tuple[str, ...]] = {
    kind: tuple(name for name in cls.model_fields if name != "at")
    for kind, cls in ENTRY_TYPES.items()
}
#: Longest text any journal form field takes (a note's limit is enforced by the entry model).
MAX_FIELD = 4000


def journal_path_of(request: Request) -> Path:
    """The journal file: the app's setting, else the CLI's (``KRATOMSIM_HOME``) at this moment."""
    chosen: Path | None = request.app.state.settings.journal_path
    return chosen if chosen is not None else journal_path()


def journal_for(request: Request, *, readonly: bool = False) -> Journal:
    """The journal of this app's settings, to open for one request (``with`` closes it)."""
    return open_journal(journal_path_of(request), readonly=readonly)


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    if len(value) > MAX_FIELD:
        raise JournalError(
            bad_value(f"The field {name!r} is too long", f"{len(value)} characters", "Shorten it.")
        )
    return value.strip()


def entry_from_form(form: Any) -> Entry:
    """Build the entry a journal form describes (kind, its fields, and an optional time)."""
    kind = _text(form, "kind")
    if kind not in FIELDS:
        raise JournalError(
            bad_value("Unknown entry kind", kind, f"Use one of {', '.join(FIELDS)}.")
        )
    fields = ENTRY_TYPES[kind].model_fields
    data = {name: _text(form, name) for name in FIELDS[kind]}
    # an empty optional field (a dose's mg/g) means "not given", not an invalid value
    data = {k: v for k, v in data.items() if v or fields[k].is_required()}
    at = _text(form, "at") or None  # empty: now
    return make_entry(kind, at, data)


def describe(e: StoredEntry) -> str:
    """One line for the list: the measurement in words."""
    d = e.data
    if e.kind == "dose":
        return f"{d['amount']:g} {d['unit']} of {d['product']}"
    if e.kind == "pain":
        return f"pain {d['nrs']}/10"
    if e.kind == "peg":
        score = (d["pain"] + d["enjoyment"] + d["activity"]) / 3
        return (
            f"PEG {score:.1f} (pain {d['pain']}, enjoyment {d['enjoyment']}, "
            f"activity {d['activity']})"
        )
    if e.kind == "symptom":
        return f"{d['name']} {d['severity']}/10"
    if e.kind == "withdrawal":
        return f"SOWS {d['sows']}/64"
    return str(d.get("text", ""))


def local_time(at: datetime) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M")


def _input_time(at: datetime) -> str:
    return at.astimezone().strftime("%Y-%m-%dT%H:%M")


def _page(request: Request, status_code: int = 200, **context: Any) -> HTMLResponse:
    stored: list[StoredEntry] = []
    if journal_path_of(request).exists():  # reading never creates the journal file
        with journal_for(request, readonly=True) as journal:
            stored = journal.entries()
    rows = [
        {"id": e.id, "kind": e.kind, "when": local_time(e.at), "what": describe(e)}
        for e in sorted(stored, key=lambda e: (e.at, e.id), reverse=True)
    ]
    plot = png_data_uri(plot_journal(stored)) if stored else None
    return render(
        request,
        "journal.html",
        status_code=status_code,
        rows=rows,
        plot=plot,
        fields=FIELDS,
        products=product_choices(),
        symptoms=SYMPTOMS,
        **context,
    )


async def _form_then(request: Request, action: Callable[[Any], T]) -> T:
    """Read the posted form, then run the blocking journal work off the event loop."""
    form = await request.form()
    return await run_in_threadpool(action, form)


@router.get("/journal", response_class=HTMLResponse)
def journal_page(
    request: Request, deleted: int | None = None, saved: int | None = None
) -> HTMLResponse:
    return _page(request, deleted=deleted, saved=saved)


@router.post("/journal/add", response_model=None)
async def journal_add(request: Request) -> Response:
    def add(form: Any) -> int:
        entry = entry_from_form(form)
        with journal_for(request) as journal:
            return journal.add(entry)

    try:
        new_id = await _form_then(request, add)
    except KratomsimError as exc:
        return await run_in_threadpool(_page, request, 400, error=error_text(exc))
    return RedirectResponse(f"/journal?saved={new_id}", status_code=303)


@router.get("/journal/{entry_id}/edit", response_class=HTMLResponse)
def journal_edit_page(request: Request, entry_id: int) -> HTMLResponse:
    if not journal_path_of(request).exists():
        raise JournalError(
            bad_value("No journal entry with this id", entry_id, "The journal is empty.")
        )
    with journal_for(request, readonly=True) as journal:
        stored = journal.get(entry_id)
    return _edit_page(request, stored, _values(stored.data), _input_time(stored.at))


def _values(data: dict[str, Any]) -> dict[str, str]:
    """Stored fields as the text a form shows (None: empty)."""
    return {
        k: "" if v is None else f"{v:g}" if isinstance(v, float) else str(v)
        for k, v in data.items()
    }


def _edit_page(
    request: Request, stored: StoredEntry, values: dict[str, Any], at: str, error: str | None = None
) -> HTMLResponse:
    return render(
        request,
        "journal_edit.html",
        status_code=400 if error else 200,
        entry=stored,
        values=values,
        at=at,
        names=FIELDS[stored.kind],
        products=product_choices(),
        symptoms=SYMPTOMS,
        error=error,
    )


@router.post("/journal/{entry_id}/edit", response_model=None)
async def journal_edit(request: Request, entry_id: int) -> Response:
    def edit(form: Any) -> Response:
        with journal_for(request) as journal:
            stored = journal.get(entry_id)
            try:
                entry = entry_from_form({**form, "kind": stored.kind})
                journal.edit(entry_id, entry)
            except JournalError as exc:
                values = {n: form.get(n, "") for n in FIELDS[stored.kind]}
                return _edit_page(request, stored, values, str(form.get("at", "")), error_text(exc))
        return RedirectResponse(f"/journal?saved={entry_id}", status_code=303)

    return await _form_then(request, edit)


@router.post("/journal/{entry_id}/delete", response_model=None)
def journal_delete(request: Request, entry_id: int) -> Response:
    with journal_for(request) as journal:
        journal.delete(entry_id)
    return RedirectResponse(f"/journal?deleted={entry_id}", status_code=303)


@router.post("/journal/{entry_id}/undo", response_model=None)
def journal_undo(request: Request, entry_id: int) -> Response:
    with journal_for(request) as journal:
        journal.undo_delete(entry_id)
    return RedirectResponse(f"/journal?saved={entry_id}", status_code=303)
