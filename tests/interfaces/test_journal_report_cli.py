"""``kratomsim journal report``: the clinician report from the journal, with the person's fit."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from kratomsim.interfaces.cli import run


def test_the_report_holds_the_persons_forecast(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], at: Callable[[float, int], str]
) -> None:
    for day in range(6, 0, -1):
        dose = ["journal", "add", "dose", "2", "g", "-p", "leaf-powder", "--at", at(day, 8)]
        assert run(dose) == 0
        assert run(["journal", "add", "pain", str(4 + day % 3), "--at", at(day, 11)]) == 0
    capsys.readouterr()
    target = tmp_path / "journal-report.html"
    assert run(["journal", "report", "-o", str(target), "--meds", "alprazolam"]) == 0
    said = capsys.readouterr().out
    assert "with your own forecast" in said
    html = target.read_text(encoding="utf-8")
    assert "Forecast fitted to the person's own entries" in html and "Alprazolam" in html
    assert "As logged: <b>2 g once a day, 6 days; 6 doses" in html
    data = json.loads(target.with_suffix(".json").read_text(encoding="utf-8"))
    assert data["journal"]["forecast"]["fitted"] is True


def test_bad_requests_are_clear_errors(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["journal", "report", "-o", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert "No journal entries in this period" in err and "Traceback" not in err
    assert run(["journal", "report", "-o", str(tmp_path / "r.txt")]) == 2
    assert "must be .pdf or .html" in capsys.readouterr().err
    assert run(["journal", "report", "--last", "soon"]) == 2
    assert "Cannot read --last" in capsys.readouterr().err
