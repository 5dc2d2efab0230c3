"""Interactions for a person's open-ended use, and their numbers quoted in check findings."""

from __future__ import annotations

import json

import pytest

from kratomsim.evidence import resolve_medication, resolve_product
from kratomsim.interfaces.cli import run
from kratomsim.models.regimen_text import parse_regimen
from kratomsim.risk.check import check
from kratomsim.risk.ddi import (
    OPEN_ENDED_HORIZON_H,
    interactions_for_use,
    predict_interactions,
    ratio_map,
)


def test_open_ended_regimen_is_bounded_to_the_horizon() -> None:
    reg = parse_regimen("2 g every 8 h")
    bounded = reg.bounded(OPEN_ENDED_HORIZON_H)
    times = bounded.expand().times_h
    assert not bounded.open_ended
    assert times[-1] == pytest.approx(OPEN_ENDED_HORIZON_H)
    assert len(times) == int(OPEN_ENDED_HORIZON_H / 8) + 1
    assert parse_regimen("2 g once").bounded(10.0).expand().times_h.tolist() == [0.0]


def test_open_ended_use_equals_the_explicit_14_day_regimen() -> None:
    mid = [resolve_medication("midazolam")]
    a = interactions_for_use(
        parse_regimen("2 g every 8 h"), product=resolve_product("tea"), victims=mid, n_draws=20
    )
    b = predict_interactions(
        parse_regimen("2 g every 8 h").bounded(14 * 24.0),
        product=resolve_product("tea"),
        victims=mid,
        n_draws=20,
    )
    assert a[0].auc_ratio == pytest.approx(b[0].auc_ratio, rel=1e-12)
    assert a[0].auc_ratio > 1.2


def test_check_quotes_the_predicted_ratio() -> None:
    mid = (resolve_medication("midazolam"),)
    preds = interactions_for_use(
        parse_regimen("2 g every 8 h"), product=resolve_product("tea"), victims=mid, n_draws=20
    )
    ratios = ratio_map(preds)
    result = check(
        mid,
        (),
        parse_regimen("2 g every 8 h"),
        product=resolve_product("tea"),
        pk_predictions=ratios,
    )
    r7 = [f for f in result.findings if f.rule_id == "R7"]
    assert r7
    text = " ".join(f"{q.name} {q.value}" for f in r7 for q in f.quantities) + r7[0].why
    assert f"{ratios['midazolam'][0]:.3g}"[:3] in text


def test_check_json_lists_interactions(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(
        [
            "check",
            "--meds",
            "midazolam, sertraline",
            "--regimen",
            "2 g every 8 h",
            "--product",
            "tea",
            "--format",
            "json",
        ]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    by_id = {i["id"]: i for i in data["interactions"]}
    assert by_id["midazolam"]["auc_ratio"] > 1.0
    assert by_id["sertraline"]["auc_ratio"] is None  # no cited fm: flagged, not quantified


def test_regimen_can_be_given_as_an_option(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--product", "tea", "--mg-per-g", "19.5", "--drug", "midazolam", "--draws", "8"]
    assert run(["interactions", "--regimen", "2 g once", *args, "--format", "json"]) == 0
    by_option = json.loads(capsys.readouterr().out)["interactions"][0]["auc_ratio"]
    assert run(["interactions", "2 g once", *args, "--format", "json"]) == 0
    positional = json.loads(capsys.readouterr().out)["interactions"][0]["auc_ratio"]
    assert by_option == positional > 1.0
    assert run(["interactions", "2 g once", "--regimen", "3 g once", *args]) == 2
    assert "Two different regimens" in capsys.readouterr().err
