"""The journal store: one SQLite file per person, private, durable and crash-safe.

* Location: ``$KRATOMSIM_HOME/journal.sqlite3`` if that variable names a directory, else the
  platform's user data directory (``platformdirs.user_data_dir("kratomsim")``).
* Privacy: the file (and SQLite's ``-wal``/``-shm`` side files) is mode 0600 and a directory the
  store creates is 0700: a journal holds health data.
* Durability: WAL with ``synchronous=FULL``, so an entry whose ``add`` returned survives a killed
  process and a power cut (``tests/journal/test_kill.py`` kills writers at random points).
* One writer at a time: every write runs in ``BEGIN IMMEDIATE … COMMIT`` and waits up to
  :data:`BUSY_TIMEOUT_S` for another writer. Readers open the file with ``mode=ro``.
* All SQL is parameterised; no value is ever formatted into a statement.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import platformdirs

from kratomsim.errors import JournalError, bad_value
from kratomsim.journal.entries import (
    DoseEntry,
    Entry,
    StoredEntry,
    check_kind,
    iso,
    make_entry,
    now_utc,
    to_utc,
)
from kratomsim.journal.migrations import SCHEMA_VERSION, migrate, user_version

if TYPE_CHECKING:
    import pandas as pd

JOURNAL_FILE = "journal.sqlite3"
HOME_ENV = "KRATOMSIM_HOME"
#: How long a write waits for another writer before giving up (seconds).
BUSY_TIMEOUT_S = 10.0
_COLUMNS = "id, kind, at, data, created_at, updated_at, deleted_at"


def journal_path() -> Path:
    """Where the journal lives: ``$KRATOMSIM_HOME/journal.sqlite3`` or the user data dir."""
    home = os.environ.get(HOME_ENV, "").strip()
    base = Path(home).expanduser() if home else Path(platformdirs.user_data_dir("kratomsim"))
    return base / JOURNAL_FILE


def _restrict(path: Path) -> None:
    """Make the database and its side files private (0600) where the owner allows it."""
    for side in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            if side.stat().st_mode & 0o777 != 0o600:
                side.chmod(0o600)


def _create_private(path: Path) -> None:
    """Create ``path`` (and a missing directory, 0700) as an empty 0600 file, if absent."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _connect(path: Path, readonly: bool) -> sqlite3.Connection:
    if readonly:
        if not path.is_file():
            raise JournalError(
                bad_value(
                    "No journal file",
                    str(path),
                    "Add an entry first, or give the path of an existing journal.",
                )
            )
        target, uri = f"{path.resolve().as_uri()}?mode=ro", True
    else:
        _create_private(path)
        target, uri = str(path), False
    conn = sqlite3.connect(
        target, uri=uri, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
    )
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        if readonly:
            conn.execute("PRAGMA query_only = ON")
            version = user_version(conn)
            if version != SCHEMA_VERSION:
                raise JournalError(
                    bad_value(
                        "The journal's schema version differs from this kratomsim's",
                        version,
                        f"Open it once for writing to migrate it to version {SCHEMA_VERSION}.",
                    )
                )
        else:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            migrate(conn)
            _restrict(path)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise JournalError(
            bad_value("Not a usable journal file", str(path), f"SQLite says: {exc}.")
        ) from None
    except BaseException:
        conn.close()
        raise
    return conn


def _row(row: tuple[Any, ...]) -> StoredEntry:
    def when(text: str | None) -> datetime | None:
        return None if text is None else datetime.fromisoformat(text)

    created = datetime.fromisoformat(row[4])
    return StoredEntry(
        id=row[0],
        kind=row[1],
        at=datetime.fromisoformat(row[2]),
        data=json.loads(row[3]),
        created_at=created,
        updated_at=when(row[5]),
        deleted_at=when(row[6]),
    )


def _dumps(entry: Entry) -> str:
    return json.dumps(entry.data(), sort_keys=True, allow_nan=False, ensure_ascii=False)


def _bound(name: str, value: datetime | str | None) -> str | None:
    """A time bound of a query as stored text (a naive time is local)."""
    if value is None:
        return None
    try:
        return iso(to_utc(value))
    except ValueError as exc:
        raise JournalError(bad_value(f"Cannot read the time '{name}'", value, str(exc))) from None


#: The WHERE clause of a filtered query: ?1 since, ?2 until, ?3 kinds (JSON list), ?4 deleted too.
_FILTER = (
    "(?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR at <= ?2)"
    " AND (?3 IS NULL OR kind IN (SELECT value FROM json_each(?3)))"
    " AND (?4 OR deleted_at IS NULL)"
)
#: Longest label of a favourite dose (characters).
FAVOURITE_LABEL_MAX = 80


def _filter_params(
    since: datetime | str | None,
    until: datetime | str | None,
    kinds: Iterable[str] | None,
    include_deleted: bool,
) -> tuple[str | int | None, ...]:
    kind_list = None if kinds is None else [check_kind(k).kind for k in kinds]
    return (
        _bound("since", since),
        _bound("until", until),
        None if kind_list is None else json.dumps(kind_list),
        int(include_deleted),
    )


@dataclass(frozen=True)
class Favourite:
    """A saved dose: its label and the fields of a dose entry (product, amount, unit, …)."""

    id: int
    label: str
    data: dict[str, Any]

    def entry(self, at: datetime | str | None = None) -> DoseEntry:
        """A new dose entry with these fields at ``at`` (default: now)."""
        entry = make_entry("dose", at, self.data)
        assert isinstance(entry, DoseEntry)
        return entry


def describe_dose(data: dict[str, Any]) -> str:
    """A dose's fields in words: '2.5 g of tea', '2 tsp (2.5 g each) of leaf-powder'."""
    unit = str(data.get("unit", "g"))
    amount = f"{float(data['amount']):g}"
    if unit == "tablet":
        each = f" ({float(data['oh7_mg_per_unit']):g} mg 7-OH each)"
    elif "g_per_unit" in data:
        each = f" ({float(data['g_per_unit']):g} g each)"
    else:
        each = ""
    return f"{amount} {unit}{each} of {data['product']}"


def _missing(entry_id: int) -> JournalError:
    fix = "List the journal's entries to see their ids."
    return JournalError(bad_value("No journal entry with this id", entry_id, fix))


class Journal:
    """A journal file opened for reading and writing (or read-only).

    One object may be shared by threads: its operations are serialised by a lock. Several
    processes may open the same file; SQLite lets one write at a time. Use it as a context
    manager or call :meth:`close` (idempotent).
    """

    def __init__(self, path: Path | str, *, readonly: bool = False) -> None:
        path = Path(path)
        self.path = path
        self.readonly = readonly
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = _connect(path, readonly)

    # --- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        """Close the file. Calling it again does nothing; using the journal after it raises."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    @property
    def closed(self) -> bool:
        return self._conn is None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _live(self) -> sqlite3.Connection:
        if self._conn is None:
            raise JournalError(
                bad_value(
                    "The journal is closed", str(self.path), "Open it again with open_journal()."
                )
            )
        return self._conn

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: ``BEGIN IMMEDIATE`` takes the write lock up front."""
        if self.readonly:
            raise JournalError(
                bad_value(
                    "The journal is open read-only", str(self.path), "Open it with readonly=False."
                )
            )
        with self._lock:
            conn = self._live()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise JournalError(
                    bad_value(
                        "The journal is busy (another program is writing)",
                        str(exc),
                        "Try again in a moment.",
                    )
                ) from None
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._live().execute(sql, params).fetchall()

    # --- writing ---------------------------------------------------------------------------

    def add(self, entry: Entry) -> int:
        """Store one validated entry; return its id once it is committed to disk."""
        return self.add_many([entry])[0]

    def add_many(self, entries: Iterable[Entry]) -> list[int]:
        """Store several entries in one transaction: all of them or, on any error, none."""
        rows = [(e.kind, iso(e.at), _dumps(e)) for e in entries]
        created = iso(now_utc())
        ids: list[int] = []
        with self._write() as conn:
            for kind, at, data in rows:
                cur = conn.execute(
                    "INSERT INTO entries (kind, at, data, created_at) VALUES (?, ?, ?, ?)",
                    (kind, at, data, created),
                )
                ids.append(int(cur.lastrowid or 0))
        return ids

    def edit(self, entry_id: int, entry: Entry) -> StoredEntry:
        """Replace the time and fields of an entry with a new, validated entry of the same kind."""
        with self._write() as conn:
            row = conn.execute(
                "SELECT kind, deleted_at FROM entries WHERE id = ?", (entry_id,)
            ).fetchone()
            if row is None:
                raise _missing(entry_id)
            if row[1] is not None:
                fix = "Restore it first (undo its deletion)."
                raise JournalError(bad_value("That entry is deleted", entry_id, fix))
            if row[0] != entry.kind:
                fix = f"An edit keeps the kind ({row[0]}); delete the entry and add a new one."
                raise JournalError(bad_value("Cannot change an entry's kind", entry.kind, fix))
            conn.execute(
                "UPDATE entries SET at = ?, data = ?, updated_at = ? WHERE id = ?",
                (iso(entry.at), _dumps(entry), iso(now_utc()), entry_id),
            )
        return self.get(entry_id)

    def delete(self, entry_id: int) -> StoredEntry:
        """Mark an entry deleted (it stays on disk); :meth:`undo_delete` restores it."""
        now = iso(now_utc())
        with self._write() as conn:
            row = conn.execute(
                "SELECT deleted_at FROM entries WHERE id = ?", (entry_id,)
            ).fetchone()
            if row is None:
                raise _missing(entry_id)
            if row[0] is not None:
                fix = "It can be restored (undo its deletion)."
                raise JournalError(bad_value("That entry is already deleted", entry_id, fix))
            conn.execute("UPDATE entries SET deleted_at = ? WHERE id = ?", (now, entry_id))
            conn.execute(
                "INSERT INTO deletions (entry_id, deleted_at) VALUES (?, ?)", (entry_id, now)
            )
        return self.get(entry_id, include_deleted=True)

    def undo_delete(self, entry_id: int | None = None) -> StoredEntry:
        """Restore the most recently deleted entry, or the deleted entry ``entry_id``."""
        with self._write() as conn:
            if entry_id is None:
                row = conn.execute(
                    "SELECT entry_id FROM deletions ORDER BY seq DESC LIMIT 1"
                ).fetchone()
                if row is None:
                    raise JournalError(
                        bad_value("Nothing to undo", "no deleted entries", "Delete an entry first.")
                    )
                entry_id = int(row[0])
            elif (
                conn.execute("SELECT 1 FROM deletions WHERE entry_id = ?", (entry_id,)).fetchone()
                is None
            ):
                fix = "Only deleted entries can be restored; find them with include_deleted=True."
                raise JournalError(bad_value("That entry is not deleted", entry_id, fix))
            conn.execute("UPDATE entries SET deleted_at = NULL WHERE id = ?", (entry_id,))
            conn.execute("DELETE FROM deletions WHERE entry_id = ?", (entry_id,))
        return self.get(entry_id)

    # --- reading ---------------------------------------------------------------------------

    def get(self, entry_id: int, *, include_deleted: bool = False) -> StoredEntry:
        """One entry by id; a deleted entry only with ``include_deleted``."""
        rows = self._read(f"SELECT {_COLUMNS} FROM entries WHERE id = ?", (entry_id,))
        if not rows or (rows[0][6] is not None and not include_deleted):
            raise _missing(entry_id)
        return _row(rows[0])

    def to_frame(
        self,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        kinds: Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """The entries (as :meth:`entries` selects them) as a table: ``id``, ``kind``, ``at``
        (UTC), ``created_at``, ``updated_at``, ``deleted_at``, then one column per field."""
        import pandas as pd  # loaded here: adding an entry needs no numerical library

        rows = [e.to_dict() for e in self.entries(since, until, kinds)]
        frame = pd.DataFrame(rows)
        for column in ("at", "created_at"):
            if column in frame:
                frame[column] = pd.to_datetime(frame[column], utc=True)
        return frame

    def __repr__(self) -> str:
        state = "closed" if self.closed else ("read-only" if self.readonly else "open")
        return f"Journal({str(self.path)!r}, {state})"

    def _repr_html_(self) -> str:
        from kratomsim.models.display import html_table

        if self.closed:
            return html_table(f"Journal {self.path} (closed)", ("kind", "entries"), [])
        kinds = [e.kind for e in self.entries()]
        counts = {k: kinds.count(k) for k in dict.fromkeys(kinds)}
        return html_table(f"Journal {self.path}", ("kind", "entries"), counts.items())

    def entries(
        self,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        kinds: Iterable[str] | None = None,
        include_deleted: bool = False,
        *,
        newest_first: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[StoredEntry]:
        """Entries with ``since <= at <= until`` of the given kinds, oldest first.

        ``newest_first`` reverses the order; ``limit`` and ``offset`` give one page of it (the
        index on time makes a page of a long journal as quick as a short one).
        """
        if (limit is not None and limit < 0) or offset < 0:
            raise JournalError(
                bad_value(
                    "A page needs limit, offset >= 0", (limit, offset), "Give whole numbers >= 0."
                )
            )
        order = "DESC" if newest_first else "ASC"  # one of two fixed words, never input
        rows = self._read(
            f"SELECT {_COLUMNS} FROM entries WHERE {_FILTER}"
            f" ORDER BY at {order}, id {order} LIMIT ?5 OFFSET ?6",
            (*_filter_params(since, until, kinds, include_deleted), limit or -1, offset),
        )
        return [_row(r) for r in rows]

    def count(
        self,
        *,
        include_deleted: bool = False,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        kinds: Iterable[str] | None = None,
    ) -> int:
        """How many entries the journal holds (between ``since`` and ``until``, of ``kinds``)."""
        rows = self._read(
            f"SELECT count(*) FROM entries WHERE {_FILTER}",
            _filter_params(since, until, kinds, include_deleted),
        )
        return int(rows[0][0])

    def last(self, kind: str) -> StoredEntry | None:
        """The most recent live entry of ``kind`` (the dose to repeat), or None."""
        found = self.entries(kinds=[kind], newest_first=True, limit=1)
        return found[0] if found else None

    # --- favourite doses -------------------------------------------------------------------

    def favourites(self) -> list[Favourite]:
        """Saved favourite doses, in the order they were saved."""
        rows = self._read("SELECT id, label, data FROM favourites ORDER BY id")
        return [Favourite(int(r[0]), str(r[1]), json.loads(r[2])) for r in rows]

    def add_favourite(self, entry: DoseEntry, label: str = "") -> int:
        """Save the fields of a validated dose (not its time) as a favourite; return its id."""
        text = " ".join(label.split())[:FAVOURITE_LABEL_MAX] or describe_dose(entry.data())
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO favourites (label, data, created_at) VALUES (?, ?, ?)",
                (text, _dumps(entry), iso(now_utc())),
            )
        return int(cur.lastrowid or 0)

    def favourite(self, favourite_id: int) -> Favourite:
        """One favourite by id."""
        for fav in self.favourites():
            if fav.id == favourite_id:
                return fav
        fix = "Choose one of the saved favourites."
        raise JournalError(bad_value("No favourite dose with this id", favourite_id, fix))

    def delete_favourite(self, favourite_id: int) -> None:
        """Forget a favourite dose (entries logged from it stay)."""
        with self._write() as conn:
            cur = conn.execute("DELETE FROM favourites WHERE id = ?", (favourite_id,))
            if cur.rowcount == 0:
                fix = "Choose one of the saved favourites."
                raise JournalError(bad_value("No favourite dose with this id", favourite_id, fix))

    @property
    def schema_version(self) -> int:
        with self._lock:
            return user_version(self._live())

    def pragmas(self) -> dict[str, object]:
        """This connection's safety settings: journal_mode, synchronous, foreign_keys, …"""
        names = ("journal_mode", "synchronous", "foreign_keys", "busy_timeout", "query_only")
        with self._lock:
            conn = self._live()
            # Fixed names from the tuple above, never input: PRAGMA takes no parameters.
            return {n: conn.execute(f"PRAGMA {n}").fetchone()[0] for n in names}

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check``: ``'ok'`` for a sound file."""
        return "; ".join(str(r[0]) for r in self._read("PRAGMA integrity_check"))

    # --- copies ----------------------------------------------------------------------------

    def backup(self, dest: Path | str) -> Path:
        """Copy the journal, consistently, to a new private (0600) file with SQLite's backup API.

        The copy is a self-contained rollback-journal database (no ``-wal`` file needed) that
        :func:`open_journal` reads like the original. An existing file is never overwritten.
        """
        target = Path(dest)
        if target.exists():
            fix = "Choose a new file name; a backup never overwrites a file."
            raise JournalError(bad_value("The backup file already exists", str(target), fix))
        _create_private(target)
        try:
            copy = sqlite3.connect(target, isolation_level=None)
            try:
                with self._lock:
                    self._live().backup(copy)
                copy.execute("PRAGMA journal_mode = DELETE")
            finally:
                copy.close()
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        _restrict(target)
        return target


def open_journal(path: Path | str | None = None, *, readonly: bool = False) -> Journal:
    """Open (creating and migrating if needed) the journal at ``path`` or :func:`journal_path`.

    ``readonly=True`` opens an existing, current journal with ``mode=ro`` and refuses writes.
    """
    return Journal(Path(path) if path is not None else journal_path(), readonly=readonly)
