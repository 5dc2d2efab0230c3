"""Safety messages in the terminal: the "seek care now" panel and co-use findings.

Printed by the journal commands when a red-flag symptom, a note describing one or another
substance is logged, and by ``check``/``simulate`` when their free text describes a red flag.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from kratomsim.interfaces.options import out

if TYPE_CHECKING:
    from kratomsim.risk.red_flags import SafetyPanel


_err = Console(stderr=True, highlight=False)


def print_panel(panel: SafetyPanel, *, stderr: bool = False) -> None:
    """The panel in a red box (on stderr when stdout carries JSON or CSV)."""
    from kratomsim.interfaces.safety import HEADING, emergency_number, panel_lines

    lines = panel_lines(panel, emergency_number())
    body = Text("\n".join(lines[1:]))
    box = Panel(body, title=HEADING[panel.urgency], border_style="bold red", expand=False)
    (_err if stderr else out).print(box)


def warn_free_text(*texts: str | None, stderr: bool = False) -> None:
    """Print the panel if any of these free texts describes a red flag."""
    from kratomsim.interfaces.safety import panel_for_texts

    panel = panel_for_texts(*texts)
    if panel is not None:
        print_panel(panel, stderr=stderr)
        sys.stdout.flush()


def print_co_use(substance_id: str) -> None:
    """What the risk rules say about kratom with a substance just logged, and the advice lines."""
    from kratomsim.evidence import resolve_medication
    from kratomsim.interfaces.findings_view import CATEGORY_WORDS, SEVERITY_WORDS, medicine_row
    from kratomsim.interfaces.safety import co_use_advice
    from kratomsim.risk.check import check

    med = resolve_medication(substance_id)
    row = medicine_row(check([med], []), med)
    if row.severity is None:
        out.print(Text(f"With kratom: no rule covers {med.name} (not the same as no risk)."))
        return
    category = CATEGORY_WORDS.get(row.category or "", row.category or "")
    line = Text(f"With kratom: {category} ({row.severity}: {SEVERITY_WORDS[row.severity]}). ")
    line.append(row.why)
    out.print(line)
    depressant = med.cns_depressant or med.respiratory_depressant or med.opioid_agonist
    if depressant:
        for advice in co_use_advice(opioid=med.opioid_agonist):
            out.print(Text(f"- {advice.text}"))
    out.print(
        Text("Run 'kratomsim check --meds …' for the full findings and sources.", style="dim")
    )
