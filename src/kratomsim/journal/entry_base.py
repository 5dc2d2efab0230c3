"""What every journal entry shares: its time (UTC, to the second), validation and bounded numbers.

:class:`EntryModel` is the base of each kind of entry in :mod:`kratomsim.journal.entries`: a
frozen pydantic model whose invalid input raises :class:`~kratomsim.errors.JournalError` with the
project's one-line message (what, value, fix). A time without a zone is local time; times more
than a day in the future are refused (a typo guard).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kratomsim.errors import JournalError, KratomsimError, bad_value
from kratomsim.journal.bounds import BOUNDS, Bound

#: A time as given by a caller: aware or naive (local) datetime, ISO-8601 text, or None for now.
When = datetime | str | None

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


def _error_message(cls: type[EntryModel], exc: ValidationError) -> str:
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


class EntryModel(BaseModel):
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


def bounded(key: str, what: str, value: float) -> float:
    """``value`` if :data:`BOUNDS` ``[key]`` holds it, else the project's one-line error."""
    bound: Bound = BOUNDS[key]
    if not (math.isfinite(value) and bound.contains(value)):
        raise JournalError(bad_value(f"Invalid {what}", value, f"Give {bound.describe()}."))
    return value


def score_field(key: str, description: str) -> Any:
    bound = BOUNDS[key]
    return Field(ge=int(bound.low), le=int(bound.high), description=description)


Score10 = Annotated[int, score_field("peg_item", "a whole number from 0 to 10")]
