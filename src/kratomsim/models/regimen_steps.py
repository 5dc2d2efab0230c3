"""What the parts of a regimen mean: frequencies, amounts, questions and the readings stated as notes.

:mod:`kratomsim.models.regimen_grammar` reads the structure of the text and keeps every number as
written; this module gives each part its meaning in hours and grams (units and ranges through
:mod:`kratomsim.models.regimen_units`) and asks instead of guessing where the text could mean two
things:

- "3 g a day", "2g/day": one dose, or split? (:class:`~kratomsim.errors.AmbiguousRegimen`, naming
  the choices; "3 g a day in 3 doses" is clear);
- "2 g at 08:00" alone: once, or every day? (two or more clock times, "daily" or a duration are clear);
- "1 tsp" with no stated size: how much product is in it? (a teaspoon of powder weighs differently
  per product; "1 tsp (2.5 g)" is clear); "2 tsp (5 g)": is 5 g the total or each?;
- a 7-OH tablet with no stated strength.

Readings that are conventions are returned as notes for the description: a month is 1/12 of a
year (30.4 days), "then 1 g for 7 days" keeps the frequency before it, "1 tsp (2.5 g)" is 2.5 g as
stated. A 7-OH amount (``15 mg 7-OH``) is a dose of 7-OH itself: its steps carry the product
:data:`OH7_PRODUCT`, whose "grams" are grams of 7-OH (``evidence/data/products.toml``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from kratomsim.errors import AmbiguousRegimen, bad_value
from kratomsim.models.dosing import MAX_DOSE_G, MAX_DOSES, MIN_INTERVAL_H
from kratomsim.models.regimen_grammar import Amount, Schedule, Step
from kratomsim.models.regimen_units import (
    EG_CLOCK,
    EG_EVERY,
    EXAMPLES,
    MAX_SPAN_H,
    TIME_UNITS,
    convert,
    err,
    fmt_g,
    grams,
    hours,
)

#: Product whose amounts are grams of 7-OH itself ("one 15 mg 7-OH tablet").
OH7_PRODUCT = "7oh-tablet"
#: Largest 7-OH amount in one dose taken as plausible (g): above it the input is taken as a typing
#: error (mg written as g). The most concentrated product in the reference data holds 75 mg 7-OH
#: per g (Brown 2025, pk.md §2.9), so 1 g of 7-OH would be over 13 g of it.
MAX_OH7_DOSE_G = 1.0
#: Largest count of items (tsp, capsules, tablets) in one dose accepted as plausible.
MAX_ITEMS = 100


_NAMED_H = {
    "bid": 12.0, "bd": 12.0, "tid": 8.0, "tds": 8.0, "qid": 6.0, "qds": 6.0, "qod": 48.0,
    "hourly": 1.0,
}  # fmt: skip
_COUNT_WORDS = {"once": 1, "twice": 2, "thrice": 3}
_SPLIT_WORDS = {2: "twice", 3: "three times", 4: "four times"}


@dataclass(frozen=True, slots=True)
class Segment:
    """One part of a regimen in hours and grams: a single dose, an interval or clock times."""

    text: str
    amount_g: float
    kind: str  # "once", "repeat" or "clock"
    ii_h: float = 0.0
    clocks_h: tuple[float, ...] = ()
    duration_h: float | None = None
    n_doses: int | None = None

    @property
    def span_h(self) -> float | None:
        if self.duration_h is not None:
            return self.duration_h
        return None if self.n_doses is None else self.n_doses * self.ii_h


@dataclass
class Reading:
    """The meaning of a whole regimen text: its segments, the notes and the product it implies."""

    segments: list[Segment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    product: str | None = None

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


def _count(token: str, what: str) -> float:
    value = float(token)
    if not (math.isfinite(value) and 0 < value <= MAX_ITEMS):
        raise err(
            f"{what} must be above 0 and at most {MAX_ITEMS}", token, "Write e.g. '1 tsp (2.5 g)'."
        )
    return value


def _amount(amount: Amount, step_text: str, reading: Reading) -> tuple[float, str | None]:
    """Grams per dose and the product the amount implies (None: any product)."""
    if amount.kind == "mass":
        return grams(amount.number, amount.unit), None
    item = amount.item or "tablet"
    if not amount.number:
        if amount.oh7:
            raise AmbiguousRegimen(
                bad_value(
                    "The strength of one 7-OH tablet is not stated",
                    step_text,
                    "Write the strength from the label, e.g. 'one 15 mg 7-OH tablet twice daily'.",
                )
            )
        raise AmbiguousRegimen(
            bad_value(
                f"The amount of product in one {item} is not stated (a measure of powder weighs "
                "differently for each product, so kratomsim does not guess)",
                step_text,
                f"Weigh one and state it, e.g. '1 {item} (2.5 g)' or '2 capsules (500 mg each)'.",
            )
        )
    count = _count(amount.count or "1", f"Number of {item}")
    limit = MAX_OH7_DOSE_G if amount.oh7 else MAX_DOSE_G
    what = "7-OH per dose" if amount.oh7 else "Dose amount"
    size = grams(amount.number, amount.unit, limit=limit, what=what)
    if amount.size_kind == "" and count > 1:
        raise AmbiguousRegimen(
            bad_value(
                f"A size stated for {count:g} {item} could be the total or each one's",
                step_text,
                f"Write '{count:g} {item} ({fmt_g(size)} in total)' or "
                f"'{count:g} {item} ({fmt_g(size)} each)'.",
            ),
            choices=(f"{fmt_g(size)} in total", f"{fmt_g(size)} each"),
        )
    total = size if amount.size_kind == "total" or count < 1 else count * size
    if total > limit:
        raise err(f"{what} must be at most {limit:g} g per dose", step_text, "Check mg vs g.")
    if amount.kind == "items":
        kind = "of 7-OH " if amount.oh7 else ""
        reading.note(f"{count:g} {item} read as {fmt_g(total)} {kind}as stated".replace("  ", " "))
    if amount.oh7:
        reading.note("amounts are mg of 7-OH itself (product '7oh-tablet')")
        return total, OH7_PRODUCT
    return total, None


def _clock_hours(clocks: tuple[str, ...]) -> tuple[float, ...]:
    out: list[float] = []
    for clock in clocks:
        hh, mm = (int(x) for x in clock.split(":"))
        if hh > 23 or mm > 59:
            raise err("Clock times run from 00:00 to 23:59", clock, EG_CLOCK)
        if hh + mm / 60 in out:
            raise err("A clock time is listed twice", clock, EG_CLOCK)
        out.append(hh + mm / 60)
    return tuple(out)


def _interval(token: str, unit: str, shown: str) -> float:
    ii = convert(token, unit, TIME_UNITS, "hour", "Dosing interval")
    if not MIN_INTERVAL_H <= ii <= MAX_SPAN_H:
        raise err("Dosing interval must be from 15 min to 10 years", shown, EG_EVERY)
    return ii


def _times_per(words: tuple[str, ...]) -> int:
    first = words[0]
    if first in _COUNT_WORDS:
        return _COUNT_WORDS[first]
    value = float(first)
    if not (value.is_integer() and 0 < value <= 24 / MIN_INTERVAL_H):
        raise err("Doses per day must be a whole number from 1 to 96", " ".join(words), EG_EVERY)
    return int(value)


def _rate_question(amount_g: float, per: str, text: str) -> AmbiguousRegimen:
    once = f"{fmt_g(amount_g)} once {'daily' if per == 'day' else 'weekly'}"
    splits = [
        f"{fmt_g(amount_g / n)} {_SPLIT_WORDS[n]} {'daily' if per == 'day' else 'a week'}"
        for n in (2, 3, 4)
        if abs(amount_g / n * 1e3 - round(amount_g / n * 1e3)) < 1e-9
    ][:2]
    choices = (once, *splits)
    listed = ", ".join(f"'{c}'" for c in choices[:-1]) + f" or '{choices[-1]}'"
    n = next((k for k in (2, 3, 4) if splits and _SPLIT_WORDS[k] in splits[0]), 2)
    return AmbiguousRegimen(
        bad_value(
            f"An amount a {per} could be one dose or split over the {per}",
            text,
            f"Write {listed} (or e.g. '{text} in {n} doses').",
        ),
        choices=choices,
    )


def schedule_of(
    sched: Schedule, amount_g: float, text: str, has_duration: bool
) -> tuple[str, float, tuple[float, ...], float]:
    """(kind, interval h, clock times h, grams per dose) of a frequency."""
    kind = sched.kind
    if kind in ("once", "once_at"):
        return "once", 0.0, (), amount_g
    if kind == "named":
        return "repeat", _NAMED_H[sched.words[0]], (), amount_g
    if kind == "weekly":
        return "repeat", 168.0, (), amount_g
    if kind == "every":
        return "repeat", _interval(sched.number, sched.unit, " ".join(sched.words)), (), amount_g
    if kind == "every_other":
        return "repeat", _interval("2", sched.unit, " ".join(sched.words)), (), amount_g
    if kind == "rate":
        period = _interval("1", sched.unit, f"a {sched.unit}")
        if not sched.split:
            raise _rate_question(amount_g, "week" if period == 168 else "day", text)
        n = _times_per((sched.split,))
        return (
            "repeat",
            _interval(f"{period / n!r}", "h", f"{n} doses a {sched.unit}"),
            (),
            amount_g / n,
        )
    if kind == "times_per":
        n = _times_per(sched.words)
        period = _interval("1", sched.unit, f"per {sched.unit}")
        ii = period / n
        if ii < MIN_INTERVAL_H:
            raise err("Dosing interval must be from 15 min to 10 years", text, EG_EVERY)
        if sched.clocks:
            clocks = _clock_hours(sched.clocks)
            if period != 24.0 or len(clocks) != n:
                raise err(
                    f"{n} doses a {sched.unit} but {len(clocks)} clock times",
                    text,
                    "List one clock time per dose, e.g. 'twice daily at 08:00 and 20:00'.",
                )
            return "clock", 24.0, clocks, amount_g
        return "repeat", ii, (), amount_g
    if kind in ("daily", "every_unit") and not sched.clocks:
        unit = "day" if kind == "daily" else sched.unit
        return "repeat", _interval("1", unit, " ".join(sched.words)), (), amount_g
    if kind in ("daily", "every_unit"):
        if kind == "every_unit" and _interval("1", sched.unit, sched.unit) != 24.0:
            raise err("Clock times repeat every day", text, EG_CLOCK)
        return "clock", 24.0, _clock_hours(sched.clocks), amount_g
    clocks = _clock_hours(sched.clocks)
    if kind == "at_clocks" and len(clocks) == 1 and not (sched.daily or has_duration):
        clock = sched.clocks[0]
        raise AmbiguousRegimen(
            bad_value(
                "One clock time could mean once or every day",
                text,
                f"Write '{fmt_g(amount_g)} once at {clock}' or '{fmt_g(amount_g)} at {clock} daily'.",
            ),
            choices=(f"{fmt_g(amount_g)} once at {clock}", f"{fmt_g(amount_g)} at {clock} daily"),
        )
    return "clock", 24.0, clocks, amount_g


def taper_step(
    number: str, unit: str, every: tuple[str, str], text: str
) -> tuple[float, str, float]:
    """(step size, "%" or "g", period h) of a taper such as "-1 g per week" or "-10% per week"."""
    period = hours(every[0], every[1], "Taper period")
    if unit == "%":
        value = abs(float(number))
        if not (math.isfinite(value) and value > 0):
            raise err("A taper step must be above 0 %", text, "Write e.g. '-10% per week'.")
        return value, "%", period
    step = grams(number.lstrip("-+"), unit, what="Taper step")
    return step, "g", period


def _taper_segments(
    prev: Segment, step: tuple[float, str, float], text: str, duration_h: float | None
) -> list[Segment]:
    size, unit, period = step
    if prev.kind == "once":
        raise err(
            "A taper steps down a repeating regimen",
            text,
            "Put it after a repeating part, e.g. '4 g three times daily for 4 weeks then -1 g per week'.",
        )
    if period < prev.ii_h:
        raise err(
            "A taper period must hold at least one dose",
            text,
            "Taper e.g. 'per week' or 'every 3 days'.",
        )
    out: list[Segment] = []
    k = 1
    while True:
        amount = prev.amount_g - k * size if unit == "g" else prev.amount_g * (1 - k * size / 100)
        if amount <= 1e-9 or (duration_h is not None and (k - 1) * period >= duration_h - 1e-9):
            break
        if k > MAX_DOSES:
            raise err("A taper may have at most 100,000 steps", text, "Take larger steps.")
        span = period if duration_h is None else min(period, duration_h - (k - 1) * period)
        out.append(Segment(text, round(amount, 9), prev.kind, prev.ii_h, prev.clocks_h, span))
        k += 1
    if not out:
        raise err(
            "This taper steps below zero at once",
            text,
            "Take a smaller step, e.g. '-10% per week'.",
        )
    return out


def interpret(steps: list[Step]) -> Reading:
    """Segments (hours, grams), notes and product of parsed steps; asks or raises on bad parts."""
    reading = Reading()
    for i, step in enumerate(steps):
        prev = reading.segments[-1] if reading.segments else None
        duration_h = n_doses = None
        if step.duration is not None:
            number, unit = step.duration
            if unit in (
                "dose",
                "doses",
                "portions",
                "portion",
                "servings",
                "serving",
                "divided doses",
            ):
                count = float(number)
                n_doses = int(count) if count.is_integer() and 1 <= count <= MAX_DOSES else -1
            else:
                duration_h = hours(number, unit, "Duration")
                if unit.startswith("mo"):
                    reading.note("a month read as 30.4 days, 1/12 of a year")
        if step.kind == "taper" or _is_negative_taper(step, i):
            if prev is None:
                raise err("A taper needs a regimen before it", step.text, EXAMPLES)
            if step.kind == "taper":
                assert step.taper is not None
                number, unit, every = step.taper
            else:
                assert step.amount is not None and step.schedule is not None
                number, unit, every = step.amount.number, step.amount.unit, _every_of(step.schedule)
            reading.segments += _taper_segments(
                prev, taper_step(number, unit, every, step.text), step.text, duration_h
            )
            continue
        assert step.amount is not None
        amount_g, product = _amount(step.amount, step.text, reading)
        if i and product != reading.product:
            raise err(
                "A regimen holds one product: amounts of product and mg of 7-OH cannot mix",
                step.text,
                "Write each product's regimen on its own.",
            )
        reading.product = product
        if step.schedule is None:
            if duration_h is not None and prev is not None and prev.kind != "once":
                reading.note(f"'{step.text}' keeps the frequency before it")
                kind, ii, clocks = prev.kind, prev.ii_h, prev.clocks_h
            else:
                kind, ii, clocks = (
                    ("once" if duration_h is None and n_doses is None else "bare"),
                    0.0,
                    (),
                )
        else:
            has_span = duration_h is not None or n_doses is not None
            kind, ii, clocks, amount_g = schedule_of(step.schedule, amount_g, step.text, has_span)
        if n_doses is not None and (kind != "repeat" or n_doses < 1):
            raise err(
                "'for N doses' needs an interval and N ≥ 1",
                step.text,
                "Write e.g. '2 g every 8 h for 6 doses'.",
            )
        if kind == "bare":
            raise err(
                "A duration needs a frequency", step.text, "Write e.g. '2 g every 8 h for 14 days'."
            )
        reading.segments.append(Segment(step.text, amount_g, kind, ii, clocks, duration_h, n_doses))
    return reading


def _is_negative_taper(step: Step, index: int) -> bool:
    """ "then -1 g per week": a negative amount after the first part, with a period, is a taper."""
    return (
        index > 0
        and step.amount is not None
        and step.amount.kind == "mass"
        and step.amount.number.startswith("-")
        and step.schedule is not None
        and step.schedule.kind in ("rate", "every", "every_other", "every_unit", "weekly", "daily")
        and not step.schedule.clocks
        and not step.schedule.split
    )


def _every_of(sched: Schedule) -> tuple[str, str]:
    if sched.kind == "every":
        return sched.number, sched.unit
    if sched.kind == "every_other":
        return "2", sched.unit
    if sched.kind == "weekly":
        return "1", "week"
    if sched.kind == "daily":
        return "1", "day"
    return "1", sched.unit
