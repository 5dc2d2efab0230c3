"""Risk findings as people scan them: one grid row per medicine and condition, distinct titles.

A check returns findings per rule; a person asks per item: "kratom and my alprazolam: how bad,
and why?". :func:`grid_rows` answers that, TripSit style (category, severity, why in one line),
with the worst finding of each item first. :func:`finding_views` gives every finding a title of
its own (the rule's title plus what triggered it) so that three findings of one rule can be told
apart. Shared by the web app and the CLI; nothing here prints.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from kratomsim.evidence.medication_schema import Medication
from kratomsim.risk.check import CheckResult
from kratomsim.risk.conditions import Condition
from kratomsim.risk.ddi import InteractionPrediction
from kratomsim.risk.findings import Category, Finding, Severity, severity_rank

#: Below this many times the usual exposure, a predicted change is not an interaction (FDA 2020
#: weak-inhibitor bound; risk_constants.toml pk_weak_auc_ratio).
WEAK_RATIO = 1.25
#: Longest "why" shown in a grid cell (characters); the finding card has the rest.
WHY_CHARS = 110
#: What each severity means, in plain words (shown beside the word).
SEVERITY_WORDS = {
    "avoid": "avoid the combination",
    "major": "serious",
    "moderate": "take care",
    "minor": "small",
    "info": "for information",
}
#: TripSit-style categories in plain words.
CATEGORY_WORDS = {
    "dangerous": "dangerous",
    "unsafe": "unsafe",
    "caution": "caution",
    "low risk & decrease": "low risk (effects decrease)",
    "low risk & no synergy": "low risk",
    "low risk & synergy": "low risk (effects add up)",
    "not applicable": "no combination risk",
}


def one_line(text: str, limit: int = WHY_CHARS) -> str:
    """The first sentence of ``text``, cut at ``limit`` characters on a word boundary."""
    first = re.split(r"(?<=[.!?])\s+", text.strip(), maxsplit=1)[0]
    if len(first) <= limit:
        return first
    return first[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


@dataclass(frozen=True)
class GridRow:
    """Kratom with one medicine or condition: the worst finding, in a line."""

    kind: Literal["medicine", "condition", "use"]
    id: str
    name: str
    category: Category | None
    severity: Severity | None
    why: str
    #: Anchor of the first finding card about this item ("" when nothing applies).
    anchor: str
    rules: tuple[str, ...]
    #: Predicted exposure change of this medicine, in words ("" when none).
    change: str = ""


@dataclass(frozen=True)
class FindingView:
    """A finding with a title of its own and an anchor for links from the grid."""

    finding: Finding
    title: str
    anchor: str
    names: tuple[str, ...]


def _names(result: CheckResult) -> dict[str, str]:
    names = {m.id: m.name for m in result.medications}
    names.update({c.id: c.describe() for c in result.conditions})
    return names


def finding_views(result: CheckResult) -> list[FindingView]:
    """Every finding, most serious first, titled "rule title: what triggered it"."""
    names = _names(result)
    views = []
    for number, f in enumerate(result.findings, start=1):
        triggered = tuple(names.get(t, t) for t in f.triggers)
        title = f"{f.title}: {', '.join(triggered)}" if triggered else f"{f.title}: your kratom use"
        views.append(FindingView(f, title, f"finding-{number}", triggered))
    return views


def change_text(p: InteractionPrediction | None) -> str:
    """A predicted exposure change in words: 'about 1.6 times (1.2-2.8)', or ''."""
    if p is None or p.auc_ratio is None:
        return ""
    text = f"about {p.auc_ratio:.2f} times as much in the blood"
    top = p.auc_ratio
    if p.auc_ratio_interval is not None:
        lo, hi = p.auc_ratio_interval
        text += f" ({lo:.2f}–{hi:.2f})"
        top = max(top, hi)
    if top < WEAK_RATIO:
        text += ": no meaningful change"
    return text


def _row(
    kind: Literal["medicine", "condition", "use"],
    item_id: str,
    name: str,
    views: Sequence[FindingView],
    change: str = "",
) -> GridRow:
    mine = [v for v in views if item_id in v.finding.triggers or (kind == "use" and not v.names)]
    if not mine:
        return GridRow(kind, item_id, name, None, None, "", "", (), change)
    worst = min(mine, key=lambda v: severity_rank(v.finding.severity))
    return GridRow(
        kind,
        item_id,
        name,
        worst.finding.category,
        worst.finding.severity,
        one_line(worst.finding.why),
        worst.anchor,
        tuple(dict.fromkeys(v.finding.rule_id for v in mine)),
        change,
    )


def grid_rows(
    result: CheckResult, predictions: Sequence[InteractionPrediction] = ()
) -> list[GridRow]:
    """One row per medicine and condition checked (and one for the use itself, if a rule fired
    on it), most serious first; items no rule covers come last with no category."""
    views = finding_views(result)
    by_id = {p.id: p for p in predictions}
    rows = [
        _row("medicine", m.id, m.name, views, change_text(by_id.get(m.id)))
        for m in result.medications
    ]
    rows += [_row("condition", c.id, c.describe(), views) for c in result.conditions]
    if any(not v.names for v in views):
        rows.append(_row("use", "", "Your kratom use and product", views))
    return sorted(rows, key=lambda r: severity_rank(r.severity) if r.severity else 99)


def medicine_row(result: CheckResult, med: Medication) -> GridRow:
    """The grid row of one medicine (a substance just logged in the journal)."""
    return _row("medicine", med.id, med.name, finding_views(result))


def condition_row(result: CheckResult, cond: Condition) -> GridRow:
    return _row("condition", cond.id, cond.describe(), finding_views(result))
