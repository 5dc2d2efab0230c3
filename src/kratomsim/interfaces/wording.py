"""Library messages name parameters; people see the flag or the form field they typed into.

The library speaks of its parameters (``mg_per_g must be between 0 and 1000 mg/g``), which is what
a notebook user passes. The command line shows the same message with ``--mg-per-g`` and the web app
with the field's label. One table, used by both.
"""

from __future__ import annotations

import re
from typing import Final

#: Parameter (or library phrase) → (command-line wording, web-form wording).
WORDING: Final = {
    "oh7_mg_per_g": ("--7oh-mg-per-g", "7-OH content (mg/g)"),
    "mg_per_g": ("--mg-per-g", "Mitragynine content (mg/g)"),
    "duration_h": ("--duration", "observation window"),
    "baseline_pain": ("--baseline-pain", "Usual pain (0-10)"),
    "victim_dose_times_h": ("--at", "time the medicine is taken"),
    "fmt": ("--format", "format"),
    "include_deleted=True": ("'kratomsim journal show --deleted'", "the journal's deleted entries"),
    "load_medications()": (
        "`kratomsim interactions --list`",
        "the suggestions as you type",
    ),
}
_PATTERN: Final = re.compile(
    # Whole words only, and not inside quotes: 'mg_per_g' quoted is a scenario file's own field.
    "|".join(
        rf"(?<![\w'\"-]){re.escape(k)}(?![\w'\"])" for k in sorted(WORDING, key=len, reverse=True)
    )
)


def _reword(message: str, column: int) -> str:
    return _PATTERN.sub(lambda m: WORDING[m.group(0)][column], message)


def for_cli(message: str) -> str:
    """``message`` with parameter names replaced by the command-line flags that set them."""
    return _reword(message, 0)


def for_web(message: str) -> str:
    """``message`` with parameter names replaced by the labels of the web-form fields."""
    return _reword(message, 1)
