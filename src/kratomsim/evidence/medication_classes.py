"""Medicine classes and street names: the curated additions of ``data/medication_names.toml``.

The knowledge base (``data/medications.toml``) gives each medicine its generic name, brands and
known misspellings. This file adds two kinds of names:

- **classes** ("benzos", "SSRIs", "MAOI", "opioids"): a :class:`MedicationClass` whose members are
  the medicines of one ``drug_class`` or tag. Checked as a class, it acts as one medicine that has
  exactly the properties *every* member shares (:meth:`MedicationClass.as_medication`), so each
  rule fires once for the class instead of once per member; the properties only some members
  have are listed (:meth:`MedicationClass.varies`) so that nobody reads "no finding" as "no risk";
- **street names** ("xanax bars", "percs"): one medicine each, curated, grade E, with a source
  where one lists the name (:func:`load_street_names`).

Resolving typed text against these names is :mod:`kratomsim.evidence.medication_names`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from kratomsim.errors import EvidenceError
from kratomsim.evidence.loader import load_references, read_data_toml
from kratomsim.evidence.medication_schema import Medication
from kratomsim.evidence.medications import load_medications, normalise

NAMES_FILE = "medication_names.toml"
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
    for raw in read_data_toml(NAMES_FILE).get("class", []):
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
    for raw in read_data_toml(NAMES_FILE).get("street_name", []):
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
