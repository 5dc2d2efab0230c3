"""The personal journal: doses, pain ratings, symptoms, other substances and notes, in a private SQLite file.

The stable API (used by the CLI and the web app)::

    with open_journal() as journal:                 # or open_journal(path, readonly=True)
        entry_id = journal.add(PainEntry(6, "2026-11-20 08:10"))
        journal.entries(since="2026-11-01", kinds=["pain", "dose"])
        journal.edit(entry_id, PainEntry(5, "2026-11-20 08:10"))
        journal.delete(entry_id); journal.undo_delete()
        journal.entries(newest_first=True, limit=50, offset=50)   # one page
        journal.add_favourite(DoseEntry("tea", 2)); journal.favourites()
        journal.backup("journal-backup.sqlite3")

Invalid input raises :class:`kratomsim.errors.JournalError` and leaves the journal unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kratomsim.lazy import lazy_exports

if TYPE_CHECKING:
    from kratomsim.journal.entries import DOSE_UNITS as DOSE_UNITS
    from kratomsim.journal.entries import KINDS as KINDS
    from kratomsim.journal.entries import NOTE_MAX_CHARS as NOTE_MAX_CHARS
    from kratomsim.journal.entries import SYMPTOMS as SYMPTOMS
    from kratomsim.journal.entries import DoseEntry as DoseEntry
    from kratomsim.journal.entries import Entry as Entry
    from kratomsim.journal.entries import NoteEntry as NoteEntry
    from kratomsim.journal.entries import PainEntry as PainEntry
    from kratomsim.journal.entries import PegEntry as PegEntry
    from kratomsim.journal.entries import StoredEntry as StoredEntry
    from kratomsim.journal.entries import SubstanceEntry as SubstanceEntry
    from kratomsim.journal.entries import SymptomEntry as SymptomEntry
    from kratomsim.journal.entries import WithdrawalEntry as WithdrawalEntry
    from kratomsim.journal.entries import make_entry as make_entry
    from kratomsim.journal.store import Journal as Journal
    from kratomsim.journal.store import journal_path as journal_path
    from kratomsim.journal.store import open_journal as open_journal

#: Public name → the module that defines it; each loads on first use (PEP 562), so importing
#: one module of this package does not load the others.
_EXPORTS = {
    "DOSE_UNITS": "kratomsim.journal.entries",
    "DoseEntry": "kratomsim.journal.entries",
    "Entry": "kratomsim.journal.entries",
    "Journal": "kratomsim.journal.store",
    "KINDS": "kratomsim.journal.entries",
    "NOTE_MAX_CHARS": "kratomsim.journal.entries",
    "NoteEntry": "kratomsim.journal.entries",
    "PainEntry": "kratomsim.journal.entries",
    "PegEntry": "kratomsim.journal.entries",
    "SYMPTOMS": "kratomsim.journal.entries",
    "StoredEntry": "kratomsim.journal.entries",
    "SubstanceEntry": "kratomsim.journal.entries",
    "SymptomEntry": "kratomsim.journal.entries",
    "WithdrawalEntry": "kratomsim.journal.entries",
    "journal_path": "kratomsim.journal.store",
    "make_entry": "kratomsim.journal.entries",
    "open_journal": "kratomsim.journal.store",
}

__all__ = [
    "DOSE_UNITS",
    "KINDS",
    "NOTE_MAX_CHARS",
    "SYMPTOMS",
    "DoseEntry",
    "Entry",
    "Journal",
    "NoteEntry",
    "PainEntry",
    "PegEntry",
    "StoredEntry",
    "SubstanceEntry",
    "SymptomEntry",
    "WithdrawalEntry",
    "journal_path",
    "make_entry",
    "open_journal",
]


__getattr__ = lazy_exports(__name__, _EXPORTS)
