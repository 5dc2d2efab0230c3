"""The qualification report: numbers as people read them, the HTML page, and (slow) the whole
report with its PDF."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from kratomsim.analyses.validation import qualify
from kratomsim.analyses.validation_scores import (
    CATEGORIES,
    Comparison,
    Estimate,
    NotPredicted,
    Qualification,
)
from kratomsim.evidence import load_references
from kratomsim.reports.validation import (
    TITLE,
    estimate_text,
    fold_text,
    render_validation_html,
    summary_rows,
    validation_document,
    write_validation,
)

PNG = b"\x89PNG\r\n\x1a\n"


def row(key: str, observed: Estimate, predicted: Estimate, **kw: object) -> Comparison:
    base: dict[str, object] = {
        "key": key,
        "category": "pharmacokinetics",
        "what": f"What {key} measured",
        "unit": "nM",
        "source": "tanna2022",
        "locator": "Table 3",
        "used_for_fitting": False,
        "observed": observed,
        "predicted": predicted,
    }
    return Comparison(**{**base, **kw})  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def small() -> Qualification:
    rows = (
        row(
            "cmax", Estimate(81.9, 50.1, 177.0), Estimate(65.1, 33.7, 121.0), used_for_fitting=True
        ),
        row("late", Estimate(23.2, 12.7, 33.7), Estimate(45.7, 33.3, 62.3), unit="h"),
        row(
            "zero",
            Estimate(0.0, 0.0, 0.129, text="0 of 26"),
            Estimate(0.2, 0.05, 0.5),
            category="outcomes",
            unit="proportion",
            scoring="share",
        ),
    )
    return Qualification(
        rows,
        (NotPredicted("outcomes", "s:o", "Share reporting craving", "singh2019", "not a state"),),
        {"interactions": "No human interaction study with a number."},
        {"fast": True, "seed": 0, "virtual_people": 10, "virtual_studies": 20},
    )


def test_numbers_carry_units_and_intervals() -> None:
    assert estimate_text(Estimate(81.9, 50.1, 1360.0), "nM·h") == "81.9 nM·h (50.1–1,360)"
    assert estimate_text(Estimate(0.4167, 0.193, 0.681), "proportion") == "41.7 % (19.3–68.1)"
    assert estimate_text(Estimate(0.255, 0.2, 0.31), "ratio") == "0.255 (0.2–0.31)"
    assert estimate_text(Estimate(None, text="dose proportional"), "exponent") == (
        "dose proportional"
    )


def test_fold_text_says_what_stands_in_for_a_missing_fold(small: Qualification) -> None:
    cmax, late, zero = small.comparisons
    assert fold_text(cmax) == "0.79×" and fold_text(late) == "1.97×"
    assert fold_text(zero) == "off by 20.0 percentage points"


def test_summary_lists_empty_categories_once_and_ends_with_all_out_of_sample(
    small: Qualification,
) -> None:
    rows = summary_rows(small)
    titles = [r["category"] for r in rows]
    assert titles.count(CATEGORIES["interactions"]) == 1
    assert rows[-1]["category"] == "All categories" and rows[-1]["n"] == "2"
    pk_out = next(r for r in rows if r["sample"].startswith("not fitted"))
    assert pk_out["gmfe"] == "1.97" and pk_out["within_2"] == "100 %"


def test_html_has_the_summary_the_comparisons_and_the_plots(small: Qualification) -> None:
    html = render_validation_html(small)
    assert TITLE in html and "does not prescribe" in html
    assert html.count("<table") == 4  # summary, two categories with rows, not compared
    for text in ("What cmax measured", "81.9 nM (50.1–177)", "65.1 nM (33.7–121)", "0.79×",
                 "not fitted", "off by 20.0 percentage points", "a ratio to zero is undefined",
                 "Share reporting craving", "No human interaction study with a number."):  # fmt: skip
        assert text in html, text
    figures = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    # one panel: the PK rows have fold errors; the outcome row (0 of 26) has none to plot
    assert len(figures) == 1
    assert f"{CATEGORIES['outcomes']}: numbers refer" not in html
    assert f"{CATEGORIES['pharmacokinetics']}: numbers refer" in html
    assert all(base64.b64decode(f)[:8] == PNG for f in figures)
    assert "http://" not in html and "https://" not in html.split("<h2>Sources</h2>")[0]
    assert 'name="viewport"' in html and "max-width: 40em" in html  # readable on a phone


def test_json_document_adds_version_and_disclaimer(small: Qualification) -> None:
    doc = validation_document(small)
    assert doc["schema"] == "kratomsim-validate/1"
    assert doc["kratomsim_version"] and "clinician" in doc["disclaimer"]


@pytest.mark.slow
def test_the_whole_report_with_its_pdf(tmp_path: Path) -> None:
    q = qualify(fast=False, seed=0)
    assert q.settings["virtual_people"] > 1000
    by_category = {c: [r for r in q.comparisons if r.category == c] for c in CATEGORIES}
    assert len(by_category["pharmacokinetics"]) >= 19 and len(by_category["side_effects"]) == 4
    assert {r.source for r in q.comparisons} <= set(load_references())
    assert len({r.key for r in q.comparisons}) == len(q.comparisons)
    assert any(not r.used_for_fitting for r in by_category["pharmacokinetics"])
    html, pdf = tmp_path / "validation.html", tmp_path / "validation.pdf"
    assert write_validation(q, html=html, pdf=pdf) == [html, pdf]
    page = html.read_text(encoding="utf-8")
    assert page.count('<tr class="main">') == len(q.comparisons)
    reader = PdfReader(pdf)
    text = " ".join(p.extract_text() for p in reader.pages)
    assert len(reader.pages) >= 3
    for words in (TITLE, "Summary by category", "Drug levels in blood", "Side effects", "Sources"):
        assert words in text, words
