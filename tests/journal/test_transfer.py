"""Import and export: lossless CSV/JSON round trips, the NONMEM layout, whole-file rejection."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kratomsim.errors import JournalError
from kratomsim.journal import (
    DoseEntry,
    Entry,
    Journal,
    NoteEntry,
    PainEntry,
    PegEntry,
    StoredEntry,
    SymptomEntry,
    WithdrawalEntry,
    open_journal,
)
from kratomsim.journal.transfer import (
    CSV_COLUMNS,
    NONMEM_COLUMNS,
    export_entries,
    guess_format,
    import_text,
    parse_entries,
)

EVERY_KIND: list[Entry] = [
    DoseEntry("leaf-powder", 2.5, "g", "2026-11-20T08:00:00+00:00"),
    DoseEntry("tea", 750, "mg", "2026-11-20T09:30:00+00:00", mg_per_g=11.25),
    PainEntry(6, "2026-11-20T10:00:00+00:00"),
    PegEntry(6, 5, 7, "2026-11-20T10:00:00+00:00"),
    SymptomEntry("constipation", 4, "2026-11-20T11:15:00+00:00"),
    WithdrawalEntry(14, "2026-11-21T08:00:00+00:00"),
    NoteEntry('line one, with "quotes"\nline two — ünïcødé; 0.1 g?', "2026-11-21T09:00:00+00:00"),
]


@pytest.fixture
def source(tmp_path: Path) -> Iterator[Journal]:
    with open_journal(tmp_path / "source.sqlite3") as j:
        j.add_many(EVERY_KIND)
        yield j


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Journal]:
    with open_journal(tmp_path / "target.sqlite3") as j:
        yield j


def content(entries: list[StoredEntry]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(e.kind, e.at.isoformat(), e.data) for e in entries]


def fingerprint(path: Path) -> tuple[int, str]:
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        count = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
        return count, hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_lossless_round_trip(source: Journal, target: Journal, fmt: str) -> None:
    text = export_entries(source.entries(), fmt)  # type: ignore[arg-type]
    ids = import_text(target, text, fmt)  # type: ignore[arg-type]
    assert len(ids) == len(EVERY_KIND)
    assert content(target.entries()) == content(source.entries())
    assert [e.entry for e in target.entries()] == EVERY_KIND
    # And the copy exports to the same text apart from the bookkeeping.
    again = export_entries(target.entries(), fmt)  # type: ignore[arg-type]
    if fmt == "json":
        strip = ("id", "created_at", "updated_at", "deleted_at")

        def core(t: str) -> list[dict[str, Any]]:
            return [
                {k: v for k, v in e.items() if k not in strip} for e in json.loads(t)["entries"]
            ]

        assert core(again) == core(text)
    else:
        assert [r[1:] for r in csv.reader(io.StringIO(again))] == [
            r[1:] for r in csv.reader(io.StringIO(text))
        ]


def test_csv_layout(source: Journal) -> None:
    rows = list(csv.DictReader(io.StringIO(export_entries(source.entries(), "csv"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[0]["kind"] == "dose" and rows[0]["amount"] == "2.5" and rows[0]["nrs"] == ""
    assert rows[1]["mg_per_g"] == "11.25"
    assert rows[3]["enjoyment"] == "5"


def test_nonmem_layout(source: Journal) -> None:
    rows = list(csv.DictReader(io.StringIO(export_entries(source.entries(), "nonmem"))))
    assert tuple(rows[0]) == NONMEM_COLUMNS
    dose, dose2, pain, peg1, peg2, peg3, symptom, withdrawal = rows  # the note has no number
    assert (dose["EVID"], dose["MDV"], dose["CMT"], dose["AMT"]) == ("1", "1", "1", "2500")
    assert (dose["TIME"], dose["PRODUCT"], dose["KIND"]) == ("0.0000", "leaf-powder", "dose")
    assert (dose2["AMT"], dose2["TIME"]) == ("750", "1.5000")  # mg of product, hours since first
    assert (pain["EVID"], pain["MDV"], pain["CMT"], pain["DV"], pain["TIME"]) == (
        "0",
        "0",
        "2",
        "6",
        "2.0000",
    )
    assert [(r["KIND"], r["CMT"], r["DV"]) for r in (peg1, peg2, peg3)] == [
        ("peg_pain", "3", "6"),
        ("peg_enjoyment", "4", "5"),
        ("peg_activity", "5", "7"),
    ]
    assert (symptom["KIND"], symptom["CMT"], symptom["DV"]) == ("symptom:constipation", "7", "4")
    assert (withdrawal["CMT"], withdrawal["DV"], withdrawal["TIME"]) == ("6", "14", "24.0000")
    assert {(r["ID"], r["II"], r["ADDL"], r["SS"]) for r in rows} == {("1", "0", "0", "0")}
    assert withdrawal["DATETIME"] == "2026-11-21T08:00:00+00:00"


def test_nonmem_round_trip_keeps_every_number(source: Journal, target: Journal) -> None:
    import_text(target, export_entries(source.entries(), "nonmem"), "nonmem")
    got = [e.entry for e in target.entries()]
    want = [e for e in EVERY_KIND if not isinstance(e, NoteEntry)]
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        assert (a.kind, a.at) == (b.kind, b.at)
        if isinstance(a, DoseEntry) and isinstance(b, DoseEntry):
            assert (a.product, a.unit) == (b.product, "mg")
            assert a.amount_g == pytest.approx(b.amount_g, rel=1e-12)
        else:
            assert a == b


def test_guess_format() -> None:
    assert guess_format("x.json", "") == "json"
    assert guess_format("x.txt", "ID,TIME,AMT,EVID,CMT,DV\n") == "nonmem"
    assert guess_format("x.csv", "id,kind,at\n") == "csv"
    with pytest.raises(JournalError, match="format"):
        guess_format("x.bin", "binary")


def _csv(*rows: str, header: str = "kind,at,nrs,text") -> str:
    return "\n".join([header, *rows]) + "\n"


NONMEM_HEADER = ",".join(NONMEM_COLUMNS)
MALFORMED: dict[str, tuple[str, str, str]] = {
    "csv unknown column": (
        "csv",
        _csv("pain,2026-11-01 08:00,5,", header="kind,at,nrs,text,mood"),
        "unknown",
    ),
    "csv missing column": ("csv", "kind,nrs\npain,5\n", "missing"),
    "csv repeated column": ("csv", "kind,at,nrs,nrs\npain,2026-11-01 08:00,5,5\n", "repeated"),
    "csv bad value in row 3": (
        "csv",
        _csv("pain,2026-11-01 08:00,5,", "pain,2026-11-01 09:00,11,"),
        "Row 3: Invalid pain nrs: got '11'",
    ),
    "csv short row": ("csv", _csv("pain,2026-11-01 08:00,5,", "pain,2026-11-01 09:00"), "cell"),
    "csv stray cell": ("csv", _csv("pain,2026-11-01 08:00,5,hello"), "do not belong"),
    "csv unknown kind": ("csv", _csv("mood,2026-11-01 08:00,5,"), "Unknown entry kind"),
    "csv duplicate row": (
        "csv",
        _csv("pain,2026-11-01 08:00,5,", "note,2026-11-01 08:00,,hi", "pain,2026-11-01 08:00,5,"),
        "Entry 3: Duplicate of an entry in entry 1 of the file",
    ),
    "csv duplicate of journal": (
        "csv",
        _csv("pain,2026-11-02 08:00,4,", "pain,2026-11-20T10:00:00+00:00,6,"),
        "Duplicate of an entry in the journal",
    ),
    "csv future row": ("csv", _csv("pain,2099-01-01 08:00,5,"), "future"),
    "json not json": ("json", "{entries: [", "Not valid JSON"),
    "json not a list": ("json", '{"entries": 3}', "No list of entries"),
    "json foreign format": ("json", '{"format": "other", "entries": []}', "Unknown format"),
    "json bad entry 2": (
        "json",
        '[{"kind": "pain", "at": "2026-11-01T08:00", "nrs": 5},'
        ' {"kind": "peg", "at": "2026-11-01T08:00", "pain": 5, "enjoyment": 5}]',
        "Entry 2: Fields of a peg entry",
    ),
    "json missing time": ("json", '[{"kind": "pain", "nrs": 5}]', "Missing time"),
    "nonmem repeated doses": (
        "nonmem",
        f"{NONMEM_HEADER}\n1,0,2500,1,1,0,1,24,6,0,2026-11-01T08:00:00+00:00,dose,tea\n",
        "Repeated or steady-state doses",
    ),
    "nonmem cmt mismatch": (
        "nonmem",
        f"{NONMEM_HEADER}\n1,0,0,0,3,5,0,0,0,0,2026-11-01T08:00:00+00:00,pain,.\n",
        "EVID/CMT do not match KIND",
    ),
    "nonmem partial peg": (
        "nonmem",
        f"{NONMEM_HEADER}\n1,0,0,0,3,5,0,0,0,0,2026-11-01T08:00:00+00:00,peg_pain,.\n",
        "PEG-3 rows",
    ),
    "nonmem two ids": (
        "nonmem",
        f"{NONMEM_HEADER}\n1,0,0,0,2,5,0,0,0,0,2026-11-01T08:00:00+00:00,pain,.\n"
        "2,0,0,0,2,5,0,0,0,0,2026-11-01T09:00:00+00:00,pain,.\n",
        "More than one ID",
    ),
    "nonmem unknown product": (
        "nonmem",
        f"{NONMEM_HEADER}\n1,0,2500,1,1,0,1,0,0,0,2026-11-01T08:00:00+00:00,dose,gummies\n",
        "Unknown product",
    ),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_imports_are_rejected_whole(source: Journal, name: str) -> None:
    fmt, text, message = MALFORMED[name]
    before = fingerprint(source.path)
    with pytest.raises(JournalError, match=message) as err:
        import_text(source, text, fmt)  # type: ignore[arg-type]
    assert str(err.value).startswith("Import rejected, nothing was imported.")
    assert fingerprint(source.path) == before


def test_a_good_import_is_added_in_one_go(target: Journal) -> None:
    text = _csv("pain,2026-11-01 08:00,5,", "note,2026-11-01 09:00,,first day")
    assert len(parse_entries(text, "csv")) == 2
    assert import_text(target, text, "csv") == [1, 2]
    with pytest.raises(JournalError, match="Duplicate of an entry in the journal"):
        import_text(target, text, "csv")  # the same file twice adds nothing
    assert target.count() == 2
