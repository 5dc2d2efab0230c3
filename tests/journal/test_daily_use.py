"""Journal features for daily use: bounds, household units, SOWS items, other substances, paging,
favourites, repeat-last, and the totals a person checks first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kratomsim.errors import JournalError
from kratomsim.journal import (
    DoseEntry,
    Journal,
    PainEntry,
    SubstanceEntry,
    WithdrawalEntry,
    make_entry,
    open_journal,
)
from kratomsim.journal.bounds import BOUNDS
from kratomsim.journal.entries import SOWS_ITEMS, dose_grams
from kratomsim.journal.fit_data import FitData
from kratomsim.journal.summary import daily_rows, dose_pattern, dose_totals
from kratomsim.journal.transfer import export_entries, import_text


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with open_journal(tmp_path / "journal.sqlite3") as j:
        yield j


# --- bounds ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: DoseEntry("tea", 1e308), "at most 150 g"),
        (lambda: DoseEntry("tea", 150_001, "mg"), "150001 mg = 150 g"),
        (lambda: DoseEntry("tea", 101, "tsp", g_per_unit=1), "number of teaspoons"),
        (lambda: DoseEntry("tea", 2, "tsp", g_per_unit=25), "grams per unit"),
        (lambda: DoseEntry("tea", 60, "tsp", g_per_unit=3), "60 tsp = 180 g"),
        (lambda: DoseEntry("tea", 2, "tsp"), "needs g_per_unit"),
        (lambda: DoseEntry("tea", 2, "g", g_per_unit=2), "does not apply"),
        (lambda: DoseEntry("leaf-powder", 1, "tablet", oh7_mg_per_unit=15), "holds no 7-OH"),
        (lambda: DoseEntry("7oh-concentrate", 1, "tablet", oh7_mg_per_unit=900), "7-OH per tablet"),
        (lambda: SubstanceEntry("alcohol", 1e9, "drink"), "substance amount"),
        (lambda: SubstanceEntry("foobarin"), "Unknown medication"),
    ],
)
def test_out_of_bounds_values_are_refused_with_the_range(build: object, message: str) -> None:
    with pytest.raises(JournalError, match=message) as err:
        build()  # type: ignore[operator]
    assert ": got " in str(err.value)


def test_the_largest_accepted_dose_is_the_bound() -> None:
    top = BOUNDS["dose_g"].high
    assert DoseEntry("tea", top).amount_g == top
    assert DoseEntry("tea", top * 1000, "mg").amount_g == pytest.approx(top)
    with pytest.raises(JournalError):
        DoseEntry("tea", top + 0.001)


# --- household units ---------------------------------------------------------------------------


def test_household_units_convert_with_the_weight_given() -> None:
    assert DoseEntry("leaf-powder", 2, "teaspoons", g_per_unit=2.5).amount_g == pytest.approx(5.0)
    assert DoseEntry("leaf-powder", 4, "caps", g_per_unit=0.5).amount_g == pytest.approx(2.0)
    # a 7-OH tablet counts its labelled 7-OH; grams of product follow the product's 7-OH content
    tablet = DoseEntry("7oh-concentrate", 2, "tablet", oh7_mg_per_unit=15)
    oh7_per_g = 40.0  # products.toml: concentrated 7-OH product, 7-OH mg/g
    assert tablet.amount_g == pytest.approx(2 * 15 / oh7_per_g)
    assert tablet.amount_g * oh7_per_g == pytest.approx(30.0)  # the 7-OH the person took
    assert dose_grams(tablet.data()) == pytest.approx(tablet.amount_g)


def test_the_fit_reads_household_units_as_grams(journal: Journal) -> None:
    journal.add(DoseEntry("leaf-powder", 2, "tsp", "2026-11-20 08:00", g_per_unit=2.5))
    journal.add(DoseEntry("tea", 1500, "mg", "2026-11-20 14:00"))
    data = FitData.from_entries(journal.entries())
    assert [d.amount_g for d in data.doses] == pytest.approx([5.0, 1.5])


# --- SOWS items and other substances ------------------------------------------------------------


def test_sows_items_are_kept_and_must_add_up() -> None:
    items = [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0]
    entry = WithdrawalEntry.from_items(items, "2026-11-20 08:00")
    assert entry.sows == sum(items) == 30
    assert entry.data() == {"sows": 30, "items": items}
    with pytest.raises(JournalError, match="SOWS total and items differ"):
        WithdrawalEntry(29, items=items)
    with pytest.raises(JournalError, match="Wrong number of SOWS items"):
        WithdrawalEntry.from_items(items[:15])
    with pytest.raises(JournalError, match="Invalid SOWS item 3"):
        WithdrawalEntry.from_items([0, 0, 5, *[0] * 13])
    assert len(SOWS_ITEMS) == 16


def test_a_substance_is_stored_by_its_knowledge_base_id() -> None:
    entry = SubstanceEntry("Xanax", 1, "tablets", "2026-11-20 22:00")
    assert entry.data() == {"name": "alprazolam", "amount": 1.0, "unit": "tablet"}
    assert SubstanceEntry("alcohol").data() == {"name": "ethanol"}


def test_new_kinds_and_units_round_trip_through_csv_and_json(
    journal: Journal, tmp_path: Path
) -> None:
    entries = [
        DoseEntry("leaf-powder", 2, "tsp", "2026-11-20 08:00", g_per_unit=2.5),
        DoseEntry("7oh-concentrate", 1, "tablet", "2026-11-20 09:00", oh7_mg_per_unit=15),
        SubstanceEntry("alcohol", 2, "drink", "2026-11-20 20:00"),
        WithdrawalEntry.from_items([1] * 16, "2026-11-21 08:00"),
    ]
    journal.add_many(entries)
    for fmt in ("csv", "json"):
        with open_journal(tmp_path / f"copy-{fmt}.sqlite3") as copy:
            import_text(copy, export_entries(journal.entries(), fmt), fmt)  # type: ignore[arg-type]
            assert [e.entry for e in copy.entries()] == entries


# --- paging, repeat-last, favourites ------------------------------------------------------------


def test_pages_come_newest_first_and_counts_follow_the_filter(journal: Journal) -> None:
    start = datetime(2026, 1, 1, 8, tzinfo=UTC)
    journal.add_many(PainEntry(i % 11, start + timedelta(hours=12 * i)) for i in range(30))
    page = journal.entries(newest_first=True, limit=10, offset=10)
    assert [e.id for e in page] == list(range(20, 10, -1))
    assert journal.count() == 30
    day3 = (start + timedelta(days=2)).isoformat()
    assert journal.count(since=day3) == 26
    assert journal.count(since=day3, kinds=["dose"]) == 0
    assert journal.entries(since=day3, limit=2)[0].at == start + timedelta(days=2)
    with pytest.raises(JournalError, match="limit, offset"):
        journal.entries(limit=5, offset=-1)


def test_repeat_last_and_favourites(journal: Journal) -> None:
    assert journal.last("dose") is None
    journal.add(DoseEntry("tea", 3, "g", "2026-11-20 08:00"))
    journal.add(DoseEntry("leaf-powder", 2, "tsp", "2026-11-20 14:00", g_per_unit=2.5))
    journal.add(PainEntry(4, "2026-11-20 15:00"))
    last = journal.last("dose")
    assert last is not None and last.data["unit"] == "tsp"
    fav = journal.add_favourite(DoseEntry("tea", 3, "g"), "  morning   tea ")
    auto = journal.add_favourite(DoseEntry("leaf-powder", 2, "tsp", g_per_unit=2.5))
    assert [(f.label, f.data) for f in journal.favourites()] == [
        ("morning tea", {"product": "tea", "amount": 3.0, "unit": "g"}),
        (
            "2 tsp (2.5 g each) of leaf-powder",
            {"product": "leaf-powder", "amount": 2.0, "unit": "tsp", "g_per_unit": 2.5},
        ),
    ]
    logged = journal.favourite(fav).entry("2026-11-21 08:00")
    assert logged.amount_g == 3.0 and logged.at == datetime(2026, 11, 21, 8).astimezone(UTC)
    journal.delete_favourite(auto)
    assert [f.id for f in journal.favourites()] == [fav]
    with pytest.raises(JournalError, match="No favourite"):
        journal.delete_favourite(auto)


# --- totals ------------------------------------------------------------------------------------


def test_dose_totals_and_daily_rows(journal: Journal) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    local_midnight = now.astimezone().replace(hour=0, minute=0, second=0)
    since_midnight = now - local_midnight
    in_today = (local_midnight + since_midnight / 3).replace(microsecond=0)
    later_today = (local_midnight + since_midnight * 2 / 3).replace(microsecond=0)
    journal.add_many(
        [
            DoseEntry("tea", 2, "g", now - timedelta(days=9)),  # outside the week
            DoseEntry("tea", 3, "g", now - timedelta(days=3)),
            DoseEntry("tea", 1500, "mg", in_today),
            make_entry("dose", later_today, {"product": "tea", "amount": "1"}),
            PainEntry(6, now - timedelta(days=3)),
            PainEntry(4, now - timedelta(days=3) + timedelta(minutes=5)),
            SubstanceEntry("alcohol", 2, "drink", now - timedelta(days=3)),
        ]
    )
    entries = journal.entries()
    totals = dose_totals(entries, now)
    assert totals.today_g == pytest.approx(2.5) and totals.today_doses == 2
    assert totals.last_7d_g == pytest.approx(5.5)
    assert totals.last_7d_dose_days == 2
    last = later_today.astimezone(UTC)
    assert totals.last_dose_at == last
    assert totals.hours_since_last == pytest.approx((now - last).total_seconds() / 3600)
    rows = {r.day: r for r in daily_rows(entries)}
    day = (now - timedelta(days=3)).astimezone().date()
    assert rows[day].dose_g == 3.0 and rows[day].pain_mean == 5.0
    assert rows[day].substances == ("ethanol",)
    empty = dose_totals([], now)
    assert empty.last_dose_at is None and empty.hours_since_last is None and empty.today_g == 0


def _local(day: int, hour: int) -> datetime:
    """A local time on January ``day`` of 2026 (the pattern counts local days, as people do)."""
    return datetime(2026, 1, day, hour, 0).astimezone()


def test_the_dose_pattern_reads_as_a_person_says_it(journal: Journal) -> None:
    journal.add_many(
        DoseEntry("tea", 2, "g", _local(d, h)) for d in range(1, 15) for h in (8, 14, 20)
    )
    text = dose_pattern(journal.entries())
    assert text == "2 g three times a day, 14 days; 42 doses, the last 2026-01-14 20:00"


def test_the_dose_pattern_gives_ranges_and_the_days_without_a_dose(journal: Journal) -> None:
    journal.add_many(
        [
            DoseEntry("tea", 2, "g", _local(1, 8)),
            DoseEntry("tea", 2, "g", _local(1, 20)),
            DoseEntry("tea", 3000, "mg", _local(2, 8)),
            DoseEntry("tea", 2, "g", _local(2, 20)),
            DoseEntry("tea", 2, "g", _local(5, 9)),  # days 3 and 4 without a dose
        ]
    )
    deleted = journal.add(DoseEntry("tea", 9, "g", _local(6, 9)))
    journal.delete(deleted)
    assert dose_pattern(journal.entries(include_deleted=True)) == (
        "2 g to 3 g (most often 2 g) 1 to 2 times a day (most often 2), doses on 3 of 5 days; "
        "5 doses, the last 2026-01-05 09:00"
    )


def test_the_dose_pattern_of_one_dose_and_of_none(journal: Journal) -> None:
    assert dose_pattern([]) == "no doses logged"
    journal.add(DoseEntry("tea", 4, "g", _local(3, 7)))
    assert dose_pattern(journal.entries()) == "4 g once, 2026-01-03 07:00"
