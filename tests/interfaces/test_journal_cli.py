"""The ``journal`` commands: add, show, edit, delete, undo, export, import, backup, path."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kratomsim.interfaces.cli import run
from kratomsim.journal import open_journal


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KRATOMSIM_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def ok(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = run(["journal", *argv])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.err == ""
    return captured.out


def fails(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run a command that must fail: exit 2, one line on stderr, nothing on stdout."""
    code = run(["journal", *argv])
    captured = capsys.readouterr()
    assert code == 2, captured
    assert captured.out == ""
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1
    assert "Traceback" not in captured.err
    return captured.err


def shown(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, object]]:
    return json.loads(ok(capsys, "show", "--format", "json", *argv))["entries"]


def fill(capsys: pytest.CaptureFixture[str]) -> None:
    ok(capsys, "add", "dose", "2.5", "g", "--product", "leaf-powder", "--at", "2026-11-20 08:10")
    ok(capsys, "add", "pain", "6", "--at", "2026-11-20 09:00")
    ok(capsys, "add", "peg", "6", "5", "7", "--at", "2026-11-20 09:00")
    ok(capsys, "add", "symptom", "nausea", "2", "--at", "2026-11-20 10:00")
    ok(capsys, "add", "withdrawal", "--sows", "14", "--at", "2026-11-21 08:00")
    ok(capsys, "add", "note", "slept badly, 2 awakenings", "--at", "2026-11-21 09:00")


def test_path_and_add_every_kind(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    assert ok(capsys, "path").strip() == str(home / "journal.sqlite3")
    assert "No journal entries yet" in ok(capsys, "show")
    assert not (home / "journal.sqlite3").exists()  # showing creates nothing
    fill(capsys)
    assert stat.S_IMODE((home / "journal.sqlite3").stat().st_mode) == 0o600
    entries = shown(capsys)
    assert [(e["id"], e["kind"]) for e in entries] == [
        (1, "dose"),
        (2, "pain"),
        (3, "peg"),
        (4, "symptom"),
        (5, "withdrawal"),
        (6, "note"),
    ]
    assert entries[0]["amount"] == 2.5 and entries[0]["product"] == "leaf-powder"
    assert (entries[2]["pain"], entries[2]["enjoyment"], entries[2]["activity"]) == (6, 5, 7)
    assert entries[4]["sows"] == 14
    assert entries[5]["text"] == "slept badly, 2 awakenings"
    table = ok(capsys, "show")
    for expected in (
        "2.5 g of leaf-powder",
        "pain NRS 6/10",
        "PEG-3 6/5/7",
        "nausea 2/10",
        "SOWS 14/64",
    ):
        assert expected in table


def test_show_filters(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    three_days_ago = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    ok(capsys, "add", "pain", "3", "--at", three_days_ago)
    ok(capsys, "add", "pain", "5")
    ok(capsys, "add", "note", "today")
    assert [e["nrs"] for e in shown(capsys, "--kind", "pain")] == [3, 5]
    assert [e.get("nrs") for e in shown(capsys, "--last", "2d")] == [5, None]
    assert len(shown(capsys, "--last", "4d")) == 3
    assert len(shown(capsys, "--last", "1w", "--kind", "note")) == 1
    assert "No journal entries in that span" in ok(capsys, "show", "--kind", "dose")


def test_edit_delete_undo(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    fill(capsys)
    assert "pain NRS 4/10" in ok(capsys, "edit", "2", "--set", "nrs=4")
    assert "2026-11-20 09:30" in ok(capsys, "edit", "2", "--at", "2026-11-20 09:30")
    assert "journal undo" in ok(capsys, "delete", "2")
    assert 2 not in [e["id"] for e in shown(capsys)]
    deleted = [e for e in shown(capsys, "--deleted") if e["id"] == 2]
    assert deleted[0]["deleted_at"] is not None
    assert "restored #2" in ok(capsys, "undo")
    pain = next(e for e in shown(capsys) if e["id"] == 2)
    assert pain["nrs"] == 4 and pain["updated_at"] is not None


def test_export_import_and_backup(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(capsys)
    exported = json.loads(ok(capsys, "export", "--format", "json"))  # JSON only on stdout
    assert len(exported["entries"]) == 6
    for fmt in ("csv", "json", "nonmem"):
        out_file = tmp_path / f"journal.{fmt}.txt"
        assert "exported 6 entries" in ok(capsys, "export", "-f", fmt, "-o", str(out_file))
        assert stat.S_IMODE(out_file.stat().st_mode) == 0o600
    backup = tmp_path / "backup.sqlite3"
    assert "(6 entries)" in ok(capsys, "backup", str(backup))
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    with open_journal(backup, readonly=True) as copy:
        assert copy.count() == 6

    monkeypatch.setenv("KRATOMSIM_HOME", str(tmp_path / "other"))
    assert "imported 6 entries" in ok(capsys, "import", str(tmp_path / "journal.csv.txt"))
    assert [
        {k: v for k, v in e.items() if k not in ("id", "created_at")} for e in shown(capsys)
    ] == [
        {k: v for k, v in e.items() if k not in ("id", "created_at")} for e in exported["entries"]
    ]
    # The same file again: every row is a duplicate, so nothing is imported.
    assert "Duplicate" in fails(capsys, "import", str(tmp_path / "journal.csv.txt"))
    assert len(shown(capsys)) == 6

    monkeypatch.setenv("KRATOMSIM_HOME", str(tmp_path / "third"))
    nonmem = str(tmp_path / "journal.nonmem.txt")
    assert "imported 5 entries" in ok(capsys, "import", nonmem, "--format", "nonmem")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("add", "pain", "11"), "Invalid pain nrs: got '11'"),
        (("add", "pain", "six"), "Invalid pain nrs: got 'six'"),
        (("add", "dose", "2,5", "g", "-p", "tea"), "Invalid dose amount: got '2,5'"),
        (("add", "peg", "6", "5"), "Missing argument"),
        (("add", "dose", "2", "g"), "--product"),
        (("add", "dose", "2", "g", "--product", "gummies"), "Unknown product"),
        (("add", "symptom", "nausia", "2"), "Did you mean 'nausea'"),
        (("add", "withdrawal", "--sows", "70"), "withdrawal sows: got '70'"),
        (("add", "dose", "1e308", "-p", "tea"), "at most 150 g"),
        (("add", "dose", "2", "tsp", "-p", "tea"), "needs g_per_unit"),
        (("add", "withdrawal", "--items", "1 2 x"), "not a whole number"),
        (("add", "withdrawal"), "needs a score"),
        (("add", "substance", "foobarin"), "Unknown medication"),
        (("add", "note", ""), "needs some text"),
        (("add", "pain", "3", "--at", "2099-01-01 08:00"), "future"),
        (("edit", "99", "--set", "nrs=2"), "No journal entry with this id: got 99"),
        (("edit", "1", "--set", "nrs"), "Cannot read --set"),
        (("edit", "1", "--set", "mood=2"), "unexpected"),
        (("delete", "99"), "No journal entry"),
        (("undo",), "Nothing to undo"),
        (("show", "--last", "fortnight"), "Cannot read --last"),
        (("show", "--kind", "mood"), "Unknown entry kind"),
        (("show", "--since", "last tuesday"), "Cannot read the time 'since'"),
        (("export", "--format", "xml"), "xml"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], home: Path, argv: tuple[str, ...], message: str
) -> None:
    ok(capsys, "add", "pain", "5", "--at", "2026-11-20 08:00")
    before = shown(capsys, "--deleted")
    assert message in fails(capsys, *argv)
    assert shown(capsys, "--deleted") == before


def test_bad_import_and_backup_files(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    ok(capsys, "add", "pain", "5", "--at", "2026-11-20 08:00")
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,at,nrs\npain,2026-11-01 08:00,4\npain,2026-11-01 09:00,12\n")
    assert "Row 3" in fails(capsys, "import", str(bad))
    assert "Cannot read or write a file" in fails(capsys, "import", str(tmp_path / "none.csv"))
    (tmp_path / "exists.sqlite3").write_text("")
    assert "already exists" in fails(capsys, "backup", str(tmp_path / "exists.sqlite3"))
    assert [e["nrs"] for e in shown(capsys)] == [5]


# --- red flags, household units, other substances -------------------------------------------------


def test_a_red_flag_symptom_prints_the_seek_care_panel(
    capsys: pytest.CaptureFixture[str], home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = ok(capsys, "add", "symptom", "breathing difficulty", "8")
    assert "added #1 symptom" in out and "Seek care now" in out
    assert "911 (US) / 112 (EU)" in out and "naloxone" in out and "alone" in out
    monkeypatch.setenv("KRATOMSIM_EMERGENCY_NUMBER", "000 (Australia)")
    out = ok(capsys, "add", "note", "woke up with yellow eyes and dark urine")
    assert "Seek medical care today" in out and "000 (Australia)" in out
    assert "2-49 days" in out  # the liver watch window
    quiet = ok(capsys, "add", "symptom", "nausea", "8")
    assert "Seek" not in quiet
    absent = ok(capsys, "add", "symptom", "jaundice", "0")
    assert "Seek" not in absent


def test_household_units_sows_items_and_substances(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    out = ok(capsys, "add", "dose", "2", "tsp", "-p", "leaf-powder", "--g-per-unit", "2.5")
    assert "2 tsp (2.5 g each) of leaf-powder" in out
    ok(capsys, "add", "dose", "1", "tablet", "-p", "7oh-concentrate", "--7oh-mg-per-unit", "15")
    ok(capsys, "add", "withdrawal", "--items", "0 1 2 3 4 0 1 2 3 4 0 1 2 3 4 0")
    out = ok(capsys, "add", "substance", "Xanax", "1", "tablet")
    assert "With kratom: dangerous" in out and "alone" in out and "naloxone" not in out
    out = ok(capsys, "add", "substance", "oxycodone")
    assert "naloxone" in out
    entries = shown(capsys)
    assert entries[0]["g_per_unit"] == 2.5 and entries[1]["oh7_mg_per_unit"] == 15
    assert entries[2]["sows"] == 30 and len(entries[2]["items"]) == 16  # type: ignore[arg-type]
    assert entries[3]["name"] == "alprazolam" and entries[3]["unit"] == "tablet"


def test_check_free_text_describing_a_red_flag_shows_the_panel(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    code = run(["check", "--conditions", "jaundice"])
    captured = capsys.readouterr()
    assert code == 2  # not a known condition: the check itself refuses it...
    assert "Seek medical care today" in captured.out  # ...but the panel came first
    code = run(["check", "--meds", "alprazolam", "--conditions", "chest pain", "-f", "json"])
    captured = capsys.readouterr()
    assert "Seek care now" in captured.err and captured.out == ""


def test_a_dose_typed_with_its_unit_in_one_word_is_split(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    ok(capsys, "add", "dose", "2 g", "-p", "tea", "--at", "2026-11-20 08:00")
    ok(capsys, "add", "dose", "2.5g", "-p", "tea", "--at", "2026-11-20 14:00")
    ok(capsys, "add", "dose", "500 mg", "-p", "tea", "--at", "2026-11-20 20:00")
    doses = [(e["amount"], e["unit"]) for e in shown(capsys)]
    assert doses == [(2.0, "g"), (2.5, "g"), (500.0, "mg")]
    err = fails(capsys, "add", "dose", "2 mg", "tsp", "-p", "tea", "--g-per-unit", "2")
    assert "2 mg tsp" in err and "unit once" in err
    assert len(shown(capsys)) == 3
