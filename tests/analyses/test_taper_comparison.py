"""Taper comparison: gradual plans spread withdrawal out; stopping concentrates it."""

from __future__ import annotations

import pytest

from kratomsim.analyses.taper import compare_tapers
from kratomsim.evidence import resolve_product
from kratomsim.models.regimen_text import parse_regimen
from kratomsim.models.taper import parse_plan


@pytest.fixture(scope="module")
def results():
    return {
        r.plan.text: r
        for r in compare_tapers(
            parse_regimen("4 g three times daily"),
            [parse_plan("-10% per week"), parse_plan("-25% per week"), parse_plan("stop")],
            product=resolve_product("tea"),
            n_draws=20,
            seed=2,
        )
    }


def test_stopping_gives_the_highest_peak_and_burden(results) -> None:
    stop, slow, fast = results["stop"], results["-10% per week"], results["-25% per week"]
    assert stop.peak_score > fast.peak_score > slow.peak_score
    assert stop.burden_score_h > fast.burden_score_h
    assert stop.peak_score_high >= stop.peak_score


def test_gradual_plans_take_longer_and_lose_relief_more_slowly(results) -> None:
    slow, fast, stop = results["-10% per week"], results["-25% per week"], results["stop"]
    assert slow.taper_days > fast.taper_days > stop.taper_days == 0
    assert stop.lost_relief > fast.lost_relief > slow.lost_relief > 0
