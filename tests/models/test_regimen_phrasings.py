"""Regimens as people write them (issue 14, part 5): each phrase against hand-worked dose times.

Expected times and amounts are worked out by hand from the phrase (e.g. "3x a day" is one dose
every 24/3 = 8 h; "for 6 months" is half of 365.25 days = 4383 h, so twice daily gives
ceil(4383 / 12) = 366 doses), never copied from the parser's output.
"""

from __future__ import annotations

import pytest

from kratomsim.errors import AmbiguousRegimen, RegimenError
from kratomsim.models.regimen_text import format_regimen, parse_regimen
from kratomsim.models.regimen_words import TIMES_OF_DAY, normalise


def every(interval_h: float, n: int, start_h: float = 0.0) -> list[float]:
    return [start_h + interval_h * k for k in range(n)]


def doses(text: str, horizon_h: float | None = None) -> tuple[list[float], list[float]]:
    events = parse_regimen(text).expand(horizon_h)
    return events.times_h.tolist(), events.amounts_g.tolist()


# --- frequencies --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "interval_h", "n"),
    [
        ("2g 3x a day for 2 days", 8, 6),
        ("2 g 3 x daily for 1 day", 8, 3),
        ("2 g 3x/day for 1 day", 8, 3),
        ("2 g three times per day for 1 day", 8, 3),
        ("2 g 2x a day for 1 day", 12, 2),
        ("2 g tid for 1 day", 8, 3),
        ("2 g TID for 1 day", 8, 3),
        ("2 g t.i.d. for 1 day", 8, 3),
        ("2 g tds for 1 day", 8, 3),
        ("2 g bid for 1 day", 12, 2),
        ("2 g bd for 1 day", 12, 2),
        ("2 g qid for 1 day", 6, 4),
        ("2 g qds for 1 day", 6, 4),
        ("2 g qd for 3 days", 24, 3),
        ("2 g od for 3 days", 24, 3),
        ("2 g q8h for 1 day", 8, 3),
        ("2 g q 12 h for 1 day", 12, 2),
        ("2 g qod for 5 days", 48, 3),
        ("2 g 3 times a week for 1 week", 56, 3),
    ],
)
def test_everyday_frequencies(text: str, interval_h: float, n: int) -> None:
    times, amounts = doses(text)
    assert times == pytest.approx(every(interval_h, n))
    assert amounts == pytest.approx([2.0] * n)


def test_open_ended_shorthand_repeats_until_the_end_of_observation() -> None:
    regimen = parse_regimen("2 g tid")
    assert regimen.open_ended
    assert regimen.expand(24.0).times_h.tolist() == [0.0, 8.0, 16.0, 24.0]


# --- amounts per day: a question, never a guess ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "once", "split"),
    [
        ("3 g a day", "3 g once daily", "1 g three times daily"),
        ("3 g per day for 2 weeks", "3 g once daily", "1.5 g twice daily"),
        ("2g/day", "2 g once daily", "1 g twice daily"),
        ("2 g / day for 3 days", "2 g once daily", "500 mg four times daily"),
    ],
)
def test_an_amount_a_day_is_asked_about(text: str, once: str, split: str) -> None:
    with pytest.raises(AmbiguousRegimen) as info:
        parse_regimen(text)
    message = str(info.value)
    assert "one dose or split" in message
    assert f"'{once}'" in message and f"'{split}'" in message
    assert once in info.value.choices and split in info.value.choices
    for choice in info.value.choices:  # each offered choice is itself a clear regimen
        assert parse_regimen(choice).open_ended


def test_an_amount_a_day_with_its_split_is_clear() -> None:
    assert doses("3 g a day in 3 doses for 1 day") == ([0.0, 8.0, 16.0], [1.0, 1.0, 1.0])
    assert doses("3 g a day split into 2 doses for 1 day") == ([0.0, 12.0], [1.5, 1.5])
    assert doses("3 g a day as one dose for 3 days") == ([0.0, 24.0, 48.0], [3.0] * 3)
    assert doses("3 g a day as a single dose for 2 days") == ([0.0, 24.0], [3.0] * 2)


def test_ambiguity_is_a_regimen_error() -> None:
    with pytest.raises(RegimenError):
        parse_regimen("3 g a day")


# --- times of day -------------------------------------------------------------------------------


def test_every_morning_states_the_clock_time_assumed() -> None:
    regimen = parse_regimen("2 g every morning for 3 days")
    assert regimen.expand().times_h.tolist() == [0.0, 24.0, 48.0]
    assert "morning read as 08:00" in regimen.notes
    assert "morning read as 08:00" in format_regimen(regimen)


@pytest.mark.parametrize(
    ("text", "times"),
    [
        # morning 08:00 and evening 20:00 are 12 h apart; morning to night (22:00) is 14 h
        ("2 g every morning and evening for 2 days", [0.0, 12.0, 24.0, 36.0]),
        ("2 g every morning and night for 1 day", [0.0, 14.0]),
        ("2 g every evening and morning for 1 day", [0.0, 12.0]),
        ("2 g mornings and evenings for 1 day", [0.0, 12.0]),
        ("2 g in the morning and at night for 1 day", [0.0, 14.0]),
        ("2 g every night for 2 days", [0.0, 24.0]),
        ("2 g nightly for 2 days", [0.0, 24.0]),
        ("2 g at bedtime for 2 days", [0.0, 24.0]),
    ],
)
def test_times_of_day(text: str, times: list[float]) -> None:
    assert doses(text)[0] == pytest.approx(times)


def test_times_of_day_are_the_stated_conventions() -> None:
    assert TIMES_OF_DAY["morning"] == 8.0 and TIMES_OF_DAY["evening"] == 20.0
    _, notes = normalise("2 g every evening")
    assert notes == ("evening read as 20:00",)


# --- durations ------------------------------------------------------------------------------------


def test_for_six_months() -> None:
    # 6 months = 365.25 / 2 d = 4383 h; doses strictly before it every 12 h: 0 … 4380 h
    times, _ = doses("2 g twice daily for 6 months")
    assert len(times) == 366
    assert times[-1] == pytest.approx(4380.0)
    assert (
        "a month read as 30.4 days, 1/12 of a year" in parse_regimen("2 g daily for 1 month").notes
    )


def test_for_a_month_and_for_a_week() -> None:
    assert len(doses("2 g once daily for 1 month")[0]) == 31  # 730.5 h / 24 h = 30.4 → 31
    assert doses("2 g daily for a week")[0] == every(24, 7)


# --- numbers as people write them ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "times", "amount"),
    [
        ("1,5 g once", [0.0], 1.5),
        ("2,25 g every 12 h for 1 day", [0.0, 12.0], 2.25),
        ("1,5 g every 1,5 h for 3 h", [0.0, 1.5], 1.5),
        ("two grams every eight hours for one day", [0.0, 8.0, 16.0], 2.0),
        ("Two grams three times a day for one day", [0.0, 8.0, 16.0], 2.0),
        ("one and a half grams twice daily for one day", [0.0, 12.0], 1.5),
        ("five hundred milligrams every six hours for one day", every(6, 4), 0.5),
        ("1½ g once", [0.0], 1.5),
        ("1 1/2 g once", [0.0], 1.5),
        ("2 g every 8 h for twenty-one doses", every(8, 21), 2.0),
    ],
)
def test_numbers_as_written(text: str, times: list[float], amount: float) -> None:
    got_times, amounts = doses(text)
    assert got_times == pytest.approx(times)
    assert amounts == pytest.approx([amount] * len(times))


def test_a_comma_in_a_list_of_dose_numbers_is_not_a_decimal_comma() -> None:
    # doses 1-6 at 0, 8, …, 40 h; doses 1, 5 and 6 missed
    assert doses("2 g every 8 h for 2 days; miss doses 1,5 and 6")[0] == [8.0, 16.0, 24.0]


def test_a_comma_before_three_digits_is_asked_about() -> None:
    with pytest.raises(AmbiguousRegimen) as info:
        parse_regimen("1,000 mg once")
    assert info.value.choices == ("1000 mg", "1 mg")
    assert "thousands" in str(info.value)


# --- clock times ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "times"),
    [
        ("2 g at 08:00 and 20:00 for 2 days", [0.0, 12.0, 24.0, 36.0]),
        ("2 g at 8 am and 8 pm for 1 day", [0.0, 12.0]),
        ("2 g at 8am, 2pm and 8pm for 1 day", [0.0, 6.0, 12.0]),
        ("2 g at 8:00, 14:00 and 20:00 for 1 day", [0.0, 6.0, 12.0]),
        ("2 g at noon and midnight for 1 day", [0.0, 12.0]),
        ("2 g at 08:00 for 3 days", [0.0, 24.0, 48.0]),
        ("2 g once daily at 9 pm for 2 days", [0.0, 24.0]),
        ("2 g twice daily at 08:00 and 20:00 for 1 day", [0.0, 12.0]),
    ],
)
def test_clock_times_without_daily(text: str, times: list[float]) -> None:
    assert doses(text)[0] == pytest.approx(times)


def test_clock_times_without_a_duration_repeat_daily() -> None:
    regimen = parse_regimen("2 g at 8 am and 8 pm")
    assert regimen.open_ended
    assert regimen.expand(36.0).times_h.tolist() == [0.0, 12.0, 24.0, 36.0]


def test_one_clock_time_alone_is_asked_about() -> None:
    with pytest.raises(AmbiguousRegimen) as info:
        parse_regimen("2 g at 08:00")
    once, daily = info.value.choices
    assert parse_regimen(once).expand().times_h.tolist() == [0.0]
    assert parse_regimen(daily).open_ended


def test_clock_count_must_match_times_a_day() -> None:
    with pytest.raises(RegimenError, match="2 doses a day but 3 clock times"):
        parse_regimen("2 g twice daily at 08:00, 14:00 and 20:00")


# --- then-steps ---------------------------------------------------------------------------------


def test_then_one_gram_keeps_the_frequency_before_it() -> None:
    times, amounts = doses("2 g three times daily for 7 days then 1 g for 7 days")
    assert times == every(8, 42)
    assert amounts == [2.0] * 21 + [1.0] * 21
    notes = parse_regimen("2 g tid for 7 days then 1 g for 7 days").notes
    assert "'1 g for 7 days' keeps the frequency before it" in notes


def test_then_steps_with_commas_and_joining_words() -> None:
    times, amounts = doses("2 g every 8 h for 1 day, then 1 g every 12 h for 1 day, then stop")
    assert times == [0.0, 8.0, 16.0, 24.0, 36.0]
    assert amounts == [2.0, 2.0, 2.0, 1.0, 1.0]
    assert doses("2 g bid for 2 days and then 1 g once")[0] == [0.0, 12.0, 24.0, 36.0, 48.0]
    assert doses("2 g bid for 1 day after that 1 g once")[0] == [0.0, 12.0, 24.0]


# --- household units -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "times", "amount"),
    [
        ("1 tsp (2.5 g) twice daily for 1 day", [0.0, 12.0], 2.5),
        ("1 teaspoon (about 2.5 g) once", [0.0], 2.5),
        ("2 tsp (2.5 g each) once", [0.0], 5.0),
        ("2 tsp (5 g in total) once", [0.0], 5.0),
        ("2 tsp (1 tsp = 2.5 g) once", [0.0], 5.0),
        ("half a teaspoon (1.25 g) once", [0.0], 1.25),
        ("a scoop (3 g) daily for 2 days", [0.0, 24.0], 3.0),
        ("2 capsules (500 mg each) every 8 h for 1 day", [0.0, 8.0, 16.0], 1.0),
        ("2 500 mg capsules every 12 h for 1 day", [0.0, 12.0], 1.0),
    ],
)
def test_household_units_with_a_stated_size(text: str, times: list[float], amount: float) -> None:
    got_times, amounts = doses(text)
    assert got_times == pytest.approx(times)
    assert amounts == pytest.approx([amount] * len(times))


@pytest.mark.parametrize("text", ["1 tsp once", "2 teaspoons twice daily", "a scoop daily"])
def test_household_units_without_a_size_are_asked_about(text: str) -> None:
    with pytest.raises(AmbiguousRegimen, match=r"not stated.*does not guess"):
        parse_regimen(text)


def test_a_size_for_several_items_asks_total_or_each() -> None:
    with pytest.raises(AmbiguousRegimen) as info:
        parse_regimen("2 tsp (5 g) once")
    assert info.value.choices == ("5 g in total", "5 g each")


# --- 7-OH tablets -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "grams_of_7oh"),
    [
        ("one 15 mg 7-OH tablet twice daily for 2 days", 0.015),
        ("two 15 mg 7-OH tablets twice daily for 2 days", 0.030),
        ("15 mg 7-OH every 12 h for 2 days", 0.015),
        ("1 tablet (15 mg 7-OH) twice daily for 2 days", 0.015),
        ("one 7-hydroxymitragynine tablet (10 mg) twice daily for 2 days", 0.010),
    ],
)
def test_7oh_tablets_are_mg_of_7oh(text: str, grams_of_7oh: float) -> None:
    regimen = parse_regimen(text)
    assert regimen.product == "7oh-tablet"
    events = regimen.expand()
    assert events.times_h.tolist() == [0.0, 12.0, 24.0, 36.0]
    assert events.amounts_g.tolist() == pytest.approx([grams_of_7oh] * 4)


def test_7oh_tablet_without_strength_is_asked_about() -> None:
    with pytest.raises(AmbiguousRegimen, match="strength of one 7-OH tablet"):
        parse_regimen("one 7-OH tablet twice daily")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2 g 7-OH once", "at most 1 g"),
        ("2 g every 8 h for 1 day then 15 mg 7-OH once", "one product"),
    ],
)
def test_7oh_amounts_out_of_range_or_mixed(text: str, reason: str) -> None:
    with pytest.raises(RegimenError, match=reason):
        parse_regimen(text)


# --- tapers inside a regimen ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "4 g three times daily for 1 week then -1 g per week",
        "4 g tid for 1 week then -25% per week then stop",
        "4 g tid for 1 week then reduce by 1 g every week",
        "4 g tid for 1 week then 1 g less each week",
    ],
)
def test_taper_after_steady_use(text: str) -> None:
    times, amounts = doses(text)
    assert times == every(8, 84)  # 4 weeks of doses every 8 h: 4 → 3 → 2 → 1 g, then none
    assert amounts == [4.0] * 21 + [3.0] * 21 + [2.0] * 21 + [1.0] * 21


def test_taper_every_two_days() -> None:
    times, amounts = doses("4 g bid for 2 days then -1 g every 2 days")
    assert times == every(12, 16)
    assert amounts == [4.0] * 4 + [3.0] * 4 + [2.0] * 4 + [1.0] * 4


def test_taper_first_is_an_error() -> None:
    with pytest.raises(RegimenError, match="above 0"):
        parse_regimen("-1 g per week")
    with pytest.raises(RegimenError, match="needs a regimen before it"):
        parse_regimen("reduce by 1 g per week")
