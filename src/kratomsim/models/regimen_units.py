"""Units and ranges of regimen text: grams and hours, and the messages that name them.

Amounts convert to grams and times to hours by a fixed table of the handful of units regimen text
accepts, with pint's definitions (a year is 365.25 days, a month a twelfth of it; a test checks
every factor against pint, which loads too slowly to build for each regimen). Each conversion
checks its range (a dose above 0 and at most 50 g, a time at most ten years) and names the value
and the fix when it fails. Used by :mod:`kratomsim.models.regimen_steps` and
:mod:`kratomsim.models.regimen_text`.
"""

from __future__ import annotations

import math

from kratomsim.errors import RegimenError, bad_value
from kratomsim.models.dosing import MAX_DOSE_G

#: Longest accepted duration, interval or delay (h): ten years.
MAX_SPAN_H = 10 * 365.25 * 24


def _aliases(table: dict[str, str]) -> dict[str, str]:
    """Map every spelling in ``{unit: "spelling spelling ..."}`` to its unit (pint's name)."""
    return {alias: unit for unit, spellings in table.items() for alias in spellings.split()}


AMOUNT_UNITS = _aliases(
    {
        "gram": "g gr gram grams",
        "milligram": "mg milligram milligrams",
        "microgram": "mcg ug µg μg microgram micrograms",
    }
)
TIME_UNITS = _aliases(
    {
        "hour": "h hr hrs hour hours",
        "minute": "min mins minute minutes",
        "day": "d day days",
        "week": "w wk wks week weeks",
        "month": "mo mos month months",
        "year": "y yr yrs year years",
    }
)
ACCEPTED_AMOUNT = "g, mg, mcg (µg)"
ACCEPTED_TIME = "h (hr, hours), min, d (day, days), w (wk, week, weeks), month(s), y (yr, years)"
EXAMPLES = (
    "Write e.g. '2 g once', '2 g every 8 h for 14 days', '3 g twice daily for 8 weeks', "
    "'4 g at 08:00 and 20:00 daily for 3 weeks' or "
    "'2 g every 8 h for 7 days then 1 g every 8 h for 7 days; miss dose 5'."
)
EG_TIME = "Write e.g. '8 h', '30 min' or '14 days'."
EG_EVERY = "Write e.g. 'every 8 h' or 'twice daily'."
EG_CLOCK = "Write e.g. 'at 08:00 and 20:00 daily'."


def err(what: str, value: object, fix: str) -> RegimenError:
    return RegimenError(bad_value(what, value, fix))


#: Grams in one of each amount unit and hours in one of each time unit, keyed by the target unit
#: and pint's unit name (the values pint gives, exactly).
FACTORS: dict[str, dict[str, float]] = {
    "gram": {"gram": 1.0, "milligram": 1e-3, "microgram": 1e-6},
    "hour": {
        "hour": 1.0,
        "minute": 1.0 / 60.0,
        "day": 24.0,
        "week": 168.0,
        "month": 730.5,
        "year": 8766.0,
    },
}


def convert(token: str, unit: str, units: dict[str, str], target: str, what: str) -> float:
    """Convert ``token unit`` to ``target`` (gram or hour); the unit must be one of ``units``."""
    value = float(token)
    if unit.lower() not in units:
        accepted = ACCEPTED_AMOUNT if target == "gram" else ACCEPTED_TIME
        raise err(f"Unknown unit for {what.lower()}", unit, f"Accepted units: {accepted}.")
    if math.isfinite(value):
        value *= FACTORS[target][units[unit.lower()]]
    if not math.isfinite(value):
        raise err(f"{what} must be a finite, ordinary number", f"{token} {unit}", EXAMPLES)
    return value


def hours(token: str, unit: str, what: str, *, signed: bool = False, zero: bool = False) -> float:
    """``token unit`` in hours, at most 10 years; positive unless ``zero`` or ``signed``."""
    value = convert(token, unit, TIME_UNITS, "hour", what)
    if abs(value) > MAX_SPAN_H:
        raise err(f"{what} must be at most 10 years", f"{token} {unit}", EG_TIME)
    if not signed and (value < 0 or (value == 0 and not zero)):
        raise err(f"{what} must be {'≥ 0' if zero else 'positive'}", f"{token} {unit}", EG_TIME)
    return value


def grams(token: str, unit: str, *, limit: float = MAX_DOSE_G, what: str = "Dose amount") -> float:
    """``token unit`` in grams, above 0 and at most ``limit``."""
    value = convert(token, unit, AMOUNT_UNITS, "gram", what)
    if not 0 < value <= limit:
        raise err(
            f"{what} must be above 0 and at most {limit:g} g per dose",
            f"{token} {unit}",
            "Give the amount per single dose, e.g. '2 g' or '500 mg'; check mg vs g.",
        )
    return value


def fmt_g(g: float) -> str:
    """Grams as people write them: ``2 g``, ``500 mg``, ``250 µg``."""
    if g >= 1:
        return f"{round(g, 4):g} g"
    if g >= 1e-3:
        return f"{round(g * 1e3, 4):g} mg"
    return f"{round(g * 1e6, 4):g} µg"
