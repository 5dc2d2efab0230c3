"""The grammar of regimen text and taper plans, and the tree it parses into.

Why a grammar library: regimens grew from "2 g every 8 h" to "one 15 mg 7-OH tablet twice daily",
"1 tsp (2.5 g) every morning", "3 g a day in 3 doses" and "then -1 g per week". Each phrase was a
regular expression tried in turn, and the order of the tries was the grammar, unwritten. Here the
grammar is written down once (:data:`GRAMMAR`, EBNF for `lark <https://lark-parser.readthedocs.io>`_),
parsed by lark's LALR(1) parser (linear time, so thousands of fuzzed strings stay fast) with a
contextual lexer, so a word like ``day`` is a unit where a unit may stand and nothing else.

Wording (number words, decimal commas, am/pm, "morning") is rewritten first by
:mod:`kratomsim.models.regimen_words`; dose changes after ``;`` ("miss dose 5") keep their small
parser in :mod:`kratomsim.models.regimen_text`. This module only reads the structure: every
number stays text, and :mod:`kratomsim.models.regimen_steps` checks and converts it, so that one
place speaks of units and ranges.

The tree is plain data: a list of :class:`Step` (``kind`` "dose" or "taper") whose fields hold the
tokens as written.
"""

from __future__ import annotations

import hashlib
import re
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import LarkError, UnexpectedInput, VisitError

from kratomsim.cache import cache_root
from kratomsim.errors import KratomsimError

__all__ = [
    "GRAMMAR",
    "Amount",
    "Schedule",
    "Step",
    "SyntaxProblem",
    "parse_plan_tree",
    "parse_tree",
]

#: The regimen grammar. Lower-case names are rules, upper-case names are words (terminals).
GRAMMAR = r"""
regimen: step (THEN step)* (THEN STOP)?
plan: STOP | taper | BY? NUMBER UNIT taper_every

step: dose schedule? duration?                         -> dose_step
    | taper duration?                                  -> taper_step

dose: TAKE? amount
amount: NUMBER UNIT                                    -> mass
      | NUMBER UNIT OF? OH7 ITEM?                      -> oh7_mass
      | count NUMBER UNIT OH7? ITEM                    -> sized_items
      | count OH7? ITEM size?                          -> items
count: NUMBER | A
size: "(" APPROX? NUMBER UNIT OH7? size_kind? ")"
    | "(" count? ITEM "=" APPROX? NUMBER UNIT OH7? ")" -> size_each
size_kind: EACH | TOTAL | PER ITEM | PER UNIT

schedule: ONCE ONLY?                                   -> once
        | ONCE AT? clocks                              -> once_at
        | times per (AT? clocks)?                      -> times_per
        | DAILY (AT? clocks)?                          -> daily
        | NAMED                                        -> named
        | WEEKLY                                       -> weekly
        | EVERY NUMBER UNIT                            -> every
        | Q NUMBER UNIT                                -> every
        | EVERY OTHER UNIT                             -> every_other
        | (EVERY | EACH) UNIT (AT? clocks)?            -> every_unit
        | EVERY clocks                                 -> every_clocks
        | AT? clocks clock_daily?                      -> at_clocks
        | per_period split?                            -> rate
times: ONCE | TWICE | THRICE | NUMBER TIMES
per: DAILY | A UNIT | PER UNIT | "/" UNIT | EACH UNIT | EVERY UNIT | WEEKLY
per_period: A UNIT | PER UNIT | "/" UNIT
split: SPLIT NUMBER DOSE | AS (A | NUMBER) SINGLE? DOSE
clocks: CLOCK (AND? AT? CLOCK)*
clock_daily: DAILY | (EVERY | EACH | A | PER) UNIT

duration: FOR NUMBER (UNIT | DOSE) | FOR A UNIT

taper: REDUCE BY? NUMBER (UNIT | PCT) LESS? taper_every
     | NUMBER (UNIT | PCT) LESS taper_every
     | NUMBER PCT taper_every
taper_every: PER UNIT | A UNIT | "/" UNIT | EACH UNIT | EVERY NUMBER? UNIT | EVERY OTHER UNIT
           | WEEKLY | DAILY

CLOCK.5: /\d{1,2}:\d{2}(?![\d:])/
OH7.5: /7-?oh\b|7-hydroxy(?:mitragynine)?\b/
NUMBER.4: /[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?|[-+]?(?:nan|inf(?:inity)?)\b/
Q.3: /q(?=\s*\d)/
TAKE.2: /(?:take|takes|taking|i take)\b/
ONCE.2: /once\b/
TWICE.2: /twice\b/
THRICE.2: /thrice\b/
ONLY.2: /only\b/
TIMES.2: /(?:times|time|x)\b/
DAILY.2: /(?:daily|qd|od|everyday)\b/
NAMED.2: /(?:bid|bd|tid|tds|qid|qds|qod|hourly)\b/
WEEKLY.2: /(?:weekly|qw|qwk)\b/
EVERY.2: /every\b/
EACH.2: /(?:each|apiece)\b/
OTHER.2: /other\b/
A.2: /(?:a|an)\b/
PER.2: /per\b/
AT.2: /at\b/
AND.2: /(?:and|&)(?!\w)/
FOR.2: /for\b/
THEN.2: /then\b/
STOP.2: /(?:stop|stopping|quit|nothing)\b/
OF.2: /of\b/
AS.2: /as\b/
SPLIT.2: /(?:split into|split in|split over|divided into|divided over|in|into|over)\b/
DOSE.2: /(?:divided doses|doses|dose|portions|portion|servings|serving)\b/
SINGLE.2: /single\b/
APPROX.2: /(?:about|approx|approximately|around|roughly|~|ca)(?!\w)/
TOTAL.2: /(?:in total|total|altogether|together)\b/
LESS.2: /(?:less|fewer)\b/
REDUCE.2: /(?:reduce|reducing|cut|cutting|lower|lowering|decrease|decreasing|taper|tapering|drop|dropping|down)\b/
BY.2: /by\b/
PCT.2: "%"
ITEM.3: /(?:teaspoon|tsp|tablespoon|tbsp|tbs|scoop|spoon|cup|capsule|cap|tablet|tab|pill|gummy|gummie|shot|sachet|packet)(?:ful)?s?\b/
UNIT: /[a-zµμ]+/

%import common.WS
%ignore WS
"""


@dataclass(frozen=True, slots=True)
class Amount:
    """An amount as written: a mass, 7-OH mass, or a count of items with their stated size."""

    kind: str  # "mass", "oh7", "items"
    number: str = ""  # mass (or 7-OH mass) number, or the size stated for the items
    unit: str = ""
    count: str = ""  # number of items ("1", "a")
    item: str = ""  # tsp, capsule, tablet, …
    oh7: bool = False  # the mass is of 7-OH itself
    size_kind: str = ""  # "each", "total" or "" (not said)


@dataclass(frozen=True, slots=True)
class Schedule:
    """A frequency as written."""

    kind: str  # once, once_at, times_per, daily, named, weekly, every, every_other, every_unit,
    #            every_clocks, at_clocks, rate
    words: tuple[str, ...] = ()  # the frequency's own words ("bid", "twice", "3 times", "day")
    number: str = ""  # the interval number of "every 8 h"
    unit: str = ""  # the unit of an interval, a "per" or a rate
    clocks: tuple[str, ...] = ()
    daily: bool = False  # the clock list carries a "daily" word
    split: str = ""  # "3" of "3 g a day in 3 doses"


@dataclass(frozen=True, slots=True)
class Step:
    """One part of a regimen (between "then"s), or a taper plan."""

    kind: str  # "dose" or "taper"
    text: str
    amount: Amount | None = None
    schedule: Schedule | None = None
    duration: tuple[str, str] | None = None  # (number, unit); number "1" for "for a week"
    taper: tuple[str, str, tuple[str, str]] | None = None  # (number, unit or "%", (n, unit))
    take: bool = field(default=False)


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    """Where the text stops making sense: the rest of the text from there, and its position."""

    rest: str
    position: int
    at_start: bool  # the problem is at the start of a part (where an amount should be)


def _words(items: list[Any]) -> tuple[str, ...]:
    return tuple(str(x) for x in items if isinstance(x, Token))


#: The text being parsed (the transformer runs inside the parser, so it cannot be passed).
_TEXT: ContextVar[str] = ContextVar("regimen_text", default="")


class _ToSteps(Transformer[Token, Any]):
    """Turn each rule into :class:`Step` parts as it is parsed, keeping every token as text.

    It runs inside the LALR parser (lark's inline transformer), so no tree is built.
    """

    @property
    def text(self) -> str:
        return _TEXT.get()

    # --- amounts
    def mass(self, c: list[Any]) -> Amount:
        return Amount("mass", str(c[0]), str(c[1]))

    def oh7_mass(self, c: list[Any]) -> Amount:
        item = next((str(t) for t in c if isinstance(t, Token) and t.type == "ITEM"), "")
        return Amount("oh7", str(c[0]), str(c[1]), count="1" if item else "", item=item, oh7=True)

    def sized_items(self, c: list[Any]) -> Amount:
        count, number, unit = c[0], str(c[1]), str(c[2])
        oh7 = any(isinstance(t, Token) and t.type == "OH7" for t in c)
        return Amount("items", number, unit, count, str(c[-1]), oh7, "each")

    def items(self, c: list[Any]) -> Amount:
        count = c[0]
        item = next(str(t) for t in c if isinstance(t, Token) and t.type == "ITEM")
        oh7 = any(isinstance(t, Token) and t.type == "OH7" for t in c)
        size: Amount | None = next((x for x in c if isinstance(x, Amount)), None)
        if size is None:
            return Amount("items", "", "", count, item, oh7)
        return Amount("items", size.number, size.unit, count, item, oh7 or size.oh7, size.size_kind)

    def count(self, c: list[Any]) -> str:
        return "1" if c[0].type == "A" else str(c[0])

    def size(self, c: list[Any]) -> Amount:
        nums = [t for t in c if isinstance(t, Token) and t.type == "NUMBER"]
        units = [t for t in c if isinstance(t, Token) and t.type == "UNIT"]
        oh7 = any(isinstance(t, Token) and t.type == "OH7" for t in c)
        kind = next((x for x in c if isinstance(x, str) and not isinstance(x, Token)), "")
        return Amount("size", str(nums[0]), str(units[0]), oh7=oh7, size_kind=kind)

    def size_each(self, c: list[Any]) -> Amount:
        counts = [x for x in c if isinstance(x, str) and not isinstance(x, Token)]
        nums = [t for t in c if isinstance(t, Token) and t.type == "NUMBER"]
        units = [t for t in c if isinstance(t, Token) and t.type == "UNIT"]
        oh7 = any(isinstance(t, Token) and t.type == "OH7" for t in c)
        if counts and counts[0] != "1":  # "(2 tsp = 5 g)": a total for that many
            per = float(nums[-1]) / float(counts[0]) if float(counts[0]) else float("nan")
            return Amount("size", f"{per!r}", str(units[-1]), oh7=oh7, size_kind="each")
        return Amount("size", str(nums[-1]), str(units[-1]), oh7=oh7, size_kind="each")

    def size_kind(self, c: list[Any]) -> str:
        return "total" if c[0].type == "TOTAL" else "each"

    def dose(self, c: list[Any]) -> tuple[bool, Amount]:
        return (isinstance(c[0], Token) and c[0].type == "TAKE", c[-1])

    # --- schedules
    def _schedule(self, kind: str, c: list[Any], **kw: Any) -> Schedule:
        clocks: tuple[str, ...] = ()
        daily = False
        for x in c:
            if isinstance(x, tuple) and x and x[0] == "clocks":
                clocks = x[1]
            elif x == "clock_daily":
                daily = True
        words = _words([t for t in c if isinstance(t, Token) and t.type not in ("AT",)])
        return Schedule(kind, words, clocks=clocks, daily=daily, **kw)

    def once(self, c: list[Any]) -> Schedule:
        return self._schedule("once", c)

    def once_at(self, c: list[Any]) -> Schedule:
        return self._schedule("once_at", c)

    def times_per(self, c: list[Any]) -> Schedule:
        times, per = c[0], c[1]
        return Schedule(
            "times_per",
            times,
            unit=per,
            clocks=next((x[1] for x in c[2:] if isinstance(x, tuple) and x[0] == "clocks"), ()),
        )

    def times(self, c: list[Any]) -> tuple[str, ...]:
        return _words(c)

    def per(self, c: list[Any]) -> str:
        if c[-1].type in ("DAILY",):
            return "day"
        if c[-1].type == "WEEKLY":
            return "week"
        return str(c[-1])

    def daily(self, c: list[Any]) -> Schedule:
        return self._schedule("daily", c)

    def named(self, c: list[Any]) -> Schedule:
        return Schedule("named", _words(c))

    def weekly(self, c: list[Any]) -> Schedule:
        return Schedule("weekly", _words(c))

    def every(self, c: list[Any]) -> Schedule:
        return Schedule("every", _words(c), number=str(c[1]), unit=str(c[2]))

    def every_other(self, c: list[Any]) -> Schedule:
        return Schedule("every_other", _words(c), unit=str(c[2]))

    def every_unit(self, c: list[Any]) -> Schedule:
        return self._schedule("every_unit", c, unit=str(c[1]))

    def every_clocks(self, c: list[Any]) -> Schedule:
        return self._schedule("every_clocks", c)

    def at_clocks(self, c: list[Any]) -> Schedule:
        return self._schedule("at_clocks", c)

    def clocks(self, c: list[Any]) -> tuple[str, tuple[str, ...]]:
        return ("clocks", tuple(str(t) for t in c if isinstance(t, Token) and t.type == "CLOCK"))

    def clock_daily(self, c: list[Any]) -> str:
        return "clock_daily"

    def rate(self, c: list[Any]) -> Schedule:
        unit = c[0]
        split = c[1] if len(c) > 1 else ""
        return Schedule("rate", (), unit=unit, split=split)

    def split(self, c: list[Any]) -> str:
        nums = [t for t in c if isinstance(t, Token) and t.type == "NUMBER"]
        return str(nums[0]) if nums else "1"

    def per_period(self, c: list[Any]) -> str:
        return str(c[-1])

    # --- durations and tapers
    def duration(self, c: list[Any]) -> tuple[str, str]:
        if c[1].type == "A":
            return ("1", str(c[2]))
        return (str(c[1]), str(c[2]))

    def taper(self, c: list[Any]) -> tuple[str, str, tuple[str, str]]:
        num = next(t for t in c if isinstance(t, Token) and t.type == "NUMBER")
        unit = next(t for t in c if isinstance(t, Token) and t.type in ("UNIT", "PCT"))
        every = next(x for x in c if isinstance(x, tuple))
        return (str(num), str(unit), every)

    def taper_every(self, c: list[Any]) -> tuple[str, str]:
        if c[0].type in ("WEEKLY", "DAILY"):
            return ("1", "week" if c[0].type == "WEEKLY" else "day")
        if c[0].type == "EVERY" and c[1].type == "OTHER":
            return ("2", str(c[2]))
        if c[0].type == "EVERY" and c[1].type == "NUMBER":
            return (str(c[1]), str(c[2]))
        return ("1", str(c[-1]))

    # --- steps
    def dose_step(self, c: list[Any]) -> Step:
        take, amount = c[0]
        schedule = next((x for x in c[1:] if isinstance(x, Schedule)), None)
        duration = next((x for x in c[1:] if isinstance(x, tuple)), None)
        return Step("dose", "", amount, schedule, duration, take=take)

    def taper_step(self, c: list[Any]) -> Step:
        duration = c[1] if len(c) > 1 else None
        return Step("taper", "", duration=duration, taper=c[0])

    def regimen(self, c: list[Any]) -> tuple[list[Step], bool]:
        steps = [x for x in c if isinstance(x, Step)]
        stop = any(isinstance(x, Token) and x.type == "STOP" for x in c)
        # "then" only ever separates parts, so the text of part i lies between the "then"s
        texts = [t.strip() for t in re.split(r"\bthen\b", self.text)]
        return [replace(step, text=text) for step, text in zip(steps, texts, strict=False)], stop

    def plan(self, c: list[Any]) -> Step | None:
        if isinstance(c[0], Token) and c[0].type == "STOP":
            return None
        if isinstance(c[0], tuple):
            return Step("taper", self.text, taper=c[0])
        return Step("taper", self.text, taper=self.taper(c))  # "-1 g per week"


@cache
def _parser() -> Lark:
    """The LALR parser, built on first use so that importing stays cheap.

    Building the tables takes ~0.25 s, every command that reads a regimen paid it; Lark keeps
    them in a file in the cache folder (:func:`kratomsim.cache.cache_root`), checked against a
    hash of the grammar, its options and Lark's version, and rebuilt when stale or unreadable.
    """
    folder = cache_root() / "grammar"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(GRAMMAR.encode("utf-8")).hexdigest()[:16]
        tables: str | bool = str(folder / f"regimen-{digest}.lark")
    except OSError:  # no writable cache folder: build the tables each time
        tables = False
    return Lark(
        GRAMMAR,
        start=["regimen", "plan"],
        parser="lalr",
        lexer="contextual",
        transformer=_ToSteps(),
        cache=tables,
    )


def _problem(text: str, exc: UnexpectedInput) -> SyntaxProblem:
    pos = getattr(exc, "pos_in_stream", None)
    if pos is None:
        token = getattr(exc, "token", None)
        pos = getattr(token, "start_pos", None)
    pos = len(text) if pos is None else int(pos)
    before = text[:pos].rstrip()
    at_start = not before or before.endswith("then")
    return SyntaxProblem(text[pos:].strip() or text.strip(), pos, at_start)


def _run(text: str, start: str) -> Any:
    token = _TEXT.set(text)
    try:
        return _parser().parse(text, start=start)
    except VisitError as exc:  # an error raised while reading the tree
        if isinstance(exc.orig_exc, KratomsimError):
            raise exc.orig_exc from None
        raise
    except UnexpectedInput as exc:
        return _problem(text, exc)
    except LarkError:  # pragma: no cover - defensive: any other parser failure
        return SyntaxProblem(text, 0, True)
    finally:
        _TEXT.reset(token)


def parse_tree(text: str) -> tuple[list[Step], bool] | SyntaxProblem:
    """Parse normalised regimen text into its steps and whether it ends with "then stop"."""
    return _run(text, "regimen")


def parse_plan_tree(text: str) -> Step | SyntaxProblem | None:
    """Parse a normalised taper plan: a taper step, or ``None`` for "stop"."""
    return _run(text, "plan")
