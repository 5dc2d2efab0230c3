"""Import and export of journal entries: CSV, JSON and a NONMEM-style event table.

* **JSON** ``{"format": "kratomsim-journal", "version": 1, "entries": [...]}``; each entry is
  ``{"id", "kind", "at", <fields>, "created_at", "updated_at", "deleted_at"}``. Lossless.
* **CSV**: one row per entry, columns ``id, kind, at`` and then every field of every kind
  (empty where a field does not apply). Lossless.
* **NONMEM**: ``ID, TIME, AMT, EVID, CMT, DV, MDV, II, ADDL, SS, DATETIME, KIND, PRODUCT``.
  ``ID`` is 1; ``TIME`` is hours since the first exported row; ``DATETIME`` the UTC time.
  Doses are ``EVID=1, MDV=1, CMT=1`` rows with ``AMT`` in **mg of product** (not of alkaloid;
  the product id is in ``PRODUCT``). Observations are ``EVID=0, MDV=0`` rows with ``DV`` the
  score and ``CMT``/``KIND`` naming it: 2 ``pain`` (NRS), 3–5 ``peg_pain``/``peg_enjoyment``/
  ``peg_activity`` (one row per PEG-3 item), 6 ``withdrawal`` (SOWS), 7 ``symptom:<name>``.
  ``II``, ``ADDL`` and ``SS`` are 0 (every dose is its own row). Notes, a dose's unit as typed
  and its ``mg_per_g`` are not carried; drop ``DATETIME``, ``KIND`` and ``PRODUCT`` in
  NONMEM's ``$INPUT``.

Import timestamps: the ``at``/``DATETIME`` text (``TIME`` is recomputed). Bookkeeping
columns (``id``, ``created_at``, …) are ignored. An import is validated whole before anything
is written, then added in one transaction: a bad column, a bad value or a duplicate (within the
file, or of an entry already in the journal) rejects the file and imports nothing.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from kratomsim.errors import JournalError, bad_value
from kratomsim.journal.entries import (
    ENTRY_TYPES,
    DoseEntry,
    Entry,
    PainEntry,
    PegEntry,
    StoredEntry,
    SymptomEntry,
    WithdrawalEntry,
    check_kind,
    iso,
    make_entry,
    to_utc,
)
from kratomsim.journal.store import Journal

Format = Literal["csv", "json", "nonmem"]
FORMATS: tuple[Format, ...] = ("csv", "json", "nonmem")
JSON_FORMAT_NAME = "kratomsim-journal"
_BOOKKEEPING = ("id", "created_at", "updated_at", "deleted_at")
#: Every field of every kind, in a stable order (the CSV columns after id, kind, at).
FIELDS: tuple[str, ...] = tuple(
    dict.fromkeys(f for cls in ENTRY_TYPES.values() for f in cls.model_fields if f != "at")
)
CSV_COLUMNS: tuple[str, ...] = ("id", "kind", "at", *FIELDS)
NONMEM_COLUMNS: tuple[str, ...] = (
    *("ID", "TIME", "AMT", "EVID", "CMT", "DV", "MDV", "II", "ADDL", "SS"),
    *("DATETIME", "KIND", "PRODUCT"),
)
#: NONMEM compartment (CMT) of each kind of record.
NONMEM_CMT: dict[str, int] = {
    "dose": 1,
    "pain": 2,
    "peg_pain": 3,
    "peg_enjoyment": 4,
    "peg_activity": 5,
    "withdrawal": 6,
    "symptom": 7,
}
_PEG_ITEMS = ("pain", "enjoyment", "activity")


def _rejected(where: str, exc: JournalError | str) -> JournalError:
    return JournalError(f"Import rejected, nothing was imported. {where}: {exc}")


def _num(value: float) -> str:
    return f"{value:.10g}"


# --- export -----------------------------------------------------------------------------------


def export_entries(entries: Sequence[StoredEntry], fmt: Format) -> str:
    """The text of ``entries`` in ``fmt`` (see the module docstring for each layout)."""
    if fmt == "json":
        payload = {
            "format": JSON_FORMAT_NAME,
            "version": 1,
            "entries": [e.to_dict() for e in entries],
        }
        return json.dumps(payload, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    buffer = io.StringIO()
    if fmt == "csv":
        writer = csv.DictWriter(buffer, CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for e in entries:
            writer.writerow({"id": e.id, "kind": e.kind, "at": iso(e.at), **e.data})
        return buffer.getvalue()
    if fmt == "nonmem":
        writer = csv.DictWriter(buffer, NONMEM_COLUMNS, lineterminator="\n")
        writer.writeheader()
        rows = [row for e in entries for row in _nonmem_rows(e.entry)]
        start = min((r[0] for r in rows), default=None)
        for at, row in rows:
            assert start is not None
            hours = (at - start).total_seconds() / 3600
            writer.writerow({"ID": 1, "TIME": f"{hours:.4f}", "II": 0, "ADDL": 0, "SS": 0, **row})
        return buffer.getvalue()
    raise JournalError(bad_value("Unknown format", fmt, f"Use one of {', '.join(FORMATS)}."))


def _nonmem_rows(entry: Entry) -> list[tuple[datetime, dict[str, Any]]]:
    base = {"DATETIME": iso(entry.at), "PRODUCT": "."}

    def obs(kind: str, value: float) -> tuple[datetime, dict[str, Any]]:
        cmt = NONMEM_CMT[kind.split(":")[0]]
        row = {"AMT": 0, "EVID": 0, "CMT": cmt, "DV": value, "MDV": 0, "KIND": kind}
        return entry.at, {**base, **row}

    match entry:
        case DoseEntry():
            row = {"AMT": _num(entry.amount_g * 1000), "EVID": 1, "CMT": 1, "DV": 0, "MDV": 1}
            return [(entry.at, {**base, **row, "KIND": "dose", "PRODUCT": entry.product})]
        case PainEntry():
            return [obs("pain", entry.nrs)]
        case PegEntry():
            return [obs(f"peg_{item}", getattr(entry, item)) for item in _PEG_ITEMS]
        case WithdrawalEntry():
            return [obs("withdrawal", entry.sows)]
        case SymptomEntry():
            return [obs(f"symptom:{entry.name}", entry.severity)]
        case _:
            return []  # notes have no number to carry


# --- import -----------------------------------------------------------------------------------


def guess_format(name: str, text: str) -> Format:
    """The format of an import from its file name and first line."""
    lower = name.lower()
    if lower.endswith(".json") or text.lstrip().startswith(("{", "[")):
        return "json"
    header = text.lstrip("\ufeff").split("\n", 1)[0].upper()
    if "EVID" in header.replace(" ", "").split(","):
        return "nonmem"
    if lower.endswith((".csv", ".txt")) or "," in header:
        return "csv"
    raise JournalError(
        bad_value("Cannot tell the import format", name, "Give fmt: csv, json or nonmem.")
    )


def parse_entries(text: str, fmt: Format) -> list[Entry]:
    """Validate an import whole; any problem raises :class:`JournalError` naming the row."""
    if fmt == "json":
        entries = _parse_json(text)
    elif fmt == "csv":
        entries = _parse_csv(text)
    elif fmt == "nonmem":
        entries = _parse_nonmem(text)
    else:
        raise JournalError(bad_value("Unknown format", fmt, f"Use one of {', '.join(FORMATS)}."))
    _no_duplicates(entries, [])
    return entries


def import_text(journal: Journal, text: str, fmt: Format) -> list[int]:
    """Validate and add an import in one transaction; return the new ids."""
    entries = parse_entries(text, fmt)
    _no_duplicates(entries, [s.entry for s in journal.entries()])
    return journal.add_many(entries)


def _key(entry: Entry) -> str:
    return json.dumps([entry.kind, iso(entry.at), entry.data()], sort_keys=True)


def _no_duplicates(entries: Sequence[Entry], existing: Sequence[Entry]) -> None:
    seen = {_key(e): "the journal" for e in existing}
    for number, entry in enumerate(entries, start=1):
        key = _key(entry)
        if key in seen:
            fix = "Remove the repeated entry; an import never adds the same entry twice."
            where = f"Entry {number}"
            raise _rejected(where, bad_value(f"Duplicate of an entry in {seen[key]}", key, fix))
        seen[key] = f"entry {number} of the file"


def _parse_json(text: str) -> list[Entry]:
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _rejected("JSON", bad_value("Not valid JSON", str(exc), "Check the file.")) from None
    if isinstance(payload, dict):
        if payload.get("format", JSON_FORMAT_NAME) != JSON_FORMAT_NAME:
            fix = f"Expected a {JSON_FORMAT_NAME!r} export."
            raise _rejected("JSON", bad_value("Unknown format", payload.get("format"), fix))
        payload = payload.get("entries")
    if not isinstance(payload, list):
        fix = "Give a list of entries or {'entries': [...]}."
        raise _rejected("JSON", bad_value("No list of entries", type(payload).__name__, fix))
    out: list[Entry] = []
    for number, item in enumerate(payload, start=1):
        try:
            if not isinstance(item, dict):
                raise JournalError(bad_value("Not an object", item, "Give {kind, at, fields}."))
            fields = {k: v for k, v in item.items() if k not in (*_BOOKKEEPING, "kind", "at")}
            out.append(make_entry(str(item.get("kind")), _at(item.get("at")), fields))
        except JournalError as exc:
            raise _rejected(f"Entry {number}", exc) from None
    return out


def _at(value: object) -> datetime:
    if not isinstance(value, str) or not value.strip():
        raise JournalError(bad_value("Missing time", value, "Give 'at' as ISO-8601 text."))
    try:
        return to_utc(value)
    except ValueError as exc:
        raise JournalError(bad_value("Invalid time", value, str(exc))) from None


def _rows(text: str, allowed: Sequence[str], required: Sequence[str]) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    unknown = [h for h in header if h not in allowed]
    missing = [c for c in required if c not in header]
    if unknown or missing or len(set(header)) != len(header):
        problem = (
            f"unknown {unknown}" if unknown else f"missing {missing}" if missing else "repeated"
        )
        fix = f"Use the columns {', '.join(allowed)}."
        raise _rejected("Header", bad_value(f"Bad columns ({problem})", header, fix))
    reader.fieldnames = header
    rows: list[dict[str, str]] = []
    for row in reader:
        if None in row or any(v is None for v in row.values()):
            fix = f"Every row needs {len(header)} cells."
            raise _rejected(f"Line {reader.line_num}", bad_value("Wrong cell count", row, fix))
        rows.append({k: v.strip() for k, v in row.items() if isinstance(k, str)})
    return rows


def _parse_csv(text: str) -> list[Entry]:
    out: list[Entry] = []
    for number, row in enumerate(_rows(text, CSV_COLUMNS, ("kind", "at")), start=2):
        try:
            kind = row["kind"]
            own = set(check_kind(kind).model_fields)
            stray = [f for f in FIELDS if row.get(f) and f not in own]
            if stray:
                fix = f"A {kind} row leaves the other kinds' columns empty."
                raise JournalError(bad_value("Cells that do not belong", stray, fix))
            fields = {f: row[f] for f in own if f != "at" and row.get(f)}
            out.append(make_entry(kind, _at(row["at"]), fields))
        except JournalError as exc:
            raise _rejected(f"Row {number}", exc) from None
    return out


def _parse_nonmem(text: str) -> list[Entry]:
    required = tuple(c for c in NONMEM_COLUMNS if c != "PRODUCT")
    rows = _rows(text, NONMEM_COLUMNS, required)
    out: list[Entry] = []
    pegs: dict[str, dict[str, str]] = {}
    ids = {row["ID"] for row in rows}
    if len(ids) > 1:
        fix = "The journal holds one person; split the file by ID."
        raise _rejected("ID column", bad_value("More than one ID", sorted(ids), fix))
    for number, row in enumerate(rows, start=2):
        try:
            entry = _nonmem_entry(row, pegs)
        except JournalError as exc:
            raise _rejected(f"Row {number}", exc) from None
        if entry is not None:
            out.append(entry)
    for at, items in pegs.items():
        try:
            out.append(make_entry("peg", _at(at), {k: items.get(k) for k in _PEG_ITEMS}))
        except JournalError as exc:
            raise _rejected(f"PEG-3 rows at {at}", exc) from None
    return out


def _nonmem_entry(row: dict[str, str], pegs: dict[str, dict[str, str]]) -> Entry | None:
    for column in ("II", "ADDL", "SS"):
        if row[column] not in ("", ".", "0"):
            fix = "Give every dose as its own EVID=1 row (II, ADDL and SS are 0)."
            raise JournalError(bad_value(f"Repeated or steady-state doses ({column})", row, fix))
    kind, evid = row["KIND"], row["EVID"]
    base = kind.split(":")[0]
    if base not in NONMEM_CMT and not base.startswith("peg_"):
        fix = f"KIND is one of {', '.join(NONMEM_CMT)} or symptom:<name>."
        raise JournalError(bad_value("Unknown KIND", kind, fix))
    if row["CMT"] != str(NONMEM_CMT.get(base, -1)) or evid != ("1" if base == "dose" else "0"):
        fix = "Doses are EVID=1 CMT=1; observations EVID=0 with the CMT of their KIND."
        raise JournalError(bad_value("EVID/CMT do not match KIND", row, fix))
    at = _at(row["DATETIME"])
    if base == "dose":
        return make_entry(
            "dose", at, {"product": row.get("PRODUCT", ""), "amount": row["AMT"], "unit": "mg"}
        )
    if base.startswith("peg_"):
        items = pegs.setdefault(iso(at), {})
        item = base.removeprefix("peg_")
        if item in items:
            fix = "One PEG-3 set per time."
            raise JournalError(bad_value("Repeated PEG-3 item", kind, fix))
        items[item] = row["DV"]
        return None
    field = {"pain": "nrs", "withdrawal": "sows"}.get(base)
    if field is not None:
        return make_entry(base, at, {field: row["DV"]})
    return make_entry("symptom", at, {"name": kind.split(":", 1)[-1], "severity": row["DV"]})
