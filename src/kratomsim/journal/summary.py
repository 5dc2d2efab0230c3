"""The journal at a glance: time since the last dose, today's and this week's totals, one row per day,
and the doses of a period in the words a person would use (:func:`dose_pattern`).

Plain sums and means of what the person logged, nothing modelled. Days are calendar days in the
local time zone (the journal stores UTC; people think in their own days). Doses in any unit are
summed as grams of product (:func:`~kratomsim.journal.entries.dose_grams`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from kratomsim.journal.entries import StoredEntry, dose_grams, now_utc
from kratomsim.models.regimen_units import fmt_g


@dataclass(frozen=True)
class DoseTotals:
    """How much and how recently: the numbers a person checks before anything else."""

    last_dose_at: datetime | None
    hours_since_last: float | None
    today_g: float
    today_doses: int
    last_24h_g: float
    last_7d_g: float
    #: Calendar days, of the last 7 (today included), with at least one dose.
    last_7d_dose_days: int


def dose_totals(entries: Iterable[StoredEntry], now: datetime | None = None) -> DoseTotals:
    """Totals of the live dose entries up to ``now`` (default: the current time)."""
    now = now or now_utc()
    today = now.astimezone().date()
    doses = [
        (e.at, dose_grams(e.data))
        for e in entries
        if e.kind == "dose" and e.deleted_at is None and e.at <= now
    ]
    last = max((at for at, _ in doses), default=None)
    week_start = today - timedelta(days=6)
    return DoseTotals(
        last_dose_at=last,
        hours_since_last=None if last is None else (now - last).total_seconds() / 3600.0,
        today_g=sum(g for at, g in doses if at.astimezone().date() == today),
        today_doses=sum(1 for at, _ in doses if at.astimezone().date() == today),
        last_24h_g=sum(g for at, g in doses if now - at <= timedelta(hours=24)),
        last_7d_g=sum(g for at, g in doses if at.astimezone().date() >= week_start),
        last_7d_dose_days=len(
            {at.astimezone().date() for at, _ in doses if at.astimezone().date() >= week_start}
        ),
    )


@dataclass(frozen=True)
class DayRow:
    """One local calendar day of the journal."""

    day: date
    dose_g: float = 0.0
    doses: int = 0
    pain: tuple[int, ...] = ()
    peg: tuple[float, ...] = ()
    sows: tuple[int, ...] = ()
    #: Highest severity of any symptom logged that day.
    symptom_max: int | None = None
    #: Knowledge-base ids of the other substances logged that day, in the order first logged.
    substances: tuple[str, ...] = field(default=())

    @property
    def pain_mean(self) -> float | None:
        return sum(self.pain) / len(self.pain) if self.pain else None

    @property
    def peg_mean(self) -> float | None:
        return sum(self.peg) / len(self.peg) if self.peg else None

    @property
    def sows_max(self) -> int | None:
        return max(self.sows) if self.sows else None


def daily_rows(entries: Iterable[StoredEntry]) -> list[DayRow]:
    """One row per local day that has any live entry, oldest first."""
    days: dict[date, dict[str, list[object]]] = {}
    for e in entries:
        if e.deleted_at is not None:
            continue
        bucket = days.setdefault(e.at.astimezone().date(), {})
        d = e.data
        if e.kind == "dose":
            bucket.setdefault("dose", []).append(dose_grams(d))
        elif e.kind == "pain":
            bucket.setdefault("pain", []).append(int(d["nrs"]))
        elif e.kind == "peg":
            bucket.setdefault("peg", []).append((d["pain"] + d["enjoyment"] + d["activity"]) / 3)
        elif e.kind == "withdrawal":
            bucket.setdefault("sows", []).append(int(d["sows"]))
        elif e.kind == "symptom":
            bucket.setdefault("symptom", []).append(int(d["severity"]))
        elif e.kind == "substance":
            bucket.setdefault("substance", []).append(str(d["name"]))
        else:
            bucket.setdefault("other", []).append(e.kind)
    rows = []
    for day in sorted(days):
        b = days[day]
        grams = [float(g) for g in b.get("dose", []) if isinstance(g, float | int)]
        symptoms = [int(s) for s in b.get("symptom", []) if isinstance(s, int)]
        rows.append(
            DayRow(
                day=day,
                dose_g=sum(grams),
                doses=len(grams),
                pain=tuple(int(x) for x in b.get("pain", []) if isinstance(x, int)),
                peg=tuple(float(x) for x in b.get("peg", []) if isinstance(x, float | int)),
                sows=tuple(int(x) for x in b.get("sows", []) if isinstance(x, int)),
                symptom_max=max(symptoms) if symptoms else None,
                substances=tuple(dict.fromkeys(str(x) for x in b.get("substance", []))),
            )
        )
    return rows


_TIMES_A_DAY = {1: "once a day", 2: "twice a day", 3: "three times a day", 4: "four times a day"}


def _times_a_day(n: int) -> str:
    return _TIMES_A_DAY.get(n, f"{n} times a day")


def dose_pattern(entries: Iterable[StoredEntry]) -> str:
    """The live doses as a person would say them, not one by one.

    E.g. ``"2 g three times a day, 14 days; 42 doses, the last 2026-01-14 20:00"``; amounts or
    doses per day that vary are given as a range with the most frequent; days without a dose
    are counted (``"on 10 of 14 days"``). Local days and times, like :func:`daily_rows`.
    """
    doses = sorted(
        (e.at.astimezone(), dose_grams(e.data))
        for e in entries
        if e.kind == "dose" and e.deleted_at is None
    )
    if not doses:
        return "no doses logged"
    last = doses[-1][0].strftime("%Y-%m-%d %H:%M")
    if len(doses) == 1:
        return f"{fmt_g(doses[0][1])} once, {last}"
    amounts = Counter(round(g, 6) for _, g in doses)
    usual = amounts.most_common(1)[0][0]
    amount = (
        fmt_g(usual)
        if len(amounts) == 1
        else f"{fmt_g(min(amounts))} to {fmt_g(max(amounts))} (most often {fmt_g(usual)})"
    )
    per_day = Counter(at.date() for at, _ in doses)
    counts = Counter(per_day.values())
    often = counts.most_common(1)[0][0]
    times = (
        _times_a_day(often)
        if len(counts) == 1
        else f"{min(counts)} to {max(counts)} times a day (most often {often})"
    )
    span = (doses[-1][0].date() - doses[0][0].date()).days + 1
    days = f"{span} day{'s' if span != 1 else ''}"
    if len(per_day) < span:
        days = f"doses on {len(per_day)} of {span} days"
    return f"{amount} {times}, {days}; {len(doses)} doses, the last {last}"
