"""Safety messages shared by the CLI and the web app: red-flag panels and the emergency number.

The rules come from :mod:`kratomsim.risk.red_flags`; this module is the one place the interfaces
ask for them, fill in the emergency number and turn a panel into lines of text. The emergency
number is configurable (``KRATOMSIM_EMERGENCY_NUMBER``, or ``kratomsim serve
--emergency-number``), because no one number is right everywhere.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from kratomsim.errors import KratomsimError, bad_value

if TYPE_CHECKING:
    from kratomsim.risk.red_flags import Advice, RedFlag, SafetyPanel


EMERGENCY_ENV = "KRATOMSIM_EMERGENCY_NUMBER"
DEFAULT_EMERGENCY = "your local emergency number, e.g. 911 (US) / 112 (EU)"
#: Longest emergency-number text accepted (it is shown inside a sentence).
EMERGENCY_MAX_CHARS = 80
HEADING = {"emergency": "Seek care now", "today": "Seek medical care today"}


class SettingError(KratomsimError, ValueError):
    """A setting of the interfaces (an environment variable or option) that cannot be used."""


def check_emergency_number(text: str) -> str:
    """The emergency-number text, stripped; refuses empty, over-long or control characters."""
    value = " ".join(text.split())
    if not value or len(value) > EMERGENCY_MAX_CHARS or any(ord(c) < 32 for c in text.strip()):
        raise SettingError(
            bad_value(
                "The emergency number must be 1 to 80 printable characters",
                text[:EMERGENCY_MAX_CHARS],
                "Give e.g. '000 (Australia)' or '999 (UK)'.",
            )
        )
    return value


def emergency_number(override: str | None = None) -> str:
    """The number to show: ``override``, else ``KRATOMSIM_EMERGENCY_NUMBER``, else the default."""
    chosen = override if override is not None else os.environ.get(EMERGENCY_ENV, "")
    return check_emergency_number(chosen) if chosen.strip() else DEFAULT_EMERGENCY


def panel_for_texts(*texts: str | None) -> SafetyPanel | None:
    """The panel for red flags described in any of these free texts (None: none found)."""
    from kratomsim.risk.red_flags import flags_in_text, safety_panel

    return safety_panel(f for t in texts if t for f in flags_in_text(t))


def panel_for_entry(kind: str, data: dict[str, object]) -> SafetyPanel | None:
    """The panel a new journal entry calls for: a red-flag symptom, or a note describing one."""
    from kratomsim.risk.red_flags import flags_for_symptom, flags_in_text, safety_panel

    flags: list[RedFlag] = []
    if kind == "symptom":
        severity = data.get("severity", 0)
        flags += flags_for_symptom(str(data.get("name", "")), int(str(severity)))
    elif kind == "note":
        flags += flags_in_text(str(data.get("text", "")))
    return safety_panel(flags)


def merge(panels: Iterable[SafetyPanel | None]) -> SafetyPanel | None:
    """One panel for several (several entries logged at once)."""
    from kratomsim.risk.red_flags import safety_panel

    return safety_panel(f for p in panels if p is not None for f in p.flags)


def co_use_advice(opioid: bool) -> tuple[Advice, ...]:
    """What to show when another depressant is logged with kratom."""
    from kratomsim.risk.red_flags import advice_for_co_use

    return advice_for_co_use(opioid)


def citation(key: str) -> str:
    """One bibliography line for a citation key (the key itself if it is unknown)."""
    from kratomsim.evidence import load_references

    ref = load_references().get(key)
    return ref.plain() if ref is not None else key


def panel_lines(panel: SafetyPanel, emergency: str) -> list[str]:
    """The panel as plain lines: heading, each flag's title and action, the advice, the sources."""
    lines = [f"{HEADING[panel.urgency].upper()}."]
    for flag in panel.flags:
        lines.append(f"{flag.title}: {flag.action_text(emergency)}")
    lines += [a.text for a in panel.advice]
    lines.append("Why: " + " ".join(f.why for f in panel.flags))
    lines.append("Sources: " + "; ".join(panel.sources) + ".")
    return lines
