"""Red flags: one cited rule table; logged symptoms and free text raise a "seek care now" panel."""

from __future__ import annotations

import re

import pytest

from kratomsim.evidence import load_references
from kratomsim.journal import SYMPTOMS
from kratomsim.risk.red_flags import (
    flags_for_symptom,
    flags_in_text,
    load_advice,
    load_red_flags,
    safety_panel,
)

#: The same pattern the rule tests use for dose instructions (tests/risk/test_rules.py).
DOSE_ADVICE = re.compile(
    r"\b(take|use|try|start (with|at)|limit (yourself )?to|reduce (it |the dose )?to|"
    r"increase (it )?to|cut (back |down )?to|no more than|stay (below|under)|keep (it )?(below|under))"
    r"\s+(about\s+)?\d"
    r"|\b\d+(\.\d+)?\s*(mg|g|grams?)\b[^.]*\b(is|are)\s+(safe|fine|ok)"
    r"|\bsafe (dose|amount)\b|\brecommended (dose|amount)\b",
    re.IGNORECASE,
)


def ids(text: str) -> list[str]:
    return [f.id for f in flags_in_text(text)]


def test_the_table_covers_the_issue_and_cites_known_sources() -> None:
    flags = {f.id: f for f in load_red_flags()}
    assert set(flags) == {"breathing", "unresponsive", "seizure", "chest", "liver"}
    refs = load_references()
    for f in flags.values():
        assert f.sources and all(k in refs for k in f.sources)
        assert f.grades and f.locator
        assert set(f.symptoms) <= set(SYMPTOMS), f"{f.id} names a symptom the journal lacks"
    assert flags["liver"].urgency == "today" and flags["breathing"].urgency == "emergency"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("breathing difficulty 8/10", ["breathing"]),
        ("I couldn't breathe last night", ["breathing"]),
        ("Short of breath and my lips turned blue", ["breathing"]),
        ("jaundice", ["liver"]),
        ("my eyes are yellow and I have DARK URINE", ["liver"]),
        ("passed out after the second cup", ["unresponsive"]),
        ("had a seizure", ["seizure"]),
        ("chest pain since this morning", ["chest"]),
        ("no chest pain, not short of breath", []),
        ("without jaundice", []),
        ("feeling fit and well, slept 8 h", []),
        ("nausea 3/10", []),
        ("", []),
    ],
)
def test_free_text_matches_whole_phrases_and_respects_negation(
    text: str, expected: list[str]
) -> None:
    assert ids(text) == expected


def test_a_logged_symptom_raises_its_flag_unless_absent() -> None:
    assert [f.id for f in flags_for_symptom("breathing-difficulty", 8)] == ["breathing"]
    assert [f.id for f in flags_for_symptom("jaundice", 1)] == ["liver"]
    assert [f.id for f in flags_for_symptom("dark-urine", 4)] == ["liver"]
    assert flags_for_symptom("breathing-difficulty", 0) == ()
    assert flags_for_symptom("nausea", 9) == ()


def test_the_panel_puts_emergencies_first_and_adds_its_advice() -> None:
    panel = safety_panel([*flags_in_text("dark urine"), *flags_in_text("can't breathe")])
    assert panel is not None
    assert panel.ids() == ("breathing", "liver") and panel.urgency == "emergency"
    advice = {a.id: a.text for a in panel.advice}
    assert set(advice) == {"not_alone", "naloxone", "liver_window"}
    assert "2-49 days (median about 14 days)" in advice["liver_window"]
    assert "{" not in advice["liver_window"]
    liver_only = safety_panel(flags_in_text("jaundice"))
    assert liver_only is not None and liver_only.urgency == "today"
    assert safety_panel([]) is None


def test_actions_fill_in_the_emergency_number() -> None:
    for flag in load_red_flags():
        text = flag.action_text("000 (Australia)")
        assert "{emergency}" not in text
        if flag.urgency == "emergency":
            assert "000 (Australia)" in text


def test_no_red_flag_text_names_an_amount_to_take() -> None:
    texts = [t for f in load_red_flags() for t in (f.title, f.action, f.why)]
    texts += [a.text for a in load_advice().values()]
    assert not [t for t in texts if DOSE_ADVICE.search(t)]
