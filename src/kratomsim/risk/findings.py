"""Findings: what a rule found in a person's medications, conditions, product and regimen.

A finding is a statement, not advice. It says *what* (the trigger in the person's terms), *why*
(the mechanism), *how sure* (evidence grades), *where from* (citation keys) and *what to discuss
with a clinician*. It never names an amount to take.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["avoid", "major", "moderate", "minor", "info"]
#: Most to least serious; findings sort in this order.
SEVERITY_ORDER: tuple[Severity, ...] = ("avoid", "major", "moderate", "minor", "info")
Category = Literal[
    "dangerous",
    "unsafe",
    "caution",
    "low risk & decrease",
    "low risk & no synergy",
    "low risk & synergy",
    "not applicable",
]
#: This tool's mapping from severity to a TripSit-style category where TripSit has no entry.
CATEGORY_BY_SEVERITY: dict[Severity, Category] = {
    "avoid": "dangerous",
    "major": "unsafe",
    "moderate": "caution",
    "minor": "low risk & no synergy",
    "info": "not applicable",
}


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number a finding quotes, with its plausible range and where it came from."""

    name: str
    value: float
    unit: str
    low: float | None = None
    high: float | None = None
    note: str = ""

    def describe(self) -> str:
        span = f" (range {self.low:.3g}-{self.high:.3g})" if self.low is not None else ""
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.name} {self.value:.3g}{unit}{span}"


@dataclass(frozen=True, slots=True)
class Finding:
    """One fired rule, stated in the person's terms."""

    rule_id: str
    title: str
    severity: Severity
    category: Category
    #: The trigger in the person's terms (which medicine, condition, product or regimen).
    what: str
    #: The mechanism.
    why: str
    #: Evidence grades (A controlled human ... E classification without data).
    grades: tuple[str, ...]
    #: Citation keys in references*.toml.
    sources: tuple[str, ...]
    #: What to discuss with a clinician (never an amount to take).
    discuss: str
    #: What to watch for, where the rule gives it.
    watch: str = ""
    quantities: tuple[Quantity, ...] = ()
    #: Why the severity differs from the rule's base severity, if it does.
    escalated: str = ""
    #: The medication ids or condition ids that triggered it.
    triggers: tuple[str, ...] = field(default=())

    @property
    def rule_number(self) -> int:
        return int(re.sub(r"\D", "", self.rule_id) or 0)

    def texts(self) -> tuple[str, ...]:
        """Every piece of prose the finding shows (for the no-dose-advice check)."""
        return (
            self.title,
            self.what,
            self.why,
            self.discuss,
            self.watch,
            self.escalated,
            *(q.note for q in self.quantities),
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["grades"] = list(self.grades)
        data["sources"] = list(self.sources)
        data["triggers"] = list(self.triggers)
        data["quantities"] = [asdict(q) for q in self.quantities]
        return data


def severity_rank(severity: Severity) -> int:
    """0 for the most serious (avoid), rising to 4 (info)."""
    return SEVERITY_ORDER.index(severity)


def escalate(severity: Severity) -> Severity:
    """One level more serious (avoid stays avoid)."""
    return SEVERITY_ORDER[max(0, severity_rank(severity) - 1)]


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Most serious first (avoid > major > moderate > minor > info), then by rule number."""
    return tuple(sorted(findings, key=lambda f: (severity_rank(f.severity), f.rule_number, f.what)))
