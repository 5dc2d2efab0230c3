"""Every name people use for a medicine: classes, street names and typos, with the match shown.

``data/medication_names.toml`` adds two kinds of names to the knowledge base
(``data/medications.toml``, whose entries carry generic names, brands and known misspellings):

- **classes** ("benzos", "SSRIs", "MAOI", "opioids"): a :class:`MedicationClass` whose members are
  the medicines of one ``drug_class`` or tag. Checked as a class, it acts as one medicine that has
  exactly the properties *every* member shares (:meth:`MedicationClass.as_medication`), so each
  rule fires once for the class instead of once per member; the properties only some members
  have are listed (:meth:`MedicationClass.varies`) so that nobody reads "no finding" as "no risk";
- **street names** ("xanax bars", "percs"): one medicine each, curated, grade E, with a source
  where one lists the name.

:func:`resolve_name` turns typed text into a :class:`NameMatch` that says what was matched and how
("xanax bars → alprazolam (street name)"). Text that matches nothing exactly is resolved only when
it is one typing error (one letter added, dropped, changed or two swapped; names of six letters or
more) from exactly one known name, and the match says so ("closest spelling"); anything farther
gets a question naming the nearest medicine, never a guess. :func:`medication_names` lists every
name for autocompletion.
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
from kratomsim.evidence.loader import _read_toml, load_references
from kratomsim.evidence.medication_schema import Medication
from kratomsim.evidence.medications import LIST_HINT, SUGGEST_CUTOFF, load_medications, normalise

NAMES_FILE = "medication_names.toml"
#: Shortest name (folded) that a one-letter typo may resolve to.
MIN_TYPO_LEN = 6
#: Separators between medicines in free text: commas, semicolons, new lines, "and", "&", "+".
_SEPARATORS = re.compile(r"[,;\n]+|&|\+|\band\b", re.IGNORECASE)
#: A strength or dose form after a name ("sertraline 50 mg", "xanax 2mg tablets").
_STRENGTH = re.compile(
    r"\s*\b\d+(?:[.,]\d+)?\s*(?:mg|mcg|µg|g|ml)\b|\s*\b(?:tablets?|tabs?|pills?|capsules?|caps)\b",
    re.IGNORECASE,
)
_QT = ("none", "possible", "conditional", "known")
_LEVEL = ("none", "low", "moderate", "high")
_STRENGTHS = ("none", "weak", "moderate", "strong")
_FLAGS = (
    "cns_depressant",
    "respiratory_depressant",
    "opioid_agonist",
    "serotonergic",
    "maoi",
    "stimulant",
    "lowers_seizure_threshold",
    "narrow_therapeutic_index",
    "cyp3a4_substrate",
    "cyp2d6_substrate",
    "pgp_substrate",
    "pgp_inhibitor",
)
_RANKED = {
    "qt_risk": _QT,
    "hepatotoxicity": _LEVEL,
    "cyp3a4_inhibitor": _STRENGTHS,
    "cyp3a4_inducer": _STRENGTHS,
    "cyp2d6_inhibitor": _STRENGTHS,
}

How = Literal["name", "other name", "street name", "closest spelling", "class"]


@dataclass(frozen=True)
class MedicationClass:
    """A class of medicines ("benzodiazepines") and the members the knowledge base holds."""

    id: str
    name: str
    names: tuple[str, ...]
    members: tuple[Medication, ...]
    excluded: tuple[str, ...]
    sources: tuple[str, ...]
    grade: str
    note: str

    def as_medication(self) -> Medication:
        """One entry with the properties every member shares (flags all have, lowest levels)."""
        members = self.members
        fields: dict[str, Any] = {f: all(getattr(m, f) for m in members) for f in _FLAGS}
        for f, order in _RANKED.items():
            fields[f] = order[min(order.index(getattr(m, f)) for m in members)]
        classes = [{m.drug_class, *m.tags} for m in members]
        shared = set.intersection(*classes)
        drug_classes = {m.drug_class for m in members}
        routes = {m.route for m in members}
        fields["route"] = routes.pop() if len(routes) == 1 else "various"
        return Medication(
            id=f"class-{self.id}",
            name=f"{self.name} (class)",
            drug_class=drug_classes.pop() if len(drug_classes) == 1 else "medicine class",
            tags=tuple(sorted(shared)),
            sources=tuple(dict.fromkeys([*self.sources, *(s for m in members for s in m.sources)])),
            grade="E",
            note=f"Class check over {', '.join(m.id for m in members)}. {self.note}",
            **fields,
        )

    def varies(self) -> tuple[str, ...]:
        """Properties only some members have, as "serotonergic: tramadol, methadone"."""
        out = []
        for f in _FLAGS:
            have = [m.id for m in self.members if getattr(m, f)]
            if have and len(have) < len(self.members):
                out.append(f"{f.replace('_', ' ')}: {', '.join(have)}")
        for f, order in _RANKED.items():
            low = min(order.index(getattr(m, f)) for m in self.members)
            more = [
                f"{m.id} ({getattr(m, f)})"
                for m in self.members
                if order.index(getattr(m, f)) > low
            ]
            if more:
                out.append(f"{f.replace('_', ' ')}: {', '.join(more)}")
        return tuple(out)


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


def _required(raw: dict[str, Any], key: str, where: str) -> Any:
    if key not in raw:
        raise EvidenceError(f"{NAMES_FILE}: {where} has no {key!r}.")
    return raw[key]


@cache
def load_classes() -> tuple[MedicationClass, ...]:
    """Every medicine class, with its members; fails on an empty class or an unknown source."""
    refs = load_references()
    meds = load_medications()
    out = []
    for raw in _read_toml(NAMES_FILE).get("class", []):
        cid = str(_required(raw, "id", "a class"))
        members_of = {normalise(x) for x in _required(raw, "members", cid)}
        exclude = tuple(raw.get("exclude", ()))
        members = tuple(
            m
            for m in meds
            if members_of & {normalise(t) for t in (m.drug_class, *m.tags)} and m.id not in exclude
        )
        if len(members) < 2:
            raise EvidenceError(f"{NAMES_FILE}: class {cid!r} has fewer than two members.")
        sources = tuple(_required(raw, "sources", cid))
        if missing := [s for s in sources if s not in refs]:
            raise EvidenceError(f"{NAMES_FILE}: class {cid!r} cites unknown sources {missing}.")
        out.append(
            MedicationClass(
                cid,
                str(_required(raw, "name", cid)),
                tuple(_required(raw, "names", cid)),
                members,
                exclude,
                sources,
                str(_required(raw, "grade", cid)),
                str(raw.get("note", "")),
            )
        )
    return tuple(out)


@cache
def load_street_names() -> tuple[tuple[str, Medication, str], ...]:
    """(street name, medicine, source key or "") for every curated street name."""
    refs = load_references()
    by_id = {m.id: m for m in load_medications()}
    out = []
    for raw in _read_toml(NAMES_FILE).get("street_name", []):
        name = str(_required(raw, "name", "a street name"))
        mid = str(_required(raw, "medication", name))
        source = str(raw.get("source", ""))
        if mid not in by_id:
            raise EvidenceError(
                f"{NAMES_FILE}: street name {name!r} names unknown medicine {mid!r}."
            )
        if source and source not in refs:
            raise EvidenceError(
                f"{NAMES_FILE}: street name {name!r} cites unknown source {source!r}."
            )
        if not source and not raw.get("note"):
            raise EvidenceError(f"{NAMES_FILE}: street name {name!r} has no source and no note.")
        if _required(raw, "grade", name) != "E":
            raise EvidenceError(f"{NAMES_FILE}: street name {name!r} must be grade E.")
        out.append((name, by_id[mid], source))
    return tuple(out)


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
