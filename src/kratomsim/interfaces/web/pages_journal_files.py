"""The journal as files: export (CSV, JSON, NONMEM-style), a backup copy, and the static chart.

Downloads the person starts from the Journal page; the chart image is what the page shows where
scripts are off. Reading only: nothing here changes the journal.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from kratomsim.errors import JournalError, bad_value
from kratomsim.interfaces.web import journal_charts
from kratomsim.interfaces.web.journal_forms import filters
from kratomsim.interfaces.web.pages_journal import journal_for, journal_path_of
from kratomsim.interfaces.web.rendering import png_bytes
from kratomsim.journal.entries import StoredEntry
from kratomsim.journal.transfer import export_entries

router = APIRouter()


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
