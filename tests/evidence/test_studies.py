"""The population-level outcome evidence loads, validates, and is ready for a virtual cohort."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kratomsim.errors import EvidenceError
from kratomsim.evidence import load_references
from kratomsim.evidence.provenance import locator_problems
from kratomsim.evidence.studies import (
    Observation,
    Study,
    Uncertainty,
    cohort_gaps,
    load_studies,
    parse_studies,
    usable_observations,
)


def by_statistic(study_id: str, statistic: str) -> Observation:
    study = next(s for s in load_studies() if s.id == study_id)
    return next(o for o in study.observations if o.statistic == statistic)


def test_every_study_the_issue_names_is_present() -> None:
    sources = {s.source for s in load_studies()}
    named = {
        "rogers2024",
        "singh2019",
        "singh2014",
        "vicknasingam2020",
        "smith2022fp",
        "smith2022",
        "smith2024",
        "smith2024dad",
        "mun2025",
        "garciaromeu2020",
        "grundmann2017",
        "coe2019",
    }
    assert named <= sources
    assert {"singh2019jsu", "singh2018", "hill2024", "tanna2023cpt"} <= sources


def test_numbers_are_quoted_as_the_sources_give_them() -> None:
    sows = by_statistic("rogers2024_us_remote", "sows_mean")
    assert (sows.value, sows.uncertainty.sd, sows.uncertainty.n) == (13.5, 11.9, 395)
    wd = by_statistic("singh2019_malaysia_mini", "share_withdrawal_on_abstinence")
    assert (wd.value, wd.uncertainty.n, wd.instrument.startswith("MINI")) == (0.95, 150, True)
    orw = by_statistic("singh2019_malaysia_mini", "odds_ratio_moderate_withdrawal_gt3_glasses")
    assert (orw.value, orw.uncertainty.low, orw.uncertainty.high) == (3.1, 1.5, 6.3)
    fold = by_statistic("vicknasingam2020_cold_pressor", "cold_pressor_fold_1h")
    assert fold.value == pytest.approx(24.9 / 11.2, abs=0.005)
    signs = by_statistic("vicknasingam2020_cold_pressor", "share_signs_10_20h_after_last_dose")
    assert (signs.uncertainty.count, signs.uncertainty.n) == (0, 26)
    up = by_statistic("smith2022_us_dose_effect", "share_increased_dose")
    assert (up.value, up.uncertainty.kind) == (0.25, "lower_bound")
    rogers = next(s for s in load_studies() if s.id == "rogers2024_us_remote").population
    assert (rogers.share_male, rogers.age_mean_y, rogers.duration_of_use_mean_y) == (
        0.549,
        38.1,
        5.7,
    )


def test_every_usable_observation_has_what_a_cohort_needs() -> None:
    usable = usable_observations()
    assert len(usable) >= 10
    for study, obs in usable:
        assert not cohort_gaps(study), (study.id, cohort_gaps(study))
        assert study.population.n > 0
        assert obs.value is not None, obs.id
        assert obs.definition and obs.instrument and obs.time_frame and obs.unit
        u = obs.uncertainty
        if obs.unit == "proportion":
            assert u.n is not None, f"{study.id}.{obs.id}: a share needs its n"
        if u.kind == "point":
            assert u.n is not None and u.note, f"{study.id}.{obs.id}: a bare point is no target"
        assert not locator_problems(obs.locator), obs.locator


def test_the_issue_statistics_are_calibration_targets() -> None:
    targets = {o.statistic for _, o in usable_observations()}
    for statistic in (
        "share_withdrawal_on_abstinence",
        "sows_mean",
        "sows_sd",
        "odds_ratio_moderate_withdrawal_gt3_glasses",
        "share_increased_dose",
        "share_signs_10_20h_after_last_dose",
        "cold_pressor_fold_1h",
        "side_effect_rate",
    ):
        assert statistic in targets, statistic


def test_context_says_why_it_is_not_a_target() -> None:
    context = [o for s in load_studies() for o in s.observations if not o.usable_for_calibration]
    assert context
    assert all(len(o.reason) > 10 for o in context)
    assert any(o.value is None for o in context)  # a statement without a number


def test_every_source_resolves_and_side_effect_rates_name_effect_and_stratum() -> None:
    refs = load_references()
    for study in load_studies():
        assert study.source in refs
        for obs in study.observations:
            assert study.cited(obs) in refs
            if obs.statistic == "side_effect_rate":
                assert obs.effect and obs.stratum


def test_a_missing_population_field_is_a_cohort_gap_until_an_assumption_covers_it() -> None:
    study = next(s for s in load_studies() if s.id == "smith2022_us_dose_effect")
    bare = study.model_copy(update={"cohort_assumptions": ()})
    assert {"sex mix", "product", "doses per day", "amount per dose"} <= set(cohort_gaps(bare))
    assert cohort_gaps(study) == []


OBS = {
    "id": "x",
    "statistic": "share_withdrawal_on_abstinence",
    "definition": "d",
    "instrument": "MINI",
    "time_frame": "t",
    "value": 0.95,
    "unit": "proportion",
    "uncertainty": {"kind": "binomial", "n": 150},
    "locator": "Abstract",
    "grade": "B",
    "usable_for_calibration": True,
    "reason": "a share with n",
}


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"value": None}, "needs a value"),
        ({"value": 1.5}, r"\[0, 1\]"),
        ({"uncertainty": {"kind": "binomial"}}, "needs n"),
        ({"uncertainty": {"kind": "sd", "sd": 1.0}}, "needs sd and n"),
        ({"uncertainty": {"kind": "ci95", "low": 0.1, "high": 0.5}}, "outside its CI"),
        ({"uncertainty": {"kind": "binomial", "n": 150, "count": 100}}, "does not match"),
        ({"uncertainty": {"kind": "binomial", "n": 10, "count": 11}}, "at least as large"),
        ({"uncertainty": {"kind": "derived"}}, "needs a note"),
        ({"statistic": "side_effect_rate"}, "effect and dose stratum"),
        ({"statistic": "Share"}, "pattern"),
    ],
)
def test_a_bad_observation_is_rejected(changes: dict[str, object], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        Observation.model_validate({**OBS, **changes})


def test_uncertainty_kinds_are_closed() -> None:
    with pytest.raises(ValidationError):
        Uncertainty.model_validate({"kind": "guess"})


STUDY = """
[[study]]
id = "s"
source = "{source}"
grade = "B"
cohort_assumptions = [{assumption}]
[study.population]
n = 150
design = "d"
country = "Malaysia"
period = "p"
sex_as_reported = "all male"
share_male = 1.0
age_as_reported = "not reported"
duration_of_use_as_reported = "not reported"
[study.population.regimen]
as_reported = "tea"
product = "tea"
[[study.observations]]
id = "o"
statistic = "share_tolerance"
definition = "d"
instrument = "MINI"
time_frame = "t"
value = 0.87
unit = "proportion"
uncertainty = {{ kind = "binomial", n = 150 }}
locator = "Abstract"
grade = "B"
usable_for_calibration = true
reason = "share with n"
"""


def test_parse_checks_sources_and_labels() -> None:
    refs = load_references()
    good = STUDY.format(source="singh2019", assumption='"ASSUMPTION: doses per day 3"')
    (study,) = parse_studies(good, refs)
    assert isinstance(study, Study) and study.usable()[0].value == 0.87
    with pytest.raises(EvidenceError, match="unknown 'nobody2020'"):
        parse_studies(STUDY.format(source="nobody2020", assumption=""), refs)
    with pytest.raises(EvidenceError, match="labelled"):
        parse_studies(STUDY.format(source="singh2019", assumption='"draw 3 a day"'), refs)
    with pytest.raises(EvidenceError, match="not a valid study file"):
        parse_studies("study = 3 = 4", refs)
