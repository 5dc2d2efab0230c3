"""Plain-text dosing regimens: ``"2 g every 8 h for 14 days; miss dose 5"`` → :class:`Regimen`.

Grammar (case-insensitive, extra spaces ignored)::

    regimen   := segment ("then" segment)* ["then stop"] (modifier)*
    segment   := amount [frequency] ["for" duration | "for" N "doses"]
    amount    := number unit                       2 g, 500 mg, 250 mcg, 250 µg
    frequency := "once" | "every" [number] unit    every 8 h, every day, every other day
               | "q" number unit                   q8h, q 12 hr
               | times ("daily" | "a day" | ...)   once daily, twice a day, 3 times daily
               | "daily" | "weekly" | "qd" | "bid" | "tid" | "qid"
               | "at" clock ("," | "and" clock)* "daily"     at 08:00 and 20:00 daily
                 ('daily' may be left out before "for N days": at 08:00 and 20:00 for 5 days)
    modifier  := (";" | ",") ("miss doses 5-7, 9" | "dose 9 late by 2 h" | "dose 4 early by 30 min")

A bare amount (``"2 g"``) is a single dose. ``for 14 days`` keeps the doses whose time is before the
segment start plus 14 days. Each segment after ``then`` starts where the previous one ends. Clock
times put the first listed time at 0 h. Dose numbers in modifiers count from 1 over the expanded
schedule. Every input that cannot be understood raises :class:`RegimenError`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pint

from kratomsim.errors import RegimenError, bad_value
from kratomsim.models.dosing import MAX_DOSE_G, MAX_DOSES, MIN_INTERVAL_H, DoseRecord, Regimen

__all__ = [
    "check_dose_numbers",
    "format_regimen",
    "parse_amount_g",
    "parse_regimen",
    "parse_time_h",
]

#: One unit registry for the module; quantities are converted through it.
UREG = pint.UnitRegistry()

#: Longest accepted duration, interval or delay (h): ten years.
MAX_SPAN_H = 10 * 365.25 * 24
#: Longest accepted regimen text (characters).
MAX_TEXT_LEN = 1000


def _aliases(table: dict[str, str]) -> dict[str, str]:
    """Map every spelling in ``{pint unit: "spelling spelling ..."}`` to its pint unit."""
    return {alias: unit for unit, spellings in table.items() for alias in spellings.split()}


AMOUNT_UNITS = _aliases(
    {
        "gram": "g gram grams",
        "milligram": "mg milligram milligrams",
        "microgram": "mcg ug µg μg microgram micrograms",
    }
)
TIME_UNITS = _aliases(
    {
        "hour": "h hr hrs hour hours",
        "minute": "min mins minute minutes",
        "day": "d day days",
        "week": "w wk wks week weeks",
        "year": "y yr yrs year years",
    }
)
_ACCEPTED_AMOUNT = "g, mg, mcg (µg)"
_ACCEPTED_TIME = "h (hr, hours), min, d (day, days), w (wk, week, weeks), y (yr, years)"

EXAMPLES = (
    "Write e.g. '2 g once', '2 g every 8 h for 14 days', '3 g twice daily for 8 weeks', "
    "'4 g at 08:00 and 20:00 daily for 3 weeks' or "
    "'2 g every 8 h for 7 days then 1 g every 8 h for 7 days; miss dose 5'."
)

_EG_TIME = "Write e.g. '8 h', '30 min' or '14 days'."
_EG_EVERY = "Write e.g. 'every 8 h' or 'twice daily'."
_EG_CLOCK = "Write e.g. 'at 08:00 and 20:00 daily'."
_EG_MISS = (
    "Write e.g. 'miss dose 5', 'miss doses 5-7', 'dose 9 late by 2 h' or 'dose 4 early by 30 min'."
)
_ONCE_EACH = "Give each dose number at most once."

_F = re.IGNORECASE | re.ASCII
_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?|[-+]?(?:nan|inf(?:inity)?)"
_UNIT = r"[a-zµμ]+"
_END = r"(?=\s|$)"
_WORD_NUMBERS = dict(
    once=1, twice=2, thrice=3, one=1, two=2, three=3, four=4, five=5, six=6, seven=7, eight=8
)
_NAMED = dict(qd=24.0, daily=24.0, bid=12.0, tid=8.0, qid=6.0, weekly=168.0, hourly=1.0)

_AMOUNT_RE = re.compile(rf"(?:take\s+)?(?P<num>{_NUM})\s*(?P<unit>{_UNIT}){_END}", _F)
_ONCE_RE = re.compile(rf"(?:once|single dose)(?:\s+only)?{_END}", _F)
_EVERY_RE = re.compile(
    rf"(?:every|each)\s+(?:(?P<other>other)\s+|(?P<num>{_NUM})\s*)?"
    rf"(?P<unit>{_UNIT}){_END}",
    _F,
)
_Q_RE = re.compile(rf"q\s*(?P<num>{_NUM})\s*(?P<unit>{_UNIT}){_END}", _F)
_TIMES_RE = re.compile(
    rf"(?P<n>once|twice|thrice|\w+\s+times?)\s+(?:(?:a|per|each)\s+)?"
    rf"(?P<per>daily|day|weekly|week){_END}",
    _F,
)
_NAMED_RE = re.compile(rf"(?:once\s+)?(?P<name>{'|'.join(_NAMED)}){_END}", _F)
_CLOCK = r"\d{1,2}:\d{2}"
_CLOCK_RE = re.compile(
    rf"at\s+(?P<clocks>{_CLOCK}(?:\s*(?:,|and|\s)\s*{_CLOCK})*)"
    rf"(?:\s+(?P<daily>daily|every day|each day|a day|per day))?{_END}",
    _F,
)
_FOR_RE = re.compile(rf"for\s+(?P<num>{_NUM})\s*(?P<unit>{_UNIT}){_END}", _F)
_MISS_RE = re.compile(r"(?:miss|missed|skip|skipped|omit)\s+(?:doses?\s+)?(?P<list>.+)", _F)
_DOSE_MISSED_RE = re.compile(r"dose\s+(?P<n>\S+)\s+(?:is\s+|was\s+)?(?:missed|skipped)", _F)
_SHIFT_RE = re.compile(
    rf"dose\s+(?P<n>\S+)\s+(?:(?:is|was|taken)\s+)?(?P<dir>late|delayed|early)"
    rf"\s+(?:by\s+)?(?P<num>{_NUM})\s*(?P<unit>{_UNIT})",
    _F,
)
_MOD_START = r"(?=(?:miss|missed|skip|skipped|omit|dose)\b)"


@dataclass(frozen=True, slots=True)
class _Segment:
    text: str
    amount_g: float
    kind: str  # "once", "repeat" or "clock" ("bare" while parsing: an amount alone)
    ii_h: float = 0.0
    clocks_h: tuple[float, ...] = ()
    duration_h: float | None = None
    n_doses: int | None = None

    @property
    def span_h(self) -> float | None:
        if self.duration_h is not None:
            return self.duration_h
        return None if self.n_doses is None else self.n_doses * self.ii_h


def _err(what: str, value: object, fix: str) -> RegimenError:
    return RegimenError(bad_value(what, value, fix))


def _not_understood(part: str) -> RegimenError:
    return _err("Could not understand this part of the regimen", part, EXAMPLES)


def _convert(token: str, unit: str, units: dict[str, str], target: str, what: str) -> float:
    """Convert ``token unit`` to ``target`` through pint; the unit must be one of ``units``."""
    value = float(token)
    if unit.lower() not in units:
        accepted = _ACCEPTED_AMOUNT if target == "gram" else _ACCEPTED_TIME
        raise _err(f"Unknown unit for {what.lower()}", unit, f"Accepted units: {accepted}.")
    if math.isfinite(value):
        value = float(UREG.Quantity(value, units[unit.lower()]).to(target).magnitude)
    if not math.isfinite(value):
        raise _err(f"{what} must be a finite, ordinary number", f"{token} {unit}", EXAMPLES)
    return value


def _hours(token: str, unit: str, what: str, *, signed: bool = False, zero: bool = False) -> float:
    value = _convert(token, unit, TIME_UNITS, "hour", what)
    if abs(value) > MAX_SPAN_H:
        raise _err(f"{what} must be at most 10 years", f"{token} {unit}", _EG_TIME)
    if not signed and (value < 0 or (value == 0 and not zero)):
        raise _err(f"{what} must be {'≥ 0' if zero else 'positive'}", f"{token} {unit}", _EG_TIME)
    return value


def _grams(token: str, unit: str) -> float:
    value = _convert(token, unit, AMOUNT_UNITS, "gram", "Dose amount")
    if not 0 < value <= MAX_DOSE_G:
        raise _err(
            f"Dose amount must be above 0 and at most {MAX_DOSE_G:g} g per dose",
            f"{token} {unit}",
            "Give the amount per single dose, e.g. '2 g' or '500 mg'; check mg vs g.",
        )
    return value


def _split_quantity(text: object, what: str, example: str) -> tuple[str, str]:
    m = re.fullmatch(rf"\s*(?P<num>{_NUM})\s*(?P<unit>{_UNIT})\s*", str(text), _F)
    if m is None or len(str(text)) > MAX_TEXT_LEN:
        raise _err(f"{what} must be a number and a unit", text, f"Write e.g. {example}.")
    return m["num"], m["unit"]


def parse_amount_g(text: str) -> float:
    """Parse an amount of product such as ``"2 g"`` or ``"500 mg"`` into grams.

    Raises :class:`RegimenError` for other units and amounts outside (0, 50] g.
    """
    return _grams(*_split_quantity(text, "An amount", "'2 g' or '500 mg'"))


def parse_time_h(text: str, *, signed: bool = False, zero: bool = False) -> float:
    """Parse a time such as ``"8 h"``, ``"30 min"`` or ``"2 weeks"`` into hours.

    The value must be positive (``zero=True``: ≥ 0; ``signed=True``: any sign), at most 10 years.
    """
    return _hours(
        *_split_quantity(text, "A time", "'8 h', '30 min' or '10 d'"),
        "Time",
        signed=signed,
        zero=zero,
    )


def _dose_number(token: str) -> int:
    if not re.fullmatch(r"\d{1,9}", token, _F) or not 1 <= int(token) <= MAX_DOSES:
        raise _err(f"Dose numbers are whole numbers from 1 to {MAX_DOSES:,}", token, _EG_MISS)
    return int(token)


def _times_per(token: str) -> int:
    word = token.split()[0].lower()
    if word in _WORD_NUMBERS:
        return _WORD_NUMBERS[word]
    if re.fullmatch(r"\d{1,3}", word, _F) and 0 < int(word) <= 24 / MIN_INTERVAL_H:
        return int(word)
    raise _err("Doses per day must be a whole number from 1 to 96", token, _EG_EVERY)


def _parse_clocks(text: str) -> tuple[float, ...]:
    hours: list[float] = []
    for clock in re.findall(_CLOCK, text):
        hh, mm = (int(x) for x in clock.split(":"))
        if hh > 23 or mm > 59:
            raise _err("Clock times run from 00:00 to 23:59", clock, _EG_CLOCK)
        if hh + mm / 60 in hours:
            raise _err("A clock time is listed twice", clock, _EG_CLOCK)
        hours.append(hh + mm / 60)
    return tuple(hours)


def _parse_frequency(rest: str) -> tuple[str, float, tuple[float, ...], str]:
    """Return (kind, interval h, clock times h, rest of the text) after the amount."""
    if not rest or rest.startswith("for "):
        return "bare", 0.0, (), rest
    if m := _NAMED_RE.match(rest):
        return "repeat", _NAMED[m["name"]], (), rest[m.end() :].strip()
    if m := _TIMES_RE.match(rest):
        per = 24.0 if m["per"] in ("daily", "day") else 168.0
        return "repeat", per / _times_per(m["n"]), (), rest[m.end() :].strip()
    if m := _ONCE_RE.match(rest):
        return "once", 0.0, (), rest[m.end() :].strip()
    if m := _EVERY_RE.match(rest) or _Q_RE.match(rest):
        num = "2" if m.groupdict().get("other") else (m["num"] or "1")
        ii = _convert(num, m["unit"], TIME_UNITS, "hour", "Dosing interval")
        if not MIN_INTERVAL_H <= ii <= MAX_SPAN_H:
            raise _err("Dosing interval must be from 15 min to 10 years", m.group(0), _EG_EVERY)
        return "repeat", ii, (), rest[m.end() :].strip()
    if m := _CLOCK_RE.match(rest):
        after = rest[m.end() :].strip()
        # "at 08:00 and 20:00 for 5 days" can only mean every day; without a duration the
        # times could be one day's doses or every day's, so 'daily' must say which.
        spans_days = (f := _FOR_RE.match(after)) is not None and f["unit"] not in ("dose", "doses")
        if m["daily"] is None and not spans_days:
            raise _err("Clock times need 'daily'", m.group(0), _EG_CLOCK)
        return "clock", 24.0, _parse_clocks(m["clocks"]), after
    raise _not_understood(rest)


def _parse_segment(text: str) -> _Segment:
    m = _AMOUNT_RE.match(text)
    if m is None:
        raise _err("Each part of a regimen must start with an amount and unit", text, EXAMPLES)
    amount = _grams(m["num"], m["unit"])
    kind, ii, clocks, rest = _parse_frequency(text[m.end() :].strip())
    duration = n_doses = None
    if f := _FOR_RE.match(rest):
        if f["unit"] in ("dose", "doses"):
            count = float(f["num"])
            if kind != "repeat" or not (count.is_integer() and 1 <= count <= MAX_DOSES):
                raise _err(
                    "'for N doses' needs an interval and N ≥ 1",
                    text,
                    "Write e.g. '2 g every 8 h for 6 doses'.",
                )
            n_doses = int(count)
        else:
            duration = _hours(f["num"], f["unit"], "Duration")
        rest = rest[f.end() :].strip()
    if rest:
        raise _not_understood(rest)
    if kind == "bare" and duration is not None:
        raise _err("A duration needs a frequency", text, "Write e.g. '2 g every 8 h for 14 days'.")
    kind = "once" if kind == "bare" else kind
    return _Segment(text, amount, kind, ii, clocks, duration, n_doses)


def _records(segments: list[_Segment]) -> tuple[DoseRecord, ...]:
    """Dose records; each segment starts where the previous one ends."""
    records: list[DoseRecord] = []
    start = 0.0
    clock_ref: tuple[float, float] | None = None  # (start h, clock time h) of the first clock dose
    for i, seg in enumerate(segments):
        span = seg.span_h
        if span is None and i < len(segments) - 1:
            raise _err(
                "Only the last part may have no duration",
                seg.text,
                "Add a duration before 'then', e.g. 'for 7 days'.",
            )
        if seg.kind == "once":
            records.append(DoseRecord(start, seg.amount_g))
        elif seg.kind == "repeat":
            n = seg.n_doses
            if seg.duration_h is not None:  # doses strictly before start + duration
                n = math.ceil(seg.duration_h / seg.ii_h - 1e-9)
            records.append(DoseRecord(start, seg.amount_g, seg.ii_h, None if n is None else n - 1))
        else:
            clock_ref = clock_ref or (start, seg.clocks_h[0])
            before = len(records)
            for clock in seg.clocks_h:
                offset = round(clock - clock_ref[1] - (start - clock_ref[0]), 9) % 24.0
                if span is None:
                    records.append(DoseRecord(start + offset, seg.amount_g, 24.0, None))
                elif (n := math.ceil((span - offset) / 24.0 - 1e-9)) > 0:
                    records.append(DoseRecord(start + offset, seg.amount_g, 24.0, n - 1))
            if len(records) == before:
                raise _err("No dose falls within this part", seg.text, "Lengthen its duration.")
        start += span or 0.0
        if start > MAX_SPAN_H:
            raise _err("A regimen may last at most 10 years", f"{start / 24:g} days", EXAMPLES)
    return tuple(records)


def _parse_modifier(text: str, missed: set[int], late: dict[int, float]) -> None:
    """Add one 'miss dose …' or 'dose N late/early by …' to ``missed`` or ``late``."""
    if m := _DOSE_MISSED_RE.fullmatch(text):
        numbers = [_dose_number(m["n"])]
    elif m := _MISS_RE.fullmatch(text):
        numbers = []
        items = re.sub(r"\s*(?:-|\bto\b)\s*", "-", m["list"].strip())
        for item in re.split(r"(?:\s*(?:,|&|\band\b)\s*|\s+)+", items):
            lo, sep, hi = item.partition("-")
            if not item or (sep and not hi):
                raise _err("Could not read this list of dose numbers", m["list"], _EG_MISS)
            first, last = _dose_number(lo), _dose_number(hi or lo)
            if last < first:
                raise _err("A range of doses must run upwards", item, "Write e.g. 'doses 5-7'.")
            numbers.extend(range(first, last + 1))
    elif m := _SHIFT_RE.fullmatch(text):
        n = _dose_number(m["n"])
        if n in late or n in missed:
            raise _err("A dose is shifted twice, or both missed and shifted", n, _ONCE_EACH)
        delay = _hours(m["num"], m["unit"], "Delay")
        late[n] = -delay if m["dir"] == "early" else delay
        return
    else:
        raise _err("Could not understand this dose change", text, _EG_MISS)
    if clash := set(numbers) & set(late):
        raise _err("A dose cannot be both missed and shifted", min(clash), _ONCE_EACH)
    missed.update(numbers)


def check_dose_numbers(regimen: Regimen, horizon_h: float | None = None) -> None:
    """Expand ``regimen`` once so that missed/late dose numbers beyond its end, or doses moved
    before time 0, raise :class:`RegimenError` now rather than at simulation time.

    Open-ended regimens are expanded to ``horizon_h`` or, without one, far enough to hold every
    dose number referred to.
    """
    referenced = max([*regimen.missed, *(n for n, _ in regimen.late_h)], default=0)
    if regimen.open_ended and horizon_h is None:
        open_records = [r for r in regimen.records if r.addl is None]
        horizon_h = max(r.time_h + r.ii_h * referenced for r in open_records)
    regimen.expand(horizon_h if regimen.open_ended else None)


def _normalise(text: str) -> str:
    s = " ".join(text.split()).lower().replace("–", "-").replace("—", "-")
    s = re.sub(r"\b([btq])\.i\.d\b\.?", r"\1id", s).replace("q.d.", "qd")
    return re.sub(r"(?<=[a-z])\.$", "", s)


def parse_regimen(text: str) -> Regimen:
    """Parse a plain-text dosing regimen into a :class:`Regimen`.

    Parameters
    ----------
    text : str
        Regimen such as ``"2 g every 8 h for 14 days"``, ``"3 g twice daily for 8 weeks"``,
        ``"4 g at 08:00 and 20:00 daily for 3 weeks"`` or
        ``"2 g every 8 h for 7 days then 1 g every 8 h for 7 days; miss dose 5"``.
        See the module docstring for the grammar.

    Returns
    -------
    Regimen
        Dose records in hours and grams of product; the original text is kept in ``.text``.

    Raises
    ------
    RegimenError
        For any text that is not understood or is out of range; no other exception escapes.

    Examples
    --------
    >>> r = parse_regimen("2 g every 8 h for 14 days; miss dose 5")
    >>> len(r.expand())
    41
    >>> r.expand().times_h[:5].tolist()
    [0.0, 8.0, 16.0, 24.0, 40.0]
    """
    if not isinstance(text, str) or len(text) > MAX_TEXT_LEN:
        what = f"{len(text)} characters" if isinstance(text, str) else type(text).__name__
        raise _err(f"A regimen must be text of at most {MAX_TEXT_LEN} characters", what, EXAMPLES)
    s = _normalise(text)
    if not s:
        raise _err("The regimen is empty", text, EXAMPLES)
    try:
        head, *mods = re.split(r"\s*;\s*", s)
        head, *more = re.split(rf"\s*,\s*{_MOD_START}", head, maxsplit=1, flags=_F)
        parts = [p.strip(" ,") for p in re.split(r",?\s*\bthen\b\s*", head, flags=_F)]
        stop = len(parts) > 1 and parts[-1] == "stop"
        if stop:
            parts.pop()
        if not all(parts):
            raise _not_understood(s)
        segments = [_parse_segment(" ".join(p.replace(",", " ").split())) for p in parts]
        if stop and segments[-1].kind != "once" and segments[-1].span_h is None:
            raise _err(
                "'then stop' needs a duration before it",
                parts[-1],
                "Write e.g. '2 g every 8 h for 14 days then stop'.",
            )
        records = _records(segments)
        total = sum(r.addl + 1 for r in records if r.addl is not None)
        if total > MAX_DOSES:
            raise _err(f"A regimen may have at most {MAX_DOSES:,} doses", total, EXAMPLES)
        missed: set[int] = set()
        late: dict[int, float] = {}
        for mod in re.split(rf"\s*(?:[;,]|\band\b)\s*{_MOD_START}", "; ".join([*more, *mods])):
            if mod.strip(" ,"):
                _parse_modifier(mod.strip(" ,"), missed, late)
        regimen = Regimen(records, frozenset(missed), tuple(sorted(late.items())), text)
        if missed or late:
            check_dose_numbers(regimen)
        return regimen
    except RegimenError:
        raise
    except (ValueError, ArithmeticError, pint.PintError) as exc:  # defensive: never leak others
        raise _err("Could not understand the regimen", text, EXAMPLES) from exc


def _fmt_h(h: float) -> str:
    if 0 < h < 1:
        return f"{round(h * 60, 2):g} min"
    if h >= 48 and (h / 12) == int(h / 12):
        return f"{h / 24:g} d"
    return f"{round(h, 3):g} h"


def _fmt_g(g: float) -> str:
    if g >= 1:
        return f"{round(g, 4):g} g"
    if g >= 1e-3:
        return f"{round(g * 1e3, 4):g} mg"
    return f"{round(g * 1e6, 4):g} µg"


def format_regimen(regimen: Regimen) -> str:
    """Short human description, e.g. ``"2 g every 8 h, 42 doses over 14 d"``.

    Examples
    --------
    >>> format_regimen(parse_regimen("2 g every 8 h for 14 days"))
    '2 g every 8 h, 42 doses over 14 d'
    """
    groups: list[list[DoseRecord]] = []
    for r in regimen.records:  # records of one clock-time segment form one group
        g = groups[-1][0] if groups else None
        same = g is not None and (r.amount_g, r.ii_h, r.addl) == (g.amount_g, g.ii_h, g.addl)
        if g is not None and same and g.ii_h > 0 and r.time_h < g.time_h + g.ii_h:
            groups[-1].append(r)
        else:
            groups.append([r])
    parts, ends = [], []
    for group in groups:
        first = group[0]
        text = _fmt_g(first.amount_g)
        if first.addl != 0:
            text += f" every {_fmt_h(first.ii_h)}"
        elif len(group) == 1:
            text += " once"
        if len(group) > 1 or (first.addl == 0 and first.time_h):
            text += " at " + ", ".join(_fmt_h(r.time_h) for r in group)
        elif first.time_h:
            text += f" from {_fmt_h(first.time_h)}"
        parts.append(text)
        if first.addl is not None:
            ends.append(first.time_h + ((first.addl + 1) * first.ii_h or 0.0))
    desc = "; ".join(parts)
    if regimen.open_ended:
        desc += ", repeating until the end of observation"
    else:
        n = len(regimen.expand())
        if n != 1 or len(regimen.records) != 1:
            start = min(r.time_h for r in regimen.records)
            desc += f", {n} dose{'s' if n != 1 else ''} over {_fmt_h(max(ends) - start)}"
    if regimen.missed:
        desc += ", missed dose" + ("s " if len(regimen.missed) > 1 else " ")
        desc += ", ".join(str(n) for n in sorted(regimen.missed))
    for n, delay in regimen.late_h:
        desc += f", dose {n} {'late' if delay >= 0 else 'early'} by {_fmt_h(abs(delay))}"
    return desc
