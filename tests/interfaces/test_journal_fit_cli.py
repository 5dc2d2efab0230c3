"""``kratomsim journal fit``: too few data, then a week of entries fitted and forecast."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from kratomsim.interfaces.cli import run

At = Callable[[float, int], str]


def _log_week(capsys: pytest.CaptureFixture[str], at: At) -> None:
    for day in range(7, 0, -1):
        for hour in (8, 20):
            args = ["journal", "add", "dose", "3", "g", "--product", "leaf-powder"]
            assert run([*args, "--at", at(day, hour)]) == 0
        assert run(["journal", "add", "pain", str(6 - (7 - day) % 3), "--at", at(day, 12)]) == 0
    capsys.readouterr()


def test_empty_journal_is_a_clear_error(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["journal", "fit"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "empty" in err and "Traceback" not in err


def test_too_few_entries_say_what_is_missing(
    home: Path, capsys: pytest.CaptureFixture[str], at: At
) -> None:
    assert run(["journal", "add", "dose", "2", "g", "-p", "tea", "--at", at(1, 8)]) == 0
    assert run(["journal", "add", "pain", "5", "--at", at(1, 9)]) == 0
    capsys.readouterr()
    assert run(["journal", "fit"]) == 2
    err = capsys.readouterr().err
    assert "dose" in err and "pain" in err


def test_a_week_is_fitted_and_forecast(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], at: At
) -> None:
    _log_week(capsys, at)
    plot = tmp_path / "forecast.png"
    code = run(
        [
            "journal",
            "fit",
            "--plan",
            "stop",
            "--horizon",
            "5 d",
            "--format",
            "json",
            "--plot",
            str(plot),
        ]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["doses"] == 14
    for e in data["estimates"]:
        assert e["low"] <= e["median"] <= e["high"]
        # the posterior is no wider than the prior's central interval (small sampling slack)
        assert e["high"] - e["low"] <= 1.1 * (e["prior_high"] - e["prior_low"])
    f = data["forecast"]
    assert len(f["hours_ahead"]) == len(f["withdrawal_score"])
    assert all(lo <= hi for lo, hi in zip(f["relief_nrs_low"], f["relief_nrs_high"], strict=True))
    assert plot.stat().st_size > 5_000


def test_the_table_reads_in_words_with_the_model_names_beside(
    home: Path, capsys: pytest.CaptureFixture[str], at: At, monkeypatch: pytest.MonkeyPatch
) -> None:
    _log_week(capsys, at)
    monkeypatch.setenv("COLUMNS", "200")
    assert run(["journal", "fit", "--horizon", "2 d"]) == 0
    text = capsys.readouterr().out
    assert "Your usual pain without kratom" in text and "How fast you build tolerance" in text
    assert "baseline_nrs" in text and "tol_k_on" in text  # for the clinician and pharmacologist
    assert "Your journal" in text  # what it narrowed, in words
    assert "% of your pain" in text  # the largest relief, a share, as a percentage
    # a pure number shows no unit "1" after it
    assert not any(
        cell.strip().endswith(" 1") for line in text.splitlines() for cell in line.split("│")
    )
