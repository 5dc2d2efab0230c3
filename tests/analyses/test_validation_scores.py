"""Scores of the qualification report, hand-checked on tiny fixtures (no simulation)."""

from __future__ import annotations

import json
import math

import pytest

from kratomsim.analyses.validation_scores import (
    CATEGORIES,
    SCHEMA,
    Comparison,
    Estimate,
    NotPredicted,
    Qualification,
    absolute_fold,
    fold_error,
    gmfe,
    summarise,
)


def comparison(
    key: str,
    observed: float | None,
    predicted: float | None,
    *,
    fitted: bool = False,
    category: str = "pharmacokinetics",
    **kw: object,
) -> Comparison:
    return Comparison(
        key=key,
        category=category,
        what=key,
        unit=str(kw.pop("unit", "h")),
        source="tanna2022",
        locator="Table 3",
        used_for_fitting=fitted,
        observed=Estimate(observed),
        predicted=Estimate(predicted),
        **kw,  # type: ignore[arg-type]
    )


def test_gmfe_is_the_geometric_mean_of_the_absolute_fold_errors() -> None:
    # |log10 2| = |log10 0.5| = 0.30103, log10 1 = 0: mean 0.2007, 10^0.2007 = 2^(2/3) = 1.5874
    assert gmfe([2.0, 0.5, 1.0]) == pytest.approx(2 ** (2 / 3))
    assert gmfe([1.1, 1 / 1.5, 3.0]) == pytest.approx((1.1 * 1.5 * 3.0) ** (1 / 3))
    assert gmfe([]) is None


def test_fold_error_is_predicted_over_observed_and_absolute_fold_is_symmetric() -> None:
    assert fold_error(3.0, 2.0) == pytest.approx(1.5)
    assert absolute_fold(0.5) == absolute_fold(2.0) == 2.0
    assert fold_error(1.0, 0.0) is None and fold_error(0.0, 1.0) is None
    assert fold_error(None, 1.0) is None
    with pytest.raises(ValueError, match="> 0"):
        absolute_fold(0.0)


def test_a_zero_share_has_no_fold_error_and_is_scored_by_its_absolute_difference() -> None:
    c = comparison(
        "vicknasingam:no_signs", 0.0, 0.04, scoring="share", unit="proportion", category="outcomes"
    )
    assert c.fold is None and c.abs_fold is None
    assert c.abs_difference == pytest.approx(0.04)
    assert "undefined" in c.fold_undefined and "0" in c.fold_undefined
    row = c.to_dict()
    assert row["fold_error"] is None and row["within_2"] is None
    assert row["abs_difference"] == pytest.approx(0.04)
    assert "undefined" in row["fold_error_undefined"]
    # a predicted zero is as undefined as an observed one
    assert comparison("x", 0.2, 0.0, scoring="share", unit="proportion").fold is None


def test_summary_of_a_tiny_fixture_by_hand() -> None:
    rows = [
        comparison("a", 10.0, 11.0),  # 1.1×: within 1.25×
        comparison("b", 3.0, 2.0),  # 1/1.5: within 2×, not 1.25×
        comparison("c", 1.0, 3.0),  # 3×: outside both
        comparison("d", 0.0, 0.04, scoring="share", unit="proportion"),  # no fold: |diff| 0.04
        comparison(
            "e",
            None,
            1.2,
            scoring="qualitative",
            agrees=False,
            unit="exponent",
        ),
        comparison("f", 5.0, 50.0, fitted=True),  # in sample: not in the out-of-sample row
    ]
    s = summarise(rows, "pharmacokinetics", "out")
    assert (s.n, s.n_fold, s.n_absolute, s.n_qualitative, s.n_agree) == (5, 3, 1, 1, 0)
    assert s.gmfe == pytest.approx((1.1 * 1.5 * 3.0) ** (1 / 3))
    assert s.within_1_25 == pytest.approx(1 / 3)
    assert s.within_2 == pytest.approx(2 / 3)
    assert s.mean_abs_difference == pytest.approx(0.04)
    inside = summarise(rows, "pharmacokinetics", "in")
    assert (inside.n, inside.gmfe, inside.within_2) == (1, pytest.approx(10.0), 0.0)
    assert summarise(rows, "side_effects", "out").gmfe is None


def test_interval_checks_both_ways() -> None:
    base = Comparison(
        key="k", category="pharmacokinetics", what="w", unit="h", source="s", locator="l",
        used_for_fitting=False, observed=Estimate(1.0, 0.8, 1.3),
        predicted=Estimate(1.1, 0.9, 1.2),
    )  # fmt: skip
    assert base.covered is True  # 1.0 lies inside 0.9–1.2
    assert Comparison(**{**base.__dict__, "predicted": Estimate(1.1, 1.05, 1.2)}).covered is False
    ranges = Comparison(**{**base.__dict__, "coverage": "predicted_in_observed"})
    assert ranges.covered is True  # 0.9–1.2 lies inside 0.8–1.3
    wide = Comparison(**{**ranges.__dict__, "predicted": Estimate(1.1, 0.7, 1.2)})
    assert wide.covered is False
    assert "inside the observed range" in ranges.interval_check
    assert Comparison(**{**base.__dict__, "predicted": Estimate(1.1)}).covered is None


def test_a_comparison_refuses_an_unknown_category_and_a_statement_without_a_verdict() -> None:
    with pytest.raises(ValueError, match="unknown category"):
        comparison("x", 1.0, 1.0, category="pk")
    with pytest.raises(ValueError, match="agrees"):
        comparison("x", None, 1.0, scoring="qualitative")


def test_json_document_keys_are_fixed() -> None:
    q = Qualification(
        (
            comparison("a", 10.0, 11.0),
            comparison("b", 0.0, 0.1, scoring="share", unit="proportion"),
        ),
        (NotPredicted("outcomes", "s:o", "what", "src", "why"),),
        {"interactions": "none"},
        {"fast": True, "seed": 0},
    )
    doc = json.loads(json.dumps(q.to_dict(), allow_nan=False))
    assert doc["schema"] == SCHEMA
    assert set(doc) == {
        "schema", "settings", "categories", "summary", "overall_out_of_sample", "comparisons",
        "not_predicted",
    }  # fmt: skip
    assert [c["category"] for c in doc["categories"]] == list(CATEGORIES)
    assert len(doc["summary"]) == 2 * len(CATEGORIES)
    assert doc["overall_out_of_sample"]["category"] == "all"
    assert doc["overall_out_of_sample"]["n"] == 2
    assert math.isclose(doc["comparisons"][0]["fold_error"], 1.1)
    assert doc["not_predicted"][0]["reason"] == "why"
