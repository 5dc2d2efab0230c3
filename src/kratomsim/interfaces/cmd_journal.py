"""The ``journal`` commands: record doses, pain, symptoms and other substances; show, edit, export.

The journal lives at ``kratomsim journal path`` (``$KRATOMSIM_HOME`` overrides the location).
Times without a zone are local time; the table shows local time, JSON shows UTC. Logging a
red-flag symptom (or a note that describes one) prints a "seek care now" panel at once; logging
another substance prints what the risk rules say about it with kratom.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from kratomsim.errors import JournalError, bad_value
from kratomsim.interfaces.options import out
from kratomsim.interfaces.output import brief, is_brief, refuse_brief
from kratomsim.journal.bounds import BOUNDS
from kratomsim.journal.vocabulary import SUBSTANCE_UNITS

if TYPE_CHECKING:
    from kratomsim.journal import Entry, Journal, StoredEntry


journal_app = typer.Typer(
    name="journal",
    help="A private journal of doses, pain (NRS, PEG-3), symptoms, withdrawal (SOWS) and notes.",
    no_args_is_help=True,
)
add_app = typer.Typer(name="add", help="Add an entry to the journal.", no_args_is_help=True)
journal_app.add_typer(add_app, name="add")


class ShowFormat(StrEnum):
    table = "table"
    json = "json"


class TransferFormat(StrEnum):
    csv = "csv"
    json = "json"
    nonmem = "nonmem"


AtOpt = Annotated[
    str | None,
    typer.Option("--at", help="When: local time such as '2026-11-20 08:10' (default: now)."),
]
IdArg = Annotated[int, typer.Argument(metavar="ID", help="Entry id (see 'journal show').")]
_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(h|d|w)?\s*$", re.IGNORECASE)
_SPAN_HOURS = {"h": 1.0, "d": 24.0, "w": 168.0}


@contextmanager
def _journal(*, readonly: bool = False) -> Iterator[Journal | None]:
    """The user's journal; read-only commands get None when there is no journal yet."""
    from kratomsim.journal import journal_path, open_journal

    path = journal_path()
    if readonly and not path.exists():
        yield None
        return
    with open_journal(path, readonly=readonly) as journal:
        yield journal


def _local(stored_at: datetime) -> str:
    return stored_at.astimezone().strftime("%Y-%m-%d %H:%M")


def describe(e: StoredEntry) -> str:
    """One line for an entry's measurement."""
    from kratomsim.journal.store import describe_dose

    d = e.data
    match e.kind:
        case "dose":
            extra = f", {d['mg_per_g']:g} mg/g" if "mg_per_g" in d else ""
            return f"{describe_dose(d)}{extra}"
        case "pain":
            return f"pain NRS {d['nrs']}/10"
        case "peg":
            score = (d["pain"] + d["enjoyment"] + d["activity"]) / 3
            return f"PEG-3 {d['pain']}/{d['enjoyment']}/{d['activity']} (score {score:.1f})"
        case "symptom":
            return f"{d['name']} {d['severity']}/10"
        case "withdrawal":
            items = " (16 items)" if d.get("items") else ""
            return f"SOWS {d['sows']}/64{items}"
        case "substance":
            amount = f" {d['amount']:g} {d.get('unit') or ''}".rstrip() if "amount" in d else ""
            return f"{d['name']}{amount}"
        case _:
            text = " ".join(str(d.get("text", "")).split())
            return text if len(text) <= 70 else text[:69] + "…"


def _added(journal: Journal, entry: Entry) -> None:
    from kratomsim.interfaces.cli_safety import print_co_use, print_panel
    from kratomsim.interfaces.safety import panel_for_entry

    entry_id = journal.add(entry)
    stored = journal.get(entry_id)
    print(f"added #{entry_id} {stored.kind} at {_local(stored.at)}: {describe(stored)}")
    panel = panel_for_entry(stored.kind, stored.data)
    if panel is not None:
        print_panel(panel)
    if stored.kind == "substance":
        print_co_use(str(stored.data["name"]))


# --- add --------------------------------------------------------------------------------------


# Numbers are taken as text and validated by the entry models, so a bad value gets the same
# one-line message (what, value, fix) from the CLI, the web app and imports.


def _add(kind: str, at: str | None, **fields: object) -> None:
    from kratomsim.journal import make_entry

    entry = make_entry(kind, at, {k: v for k, v in fields.items() if v is not None})
    with _journal() as journal:
        assert journal is not None
        _added(journal, entry)


@add_app.command("dose")
def add_dose(
    amount: Annotated[
        str,
        typer.Argument(
            metavar="AMOUNT",
            help=f"Amount of product, e.g. 2.5 (at most {BOUNDS['dose_g'].high:g} g in one "
            "entry), or a count of teaspoons, capsules or tablets.",
        ),
    ],
    product: Annotated[
        str, typer.Option("--product", "-p", help="Product id (see 'kratomsim products').")
    ],
    unit: Annotated[
        str, typer.Argument(help="g or mg of product, or tsp, capsule or tablet (a count).")
    ] = "g",
    mg_per_g: Annotated[
        str | None,
        typer.Option(
            "--mg-per-g", metavar="FLOAT", help="Mitragynine content from a label or assay (mg/g)."
        ),
    ] = None,
    g_per_unit: Annotated[
        str | None,
        typer.Option(
            "--g-per-unit",
            metavar="FLOAT",
            help="With tsp or capsule: grams of product in one (weigh it or read the label).",
        ),
    ] = None,
    oh7_mg_per_unit: Annotated[
        str | None,
        typer.Option(
            "--7oh-mg-per-unit",
            metavar="FLOAT",
            help="With tablet: mg of 7-OH in one tablet, from its label.",
        ),
    ] = None,
    at: AtOpt = None,
) -> None:
    """Record a dose of a product (amount of product, not of alkaloid)."""
    amount, unit = _amount_with_unit(amount, unit)
    _add(
        "dose",
        at,
        product=product,
        amount=amount,
        unit=unit,
        mg_per_g=mg_per_g,
        g_per_unit=g_per_unit,
        oh7_mg_per_unit=oh7_mg_per_unit,
    )


def _amount_with_unit(amount: str, unit: str) -> tuple[str, str]:
    """ "2 g", "2g" or "500 mg" typed as one AMOUNT: the number and its unit, split. A unit in
    AMOUNT that contradicts a UNIT given beside it (other than the default g) is refused."""
    found = re.fullmatch(r"\s*([0-9]+(?:[.,][0-9]+)?)\s*([A-Za-z]+)\s*", amount)
    if found is None:
        return amount, unit
    number, written = found.groups()
    if unit != "g" and written.lower() != unit.lower():
        raise JournalError(
            bad_value(
                "The amount names a different unit than UNIT",
                f"{amount} {unit}",
                "Give the unit once, e.g. 'journal add dose 2 g' or 'journal add dose 2g'.",
            )
        )
    return number, written.lower()


@add_app.command("pain")
def add_pain(
    nrs: Annotated[
        str, typer.Argument(metavar="NRS", help="Pain now, 0 (none) to 10 (worst imaginable).")
    ],
    at: AtOpt = None,
) -> None:
    """Record pain intensity on the 0–10 numeric rating scale."""
    _add("pain", at, nrs=nrs)


@add_app.command("peg")
def add_peg(
    pain: Annotated[str, typer.Argument(metavar="PAIN", help="Average pain, past week, 0–10.")],
    enjoyment: Annotated[
        str, typer.Argument(metavar="ENJOYMENT", help="Interference with enjoyment of life, 0–10.")
    ],
    activity: Annotated[
        str, typer.Argument(metavar="ACTIVITY", help="Interference with general activity, 0–10.")
    ],
    at: AtOpt = None,
) -> None:
    """Record a PEG-3 (pain, enjoyment of life, general activity; each 0–10)."""
    _add("peg", at, pain=pain, enjoyment=enjoyment, activity=activity)


@add_app.command("symptom")
def add_symptom(
    name: Annotated[str, typer.Argument(help="Symptom (see 'kratomsim journal symptoms').")],
    severity: Annotated[
        str, typer.Argument(metavar="SEVERITY", help="0 (absent) to 10 (worst imaginable).")
    ],
    at: AtOpt = None,
) -> None:
    """Record a symptom and its severity (0–10)."""
    _add("symptom", at, name=name, severity=severity)


@add_app.command("withdrawal")
def add_withdrawal(
    sows: Annotated[
        str | None,
        typer.Option("--sows", metavar="0-64", help="SOWS total, 0–64 (16 items × 0–4)."),
    ] = None,
    items: Annotated[
        str | None,
        typer.Option(
            "--items",
            metavar="'0 1 2 …'",
            help="The 16 SOWS item scores (0–4 each) in order; the total is their sum.",
        ),
    ] = None,
    at: AtOpt = None,
) -> None:
    """Record withdrawal severity on the Subjective Opiate Withdrawal Scale (SOWS)."""
    from kratomsim.journal.entries import parse_sows_items

    if sows is None and items is None:
        raise JournalError(
            bad_value("A withdrawal entry needs a score", "nothing", "Give --sows or --items.")
        )
    if sows is None:
        sows = str(sum(parse_sows_items(items) or ()))
    _add("withdrawal", at, sows=sows, items=items)


@add_app.command("substance")
def add_substance(
    name: Annotated[
        str, typer.Argument(help="Another substance, e.g. alcohol, alprazolam, oxycodone.")
    ],
    amount: Annotated[
        str | None, typer.Argument(metavar="[AMOUNT]", help="How much, as you count it.")
    ] = None,
    unit: Annotated[
        str | None,
        typer.Argument(metavar="[UNIT]", help=f"One of {', '.join(SUBSTANCE_UNITS)}."),
    ] = None,
    at: AtOpt = None,
) -> None:
    """Record another substance taken (alcohol, benzodiazepines, opioids, …); shows its risk."""
    _add("substance", at, name=name, amount=amount, unit=unit)


@add_app.command("note")
def add_note(
    text: Annotated[str, typer.Argument(help="Free text (up to 2000 characters).")],
    at: AtOpt = None,
) -> None:
    """Record a note (sleep, a missed dose, a new medication…)."""
    _add("note", at, text=text)


# --- show, edit, delete, undo -------------------------------------------------------------------


def _since(last: str | None) -> str | None:
    from kratomsim.journal.entries import now_utc

    if last is None:
        return None
    match = _SPAN.match(last)
    if match is None or float(match.group(1)) <= 0:
        fix = "Give a span like '14d', '36h' or '2w'."
        raise JournalError(bad_value("Cannot read --last", last, fix))
    hours = float(match.group(1)) * _SPAN_HOURS[(match.group(2) or "d").lower()]
    return (now_utc() - timedelta(hours=hours)).isoformat()


@journal_app.command("show")
def show_cmd(
    last: Annotated[
        str | None, typer.Option("--last", help="Only the last span, e.g. 14d, 36h, 2w.")
    ] = None,
    since: Annotated[str | None, typer.Option("--since", help="From this time.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Up to this time.")] = None,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", "-k", help="Only these kinds (repeatable).")
    ] = None,
    deleted: Annotated[bool, typer.Option("--deleted", help="Include deleted entries.")] = False,
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f", help="table or json.")] = (
        ShowFormat.table
    ),
) -> None:
    """Show journal entries, oldest first (local times in the table, UTC in JSON)."""
    if is_brief() and fmt is not ShowFormat.table:
        raise refuse_brief("journal show", fmt.value)
    start = _since(last) or since
    with _journal(readonly=True) as journal:
        rows = [] if journal is None else journal.entries(start, until, kind, deleted)
    if is_brief():
        kinds = Counter(e.kind for e in rows)
        span = f" from {_local(rows[0].at)} to {_local(rows[-1].at)}" if rows else ""
        counted = ", ".join(f"{n} {k}" for k, n in kinds.most_common()) or "no entries"
        brief([f"Journal{span}: {counted}.", "More: drop --brief for every entry."], out)
        return
    if fmt is ShowFormat.json:
        sys.stdout.write(json.dumps({"entries": [e.to_dict() for e in rows]}) + "\n")
        return
    if not rows:
        print("No journal entries" + (" in that span." if start or until or kind else " yet."))
        return
    table = Table(title="Journal (local time)", title_justify="left")
    for column in ("id", "time", "kind", "entry"):
        table.add_column(column, justify="right" if column == "id" else "left")
    for e in rows:
        what = Text(describe(e))
        if e.deleted_at is not None:
            what.append(" (deleted)", style="dim")
        table.add_row(str(e.id), _local(e.at), e.kind, what)
    out.print(table)


def _assignments(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        field, sep, value = pair.partition("=")
        if not sep or not field.strip():
            fix = "Write --set FIELD=VALUE, e.g. --set nrs=5."
            raise JournalError(bad_value("Cannot read --set", pair, fix))
        values[field.strip()] = value
    return values


@journal_app.command("edit")
def edit_cmd(
    entry_id: IdArg,
    assign: Annotated[
        list[str] | None,
        typer.Option("--set", help="FIELD=VALUE to change (repeatable), e.g. --set nrs=5."),
    ] = None,
    at: AtOpt = None,
) -> None:
    """Change an entry's fields or time; the result is validated like a new entry."""
    from kratomsim.journal import make_entry

    changes = _assignments(assign or [])
    if not changes and at is None:
        raise JournalError(
            bad_value("Nothing to change", entry_id, "Give --set FIELD=VALUE or --at.")
        )
    with _journal() as journal:
        assert journal is not None
        stored = journal.get(entry_id)
        entry = make_entry(stored.kind, at or stored.at, {**stored.data, **changes})
        edited = journal.edit(entry_id, entry)
    print(f"edited #{entry_id} {edited.kind} at {_local(edited.at)}: {describe(edited)}")


@journal_app.command("delete")
def delete_cmd(entry_id: IdArg) -> None:
    """Delete an entry ('journal undo' restores it)."""
    with _journal() as journal:
        assert journal is not None
        gone = journal.delete(entry_id)
    print(
        f"deleted #{entry_id} {gone.kind}: {describe(gone)}. 'kratomsim journal undo' restores it."
    )


@journal_app.command("undo")
def undo_cmd(
    entry_id: Annotated[
        int | None, typer.Argument(metavar="[ID]", help="A deleted entry (default: the last).")
    ] = None,
) -> None:
    """Restore the last deleted entry (or the deleted entry ID)."""
    with _journal() as journal:
        assert journal is not None
        back = journal.undo_delete(entry_id)
    print(f"restored #{back.id} {back.kind} at {_local(back.at)}: {describe(back)}")


# --- export, import, backup, path ----------------------------------------------------------------


def _write_private(path: Path, text: str) -> None:
    """Write health data to a file only its owner can read (0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


@journal_app.command("export")
def export_cmd(
    fmt: Annotated[
        TransferFormat, typer.Option("--format", "-f", help="csv, json or nonmem.")
    ] = TransferFormat.csv,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
) -> None:
    """Export the journal (deleted entries excluded) as CSV, JSON or a NONMEM-style table."""
    from kratomsim.journal.transfer import export_entries

    with _journal(readonly=True) as journal:
        rows = [] if journal is None else journal.entries()
    text = export_entries(rows, fmt.value)
    if output is None:
        sys.stdout.write(text)
        return
    _write_private(output, text)
    print(f"exported {len(rows)} entries to {output} ({fmt.value})")


@journal_app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="A CSV, JSON or NONMEM-style file to import.")],
    fmt: Annotated[
        TransferFormat | None,
        typer.Option("--format", "-f", help="csv, json or nonmem (default: from the file)."),
    ] = None,
) -> None:
    """Import entries; any bad row or duplicate rejects the whole file (nothing is imported)."""
    from kratomsim.journal.transfer import guess_format, import_text

    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise JournalError(bad_value("Not UTF-8 text", str(file), "Save it as UTF-8.")) from None
    chosen = fmt.value if fmt is not None else guess_format(file.name, text)
    with _journal() as journal:
        assert journal is not None
        ids = import_text(journal, text, chosen)
    span = f" (#{ids[0]}–#{ids[-1]})" if ids else ""
    print(f"imported {len(ids)} entries from {file} ({chosen}){span}")


@journal_app.command("backup")
def backup_cmd(
    file: Annotated[Path, typer.Argument(help="New file for the copy (never overwritten).")],
) -> None:
    """Copy the journal to a new private file (SQLite's online backup, consistent)."""
    with _journal() as journal:
        assert journal is not None
        dest = journal.backup(file)
        count = journal.count()
    print(f"backup: {dest} ({count} entries)")


@journal_app.command("path")
def path_cmd() -> None:
    """Print where the journal file lives ($KRATOMSIM_HOME overrides it)."""
    from kratomsim.journal import journal_path

    print(journal_path())


@journal_app.command("symptoms")
def symptoms_cmd() -> None:
    """List the symptom names the journal accepts."""
    from kratomsim.journal import SYMPTOMS

    print(", ".join(SYMPTOMS) if is_brief() else "\n".join(SYMPTOMS))


def register(app: typer.Typer) -> None:
    """Add the ``journal`` command group to ``app`` (``journal fit`` is wired by the lead)."""
    app.add_typer(journal_app, name="journal")
