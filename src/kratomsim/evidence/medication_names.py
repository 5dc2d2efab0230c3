"""Every name people use for a medicine: classes, street names and typos, with the match shown.

The names come from the knowledge base (generic names, brands, known misspellings:
:mod:`kratomsim.evidence.medications`) and from its curated classes and street names
(:mod:`kratomsim.evidence.medication_classes`). :func:`resolve_name` turns typed text into a
:class:`NameMatch` that says what was matched and how ("xanax bars → alprazolam (street name)").
Text that matches nothing exactly is resolved only when it is one typing error (one letter added,
dropped, changed or two swapped; names of six letters or more) from exactly one known name, and
the match says so ("closest spelling"); anything farther gets a question naming the nearest
medicine, never a guess. :func:`resolve_medication` and :func:`parse_medication_list` give the
entries the risk layer takes (a class becomes one entry with the properties all its members
share); :func:`medication_names` lists every name for autocompletion.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from rapidfuzz.distance import OSA

from kratomsim.errors import EvidenceError, MedicationError, bad_value
from kratomsim.evidence.medication_classes import (
    NAMES_FILE,
    MedicationClass,
    load_classes,
    load_street_names,
)
from kratomsim.evidence.medication_schema import Medication
from kratomsim.evidence.medications import LIST_HINT, SUGGEST_CUTOFF, load_medications, normalise

#: Shortest name (folded) that a one-letter typo may resolve to.
MIN_TYPO_LEN = 6
#: Separators between medicines in free text: commas, semicolons, new lines, "and", "&", "+".
_SEPARATORS = re.compile(r"[,;\n]+|&|\+|\band\b", re.IGNORECASE)
#: A strength or dose form after a name ("sertraline 50 mg", "xanax 2mg tablets").
_STRENGTH = re.compile(
    r"\s*\b\d+(?:[.,]\d+)?\s*(?:mg|mcg|µg|g|ml)\b|\s*\b(?:tablets?|tabs?|pills?|capsules?|caps)\b",
    re.IGNORECASE,
)

How = Literal["name", "other name", "street name", "closest spelling", "class"]


@dataclass(frozen=True)
class NameMatch:
    """What a typed name matched, and how: a medicine, or a class for a class check."""

    text: str
    how: How
    matched: str
    medication: Medication | None = None
    drug_class: MedicationClass | None = None

    @property
    def entry(self) -> Medication:
        """The entry the risk rules see: the medicine, or the class's shared properties."""
        if self.drug_class is not None:
            return self.drug_class.as_medication()
        assert self.medication is not None
        return self.medication

    @property
    def target(self) -> str:
        """The id of the medicine, or the class's name."""
        if self.drug_class is not None:
            return self.drug_class.name
        assert self.medication is not None
        return self.medication.id

    def describe(self) -> str:
        """``"xanax bars → alprazolam (street name)"``; a plain generic name is shown as it is.

        A class: ``"benzos → Benzodiazepines (class check over 6 medicines: alprazolam, …)"``.
        """
        if self.drug_class is not None:
            members = self.drug_class.members
            listed = ", ".join(m.id for m in members)
            return (
                f"{self.text.strip()} → {self.target} "
                f"(class check over {len(members)} medicines: {listed})"
            )
        if self.how == "name":
            return self.target
        return f"{self.text.strip()} → {self.target} ({self.how})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text.strip(),
            "how": self.how,
            "matched": self.matched,
            "id": self.entry.id,
            "name": self.entry.name,
            "class_members": None
            if self.drug_class is None
            else [m.id for m in self.drug_class.members],
            "class_varies": None if self.drug_class is None else list(self.drug_class.varies()),
        }


@dataclass(frozen=True)
class NameEntry:
    """One name for autocompletion: the text, its kind and what it resolves to."""

    text: str
    kind: Literal["medicine", "other name", "street name", "class"]
    target_id: str
    target_name: str


@cache
def _table() -> dict[str, NameMatch]:
    """Folded name → match; a name that would mean two things fails the load."""
    table: dict[str, NameMatch] = {}

    def add(label: str, match: NameMatch) -> None:
        key = normalise(label)
        owner = table.setdefault(key, match)
        if owner is not match and owner.target != match.target:
            raise EvidenceError(
                f"{NAMES_FILE}: the name {label!r} of {match.target!r} also names {owner.target!r}."
            )
        known = owner.how in ("name", "other name")
        if owner is not match and known and match.how in ("street name", "class"):
            raise EvidenceError(f"{NAMES_FILE}: {label!r} repeats a name the knowledge base has.")

    for m in load_medications():
        for label in (m.id, m.name):
            add(label, NameMatch(label, "name", label, medication=m))
        for label in m.aliases:
            add(label, NameMatch(label, "other name", label, medication=m))
    for name, med, _ in load_street_names():
        add(name, NameMatch(name, "street name", name, medication=med))
    for cls in load_classes():
        for label in cls.names:
            add(label, NameMatch(label, "class", label, drug_class=cls))
    return table


def _typo_match(key: str) -> NameMatch | None:
    """The one known name a single typing error away from ``key``, if exactly one is."""
    if len(key) < MIN_TYPO_LEN:
        return None
    table = _table()
    close = {
        table[k].target: table[k]
        for k in table
        if len(k) >= MIN_TYPO_LEN and abs(len(k) - len(key)) <= 1 and OSA.distance(k, key) <= 1
    }
    return next(iter(close.values())) if len(close) == 1 else None


def _unknown(text: str, key: str) -> MedicationError:
    if not key:
        return MedicationError(
            bad_value(
                "Unknown medication", text, f"Type a medicine name, e.g. 'sertraline'. {LIST_HINT}"
            )
        )
    table = _table()
    near = difflib.get_close_matches(key, list(table), n=1, cutoff=SUGGEST_CUTOFF)
    if near:
        hint = f"Did you mean {table[near[0]].entry.id.removeprefix('class-')!r}?"
        fix = f"Check the spelling or use the generic name. {hint} {LIST_HINT}"
    else:
        fix = f"Check the spelling or use the generic name; kratomsim knows only listed medicines. {LIST_HINT}"
    return MedicationError(bad_value("Unknown medication", text, fix))


def resolve_name(text: str) -> NameMatch:
    """Resolve a typed name to a medicine or a class, saying how it matched.

    Matching ignores case, spaces, hyphens and punctuation, and a strength or dose form after the
    name ("sertraline 50 mg"). Raises :class:`MedicationError` naming the nearest known name
    when nothing matches closely enough.
    """
    table = _table()
    for candidate in (text, _STRENGTH.sub("", text)):
        key = normalise(candidate)
        if key in table:
            found = table[key]
            return NameMatch(text, found.how, found.matched, found.medication, found.drug_class)
    key = normalise(_STRENGTH.sub("", text))
    typo = _typo_match(key)
    if typo is not None:
        return NameMatch(text, "closest spelling", typo.matched, typo.medication, typo.drug_class)
    raise _unknown(text, key)


def resolve_names(text: str) -> tuple[NameMatch, ...]:
    """Resolve a free-text list ("Xanax, benzos and percs"), keeping its order.

    Items are separated by commas, semicolons, new lines, "and", "&" or "+". A medicine or class
    named twice appears once. Unknown names are all reported together.
    """
    items = [part.strip() for part in _SEPARATORS.split(text) if part and part.strip()]
    if not items:
        raise MedicationError(
            bad_value(
                "Empty medication list",
                text,
                "Name at least one medicine, separated by commas, e.g. 'sertraline, gabapentin'.",
            )
        )
    found: dict[str, NameMatch] = {}
    problems: list[str] = []
    for item in items:
        try:
            match = resolve_name(item)
        except MedicationError as exc:
            problems.append(str(exc))
            continue
        found.setdefault(match.entry.id, match)
    if problems:
        raise MedicationError(" ".join(problems))
    return tuple(found.values())


def resolve_medication(name: str) -> Medication:
    """Find one medicine by id, name, brand, other name, street name or a one-letter typo.

    Matching ignores case, spaces, hyphens and punctuation (see :func:`resolve_name`, which also
    says how a name matched). A class ("benzos") or an unknown name raises :class:`MedicationError`; an unknown
    name's message names the closest known medicine, if any: it never guesses.
    """
    match = resolve_name(name)
    if match.drug_class is not None:
        example = match.drug_class.members[0].id
        raise MedicationError(
            bad_value(
                "This names a class of medicines, not one medicine",
                name,
                f"Name one medicine, e.g. {example!r} ({LIST_HINT.removeprefix('See ')})",
            )
        )
    assert match.medication is not None
    return match.medication


def parse_medication_list(text: str) -> tuple[Medication, ...]:
    """Resolve a free-text list such as ``"Xanax, sertraline and benzos"``, keeping its order.

    Items are separated by commas, semicolons, new lines, "and", "&" or "+". A drug named twice
    (``"Xanax, alprazolam"``) appears once. A class ("benzos", "SSRIs") becomes one class entry
    holding the properties all its members share (:func:`resolve_names` also says how each name
    matched). Unknown names are all reported together.
    """
    return tuple(match.entry for match in resolve_names(text))


def medication_names() -> tuple[NameEntry, ...]:
    """Every name kratomsim resolves (medicines, other names, street names, classes), sorted.

    For autocompletion: each entry says what the name resolves to.
    """
    out: list[NameEntry] = []
    for m in load_medications():
        out.append(NameEntry(m.name, "medicine", m.id, m.name))
        out += [NameEntry(a, "other name", m.id, m.name) for a in m.aliases]
    out += [NameEntry(n, "street name", m.id, m.name) for n, m, _ in load_street_names()]
    for cls in load_classes():
        out += [NameEntry(n, "class", f"class-{cls.id}", cls.name) for n in cls.names]
    return tuple(sorted(out, key=lambda e: (e.text.casefold(), e.kind)))


def class_members(matches: Iterable[NameMatch]) -> dict[str, tuple[str, ...]]:
    """Class entry id → member ids, for the classes among ``matches``."""
    return {
        m.entry.id: tuple(x.id for x in m.drug_class.members)
        for m in matches
        if m.drug_class is not None
    }


__all__ = [
    "NAMES_FILE",
    "MedicationClass",
    "NameEntry",
    "NameMatch",
    "class_members",
    "load_classes",
    "load_street_names",
    "medication_names",
    "parse_medication_list",
    "resolve_medication",
    "resolve_name",
    "resolve_names",
]
