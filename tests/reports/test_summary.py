"""Summaries and reports: JSON-ready data, every value used with its grade, never a dose advice."""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser

import pytest

from kratomsim import simulate
from kratomsim.engine.result import Simulation
from kratomsim.reports.summary import (
    CAVEATS,
    DISCLAIMER,
    SUMMARY_ROWS,
    content_used,
    fmt_value,
    render_html,
    render_markdown,
    series_dict,
    summary_dict,
)

DEMO = "2 g every 8 h for 14 days"


@pytest.fixture(scope="module")
def sim() -> Simulation:
    return simulate(DEMO, product="leaf-powder")


@pytest.fixture(scope="module")
def user_sim() -> Simulation:
    return simulate("2 g once", product="tea", mg_per_g=12.0, oh7_mg_per_g=0.3, duration="3 d")


def test_summary_dict_is_json_ready_and_complete(sim: Simulation) -> None:
    data = summary_dict(sim)
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert data["regimen"]["text"] == DEMO
    assert data["regimen"]["doses"] == 42 == len(data["regimen"]["dose_times_h"])
    assert data["product"]["id"] == "leaf-powder" and data["product"]["mg_per_g"] == 13.3
    mg = data["product"]["content"]["mitragynine"]
    assert (mg["value"], mg["unit"], mg["source"], mg["grade"]) == (
        13.3,
        "mg/g",
        "huestis2024",
        "A",
    )
    assert data["product"]["content"]["7-hydroxymitragynine"]["assumption"] is True
    for name, summary in sim.summary().items():
        assert data["summary"][name] == summary.to_dict()
    assert data["unit"] == "ng/mL" and "spec/model.toml" in data["method"] and data["subjects"] == 1
    names = {a["name"] for a in data["assumptions"]}
    assert names == {v.name for v in sim.assumptions()} and {"fg_mg", "vm_7oh"} <= names
    assert all(a["assumption"] and a["note"] for a in data["assumptions"])
    assert [e["name"] for e in data["evidence"]] == [v.name for v in sim.used]
    assert {"tanna2022", "huestis2024"} <= set(data["references"])
    assert data["disclaimer"] == DISCLAIMER and data["caveats"] == list(CAVEATS)


def test_user_supplied_content_is_reported_as_such(user_sim: Simulation) -> None:
    content = summary_dict(user_sim)["product"]["content"]
    assert content["mitragynine"]["value"] == 12.0
    assert content["mitragynine"]["kind"] == "user"
    assert content["7-hydroxymitragynine"]["value"] == 0.3
    assert {v.source for v in content_used(user_sim).values()} == {"user_input"}


def test_series_dict(sim: Simulation, user_sim: Simulation) -> None:
    ng = series_dict(sim)
    nm = series_dict(sim, unit="nM")
    assert list(ng) == ["time_h", "mitragynine", "7-hydroxymitragynine"]
    assert len(ng["time_h"]) == len(ng["mitragynine"]) == sim.time_h.size
    # three days on a 0.05 h grid: 6 × 0.05 without binary noise such as 0.30000000000000004
    assert user_sim.time_h[6] != 0.3
    assert series_dict(user_sim)["time_h"][6] == 0.3
    peak = max(ng["mitragynine"])
    assert peak == pytest.approx(sim.summary()["mitragynine"].cmax_ng_ml)
    assert max(nm["mitragynine"]) / peak == pytest.approx(1000 / 398.5, rel=1e-6)


def test_fmt_value() -> None:
    assert fmt_value(None) == "—"
    assert fmt_value(25.4767) == "25.5"
    assert fmt_value(4999.02) == "4,999"
    assert fmt_value(0.0) == "0"
    assert fmt_value(2.5e7) == "2.5e+07"


def test_markdown_report(sim: Simulation) -> None:
    md = render_markdown(sim, image="exposure.png")
    assert md.startswith(f"# kratomsim exposure report: {DEMO}")
    assert "![Plasma mitragynine and 7-OH-mitragynine over time](exposure.png)" in md
    for label, _ in SUMMARY_ROWS:
        assert f"| {label} |" in md
    assert "| fg_mg (ASSUMPTION) | 0.8 | 0.5–1 |" in md
    for v in sim.used:  # the grade of every value used is shown
        assert re.search(rf"\| {re.escape(v.name)}( \(ASSUMPTION\))? \|.*\| {v.grade} \|", md)
    assert "## Assumptions" in md and "## Caveats" in md
    assert "[tanna2022] Tanna RS" in md and "[huestis2024] Huestis MA" in md
    assert DISCLAIMER in md and "discuss with a clinician" in md
    embedded = render_markdown(sim)
    assert "](data:image/png;base64," in embedded


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.images: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs)["src"] or "")
        elif tag not in {"meta", "br"}:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_report_is_self_contained(sim: Simulation) -> None:
    page = render_html(sim)
    parser = _Collector()
    parser.feed(page)
    assert parser.stack == []  # every element closed
    (src,) = parser.images
    assert src.startswith("data:image/png;base64,")
    assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    text = " ".join(" ".join(parser.text).split())
    assert not re.search(r'(src|href)="https?://', page)  # nothing loaded from elsewhere
    for v in sim.used:
        assert v.name in text
    for label, _ in SUMMARY_ROWS:
        assert label in text
    assert "ASSUMPTION" in text and "Caveats" in text and "References" in text
    assert "tanna2022" in text and "huestis2024" in text
    assert "Discuss use, stopping or tapering with a clinician" in text


def test_reports_never_prescribe(sim: Simulation, user_sim: Simulation) -> None:
    for s in (sim, user_sim):
        for text in (render_markdown(s, image="x.png"), json.dumps(summary_dict(s))):
            lowered = text.lower()
            for phrase in ("you should take", "recommended dose", "safe dose", "take up to"):
                assert phrase not in lowered
            assert "not a recommendation of any amount" in lowered
