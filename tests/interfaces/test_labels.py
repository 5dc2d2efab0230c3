"""People read labels, not model names: every output of the model and its parameters in words."""

from __future__ import annotations

import pytest

from kratomsim.analyses.outcomes import simulate_outcomes
from kratomsim.interfaces.labels import OUTCOME_LABELS, PARAMETER_LABELS, ROLES, parameter_words
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
