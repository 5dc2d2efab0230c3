"""The medication knowledge base: coverage, provenance, name resolution and flag consistency."""

from __future__ import annotations

import pytest

from kratomsim.errors import EvidenceError, MedicationError
from kratomsim.evidence import (
    bibliography,
    load_medications,
    load_references,
    medications_by_tag,
    parse_medication_list,
    resolve_medication,
)
from kratomsim.evidence import medications as kb
from kratomsim.evidence.medication_schema import Medication
from kratomsim.evidence.schema import GRADE_MEANING, CitedValue

#: Required coverage of the brief, by class or tag.
REQUIRED = {
    "opioid": [
        "buprenorphine",
        "methadone",
        "fentanyl",
        "oxycodone",
        "hydrocodone",
        "morphine",
        "heroin",
        "codeine",
        "tramadol",
        "tapentadol",
        "loperamide",
    ],
    "benzodiazepine": [
        "alprazolam",
        "diazepam",
        "clonazepam",
        "lorazepam",
        "midazolam",
        "triazolam",
    ],
    "z-drug": ["zolpidem", "zopiclone"],
    "gabapentinoid": ["gabapentin", "pregabalin"],
    "alcohol": ["ethanol"],
    "ssri": ["sertraline", "fluoxetine", "paroxetine", "citalopram", "escitalopram"],
    "snri": ["venlafaxine", "duloxetine"],
    "tca": ["amitriptyline", "nortriptyline"],
    "antidepressant": ["bupropion", "mirtazapine", "trazodone"],
    "maoi": ["phenelzine", "tranylcypromine", "selegiline", "linezolid"],
    "antipsychotic": ["quetiapine", "haloperidol", "olanzapine", "aripiprazole"],
    "stimulant": ["modafinil", "amphetamine", "methylphenidate", "cocaine", "caffeine"],
    "antiepileptic": ["carbamazepine", "phenytoin", "lamotrigine", "valproate"],
    "statin": ["atorvastatin", "simvastatin", "lovastatin", "rosuvastatin"],
    "calcium-channel-blocker": ["amlodipine", "nifedipine", "diltiazem", "verapamil"],
    "immunosuppressant": ["tacrolimus", "cyclosporine"],
    "anticoagulant": ["warfarin", "apixaban", "rivaroxaban", "dabigatran"],
    "qt-prolonger": [
        "amiodarone",
        "sotalol",
        "ondansetron",
        "azithromycin",
        "clarithromycin",
        "methadone",
        "citalopram",
        "haloperidol",
    ],
    "cyp3a-inhibitor": [
        "ketoconazole",
        "itraconazole",
        "clarithromycin",
        "ritonavir",
        "grapefruit",
        "fluconazole",
        "diltiazem",
    ],
    "cyp3a-inducer": ["rifampin", "carbamazepine", "phenytoin", "st-johns-wort"],
    "opioid-antagonist": ["naloxone", "naltrexone"],
    "hepatotoxic": ["acetaminophen", "kava", "valproate", "ethanol"],
}
SINGLES = ["dextromethorphan", "diphenhydramine", "metoprolol", "buspirone", "digoxin"]


def by_id(mid: str) -> Medication:
    return next(m for m in load_medications() if m.id == mid)


def cited_values() -> list[CitedValue]:
    return [
        value
        for m in load_medications()
        for value in (m.fm_cyp3a4, m.fg, m.fh, m.fm_cyp2d6)
        if value is not None
    ]


def test_at_least_sixty_medications() -> None:
    assert len(load_medications()) >= 60


@pytest.mark.parametrize(("tag", "ids"), list(REQUIRED.items()))
def test_required_classes_present(tag: str, ids: list[str]) -> None:
    found = {m.id for m in medications_by_tag(tag)}
    assert set(ids) <= found, f"missing from {tag}: {set(ids) - found}"


@pytest.mark.parametrize("mid", SINGLES)
def test_required_single_drugs_present(mid: str) -> None:
    assert resolve_medication(mid).id == mid


def test_ids_unique_and_no_alias_names_two_drugs() -> None:
    meds = load_medications()
    assert len({m.id for m in meds}) == len(meds)
    owner: dict[str, str] = {}
    for m in meds:
        for label in (m.id, m.name, *m.aliases):
            assert owner.setdefault(kb.normalise(label), m.id) == m.id, label


def test_alias_collision_is_rejected() -> None:
    common = {"drug_class": "x", "sources": ("med_dailymed",), "grade": "E"}
    a = Medication(id="drug-a", name="Drug A", aliases=("Shared-Brand",), **common)
    b = Medication(id="drug-b", name="Drug B", aliases=("shared brand",), **common)
    with pytest.raises(EvidenceError, match="also names 'drug-a'"):
        kb._names_of((a, b))


def test_every_source_resolves() -> None:
    refs = load_references()
    for m in load_medications():
        assert m.sources, m.id
        for key in m.sources:
            assert key in refs, (m.id, key)


@pytest.mark.parametrize("value", cited_values(), ids=lambda v: v.name)
def test_every_fraction_has_provenance(value: CitedValue) -> None:
    assert value.source in load_references()
    assert value.grade in GRADE_MEANING
    assert value.locator.strip() and value.unit == "1"
    assert 0.0 <= value.low <= value.value <= value.high <= 1.0
    assert value.distribution in {"uniform", "log-uniform"}
    if value.kind == "assumption":
        assert "ASSUMPTION" in value.note
        assert value.grade == "E"
        assert value.high - value.low >= 0.25, "a labelled assumption needs a wide range"


@pytest.mark.parametrize(
    ("text", "mid"),
    [
        ("Xanax", "alprazolam"),
        ("XANAX", "alprazolam"),
        ("  xanax  ", "alprazolam"),
        ("Zoloft", "sertraline"),
        ("Lipitor", "atorvastatin"),
        ("Suboxone", "buprenorphine"),
        ("Subutex", "buprenorphine"),
        ("Ultram", "tramadol"),
        ("Valium", "diazepam"),
        ("Klonopin", "clonazepam"),
        ("Ativan", "lorazepam"),
        ("Neurontin", "gabapentin"),
        ("Lyrica", "pregabalin"),
        ("Seroquel", "quetiapine"),
        ("Wellbutrin", "bupropion"),
        ("Provigil", "modafinil"),
        ("Adderall", "amphetamine"),
        ("dextro-amphetamine", "amphetamine"),
        ("Ritalin", "methylphenidate"),
        ("Tegretol", "carbamazepine"),
        ("Dilantin", "phenytoin"),
        ("Prograf", "tacrolimus"),
        ("Sandimmune", "cyclosporine"),
        ("Neoral", "cyclosporine"),
        ("ciclosporin", "cyclosporine"),
        ("Coumadin", "warfarin"),
        ("Eliquis", "apixaban"),
        ("Xarelto", "rivaroxaban"),
        ("Pradaxa", "dabigatran"),
        ("Robitussin", "dextromethorphan"),
        ("DXM", "dextromethorphan"),
        ("Benadryl", "diphenhydramine"),
        ("Zithromax", "azithromycin"),
        ("Biaxin", "clarithromycin"),
        ("Nizoral", "ketoconazole"),
        ("Norvir", "ritonavir"),
        ("Paxlovid", "ritonavir"),
        ("nirmatrelvir/ritonavir", "ritonavir"),
        ("Rifadin", "rifampin"),
        ("rifampicin", "rifampin"),
        ("Tylenol", "acetaminophen"),
        ("paracetamol", "acetaminophen"),
        ("Ambien", "zolpidem"),
        ("Lunesta", "zopiclone"),
        ("eszopiclone", "zopiclone"),
        ("Effexor", "venlafaxine"),
        ("Cymbalta", "duloxetine"),
        ("Prozac", "fluoxetine"),
        ("Paxil", "paroxetine"),
        ("Celexa", "citalopram"),
        ("Lexapro", "escitalopram"),
        ("Elavil", "amitriptyline"),
        ("Remeron", "mirtazapine"),
        ("Desyrel", "trazodone"),
        ("Nardil", "phenelzine"),
        ("Parnate", "tranylcypromine"),
        ("Haldol", "haloperidol"),
        ("Zyprexa", "olanzapine"),
        ("Abilify", "aripiprazole"),
        ("Lopressor", "metoprolol"),
        ("BuSpar", "buspirone"),
        ("Lanoxin", "digoxin"),
        ("Zocor", "simvastatin"),
        ("Crestor", "rosuvastatin"),
        ("Norvasc", "amlodipine"),
        ("Procardia", "nifedipine"),
        ("Cardizem", "diltiazem"),
        ("Calan", "verapamil"),
        ("Imodium", "loperamide"),
        ("Narcan", "naloxone"),
        ("Revia", "naltrexone"),
        ("Vivitrol", "naltrexone"),
        ("Nucynta", "tapentadol"),
        ("OxyContin", "oxycodone"),
        ("Percocet", "oxycodone"),
        ("Vicodin", "hydrocodone"),
        ("Norco", "hydrocodone"),
        ("Duragesic", "fentanyl"),
        ("Dolophine", "methadone"),
        ("Methadose", "methadone"),
        ("diamorphine", "heroin"),
        ("alcohol", "ethanol"),
        ("beer", "ethanol"),
        ("wine", "ethanol"),
        ("St. John's Wort", "st-johns-wort"),
        ("st johns wort", "st-johns-wort"),
        ("Grapefruit Juice", "grapefruit"),
        ("Zyvox", "linezolid"),
        ("Versed", "midazolam"),
        ("Halcion", "triazolam"),
    ],
)
def test_brand_and_other_names_resolve(text: str, mid: str) -> None:
    assert resolve_medication(text).id == mid


@pytest.mark.parametrize(
    ("text", "mid"),
    [
        ("alprazolem", "alprazolam"),
        ("zanax", "alprazolam"),
        ("sertaline", "sertraline"),
        ("gabapentine", "gabapentin"),
        ("ibuprofin", "ibuprofen"),
        ("acetominophen", "acetaminophen"),
        ("buproprion", "bupropion"),
        ("trazadone", "trazodone"),
    ],
)
def test_common_misspellings_resolve(text: str, mid: str) -> None:
    assert resolve_medication(text).id == mid


@pytest.mark.parametrize(
    ("typo", "mid"),
    [
        ("sertralene", "sertraline"),
        ("oxycodine", "oxycodone"),
        ("gabapentinn", "gabapentin"),
        ("klonipin", "clonazepam"),
        ("seroquell", "quetiapine"),
        ("midazolaam", "midazolam"),
    ],
)
def test_one_letter_typos_of_one_name_resolve(typo: str, mid: str) -> None:
    # one letter added, dropped or changed from exactly one known name (shown as such by
    # medication_names.resolve_name, see tests/evidence/test_medication_names.py)
    assert resolve_medication(typo).id == mid


@pytest.mark.parametrize(
    ("typo", "mid"),
    [
        ("zolof", "sertraline"),  # too short to resolve a typo
        ("buprenorfine", "buprenorphine"),  # two letters off
        ("sertrallene", "sertraline"),
    ],
)
def test_farther_typos_get_a_suggestion_never_a_guess(typo: str, mid: str) -> None:
    with pytest.raises(MedicationError, match=rf"got '{typo}'.*Did you mean '{mid}'\?"):
        resolve_medication(typo)


@pytest.mark.parametrize("nonsense", ["banana", "qwerty12", "lisinopril-xyz", "???", ""])
def test_names_that_are_not_known_drugs_get_the_list_hint(nonsense: str) -> None:
    with pytest.raises(MedicationError, match=r"Unknown medication.*load_medications\(\)"):
        resolve_medication(nonsense)


def test_list_keeps_order_and_drops_the_same_drug_named_twice() -> None:
    meds = parse_medication_list("Xanax, alprazolam and Zoloft; gabapentin + beer\nKlonopin")
    assert [m.id for m in meds] == [
        "alprazolam",
        "sertraline",
        "gabapentin",
        "ethanol",
        "clonazepam",
    ]
    assert [m.id for m in parse_medication_list("Zoloft & Xanax")] == ["sertraline", "alprazolam"]
    # "and" inside a word is not a separator
    assert [m.id for m in parse_medication_list("Lexapro, Desyrel")] == [
        "escitalopram",
        "trazodone",
    ]


@pytest.mark.parametrize("text", ["", "   ", ", ;", "and", " , and ; &"])
def test_empty_list_is_refused_with_a_fix(text: str) -> None:
    with pytest.raises(MedicationError, match=r"Empty medication list.*at least one medicine"):
        parse_medication_list(text)


def test_list_reports_every_unknown_name() -> None:
    with pytest.raises(MedicationError) as info:
        parse_medication_list("xanax, foo-bar-baz, zolof")
    message = str(info.value)
    assert "'foo-bar-baz'" in message and "load_medications()" in message
    assert "Did you mean 'sertraline'?" in message


def test_unknown_tag_suggests_the_nearest() -> None:
    with pytest.raises(MedicationError, match=r"Did you mean 'opioid'\?"):
        medications_by_tag("opiod")


def test_pharmacodynamic_flags_are_consistent() -> None:
    for m in load_medications():
        if m.maoi:
            assert m.serotonergic, m.id
        if m.opioid_agonist:
            assert m.respiratory_depressant and m.cns_depressant, m.id
        if m.respiratory_depressant:
            assert m.cns_depressant, m.id
        tags = {m.drug_class, *m.tags}
        if "qt-prolonger" in tags:
            assert m.qt_risk != "none", m.id
        if "hepatotoxic" in tags:
            assert m.hepatotoxicity != "none", m.id
        if "cyp3a-inhibitor" in tags:
            assert m.cyp3a4_inhibitor != "none", m.id
        if "cyp3a-inducer" in tags:
            assert m.cyp3a4_inducer != "none", m.id
        if "serotonergic" in tags:
            assert m.serotonergic, m.id
        if "opioid-antagonist" in tags:
            assert not m.opioid_agonist, m.id


def test_interaction_roles_follow_the_fda_and_credible_meds_tables() -> None:
    for mid in ("ketoconazole", "itraconazole", "clarithromycin", "ritonavir"):
        assert by_id(mid).cyp3a4_inhibitor == "strong", mid
    for mid in ("diltiazem", "verapamil", "fluconazole"):
        assert by_id(mid).cyp3a4_inhibitor == "moderate", mid
    for mid in ("rifampin", "carbamazepine", "phenytoin"):
        assert by_id(mid).cyp3a4_inducer == "strong", mid
    for mid in ("fluoxetine", "paroxetine", "bupropion"):
        assert by_id(mid).cyp2d6_inhibitor == "strong", mid
    for mid in ("digoxin", "dabigatran"):
        assert by_id(mid).pgp_substrate, mid
    for mid in ("warfarin", "digoxin", "tacrolimus", "phenytoin"):
        assert by_id(mid).narrow_therapeutic_index, mid
    for mid in ("methadone", "citalopram", "haloperidol", "amiodarone", "sotalol"):
        assert by_id(mid).qt_risk == "known", mid
    assert by_id("acetaminophen").hepatotoxicity == "high"
    assert not by_id("naloxone").opioid_agonist
    assert not by_id("rosuvastatin").cyp3a4_substrate  # OATP/BCRP, not CYP3A


def test_midazolam_has_cited_oral_victim_fractions() -> None:
    mdz = by_id("midazolam")
    assert mdz.cyp3a4_substrate
    assert mdz.fm_cyp3a4 is not None and mdz.fg is not None and mdz.fh is not None
    for value in (mdz.fm_cyp3a4, mdz.fg, mdz.fh):
        assert value.low <= value.value <= value.high
        assert value.kind != "assumption"
    # Halama 2013: ketoconazole removed 92.8 % of oral midazolam clearance.
    assert mdz.fm_cyp3a4.value == pytest.approx(0.928, abs=0.005)
    assert mdz.fm_cyp3a4.low >= 0.85
    # Hohmann 2015: hepatic extraction 0.43 (95 % CI 0.37-0.49) -> Fh 0.57 (0.51-0.63).
    assert (mdz.fh.value, mdz.fh.low, mdz.fh.high) == pytest.approx((0.57, 0.51, 0.63), abs=0.005)
    # Gertz 2008 (grapefruit-juice estimate): Fg 0.56; Hohmann 2015: gut extraction 0.61 -> 0.39.
    assert mdz.fg.value == pytest.approx(0.56, abs=0.005)
    assert mdz.fg.low == pytest.approx(1 - 0.61, abs=0.005)


def test_dextromethorphan_and_metoprolol_cyp2d6_fractions_follow_their_sources() -> None:
    dxm = by_id("dextromethorphan").fm_cyp2d6
    assert dxm is not None and dxm.kind == "derived"
    # Storelli 2019 Table 4: AUC ratio with paroxetine 14.6 (AS2) and 8.5 (AS1); fm >= 1 - 1/AUCR.
    assert dxm.value == pytest.approx(1 - 1 / 14.6, abs=0.005)
    assert dxm.low == pytest.approx(1 - 1 / 8.5, abs=0.005)
    assert dxm.value >= 0.9
    meto = by_id("metoprolol").fm_cyp2d6
    assert meto is not None
    # Blake 2013: AUC 4.9-fold and CL/F 5.9-fold higher in poor metabolisers.
    assert meto.value == pytest.approx(1 - 1 / 4.9, abs=0.01)
    assert meto.high == pytest.approx(1 - 1 / 5.9, abs=0.005)
    # Seroquel label: ketoconazole cut quetiapine oral clearance by 84 %.
    quet = by_id("quetiapine").fm_cyp3a4
    assert quet is not None and quet.low == pytest.approx(0.84)


def test_quantitative_victims_are_covered() -> None:
    meds = load_medications()
    with_fm3a = {m.id for m in meds if m.fm_cyp3a4 is not None}
    with_fg = {m.id for m in meds if m.fg is not None}
    with_fm2d6 = {m.id for m in meds if m.fm_cyp2d6 is not None}
    assert {
        "midazolam",
        "triazolam",
        "quetiapine",
        "buspirone",
        "simvastatin",
        "tacrolimus",
    } <= with_fm3a
    assert {
        "midazolam",
        "triazolam",
        "buspirone",
        "simvastatin",
        "nifedipine",
        "cyclosporine",
    } <= with_fg
    assert {
        "dextromethorphan",
        "metoprolol",
        "amitriptyline",
        "nortriptyline",
        "codeine",
        "tramadol",
    } <= with_fm2d6
    # Gut availability orders as published: buspirone and simvastatin lose most of a dose in the gut wall.
    fg = {mid: by_id(mid).fg for mid in ("buspirone", "simvastatin", "midazolam", "cyclosporine")}
    values = {mid: v.value for mid, v in fg.items() if v is not None}
    assert (
        values["buspirone"] < values["simvastatin"] < values["midazolam"] < values["cyclosporine"]
    )


def test_bibliography_of_medication_values() -> None:
    mdz = by_id("midazolam")
    text = bibliography([v for v in (mdz.fm_cyp3a4, mdz.fg, mdz.fh) if v is not None])
    assert "[med_halama2013]" in text and "[med_hohmann2015]" in text and "[med_gertz2008]" in text
