"""The journal store: private files, WAL, STRICT tables, migrations, validation, undo, backup."""

from __future__ import annotations

import hashlib
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import platformdirs
import pytest

from kratomsim.errors import JournalError
from kratomsim.journal import (
    KINDS,
    NOTE_MAX_CHARS,
    DoseEntry,
    Journal,
    NoteEntry,
    PainEntry,
    PegEntry,
    SubstanceEntry,
    SymptomEntry,
    WithdrawalEntry,
    journal_path,
    make_entry,
    open_journal,
)
from kratomsim.journal.migrations import MIGRATIONS, SCHEMA_VERSION, migrate, statements


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with open_journal(tmp_path / "home" / "journal.sqlite3") as j:
        yield j


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def fingerprint(path: Path) -> tuple[int, str]:
    """Row count and a checksum of the whole database content."""
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        count = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
        digest = hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()
    return count, digest


def one_of_each(at: str = "2026-11-20 08:10") -> list[DoseEntry | PainEntry | PegEntry]:
    return [
        DoseEntry("leaf-powder", 2.5, "g", at),
        PainEntry(6, at),
        PegEntry(6, 5, 7, at),
    ]


# --- files, pragmas, schema --------------------------------------------------------------------


def test_new_journal_is_private_wal_and_current(tmp_path: Path) -> None:
    path = tmp_path / "new-home" / "journal.sqlite3"
    with open_journal(path) as j:
        j.add(PainEntry(4))
        assert j.pragmas() == {
            "journal_mode": "wal",
            "synchronous": 2,  # FULL
            "foreign_keys": 1,
            "busy_timeout": 10_000,
            "query_only": 0,
        }
        assert j.schema_version == SCHEMA_VERSION == len(MIGRATIONS)
        for side in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            assert side.exists() and mode(side) == 0o600, side
    assert mode(path.parent) == 0o700


def test_tables_are_strict(journal: Journal) -> None:
    conn = sqlite3.connect(journal.path)
    try:
        strict = dict(conn.execute("SELECT name, strict FROM pragma_table_list").fetchall())
        assert strict["entries"] == strict["deletions"] == 1
        with pytest.raises(sqlite3.IntegrityError, match="cannot store TEXT value in INTEGER"):
            conn.execute("INSERT INTO deletions (entry_id, deleted_at) VALUES ('one', 'x')")
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            conn.execute(
                "INSERT INTO entries (kind, at, data, created_at) VALUES ('mood', 'x', '{}', 'x')"
            )
    finally:
        conn.close()


def test_kind_check_in_schema_matches_the_entry_kinds(journal: Journal) -> None:
    conn = sqlite3.connect(journal.path)
    try:
        (schema,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'entries'").fetchone()
    finally:
        conn.close()
    check = schema[schema.index("CHECK (kind IN") :].split(")")[0]
    assert sorted(k.strip(" '") for k in check.split("(")[-1].split(",")) == sorted(KINDS)


def test_migrates_a_version_2_journal_keeping_ids_and_the_undo_stack(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    assert migrate(conn, target=2) == 2
    conn.executemany(
        "INSERT INTO entries (id, kind, at, data, created_at) VALUES (?, ?, ?, ?, ?)",
        [
            (5, "pain", "2026-11-01T08:00:00+00:00", '{"nrs": 7}', "2026-11-03T00:00:00+00:00"),
            (9, "note", "2026-11-01T09:00:00+00:00", '{"text": "x"}', "2026-11-03T00:00:00+00:00"),
        ],
    )
    conn.execute("UPDATE entries SET deleted_at = '2026-11-04T00:00:00+00:00' WHERE id = 9")
    conn.execute(
        "INSERT INTO deletions (entry_id, deleted_at) VALUES (9, '2026-11-04T00:00:00+00:00')"
    )
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        conn.execute(
            "INSERT INTO entries (kind, at, data, created_at) VALUES ('substance', 'x', '{}', 'x')"
        )
    conn.close()
    with open_journal(path) as j:
        assert j.schema_version == SCHEMA_VERSION == 3
        assert [(e.id, e.data) for e in j.entries()] == [(5, {"nrs": 7})]
        assert j.undo_delete().id == 9  # the stack survived the rebuild
        new = j.add(SubstanceEntry("alcohol", 2, "drink", "2026-11-05 20:00"))
        assert new == 10 and j.get(new).data == {"name": "ethanol", "amount": 2.0, "unit": "drink"}
        assert j.integrity_check() == "ok"
        # the undo stack still points at the rebuilt table: deleting cascades correctly
        j.delete(5)
        assert j.undo_delete().id == 5
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert {"entries", "deletions", "favourites", "entries_by_time"} <= names
        assert not any(n.endswith("_v3") for n in names)
    finally:
        conn.close()


def test_statement_splitter_keeps_semicolons_inside_strings() -> None:
    got = list(statements("CREATE TABLE t (a TEXT DEFAULT 'x;y');\nINSERT INTO t VALUES ('1;2');"))
    assert got == ["CREATE TABLE t (a TEXT DEFAULT 'x;y');", "INSERT INTO t VALUES ('1;2');"]


def test_migrates_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    path.touch()
    with open_journal(path) as j:
        assert j.schema_version == SCHEMA_VERSION
        assert j.entries() == []


def test_migrates_a_version_1_journal_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, target=1) == 1
    rows = [
        ("pain", "2026-11-01T08:00:00+00:00", '{"nrs": 7}', None),
        (
            "dose",
            "2026-11-01T09:00:00+00:00",
            '{"product": "tea", "amount": 3.0, "unit": "g"}',
            None,
        ),
        ("note", "2026-11-02T09:00:00+00:00", '{"text": "old note"}', "2026-11-03T10:00:00+00:00"),
    ]
    conn.executemany(
        "INSERT INTO entries (kind, at, data, created_at, deleted_at) VALUES (?, ?, ?, ?, ?)",
        [(k, at, d, "2026-11-03T00:00:00+00:00", deleted) for k, at, d, deleted in rows],
    )
    conn.close()
    with open_journal(path) as j:
        assert j.schema_version == SCHEMA_VERSION
        live = j.entries()
        assert [(e.kind, e.data) for e in live] == [
            ("pain", {"nrs": 7}),
            ("dose", {"product": "tea", "amount": 3.0, "unit": "g"}),
        ]
        assert live[0].entry == PainEntry(7, "2026-11-01T08:00:00+00:00")
        assert live[0].updated_at is None
        # The entry deleted under version 1 joined the undo stack.
        restored = j.undo_delete()
        assert restored.data == {"text": "old note"} and restored.deleted_at is None
        assert j.count() == 3


def test_refuses_a_newer_schema_and_a_non_database(tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite3"
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(JournalError, match=r"newer kratomsim.*99"):
        open_journal(newer)
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database at all, just text" * 50)
    with pytest.raises(JournalError, match="Not a usable journal file"):
        open_journal(garbage)


def test_location_follows_kratomsim_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KRATOMSIM_HOME", str(tmp_path / "kh"))
    assert journal_path() == tmp_path / "kh" / "journal.sqlite3"
    with open_journal() as j:
        assert j.path == tmp_path / "kh" / "journal.sqlite3"
    monkeypatch.delenv("KRATOMSIM_HOME")
    assert journal_path() == Path(platformdirs.user_data_dir("kratomsim")) / "journal.sqlite3"


# --- entries and validation --------------------------------------------------------------------


def test_add_list_and_get_every_kind(journal: Journal) -> None:
    entries = [
        *one_of_each("2026-11-20 08:10"),
        SymptomEntry("Diarrhea", 3, "2026-11-20 09:00"),
        WithdrawalEntry(14, "2026-11-20 10:00"),
        NoteEntry("  slept badly  ", "2026-11-20 11:00"),
        DoseEntry("tea", 500, "mg", "2026-11-20 12:00", mg_per_g=12.5),
    ]
    ids = [journal.add(e) for e in entries]
    assert ids == [1, 2, 3, 4, 5, 6, 7]
    stored = journal.entries()
    assert [s.kind for s in stored] == [
        "dose",
        "pain",
        "peg",
        "symptom",
        "withdrawal",
        "note",
        "dose",
    ]
    assert [s.entry for s in stored] == entries
    assert stored[3].data == {"name": "diarrhoea", "severity": 3}
    assert stored[5].data == {"text": "slept badly"}
    assert stored[6].data == {"product": "tea", "amount": 500.0, "unit": "mg", "mg_per_g": 12.5}
    assert stored[6].entry.amount_g == pytest.approx(0.5)  # type: ignore[union-attr]
    assert journal.get(3).entry.score == pytest.approx(6.0)  # type: ignore[union-attr]
    assert journal.entries(kinds=["pain", "peg"]) == stored[1:3]
    assert journal.entries(since="2026-11-20 09:30", until="2026-11-20 11:00") == stored[4:6]


def test_times_without_zone_are_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert PainEntry(3, "2026-01-15 08:10").at == datetime(2026, 1, 15, 13, 10, tzinfo=UTC)
        assert PainEntry(3, "2026-07-15 08:10").at == datetime(2026, 7, 15, 12, 10, tzinfo=UTC)
        assert PainEntry(3, "2026-01-15T08:10+01:00").at == datetime(2026, 1, 15, 7, 10, tzinfo=UTC)
    finally:
        monkeypatch.undo()
        time.tzset()


BAD_ENTRIES: dict[str, tuple[Callable[[], object], str]] = {
    "pain above 10": (lambda: PainEntry(11), "pain nrs: got 11"),
    "pain negative": (lambda: PainEntry(-1), "pain nrs: got -1"),
    "pain fractional": (lambda: PainEntry(6.5), "valid integer"),  # type: ignore[arg-type]
    "peg item": (lambda: PegEntry(6, 11, 7), "PEG-3 enjoyment: got 11"),
    "symptom unknown": (lambda: SymptomEntry("nausia", 2), "Did you mean 'nausea'"),
    "symptom severity": (lambda: SymptomEntry("nausea", 12), "symptom severity: got 12"),
    "sows above 64": (lambda: WithdrawalEntry(65), "withdrawal sows: got 65"),
    "unknown product": (lambda: DoseEntry("kratom gummies", 1, "g"), "Unknown product"),
    "zero amount": (lambda: DoseEntry("tea", 0, "g"), "dose amount: got 0"),
    "nan amount": (lambda: DoseEntry("tea", float("nan"), "g"), "dose amount"),
    "bad unit": (lambda: DoseEntry("tea", 2, "kg"), "dose unit: got 'kg'"),
    "mg per g above 1000": (lambda: DoseEntry("tea", 2, "g", mg_per_g=1500), "mg_per_g"),
    "future": (
        lambda: PainEntry(3, datetime.now(UTC) + timedelta(hours=25)),
        "more than a day in the future",
    ),
    "not a time": (lambda: PainEntry(3, "yesterday"), "pain time: got 'yesterday'"),
    "empty note": (lambda: NoteEntry("   "), "needs some text"),
    "oversized note": (lambda: NoteEntry("x" * (NOTE_MAX_CHARS + 1)), "at most 2000"),
    "unknown kind": (lambda: make_entry("mood", None, {"score": 3}), "Unknown entry kind"),
    "missing field": (lambda: make_entry("peg", None, {"pain": 3}), "missing"),
    "extra field": (lambda: make_entry("pain", None, {"nrs": 3, "x": 1}), "unexpected"),
}


@pytest.mark.parametrize("name", list(BAD_ENTRIES))
def test_invalid_entries_raise_and_leave_the_journal_unchanged(journal: Journal, name: str) -> None:
    journal.add_many(one_of_each())
    before = fingerprint(journal.path)
    build, message = BAD_ENTRIES[name]
    with pytest.raises(JournalError, match=message) as err:
        journal.add(build())  # type: ignore[arg-type]
    assert ": got " in str(err.value)  # what, value, fix
    assert fingerprint(journal.path) == before


def test_a_day_ahead_is_allowed(journal: Journal) -> None:
    soon = datetime.now(UTC) + timedelta(hours=23)
    assert journal.get(journal.add(PainEntry(3, soon))).at == soon.replace(microsecond=0)


def test_failed_operations_leave_the_journal_unchanged(journal: Journal) -> None:
    journal.add_many(one_of_each())
    before = fingerprint(journal.path)
    failing: list[tuple[Callable[[], object], str]] = [
        (lambda: journal.edit(2, PegEntry(1, 1, 1)), "Cannot change an entry's kind"),
        (lambda: journal.edit(99, PainEntry(1)), "No journal entry with this id: got 99"),
        (lambda: journal.delete(99), "No journal entry"),
        (lambda: journal.undo_delete(), "Nothing to undo"),
        (lambda: journal.undo_delete(2), "not deleted"),
        (lambda: journal.get(99), "No journal entry"),
        (lambda: journal.entries(kinds=["mood"]), "Unknown entry kind"),
    ]
    for call, message in failing:
        with pytest.raises(JournalError, match=message):
            call()
    assert fingerprint(journal.path) == before


def test_values_never_reach_sql_as_text(journal: Journal) -> None:
    text = "'); DROP TABLE entries; -- \" ; SELECT 1"
    entry_id = journal.add(NoteEntry(text))
    assert journal.get(entry_id).data["text"] == text.strip()
    assert journal.count() == 1


# --- edit, delete, undo --------------------------------------------------------------------------


def test_edit_revalidates_and_dates_the_change(journal: Journal) -> None:
    entry_id = journal.add(PainEntry(6, "2026-11-20 08:10"))
    edited = journal.edit(entry_id, PainEntry(4, "2026-11-20 08:15"))
    assert edited.data == {"nrs": 4} and edited.at.minute == 15
    assert edited.updated_at is not None and edited.created_at <= edited.updated_at


def test_delete_and_undo_in_reverse_order(journal: Journal) -> None:
    a, b, c = journal.add_many(one_of_each())
    journal.delete(a)
    journal.delete(c)
    assert [e.id for e in journal.entries()] == [b]
    assert {e.id for e in journal.entries(include_deleted=True)} == {a, b, c}
    with pytest.raises(JournalError, match="already deleted"):
        journal.delete(a)
    with pytest.raises(JournalError, match="deleted"):
        journal.edit(a, DoseEntry("tea", 1, "g"))
    assert journal.get(a, include_deleted=True).deleted_at is not None
    assert journal.undo_delete().id == c  # the last delete first
    assert journal.undo_delete().id == a
    with pytest.raises(JournalError, match="Nothing to undo"):
        journal.undo_delete()
    journal.delete(b)
    journal.delete(a)
    assert journal.undo_delete(b).id == b  # a named one
    assert [e.id for e in journal.entries()] == [b, c]


# --- backup, read-only, lifecycle, threads -----------------------------------------------------


def test_backup_is_private_complete_and_readable(journal: Journal, tmp_path: Path) -> None:
    journal.add_many(one_of_each())
    journal.delete(2)
    dest = journal.backup(tmp_path / "backup.sqlite3")
    assert mode(dest) == 0o600
    assert not Path(f"{dest}-wal").exists()
    with open_journal(dest, readonly=True) as copy:
        assert copy.integrity_check() == "ok"
        assert copy.entries(include_deleted=True) == journal.entries(include_deleted=True)
    with pytest.raises(JournalError, match="already exists"):
        journal.backup(dest)


def test_read_only_journal_reads_and_refuses_writes(journal: Journal, tmp_path: Path) -> None:
    journal.add(PainEntry(5))
    with open_journal(journal.path, readonly=True) as reader:
        assert reader.pragmas()["query_only"] == 1
        assert [e.data for e in reader.entries()] == [{"nrs": 5}]
        journal.add(PainEntry(6))  # a writer commits while the reader is open
        assert reader.count() == 2
        with pytest.raises(JournalError, match="read-only"):
            reader.add(PainEntry(1))
    with pytest.raises(JournalError, match="No journal file"):
        open_journal(tmp_path / "missing.sqlite3", readonly=True)


def test_close_is_idempotent_and_use_after_close_raises(tmp_path: Path) -> None:
    j = open_journal(tmp_path / "j.sqlite3")
    j.close()
    j.close()
    assert j.closed
    with pytest.raises(JournalError, match="closed"):
        j.entries()
    with pytest.raises(JournalError, match="closed"):
        j.add(PainEntry(1))


def test_one_journal_shared_by_threads(journal: Journal) -> None:
    def write(k: int) -> None:
        for i in range(25):
            journal.add(NoteEntry(f"thread {k} note {i}"))

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    texts = sorted(e.data["text"] for e in journal.entries())
    assert texts == sorted(f"thread {k} note {i}" for k in range(4) for i in range(25))


def test_two_connections_write_without_losing_entries(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    with open_journal(path) as first, open_journal(path) as second:
        for i in range(20):
            first.add(PainEntry(i % 11))
            second.add(NoteEntry(f"n{i}"))
        assert first.count() == second.count() == 40
