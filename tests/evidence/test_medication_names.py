"""Medicine names as people type them: classes, street names and typos, with the match shown."""

from __future__ import annotations

import pytest

from kratomsim.errors import EvidenceError, MedicationError
from kratomsim.evidence import load_references, resolve_medication
from kratomsim.evidence.loader import read_data_toml
from kratomsim.evidence.medication_names import (
    NAMES_FILE,
    load_classes,
    load_street_names,
    medication_names,
    parse_medication_list,
    resolve_name,
    resolve_names,
)
from kratomsim.evidence.medications import load_medications, normalise
from kratomsim.risk.check import check


def cls(class_id: str):
    return next(c for c in load_classes() if c.id == class_id)


# --- street names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "mid", "how"),
    [
        ("xanax bars", "alprazolam", "street name"),
        ("Xanax Bars", "alprazolam", "street name"),
        ("z-bars", "alprazolam", "street name"),
        ("percs", "oxycodone", "street name"),
        ("oxys", "oxycodone", "street name"),
        ("hillbilly heroin", "oxycodone", "street name"),
        ("vikes", "hydrocodone", "street name"),
        ("lean", "codeine", "other name"),
        ("bars", "alprazolam", "other name"),
        ("Xanax", "alprazolam", "other name"),
        ("alprazolam", "alprazolam", "name"),
        ("sertraline 50 mg", "sertraline", "name"),
        ("xanax 2mg tablets", "alprazolam", "other name"),
    ],
)
def test_street_and_other_names_resolve_with_the_match_shown(text: str, mid: str, how: str) -> None:
    match = resolve_name(text)
    assert match.medication is not None and match.medication.id == mid
    assert match.how == how
    if how == "name":
        assert match.describe() == mid
    else:
        assert match.describe() == f"{text} → {mid} ({how})"


def test_xanax_bars_reads_as_in_the_issue() -> None:
    assert resolve_name("xanax bars").describe() == "xanax bars → alprazolam (street name)"


@pytest.mark.parametrize(
    ("typo", "mid"), [("alprazolm", "alprazolam"), ("oxycodine", "oxycodone"), ("sertarlien", None)]
)
def test_one_typo_resolves_as_closest_spelling_else_asks(typo: str, mid: str | None) -> None:
    if mid is None:  # two swaps away: a question, never a guess
        with pytest.raises(MedicationError, match="Did you mean 'sertraline'"):
            resolve_name(typo)
        return
    match = resolve_name(typo)
    assert match.how == "closest spelling" and match.entry.id == mid
    assert match.describe() == f"{typo} → {mid} (closest spelling)"


def test_a_typo_close_to_two_names_is_not_resolved() -> None:
    # "scitalopram" is one letter from escitalopram and one from citalopram
    with pytest.raises(MedicationError, match="Unknown medication"):
        resolve_name("scitalopram")


# --- classes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "class_id", "members"),
    [
        ("benzos", "benzodiazepines", {"alprazolam", "diazepam", "lorazepam", "midazolam"}),
        ("benzodiazepines", "benzodiazepines", {"clonazepam", "triazolam"}),
        ("opioids", "opioids", {"oxycodone", "methadone", "buprenorphine", "tramadol"}),
        ("MAOI", "maois", {"phenelzine", "tranylcypromine", "selegiline", "linezolid"}),
        ("SSRIs", "ssris", {"sertraline", "fluoxetine", "citalopram"}),
        ("blood thinners", "anticoagulants", {"warfarin", "apixaban"}),
    ],
)
def test_classes_resolve_to_their_members(text: str, class_id: str, members: set[str]) -> None:
    match = resolve_name(text)
    assert match.how == "class" and match.drug_class is not None
    assert match.drug_class.id == class_id
    assert members <= {m.id for m in match.drug_class.members}
    assert match.entry.id == f"class-{class_id}"
    assert "class check over" in match.describe()


def test_loperamide_is_left_out_of_the_opioid_class() -> None:
    assert "loperamide" not in {m.id for m in cls("opioids").members}


def test_a_class_check_is_one_finding_per_rule_not_one_per_member() -> None:
    result = check(parse_medication_list("benzos"), [])
    r3 = [f for f in result.findings if f.rule_id == "R3"]
    assert len(r3) == 1 and r3[0].triggers == ("class-benzodiazepines",)
    # checking every member one by one fires R3 six times
    members = [resolve_medication(m.id) for m in cls("benzodiazepines").members]
    assert len([f for f in check(members, []).findings if f.rule_id == "R3"]) == 6


def test_the_maoi_class_carries_the_shared_maoi_risk() -> None:
    (r14,) = [f for f in check(parse_medication_list("MAOI"), []).findings if f.rule_id == "R14"]
    assert r14.severity == "major"  # MAOI escalation, as for each member
    assert all(m.maoi for m in cls("maois").members)


def test_shared_properties_are_those_every_member_has() -> None:
    ssris = cls("ssris")
    entry = ssris.as_medication()
    assert entry.serotonergic  # all five SSRIs are serotonergic
    assert not entry.cyp3a4_substrate  # fluoxetine and paroxetine are not CYP3A4 substrates
    assert entry.cyp2d6_inhibitor == "none"  # citalopram inhibits nothing: the lowest level
    assert entry.fm_cyp3a4 is None  # a class is never quantified
    varies = " ".join(ssris.varies())
    assert "cyp2d6 inhibitor" in varies and "fluoxetine (strong)" in varies


def test_a_class_is_not_one_medicine_for_interactions() -> None:
    with pytest.raises(MedicationError, match=r"class of medicines.*e.g. 'alprazolam'"):
        resolve_medication("benzos")


def test_a_list_mixes_classes_street_names_and_medicines() -> None:
    matches = resolve_names("benzos, xanax bars and sertraline; percs")
    assert [m.entry.id for m in matches] == [
        "class-benzodiazepines",
        "alprazolam",
        "sertraline",
        "oxycodone",
    ]
    with pytest.raises(MedicationError) as info:
        resolve_names("benzos, foo-bar-baz")
    assert "'foo-bar-baz'" in str(info.value)


# --- the data -------------------------------------------------------------------------------------


def test_street_names_are_curated_grade_e_with_a_source_or_a_note() -> None:
    refs = load_references()
    raw = read_data_toml(NAMES_FILE)["street_name"]
    assert len(raw) == len(load_street_names()) >= 20
    for entry in raw:
        assert entry["grade"] == "E"
        if "source" in entry:  # a source lists it: a known reference and where in it
            assert entry["source"] in refs and entry["locator"].strip(), entry["name"]
        else:  # none found: the entry says so (the provenance audit sees no citation here)
            assert "No source" in entry["note"], entry["name"]


def test_no_name_means_two_things_and_none_repeats_the_knowledge_base() -> None:
    known = {normalise(x) for m in load_medications() for x in (m.id, m.name, *m.aliases)}
    street = [normalise(n) for n, _, _ in load_street_names()]
    classes = [normalise(n) for c in load_classes() for n in c.names]
    assert not (set(street) & known) and not (set(classes) & known)
    assert len(set(street)) == len(street) and not (set(street) & set(classes))


def test_every_class_has_members_sources_and_grade_e() -> None:
    refs = load_references()
    for c in load_classes():
        assert len(c.members) >= 2 and c.grade == "E"
        assert all(s in refs for s in c.sources)


def test_a_broken_names_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import kratomsim.evidence.medication_classes as names

    def fake(_: str) -> dict:
        return {"street_name": [{"name": "x", "medication": "no-such-drug", "grade": "E"}]}

    monkeypatch.setattr(names, "read_data_toml", fake)
    names.load_street_names.cache_clear()
    try:
        with pytest.raises(EvidenceError, match="unknown medicine 'no-such-drug'"):
            names.load_street_names()
    finally:
        names.load_street_names.cache_clear()


# --- autocompletion ---------------------------------------------------------------------------


def test_medication_names_lists_every_name_with_its_target() -> None:
    entries = medication_names()
    texts = {e.text: e for e in entries}
    assert (
        texts["xanax bars"].kind == "street name" and texts["xanax bars"].target_id == "alprazolam"
    )
    assert texts["benzos"].kind == "class" and texts["benzos"].target_id == "class-benzodiazepines"
    assert texts["Sertraline"].kind == "medicine"
    assert texts["Zoloft"].kind == "other name"
    assert [e.text.casefold() for e in entries] == sorted(e.text.casefold() for e in entries)
    for e in entries:  # every listed name resolves to what the list says
        assert resolve_name(e.text).entry.id == e.target_id, e.text
