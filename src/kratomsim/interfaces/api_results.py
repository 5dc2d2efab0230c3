"""Results of the Python API that wrap several library values: typed, frozen and notebook-friendly.

:func:`kratomsim.simulate`, :func:`kratomsim.outcomes` and :func:`kratomsim.trial` return the
library's own results (:class:`~kratomsim.engine.result.Simulation`,
:class:`~kratomsim.analyses.outcomes.Outcomes`,
:class:`~kratomsim.population.population.PopulationResult`). The other entries combine several
values, so they return one of these: each has ``to_frame()`` where it is tabular, a one-line
``repr`` and a small HTML table for Jupyter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kratomsim.models import display

if TYPE_CHECKING:
    import pandas as pd

    from kratomsim.analyses.taper import TaperResult
    from kratomsim.analyses.validation_scores import Qualification
    from kratomsim.engine.result import Simulation
    from kratomsim.evidence.medication_names import NameMatch
    from kratomsim.evidence.schema import CitedValue
    from kratomsim.risk.check import CheckResult
    from kratomsim.risk.ddi import InteractionPrediction
    from kratomsim.risk.victim import VictimEffect

NOT_ADVICE = "Evidence-graded statements to discuss with a clinician; never a dose."


def _frame(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(list(rows), columns=list(columns))


def _html(
    caption: str, frame: pd.DataFrame, note: str, columns: Sequence[str] | None = None
) -> str:
    """A small HTML table of ``columns`` (default: all) of ``frame``, numbers to 3 figures."""
    cols = list(columns) if columns is not None else [str(c) for c in frame.columns]
    rows = (
        [display.number(v) if isinstance(v, float) else v for v in (rec[c] for c in cols)]
        for rec in frame.to_dict("records")
    )
    return display.html_table(caption, cols, rows, note)


FINDING_COLUMNS = ("rule_id", "severity", "category", "title", "what", "grades", "discuss")


@dataclass(frozen=True)
class CheckReport:
    """Risk findings for medicines, conditions and use (:func:`kratomsim.check`).

    ``result`` holds the findings (most serious first) and the inputs they came from; ``names``
    shows what each typed medicine name matched; ``interactions`` the model's predicted exposure
    changes where a regimen was given.
    """

    result: CheckResult
    names: tuple[NameMatch, ...] = ()
    interactions: tuple[InteractionPrediction, ...] = ()

    @property
    def findings(self) -> tuple[Any, ...]:
        return self.result.findings

    def to_frame(self) -> pd.DataFrame:
        """One row per finding: ``rule_id``, ``severity``, ``category``, ``title``, ``what``,
        ``grades`` (evidence grades, A best) and ``discuss``."""
        rows = [
            {
                "rule_id": f.rule_id,
                "severity": f.severity,
                "category": f.category,
                "title": f.title,
                "what": f.what,
                "grades": ", ".join(f.grades),
                "discuss": f.discuss,
            }
            for f in self.result.findings
        ]
        return _frame(rows, FINDING_COLUMNS)

    def __repr__(self) -> str:
        severities = [f.severity for f in self.result.findings]
        counts = {s: severities.count(s) for s in dict.fromkeys(severities)}
        return display.short_repr(
            "CheckReport",
            [
                ("findings", len(severities)),
                *((k, v) for k, v in counts.items()),
                ("medications", len(self.result.medications)),
                ("conditions", len(self.result.conditions)),
                ("interactions", len(self.interactions)),
            ],
        )

    def _repr_html_(self) -> str:
        columns = ("rule_id", "severity", "title", "what", "grades")
        return _html("Risk findings (most serious first)", self.to_frame(), NOT_ADVICE, columns)


INTERACTION_COLUMNS = (
    "drug",
    "pathways",
    "quantitative",
    "auc_ratio",
    "auc_ratio_low",
    "auc_ratio_high",
    "cmax_ratio",
    "cmax_ratio_low",
    "cmax_ratio_high",
    "grade",
)


@dataclass(frozen=True)
class Interactions:
    """How kratom changes other drugs' exposure, and how they change kratom's
    (:func:`kratomsim.interactions`)."""

    regimen: str
    predictions: tuple[InteractionPrediction, ...]
    kratom_as_victim: tuple[VictimEffect, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per drug: the predicted AUC and Cmax ratios (drug with kratom / without) with
        their 5–95 % interval, the pathways and the evidence grade."""
        rows = []
        for p in self.predictions:
            auc = p.auc_ratio_interval or (None, None)
            cmax = p.cmax_ratio_interval or (None, None)
            rows.append(
                {
                    "drug": p.name,
                    "pathways": ", ".join(p.pathways),
                    "quantitative": p.quantitative,
                    "auc_ratio": p.auc_ratio,
                    "auc_ratio_low": auc[0],
                    "auc_ratio_high": auc[1],
                    "cmax_ratio": p.cmax_ratio,
                    "cmax_ratio_low": cmax[0],
                    "cmax_ratio_high": cmax[1],
                    "grade": p.grade,
                }
            )
        return _frame(rows, INTERACTION_COLUMNS)

    def __repr__(self) -> str:
        ratios = (
            (p.name, f"AUC x{display.number(p.auc_ratio)}")
            for p in self.predictions
            if p.auc_ratio is not None
        )
        return display.short_repr(
            "Interactions", [("", repr(self.regimen)), ("drugs", len(self.predictions)), *ratios]
        )

    def _repr_html_(self) -> str:
        return _html(
            f"Predicted change in other drugs' exposure with kratom {self.regimen}",
            self.to_frame(),
            "AUC ratio: the drug's exposure with kratom over without (5–95 % interval). "
            + NOT_ADVICE,
            ("drug", "pathways", "auc_ratio", "auc_ratio_low", "auc_ratio_high"),
        )


@dataclass(frozen=True)
class TaperComparison:
    """Taper plans compared after four weeks of the current use (:func:`kratomsim.taper`)."""

    current: str
    results: tuple[TaperResult, ...]

    def to_frame(self) -> pd.DataFrame:
        """One row per plan: peak withdrawal score (SOWS 0–64, central and upper), cumulative
        score, taper length, days with signs, days until free of signs, lost relief."""
        import pandas as pd

        from kratomsim.interfaces.render import taper_row

        return pd.DataFrame([taper_row(r) for r in self.results])

    def __repr__(self) -> str:
        plans = ((r.plan.text, f"peak SOWS {display.number(r.peak_score)}") for r in self.results)
        return display.short_repr("TaperComparison", [("", repr(self.current)), *plans])

    def _repr_html_(self) -> str:
        return _html(
            f"Taper plans after four weeks of {self.current} (withdrawal on the SOWS 0–64 scale)",
            self.to_frame(),
            "For discussion with a clinician; not a plan to follow.",
        )


@dataclass(frozen=True)
class ReportFiles:
    """Where :func:`kratomsim.report` wrote the clinician report, and how many findings it has."""

    paths: tuple[Path, ...]
    findings: int

    def __repr__(self) -> str:
        return display.short_repr(
            "ReportFiles",
            [("paths", [str(p) for p in self.paths]), ("findings", self.findings)],
        )

    def _repr_html_(self) -> str:
        return display.html_table(
            "Clinician report",
            ("file",),
            [(str(p),) for p in self.paths],
            f"{self.findings} findings",
        )


CITATION_COLUMNS = ("name", "value", "unit", "low", "high", "kind", "grade", "source", "locator")


@dataclass(frozen=True)
class Citation:
    """The values a run used and the bibliography of exactly those (:func:`kratomsim.cite`)."""

    used: tuple[CitedValue, ...]
    simulation: Simulation

    def bibliography(self, style: str = "plain") -> str:
        """The references as plain text (``"plain"``) or BibTeX (``"bibtex"``)."""
        return self.simulation.bibliography("bibtex" if style == "bibtex" else "plain")

    def to_frame(self) -> pd.DataFrame:
        """One row per cited value: name, value, unit, range, kind, grade, source, locator."""
        rows = [v.model_dump(mode="json") for v in self.used]
        return _frame([{c: r.get(c) for c in CITATION_COLUMNS} for r in rows], CITATION_COLUMNS)

    def __repr__(self) -> str:
        sources = dict.fromkeys(v.source for v in self.used)
        assumptions = sum(v.is_assumption for v in self.used)
        return display.short_repr(
            "Citation",
            [("values", len(self.used)), ("sources", len(sources)), ("assumptions", assumptions)],
        )

    def _repr_html_(self) -> str:
        return _html(
            "Values used and their sources",
            self.to_frame(),
            "bibliography() gives the references.",
            ("name", "value", "unit", "grade", "source"),
        )


COMPARISON_COLUMNS = (
    "key",
    "category",
    "what",
    "unit",
    "observed",
    "predicted",
    "predicted_low",
    "predicted_high",
    "used_for_fitting",
    "source",
)


@dataclass(frozen=True)
class Validation:
    """The model's predictions beside every human observation it can predict
    (:func:`kratomsim.validate`)."""

    qualification: Qualification

    def to_frame(self) -> pd.DataFrame:
        """One row per comparison: observed and predicted value (with the predicted interval) in
        the observation's unit, whether it was used for fitting, and its source."""
        rows = [
            {
                "key": c.key,
                "category": c.category,
                "what": c.what,
                "unit": c.unit,
                "observed": c.observed.value,
                "predicted": c.predicted.value,
                "predicted_low": c.predicted.low,
                "predicted_high": c.predicted.high,
                "used_for_fitting": c.used_for_fitting,
                "source": c.source,
            }
            for c in self.qualification.comparisons
        ]
        return _frame(rows, COMPARISON_COLUMNS)

    def __repr__(self) -> str:
        comps = self.qualification.comparisons
        return display.short_repr(
            "Validation",
            [
                ("comparisons", len(comps)),
                ("out_of_sample", sum(not c.used_for_fitting for c in comps)),
                ("not_predicted", len(self.qualification.not_predicted)),
            ],
        )

    def _repr_html_(self) -> str:
        return _html(
            "Predictions beside human observations",
            self.to_frame(),
            "to_frame() gives all columns.",
            ("category", "what", "unit", "observed", "predicted"),
        )
