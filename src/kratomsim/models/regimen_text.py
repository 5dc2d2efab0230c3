"""Plain-text dosing regimens, written the way people say them → :class:`Regimen`.

``"2 g every 8 h for 14 days; miss dose 5"``, ``"2g 3x a day"``, ``"two grams every eight hours"``,
``"1,5 g every morning for 6 months"``, ``"1 tsp (2.5 g) twice daily"``, ``"one 15 mg 7-OH tablet
twice daily"``, ``"4 g tid for 4 weeks then -1 g per week"``.

Three modules read the text, each one job:

- :mod:`~kratomsim.models.regimen_words` rewrites wording (number words, decimal commas, am/pm,
  "every morning", "b.i.d.") into a plain form and notes each convention it used;
- :mod:`~kratomsim.models.regimen_grammar` parses that form with a written grammar (lark, LALR)::

      regimen   := step ("then" step)* ["then stop"]
      step      := amount [frequency] ["for" duration | "for" N "doses"] | taper
      amount    := 2 g | 500 mg | 15 mg 7-OH [tablet] | one 15 mg 7-OH tablet | 1 tsp (2.5 g)
                 | 2 capsules (500 mg each)
      frequency := once | twice daily | 3 times a day | 3x a day | daily | bid | tid | qid | qd
                 | every 8 h | q8h | every other day | every day | weekly | every morning
                 | at 08:00 and 20:00 [daily] | 3 g a day in 3 doses
      taper     := -1 g per week | -10% per week | reduce by 500 mg every 3 days

- :mod:`~kratomsim.models.regimen_steps` gives every part its meaning in hours and grams, checks
  ranges and asks when the text could mean two things ("3 g a day": one dose, or split?).

This module joins the parts into dose records and reads the dose changes after ``;`` or ``,``
(``miss doses 5-7, 9``, ``dose 9 late by 2 h``, ``dose 4 early by 30 min``). A bare amount
(``"2 g"``) is a single dose. ``for 14 days`` keeps the doses whose time is before the part's
start plus 14 days. Each part after ``then`` starts where the previous one ends; "then 1 g for 7
days" keeps the previous frequency. Clock times put the first listed time at 0 h. Dose numbers in
changes count from 1 over the expanded schedule. Every input that cannot be understood raises
:class:`~kratomsim.errors.RegimenError`; one that could mean two things raises its subclass
:class:`~kratomsim.errors.AmbiguousRegimen`, whose message asks which and names the choices.
"""

from __future__ import annotations

import math
import re

from kratomsim.errors import RegimenError, bad_value
from kratomsim.models.dosing import MAX_DOSES, DoseRecord, Regimen
from kratomsim.models.regimen_grammar import SyntaxProblem, parse_tree
from kratomsim.models.regimen_steps import Segment, interpret
from kratomsim.models.regimen_units import EXAMPLES, MAX_SPAN_H, fmt_g, grams, hours
from kratomsim.models.regimen_words import normalise

__all__ = [
    "check_dose_numbers",
    "format_regimen",
    "parse_amount_g",
    "parse_regimen",
    "parse_time_h",
]

#: Longest accepted regimen text (characters).
MAX_TEXT_LEN = 1000

_EG_MISS = (
    "Write e.g. 'miss dose 5', 'miss doses 5-7', 'dose 9 late by 2 h' or 'dose 4 early by 30 min'."
)
_ONCE_EACH = "Give each dose number at most once."

_F = re.IGNORECASE | re.ASCII
_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?|[-+]?(?:nan|inf(?:inity)?)"
_UNIT = r"[a-zµμ]+"
_MISS_RE = re.compile(r"(?:miss|missed|skip|skipped|omit)\s+(?:doses?\s+)?(?P<list>.+)", _F)
_DOSE_MISSED_RE = re.compile(r"dose\s+(?P<n>\S+)\s+(?:is\s+|was\s+)?(?:missed|skipped)", _F)
_SHIFT_RE = re.compile(
    rf"dose\s+(?P<n>\S+)\s+(?:(?:is|was|taken)\s+)?(?P<dir>late|delayed|early)"
    rf"\s+(?:by\s+)?(?P<num>{_NUM})\s*(?P<unit>{_UNIT})",
    _F,
)
_MOD_START = r"(?=(?:miss|missed|skip|skipped|omit|dose)\b)"


def _err(what: str, value: object, fix: str) -> RegimenError:
    return RegimenError(bad_value(what, value, fix))


def _split_quantity(text: object, what: str, example: str) -> tuple[str, str]:
    m = re.fullmatch(rf"\s*(?P<num>{_NUM})\s*(?P<unit>{_UNIT})\s*", str(text), _F)
    if m is None or len(str(text)) > MAX_TEXT_LEN:
        raise _err(f"{what} must be a number and a unit", text, f"Write e.g. {example}.")
    return m["num"], m["unit"]


def parse_amount_g(text: str) -> float:
    """Parse an amount of product such as ``"2 g"`` or ``"500 mg"`` into grams.

    Raises :class:`RegimenError` for other units and amounts outside (0, 50] g.
    """
    return grams(*_split_quantity(text, "An amount", "'2 g' or '500 mg'"))


def parse_time_h(text: str, *, signed: bool = False, zero: bool = False) -> float:
    """Parse a time such as ``"8 h"``, ``"30 min"`` or ``"2 weeks"`` into hours.

    The value must be positive (``zero=True``: ≥ 0; ``signed=True``: any sign), at most 10 years.
    """
    return hours(
        *_split_quantity(text, "A time", "'8 h', '30 min' or '10 d'"),
        "Time",
        signed=signed,
        zero=zero,
    )


def _dose_number(token: str) -> int:
    if not re.fullmatch(r"\d{1,9}", token, _F) or not 1 <= int(token) <= MAX_DOSES:
        raise _err(f"Dose numbers are whole numbers from 1 to {MAX_DOSES:,}", token, _EG_MISS)
    return int(token)


def _records(segments: list[Segment]) -> tuple[DoseRecord, ...]:
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
        delay = hours(m["num"], m["unit"], "Delay")
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


def _segments(text: str, head: str) -> tuple[list[Segment], tuple[str, ...], str | None]:
    """The schedule part of a regimen (before any dose change) as segments, notes and product."""
    plain, notes = normalise(head)
    if not plain:
        raise _err("The regimen is empty", text, EXAMPLES)
    tree = parse_tree(plain)
    if isinstance(tree, SyntaxProblem):
        if tree.at_start:
            raise _err(
                "Each part of a regimen must start with an amount and unit", tree.rest, EXAMPLES
            )
        raise _err("Could not understand this part of the regimen", tree.rest, EXAMPLES)
    steps, stop = tree
    reading = interpret(steps)
    last = reading.segments[-1]
    if stop and last.kind != "once" and last.span_h is None:
        raise _err(
            "'then stop' needs a duration before it",
            last.text,
            "Write e.g. '2 g every 8 h for 14 days then stop'.",
        )
    return reading.segments, (*notes, *reading.notes), reading.product


def parse_regimen(text: str) -> Regimen:
    """Parse a plain-text dosing regimen into a :class:`Regimen`.

    Parameters
    ----------
    text : str
        Regimen such as ``"2 g every 8 h for 14 days"``, ``"2g 3x a day for 2 weeks"``,
        ``"1,5 g every morning for 6 months"``, ``"4 g at 08:00 and 20:00 for 3 weeks"`` or
        ``"2 g every 8 h for 7 days then 1 g for 7 days; miss dose 5"``.
        See the module docstring for the grammar.

    Returns
    -------
    Regimen
        Dose records in hours and grams of product; the original text is kept in ``.text``, the
        readings made (e.g. "morning read as 08:00") in ``.notes``.

    Raises
    ------
    RegimenError
        For any text that is not understood or is out of range; no other exception escapes.
        :class:`~kratomsim.errors.AmbiguousRegimen` (a subclass) asks about text that could mean
        two things, e.g. "3 g a day" (one dose, or split?).

    Examples
    --------
    >>> r = parse_regimen("2 g every 8 h for 14 days; miss dose 5")
    >>> len(r.expand())
    41
    >>> r.expand().times_h[:5].tolist()
    [0.0, 8.0, 16.0, 24.0, 40.0]
    >>> parse_regimen("two grams 3x a day for 1 day").expand().times_h.tolist()
    [0.0, 8.0, 16.0]
    """
    if not isinstance(text, str) or len(text) > MAX_TEXT_LEN:
        what = f"{len(text)} characters" if isinstance(text, str) else type(text).__name__
        raise _err(f"A regimen must be text of at most {MAX_TEXT_LEN} characters", what, EXAMPLES)
    if not text.strip():
        raise _err("The regimen is empty", text, EXAMPLES)
    try:
        head, *mods = re.split(r"\s*;\s*", text.strip())
        head, *more = re.split(rf"\s*,\s*{_MOD_START}", head, maxsplit=1, flags=_F)
        segments, notes, product = _segments(text, head)
        records = _records(segments)
        total = sum(r.addl + 1 for r in records if r.addl is not None)
        if total > MAX_DOSES:
            raise _err(f"A regimen may have at most {MAX_DOSES:,} doses", total, EXAMPLES)
        missed: set[int] = set()
        late: dict[int, float] = {}
        changes = " ".join("; ".join([*more, *mods]).split()).lower().replace("–", "-")
        for mod in re.split(rf"\s*(?:[;,]|\band\b)\s*{_MOD_START}", changes):
            if mod.strip(" ,."):
                _parse_modifier(mod.strip(" ,."), missed, late)
        regimen = Regimen(
            records, frozenset(missed), tuple(sorted(late.items())), text, notes, product
        )
        if missed or late:
            check_dose_numbers(regimen)
        return regimen
    except RegimenError:
        raise
    except (ValueError, ArithmeticError) as exc:  # defensive: never leak others
        raise _err("Could not understand the regimen", text, EXAMPLES) from exc


def _fmt_h(h: float) -> str:
    if 0 < h < 1:
        return f"{round(h * 60, 2):g} min"
    if h >= 48 and (h / 12) == int(h / 12):
        return f"{h / 24:g} d"
    return f"{round(h, 3):g} h"


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
        text = fmt_g(first.amount_g)
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
    if regimen.notes:
        desc += f" ({'; '.join(regimen.notes)})"
    return desc
