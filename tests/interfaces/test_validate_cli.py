"""``kratomsim validate``: the JSON schema scripts rely on, the report files, bad paths, --brief."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from kratomsim.analyses.validation_scores import CATEGORIES
from kratomsim.interfaces.cli import main

ESTIMATE = {"value", "low", "high", "statistic", "interval", "text", "typical"}
COMPARISON = {
    "key", "category", "what", "unit", "source", "locator", "used_for_fitting", "sample", "n",
    "observed", "predicted", "scoring", "fold_error", "abs_fold_error", "fold_error_undefined",
    "abs_difference", "within_1_25", "within_2", "interval_check", "interval_check_passed",
    "agrees", "note",
}  # fmt: skip
SUMMARY = {
    "category", "sample", "n", "n_fold", "gmfe", "within_1_25", "within_2", "n_absolute",
    "mean_abs_difference", "n_qualitative", "n_agree", "n_interval", "n_covered",
}  # fmt: skip


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    captured = capsys.readouterr()
    assert isinstance(exc.value.code, int)
    return exc.value.code, captured.out, captured.err


@pytest.fixture(scope="module")
def fast_json(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path, str]:
    """One fast run for the module (capsys is per test: capture by hand)."""
    html = tmp_path_factory.mktemp("validate") / "validation.html"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        with pytest.raises(SystemExit) as exc:
            main(["validate", "--fast", "--format", "json", "--html", str(html)])
    assert exc.value.code == 0, err.getvalue()
    return json.loads(out.getvalue()), html, err.getvalue()


def test_json_schema_is_pinned(fast_json: tuple[dict, Path, str]) -> None:
    doc, _, _ = fast_json
    assert set(doc) == {
        "schema", "kratomsim_version", "disclaimer", "settings", "categories", "summary",
        "overall_out_of_sample", "comparisons", "not_predicted",
    }  # fmt: skip
    assert doc["schema"] == "kratomsim-validate/1"
    assert set(doc["settings"]) == {"fast", "seed", "virtual_people", "virtual_studies"}
    assert doc["settings"]["fast"] is True
    categories = [c["category"] for c in doc["categories"]]
    assert categories == ["pharmacokinetics", "interactions", "outcomes", "side_effects"]
    assert all(set(c) == {"category", "title", "note"} for c in doc["categories"])
    assert all(set(s) == SUMMARY for s in [*doc["summary"], doc["overall_out_of_sample"]])
    assert {(s["category"], s["sample"]) for s in doc["summary"]} == {
        (c, s) for c in categories for s in ("in", "out")
    }
    assert doc["comparisons"], "no comparison at all"
    for c in doc["comparisons"]:
        assert set(c) == COMPARISON, c["key"]
        assert set(c["observed"]) == ESTIMATE and set(c["predicted"]) == ESTIMATE
        assert c["category"] in categories and c["sample"] in ("in", "out")
        assert c["sample"] == ("in" if c["used_for_fitting"] else "out")
    assert all(
        set(n) == {"category", "key", "what", "source", "reason"} for n in doc["not_predicted"]
    )


def test_json_counts_agree_with_the_rows(fast_json: tuple[dict, Path, str]) -> None:
    doc, _, _ = fast_json
    for s in doc["summary"]:
        rows = [
            c
            for c in doc["comparisons"]
            if c["category"] == s["category"] and c["sample"] == s["sample"]
        ]
        assert s["n"] == len(rows)
        assert s["n_fold"] == sum(c["fold_error"] is not None for c in rows)
        within = [c["within_2"] for c in rows if c["within_2"] is not None]
        assert s["within_2"] == (sum(within) / len(within) if within else None)


def test_html_is_written_beside_the_json(fast_json: tuple[dict, Path, str]) -> None:
    _, html, err = fast_json
    page = html.read_text(encoding="utf-8")
    assert "How well the model predicts what was measured in people" in page
    assert "<table" in page and "Drug levels in blood" in page
    assert f"wrote {html}" in err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--pdf", "no-such-folder/x.pdf"], ["--pdf", "no-such-folder", "does not exist"]),
        (["--html", "report.txt"], ["--html", "report.txt", ".html"]),
        (["--seed", "-1"], ["--seed", "-1"]),
        (["--brief", "--format", "json"], ["--brief --format json", "not json"]),
    ],
)
def test_bad_options_exit_2_with_one_line_and_no_work(
    capsys: pytest.CaptureFixture[str], argv: list[str], words: list[str]
) -> None:
    code, out, err = run(capsys, "validate", "--fast", *argv)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    for w in words:
        assert w in err, (w, err)


def test_help_documents_the_json_keys(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", "--help")
    assert code == 0
    flat = " ".join(out.split())
    for key in ("kratomsim-validate/1", "used_for_fitting", "fold_error", "gmfe", "within_1_25"):
        assert key in flat, key


def test_brief_gives_one_line_per_category_and_one_for_all(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # one printed line per brief line
    code, out, _ = run(capsys, "validate", "--fast", "--brief")
    assert code == 0
    lines = [line for line in out.splitlines() if line.strip()]
    for title in CATEGORIES.values():
        assert sum(line.strip().startswith(f"{title}:") for line in lines) == 1, title
    overall = [line for line in lines if line.strip().startswith("All categories:")]
    assert len(overall) == 1 and "not-fitted rows, GMFE" in overall[0]
    assert lines[-1].startswith("More: ") and len(lines) == len(CATEGORIES) + 3
