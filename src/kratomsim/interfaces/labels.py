"""What people see instead of the model's names: one table of labels and units.

Results are read generically (any outcome series or field with a name, a unit and a central value
with an interval), and :func:`label_for` turns a name into a human label, a unit people read and
the factor between them. A name the table does not know still gets a readable label from its own
words and unit, so a new model output shows up without code changes; adding it to
:data:`OUTCOME_LABELS` gives it a better one. Each label names its entry of the glossary
(:mod:`kratomsim.interfaces.glossary`), which explains the few terms that remain. Shared by the
web pages, the CSV downloads and the CLI's tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from kratomsim.spec import default_spec


@dataclass(frozen=True)
class Label:
    """How one model quantity is shown."""

    label: str
    #: The unit as people read it, after multiplying by ``scale``.
    unit: str
    #: What the quantity is for in the plain-language summary (see :data:`ROLES`).
    role: str = "other"
    scale: float = 1.0
    #: Glossary entry (an id of :data:`GLOSSARY`) that explains it.
    term: str = ""
    #: One sentence on what it means.
    explain: str = ""
    #: A short axis title for charts (the unit if empty).
    axis: str = ""

    @property
    def axis_title(self) -> str:
        return self.axis or self.unit


#: Roles an outcome can play in the summary, in the order the summary tells them.
ROLES = (
    "relief",
    "pain",
    "tolerance",
    "withdrawal",
    "breathing",
    "pupil",
    "receptor",
    "enzyme",
    "acute",
    "hypothesis",
    "other",
)

#: Labels of the outcomes known today and of those the model is gaining; keys are model names.
OUTCOME_LABELS: dict[str, Label] = {
    "mitragynine": Label("Mitragynine in the blood", "ng/mL", "exposure", term="concentration"),
    "7-hydroxymitragynine": Label("7-OH-mitragynine in the blood", "ng/mL", "exposure", term="7oh"),
    "mu_occupancy": Label(
        "Opioid receptors occupied",
        "% of receptors",
        "receptor",
        100.0,
        "receptor",
        "How many mu-opioid receptors the alkaloids sit on.",
        "% of receptors",
    ),
    "mu_activation": Label(
        "Opioid-receptor activation",
        "% of the most the system can give",
        "receptor",
        100.0,
        "receptor",
        "How strongly the occupied receptors signal (kratom's alkaloids are partial agonists).",
        "% of maximum",
    ),
    "analgesic_drive": Label(
        "Pain-relief signal",
        "% of the most the system can give",
        "receptor",
        100.0,
        "receptor",
        axis="% of maximum",
    ),
    "effective_activation": Label(
        "Activation left after tolerance",
        "% of the most the system can give",
        "receptor",
        100.0,
        "tolerance",
        axis="% of maximum",
    ),
    "tolerance": Label(
        "Tolerance",
        "% of the effect lost",
        "tolerance",
        100.0,
        "tolerance",
        "The share of the effect the body has adapted away.",
        "% effect lost",
    ),
    "dependence": Label(
        "Dependence",
        "% of the most the system can give",
        "receptor",
        100.0,
        "tolerance",
        "How far the body has adapted against the alkaloids' signal; it drives withdrawal.",
        "% of maximum",
    ),
    "cyp3a_liver_activity": Label(
        "Liver enzyme CYP3A still working",
        "% of normal",
        "enzyme",
        100.0,
        "cyp3a",
        "Mitragynine switches part of this enzyme off; it breaks down mitragynine and many medicines.",
        "% of normal",
    ),
    "cyp3a_gut_activity": Label(
        "Gut-wall enzyme CYP3A still working",
        "% of normal",
        "enzyme",
        100.0,
        "cyp3a",
        axis="% of normal",
    ),
    "withdrawal_score": Label(
        "Withdrawal score",
        "SOWS points (0–64)",
        "withdrawal",
        1.0,
        "sows",
        "The Subjective Opiate Withdrawal Scale score predicted if use stopped at that moment; 5 or more means signs.",
        "SOWS (0–64)",
    ),
    "respiratory_index": Label(
        "Breathing-depression signal (from mouse data)",
        "index 0–1",
        "other",
        1.0,
        "respiratory",
        "A relative signal from mouse studies, not a prediction of a person's breathing.",
    ),
    "ventilation_change_pct": Label(
        "Breathing (air moved per minute)",
        "% change from your usual",
        "breathing",
        1.0,
        "ventilation",
    ),
    "pupil_change_mm": Label("Pupil size", "mm change from usual", "pupil", 1.0, "pupil"),
    "relief_nrs_points": Label(
        "Pain relief",
        "points better on the 0–10 pain scale",
        "relief",
        1.0,
        "nrs",
        "How many points lower pain is expected to be, on average.",
        "points better (0–10)",
    ),
    "relief_nrs": Label(
        "Pain relief",
        "points better on the 0–10 pain scale",
        "relief",
        1.0,
        "nrs",
        axis="points better (0–10)",
    ),
    "relief_points": Label(
        "Pain relief",
        "points better on the 0–10 pain scale",
        "relief",
        1.0,
        "nrs",
        axis="points better (0–10)",
    ),
    "pain_nrs": Label("Pain", "0–10 scale", "pain", 1.0, "nrs"),
    "relief_nrs_change": Label(
        "Change in pain", "points on the 0–10 scale (negative: better)", "pain", 1.0, "nrs"
    ),
    "cold_pressor_tolerance_s": Label(
        "Time a hand can stay in ice water", "seconds", "acute", 1.0, "cold-pressor"
    ),
    "ecs_activation_hypothesis": Label(
        "Endocannabinoid pathway (an unsupported hypothesis)",
        "% of maximum",
        "hypothesis",
        100.0,
        "hypothesis",
    ),
}

#: What the personal fit learns about a person (model parameter names → plain words).
PARAMETER_LABELS: dict[str, str] = {
    "baseline_nrs": "Your usual pain without kratom (0–10)",
    "nrs_relief_max": "How much of your pain kratom can take away at most",
    "tol_k_on": "How fast you build tolerance",
    "content_multiplier": "Alkaloid content of your product compared with its label",
    "nrs_day_sd": "How much your pain varies from day to day",
    "nrs_day_rho": "How much one day's pain carries over to the next",
    "wd_gain": "How strongly withdrawal shows in you",
    "dep_k_h": "How fast your body gets used to kratom (dependence)",
    "wd_threshold": "How big a drop you can take before withdrawal shows",
    "wd_onset_k": "How soon withdrawal follows when the effect wears off",
}

#: Side effects by model name: what a person calls them.
SIDE_EFFECT_LABELS: dict[str, str] = {
    "nausea": "Nausea",
    "dizziness_headache": "Dizziness or headache",
    "constipation": "Constipation",
    "insomnia": "Trouble sleeping",
    "sedation": "Drowsiness",
}


def _words(name: str) -> str:
    return name.replace("_", " ").replace("-", " ").strip().capitalize()


def label_for(name: str, unit: str = "") -> Label:
    """The label of a model quantity; an unknown one is labelled from its own name and unit.

    Units that are fractions are shown as percentages, whatever the quantity.
    """
    known = OUTCOME_LABELS.get(name)
    if known is not None:
        return known
    if unit.lower().startswith("fraction"):
        rest = unit[len("fraction") :].strip(" ,()") or "of maximum"
        return Label(_words(name), f"% {rest}".strip(), scale=100.0)
    return Label(_words(name), unit)


def parameter_label(name: str) -> str:
    """A fitted parameter in plain words (its own words when it is not in the table)."""
    return PARAMETER_LABELS.get(name, _words(name))


def unit_words(unit: str) -> str:
    """A unit as people read it: a pure number ("1") shows none, "1 (what it is)" its words.

    >>> unit_words("1"), unit_words("1 (actual / labelled mg per g)"), unit_words("1/h")
    ('', 'actual / labelled mg per g', '1/h')
    """
    if unit.strip() in ("", "1"):
        return ""
    if unit.startswith("1 (") and unit.endswith(")"):
        return unit[3:-1]
    return unit


#: Fitted parameters that are shares, shown as percentages: what each percentage is of.
PERCENT_OF: dict[str, str] = {"nrs_relief_max": "% of your pain"}


def parameter_display(name: str, unit: str) -> tuple[float, str]:
    """How a fitted parameter's values are shown: the factor they are multiplied by and the unit
    people read (a share as a percentage, else :func:`unit_words`).

    >>> parameter_display("nrs_relief_max", "1"), parameter_display("tol_k_on", "1/h")
    ((100.0, '% of your pain'), (1.0, '1/h'))
    """
    if name in PERCENT_OF:
        return 100.0, PERCENT_OF[name]
    return 1.0, unit_words(unit)


def narrowed_summary(names: list[str], informative: list[bool], resolved: bool = True) -> str:
    """What a personal fit's journal could and could not tell, in people's words: the fitted
    parameters' ``names``, whether the journal narrowed each, and whether the fit is resolved
    (enough effective draws)."""
    vague = [parameter_label(n).lower() for n, ok in zip(names, informative, strict=True) if not ok]
    if not vague:
        text = "Your journal narrowed every one of these."
    elif len(vague) == len(names):
        text = "Your journal did not narrow any of these yet: they are still the starting ranges."
    else:
        text = (
            f"Your journal did not narrow {'; '.join(vague)}: these are still the starting ranges."
        )
    if not resolved:
        text += " The fit is coarse (few effective draws); logging more helps."
    return text


#: Words of the model's parameter names, for the evidence tables people read.
PARAMETER_WORDS: dict[str, str] = {
    "ka": "absorption rate",
    "f": "share absorbed",
    "cl": "clearance",
    "v1": "central volume",
    "v2": "peripheral volume",
    "q": "exchange between body compartments",
    "kme": "conversion to 7-OH",
    "vm": "volume of",
    "fmf": "share converted in the gut and liver",
    "fp": "share converted in the body",
    "over": "per",
    "mw": "molar mass",
    "fu": "unbound share in blood",
    "ke0": "blood-to-receptor transfer rate",
    "ki": "receptor binding constant (Ki)",
    "tau": "receptor efficacy",
    "mor": "mu-opioid",
    "kor": "kappa-opioid",
    "dor": "delta-opioid",
    "a2a": "alpha-2A",
    "cb1": "CB1",
    "mg": "mitragynine",
    "7oh": "7-OH",
    "oh7": "7-OH",
    "full": "a full opioid agonist",
    "hyp": "(hypothesis)",
    "w": "weight of",
    "alpha2": "alpha-2",
    "ecs": "endocannabinoid pathway",
    "tol": "tolerance",
    "dep": "dependence",
    "wd": "withdrawal",
    "k": "rate",
    "on": "build-up",
    "off": "recovery",
    "h": "adaptation",
    "max": "largest",
    "threshold": "threshold",
    "gain": "gain",
    "steepness": "steepness",
    "reserve": "reserve",
    "factor": "factor",
    "cpt": "cold-water test",
    "baseline": "baseline",
    "s": "(seconds)",
    "nrs": "pain",
    "relief": "relief",
    "day": "day-to-day",
    "sd": "variation",
    "rho": "carry-over",
    "se": "side effect:",
    "anchor": "reference",
    "p": "chance",
    "slope": "dose slope",
    "check": "check,",
    "any": "any",
    "resp": "breathing:",
    "half": "half",
    "sat": "saturation",
    "per": "per",
    "a50": "activation at half effect",
    "hill": "steepness",
    "dizziness": "dizziness",
    "nausea": "nausea",
    "constipation": "constipation",
    "insomnia": "trouble sleeping",
    "sedation": "drowsiness",
    "per_g": "per g",
}


@cache
def _spec_descriptions() -> tuple[dict[str, str], tuple[tuple[re.Pattern[str], str], ...]]:
    """The model specification's own description of each parameter, by its name and by the name
    of its evidence entry (``ka_{absorption}`` matches ``ka_tea``, …)."""
    exact: dict[str, str] = {}
    patterns: list[tuple[re.Pattern[str], str]] = []
    for p in default_spec().parameters:
        exact[p.name] = p.description
        if "{absorption}" in p.evidence:
            head, tail = p.evidence.split("{absorption}", 1)
            pattern = re.compile(f"{re.escape(head)}(?P<kind>[\\w-]+){re.escape(tail)}")
            patterns.append((pattern, p.description))
        else:
            exact.setdefault(p.evidence, p.description)
    return exact, tuple(patterns)


def parameter_words(name: str) -> str:
    """A model parameter's name in words.

    What the journal fit learns reads as :data:`PARAMETER_LABELS` says; product contents
    ("leaf-powder.mg_per_g") as the product and the alkaloid; a parameter of the model as the
    specification describes it; any other name from its parts ("se_nausea_slope" → "Side effect:
    nausea dose slope").
    """
    if name in PARAMETER_LABELS:
        return PARAMETER_LABELS[name]
    if "." in name:
        product, field = name.split(".", 1)
        what = "7-OH content" if field.startswith("oh7") else "mitragynine content"
        return f"{product.replace('-', ' ').capitalize()}: {what}"
    exact, patterns = _spec_descriptions()
    if name in exact:
        return exact[name]
    for pattern, description in patterns:
        found = pattern.fullmatch(name)
        if found:
            return f"{description} ({found['kind'].replace('-', ' ')})"
    words = [PARAMETER_WORDS.get(t, t) for t in name.replace("-", "_").split("_") if t]
    text = " ".join(words).replace(" ,", ",").replace("mitragynine day-to-day", "mitragynine a day")
    return text[:1].upper() + text[1:]


def side_effect_label(name: str) -> str:
    return SIDE_EFFECT_LABELS.get(name, _words(name))
