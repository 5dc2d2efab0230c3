"""The regimen modules' unit table against pint, which it stands in for."""

from __future__ import annotations

import pint
import pytest

from kratomsim.models.regimen_text import parse_regimen
from kratomsim.models.regimen_units import AMOUNT_UNITS, FACTORS, TIME_UNITS

UREG = pint.UnitRegistry()


@pytest.mark.parametrize(
    ("target", "unit"), [(t, u) for t, table in FACTORS.items() for u in table]
)
def test_each_factor_is_pints_exactly(target: str, unit: str) -> None:
    assert FACTORS[target][unit] == float(UREG.Quantity(1.0, unit).to(target).magnitude)


def test_every_accepted_spelling_has_a_factor() -> None:
    assert set(AMOUNT_UNITS.values()) == set(FACTORS["gram"])
    assert set(TIME_UNITS.values()) == set(FACTORS["hour"])


def test_months_and_years_follow_pints_julian_year() -> None:
    one_year = parse_regimen("1 g every 1 y for 2 y")
    assert one_year.expand(None).times_h.tolist() == [0.0, 8766.0]
    assert parse_regimen("1 g every 1 month for 2 months").expand(None).times_h.tolist() == [
        0.0,
        730.5,
    ]
