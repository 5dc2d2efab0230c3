"""check(): ordering, the hERG margin against a hand calculation, inputs echoed, bibliography."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from kratomsim import simulate
from kratomsim.errors import MedicationError
from kratomsim.evidence import load_parameters, load_references, resolve_product
from kratomsim.evidence.medication_names import parse_medication_list
from kratomsim.interfaces.api import read_use
from kratomsim.models.regimen_text import parse_regimen
from kratomsim.risk import check, parse_conditions, sort_findings
from kratomsim.risk.exposure import herg_margin
from kratomsim.risk.findings import SEVERITY_ORDER, Finding, severity_rank

EXAMPLE = "3 g three times daily"


def example():
    return check(
        parse_medication_list("alprazolam, sertraline, atorvastatin"),
        parse_conditions("fatty liver"),
        parse_regimen(EXAMPLE),
        product=resolve_product("leaf-powder"),
    )


def _finding(rule_id: str, severity: str) -> Finding:
    return Finding(
        rule_id=rule_id,
        title="t",
        severity=severity,  # type: ignore[arg-type]
        category="caution",
        what="w",
        why="y",
        grades=("B",),
        sources=("tanna2021",),
        discuss="d",
    )


def test_sort_by_severity_then_rule_number() -> None:
    shuffled = [
        _finding("R21", "minor"),
        _finding("R10", "moderate"),
        _finding("R2", "avoid"),
        _finding("R26", "info"),
        _finding("R7", "moderate"),
        _finding("R13", "major"),
        _finding("R1", "major"),
    ]
    ordered = sort_findings(shuffled)
    assert [f.rule_id for f in ordered] == ["R2", "R1", "R13", "R7", "R10", "R21", "R26"]
    assert SEVERITY_ORDER == ("avoid", "major", "moderate", "minor", "info")


def test_example_findings() -> None:
    result = example()
    ranks = [severity_rank(f.severity) for f in result.findings]
    assert ranks == sorted(ranks)
    by_rule = {f.rule_id: f for f in result.findings}
    assert {"R3", "R7", "R11", "R13", "R14", "R17", "R20"} <= set(by_rule)
    assert by_rule["R3"].severity == "major" and by_rule["R3"].category == "dangerous"
    assert by_rule["R17"].severity == "major" and "fatty liver" in by_rule["R17"].what
    latency = by_rule["R17"].quantities[0]
    assert (latency.value, latency.low, latency.high) == (14.0, 2.0, 49.0)  # safety.md 4a
    assert by_rule["R13"].quantities[0].value == 1  # sertraline: one QT co-medication
    assert "Sertraline" in by_rule["R13"].what
    assert "avoid" not in {f.severity for f in result.findings}
    assert [m.id for m in result.medications] == ["alprazolam", "sertraline", "atorvastatin"]


def test_herg_margin_matches_a_hand_calculation() -> None:
    result = example()
    assert result.regimen is not None
    cmax_nm = simulate(EXAMPLE, product="leaf-powder").summary()["mitragynine"].cmax_nm
    fu = load_parameters(("receptors.toml",))["fu_mg"]
    assert (fu.value, fu.low, fu.high) == (0.10, 0.03, 0.15)
    herg = result.regimen.herg
    # IC50 0.731 uM (0.3327-1.62 uM, Tay 2016/2019) over unbound Cmax, in nM.
    assert herg.value == pytest.approx(731.0 / (cmax_nm * 0.10), rel=1e-9)
    assert herg.low == pytest.approx(332.7 / (cmax_nm * 0.15), rel=1e-9)
    assert herg.high == pytest.approx(1620.0 / (cmax_nm * 0.03), rel=1e-9)
    assert result.regimen.cmax_mg_nm == pytest.approx(cmax_nm, rel=1e-12)
    r13 = next(f for f in result.findings if f.rule_id == "R13")
    assert herg in r13.quantities


def test_herg_margin_for_the_clinical_tea_dose_sits_in_the_published_range() -> None:
    # Tanna 2023 DMD Table 3: one 2 g tea, mitragynine Cmax 81.9 nM (range 50.1-177 nM).
    # With fu 0.10 and IC50 0.731 uM the margin must lie within 731 / (0.1 x [50.1, 177]).
    result = check([], [], parse_regimen("2 g once"), product=resolve_product("tea"))
    assert result.regimen is not None
    assert 731 / 17.7 <= result.regimen.herg.value <= 731 / 5.01


def test_herg_margin_falls_as_dose_rises() -> None:
    margins = []
    for grams in (1, 2, 4, 8):
        result = check(
            [],
            [],
            parse_regimen(f"{grams} g three times daily"),
            product=resolve_product("leaf-powder"),
        )
        assert result.regimen is not None
        margins.append(result.regimen.herg.value)
    assert margins == sorted(margins, reverse=True)
    # Doubling the dose more than halves the margin: mitragynine slows its own CYP3A clearance.
    for a, b in itertools.pairwise(margins):
        assert 2.0 < a / b < 2.6
    assert herg_margin(100.0).value == pytest.approx(73.1)


def test_to_dict_is_json_with_every_field() -> None:
    data = json.loads(json.dumps(example().to_dict(), allow_nan=False))
    fields = {"rule_id", "title", "severity", "category", "what", "why", "grades", "sources"}
    fields |= {"discuss", "watch", "quantities", "escalated", "triggers"}
    assert all(fields <= set(f) for f in data["findings"])
    assert data["conditions"][0] == {
        "id": "liver-disease",
        "name": "liver disease",
        "subclass": "fatty liver",
        "text": "fatty liver",
    }
    assert data["product"]["id"] == "leaf-powder" and data["product"]["mg_per_g"] == 13.3
    assert data["regimen"]["max_doses_per_day"] == 3
    assert data["regimen"]["herg_margin"]["low"] < data["regimen"]["herg_margin"]["value"]
    assert set(data["bibliography"]) == set(example().bibliography_keys)


def test_bibliography_keys_resolve() -> None:
    refs = load_references()
    keys = example().bibliography_keys
    assert "tay2016" in keys and "ahmad2021" in keys
    assert all(k in refs for k in keys)


def test_nothing_to_check_is_refused() -> None:
    with pytest.raises(MedicationError, match="Nothing to check"):
        check([], [])


def test_same_medicine_twice_is_checked_once() -> None:
    meds = parse_medication_list("alprazolam") + parse_medication_list("Xanax")
    result = check(meds, [])
    assert [f.rule_id for f in result.findings].count("R3") == 1


def test_no_regimen_means_no_exposure_and_no_frequency_rules() -> None:
    result = check(parse_medication_list("citalopram"), [])
    assert result.regimen is None and result.product is None
    r13 = next(f for f in result.findings if f.rule_id == "R13")
    assert [q.name for q in r13.quantities] == ["QT-prolonging co-medications"]
    assert not {"R20", "R21", "R22"} & set(result.rule_ids())


def test_a_scenario_file_brings_its_own_product(tmp_path: Path) -> None:
    scenario = tmp_path / "use.toml"
    scenario.write_text('regimen = "1 g twice daily"\nproduct = "7oh-concentrate"\n', "utf-8")
    use = read_use(scenario)  # the edge reads the file once into values
    result = check(parse_medication_list("alprazolam"), [], use.regimen, product=use.product)
    assert result.product is not None and result.product.product.id == "7oh-concentrate"
    assert {f.rule_id: f.severity for f in result.findings}["R3"] == "avoid"
    assert "R22" in result.rule_ids()


def test_the_7oh_warning_quotes_the_7oh_taken() -> None:
    # One 15 mg 7-OH tablet a day without mitragynine: the warning speaks of 7-OH, not mitragynine.
    result = check(
        [],
        [],
        parse_regimen("1 g once daily for 3 days"),
        product=resolve_product("7oh-concentrate"),
        mg_per_g=0.0,
        oh7_mg_per_g=15.0,
    )
    r22 = next(f for f in result.findings if f.rule_id == "R22")
    assert "15 mg 7-OH in the largest dose" in r22.what
    quoted = {q.name: q.value for q in r22.quantities}
    assert quoted["7-OH in the largest dose"] == 15.0
    assert quoted["7-OH in the heaviest day"] == 15.0
    assert quoted["peak plasma 7-OH"] > 0.0
    # no mitragynine in plasma: no hERG margin of mitragynine to quote (and no division by zero)
    assert result.regimen is not None and result.regimen.herg is None
