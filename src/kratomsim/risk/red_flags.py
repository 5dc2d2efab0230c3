"""Red flags: symptoms a person logs or describes that need medical care now.

The rules live in ``evidence/data/red_flags.toml`` (title, what to do, why, grades, sources); this
module loads and validates them and matches a logged symptom or a piece of free text against
them. :func:`safety_panel` gathers the flags found with the advice lines they call for (not using
alone, naloxone, the liver-injury watch window). Interfaces render the panel and fill in the
emergency number; nothing here ever names an amount to take.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from kratomsim.errors import EvidenceError
from kratomsim.evidence import load_references
from kratomsim.evidence.loader import read_data_toml
from kratomsim.risk.exposure import risk_constant

Urgency = Literal["emergency", "today"]
URGENCIES: tuple[Urgency, ...] = ("emergency", "today")
#: Words that, up to :data:`NEGATION_WINDOW` words before a phrase, mean it is absent.
NEGATIONS = frozenset({"no", "not", "without", "denies", "denied", "never", "nor"})
NEGATION_WINDOW = 3
#: The placeholder of the emergency number in a flag's action.
EMERGENCY = "{emergency}"


@dataclass(frozen=True, slots=True)
class RedFlag:
    """One red flag of ``red_flags.toml``."""

    id: str
    title: str
    urgency: Urgency
    symptoms: tuple[str, ...]
    phrases: tuple[str, ...]
    action: str
    why: str
    grades: tuple[str, ...]
    sources: tuple[str, ...]
    locator: str
    advice: tuple[str, ...]

    def action_text(self, emergency: str) -> str:
        """The action with the emergency number filled in."""
        return self.action.replace(EMERGENCY, emergency)


@dataclass(frozen=True, slots=True)
class Advice:
    """A line shown with some flags (not using alone, naloxone, the liver watch window)."""

    id: str
    text: str
    grades: tuple[str, ...]
    sources: tuple[str, ...]
    locator: str


@dataclass(frozen=True)
class SafetyPanel:
    """What a "Seek care now" panel shows: the flags found, most urgent first, and their advice."""

    flags: tuple[RedFlag, ...]
    advice: tuple[Advice, ...]

    @property
    def urgency(self) -> Urgency:
        return "emergency" if any(f.urgency == "emergency" for f in self.flags) else "today"

    @property
    def sources(self) -> tuple[str, ...]:
        keys = [k for item in (*self.flags, *self.advice) for k in item.sources]
        return tuple(dict.fromkeys(keys))

    def ids(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.flags)


def _strings(raw: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise EvidenceError(f"red_flags.toml: {where} needs {key} as a list of text.")
    return tuple(value)


def _text(raw: Mapping[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise EvidenceError(f"red_flags.toml: {where} needs a non-empty {key}.")
    return value


@cache
def load_advice() -> dict[str, Advice]:
    """Every advice line by id, with known sources."""
    refs = load_references()
    out: dict[str, Advice] = {}
    for raw in read_data_toml("red_flags.toml").get("advice", []):
        where = f"advice {raw.get('id')!r}"
        advice = Advice(
            id=_text(raw, "id", where),
            text=_text(raw, "text", where),
            grades=_strings(raw, "grades", where),
            sources=_strings(raw, "sources", where),
            locator=_text(raw, "locator", where),
        )
        missing = [k for k in advice.sources if k not in refs]
        if missing or advice.id in out:
            raise EvidenceError(f"red_flags.toml: {where} is repeated or cites unknown {missing}.")
        out[advice.id] = advice
    return out


@cache
def load_red_flags() -> tuple[RedFlag, ...]:
    """Every red flag, validated: urgency, sources in the bibliography, advice ids."""
    refs = load_references()
    advice = load_advice()
    flags: list[RedFlag] = []
    for raw in read_data_toml("red_flags.toml").get("flag", []):
        where = f"flag {raw.get('id')!r}"
        urgency = raw.get("urgency")
        if urgency not in URGENCIES:
            raise EvidenceError(f"red_flags.toml: {where} has urgency {urgency!r}.")
        flag = RedFlag(
            id=_text(raw, "id", where),
            title=_text(raw, "title", where),
            urgency=urgency,
            symptoms=_strings(raw, "symptoms", where),
            phrases=tuple(_normalise(p) for p in _strings(raw, "phrases", where)),
            action=_text(raw, "action", where),
            why=_text(raw, "why", where),
            grades=_strings(raw, "grades", where),
            sources=_strings(raw, "sources", where),
            locator=_text(raw, "locator", where),
            advice=_strings(raw, "advice", where),
        )
        missing = [k for k in flag.sources if k not in refs]
        unknown = [a for a in flag.advice if a not in advice]
        if missing or unknown or any(f.id == flag.id for f in flags):
            raise EvidenceError(
                f"red_flags.toml: {where} is repeated, cites unknown sources {missing} or names "
                f"unknown advice {unknown}."
            )
        if flag.urgency == "emergency" and EMERGENCY not in flag.action:
            raise EvidenceError(f"red_flags.toml: {where} must say to call {EMERGENCY}.")
        flags.append(flag)
    return tuple(flags)


def _normalise(text: str) -> str:
    """Lower case, apostrophes dropped, anything but letters and digits as single spaces."""
    folded = text.lower().replace("\u2019", "'").replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


def _negated(words: list[str], start: int) -> bool:
    return any(w in NEGATIONS for w in words[max(0, start - NEGATION_WINDOW) : start])


def flags_in_text(text: str) -> tuple[RedFlag, ...]:
    """The red flags a piece of free text describes ("I couldn't breathe", "dark urine").

    Phrases match as whole words in any case; a phrase with "no", "not", "without", … up to three
    words before it ("no chest pain") does not count.
    """
    words = _normalise(text).split()
    found: list[RedFlag] = []
    for flag in load_red_flags():
        for phrase in flag.phrases:
            target = phrase.split()
            n = len(target)
            hits = [i for i in range(len(words) - n + 1) if words[i : i + n] == target]
            if any(not _negated(words, i) for i in hits):
                found.append(flag)
                break
    return tuple(found)


def flags_for_symptom(name: str, severity: int) -> tuple[RedFlag, ...]:
    """The red flags a logged symptom raises (any severity above 0; 0 means absent)."""
    if severity <= 0:
        return ()
    return tuple(f for f in load_red_flags() if name in f.symptoms)


def latency_text() -> str:
    """The liver-injury watch window in words, from the cited latency."""
    v = risk_constant("dili_latency_d")
    return f"{v.low:g}-{v.high:g} days (median about {v.value:g} days)"


def safety_panel(flags: Iterable[RedFlag]) -> SafetyPanel | None:
    """The panel for these flags (emergency ones first), or None when there are none."""
    chosen = tuple(dict.fromkeys(flags))
    if not chosen:
        return None
    ordered = tuple(sorted(chosen, key=lambda f: URGENCIES.index(f.urgency)))
    advice = load_advice()
    ids = dict.fromkeys(a for f in ordered for a in f.advice)
    lines = tuple(
        Advice(a.id, a.text.replace("{latency}", latency_text()), a.grades, a.sources, a.locator)
        for a in (advice[i] for i in ids)
    )
    return SafetyPanel(ordered, lines)


def advice_for_co_use(opioid: bool) -> tuple[Advice, ...]:
    """Advice lines for logging another depressant: not using alone, and naloxone for opioids."""
    advice = load_advice()
    return (advice["not_alone"], advice["naloxone"]) if opioid else (advice["not_alone"],)
