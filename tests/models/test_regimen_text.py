"""Plain-text regimens: every grammar form, every error class and a robustness property."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kratomsim.errors import RegimenError
from kratomsim.models.dosing import DoseRecord, Regimen
from kratomsim.models.regimen_text import (
    format_regimen,
    parse_amount_g,
    parse_regimen,
    parse_time_h,
)


def every(interval_h: float, n: int, start_h: float = 0.0) -> list[float]:
    return [start_h + interval_h * k for k in range(n)]


def times(text: str, horizon_h: float | None = None) -> list[float]:
    return parse_regimen(text).expand(horizon_h).times_h.tolist()


# --- single doses ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount_g"),
    [
        ("1.5 g once", 1.5),
        ("500 mg once", 0.5),
        ("2 g", 2.0),
        ("2g", 2.0),
        ("250 mcg once", 250e-6),
        ("250 µg once", 250e-6),
        ("2 grams once only", 2.0),
        ("  2   G   ONCE  ", 2.0),
        ("take 2 g once.", 2.0),
        ("2 g once then stop", 2.0),
    ],
)
def test_single_dose(text: str, amount_g: float) -> None:
    events = parse_regimen(text).expand()
    assert events.times_h.tolist() == [0.0]
    assert events.amounts_g.tolist() == pytest.approx([amount_g])


def test_original_text_is_kept() -> None:
    text = "  2 g Every 8 H for 14 days; miss dose 5 "
    assert parse_regimen(text).text == text


# --- repeated doses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 g every 8 h for 14 days", every(8, 42)),
        ("2 g every 8 hours for 2 weeks", every(8, 42)),
        ("2 g q8h for 14 d", every(8, 42)),
        ("2 g q 8 hr for 14 days", every(8, 42)),
        ("2 g every 8 h for 1 day", [0.0, 8.0, 16.0]),
        ("2 g every 8 h for 25 h", [0.0, 8.0, 16.0, 24.0]),
        ("2 g every 90 min for 6 h", [0.0, 1.5, 3.0, 4.5]),
        ("2 g every day for 3 days", [0.0, 24.0, 48.0]),
        ("2 g every other day for 1 week", [0.0, 48.0, 96.0, 144.0]),
        ("2 g every 8 h for 3 doses", [0.0, 8.0, 16.0]),
        ("3 g twice daily for 8 weeks", every(12, 112)),
        ("3 g twice daily for 1 day", [0.0, 12.0]),
        ("3 g twice a day for 1 day", [0.0, 12.0]),
        ("3 g three times daily for 1 day", [0.0, 8.0, 16.0]),
        ("3 g 3 times daily for 1 day", [0.0, 8.0, 16.0]),
        ("3 g four times daily for 1 day", [0.0, 6.0, 12.0, 18.0]),
        ("3 g once daily for 3 days", [0.0, 24.0, 48.0]),
        ("3 g daily for 3 days", [0.0, 24.0, 48.0]),
        ("3 g once a day for 3 days", [0.0, 24.0, 48.0]),
        ("1 g bid for 1 day", [0.0, 12.0]),
        ("1 g b.i.d. for 1 day", [0.0, 12.0]),
        ("1 g TID for 1 day", [0.0, 8.0, 16.0]),
        ("1 g qid for 1 day", [0.0, 6.0, 12.0, 18.0]),
        ("1 g qd for 2 days", [0.0, 24.0]),
        ("1 g weekly for 3 weeks", [0.0, 168.0, 336.0]),
    ],
)
def test_repeated_doses(text: str, expected: list[float]) -> None:
    regimen = parse_regimen(text)
    assert not regimen.open_ended
    assert regimen.expand().times_h.tolist() == pytest.approx(expected)


def test_every_8_h_for_14_days_is_one_nonmem_record() -> None:
    regimen = parse_regimen("2 g every 8 h for 14 days")
    assert regimen.records == (DoseRecord(0.0, 2.0, 8.0, 41),)
    assert parse_regimen("2 g every 8 h for 2 weeks").records == regimen.records


@pytest.mark.parametrize(
    ("text", "interval_h"),
    [
        ("2 g every 8 h", 8.0),
        ("2 g q12h", 12.0),
        ("3 g once daily", 24.0),
        ("3 g daily", 24.0),
        ("3 g twice daily", 12.0),
        ("3 g three times daily", 8.0),
        ("3 g four times daily", 6.0),
        ("3 g bid", 12.0),
        ("3 g tid", 8.0),
        ("3 g qid", 6.0),
    ],
)
def test_open_ended(text: str, interval_h: float) -> None:
    regimen = parse_regimen(text)
    assert regimen.open_ended
    (record,) = regimen.records
    assert (record.time_h, record.ii_h, record.addl) == (0.0, interval_h, None)
    assert regimen.expand(48.0).times_h.tolist() == pytest.approx(
        every(interval_h, int(48 / interval_h) + 1)
    )
    with pytest.raises(RegimenError, match="no end"):
        regimen.expand()


# --- clock times ---------------------------------------------------------------------------------


def test_clock_times_twice_daily_for_three_weeks() -> None:
    regimen = parse_regimen("4 g at 08:00 and 20:00 daily for 3 weeks then stop")
    assert regimen.records == (DoseRecord(0.0, 4.0, 24.0, 20), DoseRecord(12.0, 4.0, 24.0, 20))
    events = regimen.expand()
    assert events.times_h.tolist() == every(12, 42)
    assert events.amounts_g.tolist() == [4.0] * 42


def test_clock_times_three_a_day() -> None:
    assert times("4 g at 8:00, 14:00 and 20:00 daily for 2 days") == [0, 6, 12, 24, 30, 36]
    assert times("4 g at 8:00 14:00 20:00 every day for 1 day") == [0, 6, 12]


def test_clock_times_with_a_duration_mean_every_day() -> None:
    # "for 5 days" after clock times can only mean each of those days
    assert times("2 g at 8:00, 14:00 and 20:00 for 2 days") == [0, 6, 12, 24, 30, 36]
    assert times("1 g at 08:00 for 3 days") == [0, 24, 48]
    with pytest.raises(RegimenError, match="needs an interval"):
        parse_regimen("2 g at 08:00 for 3 doses")


def test_clock_times_first_listed_is_time_zero() -> None:
    assert times("1 g at 20:00 and 08:00 daily for 1 day") == [0.0, 12.0]
    assert times("1 g at 08:00 and 09:30 daily for 1 day") == [0.0, 1.5]


def test_clock_times_open_ended() -> None:
    regimen = parse_regimen("1 g at 08:00 and 20:00 daily")
    assert regimen.open_ended
    assert regimen.expand(36.0).times_h.tolist() == [0.0, 12.0, 24.0, 36.0]


def test_clock_segment_after_then_keeps_the_wall_clock() -> None:
    # 20:00 is time 0; the second part starts at day 7 (20:00) and its first 08:00 is 12 h later.
    got = times("2 g at 20:00 daily for 1 week then 1 g at 08:00 daily for 2 days")
    assert got == [*every(24, 7), 180.0, 204.0]


# --- sequences ------------------------------------------------------------------------------------


def test_then_sequence_starts_each_part_where_the_previous_ends() -> None:
    events = parse_regimen(
        "2 g every 8 h for 7 days then 1 g every 8 h for 7 days then stop"
    ).expand()
    assert events.times_h.tolist() == every(8, 42)
    assert events.amounts_g.tolist() == [2.0] * 21 + [1.0] * 21


def test_then_sequence_mixed_forms() -> None:
    events = parse_regimen("3 g twice daily for 2 days, then 1 g once for 1 day then 2 g").expand()
    assert events.times_h.tolist() == [0.0, 12.0, 24.0, 36.0, 48.0, 72.0]
    assert events.amounts_g.tolist() == [3.0, 3.0, 3.0, 3.0, 1.0, 2.0]


def test_then_sequence_may_end_open() -> None:
    regimen = parse_regimen("2 g every 8 h for 1 day then 1 g every 12 h")
    assert regimen.open_ended
    assert regimen.expand(48.0).times_h.tolist() == [0.0, 8.0, 16.0, 24.0, 36.0, 48.0]


# --- missed, late and early doses -----------------------------------------------------------------

BASE = "2 g every 8 h for 2 days"  # doses 1-6 at 0, 8, 16, 24, 32, 40


@pytest.mark.parametrize(
    ("modifier", "expected"),
    [
        ("; miss dose 5", [0, 8, 16, 24, 40]),
        (", miss dose 5", [0, 8, 16, 24, 40]),
        ("; miss doses 2-4", [0, 32, 40]),
        ("; miss doses 2 - 4", [0, 32, 40]),
        ("; miss doses 3, 5", [0, 8, 24, 40]),
        ("; miss doses 3 and 5", [0, 8, 24, 40]),
        ("; skip dose 1", [8, 16, 24, 32, 40]),
        ("; dose 6 missed", [0, 8, 16, 24, 32]),
        ("; dose 3 late by 2 h", [0, 8, 18, 24, 32, 40]),
        ("; dose 3 late by 10 h", [0, 8, 24, 26, 32, 40]),
        ("; dose 4 early by 30 min", [0, 8, 16, 23.5, 32, 40]),
        ("; miss dose 1; dose 2 late by 1 h", [9, 16, 24, 32, 40]),
        ("; miss dose 1, dose 2 early by 1 h", [7, 16, 24, 32, 40]),
        ("; miss dose 1 and dose 6 late by 1 h", [8, 16, 24, 32, 41]),
    ],
)
def test_missed_and_late_doses(modifier: str, expected: list[float]) -> None:
    assert times(BASE + modifier) == pytest.approx(expected)


def test_modifiers_are_stored_on_the_regimen() -> None:
    regimen = parse_regimen("2 g every 8 h for 14 days; miss doses 5-7; dose 9 late by 2 h")
    assert regimen.missed == frozenset({5, 6, 7})
    assert regimen.late_h == ((9, 2.0),)
    assert len(regimen.expand()) == 39


def test_modifiers_on_open_ended_regimen() -> None:
    regimen = parse_regimen("2 g every 8 h; miss dose 5")
    assert regimen.expand(48.0).times_h.tolist() == [0.0, 8.0, 16.0, 24.0, 40.0, 48.0]


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("2 kg", "'kg'"),
        ("2 oz", "'oz'"),
        ("2 g every 8 parsecs", "'parsecs'"),
        ("2 g every 8 h for 3 fortnights", "'fortnights'"),
        ("2 g every 8 h; dose 3 late by 2 eons", "'eons'"),
    ],
)
def test_unknown_unit_is_named_with_accepted_units(text: str, token: str) -> None:
    with pytest.raises(RegimenError, match="Unknown unit") as info:
        parse_regimen(text)
    assert token in str(info.value)
    assert "Accepted units" in str(info.value)


@pytest.mark.parametrize(
    ("text", "token", "reason"),
    [
        ("", "''", "empty"),
        ("   ", "'   '", "empty"),
        ("hello", "'hello'", "amount and unit"),
        ("2 g every 8 h please", "'please'", "Could not understand"),
        ("2 g sometimes", "'sometimes'", "Could not understand"),
        ("2 g every 8 h; frobnicate", "'frobnicate'", "dose change"),
        ("0 g", "'0 g'", "above 0"),
        ("-2 g", "'-2 g'", "above 0"),
        ("0 mg once", "'0 mg'", "above 0"),
        ("60 g once", "'60 g'", "at most 50 g"),
        ("60000 mg once", "'60000 mg'", "at most 50 g"),
        ("nan g", "'nan g'", "finite"),
        ("inf g", "'inf g'", "finite"),
        ("1e400 g", "'1e400 g'", "finite"),
        ("2 g every 1e400 h", "1e400 h", "finite"),
        ("2 g every 0 h", "'every 0 h'", "15 min"),
        ("2 g every -8 h", "'every -8 h'", "15 min"),
        ("2 g every 5 min", "'every 5 min'", "15 min"),
        ("2 g every 11 years", "'every 11 years'", "10 years"),
        ("2 g 100 times daily", "'100 times'", "1 to 96"),
        ("2 g every 8 h for 0 days", "'0 days'", "positive"),
        ("2 g every 8 h for -3 days", "'-3 days'", "positive"),
        ("2 g every 8 h for 11 years", "'11 years'", "at most 10 years"),
        ("2 g every 8 h for 600 weeks", "'600 weeks'", "at most 10 years"),
        ("2 g every 8 h for 1e9 days", "'1e9 days'", "at most 10 years"),
        ("2 g every 15 min for 9 years", "315576", "at most 100,000 doses"),
        ("2 g for 3 days", "'2 g for 3 days'", "needs a frequency"),
        ("2 g once for 3 doses", "'2 g once for 3 doses'", "for N doses"),
        ("2 g every 8 h for 2.5 doses", "2.5 doses", "for N doses"),
        ("2 g every 8 h then 1 g once", "'2 g every 8 h'", "no duration"),
        ("2 g every 8 h then stop", "'2 g every 8 h'", "'then stop'"),
        ("2 g once then then 1 g", "then", "start with an amount and unit"),
        ("stop", "'stop'", "amount and unit"),
        ("2 g at 25:00 daily", "'25:00'", "00:00 to 23:59"),
        ("2 g at 08:60 daily", "'08:60'", "00:00 to 23:59"),
        ("2 g at 08:00 and 08:00 daily", "'08:00'", "twice"),
        ("2 g at 08:00", "'2 g at 08:00'", "once or every day"),
        ("2 g every 8 h for 1 day; miss dose 5", "5", "beyond the end"),
        ("2 g every 8 h for 1 day; dose 7 late by 1 h", "7", "beyond the end"),
        ("2 g every 8 h for 1 day; miss dose 0", "'0'", "from 1 to"),
        ("2 g every 8 h for 1 day; miss dose 1.5", "'1.5'", "whole numbers"),
        ("2 g every 8 h for 1 day; miss dose " + "9" * 30, "9" * 30, "whole numbers"),
        ("2 g every 8 h for 1 day; miss doses 3-1", "'3-1'", "upwards"),
        ("2 g every 8 h for 1 day; miss doses 3-", "'3-'", "list of dose numbers"),
        ("2 g every 8 h for 1 day; dose 2 early by 9 h", "-1", "before time 0"),
        ("2 g every 8 h for 1 day; dose 2 late by 0 h", "'0 h'", "positive"),
        ("2 g every 8 h for 1 day; miss dose 2; dose 2 late by 1 h", "2", "missed and shifted"),
        ("2 g every 8 h for 1 day; dose 2 late by 1 h; miss dose 2", "2", "missed and shifted"),
        ("2 g every 8 h for 1 day; dose 2 late by 1 h; dose 2 late by 2 h", "2", "shifted twice"),
        ("x" * 1001, "1001 characters", "at most 1000 characters"),
    ],
)
def test_errors_quote_the_offending_part(text: str, token: str, reason: str) -> None:
    with pytest.raises(RegimenError) as info:
        parse_regimen(text)
    message = str(info.value)
    assert token in message
    assert reason in message
    assert "got " in message  # the project's "what: got value. fix" template


def test_not_understood_shows_a_valid_example() -> None:
    with pytest.raises(RegimenError, match=r"Write e\.g\. '2 g once'"):
        parse_regimen("a lot of kratom")


def test_non_text_is_a_regimen_error() -> None:
    with pytest.raises(RegimenError, match="int"):
        parse_regimen(3)  # type: ignore[arg-type]


# --- quantities -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hours"),
    [("8 h", 8.0), ("30 min", 0.5), ("10 d", 240.0), ("2 weeks", 336.0), ("1.5 hr", 1.5)],
)
def test_parse_time_h(text: str, hours: float) -> None:
    assert parse_time_h(text) == pytest.approx(hours)


def test_parse_time_h_signs() -> None:
    assert parse_time_h("-30 min", signed=True) == pytest.approx(-0.5)
    assert parse_time_h("0 h", zero=True) == 0.0
    for bad in ("0 h", "-1 h", "8", "eight hours", "8 parsecs"):
        with pytest.raises(RegimenError):
            parse_time_h(bad)


def test_parse_amount_g() -> None:
    assert parse_amount_g("500 mg") == pytest.approx(0.5)
    assert parse_amount_g("2 G") == 2.0
    for bad in ("2", "2 kg", "0 g", "51 g"):
        with pytest.raises(RegimenError):
            parse_amount_g(bad)


# --- format_regimen -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("2 g every 8 h for 14 days", "2 g every 8 h, 42 doses over 14 d"),
        ("1.5 g once", "1.5 g once"),
        ("500 mg once", "500 mg once"),
        ("3 g twice daily", "3 g every 12 h, repeating until the end of observation"),
        (
            "2 g every 8 h for 7 days then 1 g every 8 h for 7 days",
            "2 g every 8 h; 1 g every 8 h from 7 d, 42 doses over 14 d",
        ),
        (
            "4 g at 08:00 and 20:00 daily for 3 weeks",
            "4 g every 24 h at 0 h, 12 h, 42 doses over 21 d",
        ),
        (
            "2 g every 8 h for 14 days; miss doses 5-6; dose 9 late by 2 h",
            "2 g every 8 h, 40 doses over 14 d, missed doses 5, 6, dose 9 late by 2 h",
        ),
        (
            "1 g every 90 min for 3 h; dose 2 early by 30 min",
            "1 g every 1.5 h, 2 doses over 3 h, dose 2 early by 30 min",
        ),
    ],
)
def test_format_regimen(text: str, description: str) -> None:
    assert format_regimen(parse_regimen(text)) == description


def test_format_regimen_of_hand_built_regimen() -> None:
    regimen = Regimen((DoseRecord(0.0, 2.0), DoseRecord(12.0, 1.0)))
    assert format_regimen(regimen) == "2 g once; 1 g once at 12 h, 2 doses over 12 h"


# --- robustness property --------------------------------------------------------------------------

FRAGMENTS = [
    "2", "0", "-1", "1.5", "500", "1e400", "nan", "inf", "99999999999", "0.001", ".5", "3-1",
    "g", "mg", "mcg", "µg", "kg", "oz", "h", "hr", "hours", "min", "d", "days", "weeks", "years",
    "every", "other", "for", "doses", "then", "stop", "once", "twice", "three times", "daily",
    "a day", "bid", "tid", "qid", "qd", "q8h", "q", "at", "08:00", "20:00", "25:99", "and", ",",
    ";", "miss", "dose", "doses", "5-7", "late", "early", "by", "skip", "missed", "take", ".",
]  # fmt: skip
NUMBERS = st.one_of(
    st.integers(-5, 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["0", "1", "2", "8", "12", "14", "24"]),
)
UNITS = st.sampled_from(["g", "mg", "h", "min", "d", "days", "w", "weeks", "kg", "parsecs", ""])
SMALL = st.integers(1, 40).map(str)


@st.composite
def segments(draw: st.DrawFn) -> str:
    amount = draw(st.sampled_from(["0.5 g", "2 g", "3.5 g", "500 mg", "250 mcg"] * 3 + ["2 kg"]))
    frequency = draw(
        st.sampled_from(
            ["", "once", "every {} h", "q{}h", "every {} min", "twice daily", "tid", "daily",
             "{} times daily", "at 08:00 and 20:00 daily", "at 8:00, 14:00 and 22:30 daily"]
        )
    ).format(draw(SMALL))  # fmt: skip
    unit = draw(st.sampled_from(["h", "days", "days", "weeks", "doses", "min"]))
    duration = draw(st.sampled_from(["", *[f"for {draw(SMALL)} {unit}"] * 4]))
    return " ".join(part for part in (amount, frequency, duration) if part)


@st.composite
def well_formed(draw: st.DrawFn) -> str:
    text = " then ".join(draw(st.lists(segments(), min_size=1, max_size=3)))
    text += draw(st.sampled_from(["", " then stop"]))
    modifiers = st.sampled_from(
        [
            "; miss dose {}",
            ", miss doses {}-{}",
            "; dose {} late by {} h",
            "; dose {} early by {} min",
        ]
    )
    for modifier in draw(st.lists(modifiers, max_size=3)):
        text += modifier.format(draw(SMALL), draw(SMALL))
    return text


REGIMEN_LIKE = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(FRAGMENTS) | NUMBERS, max_size=14).map(" ".join),
    well_formed(),
    well_formed(),
)


@settings(max_examples=1000, deadline=None)
@given(REGIMEN_LIKE)
def test_only_regimen_error_escapes_and_results_expand(text: str) -> None:
    try:
        regimen = parse_regimen(text)
    except RegimenError as exc:
        assert str(exc)
        return
    assert isinstance(regimen, Regimen)
    try:
        events = regimen.expand(30 * 24.0)
    except RegimenError as exc:  # a dose number past a short observation window
        assert regimen.open_ended and "beyond the end" in str(exc)
        return
    t = events.times_h
    assert np.all(np.isfinite(t)) and np.all(t >= 0)
    assert np.all(np.diff(t) >= 0)
    assert np.all((events.amounts_g > 0) & (events.amounts_g <= 50))
    assert isinstance(format_regimen(regimen), str)
