"""The journal report's forecast: the person's own fit when the entries allow one, else the
population outlook, labelled so."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kratomsim.journal import DoseEntry, PainEntry, StoredEntry, open_journal
from kratomsim.journal.fit import PersonalFit
from kratomsim.reports.clinician_render import render_report_html
from kratomsim.reports.journal_forecast import HORIZON_DAYS, fit_entries, personal_forecast
from kratomsim.reports.journal_report import journal_report_data

START = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)


def _entries(tmp_path: Path, days: int, pain_days: int, *, old: bool = False) -> list[StoredEntry]:
    """Two 2 g doses a day for ``days`` days, a pain rating on the first ``pain_days`` of them;
    ``old`` adds a dose 60 days before, outside the fit's window."""
    with open_journal(tmp_path / "journal.sqlite3") as journal:
        journal.add_many(
            [DoseEntry("leaf-powder", 2, "g", START + timedelta(days=d, hours=h)) for d in range(days)
             for h in (0, 10)]
            + [PainEntry(6 - (d > 3), START + timedelta(days=d, hours=3)) for d in range(pain_days)]
            + ([DoseEntry("leaf-powder", 5, "g", START - timedelta(days=60))] if old else [])
        )  # fmt: skip
        return journal.entries()


class Counting:
    """A fitter that counts its calls and keeps what it was given."""

    def __init__(self) -> None:
        self.given: list[Sequence[StoredEntry]] = []

    def __call__(self, entries: Sequence[StoredEntry]) -> PersonalFit:
        self.given.append(entries)
        return fit_entries(entries)


def test_enough_entries_give_the_persons_own_forecast_with_bands(tmp_path: Path) -> None:
    entries = _entries(tmp_path, days=8, pain_days=8, old=True)
    fitter = Counting()
    f = personal_forecast(entries, fitter)
    assert f["fitted"] is True
    # fitted once, to the last 28 days only: the dose 60 days before is left out
    assert len(fitter.given) == 1 and len(fitter.given[0]) == len(entries) - 1
    assert f["counts"]["doses"] == 16 and f["counts"]["pain_ratings"] == 8
    assert [r["day"] for r in f["days"]] == list(range(1, HORIZON_DAYS + 1))
    for row in f["days"]:
        for key in ("relief_continue", "withdrawal_continue", "withdrawal_stop"):
            b = row[key]
            assert b["low"] <= b["central"] <= b["high"], (key, b)
        assert 0.0 <= row["withdrawal_stop"]["high"] <= 64.0
    assert f["plans"]["continue"].startswith("continue") and f["plans"]["stop"].startswith("stop")
    assert 0 <= f["narrowed"] <= f["parameters"] and 0.5 <= f["level"] < 1.0


def test_too_few_entries_say_what_is_missing_without_fitting(tmp_path: Path) -> None:
    entries = _entries(tmp_path, days=4, pain_days=2)
    fitter = Counting()
    f = personal_forecast(entries, fitter)
    assert f["fitted"] is False and not fitter.given
    assert "8 doses and 2 pain ratings on 2 days" in f["reason"]
    assert "at least 3 doses and 5 pain ratings on 3 different days" in f["reason"]
    assert personal_forecast([], fitter)["fitted"] is False


@pytest.mark.parametrize(("pain_days", "fitted"), [(8, True), (2, False)])
def test_the_report_says_whose_forecast_it_shows(
    tmp_path: Path, pain_days: int, fitted: bool
) -> None:
    entries = _entries(tmp_path, days=8, pain_days=pain_days)
    data = journal_report_data(entries, since="2026-03-01", until="2026-03-08", n_draws=20)
    assert data["journal"]["forecast"]["fitted"] is fitted
    html = render_report_html(data, figure=False)
    journal = html[html.index("From the person's journal") : html.index("Regimen and product")]
    if fitted:
        assert "Forecast fitted to the person's own entries" in journal
        assert journal.count('<tr><td class="num">') == HORIZON_DAYS
        assert "If use stops: withdrawal score" in journal
    else:
        assert "No forecast fitted to the person yet" in journal
        assert "population model's, for a typical adult, not fitted to this person" in journal
    assert "Tolerance and withdrawal outlook, population model" in html


def test_the_forecast_plot_titles_its_panels_in_words(tmp_path: Path) -> None:
    from kratomsim.reports.forecast_plot import plot_forecast

    fit = fit_entries(_entries(tmp_path, days=8, pain_days=8))
    fig = plot_forecast(fit.forecast("stop", "3 d"), tmp_path / "forecast.png")
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["Pain relief", "Withdrawal (SOWS)"]
    assert all(ax.get_ylabel() and "_" not in ax.get_ylabel() for ax in fig.axes)
    assert (tmp_path / "forecast.png").stat().st_size > 5_000
