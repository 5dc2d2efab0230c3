"""Journal entries: what a person records, validated before anything touches the store.

Each kind of entry is a frozen pydantic model with a positional constructor
(``PainEntry(6, "2026-11-20 08:10")``). Invalid input raises :class:`JournalError` with the
project's message template (what, value, fix) at construction, so a journal never sees it.

Scales (free, validated instruments; see ``shared/reference/anchors.md`` section C):

* pain: NRS 0–10, integer (0 = no pain, 10 = worst pain imaginable).
* PEG-3 (Krebs 2009): three 0–10 integer items — average pain, interference with enjoyment of
  life, interference with general activity. The score is their mean.
* withdrawal: SOWS (Handelsman 1987), 16 self-rated items scored 0–4, so a total of 0–64; the
  16 item scores (:data:`SOWS_ITEMS`) may be kept with the total, which must then be their sum.
* symptom: a name from :data:`SYMPTOMS` and a severity on the same 0–10 scale as the pain NRS
  (0 = absent, 10 = worst imaginable), so every self-rating in the journal reads the same way.
* substance: another substance taken (alcohol, a benzodiazepine, an opioid, …), named as the
  medication knowledge base names it, with an optional amount and unit as the person counts it.
* dose: an amount of product in g or mg, or a count of household units with an explicit weight
  (teaspoons, capsules: ``g_per_unit``) or of 7-OH tablets with their labelled 7-OH content
  (``oh7_mg_per_unit``); :func:`dose_grams` turns any of them into grams of product.

Every number is checked against :data:`kratomsim.journal.bounds.BOUNDS`, the table the CLI and
the web forms show; names and units come from :mod:`kratomsim.journal.vocabulary`.

Times: a time with a zone is converted to UTC; a time without one is *local* time. Stored times
are UTC, to the second. Times more than a day in the future are refused (a typo guard).
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import Field, field_validator, model_validator

from kratomsim.errors import JournalError, MedicationError, bad_value
from kratomsim.evidence.medication_names import resolve_medication
from kratomsim.journal.bounds import BOUNDS
from kratomsim.journal.doses import DoseEntry as DoseEntry
from kratomsim.journal.doses import dose_grams as dose_grams
from kratomsim.journal.entry_base import FUTURE_TOLERANCE as FUTURE_TOLERANCE
from kratomsim.journal.entry_base import NOTE_MAX_CHARS as NOTE_MAX_CHARS
from kratomsim.journal.entry_base import TIME_HINT as TIME_HINT
from kratomsim.journal.entry_base import EntryModel, Score10, bounded, score_field
from kratomsim.journal.entry_base import When as When
from kratomsim.journal.entry_base import iso as iso
from kratomsim.journal.entry_base import now_utc as now_utc
from kratomsim.journal.entry_base import to_utc as to_utc
from kratomsim.journal.vocabulary import COUNT_UNITS as COUNT_UNITS
from kratomsim.journal.vocabulary import DOSE_UNITS as DOSE_UNITS
from kratomsim.journal.vocabulary import SOWS_ANSWERS as SOWS_ANSWERS
from kratomsim.journal.vocabulary import SOWS_ITEMS as SOWS_ITEMS
from kratomsim.journal.vocabulary import SUBSTANCE_UNITS as SUBSTANCE_UNITS
from kratomsim.journal.vocabulary import SYMPTOM_ALIASES
from kratomsim.journal.vocabulary import SYMPTOMS as SYMPTOMS


class PainEntry(EntryModel):
    """Pain intensity now, on the 0–10 numeric rating scale."""

    kind: ClassVar[str] = "pain"
    label: ClassVar[str] = "pain"

    nrs: Annotated[int, score_field("nrs", "a whole number from 0 (no pain) to 10 (worst)")]

    def __init__(self, nrs: int, at: When = None) -> None:
        super().__init__(nrs=nrs, at=at)


class PegEntry(EntryModel):
    """PEG-3: average pain, interference with enjoyment of life and with general activity."""

    kind: ClassVar[str] = "peg"
    label: ClassVar[str] = "PEG-3"

    pain: Score10
    enjoyment: Score10
    activity: Score10

    def __init__(self, pain: int, enjoyment: int, activity: int, at: When = None) -> None:
        super().__init__(pain=pain, enjoyment=enjoyment, activity=activity, at=at)

    @property
    def score(self) -> float:
        """The PEG score: the mean of the three items (Krebs 2009)."""
        return (self.pain + self.enjoyment + self.activity) / 3


class SymptomEntry(EntryModel):
    """One symptom from :data:`SYMPTOMS` and its severity, 0 (absent) to 10 (worst)."""

    kind: ClassVar[str] = "symptom"
    label: ClassVar[str] = "symptom"

    name: Annotated[str, Field(description="a symptom name (one of the journal's symptom names)")]
    severity: Annotated[
        int, score_field("severity", "a whole number from 0 (absent) to 10 (worst)")
    ]

    def __init__(self, name: str, severity: int, at: When = None) -> None:
        super().__init__(name=name, severity=severity, at=at)

    @field_validator("name", mode="before")
    @classmethod
    def _known_symptom(cls, value: object) -> str:
        return resolve_symptom(str(value))


def resolve_symptom(text: str) -> str:
    """The journal's name for a symptom as people type it ("short of breath", "Diarrhea")."""
    key = "-".join(text.strip().lower().replace("_", " ").split())
    key = SYMPTOM_ALIASES.get(key, key)
    if key in SYMPTOMS:
        return key
    near = difflib.get_close_matches(key, SYMPTOMS, n=1, cutoff=0.6)
    hint = f"Did you mean {near[0]!r}? " if near else ""
    raise ValueError(f"Unknown symptom. {hint}Choose one of {', '.join(SYMPTOMS)}.")


def parse_sows_items(value: object) -> tuple[int, ...] | None:
    """SOWS item scores from a list or from text such as '1 0 2 …' or '[1, 0, 2, …]'."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = [t for t in re.split(r"[\s,\[\]]+", value) if t]
    if not isinstance(value, list | tuple):
        raise JournalError(
            bad_value("SOWS items must be a list", value, f"Give {len(SOWS_ITEMS)} scores 0-4.")
        )
    scores = []
    for item in value:
        text = str(item).strip()
        if not re.fullmatch(r"-?\d+", text):
            fix = f"Give {len(SOWS_ITEMS)} whole numbers 0-4, e.g. '0 1 2 0 …'."
            raise JournalError(bad_value("A SOWS item score is not a whole number", item, fix))
        scores.append(int(text))
    return tuple(scores)


class WithdrawalEntry(EntryModel):
    """Withdrawal as a SOWS total (16 items × 0–4 = 0–64; Handelsman 1987), optionally with items.

    ``items`` holds the 16 item scores in the order of :data:`SOWS_ITEMS`; when given, ``sows``
    must be their sum.
    """

    kind: ClassVar[str] = "withdrawal"
    label: ClassVar[str] = "withdrawal"

    sows: Annotated[int, score_field("sows", "the SOWS total, a whole number from 0 to 64")]
    items: Annotated[
        tuple[int, ...] | None,
        Field(description=f"{len(SOWS_ITEMS)} item scores, each a whole number from 0 to 4"),
    ] = None

    def __init__(
        self, sows: int, at: When = None, *, items: tuple[int, ...] | list[int] | None = None
    ) -> None:
        super().__init__(sows=sows, at=at, items=items)

    @field_validator("items", mode="before")
    @classmethod
    def _read_items(cls, value: object) -> tuple[int, ...] | None:
        return parse_sows_items(value)

    @model_validator(mode="after")
    def _items_add_up(self) -> Self:
        if self.items is None:
            return self
        if len(self.items) != len(SOWS_ITEMS):
            fix = f"Rate all {len(SOWS_ITEMS)} SOWS items, each 0-4."
            raise JournalError(bad_value("Wrong number of SOWS items", len(self.items), fix))
        for number, score in enumerate(self.items, start=1):
            if not BOUNDS["sows_item"].contains(score):
                fix = f"Give {BOUNDS['sows_item'].describe()} ({', '.join(SOWS_ANSWERS)})."
                raise JournalError(bad_value(f"Invalid SOWS item {number}", score, fix))
        if sum(self.items) != self.sows:
            fix = "The SOWS total is the sum of the 16 items; leave the total to be computed."
            raise JournalError(bad_value("SOWS total and items differ", self.sows, fix))
        return self

    @classmethod
    def from_items(cls, items: list[int] | tuple[int, ...], at: When = None) -> WithdrawalEntry:
        """The entry of 16 item scores, with their sum as the total."""
        scores = parse_sows_items(list(items)) or ()
        return cls(sum(scores), at, items=scores)


class SubstanceEntry(EntryModel):
    """Another substance taken (alcohol, a benzodiazepine, an opioid, …) and how much, if known.

    ``name`` is resolved against the medication knowledge base (brand and street names too) and
    stored as its id, so the risk rules can check it; ``amount`` and ``unit`` record what the
    person counted (2 drinks, 1 tablet) and are never converted.
    """

    kind: ClassVar[str] = "substance"
    label: ClassVar[str] = "substance"

    name: Annotated[str, Field(description="a medicine or substance the knowledge base knows")]
    amount: Annotated[
        float | None,
        Field(allow_inf_nan=False, description=BOUNDS["substance_amount"].describe()),
    ] = None
    unit: Annotated[
        Literal["drink", "mg", "g", "mL", "tablet", "dose", "puff"] | None,
        Field(description=f"one of {', '.join(SUBSTANCE_UNITS)}"),
    ] = None

    def __init__(
        self, name: str, amount: float | None = None, unit: str | None = None, at: When = None
    ) -> None:
        super().__init__(name=name, amount=amount, unit=unit, at=at)

    @field_validator("name", mode="before")
    @classmethod
    def _known_substance(cls, value: object) -> str:
        try:
            return resolve_medication(str(value)).id
        except MedicationError as exc:
            raise JournalError(str(exc)) from None

    @field_validator("unit", mode="before")
    @classmethod
    def _substance_unit(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if not text:
                return None
            folded = {u.lower(): u for u in SUBSTANCE_UNITS}
            key = text.lower().removesuffix("s") if text.lower() not in folded else text.lower()
            return folded.get(key, text)
        return value

    @model_validator(mode="after")
    def _amount_in_bounds(self) -> Self:
        if self.amount is not None:
            bounded("substance_amount", "substance amount", self.amount)
        return self


class NoteEntry(EntryModel):
    """Free text: context a number cannot carry (sleep, a missed dose, a new medication)."""

    kind: ClassVar[str] = "note"
    label: ClassVar[str] = "note"

    text: Annotated[str, Field(description=f"1 to {NOTE_MAX_CHARS} characters of text")]

    def __init__(self, text: str, at: When = None) -> None:
        super().__init__(text=text, at=at)

    @field_validator("text", mode="before")
    @classmethod
    def _sized(cls, value: object) -> str:
        if not isinstance(value, str):
            raise ValueError("Give the note as text.")
        text = value.strip()
        if not text:
            raise ValueError("A note needs some text.")
        if len(text) > NOTE_MAX_CHARS or "\x00" in text:
            raise ValueError(
                f"A note holds at most {NOTE_MAX_CHARS} characters (no NUL); "
                f"this one has {len(text)}. Split it or shorten it."
            )
        return text


Entry = (
    DoseEntry | PainEntry | PegEntry | SymptomEntry | WithdrawalEntry | SubstanceEntry | NoteEntry
)
ENTRY_TYPES: dict[str, type[Entry]] = {
    cls.kind: cls
    for cls in (
        DoseEntry,
        PainEntry,
        PegEntry,
        SymptomEntry,
        WithdrawalEntry,
        SubstanceEntry,
        NoteEntry,
    )
}
KINDS: tuple[str, ...] = tuple(ENTRY_TYPES)


def check_kind(kind: str) -> type[Entry]:
    """The entry class of ``kind``, or a :class:`JournalError` naming the kinds."""
    cls = ENTRY_TYPES.get(kind)
    if cls is None:
        raise JournalError(bad_value("Unknown entry kind", kind, f"Use one of {', '.join(KINDS)}."))
    return cls


def make_entry(kind: str, at: When, data: dict[str, Any]) -> Entry:
    """Build and validate an entry of ``kind`` from its fields (imports, edits, the store)."""
    cls = check_kind(kind)
    fields = set(cls.model_fields) - {"at"}
    required = {f for f in fields if cls.model_fields[f].is_required()}
    extra, missing = set(data) - fields, required - set(data)
    if extra or missing:
        problem = f"unexpected {sorted(extra)}" if extra else f"missing {sorted(missing)}"
        fix = f"A {kind} entry has the fields {', '.join(sorted(fields))}."
        raise JournalError(bad_value(f"Fields of a {kind} entry ({problem})", data, fix))
    for name, value in data.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise JournalError(bad_value(f"Invalid {kind} {name}", value, "Give a finite number."))
    return cls(**data, at=at)


@dataclass(frozen=True)
class StoredEntry:
    """An entry as the journal holds it: its id, kind, UTC time, fields and bookkeeping."""

    id: int
    kind: str
    at: datetime
    data: dict[str, Any]
    created_at: datetime
    updated_at: datetime | None = None
    deleted_at: datetime | None = None

    @property
    def entry(self) -> Entry:
        """The validated entry (raises :class:`JournalError` if the stored fields are invalid)."""
        return make_entry(self.kind, self.at, self.data)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types: id, kind, times as UTC ISO-8601 text, then the fields."""

        def text(value: datetime | None) -> str | None:
            return None if value is None else iso(value)

        return {
            "id": self.id,
            "kind": self.kind,
            "at": iso(self.at),
            **self.data,
            "created_at": iso(self.created_at),
            "updated_at": text(self.updated_at),
            "deleted_at": text(self.deleted_at),
        }
