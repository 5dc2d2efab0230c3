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


def test_each_plans_withdrawal_episode_counts_from_the_plan_start(results) -> None:
    """Withdrawal during a taper counts: the episode starts at the plan, not at its last dose."""
    for r in results.values():
        w = r.outcomes.withdrawal
        last = w["after_last_dose_h"]
        assert w["from_h"] == min(r.start_h, last)
        # the episode's central peak is the plan's peak score, found from the series separately
        assert w["peak_score"] == pytest.approx(r.peak_score, rel=1e-9)
        assert w["peak_score_low"] <= w["peak_score"] <= w["peak_score_high"]
    slow = results["-10% per week"]
    # a slow taper ends long after it starts: its episode is counted from the start, so signs
    # during the weeks of tapering would count too
    w = slow.outcomes.withdrawal
    assert w["from_h"] < w["after_last_dose_h"] - 7 * 24
    assert w["onset_h"] is None or w["onset_h"] >= w["from_h"]
