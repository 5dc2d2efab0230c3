"""What the personal fit reads from a journal: doses, pain ratings, withdrawal scores, PEG.

:class:`FitData` is plain data, independent of how the journal is stored. Times are hours since
an origin (the earliest entry when built from datetimes). The fit refuses data too thin to say
anything about a person (:func:`check_enough`): fewer than :data:`MIN_DOSES` doses, fewer than
:data:`MIN_PAIN_RATINGS` pain ratings, or ratings on fewer than :data:`MIN_RATING_DAYS` days.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import numpy as np

from kratomsim.errors import JournalError, bad_value
from kratomsim.journal.entries import COUNT_UNITS, StoredEntry, dose_grams

#: Fewest doses, pain ratings, and distinct days with a rating the fit accepts. Below these the
#: posterior would be the prior in all but name; the numbers are a design choice, not evidence.
MIN_DOSES: Final = 3
MIN_PAIN_RATINGS: Final = 5
MIN_RATING_DAYS: Final = 3
NRS_MAX: Final = 10.0
SOWS_MAX: Final = 64.0
#: The fit reads the last this many days of a journal (a 28-day journal fits in about 2 s on
#: 2 cores); older entries say less about the person now.
FIT_WINDOW_DAYS: Final = 28
#: Units a logged dose may be given in, as grams per unit.
DOSE_UNITS_G: Final = {"g": 1.0, "gram": 1.0, "grams": 1.0, "mg": 1e-3}

TimeLike = float | int | datetime


@dataclass(frozen=True, slots=True)
class DoseEvent:
    """A logged dose: ``amount_g`` grams of ``product`` at ``time_h``; ``mg_per_g`` if labelled."""

    time_h: float
    amount_g: float
    product: str = "leaf-powder"
    mg_per_g: float | None = None


@dataclass(frozen=True, slots=True)
class Rating:
    """One rating at ``time_h``: pain NRS (0–10) or SOWS withdrawal score (0–64)."""

    time_h: float
    value: float


@dataclass(frozen=True, slots=True)
class PegRating:
    """A PEG-3 answer: average pain, interference with enjoyment and with activity (0–10 each)."""

    time_h: float
    pain: float
    enjoyment: float
    activity: float

    @property
    def score(self) -> float:
        """PEG-3 score: the mean of the three items (Krebs 2009)."""
        return (self.pain + self.enjoyment + self.activity) / 3.0


@dataclass(frozen=True)
class FitData:
    """A person's journal as the fit sees it; every tuple sorted by time.

    PEG answers are kept and counted but not fitted: their pain item recalls the past week, so it
    is not a rating at a moment and would need its own observation model.
    """

    doses: tuple[DoseEvent, ...]
    pain: tuple[Rating, ...]
    withdrawal: tuple[Rating, ...] = ()
    peg: tuple[PegRating, ...] = ()
    origin: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("doses", "pain", "withdrawal", "peg"):
            items = tuple(sorted(getattr(self, name), key=lambda e: e.time_h))
            object.__setattr__(self, name, items)
        for d in self.doses:
            _check_time(d.time_h, "dose")
            if not (np.isfinite(d.amount_g) and d.amount_g > 0):
                raise JournalError(
                    bad_value("A dose amount must be > 0 g", d.amount_g, "Log grams of product.")
                )
            if d.mg_per_g is not None and not (np.isfinite(d.mg_per_g) and d.mg_per_g >= 0):
                raise JournalError(
                    bad_value("mg_per_g must be ≥ 0", d.mg_per_g, "Use the label's mg per g.")
                )
        for r in self.pain:
            _check_rating(r, NRS_MAX, "Pain rating (NRS)")
        for r in self.withdrawal:
            _check_rating(r, SOWS_MAX, "Withdrawal score (SOWS)")
        for p in self.peg:
            for item in (p.pain, p.enjoyment, p.activity):
                _check_rating(Rating(p.time_h, item), NRS_MAX, "PEG item")

    @property
    def end_h(self) -> float:
        """Time of the last entry of any kind (h)."""
        times = [e.time_h for e in (*self.doses, *self.pain, *self.withdrawal, *self.peg)]
        return max(times, default=0.0)

    @property
    def start_h(self) -> float:
        """Time of the first entry of any kind (h)."""
        times = [e.time_h for e in (*self.doses, *self.pain, *self.withdrawal, *self.peg)]
        return min(times, default=0.0)

    def counts(self) -> dict[str, int]:
        """How many entries of each kind, and on how many days pain was rated."""
        return {
            "doses": len(self.doses),
            "pain_ratings": len(self.pain),
            "pain_rating_days": len({int(np.floor(r.time_h / 24.0)) for r in self.pain}),
            "withdrawal_scores": len(self.withdrawal),
            "peg": len(self.peg),
        }

    @classmethod
    def from_records(
        cls,
        doses: Iterable[tuple[TimeLike, float] | tuple[TimeLike, float, str]],
        pain: Iterable[tuple[TimeLike, float]],
        withdrawal: Iterable[tuple[TimeLike, float]] = (),
        *,
        product: str = "leaf-powder",
        mg_per_g: float | None = None,
    ) -> FitData:
        """Build from ``(time, amount_g[, product])`` and ``(time, value)`` tuples.

        Times are hours (numbers) or datetimes, not mixed; datetimes become hours since the
        earliest entry.
        """
        d = list(doses)
        p, w = list(pain), list(withdrawal)
        times = [r[0] for r in (*d, *p, *w)]
        to_h, origin = _clock(times)
        return cls(
            tuple(
                DoseEvent(to_h(r[0]), float(r[1]), str(r[2]) if len(r) > 2 else product, mg_per_g)
                for r in d
            ),
            tuple(Rating(to_h(t), float(v)) for t, v in p),
            tuple(Rating(to_h(t), float(v)) for t, v in w),
            origin=origin,
        )

    @classmethod
    def from_entries(cls, entries: Iterable[StoredEntry]) -> FitData:
        """Build from stored journal entries (:class:`~kratomsim.journal.entries.StoredEntry`).

        Kinds read: ``dose`` {product, amount, unit[, mg_per_g, g_per_unit, oh7_mg_per_unit]}
        in any unit, as grams of product; ``pain`` {nrs}; ``withdrawal`` {sows}; ``peg`` {pain,
        enjoyment, activity}. Other kinds (symptoms, other substances, notes) and deleted
        entries are skipped. Times become hours since the earliest entry.
        """
        rows = [(e, e.at) for e in entries if e.deleted_at is None]
        to_h, origin = _clock([t for _, t in rows])
        doses: list[DoseEvent] = []
        pain: list[Rating] = []
        wd: list[Rating] = []
        peg: list[PegRating] = []
        for e, t in rows:
            h, data = to_h(t), e.data
            if e.kind == "dose":
                unit = str(data.get("unit", "g")).strip().lower()
                if unit not in DOSE_UNITS_G and unit not in COUNT_UNITS:
                    raise JournalError(
                        bad_value(
                            "A dose for the fit must be logged in a known unit",
                            unit,
                            f"Re-log the dose in g, mg or {', '.join(COUNT_UNITS)}.",
                        )
                    )
                mg = data.get("mg_per_g")
                _number(data, "amount")  # a clear message for a damaged amount
                grams = (
                    _number(data, "amount") * DOSE_UNITS_G[unit]
                    if unit in DOSE_UNITS_G
                    else dose_grams({**data, "unit": unit})
                )
                doses.append(
                    DoseEvent(
                        h,
                        grams,
                        str(data.get("product", "leaf-powder")),
                        None if mg is None else _number(data, "mg_per_g"),
                    )
                )
            elif e.kind == "pain":
                pain.append(Rating(h, _number(data, "nrs")))
            elif e.kind == "withdrawal":
                wd.append(Rating(h, _number(data, "sows")))
            elif e.kind == "peg":
                peg.append(
                    PegRating(h, *(_number(data, k) for k in ("pain", "enjoyment", "activity")))
                )
        return cls(tuple(doses), tuple(pain), tuple(wd), tuple(peg), origin=origin)


def recent_entries(
    entries: Sequence[StoredEntry], days: float = FIT_WINDOW_DAYS
) -> list[StoredEntry]:
    """The entries of the last ``days`` days before the newest one (the window a fit reads)."""
    if not entries:
        return []
    start = max(e.at for e in entries) - timedelta(days=days)
    return [e for e in entries if e.at >= start]


def check_enough(data: FitData) -> None:
    """Raise :class:`JournalError` saying what is missing when the journal is too thin to fit."""
    c = data.counts()
    missing = []
    if c["doses"] < MIN_DOSES:
        missing.append(f"{MIN_DOSES - c['doses']} more dose(s) (have {c['doses']})")
    if c["pain_ratings"] < MIN_PAIN_RATINGS:
        missing.append(
            f"{MIN_PAIN_RATINGS - c['pain_ratings']} more pain rating(s) (have {c['pain_ratings']})"
        )
    if c["pain_rating_days"] < MIN_RATING_DAYS:
        missing.append(
            f"pain ratings on {MIN_RATING_DAYS - c['pain_rating_days']} more day(s) "
            f"(have {c['pain_rating_days']})"
        )
    if missing:
        raise JournalError(
            bad_value(
                f"Too few journal entries for a personal fit (need ≥ {MIN_DOSES} doses and "
                f"≥ {MIN_PAIN_RATINGS} pain ratings on ≥ {MIN_RATING_DAYS} days)",
                c,
                "Log " + ", ".join(missing) + ".",
            )
        )


def _check_time(t: float, what: str) -> None:
    if not np.isfinite(t):
        raise JournalError(bad_value(f"A {what} time must be finite", t, "Check the entry time."))


def _check_rating(r: Rating, top: float, what: str) -> None:
    _check_time(r.time_h, what)
    if not (np.isfinite(r.value) and 0.0 <= r.value <= top):
        raise JournalError(bad_value(f"{what} must lie in [0, {top:g}]", r.value, "Re-rate it."))


def _number(data: Mapping[str, object], key: str) -> float:
    raw = data.get(key)
    try:
        return float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise JournalError(
            bad_value(f"Journal entry field {key!r} must be a number", raw, "Fix the entry.")
        ) from None


def _clock(times: Sequence[TimeLike]) -> tuple[_ToHours, datetime | None]:
    """A converter to hours, and the origin when the times are datetimes."""
    stamps = [t for t in times if isinstance(t, datetime)]
    if stamps and len(stamps) != len(times):
        raise JournalError(
            bad_value(
                "Entry times mix datetimes and hours",
                f"{len(stamps)} of {len(times)} are datetimes",
                "Use one kind.",
            )
        )
    origin = min(stamps) if stamps else None
    return _ToHours(origin), origin


@dataclass(frozen=True, slots=True)
class _ToHours:
    origin: datetime | None

    def __call__(self, t: TimeLike) -> float:
        if isinstance(t, datetime):
            if self.origin is None:  # pragma: no cover - _clock guarantees an origin
                raise JournalError(bad_value("No origin for datetimes", t, "Pass datetimes."))
            return (t - self.origin).total_seconds() / 3600.0
        return float(t)
