"""Everyday wording of a regimen, rewritten into the plain form the regimen grammar reads.

People write "two grams every eight hours", "1,5 g", "1 g b.i.d.", "2 g at 8 pm", "2 g every morning"
or "½ tsp (1.25 g)". Before the grammar (:mod:`kratomsim.models.regimen_grammar`) sees the text, this
module rewrites such wording, one kind at a time and in a fixed order:

1. case, spaces, dashes, ``×`` and the Unicode fractions (``½`` → ``1/2``);
2. dotted abbreviations (``b.i.d.`` → ``bid``) and joining words (``and then``, ``after that`` → ``then``);
3. number words (``two`` → ``2``, ``twenty-one`` → ``21``, ``one and a half`` → ``1.5``, ``half a`` → ``0.5``)
   and fractions (``1/2`` → ``0.5``, ``1 1/2`` → ``1.5``);
4. decimal commas before a unit (``1,5 g`` → ``1.5 g``); a comma followed by exactly three digits
   (``1,500 mg``) may be a thousands separator, so it is asked about, never guessed;
5. clock times with am/pm, ``noon`` and ``midnight`` (``8:30 pm`` → ``20:30``);
6. times of day (``morning`` → ``08:00``, see :data:`TIMES_OF_DAY`): these are conventions, not facts
   about the person, so every one used is returned as a note that the parsed regimen's description
   repeats ("morning read as 08:00");
7. commas: one between clock times becomes "and", any other a space (it only separates phrases).

Nothing here decides what the regimen means; wording that could mean two things is left for the
grammar to ask about. Errors are :class:`~kratomsim.errors.RegimenError` (or
:class:`~kratomsim.errors.AmbiguousRegimen` for a question).
"""

from __future__ import annotations

import re

from kratomsim.errors import AmbiguousRegimen, RegimenError, bad_value

__all__ = ["TIMES_OF_DAY", "normalise"]

#: Clock time (h) assumed for each time of day: a convention of this tool, stated in every
#: description that uses one (ASSUMPTION; nothing here is known about the person's day).
TIMES_OF_DAY: dict[str, float] = {
    "morning": 8.0,
    "afternoon": 14.0,
    "evening": 20.0,
    "night": 22.0,
    "bedtime": 22.0,
}

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_FRACTIONS = {"½": " 1/2", "¼": " 1/4", "¾": " 3/4", "⅓": " 1/3", "⅔": " 2/3", "⅛": " 1/8"}
_ABBREVIATIONS = {"bid", "tid", "qid", "qd", "od", "bd", "tds", "qds", "qod", "hs", "qhs", "prn"}
#: Words after a number that make a comma in it a decimal comma (amounts, times, household units).
_UNIT_AFTER = (
    r"(?:g|gr|grams?|mg|milligrams?|mcg|ug|µg|μg|micrograms?|kg|h|hrs?|hours?|mins?|minutes?|d|days?"
    r"|w|wks?|weeks?|months?|tsps?|teaspoons?|tbsps?|tablespoons?|scoops?|%)"
)

_WORD = "|".join([*_UNITS, *_TENS])
_NUMBER_RUN = re.compile(
    rf"\b(?:{_WORD})(?:(?:[\s-]+|\s+and\s+)(?:{_WORD}|hundred)\b)*",
)
_FRACTION = re.compile(r"(?<![\d.:/])(?:(\d+)\s+)?(\d+)/(\d+)(?![\d/])")
_DECIMAL_COMMA = re.compile(
    rf"(?<![\d.,])(\d+),(\d+)(?![\d,])(?=\s*(?P<unit>{_UNIT_AFTER})(?![a-zµμ]))"
)
_AMPM = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*([ap])\.?\s?m\b\.?")
_TIME_OF_DAY = re.compile(
    r"\b(?:(?:in|during)\s+the\s+|at\s+|before\s+)?(morning|afternoon|evening|night|bedtime|bed)(s?)\b"
)


def _fold(text: str) -> str:
    s = " ".join(text.split()).lower()
    for dash in ("–", "—", "−"):
        s = s.replace(dash, "-")
    s = s.replace("×", "x")
    for char, repl in _FRACTIONS.items():
        s = s.replace(char, repl)
    s = re.sub(r"\b(?:[a-z]\.){2,3}", _undot, s)
    s = re.sub(r"(?<=[a-z0-9)])\.$", "", s.strip())
    s = re.sub(r"\s*,?\s*\b(?:and then|after that|afterwards|followed by)\b\s*", " then ", s)
    s = re.sub(r"\s*,\s*then\b", " then", s)
    return " ".join(s.split())


def _undot(m: re.Match[str]) -> str:
    word = m.group(0).replace(".", "")
    return word if word in _ABBREVIATIONS else m.group(0)


def _number_value(words: list[str]) -> float | None:
    """Value of a run of number words ("twenty one", "one hundred and fifty"), or None."""
    total, current = 0, 0
    last = ""
    for word in words:
        if word in _UNITS:
            if last in _UNITS:
                return None  # "two three" is two numbers, not one
            current += _UNITS[word]
        elif word in _TENS:
            if last in _UNITS or last in _TENS:
                return None
            current += _TENS[word]
        elif word == "hundred":
            if last not in _UNITS:
                return None
            current *= 100
        last = word
    return float(total + current)


def _words_to_numbers(s: str) -> str:
    def replace(m: re.Match[str]) -> str:
        words = [w for w in re.split(r"[\s-]+", m.group(0)) if w and w != "and"]
        value = _number_value(words)
        if value is None:  # leave "two three" alone: the grammar reports it
            return m.group(0)
        text = f"{value:g}"
        return text + (" and " if m.group(0).rstrip().endswith(" and") else "")

    s = _NUMBER_RUN.sub(replace, s)
    s = re.sub(
        r"\b(\d+(?:\.\d+)?)\s+and\s+(?:a|one)\s+half\b", lambda m: f"{float(m[1]) + 0.5:g}", s
    )
    s = re.sub(
        r"\b(\d+(?:\.\d+)?)\s+and\s+(?:a|one)\s+quarter\b", lambda m: f"{float(m[1]) + 0.25:g}", s
    )
    s = re.sub(r"\bhalf\s+(?:of\s+)?(?:a|an)\b", "0.5", s)
    s = re.sub(r"\b(?:a|one|0\.5|1)\s+half(?:\s+(?:of\s+)?(?:a|an)\b)?", "0.5", s)
    s = re.sub(r"\b(?:a|one|1)\s+quarter(?:\s+(?:of\s+)?(?:a|an)\b)?", "0.25", s)
    return re.sub(r"\bhalf\b", "0.5", s)


def _fractions(s: str) -> str:
    def replace(m: re.Match[str]) -> str:
        whole, num, den = m.group(1), int(m.group(2)), int(m.group(3))
        if den == 0:
            raise RegimenError(
                bad_value("A fraction divides by zero", m.group(0), "Write e.g. '1/2 tsp'.")
            )
        value = num / den + (int(whole) if whole else 0)
        return f"{round(value, 6):g}"

    return _FRACTION.sub(replace, s)


def _decimal_commas(s: str) -> str:
    def replace(m: re.Match[str]) -> str:
        whole, frac, unit = m.group(1), m.group(2), m.group("unit")
        if len(frac) == 3:
            thousands = f"{whole}{frac} {unit}"
            decimal = f"{float(f'{whole}.{frac}'):g} {unit}"
            raise AmbiguousRegimen(
                bad_value(
                    "A comma followed by three digits could separate thousands or decimals",
                    f"{m.group(0)} {unit}",
                    f"Write '{thousands}' (thousands) or '{decimal}' (decimal comma).",
                ),
                choices=(thousands, decimal),
            )
        return f"{whole}.{frac}"

    return _DECIMAL_COMMA.sub(replace, s)


def _clock(m: re.Match[str]) -> str:
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), m.group(3)
    if not (1 <= hour <= 12 and minute <= 59):
        raise RegimenError(
            bad_value(
                "Clock times with am/pm run from 12:00 am to 11:59 pm",
                m.group(0).strip(),
                "Write e.g. '8 am', '8:30 pm' or '20:30'.",
            )
        )
    hour = hour % 12 + (12 if half == "p" else 0)
    return f"{hour:02d}:{minute:02d}"


def _times_of_day(s: str, notes: list[str]) -> str:
    def replace(m: re.Match[str]) -> str:
        word = "bedtime" if m.group(1) == "bed" else m.group(1)
        hour = TIMES_OF_DAY[word]
        note = f"{word} read as {int(hour):02d}:00"
        if note not in notes:
            notes.append(note)
        prefix = m.group(0)[: m.start(1) - m.start(0)].strip()
        clock = f"{int(hour):02d}:00"
        if m.group(2) == "s":  # "mornings": a habit, every day
            return f"every {clock}"
        return f"at {clock}" if prefix else clock

    s = re.sub(r"\bnightly\b", "every night", s)
    s = _TIME_OF_DAY.sub(replace, s)
    # "every at 08:00" (from "every morning" after "at" was added) → "every 08:00"
    s = re.sub(r"\b(every|each)\s+at\s+", r"\1 ", s)
    # "every 08:00 and every 20:00" (from "mornings and evenings") → one list
    return re.sub(r"(\d:\d\d)\s+and\s+(?:every|each)\s+(?=\d)", r"\1 and ", s)


def normalise(text: str) -> tuple[str, tuple[str, ...]]:
    """Rewrite everyday wording into the grammar's plain form; returns (text, notes).

    The notes name each convention used ("morning read as 08:00").

    Examples
    --------
    >>> normalise("Two grams every eight hours")
    ('2 grams every 8 hours', ())
    >>> normalise("1,5 g every morning and evening")
    ('1.5 g every 08:00 and 20:00', ('morning read as 08:00', 'evening read as 20:00'))
    """
    notes: list[str] = []
    s = _fold(text)
    s = re.sub(r"\s*\b(?:percent|per cent|pct)\b", "%", s)
    s = _words_to_numbers(s)
    s = _fractions(s)
    s = _decimal_commas(s)
    s = _AMPM.sub(_clock, s)
    s = re.sub(r"\b(?:noon|midday)\b", "12:00", s)
    s = re.sub(r"\bmidnight\b", "00:00", s)
    s = _times_of_day(s, notes)
    s = re.sub(r"(\d:\d\d)\s*,\s*(?:and\s+)?(?=(?:at\s+)?\d{1,2}:\d\d)", r"\1 and ", s)
    s = s.replace(",", " ")  # other commas only separate phrases ("2 g, twice daily")
    return " ".join(s.split()), tuple(notes)
