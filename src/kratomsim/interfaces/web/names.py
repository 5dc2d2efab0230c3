"""Typed lists of medicines and conditions read item by item, and the names offered as people type.

An unknown item never voids the rest of a list: each is resolved on its own, a class ("benzos")
stands for its members, kratom itself is pointed to the product menu, and an unknown name gets the
nearest known names ("did you mean"). The autocomplete reads :func:`medicine_names` and
:func:`condition_names`; when the knowledge base gains names, they appear with no change here.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from kratomsim.errors import ConditionError, MedicationError
from kratomsim.evidence.medication_names import resolve_medication
from kratomsim.evidence.medication_schema import Medication
from kratomsim.evidence.medications import (
    load_medications,
    medications_by_tag,
    normalise,
)
from kratomsim.risk.conditions import (
    Condition,
    known_condition_names,
    load_condition_specs,
    resolve_condition,
)

#: Classes people name instead of a medicine, and the words they use. Only these tags of the
#: knowledge base are offered as classes. When the knowledge base carries classes of its own
#: (names such as "benzos" resolving to a class entry), resolve_medication finds them first and
#: this table can go.
CLASS_WORDS: dict[str, tuple[str, ...]] = {
    "benzodiazepine": ("benzodiazepines", "benzos", "benzo"),
    "opioid": ("opioids", "opiates"),
    "maoi": ("MAOI", "MAOIs", "MAO inhibitors"),
    "ssri": ("SSRI", "SSRIs"),
    "snri": ("SNRI", "SNRIs"),
    "tca": ("tricyclic antidepressants", "TCAs"),
    "antipsychotic": ("antipsychotics",),
    "stimulant": ("stimulants",),
    "gabapentinoid": ("gabapentinoids",),
    "z-drug": ("Z-drugs", "sleeping pills"),
    "sedating-antihistamine": ("sedating antihistamines",),
    "antiepileptic": ("antiepileptics", "seizure medicines"),
    "statin": ("statins",),
    "anticoagulant": ("anticoagulants", "blood thinners"),
}
#: Words for kratom itself, which is what every check is about.
KRATOM_WORDS = frozenset(
    normalise(w)
    for w in ("kratom", "mitragynine", "7-OH", "7OH", "7-hydroxymitragynine", "ketum", "kratum")
)


@dataclass(frozen=True)
class NameOption:
    """One suggestion: what is typed, and what it is (generic name, "class", condition)."""

    value: str
    hint: str


@lru_cache(maxsize=1)
def medicine_names() -> tuple[NameOption, ...]:
    """Every name the knowledge base knows (generic, brand, street), and the classes.

    The one function the autocomplete reads; when the knowledge base gains classes and street
    names, they appear here with no change to the pages.
    """
    options: dict[str, NameOption] = {}
    for med in load_medications():
        offered: list[str] = []
        for name in (med.name, *med.aliases):
            key = normalise(name)
            # known misspellings still resolve when typed, but are not offered
            if any(difflib.SequenceMatcher(None, key, k).ratio() > 0.75 for k in offered):
                continue
            offered.append(key)
            options.setdefault(key, NameOption(name, med.id))
    for tag, words in CLASS_WORDS.items():
        members = _class_members(tag)
        if members:
            for word in words:
                options.setdefault(normalise(word), NameOption(word, f"class of {len(members)}"))
    return tuple(sorted(options.values(), key=lambda o: o.value.lower()))


@lru_cache(maxsize=1)
def condition_names() -> tuple[NameOption, ...]:
    """Every condition name the vocabulary accepts, with the condition it names."""
    out = []
    for spec in load_condition_specs():
        for name in (spec.name, *spec.aliases):
            out.append(NameOption(name, spec.name))
        for sub, aliases in spec.subclasses:
            out += [NameOption(a, spec.name) for a in (sub, *aliases)]
    unique = {normalise(o.value): o for o in out}
    return tuple(sorted(unique.values(), key=lambda o: o.value.lower()))


@lru_cache(maxsize=64)
def _class_members(tag: str) -> tuple[Medication, ...]:
    try:
        return medications_by_tag(tag)
    except MedicationError:
        return ()


def _class_of(item: str) -> str | None:
    key = normalise(item)
    for tag, words in CLASS_WORDS.items():
        if key in {normalise(tag), *(normalise(w) for w in words)} and _class_members(tag):
            return tag
    return None


def _suggest(item: str, options: Sequence[NameOption], n: int = 3) -> list[str]:
    table = {normalise(o.value): o.value for o in options}
    near = difflib.get_close_matches(normalise(item), list(table), n=n, cutoff=0.6)
    return [table[k] for k in near]


#: Separators between items in a typed list: the library's (commas, semicolons, new lines,
#: "and", "&", "+"), so that a list reads the same on the page and in the CLI.
_SEPARATORS = re.compile(r"[,;\n]+|&|\+|\band\b", re.IGNORECASE)


def split_items(text: str) -> list[str]:
    return [p.strip() for p in _SEPARATORS.split(text) if p and p.strip()]


@dataclass
class Resolved:
    """A typed list read item by item: what is known, what is not, and notes."""

    medications: list[Medication] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    #: Class items: (what was typed, class tag, member medications).
    classes: list[tuple[str, str, tuple[Medication, ...]]] = field(default_factory=list)
    #: Unknown items: (what was typed, suggestions).
    unknown: list[tuple[str, list[str]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def resolve_medicines(text: str) -> Resolved:
    """Each typed medicine resolved on its own: an unknown one never voids the rest."""
    out = Resolved()
    for item in split_items(text):
        if normalise(item) in KRATOM_WORDS:
            out.notes.append(
                f"'{item}' is kratom itself, which every check is about; choose the product "
                "below instead of listing it."
            )
            continue
        try:
            med = resolve_medication(item)
        except MedicationError:
            tag = _class_of(item)
            if tag is not None:
                out.classes.append((item, tag, _class_members(tag)))
            else:
                out.unknown.append((item, _suggest(item, medicine_names())))
            continue
        if all(m.id != med.id for m in out.medications):
            out.medications.append(med)
    return out


def resolve_conditions(text: str) -> Resolved:
    """Each typed condition resolved on its own, with suggestions for the unknown ones."""
    out = Resolved()
    for item in [p.strip() for p in re.split(r"[,;\n]", text) if p.strip()]:
        try:
            cond = resolve_condition(item)
        except ConditionError:
            names = [NameOption(n, n) for n in known_condition_names()]
            out.unknown.append((item, _suggest(item, [*condition_names(), *names])))
            continue
        if all((c.id, c.subclass) != (cond.id, cond.subclass) for c in out.conditions):
            out.conditions.append(cond)
    return out
