"""Numbered schema migrations of the journal, tracked in ``PRAGMA user_version``.

Migration *n* (1-based) is ``MIGRATIONS[n - 1]``; a database at version *v* gets migrations
*v+1* … :data:`SCHEMA_VERSION`, each in its own ``BEGIN IMMEDIATE`` transaction together with
its ``user_version`` bump, so a crash leaves the file at one version or the next, never between.
Migrations are only ever appended: a shipped migration is never edited.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from kratomsim.errors import JournalError, bad_value

MIGRATIONS: tuple[str, ...] = (
    # 1: one table for every kind; the fields of an entry are a JSON object (validated in Python
    # before insert, and by StoredEntry.entry on the way out). Soft delete via deleted_at.
    """
    CREATE TABLE entries (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL
            CHECK (kind IN ('dose', 'pain', 'peg', 'symptom', 'withdrawal', 'note')),
        at TEXT NOT NULL,
        data TEXT NOT NULL CHECK (json_valid(data) AND json_type(data) = 'object'),
        created_at TEXT NOT NULL,
        deleted_at TEXT
    ) STRICT;
    CREATE INDEX entries_by_time ON entries (at, id);
    """,
    # 2: edits are dated, and deletions form an undo stack (newest seq is undone first).
    # Entries deleted under version 1 join the stack in the order they were deleted.
    """
    ALTER TABLE entries ADD COLUMN updated_at TEXT;
    CREATE TABLE deletions (
        seq INTEGER PRIMARY KEY,
        entry_id INTEGER NOT NULL UNIQUE REFERENCES entries (id) ON DELETE CASCADE,
        deleted_at TEXT NOT NULL
    ) STRICT;
    INSERT INTO deletions (entry_id, deleted_at)
        SELECT id, deleted_at FROM entries WHERE deleted_at IS NOT NULL ORDER BY deleted_at, id;
    """,
    # 3: a new kind, 'substance' (alcohol, benzodiazepines, opioids, ... taken besides kratom), and
    # favourite doses. SQLite cannot change a CHECK constraint, so the entries table is rebuilt:
    # copied into a new table (ids kept), the undo stack moved over to point at it, the old
    # tables dropped and the new ones renamed (renaming rewrites the foreign key).
    """
    CREATE TABLE entries_v3 (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL
            CHECK (kind IN ('dose', 'pain', 'peg', 'symptom', 'withdrawal', 'substance', 'note')),
        at TEXT NOT NULL,
        data TEXT NOT NULL CHECK (json_valid(data) AND json_type(data) = 'object'),
        created_at TEXT NOT NULL,
        deleted_at TEXT,
        updated_at TEXT
    ) STRICT;
    INSERT INTO entries_v3 (id, kind, at, data, created_at, deleted_at, updated_at)
        SELECT id, kind, at, data, created_at, deleted_at, updated_at FROM entries;
    CREATE TABLE deletions_v3 (
        seq INTEGER PRIMARY KEY,
        entry_id INTEGER NOT NULL UNIQUE REFERENCES entries_v3 (id) ON DELETE CASCADE,
        deleted_at TEXT NOT NULL
    ) STRICT;
    INSERT INTO deletions_v3 (seq, entry_id, deleted_at)
        SELECT seq, entry_id, deleted_at FROM deletions;
    DROP TABLE deletions;
    DROP TABLE entries;
    ALTER TABLE entries_v3 RENAME TO entries;
    ALTER TABLE deletions_v3 RENAME TO deletions;
    CREATE INDEX entries_by_time ON entries (at, id);
    CREATE TABLE favourites (
        id INTEGER PRIMARY KEY,
        label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 80),
        data TEXT NOT NULL CHECK (json_valid(data) AND json_type(data) = 'object'),
        created_at TEXT NOT NULL
    ) STRICT;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def statements(script: str) -> Iterator[str]:
    """Split a migration script into complete SQL statements (sqlite3 decides completeness)."""
    pending = ""
    for part in script.split(";"):
        pending += part + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\r\n;"):
                yield pending.strip()
            pending = ""
    if pending.strip(" \t\r\n;"):
        raise ValueError(f"Incomplete SQL statement in a migration: {pending.strip()!r}")


def user_version(conn: sqlite3.Connection) -> int:
    """The schema version stored in the database header."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the database up to ``target``; return the version reached.

    ``conn`` must be in autocommit mode (``isolation_level=None``). Safe when several processes
    open the same new file at once: each migration re-reads the version under the write lock.
    """
    if not 0 <= target <= SCHEMA_VERSION:
        raise ValueError(f"No schema version {target}; the newest is {SCHEMA_VERSION}.")
    found = user_version(conn)
    if found > SCHEMA_VERSION:
        raise JournalError(
            bad_value(
                "The journal was written by a newer kratomsim (schema version)",
                found,
                f"This version reads schema {SCHEMA_VERSION}; upgrade kratomsim.",
            )
        )
    for number in range(found + 1, target + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            if user_version(conn) < number:
                for statement in statements(MIGRATIONS[number - 1]):
                    conn.execute(statement)
                # PRAGMA takes no parameters; ``number`` is an int from this module, not input.
                conn.execute(f"PRAGMA user_version = {int(number)}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return user_version(conn)
