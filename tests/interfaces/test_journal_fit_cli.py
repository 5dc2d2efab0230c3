"""``kratomsim journal fit``: too few data, then a week of entries fitted and forecast."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kratomsim.interfaces.cli import run


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KRATOMSIM_HOME", str(tmp_path))
    return tmp_path


def _at(days_ago: float, hour: int) -> str:
    t = (datetime.now() - timedelta(days=days_ago)).replace(hour=hour, minute=0)
    return t.strftime("%Y-%m-%d %H:%M")


def _log_week(capsys: pytest.CaptureFixture[str]) -> None:
    for day in range(7, 0, -1):
        for hour in (8, 20):
            args = ["journal", "add", "dose", "3", "g", "--product", "leaf-powder"]
            assert run([*args, "--at", _at(day, hour)]) == 0
        assert run(["journal", "add", "pain", str(6 - (7 - day) % 3), "--at", _at(day, 12)]) == 0
    capsys.readouterr()


def test_empty_journal_is_a_clear_error(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["journal", "fit"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "empty" in err and "Traceback" not in err


def test_too_few_entries_say_what_is_missing(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["journal", "add", "dose", "2", "g", "-p", "tea", "--at", _at(1, 8)]) == 0
    assert run(["journal", "add", "pain", "5", "--at", _at(1, 9)]) == 0
    capsys.readouterr()
    assert run(["journal", "fit"]) == 2
    err = capsys.readouterr().err
    assert "dose" in err and "pain" in err


def test_a_week_is_fitted_and_forecast(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _log_week(capsys)
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
