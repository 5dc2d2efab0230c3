"""Condition vocabulary: aliases, sub-classes, suggestions, empty lists and contradictions."""

from __future__ import annotations

import pytest

from kratomsim.errors import ConditionError
from kratomsim.risk import check, load_rules, parse_conditions, resolve_condition
from kratomsim.risk.conditions import load_condition_specs, load_conflicts


@pytest.mark.parametrize(
    ("text", "cid", "subclass"),
    [
        ("fatty liver", "liver-disease", "fatty liver"),
        ("NAFLD", "liver-disease", "fatty liver"),
        ("MASLD", "liver-disease", "fatty liver"),
        ("Hepatitis C", "liver-disease", "hepatitis"),
        ("cirrhosis", "liver-disease", "cirrhosis"),
        ("liver disease", "liver-disease", None),
        ("Long-QT", "long-qt", None),
        ("atrial fibrillation", "arrhythmia", None),
        ("heart failure", "structural-heart-disease", None),
        ("hypokalemia", "hypokalaemia", None),
        ("seizure disorder", "epilepsy", None),
        ("Pregnant", "pregnancy", None),
        ("breast-feeding", "breastfeeding", None),
        ("COPD", "respiratory-disease", "copd"),
        ("asthma", "respiratory-disease", "asthma"),
        ("sleep apnea", "sleep-apnoea", None),
        ("OUD", "substance-use-disorder", "opioid use disorder"),
        ("on methadone", "opioid-agonist-treatment", "methadone"),
        ("on Suboxone", "opioid-agonist-treatment", "buprenorphine"),
        ("CKD", "kidney-disease", None),
        ("Hashimoto's", "thyroid-disease", None),
        ("heavy drinking", "heavy-alcohol-use", None),
        ("kratom dependence", "kratom-use-disorder", None),
    ],
)
def test_aliases_resolve(text: str, cid: str, subclass: str | None) -> None:
    cond = resolve_condition(text)
    assert (cond.id, cond.subclass) == (cid, subclass)
    assert cond.text == text


def test_cirrhosis_is_marked_advanced() -> None:
    cond = resolve_condition("decompensated cirrhosis")
    assert cond.severe and cond.describe() == "liver disease (cirrhosis, advanced)"
    assert not resolve_condition("NAFLD").severe


def test_list_keeps_order_and_drops_repeats() -> None:
    conds = parse_conditions("NAFLD; epilepsy, fatty liver , COPD")
    assert [c.id for c in conds] == ["liver-disease", "epilepsy", "respiratory-disease"]


@pytest.mark.parametrize(
    ("typo", "suggestion"), [("cirhosis", "cirrhosis"), ("epilepsey", "epilepsy")]
)
def test_unknown_condition_suggests_the_nearest(typo: str, suggestion: str) -> None:
    with pytest.raises(
        ConditionError, match=f"Unknown condition: got '{typo}'.*Did you mean '{suggestion}'"
    ):
        parse_conditions(f"asthma, {typo}")


def test_nonsense_gets_examples_but_no_guess() -> None:
    with pytest.raises(ConditionError) as exc:
        parse_conditions("purple")
    assert "Did you mean" not in str(exc.value) and "fatty liver" in str(exc.value)


@pytest.mark.parametrize("text", ["", " , ;", "   "])
def test_empty_list_is_refused(text: str) -> None:
    with pytest.raises(ConditionError, match="The condition list is empty"):
        parse_conditions(text)


@pytest.mark.parametrize(
    ("text", "first", "second"),
    [
        ("pregnant, postmenopausal", "pregnant", "postmenopausal"),
        ("fatty liver, no liver disease", "fatty liver", "no liver disease"),
        ("heart failure, no heart disease", "heart failure", "no heart disease"),
    ],
)
def test_contradictions_name_both(text: str, first: str, second: str) -> None:
    with pytest.raises(ConditionError) as exc:
        parse_conditions(text)
    message = str(exc.value)
    assert message.startswith("Conditions contradict each other")
    assert first in message and second in message and "remove one" in message


def test_check_refuses_contradictory_conditions_built_directly() -> None:
    conds = (resolve_condition("pregnancy"), resolve_condition("menopause"))
    with pytest.raises(ConditionError, match="contradict"):
        check([], conds)


def test_vocabulary_is_consistent_with_the_rules() -> None:
    rules = load_rules()
    specs = load_condition_specs()
    ids = {s.id for s in specs}
    for conflict in load_conflicts():
        assert conflict.a in ids and conflict.b in ids
    for spec in specs:
        assert set(spec.rules) <= set(rules), spec.id
        fired = set(check([], [resolve_condition(spec.id)]).rule_ids())
        # Each condition fires exactly the rules it documents (R25 never fires).
        assert fired == set(spec.rules) - {"R25"}, spec.id
