"""`kratomsim check`: table and JSON output; bad input exits 2 with one line and no traceback."""

from __future__ import annotations

import csv
import io
import json

import pytest

from kratomsim.interfaces.cli import run

EXAMPLE = [
    "check",
    "--meds",
    "alprazolam, sertraline, atorvastatin",
    "--conditions",
    "fatty liver",
    "--regimen",
    "3 g three times daily",
    "--product",
    "leaf-powder",
]


def test_table_lists_findings_by_severity_and_ends_with_the_disclaimer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(EXAMPLE) == 0
    out = capsys.readouterr().out
    for text in ("R3", "R7", "R13", "R17", "R20", "major", "moderate", "tay2016", "ahmad2021"):
        assert text in out, text
    assert out.index("major") < out.index("moderate")
    assert "hERG margin" in out and "fatty liver" in out
    last = [line for line in out.splitlines() if line.strip()][-1]
    assert "clinician" in last
    assert "Not advice" in out


def test_json_has_every_field(capsys: pytest.CaptureFixture[str]) -> None:
    assert run([*EXAMPLE, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    rules = [f["rule_id"] for f in data["findings"]]
    assert rules[0] == "R3" and "R17" in rules
    first = data["findings"][0]
    assert first["grades"] and first["sources"] and first["discuss"] and first["why"]
    assert data["regimen"]["herg_margin"]["value"] > 0
    assert "clinician" in data["disclaimer"]
    assert data["medications"][1] == {"id": "sertraline", "name": "Sertraline"}


def test_conditions_alone(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["check", "--conditions", "pregnant", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [f["rule_id"] for f in data["findings"]] == ["R18"]
    assert data["findings"][0]["severity"] == "avoid"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["check"], "Nothing to check"),
        (["check", "--product", "leaf-powder"], "Nothing to check"),
        (["check", "--meds", "zzqx"], "Unknown medication"),
        (["check", "--meds", "sertrallinee"], "Did you mean 'sertraline'"),
        (["check", "--meds", "  ,  "], "medication"),
        (["check", "--conditions", ""], "The condition list is empty"),
        (["check", "--conditions", "cirhosis"], "Did you mean 'cirrhosis'"),
        (["check", "--conditions", "pregnant, postmenopausal"], "pregnant, postmenopausal"),
        (["check", "--regimen", "three grams sometimes"], "error:"),
        (["check", "--meds", "alprazolam", "--brief", "--format", "csv"], "--brief"),
        (["check", "--regimen", "2 g once", "--product", "leafy"], "Unknown product"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    assert run(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert expected in lines[0]
    assert "Traceback" not in captured.err and captured.out == ""


def test_street_names_classes_and_one_letter_typos_are_shown_as_read(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["check", "--meds", "xanax bars, MAOI, sertralinee"]) == 0
    out = capsys.readouterr().out
    assert "Read xanax bars → alprazolam (street name)." in out
    assert "Read MAOI → MAOIs (monoamine oxidase inhibitors) (class check over 4" in out
    assert "Read sertralinee → sertraline (closest spelling)." in out


def test_check_writes_one_csv_row_per_finding(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["check", "--meds", "benzos", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][:3] == ["severity", "category", "rule"]
    assert [r[2] for r in rows[1:]] == ["R3"]  # one finding for the class, not one per member
