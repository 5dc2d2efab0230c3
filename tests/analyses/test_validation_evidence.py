"""Outcome, survey and side-effect observations beside the model (kratomsim validate).

The calibration's ``[[check]]`` rows are not shipped yet, so a small fixture of rows with the
shipped shape stands in (keys from :func:`kratomsim.analyses.pd_calibration.summary_rows`).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from kratomsim.analyses.validation_evidence import (
    NO_CHECKS_NOTE,
    OUTCOMES_NOTE,
    SIDE_EFFECTS,
    observed_estimate,
    outcome_comparisons,
    side_effect_comparisons,
    wilson,
)
from kratomsim.evidence import load_parameters
from kratomsim.evidence.studies import load_studies

Z = 1.959964

CHECKS = [
    {
        "observation": "rogers2024_us_remote:sows_mean",
        "reading": "mean peak withdrawal score in the 4 days after stopping",
        "observed": 13.5,
        "fitted": 12.9,
        "fitted_low": 10.1,
        "fitted_high": 16.2,
        "left_out": 9.8,
        "left_out_low": 6.0,
        "left_out_high": 15.1,
        "left_out_pareto_k": 0.4,
        "left_out_covers": True,
    },
    {
        "observation": "vicknasingam2020_cold_pressor:no_signs_10_20h",
        "reading": "share at or above the signs threshold 10-20 h after the last dose",
        "observed": 0.0,
        "fitted": 0.03,
        "fitted_low": 0.0,
        "fitted_high": 0.1,
        "left_out": 0.2,
        "left_out_low": 0.05,
        "left_out_high": 0.5,
        "left_out_pareto_k": 0.9,
        "left_out_covers": False,
    },
]


def observation(study: str, obs: str):
    s = next(s for s in load_studies() if s.id == study)
    return next(o for o in s.observations if o.id == obs)


def test_wilson_interval_of_zero_of_26_by_hand() -> None:
    # for 0 of n the Wilson interval is [0, z² / (n + z²)]
    lo, hi = wilson(0, 26)
    assert lo == 0.0 and hi == pytest.approx(Z**2 / (26 + Z**2))
    lo, hi = wilson(5, 12)
    # the Wilson interval side_effects.toml cites for 5 of 12 (rounded to 3 digits there)
    assert lo == pytest.approx(0.193, abs=1e-3) and hi == pytest.approx(0.681, abs=1e-3)


def test_observed_intervals_follow_the_reported_uncertainty() -> None:
    sows = observed_estimate(observation("rogers2024_us_remote", "sows_mean"))
    half = Z * 11.9 / math.sqrt(395)
    assert (sows.low, sows.high) == (pytest.approx(13.5 - half), pytest.approx(13.5 + half))
    assert "SD" in sows.statistic and "confidence interval of the mean" in sows.interval
    zero = observed_estimate(observation("vicknasingam2020_cold_pressor", "no_signs_10_20h"))
    assert zero.value == 0.0 and zero.text == "0 of 26" and zero.high == pytest.approx(0.1287, 1e-3)
    ratio = observed_estimate(observation("singh2019_malaysia_mini", "or_severe_dependence"))
    assert (ratio.low, ratio.high) == (1.0, 4.5) and "reported" in ratio.interval
    about = observed_estimate(observation("garciaromeu2020_us_survey", "any_adverse_effect"))
    assert about.low is None and "of" not in about.text  # no count is invented for "about"


def test_each_check_row_gives_a_fitted_and_a_left_out_comparison() -> None:
    rows, not_predicted, note = outcome_comparisons(CHECKS)
    assert note == OUTCOMES_NOTE
    assert [r.key for r in rows] == [
        "rogers2024_us_remote:sows_mean:fitted",
        "rogers2024_us_remote:sows_mean:left_out",
        "vicknasingam2020_cold_pressor:no_signs_10_20h:fitted",
        "vicknasingam2020_cold_pressor:no_signs_10_20h:left_out",
    ]
    assert [r.used_for_fitting for r in rows] == [True, False, True, False]
    sows_out = rows[1]
    assert sows_out.source == "rogers2024" and sows_out.locator.startswith("Abstract")
    assert sows_out.fold == pytest.approx(9.8 / 13.5)
    assert sows_out.covered is True
    zero_out = rows[3]
    assert zero_out.fold is None and zero_out.abs_difference == pytest.approx(0.2)
    assert zero_out.covered is False  # 0 lies below 0.05–0.5
    assert "unreliable" in zero_out.note and "unreliable" not in rows[1].note  # Pareto k 0.9
    keys = {n.key for n in not_predicted}
    assert "rogers2024_us_remote:sows_mean" not in keys
    assert "rogers2024_us_remote:sows_sd" in keys  # weighed, but no row in the fixture


def test_without_check_rows_every_outcome_observation_is_listed_with_a_reason() -> None:
    rows, not_predicted, note = outcome_comparisons([])
    assert rows == [] and note == NO_CHECKS_NOTE
    every = {f"{s.id}:{o.id}" for s in load_studies() for o in s.observations}
    mirrored = {f"{m[0]}:{m[1]}" for _, _, m, _ in SIDE_EFFECTS if m is not None}
    assert {n.key for n in not_predicted} == every - mirrored
    assert all(n.reason for n in not_predicted)
    poison = next(n for n in not_predicted if n.key == "eggleston2019_npds:seizure")
    assert poison.category == "side_effects"


def test_a_check_row_without_a_left_out_prediction_has_nothing_to_score() -> None:
    # the posterior file leaves out a value it does not have (None is not written)
    row = {k: v for k, v in CHECKS[0].items() if not k.startswith("left_out")}
    fitted, left_out = outcome_comparisons([row])[0]
    assert fitted.fold == pytest.approx(12.9 / 13.5)
    assert left_out.predicted.value is None and left_out.fold is None
    assert left_out.fold_undefined == "no number to compare" and left_out.covered is None


def test_a_check_row_for_an_unknown_observation_is_reported_not_dropped() -> None:
    rows, not_predicted, _ = outcome_comparisons([{**CHECKS[0], "observation": "nobody:nothing"}])
    assert rows == []
    assert any(n.key == "nobody:nothing" and "lacks" in n.reason for n in not_predicted)


@pytest.fixture(scope="module")
def side_effects():
    return {c.key.split(":")[1]: c for c in side_effect_comparisons(draws=300, seed=1)}


def test_side_effect_curves_pass_through_their_anchors_in_sample(side_effects) -> None:
    cited = load_parameters(("side_effects.toml",))
    for effect, entry in (
        ("dizziness_headache", "se_dizziness_anchor_p"),
        ("nausea", "se_nausea_anchor_p"),
        ("constipation", "se_constipation_anchor_p"),
    ):
        c = side_effects[effect]
        assert c.used_for_fitting and c.category == "side_effects"
        assert c.observed.value == cited[entry].value
        assert c.predicted.value == pytest.approx(cited[entry].value)
        assert c.predicted.low < c.predicted.value < c.predicted.high
        assert cited[entry].low <= c.predicted.low and c.predicted.high <= cited[entry].high
    assert side_effects["dizziness_headache"].n == 12


def test_any_adverse_effect_is_an_out_of_sample_check_computed_from_the_curves(
    side_effects,
) -> None:
    cited = {k: v.value for k, v in load_parameters(("side_effects.toml",)).items()}
    dose = cited["se_check_any_mg"]

    def logistic(stem: str, dose_key: str = "anchor_mg") -> float:
        p, a, b = (cited[f"se_{stem}_{k}"] for k in ("anchor_p", dose_key, "slope"))
        return 1 / (1 + math.exp(-(math.log(p / (1 - p)) + b * math.log(dose / a))))

    # one dose a day: constipation's daily amount is the dose itself
    p = [logistic(s) for s in ("nausea", "dizziness", "insomnia", "sedation")]
    p.append(logistic("constipation", "anchor_mg_day"))
    expected = 1 - np.prod([1 - q for q in p])
    c = side_effects["any"]
    assert not c.used_for_fitting and c.source == "garciaromeu2020"
    assert c.predicted.value == pytest.approx(expected)
    assert c.observed.value == pytest.approx(0.333)
