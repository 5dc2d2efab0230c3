"""Kratom as the victim: direction and size from the FDA strength categories."""

from __future__ import annotations

import pytest

from kratomsim.evidence.medication_schema import Medication, Strength
from kratomsim.risk.ddi_constants import ddi_evidence
from kratomsim.risk.victim import kratom_as_victim, mg_auc_ratio, remaining_activity


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
        assert mg_auc_ratio(a, 0.93) == pytest.approx(r)
    assert remaining_activity(20.0, 0.93) == 0.0  # clipped: cannot go below no activity


@pytest.mark.parametrize("strength", ["weak", "moderate", "strong"])
def test_inhibitors_raise_mitragynine_and_lower_7oh_formation(strength: Strength) -> None:
    e = _effect("inhibitor", strength)
    assert e.mg_auc_ratio is not None and e.mg_auc_ratio_range is not None
    assert e.oh7_formation_ratio is not None and e.oh7_formation_ratio_range is not None
    assert 1.0 < e.mg_auc_ratio
    assert e.mg_auc_ratio_range[0] <= e.mg_auc_ratio <= e.mg_auc_ratio_range[1]
    assert e.oh7_formation_ratio < 1.0
    assert e.oh7_formation_ratio_range[0] <= e.oh7_formation_ratio <= e.oh7_formation_ratio_range[1]
    # Mitragynine's fm < 1: never more than 1/(1 - fm_max).
    fm_high = ddi_evidence()["fm_cyp3a_mg"].high
    assert e.mg_auc_ratio_range[1] <= 1.0 / (1.0 - fm_high) + 1e-9
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


def test_central_value_follows_the_formula() -> None:
    ev = ddi_evidence()
    r, fi, fm = (
        ev[n].value for n in ("index_aucr_moderate_inhibitor", "fm_cyp3a_index", "fm_cyp3a_mg")
    )
    e = _effect("inhibitor", "moderate")
    a = (1 / r - (1 - fi)) / fi
    assert e.mg_auc_ratio == pytest.approx(1 / (fm * a + 1 - fm))
    assert e.oh7_formation_ratio == pytest.approx(a / (fm * a + 1 - fm))


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
