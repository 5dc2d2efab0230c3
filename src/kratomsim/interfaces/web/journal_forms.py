"""Journal forms: what people type into the journal pages, read into entries and back into words.

Form values go to the entry models as typed text; the models validate and convert them against
the journal's bounds (the same as the CLI's) and raise :class:`~kratomsim.errors.JournalError`
with the project's one-line message, which :class:`EntryError` ties to the form field at fault.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from urllib.parse import urlencode

from kratomsim.errors import JournalError, KratomsimError, bad_value
from kratomsim.evidence import resolve_medication
from kratomsim.journal.entries import (
    COUNT_UNITS,
    ENTRY_TYPES,
    SOWS_ITEMS,
    Entry,
    StoredEntry,
    make_entry,
)
from kratomsim.journal.store import Journal, describe_dose

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


def text_of(form: Any, name: str) -> str:
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


def entry_of(kind: str, at: str | None, data: dict[str, Any]) -> Entry:
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


def dose_data(form: Any) -> dict[str, str]:
    data = {
        name: text_of(form, name)
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
    at = text_of(form, "at") or None
    entries: list[Entry] = []
    choice = text_of(form, "dose_choice")
    if choice == "last":
        last = journal.last("dose")
        if last is None:
            raise EntryError("dose_choice", "There is no earlier dose to repeat yet.")
        entries.append(entry_of("dose", at, dict(last.data)))
    elif choice.startswith("fav-") and choice[4:].isdigit():
        fav = journal.favourite(int(choice[4:]))
        entries.append(entry_of("dose", at, dict(fav.data)))
    elif choice == "new":
        entries.append(entry_of("dose", at, dose_data(form)))
    if nrs := text_of(form, "nrs"):
        entries.append(entry_of("pain", at, {"nrs": nrs}))
    if name := text_of(form, "symptom_name"):
        entries.append(
            entry_of("symptom", at, {"name": name, "severity": text_of(form, "severity") or "5"})
        )
    if substance := text_of(form, "substance"):
        data = {
            "name": substance,
            "amount": text_of(form, "substance_amount"),
            "unit": text_of(form, "substance_unit"),
        }
        entries.append(entry_of("substance", at, {k: v for k, v in data.items() if v}))
    if text := text_of(form, "text"):
        entries.append(entry_of("note", at, {"text": text}))
    if not entries:
        raise EntryError("dose_choice", "Nothing to save: choose a dose or fill in something.")
    return entries


def single_entry(form: Any, kind: str) -> Entry:
    """The entry of one of the separate forms (PEG-3, the 16-item SOWS)."""
    at = text_of(form, "at") or None
    if kind == "peg":
        return entry_of(
            "peg",
            at,
            {k: text_of(form, f"peg_{k}") for k in ("pain", "enjoyment", "activity")},
        )
    if kind == "withdrawal":
        items = [text_of(form, f"sows_{i}") for i in range(1, len(SOWS_ITEMS) + 1)]
        missing = [i for i, v in enumerate(items, start=1) if not v]
        if missing:
            raise EntryError(
                f"sows_{missing[0]}",
                f"Rate every SOWS item (0 to 4); item {missing[0]} is not answered.",
            )
        total = sum(int(v) for v in items if v.isdigit())
        return entry_of("withdrawal", at, {"sows": str(total), "items": " ".join(items)})
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
        return f"{substance_name(str(d['name']))}{amount}"
    return str(d.get("text", ""))


def substance_name(med_id: str) -> str:
    try:
        return resolve_medication(med_id).name
    except KratomsimError:
        return med_id


def local_time(at: datetime) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M")


def input_time(at: datetime) -> str:
    return at.astimezone().strftime("%Y-%m-%dT%H:%M")


def ago(hours: float | None) -> str:
    if hours is None:
        return ""
    if hours < 1:
        return f"{hours * 60:.0f} min ago"
    if hours < 48:
        h = int(hours)
        return f"{h} h {int((hours - h) * 60)} min ago"
    return f"{hours / 24:.1f} days ago"


# --- filters and paging ---------------------------------------------------------------------------


def day_of(text: str, what: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise EntryError(what, bad_value("Not a date", text, "Give it as YYYY-MM-DD.")) from None


def filters(params: Any) -> dict[str, Any]:
    """The date range, kind and page of the list, from the address."""
    start = day_of(str(params.get("from", ""))[:10], "from")
    end = day_of(str(params.get("to", ""))[:10], "to")
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


def query_of(f: dict[str, Any], **changes: Any) -> str:
    keep = {"from": f["from"], "to": f["to"], "kind": f["kind"], "page": f["page"], **changes}
    return urlencode({k: v for k, v in keep.items() if v and not (k == "page" and v == 1)})


def form_values(data: dict[str, Any]) -> dict[str, str]:
    """Stored fields as the text a form shows (None: empty; SOWS items one per field)."""
    out = {
        k: "" if v is None else f"{v:g}" if isinstance(v, float) else str(v)
        for k, v in data.items()
        if k != "items"
    }
    for i, score in enumerate(data.get("items") or [], start=1):
        out[f"sows_{i}"] = str(score)
    return out


def edited_entry(form: Any, kind: str) -> Entry:
    at = text_of(form, "at") or None
    if (kind == "withdrawal" and text_of(form, "sows_1")) or kind == "peg":
        return single_entry(form, kind)
    if kind == "dose":
        return entry_of("dose", at, dose_data(form))
    if kind == "substance":
        data = {
            "name": text_of(form, "name"),
            "amount": text_of(form, "substance_amount"),
            "unit": text_of(form, "substance_unit"),
        }
        return entry_of("substance", at, {k: v for k, v in data.items() if v or k == "name"})
    data = {n: text_of(form, n) for n in FIELDS[kind] if n != "items"}
    required = {n for n, f in ENTRY_TYPES[kind].model_fields.items() if f.is_required()}
    return entry_of(kind, at, {k: v for k, v in data.items() if v or k in required})
