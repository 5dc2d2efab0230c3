"""The medication knowledge base: load and validate the co-used drugs, and fold names for matching.

The risk layer reasons about flags and enzyme roles, never about names; people type brand names,
generic names, street names, classes and misspellings. This module loads the knowledge base
(generic names, brands and known misspellings of each medicine) and folds names
(:func:`normalise`); turning typed text into :class:`Medication` entries (exact after folding;
street names and classes; a single-letter typo of one known name, shown as such; anything farther
gets the nearest name *suggested* instead of a guess) is
:func:`kratomsim.evidence.medication_names.resolve_medication` and ``parse_medication_list``.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from pydantic import ValidationError

from kratomsim.errors import EvidenceError, MedicationError, bad_value
from kratomsim.evidence.loader import _cited, load_references, read_data_toml
from kratomsim.evidence.medication_schema import Medication

MEDICATION_FILE = "medications.toml"
#: Medication fields that hold cited numbers (CitedValue tables in the data file).
CITED_FIELDS = ("fm_cyp3a4", "fg", "fh", "fm_cyp2d6")
#: How a person sees every name kratomsim knows (the interfaces name their own list).
LIST_HINT = "See every known medicine with load_medications()."
#: Similarity (difflib ratio) a typo needs before a name is suggested.
SUGGEST_CUTOFF = 0.7


def normalise(name: str) -> str:
    """Fold a name for matching: accents, case, spaces, hyphens and punctuation are ignored.

    ``"St. John's-Wort"`` and ``"st johns wort"`` both become ``"stjohnswort"``.
    """
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", ascii_text.casefold())


def _build(raw: Mapping[str, Any], index: int) -> Medication:
    mid = str(raw.get("id", f"#{index + 1}"))
    fields = dict(raw)
    for field in CITED_FIELDS:
        if field in fields:
            fields[field] = _cited(f"{mid}.{field}", fields[field], MEDICATION_FILE)
    try:
        return Medication.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise EvidenceError(
            f"{MEDICATION_FILE}: medication {mid!r} is invalid ({problems})."
        ) from None


def _cited_keys(med: Medication) -> Iterable[str]:
    yield from med.sources
    for field in CITED_FIELDS:
        cited = getattr(med, field)
        if cited is not None:
            yield cited.source


@cache
def load_medications() -> tuple[Medication, ...]:
    """Every medication in the knowledge base, validated, in file order.

    Fails with :class:`EvidenceError` if an entry breaks the schema, cites a key missing from the
    bibliography, repeats an id, or shares a name or alias with another drug.
    """
    refs = load_references()
    meds: list[Medication] = []
    for index, raw in enumerate(read_data_toml(MEDICATION_FILE).get("medication", [])):
        med = _build(raw, index)
        for key in _cited_keys(med):
            if key not in refs:
                raise EvidenceError(f"{MEDICATION_FILE}: {med.id!r} cites unknown source {key!r}.")
        meds.append(med)
    _names_of(tuple(meds))  # raises on an id, name or alias that names two drugs
    return tuple(meds)


@cache
def _names_of(meds: tuple[Medication, ...]) -> dict[str, Medication]:
    table: dict[str, Medication] = {}
    for med in meds:
        if any(other.id == med.id for other in table.values()):
            raise EvidenceError(f"{MEDICATION_FILE}: medication id {med.id!r} is defined twice.")
        for label in (med.id, med.name, *med.aliases):
            key = normalise(label)
            if not key:
                raise EvidenceError(f"{MEDICATION_FILE}: {med.id!r} has an empty name {label!r}.")
            owner = table.setdefault(key, med)
            if owner.id != med.id:
                raise EvidenceError(
                    f"{MEDICATION_FILE}: the name {label!r} of {med.id!r} also names {owner.id!r}; "
                    "every alias must name one drug."
                )
    return table


def medication_tags() -> tuple[str, ...]:
    """Every class and tag used in the knowledge base, sorted."""
    return tuple(sorted({t for m in load_medications() for t in (m.drug_class, *m.tags)}))


def medications_by_tag(tag: str) -> tuple[Medication, ...]:
    """Medications whose class or tags include ``tag`` (e.g. "opioid", "ssri", "cyp3a-inhibitor")."""
    key = normalise(tag)
    known = {normalise(t): t for t in medication_tags()}
    if key not in known:
        near = difflib.get_close_matches(key, list(known), n=1, cutoff=SUGGEST_CUTOFF)
        hint = f" Did you mean {known[near[0]]!r}?" if near else ""
        raise MedicationError(
            bad_value(
                "Unknown medication class or tag",
                tag,
                f"Use one of: {', '.join(known.values())}.{hint}",
            )
        )
    return tuple(
        m for m in load_medications() if key in {normalise(t) for t in (m.drug_class, *m.tags)}
    )
