"""People read labels, not model names: every output of the model and its parameters in words."""

from __future__ import annotations

import pytest

from kratomsim.analyses.outcomes import simulate_outcomes
from kratomsim.interfaces.labels import (
    OUTCOME_LABELS,
    PARAMETER_LABELS,
    ROLES,
    narrowed_summary,
    parameter_display,
    parameter_words,
    unit_words,
)
from kratomsim.models.regimen_text import parse_regimen
from kratomsim.spec import default_spec


@pytest.mark.parametrize(
    ("pain", "hypothesis"), [("acute", "endocannabinoid"), ("chronic", None), (None, None)]
)
def test_every_outcome_series_of_the_model_has_a_label_of_its_own(
    pain: str | None, hypothesis: str | None
) -> None:
    res = simulate_outcomes(
        parse_regimen("2 g twice daily for 3 days"),
        pain=pain,  # type: ignore[arg-type]
        hypothesis=hypothesis,  # type: ignore[arg-type]
        n_draws=4,
    )
    missing = [s.name for s in res.series if s.name not in OUTCOME_LABELS]
    assert not missing, f"outputs shown with a label made from their name: {missing}"
    assert all(OUTCOME_LABELS[s.name].role in ROLES for s in res.series)


def test_model_parameters_read_as_the_specification_describes_them() -> None:
    spec = {p.name: p.description for p in default_spec().parameters}
    assert parameter_words("clu_h") == spec["clu_h"]
    assert parameter_words("q_h") == spec["q_h"]
    # an evidence entry per absorption class reads as its parameter, with the class
    assert parameter_words("ka_tea") == f"{spec['ka']} (tea)"
    # what the journal fit learns keeps its plain words; other names read from their parts
    assert parameter_words("tol_k_on") == PARAMETER_LABELS["tol_k_on"]
    assert parameter_words("se_nausea_slope") == "Side effect: nausea dose slope"
    assert parameter_words("leaf-powder.mg_per_g") == "Leaf powder: mitragynine content"


def test_pure_numbers_show_no_unit_and_annotated_ones_their_words() -> None:
    assert unit_words("1") == "" and unit_words(" ") == ""
    assert unit_words("1 (correlation between days)") == "correlation between days"
    assert unit_words("1/h") == "1/h" and unit_words("NRS points") == "NRS points"


def test_what_the_journal_did_not_narrow_is_named_in_words() -> None:
    names = ["baseline_nrs", "tol_k_on", "wd_gain"]
    some = narrowed_summary(names, [True, False, False])
    assert "how fast you build tolerance; how strongly withdrawal shows in you" in some
    assert "tol_k_on" not in some and "usual pain" not in some
    assert narrowed_summary(names, [True] * 3) == "Your journal narrowed every one of these."
    assert "did not narrow any" in narrowed_summary(names, [False] * 3)
    assert "coarse" in narrowed_summary(names, [True] * 3, resolved=False)


def test_a_share_is_shown_as_a_percentage_and_other_values_as_they_are() -> None:
    assert parameter_display("nrs_relief_max", "1") == (100.0, "% of your pain")
    assert parameter_display("nrs_day_rho", "1 (correlation between days)") == (
        1.0,
        "correlation between days",
    )
    assert parameter_display("tol_k_on", "1/h") == (1.0, "1/h")
