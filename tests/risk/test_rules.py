"""Every rule fires on its trigger and not otherwise; escalations follow risk_rules.toml."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kratomsim.evidence import load_references, resolve_product
from kratomsim.evidence.medication_names import parse_medication_list
from kratomsim.evidence.medication_schema import Medication
from kratomsim.evidence.medications import load_medications
from kratomsim.models.regimen_text import parse_regimen
from kratomsim.risk import check, load_rules, parse_conditions
from kratomsim.risk.check import CheckResult
from kratomsim.risk.findings import SEVERITY_ORDER, Finding


def med(id: str, drug_class: str = "other", **flags: Any) -> Medication:
    """A minimal knowledge-base entry with only the flags a rule looks at."""
    return Medication(
        id=id,
        name=id.capitalize(),
        drug_class=drug_class,
        sources=("tanna2021",),
        grade="E",
        **flags,
    )


def run(spec: dict[str, Any]) -> CheckResult:
    conditions = parse_conditions(spec["conditions"]) if "conditions" in spec else ()
    regimen, product = spec.get("regimen"), spec.get("product")
    return check(
        spec.get("meds", ()),
        conditions,
        parse_regimen(regimen) if regimen is not None else None,
        product=resolve_product(product) if product is not None else None,
        oh7_mg_per_g=spec.get("oh7"),
    )


def findings(result: CheckResult, rule_id: str) -> list[Finding]:
    return [f for f in result.findings if f.rule_id == rule_id]


OPIOID = {"opioid_agonist": True, "cns_depressant": True, "respiratory_depressant": True}

#: rule -> (minimal input that fires it, matched input that must not)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "R1": (
        {"meds": [med("oxy", "opioid-full-agonist", **OPIOID)]},
        {"meds": [med("oxy", "analgesic")]},
    ),
    "R2": (
        {"meds": [med("tramadol", "opioid-full-agonist", **OPIOID)]},
        {"meds": [med("oxycodone", "opioid-full-agonist", **OPIOID)]},
    ),
    "R3": (
        {"meds": [med("benzo", "benzodiazepine", cns_depressant=True)]},
        {"meds": [med("benzo", "anxiolytic")]},
    ),
    "R4": (
        {"meds": [med("ethanol", "alcohol", cns_depressant=True)]},
        {"meds": [med("juice", "food")]},
    ),
    "R5": (
        {"meds": [med("gaba", "gabapentinoid", cns_depressant=True)]},
        {"meds": [med("gaba", "antiepileptic")]},
    ),
    "R6": (
        {"meds": [med("antipsy", "antipsychotic", cns_depressant=True)]},
        {"meds": [med("antipsy", "antipsychotic")]},
    ),
    "R7": (
        {"meds": [med("statin", "statin", cyp3a4_substrate=True)]},
        {"meds": [med("statin", "statin", cyp3a4_substrate=True, route="transdermal")]},
    ),
    "R8": ({"meds": [med("beta", "beta-blocker", cyp2d6_substrate=True)]}, {"meds": [med("beta")]}),
    "R9": (
        {"meds": [med("nsaid", "nsaid", tags=("cyp2c9-substrate",))]},
        {"meds": [med("nsaid", "nsaid", tags=("cyp2c9-inhibitor",))]},
    ),
    "R10": ({"meds": [med("glyco", pgp_substrate=True)]}, {"meds": [med("glyco")]}),
    "R11": (
        {"meds": [med("statin", cyp3a4_substrate=True)], "regimen": "2 g every 8 h for 14 days"},
        {"meds": [med("statin", cyp3a4_substrate=True)], "regimen": "2 g once"},
    ),
    "R12": (
        {"meds": [med("azole", cyp3a4_inhibitor="strong")]},
        {"meds": [med("azole", cyp3a4_inhibitor="weak")]},
    ),
    "R13": ({"meds": [med("qtdrug", qt_risk="known")]}, {"meds": [med("qtdrug")]}),
    "R14": ({"meds": [med("ssri", "ssri", serotonergic=True)]}, {"meds": [med("ssri", "ssri")]}),
    "R15": ({"meds": [med("amph", "stimulant", stimulant=True)]}, {"meds": [med("amph", "other")]}),
    "R16": ({"conditions": "epilepsy"}, {"conditions": "asthma"}),
    "R17": ({"conditions": "cirrhosis"}, {"conditions": "kidney disease"}),
    "R18": ({"conditions": "pregnant"}, {"conditions": "postmenopausal"}),
    "R19": ({"conditions": "opioid use disorder"}, {"conditions": "asthma"}),
    "R20": ({"regimen": "2 g three times daily"}, {"regimen": "2 g twice daily"}),
    "R21": ({"regimen": "6 g once"}, {"regimen": "4 g once"}),
    "R22": ({"product": "7oh-concentrate"}, {"product": "extract"}),
    "R23": ({"conditions": "COPD"}, {"conditions": "kidney disease"}),
    "R24": ({"conditions": "CKD"}, {"conditions": "asthma"}),
    "R26": ({"conditions": "kratom withdrawal"}, {"conditions": "epilepsy"}),
}


def test_rule_file_has_r1_to_r26_with_resolvable_sources() -> None:
    rules = load_rules()
    assert list(rules) == [f"R{i}" for i in range(1, 27)]
    refs = load_references()
    for rule in rules.values():
        assert rule.sources and all(k in refs for k in rule.sources), rule.id
        assert rule.grades and set(rule.grades) <= set("ABCDES"), rule.id
        assert rule.discuss and rule.mechanism and rule.trigger, rule.id
    assert rules["R25"].fires is False and rules["R25"].severity == "none"
    assert all(r.fires for k, r in rules.items() if k != "R25")
    assert "1-7 weeks" in rules["R17"].watch and "jaundice" in rules["R17"].watch


def test_every_firing_rule_has_a_case() -> None:
    assert set(CASES) == {f"R{i}" for i in range(1, 27)} - {"R25"}


@pytest.mark.parametrize("rule_id", list(CASES))
def test_rule_fires_on_its_trigger_and_not_otherwise(rule_id: str) -> None:
    positive, negative = CASES[rule_id]
    assert rule_id in run(positive).rule_ids()
    assert rule_id not in run(negative).rule_ids()


def test_r25_thyroid_never_fires_but_is_named_in_the_caveats() -> None:
    result = check([], parse_conditions("hypothyroidism"))
    assert result.findings == ()
    assert "R25 no rule (insufficient data)" in result.caveats[0]


def test_tramadol_is_r2_not_r1_and_not_r14() -> None:
    ids = run(CASES["R2"][0]).rule_ids()
    assert "R1" not in ids and "R14" not in ids


def test_concentrated_7oh_makes_every_cns_combination_avoid() -> None:
    meds = [
        med("oxy", "opioid-full-agonist", **OPIOID),
        med("benzo", "benzodiazepine", cns_depressant=True),
        med("ethanol", "alcohol", cns_depressant=True),
        med("gaba", "gabapentinoid", cns_depressant=True),
        med("antipsy", "antipsychotic", cns_depressant=True),
    ]
    leaf = check(meds, [], product=resolve_product("leaf-powder"))
    assert {f.rule_id: f.severity for f in leaf.findings} == {
        "R1": "major",
        "R3": "major",
        "R4": "major",
        "R5": "major",
        "R6": "major",
    }
    conc = check(meds, parse_conditions("COPD"), product=resolve_product("7oh-concentrate"))
    sev = {f.rule_id: f.severity for f in conc.findings}
    assert all(sev[r] == "avoid" for r in ("R1", "R3", "R4", "R5", "R6", "R22"))
    assert sev["R23"] == "major"
    r1 = findings(conc, "R1")[0]
    assert "R22" in r1.escalated and r1.category == "dangerous"


def test_high_stated_7oh_content_counts_as_concentrate() -> None:
    assert "R22" in check([], [], product=resolve_product("extract"), oh7_mg_per_g=30.0).rule_ids()
    assert (
        "R22" not in check([], [], product=resolve_product("extract"), oh7_mg_per_g=0.2).rule_ids()
    )


def test_severity_refinements() -> None:
    maoi = check([med("mao", "maoi", serotonergic=True, maoi=True)], [])
    assert findings(maoi, "R14")[0].severity == "major"
    assert findings(run(CASES["R14"][0]), "R14")[0].severity == "moderate"
    cocaine = check([med("cocaine", "stimulant", stimulant=True)], [])
    assert findings(cocaine, "R15")[0].severity == "major"
    assert findings(cocaine, "R15")[0].category == "dangerous"
    nti = check([med("tac", cyp3a4_substrate=True, narrow_therapeutic_index=True)], [])
    assert findings(nti, "R7")[0].severity == "major"
    drug_only = check([med("bup", lowers_seizure_threshold=True)], [])
    assert findings(drug_only, "R16")[0].severity == "moderate"
    assert findings(run(CASES["R16"][0]), "R16")[0].severity == "major"
    hepatotoxin = check([med("apap", hepatotoxicity="high")], [])
    assert findings(hepatotoxin, "R17")[0].severity == "moderate"
    assert findings(run(CASES["R17"][0]), "R17")[0].severity == "major"
    copd_benzo = check(
        [med("benzo", "benzodiazepine", cns_depressant=True)], parse_conditions("COPD")
    )
    assert findings(copd_benzo, "R23")[0].severity == "major"
    assert findings(run(CASES["R23"][0]), "R23")[0].severity == "moderate"


def test_frequent_use_escalates_substance_use_history() -> None:
    sud = parse_conditions("opioid use disorder")
    assert findings(check([], sud, parse_regimen("2 g twice daily")), "R19")[0].severity == "major"
    frequent = check([], sud, parse_regimen("2 g three times daily"))
    assert findings(frequent, "R19")[0].severity == "avoid"
    assert "R20" in findings(frequent, "R19")[0].escalated


def test_daily_mitragynine_amount_alone_fires_r20() -> None:
    # 2 doses a day of 10 g leaf (13.3 mg/g) = 266 mg mitragynine a day >= 237 mg (Singh 2014).
    result = check(
        [], [], parse_regimen("10 g twice daily"), product=resolve_product("leaf-powder")
    )
    r20 = findings(result, "R20")[0]
    amount = {q.name: q.value for q in r20.quantities}["mitragynine per day"]
    assert amount == pytest.approx(2 * 10 * 13.3)


def test_pk_predictions_are_quoted_in_the_pk_findings() -> None:
    midaz = med("midaz", "benzodiazepine", cns_depressant=True, cyp3a4_substrate=True)
    result = check([midaz], [], pk_predictions={"midaz": (3.2, 2.1)})
    r7 = findings(result, "R7")[0]
    assert {q.name: q.value for q in r7.quantities} == {
        "predicted AUC ratio": 3.2,
        "predicted Cmax ratio": 2.1,
    }
    assert "3.20-fold" in r7.what
    assert findings(check([midaz], []), "R7")[0].quantities == ()


@pytest.mark.parametrize(
    ("ratios", "severity"),
    [
        ((1.01, 1.01), "minor"),  # tramadol-sized change: not an interaction
        ((1.2, 1.3), "major"),  # Cmax crosses 1.25-fold: the sedative escalation stands
        ((1.6, 1.4), "major"),
        (None, "major"),  # no number: the rule's own severity
    ],
)
def test_pk_severity_agrees_with_the_predicted_change(
    ratios: tuple[float, float] | None, severity: str
) -> None:
    sedative = med(
        "sedx", "benzodiazepine", cns_depressant=True, cyp3a4_substrate=True, cyp2d6_substrate=True
    )
    pk = {"sedx": ratios} if ratios is not None else {}
    result = check([sedative], [], pk_predictions=pk)
    r7, r8 = findings(result, "R7")[0], findings(result, "R8")[0]
    assert r7.severity == severity
    if severity == "minor":
        assert r8.severity == "minor" and r7.category == "low risk & no synergy"
        assert "1.25-fold" in r7.escalated and "1.01-fold" in r7.escalated
    else:
        assert r8.severity == "moderate"


# --- With the real medication knowledge base -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "rule_id", "severity"),
    [
        ("tramadol", "R2", "avoid"),
        ("oxycodone", "R1", "major"),
        ("Xanax", "R3", "major"),
        ("gabapentin", "R5", "major"),
        ("diphenhydramine", "R6", "major"),
        ("diphenhydramine", "R16", "moderate"),
        ("phenelzine", "R14", "major"),
        ("cocaine", "R15", "major"),
        ("modafinil", "R15", "moderate"),
        ("digoxin", "R10", "moderate"),
        ("dextromethorphan", "R8", "moderate"),
        ("ketoconazole", "R12", "moderate"),
        ("rifampin", "R12", "moderate"),
        ("citalopram", "R13", "major"),
        ("buprenorphine", "R19", "major"),
        ("acetaminophen", "R17", "moderate"),
    ],
)
def test_real_medicines_fire_their_rules(name: str, rule_id: str, severity: str) -> None:
    result = check(parse_medication_list(name), [])
    assert [f.severity for f in findings(result, rule_id)] == [severity]


def test_diphenhydramine_category_follows_tripsit() -> None:
    r6 = findings(check(parse_medication_list("Benadryl"), []), "R6")[0]
    assert r6.category == "unsafe"


# --- Findings, not advice ------------------------------------------------------------------------

DOSE_ADVICE = re.compile(
    r"\b(take|use|try|start (with|at)|limit (yourself )?to|reduce (it |the dose )?to|"
    r"increase (it )?to|cut (back |down )?to|no more than|stay (below|under)|keep (it )?(below|under))"
    r"\s+(about\s+)?\d"
    r"|\b\d+(\.\d+)?\s*(mg|g|grams?)\b[^.]*\b(is|are)\s+(safe|fine|ok)"
    r"|\bsafe (dose|amount)\b|\brecommended (dose|amount)\b",
    re.IGNORECASE,
)


def test_dose_advice_pattern_catches_instructions() -> None:
    for bad in ("Take 2 g", "reduce to 3 g a day", "4 g per day is safe", "no more than 5 g"):
        assert DOSE_ADVICE.search(bad), bad
    for fine in ("a single dose of 5 g or more", "about 237 mg mitragynine a day or more"):
        assert not DOSE_ADVICE.search(fine), fine


def test_no_finding_text_tells_anyone_how_much_to_take() -> None:
    everything = load_medications()
    conditions = parse_conditions(
        "cirrhosis, long QT, epilepsy, pregnancy, COPD, sleep apnoea, opioid use disorder, "
        "on methadone, CKD, hypothyroidism, heavy drinking, kratom withdrawal"
    )
    result = check(
        everything,
        conditions,
        parse_regimen("6 g three times daily"),
        product=resolve_product("7oh-concentrate"),
    )
    assert len(result.rule_ids()) >= 20
    texts = [t for f in result.findings for t in f.texts()]
    texts += [r.discuss for r in load_rules().values()] + list(result.caveats)
    offenders = [t for t in texts if DOSE_ADVICE.search(t)]
    assert not offenders
    for f in result.findings:
        assert f.what and f.why and f.grades and f.sources and f.discuss
        assert f.severity in SEVERITY_ORDER


def test_a_medicine_named_after_its_class_is_not_labelled_twice() -> None:
    from kratomsim.risk.rules import label

    alcohol = next(m for m in load_medications() if m.drug_class.lower() in m.name.lower())
    assert label(alcohol) == alcohol.name
    other = next(m for m in load_medications() if m.drug_class.lower() not in m.name.lower())
    assert label(other) == f"{other.name} ({other.drug_class})"
