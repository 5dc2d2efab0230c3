"""The qualification report (``kratomsim validate``): its JSON document, numbers as people read
them, and the HTML and PDF (WeasyPrint lays out the same HTML, as for the clinician report).

Plain words first: what was measured in people, what the model predicts, how many times off it
is, and whether the measurement was used to fit the model (then it does not test it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from kratomsim.analyses.validation_scores import (
    CATEGORIES,
    CategorySummary,
    Comparison,
    Estimate,
    Qualification,
)
from kratomsim.evidence import load_references
from kratomsim.reports.disclaimer import DISCLAIMER
from kratomsim.reports.validation_plots import gof_figure, plottable

TITLE = "How well the model predicts what was measured in people"
INTRO = (
    "Each row sets a measurement in people beside the model's prediction of it. The fold error "
    "says how many times too high or too low the prediction is (1 is exact; 2 means twice or half). "
    "Rows marked 'fitted' were used to set the model's parameters, so they show how closely the fit "
    "reproduces its own data; only the rows marked 'not fitted' test the model. GMFE, the geometric "
    "mean fold error, summarises a group of rows (1 is perfect)."
)
#: Short category names for plot panels and narrow tables.
PLOT_TITLES = {
    "pharmacokinetics": "Drug levels in blood",
    "interactions": "Interactions",
    "outcomes": "Outcomes and surveys",
    "side_effects": "Side effects",
}
SAMPLE_WORDS = {"in": "fitted (in sample)", "out": "not fitted (out of sample)"}


def _sig(x: float) -> str:
    """Three significant figures without exponents: 0.0123, 4.56, 78.9, 18,800."""
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{float(f'{x:.3g}'):,.0f}"
    return f"{x:.3g}"


#: Units shown without a unit name after the number.
DIMENSIONLESS = ("ratio", "exponent", "fold", "odds ratio")


def _bare(x: float, unit: str) -> str:
    return _sig(100 * x if unit == "proportion" else x)


def _suffix(unit: str) -> str:
    if unit == "proportion":
        return " %"
    return "" if unit in DIMENSIONLESS else f" {unit}"


def number(x: float | None, unit: str) -> str:
    """A value in its unit as people read it (shares as per cent)."""
    return "–" if x is None else _bare(x, unit) + _suffix(unit)


def estimate_text(est: Estimate, unit: str) -> str:
    """``"65.1 nM (33.7–121)"`` (the interval in the same unit), or the statement."""
    if est.value is None:
        return est.text or "–"
    text = number(est.value, unit)
    if est.low is not None and est.high is not None:
        text += f" ({_bare(est.low, unit)}–{_bare(est.high, unit)})"
    return text


def predicted_text(c: Comparison) -> str:
    """The prediction as people read it (a statement's verdict in words)."""
    if c.scoring == "qualitative" and c.predicted.text:
        return c.predicted.text
    return estimate_text(c.predicted, c.unit)


def fold_text(c: Comparison) -> str:
    """The fold error, or what stands in for it."""
    if c.scoring == "qualitative":
        return "agrees" if c.agrees else "disagrees"
    if c.fold is not None:
        return f"{c.fold:.2f}×"
    if c.abs_difference is not None:
        return f"off by {100 * c.abs_difference:.1f} percentage points"
    return "–"


def summary_row(s: CategorySummary) -> dict[str, str]:
    """One line of the summary table in words and numbers."""
    pct = lambda x: "–" if x is None else f"{100 * x:.0f} %"  # noqa: E731
    other = []
    if s.n_absolute:
        other.append(
            f"{s.n_absolute} without a fold error, off by {100 * (s.mean_abs_difference or 0):.1f} "
            "percentage points on average"
        )
    if s.n_qualitative:
        other.append(f"{s.n_agree} of {s.n_qualitative} statements agree")
    return {
        "category": CATEGORIES.get(s.category, "All categories"),
        "sample": SAMPLE_WORDS[s.sample],
        "n": str(s.n),
        "gmfe": "–" if s.gmfe is None else f"{s.gmfe:.2f}",
        "within_1_25": pct(s.within_1_25),
        "within_2": pct(s.within_2),
        "other": "; ".join(other) or "–",
        "covered": f"{s.n_covered} of {s.n_interval}" if s.n_interval else "–",
    }


def summary_rows(q: Qualification) -> list[dict[str, str]]:
    """The summary table: each category's fitted and not-fitted rows (one line for a category with
    no comparison), then every not-fitted row together."""
    rows = []
    for cat, title in CATEGORIES.items():
        parts = [s for s in q.summaries if s.category == cat]
        if all(s.n == 0 for s in parts):
            rows.append({"category": title, "sample": "no comparison", "n": "0", "gmfe": "–",
                         "within_1_25": "–", "within_2": "–", "other": "see below", "covered": "–"})  # fmt: skip
            continue
        rows += [summary_row(s) for s in parts if s.n]
    return [*rows, summary_row(q.overall)]


def _about(est: Estimate) -> str:
    """What an observed value and its interval are, each said once."""
    parts = [est.statistic, est.interval]
    if est.value is not None and est.text and not any(est.text in p for p in parts):
        parts.append(est.text)
    return "; ".join(p for p in parts if p)


def _row(number_: int, c: Comparison) -> dict[str, Any]:
    return {
        "number": number_,
        "key": c.key,
        "what": c.what,
        "source": c.source,
        "locator": c.locator,
        "sample": SAMPLE_WORDS[c.sample],
        "fitted": c.used_for_fitting,
        "observed": estimate_text(c.observed, c.unit),
        "observed_about": _about(c.observed),
        "predicted": predicted_text(c),
        "predicted_about": "; ".join(p for p in (c.predicted.statistic, c.predicted.interval) if p),
        "fold": fold_text(c),
        "why_no_fold": c.fold_undefined if c.scoring != "qualitative" else "",
        "covered": c.covered,
        "interval_check": c.interval_check,
        "note": c.note,
    }


def validation_document(q: Qualification) -> dict[str, Any]:
    """The JSON document of ``kratomsim validate --format json`` (see the command's help)."""
    return {
        **q.to_dict(),
        "kratomsim_version": version("kratomsim"),
        "disclaimer": DISCLAIMER,
    }


def report_context(q: Qualification, *, figures: bool = True) -> dict[str, Any]:
    """What the HTML template shows: summary, one section per category, references."""
    sections = []
    for cat, title in CATEGORIES.items():
        rows = [c for c in q.comparisons if c.category == cat]
        figure = gof_figure(PLOT_TITLES[cat], rows) if figures else None
        shown = {n for n, _ in plottable(rows)}
        sections.append(
            {
                "category": cat,
                "title": title,
                "note": q.notes.get(cat, ""),
                "rows": [_row(i, c) for i, c in enumerate(rows, start=1)],
                "figure": figure,
                "not_shown": len(rows) - len(shown),
            }
        )
    refs = load_references()
    used = dict.fromkeys(
        [c.source for c in q.comparisons] + [n.source for n in q.not_predicted if n.source]
    )
    return {
        "title": TITLE,
        "intro": INTRO,
        "disclaimer": DISCLAIMER,
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "version": version("kratomsim"),
        "settings": dict(q.settings),
        "summary": summary_rows(q),
        "sections": sections,
        "not_predicted": [
            n.to_dict() | {"category": CATEGORIES[n.category]} for n in q.not_predicted
        ],
        "references": [{"key": k, "text": refs[k].plain()} for k in used if k in refs],
    }


_ENV = Environment(
    loader=PackageLoader("kratomsim.reports", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_validation_html(q: Qualification, *, figures: bool = True) -> str:
    """The report as one self-contained HTML page (plots inline, no external resources)."""
    return _ENV.get_template("validation.html.j2").render(d=report_context(q, figures=figures))


def render_validation_pdf(q: Qualification) -> bytes:
    """The report as tagged PDF bytes (WeasyPrint, PDF/UA-1, as the clinician report)."""
    from weasyprint import HTML

    from kratomsim.reports.clinician_render import PDF_VARIANT

    pdf = HTML(string=render_validation_html(q)).write_pdf(pdf_variant=PDF_VARIANT)
    if pdf is None:  # pragma: no cover - write_pdf returns bytes when no target is given
        raise RuntimeError("WeasyPrint returned no PDF")
    return pdf


def write_validation(
    q: Qualification, *, html: Path | None = None, pdf: Path | None = None
) -> list[Path]:
    """Write the HTML and/or PDF report; return the files written."""
    written = []
    if html is not None:
        html.write_text(render_validation_html(q), encoding="utf-8")
        written.append(html)
    if pdf is not None:
        pdf.write_bytes(render_validation_pdf(q))
        written.append(pdf)
    return written


def comparisons_by_category(q: Qualification) -> dict[str, Sequence[Comparison]]:
    """Category → its comparisons in report order (numbered 1… within the category)."""
    return {cat: [c for c in q.comparisons if c.category == cat] for cat in CATEGORIES}
