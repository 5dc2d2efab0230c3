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
