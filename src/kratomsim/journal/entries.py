"""Journal entries: what a person records, validated before anything touches the store.

Each kind of entry is a frozen pydantic model with a positional constructor
(``PainEntry(6, "2026-11-20 08:10")``). Invalid input raises :class:`JournalError` with the
project's message template (what, value, fix) at construction, so a journal never sees it.

Scales (free, validated instruments; see ``shared/reference/anchors.md`` section C):

* pain: NRS 0–10, integer (0 = no pain, 10 = worst pain imaginable).
* PEG-3 (Krebs 2009): three 0–10 integer items — average pain, interference with enjoyment of
  life, interference with general activity. The score is their mean.
* withdrawal: SOWS (Handelsman 1987), 16 self-rated items scored 0–4, so a total of 0–64.
* symptom: a name from :data:`SYMPTOMS` and a severity on the same 0–10 scale as the pain NRS
  (0 = absent, 10 = worst imaginable), so every self-rating in the journal reads the same way.

Times: a time with a zone is converted to UTC; a time without one is *local* time. Stored times
are UTC, to the second. Times more than a day in the future are refused (a typo guard).
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kratomsim.errors import JournalError, KratomsimError, bad_value
from kratomsim.evidence import resolve_product

#: A time as given by a caller: aware or naive (local) datetime, ISO-8601 text, or None for now.
When = datetime | str | None

#: Self-rated symptoms the journal accepts. Gastro-intestinal effects (nausea, constipation):
#: Grundmann 2017; withdrawal symptoms (muscle aches, insomnia, runny nose, watery eyes, hot
#: flashes, loss of appetite, diarrhoea, restlessness, irritability, low mood, anxiety): Singh
#: 2014; liver-injury watch (jaundice, itching, dark urine, abdominal pain): LiverTox; acute harms
#: of concentrated 7-OH products (vomiting, confusion, breathing difficulty): Texas DSHS. The rest
#: are common self-reported effects of opioid-like substances that users ask to track.
SYMPTOMS: tuple[str, ...] = (
    "nausea",
    "vomiting",
    "constipation",
    "diarrhoea",
    "abdominal-pain",
    "loss-of-appetite",
    "sweating",
    "hot-flashes",
    "runny-nose",
    "watery-eyes",
    "muscle-aches",
    "tremor",
    "insomnia",
    "drowsiness",
    "fatigue",
    "anxiety",
    "restlessness",
    "irritability",
    "low-mood",
    "confusion",
    "itching",
    "dizziness",
    "headache",
    "dry-mouth",
    "breathing-difficulty",
    "jaundice",
    "dark-urine",
)
_SYMPTOM_ALIASES = {
    "diarrhea": "diarrhoea",
    "pruritus": "itching",
    "itch": "itching",
    "sleeplessness": "insomnia",
    "muscle-pain": "muscle-aches",
    "appetite-loss": "loss-of-appetite",
    "depressed-mood": "low-mood",
    "sadness": "low-mood",
}
#: Units a dose may be given in, as grams per unit.
DOSE_UNITS: dict[str, float] = {"g": 1.0, "mg": 1e-3}
_UNIT_ALIASES = {"gram": "g", "grams": "g", "milligram": "mg", "milligrams": "mg"}
#: Longest note accepted, in characters (a note is a remark, not a document).
NOTE_MAX_CHARS = 2000
#: How far in the future an entry time may lie (clock skew, time zones); beyond it is a typo.
FUTURE_TOLERANCE = timedelta(days=1)
TIME_HINT = "Give a time like '2026-11-20 08:10' (local time) or ISO-8601 with a zone."


def now_utc() -> datetime:
    """The current time in UTC, to the second (the journal's resolution)."""
    return datetime.now(UTC).replace(microsecond=0)


def to_utc(value: object) -> datetime:
    """Read a time (datetime, ISO-8601 text or None for now) as an aware UTC datetime.

    A naive time is local time, as a person types it.
    """
    if value is None:
        return now_utc()
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"Not a time. {TIME_HINT}") from None
    if not isinstance(value, datetime):
        raise ValueError(f"Not a time. {TIME_HINT}")
    local = value.astimezone() if value.tzinfo is None else value
    return local.astimezone(UTC).replace(microsecond=0)


def iso(value: datetime) -> str:
    """The stored text form of a time: UTC ISO-8601 to the second (sorts as text)."""
    return to_utc(value).isoformat(timespec="seconds")


def _error_message(cls: type[_Entry], exc: ValidationError) -> str:
    err = exc.errors()[0]
    field = str(err["loc"][0]) if err["loc"] else "entry"
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, KratomsimError):
        return str(cause)
    if err["type"] == "value_error" and cause is not None:
        fix = str(cause)
    else:
        info = cls.model_fields.get(field)
        wanted = f" Give {info.description}." if info is not None and info.description else ""
        fix = f"{err['msg']}.{wanted}"
    name = "time" if field == "at" else field
    return bad_value(f"Invalid {cls.label} {name}", err.get("input"), fix)


class _Entry(BaseModel):
    """Fields common to every entry; subclasses add the measurement."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ClassVar[str]
    label: ClassVar[str]

    at: Annotated[datetime, Field(description="the time of the entry")]

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise JournalError(_error_message(type(self), exc)) from None

    @field_validator("at", mode="before")
    @classmethod
    def _read_time(cls, value: object) -> datetime:
        return to_utc(value)

    @field_validator("at")
    @classmethod
    def _not_in_future(cls, value: datetime) -> datetime:
        if value > now_utc() + FUTURE_TOLERANCE:
            raise ValueError(f"That is more than a day in the future. {TIME_HINT}")
        return value

    def data(self) -> dict[str, Any]:
        """The measurement as plain JSON types (everything but the time)."""
        return self.model_dump(mode="json", exclude={"at"}, exclude_none=True)


Score10 = Annotated[int, Field(ge=0, le=10, description="a whole number from 0 to 10")]


class DoseEntry(_Entry):
    """A dose of a product: amount in g or mg of product (not of alkaloid).

    ``mg_per_g`` optionally records the product's mitragynine content from a label or assay.
    """

    kind: ClassVar[str] = "dose"
    label: ClassVar[str] = "dose"

    product: Annotated[str, Field(description="a product id (see 'kratomsim products')")]
    amount: Annotated[
        float, Field(gt=0, allow_inf_nan=False, description="a positive amount of product")
    ]
    unit: Annotated[Literal["g", "mg"], Field(description="the unit 'g' or 'mg'")] = "g"
    mg_per_g: Annotated[
        float | None,
        Field(
            gt=0,
            le=1000,
            allow_inf_nan=False,
            description="the mitragynine content from a label or assay, 0 to 1000 mg per g",
        ),
    ] = None

    def __init__(
        self,
        product: str,
        amount: float,
        unit: str = "g",
        at: When = None,
        *,
        mg_per_g: float | None = None,
    ) -> None:
        super().__init__(product=product, amount=amount, unit=unit, at=at, mg_per_g=mg_per_g)

    @field_validator("product", mode="before")
    @classmethod
    def _known_product(cls, value: object) -> str:
        if not isinstance(value, str):
            raise ValueError("Give a product id such as 'leaf-powder'.")
        return resolve_product(value).id  # ProductError names the choices

    @field_validator("unit", mode="before")
    @classmethod
    def _unit(cls, value: object) -> object:
        if isinstance(value, str):
            key = value.strip().lower()
            return _UNIT_ALIASES.get(key, key)
        return value

    @property
    def amount_g(self) -> float:
        """The amount in grams of product."""
        return self.amount * DOSE_UNITS[self.unit]


class PainEntry(_Entry):
    """Pain intensity now, on the 0–10 numeric rating scale."""

    kind: ClassVar[str] = "pain"
    label: ClassVar[str] = "pain"

    nrs: Annotated[
        int, Field(ge=0, le=10, description="a whole number from 0 (no pain) to 10 (worst)")
    ]

    def __init__(self, nrs: int, at: When = None) -> None:
        super().__init__(nrs=nrs, at=at)


class PegEntry(_Entry):
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


class SymptomEntry(_Entry):
    """One symptom from :data:`SYMPTOMS` and its severity, 0 (absent) to 10 (worst)."""

    kind: ClassVar[str] = "symptom"
    label: ClassVar[str] = "symptom"

    name: Annotated[str, Field(description="a symptom name (see 'kratomsim journal symptoms')")]
    severity: Annotated[
        int, Field(ge=0, le=10, description="a whole number from 0 (absent) to 10 (worst)")
    ]

    def __init__(self, name: str, severity: int, at: When = None) -> None:
        super().__init__(name=name, severity=severity, at=at)

    @field_validator("name", mode="before")
    @classmethod
    def _known_symptom(cls, value: object) -> str:
        key = "-".join(str(value).strip().lower().replace("_", " ").split())
        key = _SYMPTOM_ALIASES.get(key, key)
        if key in SYMPTOMS:
            return key
        near = difflib.get_close_matches(key, SYMPTOMS, n=1, cutoff=0.6)
        hint = f"Did you mean {near[0]!r}? " if near else ""
        raise ValueError(f"Unknown symptom. {hint}Choose one of {', '.join(SYMPTOMS)}.")


class WithdrawalEntry(_Entry):
    """Withdrawal severity as a SOWS total (16 items × 0–4 = 0–64; Handelsman 1987)."""

    kind: ClassVar[str] = "withdrawal"
    label: ClassVar[str] = "withdrawal"

    sows: Annotated[
        int, Field(ge=0, le=64, description="the SOWS total, a whole number from 0 to 64")
    ]

    def __init__(self, sows: int, at: When = None) -> None:
        super().__init__(sows=sows, at=at)


class NoteEntry(_Entry):
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


Entry = DoseEntry | PainEntry | PegEntry | SymptomEntry | WithdrawalEntry | NoteEntry
ENTRY_TYPES: dict[str, type[Entry]] = {
    cls.kind: cls
    for cls in (DoseEntry, PainEntry, PegEntry, SymptomEntry, WithdrawalEntry, NoteEntry)
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
