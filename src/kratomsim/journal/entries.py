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
the web forms show.

Times: a time with a zone is converted to UTC; a time without one is *local* time. Stored times
are UTC, to the second. Times more than a day in the future are refused (a typo guard).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kratomsim.errors import JournalError, KratomsimError, MedicationError, bad_value
from kratomsim.evidence import resolve_product
from kratomsim.evidence.medications import resolve_medication
from kratomsim.journal.bounds import BOUNDS, Bound

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
    "slow-breathing",
    "fainting",
    "seizure",
    "chest-pain",
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
    "shortness-of-breath": "breathing-difficulty",
    "short-of-breath": "breathing-difficulty",
    "difficult-breathing": "breathing-difficulty",
    "slowed-breathing": "slow-breathing",
    "shallow-breathing": "slow-breathing",
    "passed-out": "fainting",
    "syncope": "fainting",
    "faint": "fainting",
    "fit": "seizure",
    "convulsion": "seizure",
    "convulsions": "seizure",
    "seizures": "seizure",
    "yellow-skin": "jaundice",
    "yellow-eyes": "jaundice",
}
#: Mass units a dose may be given in, as grams per unit (of product, not of alkaloid).
DOSE_UNITS: dict[str, float] = {"g": 1.0, "mg": 1e-3}
#: Household units counted per dose: teaspoons and capsules need ``g_per_unit`` (the person's own
#: weighing or the label), 7-OH tablets need ``oh7_mg_per_unit`` (the label's 7-OH per tablet).
COUNT_UNITS: dict[str, str] = {"tsp": "teaspoon", "capsule": "capsule", "tablet": "7-OH tablet"}
_UNIT_ALIASES = {
    "gram": "g",
    "grams": "g",
    "milligram": "mg",
    "milligrams": "mg",
    "teaspoon": "tsp",
    "teaspoons": "tsp",
    "capsules": "capsule",
    "caps": "capsule",
    "tablets": "tablet",
    "tab": "tablet",
    "tabs": "tablet",
}
#: The 16 self-rated items of the Subjective Opiate Withdrawal Scale (Handelsman 1987), each
#: scored 0 (not at all) to 4 (extremely) for how the person feels now.
SOWS_ITEMS: tuple[str, ...] = (
    "I feel anxious",
    "I feel like yawning",
    "I am perspiring",
    "My eyes are teary",
    "My nose is running",
    "I have goosebumps",
    "I am shaking",
    "I have hot flushes",
    "I have cold flushes",
    "My bones and muscles ache",
    "I feel restless",
    "I feel nauseous",
    "I feel like vomiting",
    "My muscles twitch",
    "I have stomach cramps",
    "I feel like using now",
)
SOWS_ANSWERS: tuple[str, ...] = ("not at all", "a little", "moderately", "quite a bit", "extremely")
#: Units another substance may be counted in (what people count, not a conversion).
SUBSTANCE_UNITS: tuple[str, ...] = ("drink", "mg", "g", "mL", "tablet", "dose", "puff")
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


def _bounded(key: str, what: str, value: float) -> float:
    """``value`` if :data:`BOUNDS` ``[key]`` holds it, else the project's one-line error."""
    bound: Bound = BOUNDS[key]
    if not (math.isfinite(value) and bound.contains(value)):
        raise JournalError(bad_value(f"Invalid {what}", value, f"Give {bound.describe()}."))
    return value


def _score(key: str, description: str) -> Any:
    bound = BOUNDS[key]
    return Field(ge=int(bound.low), le=int(bound.high), description=description)


Score10 = Annotated[int, _score("peg_item", "a whole number from 0 to 10")]


class DoseEntry(_Entry):
    """A dose of a product (not of alkaloid): grams or milligrams, or counted household units.

    ``unit`` is ``g`` or ``mg`` of product; ``tsp`` or ``capsule`` with ``g_per_unit`` (what one
    unit weighs: the person's own weighing or the label); or ``tablet`` (a concentrated 7-OH
    tablet) with ``oh7_mg_per_unit`` (the label's 7-OH per tablet). ``mg_per_g`` optionally
    records the product's mitragynine content from a label or assay. Every amount is checked
    against :data:`~kratomsim.journal.bounds.BOUNDS`.
    """

    kind: ClassVar[str] = "dose"
    label: ClassVar[str] = "dose"

    product: Annotated[str, Field(description="a product id (see 'kratomsim products')")]
    amount: Annotated[
        float, Field(gt=0, allow_inf_nan=False, description="a positive amount of product")
    ]
    unit: Annotated[
        Literal["g", "mg", "tsp", "capsule", "tablet"],
        Field(description="the unit 'g', 'mg', 'tsp', 'capsule' or 'tablet'"),
    ] = "g"
    mg_per_g: Annotated[
        float | None,
        Field(
            gt=0,
            le=BOUNDS["mg_per_g"].high,
            allow_inf_nan=False,
            description="the mitragynine content from a label or assay, 0 to 1000 mg per g",
        ),
    ] = None
    g_per_unit: Annotated[
        float | None,
        Field(allow_inf_nan=False, description="grams of product in one teaspoon or capsule"),
    ] = None
    oh7_mg_per_unit: Annotated[
        float | None,
        Field(allow_inf_nan=False, description="mg of 7-OH in one tablet, from its label"),
    ] = None

    def __init__(
        self,
        product: str,
        amount: float,
        unit: str = "g",
        at: When = None,
        *,
        mg_per_g: float | None = None,
        g_per_unit: float | None = None,
        oh7_mg_per_unit: float | None = None,
    ) -> None:
        super().__init__(
            product=product,
            amount=amount,
            unit=unit,
            at=at,
            mg_per_g=mg_per_g,
            g_per_unit=g_per_unit,
            oh7_mg_per_unit=oh7_mg_per_unit,
        )

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

    @model_validator(mode="after")
    def _amount_in_bounds(self) -> Self:
        per_unit = {"tsp": "g_per_unit", "capsule": "g_per_unit", "tablet": "oh7_mg_per_unit"}
        wanted = per_unit.get(self.unit)
        for name in ("g_per_unit", "oh7_mg_per_unit"):
            given = getattr(self, name)
            if name == wanted and given is None:
                fix = (
                    "Give what one teaspoon or capsule weighs (g_per_unit), e.g. 2.5."
                    if name == "g_per_unit"
                    else "Give the 7-OH per tablet from its label (oh7_mg_per_unit), e.g. 15."
                )
                raise JournalError(bad_value(f"A dose in '{self.unit}' needs {name}", None, fix))
            if name != wanted and given is not None:
                fix = f"{name} belongs to doses counted in {'tsp or capsule' if name == 'g_per_unit' else 'tablet'}."
                raise JournalError(bad_value(f"{name} does not apply to '{self.unit}'", given, fix))
        if self.g_per_unit is not None:
            _bounded("g_per_unit", "grams per unit", self.g_per_unit)
        if self.oh7_mg_per_unit is not None:
            _bounded("oh7_mg_per_unit", "7-OH per tablet", self.oh7_mg_per_unit)
            if resolve_product(self.product).oh7_mg_per_g.value <= 0:
                fix = "A tablet dose counts 7-OH; choose the concentrated 7-OH product."
                raise JournalError(bad_value("This product holds no 7-OH", self.product, fix))
        if self.unit in COUNT_UNITS:
            _bounded("unit_count", f"number of {COUNT_UNITS[self.unit]}s", self.amount)
        grams = self.amount_g
        if not BOUNDS["dose_g"].contains(grams):
            bound = BOUNDS["dose_g"]
            raise JournalError(
                bad_value(
                    "Invalid dose amount (grams of product)",
                    grams if self.unit == "g" else f"{self.amount:g} {self.unit} = {grams:.4g} g",
                    f"Give {bound.describe()} in one entry; log larger amounts as separate doses.",
                )
            )
        return self

    @property
    def amount_g(self) -> float:
        """The amount in grams of product."""
        return dose_grams(self.data())


def dose_grams(data: Mapping[str, Any]) -> float:
    """Grams of product of a dose's stored fields (any unit: g, mg, tsp, capsule, tablet)."""
    unit = str(data.get("unit", "g"))
    amount = float(data["amount"])
    if unit in DOSE_UNITS:
        return amount * DOSE_UNITS[unit]
    if unit == "tablet":
        per_gram = resolve_product(str(data["product"])).oh7_mg_per_g.value
        return amount * float(data["oh7_mg_per_unit"]) / per_gram
    return amount * float(data["g_per_unit"])


class PainEntry(_Entry):
    """Pain intensity now, on the 0–10 numeric rating scale."""

    kind: ClassVar[str] = "pain"
    label: ClassVar[str] = "pain"

    nrs: Annotated[int, _score("nrs", "a whole number from 0 (no pain) to 10 (worst)")]

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
    severity: Annotated[int, _score("severity", "a whole number from 0 (absent) to 10 (worst)")]

    def __init__(self, name: str, severity: int, at: When = None) -> None:
        super().__init__(name=name, severity=severity, at=at)

    @field_validator("name", mode="before")
    @classmethod
    def _known_symptom(cls, value: object) -> str:
        return resolve_symptom(str(value))


def resolve_symptom(text: str) -> str:
    """The journal's name for a symptom as people type it ("short of breath", "Diarrhea")."""
    key = "-".join(text.strip().lower().replace("_", " ").split())
    key = _SYMPTOM_ALIASES.get(key, key)
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


class WithdrawalEntry(_Entry):
    """Withdrawal as a SOWS total (16 items × 0–4 = 0–64; Handelsman 1987), optionally with items.

    ``items`` holds the 16 item scores in the order of :data:`SOWS_ITEMS`; when given, ``sows``
    must be their sum.
    """

    kind: ClassVar[str] = "withdrawal"
    label: ClassVar[str] = "withdrawal"

    sows: Annotated[int, _score("sows", "the SOWS total, a whole number from 0 to 64")]
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


class SubstanceEntry(_Entry):
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
            _bounded("substance_amount", "substance amount", self.amount)
        return self


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
