"""``kratomsim journal report``: the clinician report from the journal (HTML or tagged PDF).

The same report as the web app's "Report from the journal": the doses taken, trends, symptoms,
other substances, the person's own forecast when the journal allows a fit (else the population
outlook, labelled so), findings and interactions. Its JSON goes beside it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from kratomsim.errors import JournalError, ScenarioError, bad_value
from kratomsim.interfaces.cmd_journal import journal_app
from kratomsim.interfaces.options import out

SUFFIXES = (".pdf", ".html", ".htm")


@journal_app.command("report")
def report_cmd(
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="report.pdf or report.html; report.json goes beside."),
    ] = Path("journal-report.html"),
    last: Annotated[
        str, typer.Option("--last", help="The period: the last span, e.g. 30d, 2w.")
    ] = "30d",
    meds: Annotated[
        str | None,
        typer.Option("--meds", help="Medicines taken besides the substances logged."),
    ] = None,
    conditions: Annotated[
        str | None,
        typer.Option("--conditions", help="Pre-existing conditions, e.g. 'fatty liver'."),
    ] = None,
) -> None:
    """Write a clinician report of a period of your journal, with your own forecast."""
    from kratomsim.evidence.medication_names import parse_medication_list
    from kratomsim.interfaces.cmd_journal import _journal, _since
    from kratomsim.reports.clinician_render import write_report
    from kratomsim.reports.journal_report import journal_report_data
    from kratomsim.risk.conditions import parse_conditions

    if output.suffix.lower() not in SUFFIXES:
        raise ScenarioError(
            bad_value("The report must be .pdf or .html", str(output), "Use -o report.pdf.")
        )
    since = _since(last)
    medications = parse_medication_list(meds) if meds else ()
    conds = parse_conditions(conditions) if conditions else ()
    with _journal(readonly=True) as journal:
        entries = [] if journal is None else journal.entries(since)
    if not entries:
        raise JournalError(
            bad_value("No journal entries in this period", last, "Widen --last or log doses.")
        )
    start = datetime.fromisoformat(since).astimezone().date() if since else entries[0].at.date()
    out.print("Making the report; a fit to your entries can take 10 seconds.", style="dim")
    data = journal_report_data(
        entries,
        since=start.isoformat(),
        until=datetime.now().astimezone().date().isoformat(),
        medications=medications,
        conditions=conds,
    )
    files = write_report(data, output)
    fitted = data["journal"]["forecast"]["fitted"]
    what = "with your own forecast" if fitted else "with the population outlook (too few entries)"
    out.print(f"Wrote {', '.join(str(f) for f in files)} ({what}).")


def register(app: typer.Typer) -> None:
    """``journal report`` is added to the journal group on import; nothing else to register."""
