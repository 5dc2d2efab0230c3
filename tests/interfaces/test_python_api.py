"""The Python API as a notebook uses it: every entry at the top level, tables, reprs, errors."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

import kratomsim
from kratomsim.errors import KratomsimError

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = ("simulate", "outcomes", "trial", "check", "interactions", "taper", "report", "cite")
REGIMEN = "2 g every 8 h for 2 days"


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Each entry called once, small enough to run in seconds."""
    tmp = tmp_path_factory.mktemp("api")
    return {
        "simulate": kratomsim.simulate(REGIMEN, product="tea"),
        "outcomes": kratomsim.outcomes(REGIMEN, pain="chronic", draws=6, seed=3),
        "trial": kratomsim.trial("2 g once", n=24, duration="2 d", thresholds=["cmax_mg_nm>50"]),
        "check": kratomsim.check(medications="alprazolam, sertraline", conditions=["fatty liver"]),
        "interactions": kratomsim.interactions(REGIMEN, drugs=["midazolam"], draws=8),
        "taper": kratomsim.taper("4 g three times daily", plans=["stop", "-25% per week"], draws=2),
        "report": kratomsim.report("2 g once", output=tmp / "r.html", draws=20),
        "cite": kratomsim.cite("2 g once", product="tea"),
    }


def test_every_entry_is_at_the_top_level() -> None:
    for name in (*ENTRIES, "validate", "Journal"):
        assert name in kratomsim.__all__ and callable(getattr(kratomsim, name)), name


def test_exposure_frame(results: dict[str, Any]) -> None:
    frame = results["simulate"].to_frame()
    assert list(frame.columns) == ["time_h", "mitragynine", "7-hydroxymitragynine"]
    assert (frame[["mitragynine", "7-hydroxymitragynine"]] >= 0).all().all()
    assert frame["mitragynine"].max() > 0 and frame["time_h"].is_monotonic_increasing


def test_outcomes_frame_has_intervals(results: dict[str, Any]) -> None:
    frame = results["outcomes"].to_frame()
    for name in ("mu_activation", "tolerance", "withdrawal_score"):
        assert {name, f"{name}_low", f"{name}_high"} <= set(frame.columns)
        assert (frame[f"{name}_low"] <= frame[f"{name}_high"] + 1e-12).all()
    assert frame["mu_activation"].max() > 0


def test_trial_frames_order_their_percentiles(results: dict[str, Any]) -> None:
    pop = results["trial"]
    scalars = pop.to_frame()
    assert {"scalar", "mean", "sd", "n", "p5", "p50", "p95"} <= set(scalars.columns)
    assert "cmax_mg_nm" in set(scalars["scalar"]) and (scalars["n"] == 24).all()
    assert (scalars["p5"] <= scalars["p50"]).all() and (scalars["p50"] <= scalars["p95"]).all()
    cmax = scalars.set_index("scalar").loc["cmax_mg_nm"]
    assert cmax["p5"] > 0
    bands = pop.bands_frame()
    assert {"time_h", "output", "p5", "p50", "p95"} <= set(bands.columns)
    assert (bands["p5"] <= bands["p95"] + 1e-12).all()


def test_check_findings_and_names(results: dict[str, Any]) -> None:
    report = results["check"]
    frame = report.to_frame()
    assert list(frame.columns) == [
        "rule_id",
        "severity",
        "category",
        "title",
        "what",
        "grades",
        "discuss",
    ]
    assert len(frame) >= 1  # a benzodiazepine with kratom: additive CNS depression
    assert set(frame["severity"]) <= {"avoid", "major", "moderate", "minor", "info"}
    assert [m.matched for m in report.names][:1] and len(report.names) == 2


def test_interactions_frame(results: dict[str, Any]) -> None:
    row = results["interactions"].to_frame().iloc[0]
    assert row["drug"].startswith("Midazolam")
    # kratom inhibits CYP3A: the exposure of midazolam, a CYP3A substrate, rises
    assert row["auc_ratio"] > 1.0
    assert row["auc_ratio_low"] <= row["auc_ratio_high"]


def test_taper_frame(results: dict[str, Any]) -> None:
    frame = results["taper"].to_frame()
    assert list(frame["plan"]) == ["stop", "-25% per week"]
    assert (frame["peak_withdrawal_score"] >= 0).all()
    # stopping at once gives no taper days; a 25 % weekly taper takes weeks
    assert frame.loc[0, "taper_days"] == 0 and frame.loc[1, "taper_days"] > 7


def test_report_writes_the_files(results: dict[str, Any]) -> None:
    files = results["report"]
    assert [p.suffix for p in files.paths] == [".html", ".json"]
    assert all(p.stat().st_size > 0 for p in files.paths)
    assert "<html" in files.paths[0].read_text(encoding="utf-8").lower()


def test_cite_frame(results: dict[str, Any]) -> None:
    frame = results["cite"].to_frame()
    assert {"name", "value", "unit", "grade", "source"} <= set(frame.columns)
    assert frame["source"].notna().all() and len(frame) == len(results["cite"].used)
    assert "[" in results["cite"].bibliography()


@pytest.mark.parametrize("name", ENTRIES)
def test_reprs_are_short_and_html_is_a_table(results: dict[str, Any], name: str) -> None:
    result = results[name]
    text = repr(result)
    assert "\n" not in text and len(text) < 400, text
    assert "array(" not in text
    assert "<table" in result._repr_html_()


@pytest.mark.parametrize("name", ENTRIES)
def test_results_are_frozen(results: dict[str, Any], name: str) -> None:
    result = results[name]
    field = dataclasses.fields(result)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(result, field, None)


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: kratomsim.outcomes("2 g once", draws=0), "draws"),
        (lambda: kratomsim.outcomes("2 g once", pain="severe"), "pain"),
        (lambda: kratomsim.outcomes("2 g once", hypothesis="ecs"), "hypothesis"),
        (lambda: kratomsim.simulate("2 g once", product="tee"), "product"),
        (lambda: kratomsim.trial("2 g once", n=0), "n must"),
        (lambda: kratomsim.check(), "medications"),
        (lambda: kratomsim.check(medications=[3]), "medications"),
        (lambda: kratomsim.interactions(REGIMEN, drugs=[]), "drugs"),
        (lambda: kratomsim.taper("4 g daily", plans=""), "plans"),
        (lambda: kratomsim.report("2 g once", output="r.txt"), "output"),
    ],
)
def test_bad_keyword_values_name_the_parameter(call: Any, named: str) -> None:
    with pytest.raises(KratomsimError) as exc:
        call()
    message = str(exc.value)
    assert named in message and "--" not in message, message


def test_the_journal(tmp_path: Path) -> None:
    from kratomsim.journal import PainEntry

    with kratomsim.Journal(tmp_path / "j.sqlite3") as journal:
        journal.add(PainEntry(6, "2026-11-20 08:10"))
        journal.add(PainEntry(4, "2026-11-21 08:10"))
        frame = journal.to_frame()
        assert list(frame["nrs"]) == [6, 4] and set(frame["kind"]) == {"pain"}
        assert {"id", "at", "created_at"} <= set(frame.columns)
        assert str(frame["at"].dt.tz) == "UTC"
        assert "<table" in journal._repr_html_() and "\n" not in repr(journal)


def test_py_typed_ships_with_the_package() -> None:
    assert resources.files("kratomsim").joinpath("py.typed").is_file()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    # the wheel packs the whole package folder, data files and the marker included
    assert config["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["src/kratomsim"]


def test_importing_the_reports_leaves_the_matplotlib_backend_alone() -> None:
    code = (
        "import matplotlib, pkgutil, importlib, kratomsim.reports as r\n"
        "for m in pkgutil.iter_modules(r.__path__):\n"
        "    importlib.import_module(f'kratomsim.reports.{m.name}')\n"
        "print(matplotlib.rcParams._get_backend_or_none())\n"
    )
    env = {**os.environ, "MPLBACKEND": "svg"}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "svg"


@pytest.mark.slow
def test_validate_compares_predictions_with_observations() -> None:
    checked = kratomsim.validate(fast=True)
    frame = checked.to_frame()
    assert {"what", "unit", "observed", "predicted", "used_for_fitting"} <= set(frame.columns)
    assert len(frame) == len(checked.qualification.comparisons) > 0
    assert (frame["predicted"].dropna() >= 0).all()
    assert "\n" not in repr(checked) and "<table" in checked._repr_html_()


@pytest.mark.slow
def test_the_notebook_example_runs_every_entry() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "notebook.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    titles = [line[3:] for line in proc.stdout.splitlines() if line.startswith("## ")]
    assert sorted(titles) == sorted([*ENTRIES, "validate", "Journal"])
    # each table's head is printed under its summary line
    for header in ("time_h", "rule_id", "auc_ratio", "peak_withdrawal_score", "observed"):
        assert header in proc.stdout, header
