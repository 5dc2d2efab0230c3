"""Taper plans: parsing and the dose records they produce."""

from __future__ import annotations

import numpy as np
import pytest

from kratomsim.errors import RegimenError
from kratomsim.models.regimen_text import parse_regimen
from kratomsim.models.taper import parse_plan, taper_regimen

CURRENT = parse_regimen("4 g three times daily")


@pytest.mark.parametrize(
    ("text", "pct", "period_h"),
    [
        ("-10% per week", 10, 168),
        ("25 % per week", 25, 168),
        ("-20% every 3 days", 20, 72),
        ("stop", 100, 0),
    ],
)
def test_parse_plan(text: str, pct: float, period_h: float) -> None:
    plan = parse_plan(text)
    assert (plan.step_pct, plan.period_h) == (pct, period_h)


@pytest.mark.parametrize("text", ["slowly", "-0.5% per week", "-10% per fortnight", ""])
def test_bad_plans_name_the_value(text: str) -> None:
    with pytest.raises(RegimenError, match="Taper"):
        parse_plan(text)


def test_linear_taper_steps_down_from_the_starting_amount() -> None:
    regimen, start = taper_regimen(CURRENT, parse_plan("-25% per week"), lead_in_h=14 * 24)
    events = regimen.expand()
    assert start == 14 * 24
    lead = events.amounts_g[events.times_h < start]
    assert np.all(lead == 4.0) and lead.size == 14 * 3
    weeks = [
        events.amounts_g[
            (events.times_h >= start + k * 168) & (events.times_h < start + (k + 1) * 168)
        ]
        for k in range(4)
    ]
    assert [set(np.round(w, 6)) for w in weeks[:3]] == [{3.0}, {2.0}, {1.0}]
    assert weeks[3].size == 0  # stopped at the start of week 4
    assert events.times_h[-1] < start + 3 * 168


def test_stop_ends_use_at_once() -> None:
    regimen, start = taper_regimen(CURRENT, parse_plan("stop"), lead_in_h=7 * 24)
    events = regimen.expand()
    assert events.times_h[-1] < start and events.amounts_g.sum() == pytest.approx(4.0 * 21)


def test_taper_needs_one_repeating_regimen() -> None:
    with pytest.raises(RegimenError, match="one repeating regimen"):
        taper_regimen(parse_regimen("2 g once"), parse_plan("stop"), lead_in_h=48)


@pytest.mark.parametrize(
    ("text", "step_g", "period_h"),
    [
        ("-1 g per week", 1.0, 168),
        ("by 1 g a week", 1.0, 168),
        ("1 g less each week", 1.0, 168),
        ("reduce by 500 mg every 3 days", 0.5, 72),
        ("cut 250 mg every other day", 0.25, 48),
        ("-1,5 g per week", 1.5, 168),
    ],
)
def test_parse_plan_in_grams(text: str, step_g: float, period_h: float) -> None:
    plan = parse_plan(text)
    assert (plan.step_g, plan.period_h) == (pytest.approx(step_g), period_h)
    assert not plan.is_stop


@pytest.mark.parametrize(
    ("text", "pct"), [("ten percent per week", 10), ("-2,5% per week", 2.5), ("cut 20% weekly", 20)]
)
def test_parse_plan_wording(text: str, pct: float) -> None:
    assert parse_plan(text).step_pct == pytest.approx(pct)


def test_taper_by_one_gram_a_week_from_four_grams() -> None:
    # 4 g three times daily: weeks at 3, 2 and 1 g, then nothing (4 g / 1 g = 4 periods)
    regimen, start = taper_regimen(CURRENT, parse_plan("-1 g per week"), lead_in_h=14 * 24)
    events = regimen.expand()
    weeks = [
        set(
            np.round(
                events.amounts_g[
                    (events.times_h >= start + k * 168) & (events.times_h < start + (k + 1) * 168)
                ],
                6,
            )
        )
        for k in range(4)
    ]
    assert weeks == [{3.0}, {2.0}, {1.0}, set()]
    assert parse_plan("-1 g per week").length_h(4.0) == 4 * 168


def test_taper_period_shorter_than_the_interval_is_refused() -> None:
    daily = parse_regimen("4 g once daily")
    with pytest.raises(RegimenError, match="at least one dose"):
        taper_regimen(daily, parse_plan("-1 g every 12 h"), lead_in_h=48)


def test_taper_keeps_the_product_the_regimen_implies() -> None:
    current = parse_regimen("one 15 mg 7-OH tablet twice daily")
    regimen, _ = taper_regimen(current, parse_plan("-5 mg per week"), lead_in_h=7 * 24)
    assert regimen.product == "7oh-tablet"
    assert sorted(set(np.round(regimen.expand().amounts_g, 6))) == [0.005, 0.01, 0.015]
