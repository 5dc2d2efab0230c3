"""The PDFs the reports write are tagged for screen readers (PDF/UA-1), read back with pikepdf:
a structure tree, marked content, the language, a title shown as the window title, and alt text
on every figure. Checked on the regimen report, the journal report and the qualification report.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from kratomsim.analyses.validation_scores import Comparison, Estimate, NotPredicted, Qualification
from kratomsim.interfaces.cmd_report import report_from
from kratomsim.journal import DoseEntry, PainEntry, open_journal
from kratomsim.reports.clinician_render import render_report_html, render_report_pdf
from kratomsim.reports.journal_report import journal_report_data
from kratomsim.reports.validation import render_validation_html, render_validation_pdf


def _elements(node: Any) -> Iterator[pikepdf.Dictionary]:
    """Every structure element under ``node`` (depth first)."""
    if isinstance(node, pikepdf.Array):
        for child in node:
            yield from _elements(child)
    elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
        yield node
        if "/K" in node:
            yield from _elements(node["/K"])
    elif isinstance(node, pikepdf.Dictionary) and "/K" in node:  # the tree's root
        yield from _elements(node["/K"])


def check_tagged(pdf_bytes: bytes, html: str) -> list[str]:
    """What a PDF/UA reader needs and this PDF lacks (empty: nothing)."""
    missing: list[str] = []
    title = re.search(r"<title>([^<]*)</title>", html)
    alts = re.findall(r'<img[^>]*\salt="([^"]*)"', html)
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        root = pdf.Root
        if "/StructTreeRoot" not in root:
            return ["a structure tree (/StructTreeRoot)"]
        if str(root.get("/Lang", "")) != "en":
            missing.append("/Lang en")
        mark = root.get("/MarkInfo")
        if not (isinstance(mark, pikepdf.Dictionary) and bool(mark.get("/Marked", False))):
            missing.append("/MarkInfo /Marked true")
        prefs = root.get("/ViewerPreferences")
        if not (isinstance(prefs, pikepdf.Dictionary) and bool(prefs.get("/DisplayDocTitle"))):
            missing.append("/DisplayDocTitle true (the title, not the file name, in the window)")
        info_title = str(pdf.docinfo.get("/Title", ""))
        with pdf.open_metadata() as xmp:
            xmp_title, ua_part = xmp.get("dc:title"), xmp.get("pdfuaid:part")
        if not title or info_title != title.group(1) or xmp_title != title.group(1):
            missing.append(f"the title {title and title.group(1)!r} (info {info_title!r})")
        if str(ua_part) != "1":
            missing.append("the PDF/UA-1 identification (pdfuaid:part 1)")
        elements = list(_elements(root["/StructTreeRoot"]))
        kinds = {str(e["/S"]) for e in elements}
        for needed in ("/Document", "/H1", "/Table", "/TH"):
            if needed not in kinds:
                missing.append(f"a {needed} element")
        figures = [str(e.get("/Alt", "")).strip() for e in elements if str(e["/S"]) == "/Figure"]
        if len(figures) != len(alts):
            missing.append(f"{len(alts)} figures (found {len(figures)})")
        if sorted(figures) != sorted(a.strip() for a in alts) or not all(figures):
            missing.append(f"alt text on every figure: {figures}")
    return missing


@pytest.fixture(scope="module")
def regimen_data() -> dict[str, Any]:
    return report_from("3 g three times daily for 14 days", meds="alprazolam", n_draws=20)


def test_the_regimen_report_pdf_is_tagged(regimen_data: dict[str, Any]) -> None:
    html = render_report_html(regimen_data)
    assert check_tagged(render_report_pdf(regimen_data), html) == []


def test_the_journal_report_pdf_is_tagged_with_both_figures_described(tmp_path: Path) -> None:
    start = datetime(2026, 3, 1, 8, tzinfo=UTC)
    with open_journal(tmp_path / "journal.sqlite3") as journal:
        journal.add_many(
            [DoseEntry("tea", 2, "g", start + timedelta(days=d)) for d in range(4)]
            + [PainEntry(5, start + timedelta(days=d, hours=2)) for d in range(2)]
        )
        entries = journal.entries()
    data = journal_report_data(entries, since="2026-03-01", until="2026-03-04", n_draws=20)
    html = render_report_html(data)
    assert len(re.findall(r"<img ", html)) == 2  # the journal's figure and the time course
    assert check_tagged(render_report_pdf(data), html) == []


def test_the_qualification_report_pdf_is_tagged() -> None:
    compared = Comparison(
        key="cmax",
        category="pharmacokinetics",
        what="Mitragynine peak after one dose",
        unit="nM",
        source="tanna2022",
        locator="Table 3",
        used_for_fitting=False,
        observed=Estimate(81.9, 50.1, 177.0),
        predicted=Estimate(65.1, 33.7, 121.0),
    )
    q = Qualification(
        (compared,),
        (NotPredicted("outcomes", "s:o", "Share reporting craving", "singh2019", "not a state"),),
        {"interactions": "No human interaction study with a number."},
        {"fast": True, "seed": 0, "virtual_people": 10, "virtual_studies": 20},
    )
    assert check_tagged(render_validation_pdf(q), render_validation_html(q)) == []


def test_the_check_finds_what_an_untagged_pdf_lacks(regimen_data: dict[str, Any]) -> None:
    from weasyprint import HTML

    html = render_report_html(regimen_data)
    plain = HTML(string=html).write_pdf()
    assert plain is not None
    missing = check_tagged(plain, html)
    assert missing == ["a structure tree (/StructTreeRoot)"]
