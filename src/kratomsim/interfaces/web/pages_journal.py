"""The Journal page: log a day in one go, see the totals, filter and page, edit, delete and undo.

One quick form logs a dose (repeat the last one, a favourite, or a new one in g, mg, teaspoons,
capsules or 7-OH tablets), the pain now, a symptom, another substance and a note, in a single
transaction; a red-flag symptom or note brings the "seek care now" panel at once, and another
substance brings what the risk rules say about it. The journal is opened for each request and
closed after it, so the CLI can write to the same file at the same time. Every value is checked by
the journal's entry models against the same bounds as the CLI.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, RedirectResponse, Response

from kratomsim.errors import JournalError, KratomsimError, bad_value
from kratomsim.evidence import resolve_medication
from kratomsim.interfaces.findings_view import CATEGORY_WORDS, SEVERITY_WORDS, medicine_row
from kratomsim.interfaces.safety import co_use_advice, merge, panel_for_entry
from kratomsim.interfaces.web import journal_charts, services
from kratomsim.interfaces.web.rendering import error_text, png_bytes, render
from kratomsim.journal.bounds import BOUNDS
from kratomsim.journal.entries import (
    COUNT_UNITS,
    ENTRY_TYPES,
    NOTE_MAX_CHARS,
    SOWS_ANSWERS,
    SOWS_ITEMS,
    SUBSTANCE_UNITS,
    SYMPTOMS,
    Entry,
    StoredEntry,
    make_entry,
    now_utc,
)
from kratomsim.journal.store import Journal, describe_dose, journal_path, open_journal
from kratomsim.journal.summary import dose_totals
from kratomsim.journal.transfer import FORMATS, export_entries
from kratomsim.risk.red_flags import load_red_flags, safety_panel

router = APIRouter()
T = TypeVar("T")

#: Form fields of each kind of entry, in the order they are shown.
FIELDS: dict[str, tuple[str, ...]] = {
    kind: tuple(name for name in cls.model_fields if name != "at")
    for kind, cls in ENTRY_TYPES.items()
}
#: Longest text any journal form field takes (a note's limit is enforced by the entry model).
MAX_FIELD = 4000
#: Entries per page of the list.
PAGE_SIZE = 50
#: Largest entry id SQLite can hold; anything else in a URL is not an entry.
MAX_ID = 2**63 - 1
TITLES = {
    "dose": "Dose",
    "pain": "Pain",
    "peg": "PEG-3",
    "symptom": "Symptom",
    "withdrawal": "Withdrawal (SOWS)",
    "substance": "Other substance",
    "note": "Note",
}
UNIT_CHOICES = (("g", "g"), ("mg", "mg"), *COUNT_UNITS.items())


def journal_path_of(request: Request) -> Path:
    """The journal file: the app's setting, else the CLI's (``KRATOMSIM_HOME``) at this moment."""
    chosen: Path | None = request.app.state.settings.journal_path
    return chosen if chosen is not None else journal_path()


def journal_for(request: Request, *, readonly: bool = False) -> Journal:
    """The journal of this app's settings, to open for one request (``with`` closes it)."""
    return open_journal(journal_path_of(request), readonly=readonly)


def entry_id_of(text: str) -> int:
    """An entry id from a URL; anything but a whole number SQLite can hold is not found (404)."""
    if not text.isascii() or not text.isdigit() or len(text) > 19 or int(text) > MAX_ID:
        raise HTTPException(404)
    return int(text)


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    if len(value) > MAX_FIELD:
        raise JournalError(
            bad_value(f"The field {name!r} is too long", f"{len(value)} characters", "Shorten it.")
        )
    return value.strip()


class EntryError(JournalError):
    """A journal form value that cannot be accepted, with the form field it is about."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


#: Words in an entry's error message → the form field it is about (first match wins).
_FIELD_WORDS: dict[str, tuple[tuple[str, str], ...]] = {
    "dose": (
        ("dose amount", "amount"),
        ("g_per_unit", "g_per_unit"),
        ("grams per unit", "g_per_unit"),
        ("7-OH per tablet", "oh7_mg_per_unit"),
        ("oh7_mg_per_unit", "oh7_mg_per_unit"),
        ("number of", "amount"),
        ("holds no 7-OH", "product"),
        ("product", "product"),
        ("mg_per_g", "mg_per_g"),
        ("unit", "unit"),
        ("time", "at"),
    ),
    "substance": (
        ("amount", "substance_amount"),
        ("unit", "substance_unit"),
        ("time", "at"),
    ),
    "symptom": (("severity", "severity"), ("time", "at")),
    "pain": (("time", "at"),),
    "note": (("time", "at"),),
    "peg": (("enjoyment", "peg_enjoyment"), ("activity", "peg_activity"), ("time", "at")),
    "withdrawal": (("time", "at"),),
}
_DEFAULT_FIELD = {
    "dose": "amount",
    "substance": "substance",
    "symptom": "symptom_name",
    "pain": "nrs",
    "note": "text",
    "peg": "peg_pain",
    "withdrawal": "sows_1",
}


def _entry(kind: str, at: str | None, data: dict[str, Any]) -> Entry:
    """An entry of ``kind``, or an :class:`EntryError` naming the field at fault."""
    try:
        return make_entry(kind, at, data)
    except JournalError as exc:
        message = str(exc)
        field = next(
            (f for word, f in _FIELD_WORDS.get(kind, ()) if word in message),
            _DEFAULT_FIELD.get(kind, "at"),
        )
        raise EntryError(field, message) from None


def _dose_data(form: Any) -> dict[str, str]:
    data = {
        name: _text(form, name)
        for name in ("product", "amount", "unit", "mg_per_g", "g_per_unit", "oh7_mg_per_unit")
    }
    unit = data["unit"] or "g"
    if unit not in ("tsp", "capsule"):
        data["g_per_unit"] = ""
    if unit != "tablet":
        data["oh7_mg_per_unit"] = ""
    return {k: v for k, v in data.items() if v}


def quick_entries(form: Any, journal: Journal) -> list[Entry]:
    """The entries one quick-log form describes (any of dose, pain, symptom, substance, note)."""
    at = _text(form, "at") or None
    entries: list[Entry] = []
    choice = _text(form, "dose_choice")
    if choice == "last":
        last = journal.last("dose")
        if last is None:
            raise EntryError("dose_choice", "There is no earlier dose to repeat yet.")
        entries.append(_entry("dose", at, dict(last.data)))
    elif choice.startswith("fav-") and choice[4:].isdigit():
        fav = journal.favourite(int(choice[4:]))
        entries.append(_entry("dose", at, dict(fav.data)))
    elif choice == "new":
        entries.append(_entry("dose", at, _dose_data(form)))
    if nrs := _text(form, "nrs"):
        entries.append(_entry("pain", at, {"nrs": nrs}))
    if name := _text(form, "symptom_name"):
        entries.append(
            _entry("symptom", at, {"name": name, "severity": _text(form, "severity") or "5"})
        )
    if substance := _text(form, "substance"):
        data = {
            "name": substance,
            "amount": _text(form, "substance_amount"),
            "unit": _text(form, "substance_unit"),
        }
        entries.append(_entry("substance", at, {k: v for k, v in data.items() if v}))
    if text := _text(form, "text"):
        entries.append(_entry("note", at, {"text": text}))
    if not entries:
        raise EntryError("dose_choice", "Nothing to save: choose a dose or fill in something.")
    return entries


def single_entry(form: Any, kind: str) -> Entry:
    """The entry of one of the separate forms (PEG-3, the 16-item SOWS)."""
    at = _text(form, "at") or None
    if kind == "peg":
        return _entry(
            "peg",
            at,
            {k: _text(form, f"peg_{k}") for k in ("pain", "enjoyment", "activity")},
        )
    if kind == "withdrawal":
        items = [_text(form, f"sows_{i}") for i in range(1, len(SOWS_ITEMS) + 1)]
        missing = [i for i, v in enumerate(items, start=1) if not v]
        if missing:
            raise EntryError(
                f"sows_{missing[0]}",
                f"Rate every SOWS item (0 to 4); item {missing[0]} is not answered.",
            )
        total = sum(int(v) for v in items if v.isdigit())
        return _entry("withdrawal", at, {"sows": str(total), "items": " ".join(items)})
    raise EntryError("kind", bad_value("Unknown entry kind", kind, "Use the forms on the page."))


def describe(e: StoredEntry) -> str:
    """One line for the list: the measurement in words."""
    d = e.data
    if e.kind == "dose":
        return describe_dose(d)
    if e.kind == "pain":
        return f"pain {d['nrs']}/10"
    if e.kind == "peg":
        score = (d["pain"] + d["enjoyment"] + d["activity"]) / 3
        return (
            f"PEG-3 {score:.1f} (pain {d['pain']}, enjoyment {d['enjoyment']}, "
            f"activity {d['activity']})"
        )
    if e.kind == "symptom":
        return f"{str(d['name']).replace('-', ' ')} {d['severity']}/10"
    if e.kind == "withdrawal":
        return f"SOWS {d['sows']}/64" + (" (16 items)" if d.get("items") else "")
    if e.kind == "substance":
        amount = f" {d['amount']:g} {d.get('unit') or ''}".rstrip() if "amount" in d else ""
        return f"{_substance_name(str(d['name']))}{amount}"
    return str(d.get("text", ""))


def _substance_name(med_id: str) -> str:
    try:
        return resolve_medication(med_id).name
    except KratomsimError:
        return med_id


def local_time(at: datetime) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M")


def _input_time(at: datetime) -> str:
    return at.astimezone().strftime("%Y-%m-%dT%H:%M")


def _ago(hours: float | None) -> str:
    if hours is None:
        return ""
    if hours < 1:
        return f"{hours * 60:.0f} min ago"
    if hours < 48:
        h = int(hours)
        return f"{h} h {int((hours - h) * 60)} min ago"
    return f"{hours / 24:.1f} days ago"


# --- filters and paging ---------------------------------------------------------------------------


def _day(text: str, what: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise EntryError(what, bad_value("Not a date", text, "Give it as YYYY-MM-DD.")) from None


def filters(params: Any) -> dict[str, Any]:
    """The date range, kind and page of the list, from the address."""
    start = _day(str(params.get("from", ""))[:10], "from")
    end = _day(str(params.get("to", ""))[:10], "to")
    kind = str(params.get("kind", ""))
    kind = kind if kind in FIELDS else ""
    page = str(params.get("page", "1"))
    number = int(page) if page.isdigit() and 0 < len(page) < 7 else 1
    since = None if start is None else datetime.combine(start, time.min).astimezone()
    until = None if end is None else datetime.combine(end, time.max).astimezone()
    return {
        "from": "" if start is None else start.isoformat(),
        "to": "" if end is None else end.isoformat(),
        "kind": kind,
        "page": max(1, number),
        "since": since,
        "until": until,
    }


def _query(f: dict[str, Any], **changes: Any) -> str:
    keep = {"from": f["from"], "to": f["to"], "kind": f["kind"], "page": f["page"], **changes}
    return urlencode({k: v for k, v in keep.items() if v and not (k == "page" and v == 1)})


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
        chart = journal_charts.journal_chart(in_range, f"/journal/chart.png?{_query(f)}")
    pages = max(1, -(-total // PAGE_SIZE))
    pager = {
        "newer": f"/journal?{_query(f, page=f['page'] - 1)}" if f["page"] > 1 else None,
        "older": f"/journal?{_query(f, page=f['page'] + 1)}" if f["page"] < pages else None,
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
        ago=_ago(totals.hours_since_last if totals else None),
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
        export_query=_query(f, page=1),
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
        kind = _text(form, "kind") or "quick"
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
            entry = _entry("dose", None, _dose_data(form))
            with journal_for(request) as journal:
                journal.add_favourite(entry, _text(form, "label"))  # type: ignore[arg-type]
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
    return _edit_page(request, stored, _values(stored.data), _input_time(stored.at))


def _stored(request: Request, number: int, *, include_deleted: bool = False) -> StoredEntry:
    if not journal_path_of(request).exists():
        raise HTTPException(404)
    with journal_for(request, readonly=True) as journal:
        try:
            return journal.get(number, include_deleted=include_deleted)
        except JournalError:
            raise HTTPException(404) from None


def _values(data: dict[str, Any]) -> dict[str, str]:
    """Stored fields as the text a form shows (None: empty; SOWS items one per field)."""
    out = {
        k: "" if v is None else f"{v:g}" if isinstance(v, float) else str(v)
        for k, v in data.items()
        if k != "items"
    }
    for i, score in enumerate(data.get("items") or [], start=1):
        out[f"sows_{i}"] = str(score)
    return out


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


def _edited(form: Any, kind: str) -> Entry:
    at = _text(form, "at") or None
    if (kind == "withdrawal" and _text(form, "sows_1")) or kind == "peg":
        return single_entry(form, kind)
    if kind == "dose":
        return _entry("dose", at, _dose_data(form))
    if kind == "substance":
        data = {
            "name": _text(form, "name"),
            "amount": _text(form, "substance_amount"),
            "unit": _text(form, "substance_unit"),
        }
        return _entry("substance", at, {k: v for k, v in data.items() if v or k == "name"})
    data = {n: _text(form, n) for n in FIELDS[kind] if n != "items"}
    required = {n for n, f in ENTRY_TYPES[kind].model_fields.items() if f.is_required()}
    return _entry(kind, at, {k: v for k, v in data.items() if v or k in required})


@router.post("/journal/{entry_id}/edit", response_model=None)
async def journal_edit(request: Request, entry_id: str) -> Response:
    number = entry_id_of(entry_id)

    def edit(form: Any) -> Response:
        stored = _stored(request, number)
        try:
            entry = _edited(form, stored.kind)
            with journal_for(request) as journal:
                journal.edit(number, entry)
        except EntryError as exc:
            values = {k: str(v) for k, v in form.items()}
            return _edit_page(
                request, stored, values, _text(form, "at"), error_text(exc), exc.field
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


# --- export, backup, the static chart -------------------------------------------------------------

MEDIA = {"csv": "text/csv", "json": "application/json", "nonmem": "text/csv"}
SUFFIX = {"csv": "csv", "json": "json", "nonmem": "nonmem.csv"}


@router.get("/journal/export.{fmt}")
def journal_export(request: Request, fmt: str) -> Response:
    """The journal (or the chosen date range) as CSV, JSON or a NONMEM-style table."""
    if fmt not in MEDIA:
        raise HTTPException(404)
    f = filters(request.query_params)
    entries: list[StoredEntry] = []
    if journal_path_of(request).exists():
        with journal_for(request, readonly=True) as journal:
            entries = journal.entries(f["since"], f["until"])
    text = export_entries(entries, fmt)  # type: ignore[arg-type]
    stamp = datetime.now().strftime("%Y%m%d")
    return Response(
        text,
        media_type=f"{MEDIA[fmt]}; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="kratomsim-journal-{stamp}.{SUFFIX[fmt]}"'
        },
    )


@router.get("/journal/backup.sqlite3")
def journal_backup(request: Request) -> Response:
    """A consistent copy of the whole journal file (SQLite's online backup)."""
    if not journal_path_of(request).exists():
        raise JournalError(
            bad_value("The journal is empty", "no journal file", "Log an entry first.")
        )
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "backup.sqlite3"
        with journal_for(request, readonly=True) as journal:
            journal.backup(target)
        body = target.read_bytes()
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    return Response(
        body,
        media_type="application/vnd.sqlite3",
        headers={
            "content-disposition": f'attachment; filename="kratomsim-journal-{stamp}.sqlite3"'
        },
    )


@router.get("/journal/chart.png")
def journal_png(request: Request) -> Response:
    """The static chart of the chosen range (shown where scripts are off)."""
    f = filters(request.query_params)
    entries: list[StoredEntry] = []
    if journal_path_of(request).exists():
        with journal_for(request, readonly=True) as journal:
            entries = journal.entries(f["since"], f["until"])
    if not entries:
        raise HTTPException(404)
    return Response(png_bytes(journal_charts.journal_figure(entries)), media_type="image/png")
