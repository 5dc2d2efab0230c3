"""Scores of the qualification report (``kratomsim validate``): comparisons, fold errors, GMFE.

The form follows the qualification reports of Open Systems Pharmacology: each observation in the
evidence base with a number the model can predict is set beside the model's prediction, with both
intervals, whether the observation was used for fitting (in sample) or not (out of sample), and the
fold error. Per category, separately for in-sample and out-of-sample comparisons:

* the geometric mean fold error ``GMFE = 10^mean(|log10(predicted / observed)|)`` (1 is perfect);
* the shares of comparisons with a fold error within 1.25× and within 2×;
* for shares of people where a fold error is undefined (an observed 0 of 26, or a predicted 0), the
  absolute difference in percentage points instead;
* for statements without a number (“Cmax increased dose proportionally”), whether the model agrees.

Only out-of-sample comparisons judge the model; in-sample ones show how closely the fit reproduces
its own data. :func:`kratomsim.analyses.validation.qualify` gathers the comparisons.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

#: Categories in report order, with their titles in plain words.
CATEGORIES: dict[str, str] = {
    "pharmacokinetics": "Drug levels in blood (pharmacokinetics)",
    "interactions": "Interactions with medicines",
    "outcomes": "Tolerance, dependence, withdrawal and relief (studies and surveys)",
    "side_effects": "Side effects",
}
#: Version of the JSON document (:meth:`Qualification.to_dict`); it changes only with its keys.
SCHEMA = "kratomsim-validate/1"
#: Fold-error bands counted per category.
BANDS = (1.25, 2.0)

Scoring = Literal["fold", "share", "qualitative"]


@dataclass(frozen=True)
class Estimate:
    """A number with its interval and what each means (an observation or a prediction).

    ``value`` is the point (median, mean, share, or the middle of a reported range); ``low`` and
    ``high`` the interval, ``interval`` says which (“range of 5 people”, “90 % of virtual studies
    of 5”). A statement without a number has ``value`` None and says it in ``text``.
    """

    value: float | None
    low: float | None = None
    high: float | None = None
    statistic: str = ""
    interval: str = ""
    text: str = ""
    #: a prediction's value for the typical (reference) person, where it differs in kind
    typical: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": _num(self.value),
            "low": _num(self.low),
            "high": _num(self.high),
            "statistic": self.statistic,
            "interval": self.interval,
            "text": self.text,
            "typical": _num(self.typical),
        }


def _num(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def fold_error(predicted: float | None, observed: float | None) -> float | None:
    """``predicted / observed``; None where it is undefined (a value missing, zero or negative)."""
    if predicted is None or observed is None or not predicted > 0 or not observed > 0:
        return None
    return float(predicted / observed)


def absolute_fold(fold: float) -> float:
    """``max(f, 1/f)``: how many times too high or too low, whichever way."""
    if not fold > 0:
        raise ValueError(f"a fold error must be > 0, got {fold}")
    return float(max(fold, 1.0 / fold))


def gmfe(folds: Iterable[float]) -> float | None:
    """Geometric mean fold error ``10^mean(|log10 f|)``; None for no folds."""
    logs = [abs(np.log10(f)) for f in folds]
    return float(10.0 ** np.mean(logs)) if logs else None


@dataclass(frozen=True)
class Comparison:
    """One observation in people beside the model's prediction of it."""

    key: str
    category: str
    what: str
    unit: str
    source: str
    locator: str
    used_for_fitting: bool
    observed: Estimate
    predicted: Estimate
    scoring: Scoring = "fold"
    #: for a qualitative statement: does the prediction agree with it?
    agrees: bool | None = None
    #: how the intervals are checked: the observed value inside the predicted interval, or (for a
    #: range over groups) the predicted range inside the observed one
    coverage: Literal["observed_in_predicted", "predicted_in_observed"] = "observed_in_predicted"
    note: str = ""
    n: int | None = None

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"{self.key}: unknown category {self.category!r}")
        if self.scoring == "qualitative" and self.agrees is None:
            raise ValueError(f"{self.key}: a qualitative comparison needs agrees")

    @property
    def sample(self) -> Literal["in", "out"]:
        return "in" if self.used_for_fitting else "out"

    @property
    def fold(self) -> float | None:
        if self.scoring == "qualitative":
            return None
        return fold_error(self.predicted.value, self.observed.value)

    @property
    def abs_fold(self) -> float | None:
        f = self.fold
        return None if f is None else absolute_fold(f)

    @property
    def abs_difference(self) -> float | None:
        """|predicted − observed| for shares of people (in the share's own unit, 0–1)."""
        if self.scoring != "share" or self.predicted.value is None or self.observed.value is None:
            return None
        return float(abs(self.predicted.value - self.observed.value))

    @property
    def fold_undefined(self) -> str:
        """Why there is no fold error ('' when there is one)."""
        if self.scoring == "qualitative":
            return "a statement without a number: scored as agrees or not"
        if self.fold is not None:
            return ""
        if self.observed.value is not None and self.observed.value <= 0:
            count = f" ({self.observed.text})" if self.observed.text else ""
            return f"observed {self.observed.value:g}{count}: a ratio to zero is undefined"
        if self.predicted.value is not None and self.predicted.value <= 0:
            return f"predicted {self.predicted.value:g}: a ratio of zero is undefined"
        return "no number to compare"

    @property
    def covered(self) -> bool | None:
        """Do the intervals agree (see ``coverage``)? None without the intervals it needs."""
        p, o = self.predicted, self.observed
        if p.low is None or p.high is None or o.value is None:
            return None
        if self.coverage == "observed_in_predicted":
            return bool(p.low <= o.value <= p.high)
        if o.low is None or o.high is None:
            return None
        return bool(o.low <= p.low and p.high <= o.high)

    @property
    def interval_check(self) -> str:
        """The interval check in words."""
        if self.coverage == "observed_in_predicted":
            return "observed value inside the predicted interval"
        return "predicted range inside the observed range"

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "category": self.category,
            "what": self.what,
            "unit": self.unit,
            "source": self.source,
            "locator": self.locator,
            "used_for_fitting": self.used_for_fitting,
            "sample": self.sample,
            "n": self.n,
            "observed": self.observed.to_dict(),
            "predicted": self.predicted.to_dict(),
            "scoring": self.scoring,
            "fold_error": _num(self.fold),
            "abs_fold_error": _num(self.abs_fold),
            "fold_error_undefined": self.fold_undefined or None,
            "abs_difference": _num(self.abs_difference),
            "within_1_25": None if self.abs_fold is None else self.abs_fold <= BANDS[0],
            "within_2": None if self.abs_fold is None else self.abs_fold <= BANDS[1],
            "interval_check": self.interval_check,
            "interval_check_passed": self.covered,
            "agrees": self.agrees,
            "note": self.note,
        }


@dataclass(frozen=True)
class CategorySummary:
    """The scores of one category's in-sample or out-of-sample comparisons."""

    category: str
    sample: Literal["in", "out"]
    n: int
    n_fold: int
    gmfe: float | None
    within_1_25: float | None
    within_2: float | None
    n_absolute: int
    mean_abs_difference: float | None
    n_qualitative: int
    n_agree: int
    n_interval: int
    n_covered: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "sample": self.sample,
            "n": self.n,
            "n_fold": self.n_fold,
            "gmfe": _num(self.gmfe),
            "within_1_25": _num(self.within_1_25),
            "within_2": _num(self.within_2),
            "n_absolute": self.n_absolute,
            "mean_abs_difference": _num(self.mean_abs_difference),
            "n_qualitative": self.n_qualitative,
            "n_agree": self.n_agree,
            "n_interval": self.n_interval,
            "n_covered": self.n_covered,
        }


def summarise(
    comparisons: Sequence[Comparison], category: str, sample: Literal["in", "out"]
) -> CategorySummary:
    """GMFE, shares within 1.25× and 2×, absolute differences and agreements of one group
    (``category`` ``"all"``: every category together)."""
    rows = [
        c
        for c in comparisons
        if (category == "all" or c.category == category) and c.sample == sample
    ]
    folds = [f for c in rows if (f := c.abs_fold) is not None]
    diffs = [d for c in rows if c.abs_fold is None and (d := c.abs_difference) is not None]
    quals = [c for c in rows if c.scoring == "qualitative"]
    covered = [c.covered for c in rows if c.covered is not None]
    return CategorySummary(
        category=category,
        sample=sample,
        n=len(rows),
        n_fold=len(folds),
        gmfe=gmfe(folds),
        within_1_25=float(np.mean([f <= BANDS[0] for f in folds])) if folds else None,
        within_2=float(np.mean([f <= BANDS[1] for f in folds])) if folds else None,
        n_absolute=len(diffs),
        mean_abs_difference=float(np.mean(diffs)) if diffs else None,
        n_qualitative=len(quals),
        n_agree=sum(bool(c.agrees) for c in quals),
        n_interval=len(covered),
        n_covered=sum(covered),
    )


@dataclass(frozen=True)
class NotPredicted:
    """An observation in the evidence base that the report does not compare, and why."""

    category: str
    key: str
    what: str
    source: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "key": self.key,
            "what": self.what,
            "source": self.source,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Qualification:
    """Every comparison, the scores per category and sample, and what could not be compared."""

    comparisons: tuple[Comparison, ...]
    not_predicted: tuple[NotPredicted, ...] = ()
    #: category → what a reader must know about it (e.g. why it is empty)
    notes: Mapping[str, str] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def summaries(self) -> tuple[CategorySummary, ...]:
        return tuple(
            summarise(self.comparisons, cat, sample)
            for cat in CATEGORIES
            for sample in ("in", "out")
        )

    @property
    def overall(self) -> CategorySummary:
        """The out-of-sample comparisons of every category together."""
        return summarise(self.comparisons, "all", "out")

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``kratomsim validate --format json`` (keys fixed by :data:`SCHEMA`)."""
        return {
            "schema": SCHEMA,
            "settings": dict(self.settings),
            "categories": [
                {"category": c, "title": t, "note": self.notes.get(c, "")}
                for c, t in CATEGORIES.items()
            ],
            "summary": [s.to_dict() for s in self.summaries],
            "overall_out_of_sample": self.overall.to_dict(),
            "comparisons": [c.to_dict() for c in self.comparisons],
            "not_predicted": [n.to_dict() for n in self.not_predicted],
        }
