"""The web app's pages through HTTP: plain language, units, charts, interactions, tapers, reports."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from webhelpers import HTML, TestClient, alert

from kratomsim import simulate
from kratomsim.analyses.taper import TAPER_DRAWS
from kratomsim.evidence import load_claims, unsupported_claims
from kratomsim.interfaces.cli import main
from kratomsim.interfaces.labels import OUTCOME_LABELS, label_for
from kratomsim.interfaces.web.pages_simulate import EXAMPLES
from kratomsim.journal import DoseEntry, PainEntry, open_journal
from kratomsim.risk.findings import SEVERITY_ORDER

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PAGES = {
    "/": "When to seek care now",
    "/simulate": "Simulate a regimen",
    "/check": "Kratom with your medicines",
    "/journal": "Log now",
    "/taper": "Ways of cutting down or stopping",
    "/forecast": "Personal forecast",
    "/claims": "graded by the evidence",
    "/report": "A report for a clinician",
    "/journal/report": "from your journal",
    "/glossary": "Glossary",
    "/login": "Access token",
}
#: Model names that must never reach what people read (they stay in data files and the CSV's
#: column order only through their labels).
CODE_NAMES = (
    "mu_activation",
    "mu_occupancy",
    "respiratory_index",
    "withdrawal_score",
    "relief_nrs_points",
    "effective_activation",
    "analgesic_drive",
    "cyp3a_liver_activity",
    "cyp3a_gut_activity",
    "wd_gain",
    "tol_k_on",
    "ventilation_change_pct",
    "pupil_change_mm",
    "share_with_signs",
    "dep_k_h",
    "wd_threshold",
    "fraction of system maximum",
)


def visible(html: str) -> str:
    """The page's text as people read it (no scripts' data, no tags)."""
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def query(**params: str) -> str:
    return "?" + urlencode(params)


# --- every page --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_for_a_phone_without_other_hosts(client: TestClient, path: str) -> None:
    r = client.get(path, headers=HTML)
    assert r.status_code == 200
    assert PAGES[path] in r.text
    assert 'name="viewport" content="width=device-width' in r.text
    assert "does not prescribe" in r.text  # the disclaimer is on every page
    assert '<a class="skip" href="#main">' in r.text and '<main id="main"' in r.text
    # nothing is fetched from another host; the only outside links are citations
    assert not re.search(r'(src|action)="(https?:)?//', r.text)
    for href in re.findall(r'href="(https?://[^"]+)"', r.text):
        assert re.search(r'class="cite" href="' + re.escape(href), r.text), href


def test_static_files_are_local_and_the_chart_library_carries_its_licence(
    client: TestClient,
) -> None:
    css = client.get("/static/style.css")
    assert css.status_code == 200 and "@media (max-width" in css.text
    assert "http" not in css.text and "@import" not in css.text
    js = client.get("/static/app.js")
    assert js.status_code == 200 and "uPlot" in js.text and "fetch(" in js.text
    assert not re.search(r"https?://", js.text)
    lib = client.get("/static/vendor/uplot/uPlot.iife.min.js")
    assert lib.status_code == 200 and len(lib.content) > 40_000
    licence = client.get("/static/vendor/uplot/LICENSE")
    assert "MIT License" in licence.text and "Leon Sorokin" in licence.text


def test_claims_page_lists_every_claim_with_its_grade_and_linked_sources(
    client: TestClient,
) -> None:
    html = client.get("/claims").text
    claims = load_claims()
    assert html.count('<article class="claim"') == len(claims)
    for c in unsupported_claims():
        assert f'href="#{c.id}"' in html
    assert 'class="cite" href="https://doi.org/' in html
    assert 'class="grade-words"' in html  # grades explained in place


# --- simulate ----------------------------------------------------------------------------------


def test_simulate_opens_with_plain_sentences_units_and_ranges(client: TestClient) -> None:
    r = client.get("/simulate" + query(regimen="2 g every 8 h for 14 days", product="leaf-powder"))
    assert r.status_code == 200
    text = visible(r.text)
    summary = re.search(r'<dl class="summary">(.*?)</dl>', r.text, re.S)
    assert summary, "the result opens with the summary"
    topics = re.findall(r"<dt>.*?>([^<]+)</a></dt>", summary.group(1))
    assert topics[:4] == ["Blood levels", "Pain relief", "Tolerance", "Withdrawal"]
    assert "How sure" in topics
    words = visible(summary.group(1))
    # blood levels in ng/mL with nM alongside, with a range
    peak = re.search(
        r"peaks at about ([\d.]+) ng/mL \(([\d.]+) nM\), range ([\d.]+)–([\d.]+)", words
    )
    assert peak, words[:400]
    ng, nm, lo, hi = map(float, peak.groups())
    assert ng == pytest.approx(nm * 0.3985, rel=0.05) and lo <= ng <= hi
    assert "points better on the 0–10 pain scale" in words
    assert "% of the effect is lost to tolerance" in words
    # chances as percentages, never as 0.33
    assert re.search(r"dizziness or headache \d+(\.\d+)? %", words)
    # no model names anywhere; no model units outside the evidence appendix (data-file units)
    appendix = text.index("Evidence behind these numbers")
    assert not re.search(r'class="num">[-\d.e+]+ 1</td>', r.text), "a pure number shows no unit 1"
    for name in CODE_NAMES:
        assert name not in text[:appendix], name
        assert "_" not in name or name not in text, name


def test_a_concentrated_7oh_product_and_the_ice_water_test_are_explained(
    client: TestClient,
) -> None:
    r = client.get("/simulate" + query(regimen="2 g once", product="7oh-concentrate", pain="acute"))
    assert r.status_code == 200
    words = visible(re.search(r'<dl class="summary">(.*?)</dl>', r.text, re.S).group(1))  # type: ignore[union-attr]
    assert "Short pain test" in words and "ice water" in words and "seconds" in words
    assert "A concentrated 7-OH product." in r.text and "potent opioids" in r.text
    leaf = client.get("/simulate" + query(regimen="2 g once", product="leaf-powder"))
    assert "A concentrated 7-OH product." not in leaf.text and "Short pain test" not in leaf.text


def test_simulate_result_has_charts_with_data_and_fallback_images(client: TestClient) -> None:
    q = query(regimen="2 g once", product="leaf-powder")
    html = client.get("/simulate" + q).text
    blocks = re.findall(
        r'<script type="application/json" class="chart-data" id="data-([^"]+)">(.*?)</script>',
        html,
        re.S,
    )
    assert len(blocks) >= 3
    charts = {name: json.loads(body) for name, body in blocks}
    exposure = charts["exposure"]
    # a single dose opens on its first day, the rest one zoom-out away
    assert exposure["initial"] == [0.0, 24.0] and exposure["x"][-1] > 100
    assert exposure["xLabel"] == "hours since the first dose"
    assert len(exposure["x"]) <= 801 and all(
        len(s["values"]) == len(exposure["x"]) for s in exposure["series"]
    )
    assert exposure["csv"].startswith("/simulate.csv?")
    outcome_series = [s for c in charts.values() for s in c["series"]][2:]
    assert outcome_series and all(s["low"] and s["high"] for s in outcome_series)
    labels = {s["label"] for c in charts.values() for s in c["series"]}
    assert "Pain relief" in labels and not any("_" in label for label in labels)
    # the no-script fallback is a PNG drawn from the same simulation
    fallback = re.findall(r'<noscript><img src="([^"]+)"', html)
    assert fallback
    png = client.get(fallback[0].replace("&amp;", "&"))
    assert png.status_code == 200 and png.content[:8] == PNG_MAGIC


def test_simulate_csv_has_every_point_with_labelled_columns(client: TestClient) -> None:
    q = query(regimen="2 g once", product="tea")
    r = client.get("/simulate.csv" + q)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text)))
    header, body = rows[0], rows[1:]
    assert header[0] == "time since the first dose (h)"
    assert "Mitragynine in the blood (ng/mL)" in header
    assert "Tolerance (% of the effect lost)" in header
    assert not any(name in ",".join(header) for name in CODE_NAMES)
    sim = simulate("2 g once", product="tea")
    assert len(body) == len(sim.time_h)  # every point, not the chart's thinned ones
    col = header.index("Mitragynine in the blood (ng/mL)")
    assert max(float(row[col]) for row in body) == pytest.approx(
        sim.summary()["mitragynine"].cmax_ng_ml, rel=1e-4
    )


STOPPING = "1.5 g every 6 h for 28 days then stop"


def cli_outcomes(capsys: pytest.CaptureFixture[str], regimen: str) -> dict:
    """What ``kratomsim simulate REGIMEN --outcomes --format json`` says (default draws, seed)."""
    argv = ["simulate", regimen, "--product", "leaf-powder", "--outcomes", "--format", "json"]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    return json.loads(capsys.readouterr().out)


def test_withdrawal_in_fewer_than_half_the_runs_is_said_as_such(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    """When most runs show no signs, the page says so, with the typical highest score (the median
    over the runs) and the share of runs that do show signs, as the CLI computes them."""
    regimen = "1 g twice daily for 28 days then stop"
    w = cli_outcomes(capsys, regimen)["withdrawal"]
    assert w["latency_h"] is None and 0 < w["share_with_signs"] < 0.5  # the case under test
    r = client.get("/simulate" + query(regimen=regimen, product="leaf-powder"))
    words = " ".join(visible(r.text).split())
    assert "most runs show no withdrawal signs" in words
    assert f"(typical highest score {w['peak_score']:.2g} of 64, range" in words
    assert f"signs appear at all in {100 * w['share_with_signs']:.0f} % of the runs" in words


def duration(hours: float) -> str:
    """Hours as the page words them: hours up to two days, then days with one decimal."""
    return f"{hours:.0f} hours" if hours < 48 else f"{hours / 24:.1f} days"


def test_simulate_shows_withdrawal_breathing_and_pupils_as_the_cli_gives_them(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = cli_outcomes(capsys, STOPPING)
    w, low = cli["withdrawal"], cli["strongest"]
    r = client.get("/simulate" + query(regimen=STOPPING, product="leaf-powder"))
    assert r.status_code == 200
    summary = re.search(r'<dl class="summary">(.*?)</dl>', r.text, re.S)
    assert summary
    words = " ".join(visible(summary.group(1)).split())
    # the withdrawal timeline: onset, worst and when, how long, each with a range, and how sure
    said = re.search(r"If use stopped after the last dose, (.*?How sure: [^.]*\.)", words)
    assert said, words
    wd = said.group(1)
    assert f"start about {duration(w['latency_h'])} after it" in wd
    assert f"Signs appear at all in {100 * w['share_with_signs']:.0f} % of the runs" in wd
    assert f"about {duration(w['peak_after_h'])} after it (range" in wd
    assert f"score of about {w['peak_score']:.2g} of 64 (range" in wd
    assert f"to {w['peak_score_high']:.2g})" in wd
    assert f"last about {w['duration_h'] / 24:.1f} days (range" in wd
    assert wd.count("(range") == 4
    # breathing and pupils: the largest fall, its sign in words, the range, how sure
    vent, pupil = low["ventilation_change_pct"], low["pupil_change_mm"]
    assert vent["central"] < 0 and pupil["central"] < 0  # a fall: "less", "smaller"
    breathing = re.search(r"Breathing at its lowest: (.*?How sure: [^.]*\.)", words)
    assert breathing, words
    assert f"about {-vent['central']:.1f} % less air per minute" in breathing.group(1)
    assert f"(range {-vent['high']:.1f} to {-vent['low']:.1f} % less)" in breathing.group(1)
    pupils = re.search(r"Pupils at their smallest: (.*?How sure: [^.]*\.)", words)
    assert pupils, words
    assert f"about {-pupil['central']:.2f} mm smaller" in pupils.group(1)
    assert f"to {-pupil['low']:.2f} mm smaller)" in pupils.group(1)
    # the details repeat them in tables, with ranges
    table = visible(re.search(r'<table id="withdrawal">(.*?)</table>', r.text, re.S).group(1))  # type: ignore[union-attr]
    assert "Signs start, after the last dose" in table and "Signs last" in table
    falls = visible(re.search(r'<table id="falls">(.*?)</table>', r.text, re.S).group(1))  # type: ignore[union-attr]
    assert "% less" in falls and "mm smaller" in falls
    # no model names on the page
    text = visible(r.text)
    appendix = text.index("Evidence behind these numbers")
    for name in CODE_NAMES:
        assert name not in text[:appendix], name


def test_simulate_csv_has_breathing_and_pupils_with_their_ranges(client: TestClient) -> None:
    q = query(regimen="2 g once", product="leaf-powder")
    rows = list(csv.reader(io.StringIO(client.get("/simulate.csv" + q).text)))
    header, body = rows[0], rows[1:]
    page = visible(client.get("/simulate" + q).text)
    for label in (
        "Breathing (air moved per minute) (% change from your usual)",
        "Pupil size (mm change from usual)",
    ):
        cols = [header.index(label + end) for end in ("", " — range, low", " — range, high")]
        central, lo, hi = ([float(row[c]) for row in body] for c in cols)
        assert min(central) < 0  # a dose lowers both
        assert all(a <= b <= c for a, b, c in zip(lo, central, hi, strict=True))
    # the page's "lowest" is the CSV's lowest central value
    col = header.index("Breathing (air moved per minute) (% change from your usual)")
    lowest = min(float(row[col]) for row in body)
    assert f"Breathing at its lowest: about {-lowest:.1f} % less" in " ".join(page.split())


@pytest.mark.parametrize(("regimen", "product", "_what"), EXAMPLES)
def test_every_example_on_the_page_works(
    client: TestClient, regimen: str, product: str, _what: str
) -> None:
    page = client.get("/simulate").text
    link = "/simulate" + query(regimen=regimen, product=product)
    assert link.replace("&", "&amp;") in page
    r = client.get(link)
    assert r.status_code == 200, alert(r.text)
    assert 'id="result"' in r.text


def test_inputs_are_carried_to_the_next_pages(client: TestClient) -> None:
    regimen, product = "3 g twice daily for 7 days", "tea"
    html = client.get("/simulate" + query(regimen=regimen, product=product)).text
    nxt = re.search(r'<p class="next">(.*?)</p>', html, re.S)
    assert nxt, "the result offers the next steps"
    links = {
        t: h.replace("&amp;", "&")
        for h, t in re.findall(r'<a href="([^"]+)">([^<]+)</a>', nxt.group(1))
    }
    for text, field in (
        ("check this with my medicines", "regimen"),
        ("compare ways of tapering", "current"),
        ("a report for a clinician", "regimen"),
    ):
        page = client.get(links[text], headers=HTML)
        assert page.status_code == 200, text
        tag = re.search(rf'<input[^>]*id="{field}"[^>]*>', page.text)
        assert tag and f'value="{regimen}"' in tag.group(0), text
        assert re.search(rf'<option value="{product}" selected', page.text), text
    # from the check, the report gets the medicines and conditions as well
    html = client.get(
        "/check" + query(medications="alprazolam", conditions="fatty liver", regimen=regimen)
    ).text
    link = re.search(r'<a href="(/report\?[^"]+)">', html)
    assert link
    report = client.get(link.group(1).replace("&amp;", "&")).text
    for field, value in (("medications", "alprazolam"), ("conditions", "fatty liver")):
        tag = re.search(rf'<input[^>]*id="{field}"[^>]*>', report)
        assert tag and f'value="{value}"' in tag.group(0), field


def test_an_unknown_outcome_gets_a_readable_label() -> None:
    assert label_for("ventilation_change_pct").label == "Breathing (air moved per minute)"
    new = label_for("heart_rate_change", "fraction of baseline")
    assert new.label == "Heart rate change" and new.unit == "% of baseline" and new.scale == 100
    assert all("_" not in lab.label for lab in OUTCOME_LABELS.values())


@pytest.mark.parametrize(
    ("params", "field", "expect"),
    [
        ({"regimen": "two spoons whenever"}, "regimen", "regimen"),
        ({"regimen": "scenario.yaml"}, "regimen", "not a scenario file"),
        ({"regimen": "2 g once", "mg_per_g": "lots"}, "mg_per_g", "must be a number"),
        ({"regimen": "2 g once", "product": "moon-dust"}, "product", "moon-dust"),
        ({"regimen": ""}, "regimen", "Type a regimen"),
    ],
)
def test_simulate_errors_are_tied_to_their_field(
    client: TestClient, params: dict[str, str], field: str, expect: str
) -> None:
    r = client.get("/simulate" + query(**params))
    assert r.status_code == 400
    assert expect.lower() in alert(r.text).lower()
    assert f'href="#{field}"' in r.text  # the error summary links to the field
    tag = re.search(rf'<(input|select)[^>]*id="{field}"[^>]*>', r.text)
    assert tag and 'aria-invalid="true"' in tag.group(0) and f"{field}-error" in tag.group(0)
    assert f'id="{field}-error"' in r.text and "Traceback" not in r.text


def test_long_input_is_never_echoed_whole(client: TestClient) -> None:
    junk = "z" * 450
    r = client.get("/simulate" + query(regimen=junk))
    assert r.status_code == 400
    message = alert(r.text)
    assert junk not in message and "(450 characters)" in message and len(message) < 450
    field_error = re.search(r'id="regimen-error">(.*?)</p>', r.text, re.S)
    assert field_error and junk not in field_error.group(1)
    assert r.text.count(junk) == 1  # only in the field itself, so it can be corrected


# --- interactions ------------------------------------------------------------------------------


def test_known_items_are_checked_and_unknown_ones_get_did_you_mean(client: TestClient) -> None:
    r = client.get("/check" + query(medications="alprazolam, foobarin", conditions=""))
    assert r.status_code == 200
    grid = re.search(r'<table class="grid" id="grid">(.*?)</table>', r.text, re.S)
    assert grid and "Alprazolam" in grid.group(1)
    assert "foobarin" in r.text and "did you mean" in r.text
    suggestion = re.search(r'did you mean <a href="([^"]+)">', r.text)
    assert suggestion, "an unknown name comes with a suggestion that re-runs the check"
    again = client.get(suggestion.group(1).replace("&amp;", "&"))
    assert again.status_code == 200 and "foobarin" not in visible(again.text).split("Checked:")[-1]
    assert "kratomsim interactions --list" not in r.text  # no CLI command on a web page


def test_kratom_itself_and_classes_are_understood(client: TestClient) -> None:
    r = client.get("/check" + query(medications="kratom, benzos", conditions="fatty liver"))
    assert r.status_code == 200
    assert "is kratom itself" in r.text
    assert re.search(r"benzos \(class: [^)]*Alprazolam", r.text)
    assert "Not in the knowledge base" not in r.text
    # a member typed on its own keeps its own row
    both = client.get("/check" + query(medications="benzos, alprazolam", conditions=""))
    rows = re.findall(r'<th scope="row">([^<]+)</th>', both.text)
    assert "Alprazolam" in rows
    benzos = next(row for row in rows if row.startswith("benzos"))
    assert "Alprazolam" not in benzos and "Diazepam" in benzos


def test_grid_first_with_distinct_titles_consistent_severity_and_linked_sources(
    client: TestClient,
) -> None:
    r = client.get(
        "/check"
        + query(
            medications="alprazolam, tramadol, sertraline",
            conditions="fatty liver",
            regimen="2 g every 8 h for 7 days",
            product="tea",
        )
    )
    assert r.status_code == 200
    html = r.text
    assert html.index('id="grid"') < html.index("Findings in full")
    rows = re.findall(r'<tr class="sev-(\w+)">\s*<th scope="row">([^<]+)</th>', html)
    assert {name for _, name in rows} >= {"Alprazolam", "Tramadol", "Sertraline"}
    ranks = [SEVERITY_ORDER.index(s) for s, _ in rows]
    assert ranks == sorted(ranks)
    cards = re.findall(
        r'<details class="finding sev-(\w+)" id="finding-\d+"[^>]*>\s*'
        r'<summary><span class="pill pill-\w+">\w+</span> ([^<]+)</summary>',
        html,
    )
    titles = [title for _, title in cards]
    assert len(titles) == len(set(titles)) and len(titles) >= 5
    # tramadol's predicted change is about 1.01-fold: its CYP findings cannot be "major"
    tramadol_pk = [sev for sev, title in cards if title.endswith("substrates: Tramadol")]
    assert len(tramadol_pk) == 2 and set(tramadol_pk) == {"minor"}
    assert 'class="cite" href="https://doi.org/' in html
    assert "Predicted blood level of the medicine: about" in html


def test_two_papers_of_one_author_and_year_are_told_apart_and_no_source_repeats(
    client: TestClient,
) -> None:
    # midazolam is an oral CYP3A substrate: its rule cites two different Tanna 2023 papers
    r = client.get("/check" + query(medications="midazolam", conditions=""))
    assert r.status_code == 200
    sources = re.findall(r"Sources: (.*?)\.</p>", r.text)
    assert sources, "no sources line"
    for line in sources:
        names = re.findall(r'class="cite"[^>]*>([^<]+)<', line)
        assert len(names) == len(set(names)), line
    assert "Tanna 2023; Tanna 2023" not in r.text
    links = dict(re.findall(r'href="(https://doi.org/[^"]+)"[^>]*>(Tanna 2023\w?)<', r.text))
    assert set(links.values()) == {"Tanna 2023a", "Tanna 2023b"}, links
    assert len(links) == 2  # two papers, two addresses


def test_short_citations_are_distinct_and_named(client: TestClient) -> None:
    from kratomsim.evidence import load_references
    from kratomsim.interfaces.web import services

    keys = list(load_references())
    shorts = [services.cite(k).short for k in keys]
    assert len(set(shorts)) == len(shorts)
    # an author list the sources did not give never becomes the name ("[not 2019")
    assert not [s for s in shorts if s.startswith("[")]
    once = services.citations(["tanna2021", "tanna2023cpt", "tanna2021"])
    assert [c.key for c in once] == ["tanna2021", "tanna2023cpt"]


def test_check_errors_and_red_flags_in_free_text(client: TestClient) -> None:
    r = client.get("/check" + query(medications="", conditions="jaundice"))
    assert "Seek medical care today" in r.text  # typed as a condition: the panel, at once
    assert "jaundice" in r.text and "Not in the knowledge base" in r.text
    bad = client.get(
        "/check" + query(medications="alprazolam", conditions="", regimen="two spoons whenever")
    )
    assert bad.status_code == 400 and "regimen" in alert(bad.text).lower()
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*id="regimen"[^>]*>', bad.text).group(0)  # type: ignore[union-attr]


def test_names_for_the_autocomplete_include_brands_and_classes(client: TestClient) -> None:
    names = client.get("/api/names?kind=medicine").json()
    values = {n["v"] for n in names}
    assert {"Alprazolam", "Xanax", "benzos", "MAOI"} <= values
    assert next(n for n in names if n["v"] == "Xanax")["h"] == "alprazolam"
    conditions = {n["v"].lower() for n in client.get("/api/names?kind=condition").json()}
    assert "fatty liver" in conditions


# --- tapers, forecast, reports -----------------------------------------------------------------


def test_taper_page_compares_plans(client: TestClient) -> None:
    r = client.get(
        "/taper?"
        + urlencode(
            [("current", "4 g three times daily"), ("plan", "-25% per week"), ("plan", "stop")]
        )
    )
    assert r.status_code == 200, alert(r.text)
    plans = re.search(r'<table id="plans">(.*?)</table>', r.text, re.S)
    assert plans
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td class="num">([\d.]+)', plans.group(1))
    assert [p for p, _ in rows] == ["-25% per week", "stop"]
    stop, slow = float(rows[1][1]), float(rows[0][1])
    assert stop >= slow  # stopping at once peaks at least as high as a taper
    chart = json.loads(re.search(r'id="data-taper">(.*?)</script>', r.text, re.S).group(1))  # type: ignore[union-attr]
    assert [s["label"] for s in chart["series"]] == ["-25% per week", "stop"]
    # each plan's withdrawal: share of runs with signs, start, when worst, how long, ranged
    episodes = re.search(r'<table id="episodes"(.*?)</table>', r.text, re.S)
    assert episodes
    cells = re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', episodes.group(1), re.S)
    assert [p for p, _ in cells] == ["-25% per week", "stop"]
    for _, row in cells:
        words = " ".join(visible(row).split())
        assert re.match(r"\d+ % ", words), words
        assert words.count("range ") == 3, words
        assert "days" in words or "hours" in words
    # the disclaimer once (the footer's), the draws those of ``kratomsim taper``
    assert r.text.count("does not prescribe") == 1
    assert f"over {TAPER_DRAWS} runs" in " ".join(visible(r.text).split())
    # an axis title short enough for a phone's chart (~40 characters at most)
    assert len(chart["xLabel"]) <= 40, chart["xLabel"]
    none = client.get("/taper?current=4+g+daily&other=")
    assert none.status_code == 400 and "at least one plan" in alert(none.text)


def test_cyp3a_activity_shows_its_lowest_point_not_100_percent(client: TestClient) -> None:
    r = client.get("/simulate" + query(regimen="2 g every 8 h for 14 days", product="leaf-powder"))
    assert r.status_code == 200, alert(r.text)
    table = re.search(r'<table id="outcomes">(.*?)</table>', r.text, re.S)
    assert table
    for label in ("Liver enzyme CYP3A still working", "Gut-wall enzyme CYP3A still working"):
        row = next(x for x in table.group(1).split("<tr>") if label in x)
        cells = re.findall(r'<td class="num">(.*?)</td>', row, re.S)
        lowest = float(re.match(r"[\d.]+", cells[0]).group(0))  # type: ignore[union-attr]
        assert lowest < 95.0, row  # % of normal: the enzyme is partly switched off
        assert "lowest" in cells[0] and "after" in cells[0], row
    assert r.text.count("does not prescribe") == 1


def test_report_download_is_an_html_attachment_with_its_own_policy(client: TestClient) -> None:
    r = client.get(
        "/report/download" + query(regimen="2 g once", product="leaf-powder", format="html")
    )
    assert r.status_code == 200
    assert r.headers["content-disposition"] == 'attachment; filename="kratomsim-report.html"'
    assert "default-src 'none'" in r.headers["content-security-policy"]
    head = r.text[: r.text.index("</head>")]
    assert 'http-equiv="Content-Security-Policy"' in head and "script-src" not in head


def test_report_names_unknown_medicines_and_refuses_files(client: TestClient) -> None:
    r = client.get("/report/download" + query(regimen="2 g once", medications="foobarin"))
    assert r.status_code == 400 and "foobarin" in alert(r.text)
    r = client.get("/report/download" + query(regimen="../secret.toml"))
    assert r.status_code == 400 and "not a scenario file" in alert(r.text)
    r = client.get("/report/download" + query(regimen="2 g once", format="docx"))
    assert r.status_code == 400 and "docx" in alert(r.text)


def test_forecast_says_what_is_missing_then_fits_in_plain_words(
    client: TestClient, home: Path
) -> None:
    r = client.get("/forecast?plan=continue&horizon=3+d", headers=HTML)
    assert r.status_code == 400 and "at least" in alert(r.text)
    assert not (home / "journal.sqlite3").exists()
    with open_journal(home / "journal.sqlite3") as journal:
        for day in range(1, 6):
            for hour, nrs in ((8, 6), (20, 4)):
                journal.add(DoseEntry("leaf-powder", 3, "g", f"2026-01-{day:02d}T{hour:02d}:00"))
                journal.add(PainEntry(nrs, f"2026-01-{day:02d}T{hour + 2:02d}:00"))
    r = client.get("/forecast?plan=stop&horizon=3+d", headers=HTML)
    assert r.status_code == 200, alert(r.text)
    text = visible(r.text)
    assert "Your usual pain without kratom" in text and "Pain relief" in text
    for name in ("baseline_nrs", "tol_k_on", "wd_gain", "relief_nrs"):
        assert name not in text
    # a pure number carries no unit "1" (spec: values shown without the unit '1')
    assert not re.search(r"\(1[ )]", text), re.search(r".{60}\(1[ )].{20}", text)
    assert "(% of your pain)" in text  # the largest relief is a share: shown as a percentage
    assert 'class="chart-data"' in r.text and "/forecast/plot.png?" in r.text
    fallback = re.search(r'<noscript><img src="([^"]+)"', r.text)
    assert fallback
    png = client.get(fallback.group(1).replace("&amp;", "&"))
    assert png.status_code == 200 and png.content[:8] == PNG_MAGIC
    r = client.get("/forecast?plan=regimen&regimen=&horizon=3+d", headers=HTML)
    assert r.status_code == 400 and "regimen" in alert(r.text).lower()


def test_the_serve_warm_up_loads_every_kernel_a_simulate_request_needs(client: TestClient) -> None:
    """After ``serve``'s background warm-up a Simulate request finds its kernels loaded."""
    from kratomsim.engine import compiled
    from kratomsim.interfaces.cmd_serve import _warm_up_in_background

    compiled._load.cache_clear()  # as in a fresh server process
    _warm_up_in_background().join(timeout=600)
    loaded = compiled._load.cache_info().misses
    page = client.get(
        "/simulate", params={"regimen": "1.5 g every 6 h for 3 days then stop"}, headers=HTML
    )
    assert page.status_code == 200
    assert compiled._load.cache_info().misses == loaded  # nothing left to load
    assert compiled._load.cache_info().currsize >= 2  # the exposure and the whole-model kernels


def test_the_serve_warm_up_loads_the_personal_fit_s_kernels_too(
    client: TestClient, home: Path
) -> None:
    """The first personal forecast after ``serve`` starts finds the fit's kernels loaded."""
    from kratomsim.engine import compiled
    from kratomsim.interfaces.cmd_serve import _warm_up_in_background

    with open_journal(home / "journal.sqlite3") as journal:
        for day in range(1, 5):
            for hour, nrs in ((8, 6), (20, 4)):
                journal.add(DoseEntry("leaf-powder", 3, "g", f"2026-02-{day:02d}T{hour:02d}:00"))
                journal.add(PainEntry(nrs, f"2026-02-{day:02d}T{hour + 2:02d}:00"))
    compiled._load.cache_clear()  # as in a fresh server process
    _warm_up_in_background().join(timeout=600)
    loaded = compiled._load.cache_info().misses
    r = client.get("/forecast?plan=stop&horizon=2+d", headers=HTML)
    assert r.status_code == 200, alert(r.text)
    assert compiled._load.cache_info().misses == loaded  # nothing left to load
