"""The medication knowledge base: load, validate and resolve co-used drugs by any name people use.

The risk layer reasons about flags and enzyme roles, never about names; people type brand names,
generic names, street names and misspellings. This module is the one place that turns such text
into :class:`Medication` entries. It matches exactly (after folding case, spaces, hyphens and
punctuation) and, for anything else, *suggests* the nearest name in the error message instead of
guessing: a wrong guess about someone's medicine is worse than a question.
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
from kratomsim.evidence.loader import _cited, _read_toml, load_references
from kratomsim.evidence.medication_schema import Medication

MEDICATION_FILE = "medications.toml"
#: Medication fields that hold cited numbers (CitedValue tables in the data file).
CITED_FIELDS = ("fm_cyp3a4", "fg", "fh", "fm_cyp2d6")
#: How a person sees every name kratomsim knows (the interfaces name their own list).
LIST_HINT = "See every known medicine with load_medications()."
#: Similarity (difflib ratio) a typo needs before a name is suggested.
SUGGEST_CUTOFF = 0.7
#: Separators between medicines in free text: commas, semicolons, new lines, "and", "&", "+".
_SEPARATORS = re.compile(r"[,;\n]+|&|\+|\band\b", re.IGNORECASE)


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
    for index, raw in enumerate(_read_toml(MEDICATION_FILE).get("medication", [])):
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


def _name_table() -> dict[str, Medication]:
    return _names_of(load_medications())


def _unknown_fix(key: str) -> str:
    if not key:
        return f"Type a medicine name, e.g. 'sertraline'. {LIST_HINT}"
    table = _name_table()
    near = difflib.get_close_matches(key, list(table), n=1, cutoff=SUGGEST_CUTOFF)
    if near:
        return (
            f"Check the spelling or use the generic name. Did you mean {table[near[0]].id!r}? "
            f"{LIST_HINT}"
        )
    return f"Check the spelling or use the generic name; kratomsim knows only listed medicines. {LIST_HINT}"


def resolve_medication(name: str) -> Medication:
    """Find a medication by id, name, brand name, other name or a known misspelling.

    Matching ignores case, spaces, hyphens and punctuation. An unknown name raises
    :class:`MedicationError` naming the closest known medicine, if any: it never guesses.
    """
    key = normalise(name)
    med = _name_table().get(key)
    if med is None:
        raise MedicationError(bad_value("Unknown medication", name, _unknown_fix(key)))
    return med


def parse_medication_list(text: str) -> tuple[Medication, ...]:
    """Resolve a free-text list such as ``"Xanax, sertraline and gabapentin"``, keeping its order.

    Items are separated by commas, semicolons, new lines, "and", "&" or "+". A drug named twice
    (``"Xanax, alprazolam"``) appears once. Unknown names are all reported together.
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
    found: dict[str, Medication] = {}
    problems: list[str] = []
    for item in items:
        try:
            med = resolve_medication(item)
        except MedicationError as exc:
            problems.append(str(exc))
            continue
        found.setdefault(med.id, med)
    if problems:
        raise MedicationError(" ".join(problems))
    return tuple(found.values())


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
