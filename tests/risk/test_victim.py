"""Kratom as the victim: direction and size from the FDA strength categories, simulated by the model."""

from __future__ import annotations

import pytest

from kratomsim.evidence import cited_inputs
from kratomsim.evidence.cyp_categories import category_activity, remaining_activity
from kratomsim.evidence.medication_schema import Medication, Strength
from kratomsim.risk.ddi_constants import ddi_evidence
from kratomsim.risk.victim import kratom_as_victim


def _med(mid: str, **kwargs: object) -> Medication:
    return Medication(
        id=mid,
        name=mid.title(),
        drug_class="test",
        sources=("fda2020clinical",),
        grade="A",
        **kwargs,
    )  # type: ignore[arg-type]


def _effect(kind: str, strength: Strength):
    field = "cyp3a4_inhibitor" if kind == "inhibitor" else "cyp3a4_inducer"
    (effect,) = kratom_as_victim([_med(f"{strength}-{kind}", **{field: strength})])
    return effect


def test_activity_translation_matches_the_sensitive_substrate() -> None:
    # A substrate with the index fm would show exactly the category's AUC ratio back.
    for r in (1.25, 2.0, 5.0, 0.5, 0.2):
        a = remaining_activity(r, 0.93)
        assert 1.0 / (0.93 * a + 1.0 - 0.93) == pytest.approx(r)
    assert remaining_activity(20.0, 0.93) == 0.0  # clipped: cannot go below no activity
    strong = category_activity("strong-inhibitor")
    assert strong.low <= strong.value <= strong.high < 0.25


@pytest.mark.parametrize("strength", ["weak", "moderate", "strong"])
def test_inhibitors_raise_mitragynine_and_lower_7oh_formation(strength: Strength) -> None:
    e = _effect("inhibitor", strength)
    assert e.mg_auc_ratio is not None and e.mg_auc_ratio_range is not None
    assert e.oh7_formation_ratio is not None and e.oh7_formation_ratio_range is not None
    assert 1.0 < e.mg_auc_ratio
    assert e.mg_auc_ratio_range[0] <= e.mg_auc_ratio <= e.mg_auc_ratio_range[1]
    assert e.oh7_formation_ratio < 1.0
    assert e.oh7_formation_ratio_range[0] <= e.oh7_formation_ratio <= e.oh7_formation_ratio_range[1]
    # Mitragynine's fm < 1 and gut availability > 0 bound the rise: the liver can lose at most
    # fm of its clearance, the gut wall at most all of its extraction.
    ev = ddi_evidence()
    fm_high, fg_low = ev["fm_cyp3a_mg"].high, ev["fg_mg"].low
    assert e.mg_auc_ratio_range[1] <= 1.0 / (1.0 - fm_high) / fg_low + 1e-9
    assert "up" in e.direction and e.grade == "D"
    assert any("Hill 2022" in n for n in e.notes)


@pytest.mark.parametrize("strength", ["weak", "moderate", "strong"])
def test_inducers_lower_mitragynine_and_raise_7oh_formation(strength: Strength) -> None:
    e = _effect("inducer", strength)
    assert e.mg_auc_ratio is not None and e.oh7_formation_ratio is not None
    assert e.mg_auc_ratio < 1.0 < e.oh7_formation_ratio
    assert "down" in e.direction


def test_stronger_categories_give_larger_changes() -> None:
    inhib = [_effect("inhibitor", s).mg_auc_ratio for s in ("weak", "moderate", "strong")]
    induc = [_effect("inducer", s).mg_auc_ratio for s in ("weak", "moderate", "strong")]
    assert inhib[0] < inhib[1] < inhib[2]  # type: ignore[operator]
    assert induc[0] > induc[1] > induc[2]  # type: ignore[operator]


def test_without_self_inactivation_the_ratio_is_the_well_stirred_closed_form() -> None:
    """With mitragynine's own CYP3A inactivation switched off the model is linear, and the oral
    AUC ratio is Fg(a)/Fg(1) · CLu,h(1)/CLu,h(a) (Qgut model and well-stirred liver)."""
    inputs = cited_inputs(parameters={"kinact_cyp3a_gut": 0.0, "kinact_cyp3a_hep": 0.0})
    med = _med("moderate-inhibitor", cyp3a4_inhibitor="moderate")
    (effect,) = kratom_as_victim([med], inputs=inputs)
    v = inputs.values
    a = category_activity("moderate-inhibitor").value
    clu_g = v["q_ent"] * (1 - v["fg_mg"]) / v["fg_mg"]
    fg = v["q_ent"] / (v["q_ent"] + clu_g * a)
    hepatic = 1.0 - v["fm_cyp3a_mg"] * (1.0 - a)
    assert effect.mg_auc_ratio == pytest.approx(fg / v["fg_mg"] / hepatic, rel=2e-3)


def test_self_inactivation_lowers_what_an_inhibitor_adds() -> None:
    """Mitragynine already inactivates CYP3A itself: an inhibitor then takes away less."""
    med = _med("strong-inhibitor", cyp3a4_inhibitor="strong")
    (linear,) = kratom_as_victim(
        [med], inputs=cited_inputs(parameters={"kinact_cyp3a_gut": 0.0, "kinact_cyp3a_hep": 0.0})
    )
    (full,) = kratom_as_victim([med])
    assert full.mg_auc_ratio is not None and linear.mg_auc_ratio is not None
    assert 1.0 < full.mg_auc_ratio < linear.mg_auc_ratio


def test_only_drugs_with_a_role_are_listed_and_pgp_is_flagged_unquantified() -> None:
    effects = kratom_as_victim(
        [
            _med("bystander"),
            _med("pgp-only", pgp_inhibitor=True),
            _med("both", cyp3a4_inhibitor="strong", cyp3a4_inducer="weak"),
        ]
    )
    assert [e.id for e in effects] == ["pgp-only", "both"]
    pgp, both = effects
    assert pgp.mg_auc_ratio is None and "uncertain" in pgp.direction and pgp.grade == "D"
    assert both.mg_auc_ratio is not None and both.mg_auc_ratio > 1.0
    assert any("net effect is uncertain" in n for n in both.notes)
    assert any("PXR" in n for n in both.notes)
