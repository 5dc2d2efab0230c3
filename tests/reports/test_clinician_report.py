"""The clinician report: content, ordering, HTML and PDF rendering, CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader

from kratomsim.interfaces.cli import run
from kratomsim.interfaces.cmd_report import report_from
from kratomsim.reports.clinician_render import render_report_html, render_report_pdf
from kratomsim.risk.findings import SEVERITY_ORDER

SCENARIO = """\
name: test person
regimen: 3 g three times daily for 14 days
product: leaf-powder
medications: [alprazolam, sertraline, atorvastatin]
conditions: [fatty liver]
baseline_pain: 6
"""


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "scenario.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def data(scenario_file: Path) -> dict:
    return report_from(scenario_file, n_draws=40, seed=1)  # the CLI's edge: scenario → values


def test_person_and_inputs_come_from_the_scenario(data: dict) -> None:
    person = data["person"]
    assert person["name"] == "test person"
    assert person["product_id"] == "leaf-powder"
    assert len(person["medications"]) == 3
    assert person["conditions"]
    assert person["baseline_pain_nrs"] == 6


def test_exposure_and_outlook_have_ordered_intervals(data: dict) -> None:
    for label, band in data["exposure"].items():
        assert band["low"] <= band["high"], label
        assert band["central"] > 0, label
    relief = data["relief"]["nrs_points"]
    assert relief["low"] <= relief["high"]
    assert data["relief"]["central_words"].endswith(("points better", "points worse", "change"))
    for name in ("ventilation_change_pct", "pupil_change_mm"):
        fall = data["breathing_and_pupils"][name]
        assert fall["low"] <= fall["central"] <= 0.0 and fall["low"] <= fall["high"] <= 0.0
    tol = data["outlook"]["tolerance_at_last_dose"]
    assert 0 <= tol["low"] <= tol["high"] < 1
    peak = data["outlook"]["withdrawal_after_stopping"]["peak_score"]
    assert 0 <= peak["low"] <= peak["high"] <= 64


def test_findings_are_sorted_by_severity_and_cover_the_inputs(data: dict) -> None:
    ranks = [SEVERITY_ORDER.index(f["severity"]) for f in data["findings"]]
    assert ranks == sorted(ranks)
    rules = {f["rule_id"] for f in data["findings"]}
    assert "R3" in rules  # benzodiazepine
    assert "R14" in rules  # serotonergic
    assert "R17" in rules  # liver disease
    for f in data["findings"]:
        assert f["why"] and f["discuss"] and f["sources"] and f["grades"]


def test_interactions_quote_predicted_exposure_changes(data: dict) -> None:
    by_id = {i["id"]: i for i in data["interactions"]}
    assert set(by_id) == {"alprazolam", "sertraline", "atorvastatin"}
    assert by_id["alprazolam"]["auc_ratio"] is not None
    assert by_id["alprazolam"]["auc_ratio"] > 1.0


def test_unsupported_claims_and_bibliography(data: dict) -> None:
    ids = {c["id"] for c in data["unsupported_claims"]}
    assert any("endocannabinoid" in i or "ecs" in i for i in ids)
    assert len(data["appendix"]["bibliography"]) >= 10
    assert len(data["appendix"]["series"]) <= 120


def test_json_is_strict(data: dict) -> None:
    json.loads(json.dumps(data, allow_nan=False))


def test_no_dose_advice_anywhere(data: dict) -> None:
    text = json.dumps({k: v for k, v in data.items() if k != "appendix"}).lower()
    for pattern in (r"\btake \d", r"\breduce (?:it |your dose )?to \d", r"\bsafe dose\b"):
        assert not re.search(pattern, text), pattern


def test_html_shows_every_section_and_is_self_contained(data: dict) -> None:
    page = render_report_html(data)
    for heading in (
        "Regimen and product",
        "Predicted exposure",
        "Relief",
        "Tolerance and withdrawal outlook",
        "Findings, most serious first",
        "Medication exposure changes",
        "Claims of the article with no support",
        "Caveats",
        "Appendix A",
        "Appendix B",
        "Appendix C",
    ):
        assert heading in page, heading
    for f in data["findings"]:
        assert f["title"].replace("&", "&amp;") in page or f["title"] in page
    assert not re.search(r"(?:src|href)=\"https?://", page)
    assert "data:image/png;base64," in page


def test_pdf_has_one_page_before_the_appendix(data: dict) -> None:
    pdf = render_report_pdf(data)
    reader = PdfReader(__import__("io").BytesIO(pdf))
    assert len(reader.pages) >= 2
    first = reader.pages[0].extract_text().lower()
    for heading in ("findings, most serious first", "predicted exposure", "caveats", "no support"):
        assert heading in first, heading
    for row in ("breathing", "pupils", "withdrawal peaks", "signs last"):  # the newer rows too
        assert row in first, row
    assert "appendix a. findings in full" not in first
    rest = "".join(p.extract_text() for p in reader.pages[1:]).lower()
    assert "appendix a. findings in full" in rest and "bibliography" in rest
    # tagged for screen readers (PDF/UA): a structure tree, marked content, language and title
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en" and reader.metadata and reader.metadata.title


def test_exposure_is_in_ng_per_ml_with_nm_alongside(data: dict) -> None:
    peak = data["exposure"]["Mitragynine peak (Cmax)"]
    assert peak["unit"] == "ng/mL" and peak["molar_unit"] == "nM"
    # mitragynine: 398.5 g/mol (constants.toml), so 1 nM = 0.3985 ng/mL
    for key in ("central", "low", "high"):
        assert peak[key] == pytest.approx(peak[f"{key}_nm"] * 0.3985, rel=1e-3)
    page = render_report_html(data)
    assert f"{peak['central']:.3g} ng/mL" in page and "nM" in page


def test_a_downloaded_html_report_carries_its_own_content_security_policy(data: dict) -> None:
    page = render_report_html(data)
    head = page[: page.index("</head>")]
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', head)
    assert meta, "the report sets a CSP for when it is opened from a file"
    policy = meta.group(1)
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert page.index("Content-Security-Policy") < page.index("<title>")


def test_cli_writes_pdf_and_json(scenario_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    assert run(["report", str(scenario_file), "-o", str(target), "--draws", "20"]) == 0
    assert target.read_bytes()[:4] == b"%PDF"
    data = json.loads(target.with_suffix(".json").read_text())
    assert data["findings"]


def test_cli_rejects_an_unknown_suffix(scenario_file: Path, tmp_path: Path, capsys) -> None:
    assert run(["report", str(scenario_file), "-o", str(tmp_path / "r.docx")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "r.docx" in err and "Traceback" not in err


@pytest.mark.parametrize("product", ["leaf-powder", "tea", "7oh-tablet"])
def test_exposure_bands_reuse_the_outcomes_draws_without_changing_them(product: str) -> None:
    """The bands read off the outcomes' own run equal a fresh simulation of the same draws."""
    from dataclasses import replace

    from kratomsim.analyses.outcomes import simulate_outcomes
    from kratomsim.evidence.loader import resolve_product
    from kratomsim.models.regimen_text import parse_regimen
    from kratomsim.reports.clinician import exposure_bands

    res = simulate_outcomes(
        parse_regimen("2 g every 12 h for 3 days"),
        product=resolve_product(product),
        n_draws=12,
        seed=4,
    )
    assert res.exposure_draws is not None
    reused = exposure_bands(res, 12, 4)
    fresh = exposure_bands(replace(res, exposure_draws=None), 12, 4)
    assert reused == fresh
    assert reused["cmax_mg_nm"]["low"] < reused["cmax_mg_nm"]["high"]
    other = exposure_bands(res, 12, 5)  # other draws: simulated, not copied
    assert other["cmax_mg_nm"]["high"] != reused["cmax_mg_nm"]["high"]


def test_withdrawal_timeline_after_stopping_has_intervals_in_hours_or_days(data: dict) -> None:
    tl = data["outlook"]["withdrawal_after_stopping"]["timeline"]
    assert 0.0 <= tl["share_with_signs"] <= 1.0
    for key in ("latency_h", "peak_after_h", "duration_h"):
        assert tl[f"{key}_low"] is not None and 0.0 <= tl[f"{key}_low"] <= tl[f"{key}_high"], key
    page = render_report_html(data)
    assert "Signs last" in page and "Withdrawal peaks after the last dose" in page
    # 12 h stays in hours; 60 h is shown as 2.5 days
    tl2 = {**tl, "latency_h": 12.0, "latency_h_low": 3.0, "latency_h_high": 60.0}
    other = {**data, "outlook": {**data["outlook"]}}
    other["outlook"]["withdrawal_after_stopping"] = {
        **data["outlook"]["withdrawal_after_stopping"],
        "timeline": tl2,
    }
    assert "<b>12 h</b> (3 h–2.5 d)" in render_report_html(other, figure=False)
    tl2["latency_h"] = None  # no signs in most draws: said so, no made-up times
    page = render_report_html(other, figure=False)
    assert "none in most runs" in page and "Signs last" not in page


def test_caveats_are_true_to_what_is_modelled(data: dict) -> None:
    text = " ".join(data["caveats"]).lower()
    assert "tolerance, dependence and withdrawal are modelled" in text
    assert not re.search(r"tolerance[^.]*not modelled", text)


def test_figure_series_shows_each_dose_s_peak_and_trough(data: dict) -> None:
    """Three doses a day: the figure's plasma curve reaches the reported Cmax and falls between
    doses (the appendix's 8-hourly grid would sit on one phase of every interval)."""
    fig = data["figure_series"]
    mg = np.asarray(fig["mitragynine"])
    cmax = data["exposure"]["Mitragynine peak (Cmax)"]["central"]
    assert mg.max() == pytest.approx(cmax, rel=0.05)
    t = np.asarray(fig["time_h"])
    last_day = (t > 12 * 24) & (t <= 13 * 24)
    assert mg[last_day].min() < 0.8 * mg[last_day].max()  # rises and falls with each dose
    assert len(t) <= 1500 and np.all(np.diff(t) > 0)


def test_checks_run_beside_the_outcomes_give_what_running_them_after_gave(data: dict) -> None:
    """report_data predicts interactions in a second thread while the outcomes run; its findings
    and predictions equal those of the old order: outcomes first, then the checks on the product
    and content the outcomes used."""
    from kratomsim.analyses.outcomes import simulate_outcomes
    from kratomsim.evidence.loader import resolve_product
    from kratomsim.evidence.medication_names import parse_medication_list
    from kratomsim.models.regimen_text import parse_regimen
    from kratomsim.risk.conditions import parse_conditions
    from kratomsim.risk.ddi import check_use

    sim = simulate_outcomes(
        parse_regimen("3 g three times daily for 14 days"),
        product=resolve_product("leaf-powder"),
        pain="chronic",
        n_draws=40,
        seed=1,
    ).exposure
    result, predictions = check_use(
        parse_medication_list("alprazolam, sertraline, atorvastatin"),
        parse_conditions("fatty liver"),
        sim.regimen,
        product=sim.product,
        mg_per_g=sim.mg_per_g,
        oh7_mg_per_g=sim.oh7_mg_per_g,
        n_draws=40,
        seed=1,
    )
    by_id = {p["id"]: p for p in data["interactions"]}
    assert sorted(by_id) == sorted(p.id for p in predictions)
    quantitative = [p for p in predictions if p.quantitative]
    assert quantitative, "the scenario has drugs with predicted exposure changes"
    for p in predictions:
        got = by_id[p.id]
        assert got["auc_ratio"] == p.auc_ratio
        assert got["cmax_ratio"] == p.cmax_ratio
        assert got["auc_ratio_interval"] == p.auc_ratio_interval
        assert got["recovery_h"] == p.recovery_h
    assert [(f["rule_id"], f["what"], f["why"]) for f in data["findings"]] == [
        (f.rule_id, f.what, f.why) for f in result.findings
    ]


def test_finding_sources_are_short_citations_linked_to_the_bibliography(data: dict) -> None:
    page = render_report_html(data)
    biblio = {b["key"]: b for b in data["appendix"]["bibliography"]}
    cited = {k for f in data["findings"] for k in f["sources"]}
    assert cited and cited <= set(biblio)
    for key in cited:
        short = biblio[key]["short"]
        assert re.fullmatch(r"\S.* (?:19|20)\d\d[a-z]?", short), short  # "Singh 2014"
        assert f'<a href="#ref-{key}">{short}</a>' in page
        assert f'<li id="ref-{key}"><strong>{short}.</strong>' in page
    # no finding shows a bare citation key such as "singh2014"
    shown = re.findall(r"sources: (.*?)\.</p>", page)
    assert shown and not any(
        re.search(r"\b[a-z]+(?:19|20)\d\d[a-z]?\b", s)
        for s in [re.sub(r"<[^>]+>", "", x) for x in shown]
    )
