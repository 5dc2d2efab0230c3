"""The glossary: the few terms the results still use, in plain words, and what grades mean.

Pages link a term to its entry (``/glossary#id``); every entry is short enough to read on a phone.
"""

from __future__ import annotations

from dataclasses import dataclass

from kratomsim.evidence.schema import GRADE_MEANING


@dataclass(frozen=True)
class Term:
    """A glossary entry."""

    id: str
    term: str
    meaning: str


GLOSSARY: tuple[Term, ...] = (
    Term(
        "concentration",
        "Blood level (ng/mL and nM)",
        "How much of an alkaloid is in the blood plasma. ng/mL is nanograms per millilitre; nM "
        "(nanomolar) counts molecules instead of weight. Both are shown; mitragynine: 1 ng/mL is "
        "about 2.5 nM.",
    ),
    Term(
        "peak",
        "Peak (Cmax) and time to peak (tmax)",
        "The highest blood level after a dose, and how long after the dose it comes.",
    ),
    Term(
        "auc",
        "Total exposure (AUC)",
        "The area under the blood-level curve over time: how much of the alkaloid the body saw in "
        "total.",
    ),
    Term(
        "7oh",
        "7-OH-mitragynine (7-OH)",
        "A stronger opioid-acting alkaloid. The body makes a little of it from mitragynine; "
        "concentrated 7-OH products contain much more and act like potent opioids.",
    ),
    Term(
        "receptor",
        "Mu-opioid receptor",
        "The receptor morphine and other opioids act on. Kratom's alkaloids activate it "
        "partially, which is how they relieve pain and also how tolerance and dependence arise.",
    ),
    Term(
        "tolerance",
        "Tolerance",
        "With regular use the body adapts, so the same amount does less. Shown as the share of "
        "the effect that is lost.",
    ),
    Term(
        "sows",
        "Withdrawal score (SOWS)",
        "The Subjective Opiate Withdrawal Scale: 16 feelings (anxious, yawning, sweating, aches, "
        "…) each rated 0-4, so 0-64 in all. kratomsim counts a score of 5 or more as signs of "
        "withdrawal.",
    ),
    Term(
        "nrs",
        "Pain scale (NRS 0–10)",
        "The numeric rating scale: 0 is no pain, 10 the worst pain imaginable. A change of 2 "
        "points or 30 % is one people notice (Farrar 2001).",
    ),
    Term(
        "interval",
        "Range (90 % interval)",
        "The model is run many times with the values the evidence allows; 90 % of the runs fall "
        "inside the range shown. Real people can fall outside it.",
    ),
    Term(
        "grades",
        "Evidence grades A–E",
        "How each number is known: "
        + "; ".join(f"{g} = {m}" for g, m in GRADE_MEANING.items())
        + ". An ASSUMPTION is a labelled guess with a wide range.",
    ),
    Term(
        "respiratory",
        "Breathing-depression signal",
        "A relative index from mouse studies of how strongly breathing could be slowed; it is "
        "not a prediction of a person's breathing.",
    ),
    Term(
        "ventilation",
        "Ventilation",
        "How much air is breathed in a minute; opioid-acting substances can lower it.",
    ),
    Term("pupil", "Pupil size", "Opioid-acting substances make the pupils smaller."),
    Term(
        "cyp3a",
        "CYP3A enzyme",
        "An enzyme of the liver and gut wall that breaks down mitragynine and many medicines. "
        "Mitragynine switches part of it off for a while, so with regular use levels rise a little "
        "more than the amount taken, and some medicines are broken down more slowly.",
    ),
    Term(
        "cold-pressor",
        "Cold-water test",
        "A laboratory pain test: how long a hand can stay in ice water. Used in one study of "
        "kratom users (Vicknasingam 2020).",
    ),
    Term(
        "hypothesis",
        "Unsupported hypothesis",
        "The article claims kratom acts on the endocannabinoid system; no study supports it. It "
        "is off unless switched on, and labelled when shown.",
    ),
    Term(
        "interaction",
        "Interaction categories",
        "Dangerous, unsafe, caution and low risk follow the harm-reduction site TripSit's "
        "categories for opioids (kratom has no row of its own there); where TripSit has no entry "
        "the category follows the severity.",
    ),
    Term(
        "exposure-change",
        "Exposure change (AUC ratio)",
        "How many times as much of a medicine is in the blood with kratom as without it; 1.0 "
        "means no change. Below 1.25 times is not counted as an interaction.",
    ),
)


def grade_words(letter: str) -> str:
    """What an evidence grade letter means, in a few words."""
    return GRADE_MEANING.get(letter, "unknown grade")
