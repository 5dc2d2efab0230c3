"""The command line: every documented command works; bad input exits 2 with one clear line."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kratomsim.analyses import calibration
from kratomsim.analyses.calibration import shipped_parameter_file
from kratomsim.evidence import load_parameters
from kratomsim.interfaces.cli import main

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DEMO = "2 g every 8 h for 14 days"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run ``kratomsim *argv`` in-process; return (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    captured = capsys.readouterr()
    code = exc.value.code
    assert isinstance(code, int)
    return code, captured.out, captured.err


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


# --- simulate ---------------------------------------------------------------------------------


def test_simulate_table_with_plot(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    png = tmp_path / "exposure.png"
    code, out, err = run(capsys, "simulate", DEMO, "--product", "leaf-powder", "--plot", str(png))
    assert code == 0, err
    data = png.read_bytes()
    assert len(data) > 10_000 and data[:8] == PNG_MAGIC
    assert "Cmax (ng/mL)" in out and "time to 90 % of steady state" in out
    assert "mitragynine" in out and "7-hydroxymitragynine" in out
    assert "Alkaloid content used" in out and "13.3" in out and "huestis2024" in out
    assert "ASSUMPTION" in out and "fg_mg" in out
    flat = " ".join(out.split())  # what each flagged parameter is, in words, beside its name
    assert "Blood-to-plasma concentration ratio" in flat and "what it is" in flat
    assert "does not prescribe" in out and "clinician" in out
    assert str(png) in out


def test_simulate_json_is_the_only_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "simulate", DEMO, "--product", "tea", "--format", "json")
    assert code == 0
    data = json.loads(out)  # stdout holds nothing but the JSON document
    assert {"series", "unit", "summary", "regimen", "product", "assumptions", "disclaimer"} <= set(
        data
    )
    assert data["unit"] == "ng/mL"
    assert set(data["series"]) == {"time_h", "mitragynine", "7-hydroxymitragynine"}
    assert len(data["series"]["time_h"]) == len(data["series"]["mitragynine"])
    assert set(data["summary"]) == {"mitragynine", "7-hydroxymitragynine"}
    for analyte in data["summary"].values():
        for key in ("cmax_ng_ml", "tmax_h", "auc_ng_h_ml", "auc_inf_ng_h_ml"):
            assert analyte[key] > 0, key
        assert analyte["last_trough_ng_ml"] > 0
        assert "time_to_90pct_steady_state_h" in analyte
        assert 0 < analyte["time_to_90pct_steady_state_h"] < 14 * 24
    assert data["product"]["id"] == "tea"
    assert data["product"]["content"]["mitragynine"]["source"] == "tanna2022"
    assert data["product"]["content"]["mitragynine"]["grade"] == "A"
    assert data["regimen"]["text"] == DEMO and data["regimen"]["doses"] == 42
    assert {a["name"] for a in data["assumptions"]} >= {"fg_mg", "vm_7oh"}
    assert all(a["note"] for a in data["assumptions"])
    assert "not a recommendation" in data["disclaimer"]


def test_simulate_csv_with_overrides(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "simulate",
        "2 g once",
        "--product",
        "tea",
        "--mg-per-g",
        "19.5",
        "--duration",
        "10 d",
        "--format",
        "csv",
    )
    assert code == 0 and err == ""
    rows = csv_rows(out)
    assert rows[0] == ["time_h", "mitragynine", "7-hydroxymitragynine"]
    values = [[float(x) for x in row] for row in rows[1:]]  # nothing but numbers follows
    assert values[0][0] == 0.0
    assert values[-1][0] == pytest.approx(240.0)
    peak = max(row[1] for row in values)
    assert 20 < peak < 45  # Tanna 2022 median Cmax 32.6 ng/mL for 2 g tea (pk.md §2.2)


def test_simulate_nm_unit(capsys: pytest.CaptureFixture[str]) -> None:
    _, ng, _ = run(capsys, "simulate", "2 g once", "--duration", "1 d", "--format", "csv")
    _, nm, _ = run(
        capsys, "simulate", "2 g once", "--duration", "1 d", "--format", "csv", "--unit", "nM"
    )
    a = [float(r[1]) for r in csv_rows(ng)[1:]]
    b = [float(r[1]) for r in csv_rows(nm)[1:]]
    assert max(b) / max(a) == pytest.approx(1000 / 398.5, rel=1e-4)
    code, out, _ = run(
        capsys, "simulate", "2 g once", "--duration", "36 h", "--format", "json", "--unit", "nM"
    )
    assert code == 0 and json.loads(out)["unit"] == "nM"


def test_simulate_scenario_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text('regimen: "2 g every 8 h for 2 days"\nproduct: tea\nduration: "5 d"\n')
    code, out, _ = run(capsys, "simulate", str(path), "--format", "csv")
    assert code == 0
    rows = csv_rows(out)
    assert rows[0] == ["time_h", "mitragynine", "7-hydroxymitragynine"]
    assert float(rows[-1][0]) == pytest.approx(120.0)
    # The product comes from the scenario; the command line overrides it.
    _, out, _ = run(capsys, "simulate", str(path), "--format", "json")
    assert json.loads(out)["product"]["id"] == "tea"
    _, out, _ = run(capsys, "simulate", str(path), "--format", "json", "--product", "extract")
    assert json.loads(out)["product"]["id"] == "extract"


def test_simulate_toml_scenario_with_dose_records(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "scenario.toml"
    path.write_text(
        'name = "two doses"\nduration = "2 d"\n'
        '[[doses]]\ntime = "0 h"\namount = "1 g"\nii = "12 h"\naddl = 1\n'
    )
    code, out, _ = run(capsys, "simulate", str(path), "--format", "json")
    assert code == 0
    assert json.loads(out)["regimen"]["dose_times_h"] == [0.0, 12.0]


def test_7oh_content_option(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ("simulate", "1 g once", "--product", "leaf-powder", "--format", "json")
    code, out, _ = run(capsys, *argv, "--7oh-mg-per-g", "5", "--duration", "2 d")
    assert code == 0
    data = json.loads(out)
    assert data["product"]["7oh_mg_per_g"] == 5.0
    assert data["product"]["content"]["7-hydroxymitragynine"]["kind"] == "user"
    _, base, _ = run(capsys, *argv, "--duration", "2 d")
    more = data["summary"]["7-hydroxymitragynine"]["cmax_ng_ml"]
    assert more > json.loads(base)["summary"]["7-hydroxymitragynine"]["cmax_ng_ml"]


def test_svg_plot(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    svg = tmp_path / "exposure.svg"
    code, out, err = run(capsys, "simulate", "2 g once", "--plot", str(svg), "--format", "csv")
    assert code == 0
    assert "<svg" in svg.read_text()
    assert str(svg) in err and str(svg) not in out  # csv stdout stays clean


# --- cite, products, calibrate, demo -----------------------------------------------------------


def test_cite_lists_exactly_the_sources_used(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "cite", DEMO)
    assert code == 0
    assert "@article{tanna2022," in out and "@article{huestis2024," in out
    assert "[huestis2024] Huestis MA" in out and "[tanna2022] Tanna RS" in out
    assert "brown2025" not in out  # content of 7-OH products was not used
    ka = load_parameters()["ka_capsule"]  # the shipped value, with its unit and grade
    assert f"ka_capsule = {ka.value:g} 1/h" in out and f"grade {ka.grade}" in out
    assert "fg_mg = 0.8 (range 0.5-1" in out and "ASSUMPTION" in out
    assert "leaf-powder.mg_per_g = 13.3 mg/g" in out


def test_cite_styles_and_user_values(capsys: pytest.CaptureFixture[str]) -> None:
    _, plain, _ = run(capsys, "cite", DEMO, "--style", "plain")
    assert "[tanna2022]" in plain and "@article" not in plain
    _, bib, _ = run(capsys, "cite", DEMO, "--style", "bibtex", "--product", "tea")
    assert "@article{tanna2022," in bib and "[tanna2022] Tanna" not in bib
    assert "ka_tea" in bib and "ka_capsule" not in bib
    _, user, _ = run(capsys, "cite", "2 g once", "--mg-per-g", "12")
    assert "leaf-powder.mg_per_g = 12 mg/g" in user and "user_input" in user


def test_cite_bibtex_parses_back_with_pybtex(capsys: pytest.CaptureFixture[str]) -> None:
    from pybtex.database import parse_string

    code, out, _ = run(capsys, "cite", DEMO, "--style", "bibtex")
    assert code == 0
    params, bib = out.split("\nBibTeX\n", 1)
    entries = parse_string(bib, "bibtex").entries
    assert {"tanna2022", "huestis2024"} <= set(entries)
    assert all(f"; {key}, " in params for key in entries)  # exactly the sources used
    tanna = entries["tanna2022"]
    assert str(tanna.persons["author"][0]) == "Tanna, R. S."
    assert tanna.fields["doi"] == "10.3390/pharmaceutics14030620"


def test_products(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "products")
    assert code == 0
    for text in ("leaf-powder", "tea", "extract", "7oh-concentrate", "13.3", "3.2–19.5"):
        assert text in out
    assert "brown2025" in out and "ASSUMPTION" in out


def test_calibrate_fast_reproduces_the_shipped_file(capsys: pytest.CaptureFixture[str]) -> None:
    shipped = shipped_parameter_file()
    code, out, _ = run(capsys, "calibrate", "--fast")
    assert code == 0
    assert "Fitted PK values" in out and "ka_capsule" in out and "1/h" in out
    assert "mg_cmax_nm" in out and "81.9" in out  # Tanna 2022 median
    assert "capsule tmax mitragynine" in out and "Huestis 2024" in out and "inside" in out
    assert "reproduced exactly" in out
    assert shipped_parameter_file() == shipped  # nothing written into the package


def test_calibrate_reports_a_changed_file_and_writes_only_where_told(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the command loads the calibration when it runs, so the module it reads from is patched
    monkeypatch.setattr(calibration, "shipped_parameter_file", lambda: "# stale\n")
    code, out, _ = run(capsys, "calibrate", "--fast")
    assert code == 1 and "NOT reproduced" in out and "--out FILE" in out
    assert not list(tmp_path.iterdir())
    target = tmp_path / "pk_calibrated.toml"
    code, out, _ = run(capsys, "calibrate", "--fast", "--out", str(target))
    assert code == 0 and f"wrote {target}" in out
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == shipped_parameter_file()
    code, out, _ = run(capsys, "calibrate", "--fast", "--out", str(target))
    assert code == 0 and "already matches" in out
    code, out, _ = run(capsys, "calibrate", "--fast", "--brief", "--out", str(target))
    assert code == 0 and "already matches" in out and "reproduced exactly" in out
    code, _, err = run(capsys, "calibrate", "--write")
    assert code == 2 and "--write" in err  # writing needs a path: the old flag is gone


def test_demo_runs_the_whole_system_and_writes_the_clinician_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "demo", "--out", str(out_dir), "--draws", "20")
    assert code == 0
    files = ("report.pdf", "report.html", "report.json", "timecourse.png", "series.csv")
    for name in files:
        assert (out_dir / name).stat().st_size > 0
        assert str(out_dir / name) in out  # where to look, each file with what it holds
    assert (out_dir / "report.pdf").read_bytes()[:4] == b"%PDF"
    assert (out_dir / "timecourse.png").read_bytes()[:8] == PNG_MAGIC
    # the whole system, in plain words: exposure, relief, breathing, tolerance, withdrawal after
    # stopping, interactions and findings (the demo's medications and condition)
    for needle in (
        "mitragynine peak in plasma",
        "relief of the usual pain",
        "breathing, largest change",
        "tolerance at the last dose",
        "withdrawal onset",
        "withdrawal peak",
        "Alprazolam: ×",
        "Findings:",
        "Liver disease",
        "does not prescribe",
    ):
        assert needle in out, needle
    assert err.count("demo: ") >= 3  # progress, one line per longer step, on stderr
    data = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
    assert {"R3", "R17"} <= {f["rule_id"] for f in data["findings"]}
    assert data["outlook"]["withdrawal_after_stopping"]["timeline"]["peak_score"] is not None
    html = (out_dir / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "Findings, most serious first" in html
    rows = csv_rows((out_dir / "series.csv").read_text(encoding="utf-8"))
    assert rows[0][:3] == ["time_h", "mitragynine", "7-hydroxymitragynine"]
    assert "withdrawal_score" in rows[0] and len(rows) > 20
    assert not any(str(x) in out for x in ("take 3 g", "reduce to"))


def test_help_and_no_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in ((), ("--help",)):
        code, out, _ = run(capsys, *argv)
        assert code == 0
        for command in ("simulate", "cite", "calibrate", "products", "demo"):
            assert command in out
    code, out, _ = run(capsys, "simulate", "--help")
    assert code == 0 and "--7oh-mg-per-g" in out and "--plot" in out


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["simulate", "two grams sometimes"], "sometimes"),
        (["simulate", "2 kg once"], "kg"),
        (["simulate", "2 g once", "--product", "tee"], "Did you mean 'tea'"),
        (["simulate", "0 g once"], "0 g"),
        (["simulate", "-2 g once"], "-2"),
        (["simulate", "500 g once"], "500 g"),
        (["simulate", "2 g every 0 h for 1 day"], "every 0 h"),
        (["simulate", "2 g once", "--mg-per-g", "-5"], "-5"),
        (["simulate", "2 g once", "--mg-per-g", "abc"], "'abc'"),
        (["simulate", "2 g once", "--7oh-mg-per-g", "2000"], "2000"),
        (["simulate", "2 g once", "--duration", "forever"], "forever"),
        (["simulate", "2 g once", "--plot", "out.gif"], "out.gif"),
        (["simulate", "2 g once", "--format", "xml"], "xml"),
        (["simulate", "2 g once", "--unit", "mg/L"], "mg/L"),
        (["simulate", "missing.yaml"], "missing.yaml"),
        (["simulate"], "REGIMEN"),
        (["simulate", "2 g once", "--prodcut", "tea"], "--prodcut"),
        (["cite", "2 g once", "--style", "apa"], "apa"),
        (["cite", "2 g once", "--product", "tee"], "tee"),
        (["frobnicate"], "frobnicate"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert needle in err
    assert "Traceback" not in err + out
    assert out == ""


def test_unwritable_plot_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "no such folder" / "x.png"
    code, out, err = run(capsys, "simulate", "2 g once", "--plot", str(target))
    assert code == 2 and err.count("\n") == 1
    assert str(target) in err and "folder" in err
    assert "Traceback" not in err + out


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('regimen: "2 g once"\ndoses: [{time: "0 h", amount: "2 g"}]\n', "contradict"),
        ('regimen: "2 g every 8 h for 1 day"\nmissed: [2]\nlate: {2: "1 h"}\n', "missed"),
        ("regimen: [unclosed\n", "YAML"),
        ('regimen: "2 g once"\ncolour: blue\n', "colour"),
        ('regimen: "2 g once"\nmg_per_g: -3\nduration: soon\n', "soon"),
        ("", "empty"),
    ],
)
def test_bad_scenario_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, needle: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    code, out, err = run(capsys, "simulate", str(path))
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert needle in err
    assert "Traceback" not in err + out


def test_console_script_has_no_traceback_on_error() -> None:
    exe = Path(sys.executable).with_name("kratomsim")
    assert exe.exists(), "the console script is declared in pyproject.toml"
    for cmd in ([str(exe)], [sys.executable, "-m", "kratomsim"]):
        proc = subprocess.run(
            [*cmd, "simulate", "2 g every 8 parsecs"], capture_output=True, text=True, check=False
        )
        assert proc.returncode == 2
        assert proc.stderr.startswith("error: ") and "parsecs" in proc.stderr
        assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_console_script_ends_with_everything_written(tmp_path: Path) -> None:
    """The console entry ends the process without the interpreter's teardown: what a command
    prints through a pipe and what it writes to the journal are all there, exit code kept."""
    env = {**os.environ, "KRATOMSIM_HOME": str(tmp_path)}

    def console(*argv: str) -> str:
        cmd = [sys.executable, "-m", "kratomsim", *argv]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    rows = list(csv.reader(io.StringIO(console("simulate", "2 g once", "--format", "csv"))))
    assert len(rows) > 1000 and all(len(r) == len(rows[0]) for r in rows)
    console("journal", "add", "dose", "2", "g", "--product", "tea")
    listed = json.loads(console("journal", "show", "--format", "json"))
    assert [e["kind"] for e in listed["entries"]] == ["dose"]


def test_claims_json_lists_text_grade_and_sources(capsys) -> None:
    code, out, _ = run(capsys, "claims", "--format", "json")
    assert code == 0
    claims = {c["id"]: c for c in json.loads(out)}
    assert claims["ecs_binding"]["grade"] == "unsupported"
    assert "shamima2012" in claims["ecs_binding"]["sources"]
    assert claims["opioid_receptors"]["grade"] == "strong"
    for c in claims.values():
        assert c["claim"] and c["sources"]
        assert c["grade"] in {"strong", "moderate", "weak", "unsupported", "contradicted"}


def test_claims_table_names_the_unsupported(capsys) -> None:
    code, out, _ = run(capsys, "claims")
    assert code == 0
    assert "Unsupported or contradicted" in out and "ecs_binding" in out


def test_simulate_outcomes_csv_adds_one_column_per_outcome(capsys) -> None:
    code, out, _ = run(
        capsys,
        "simulate",
        "2 g every 8 h for 3 days then stop",
        "--outcomes",
        "--format",
        "csv",
        "--draws",
        "10",
        "--duration",
        "6 d",
    )
    assert code == 0
    header = next(csv.reader(io.StringIO(out)))
    assert header[:3] == ["time_h", "mitragynine", "7-hydroxymitragynine"]
    for name in (
        "mu_activation",
        "tolerance",
        "withdrawal_score",
        "relief_nrs_points",
        "ventilation_change_pct",
        "pupil_change_mm",
        "nausea_probability",
        "sedation_probability",
    ):
        assert {name, f"{name}_low", f"{name}_high"} <= set(header)


def test_endocannabinoid_hypothesis_is_labelled(capsys) -> None:
    code, out, _ = run(
        capsys,
        "simulate",
        "2 g once",
        "--hypothesis",
        "endocannabinoid",
        "--format",
        "json",
        "--draws",
        "5",
        "--duration",
        "1 d",
    )
    assert code == 0
    data = json.loads(out)
    assert data["hypothesis"] == "endocannabinoid"
    assert "Shamima 2012" in data["hypothesis_note"]
    assert "ecs_activation_hypothesis" in data["series"]
    # breathing and pupils: series with bounds, their units with the sign in words, largest falls
    for name in ("ventilation_change_pct", "pupil_change_mm"):
        assert {name, f"{name}_low", f"{name}_high"} <= set(data["series"])
        assert "negative" in data["units"][name]
        fall = data["strongest"][name]
        assert fall["low"] <= fall["central"] <= 0.0


def test_taper_compares_plans(capsys, tmp_path: Path) -> None:
    png = tmp_path / "taper.png"
    code, out, _ = run(
        capsys,
        "taper",
        "4 g three times daily",
        "--plan",
        "-25% per week",
        "--plan",
        "stop",
        "--draws",
        "5",
        "--format",
        "json",
        "--plot",
        str(png),
    )
    assert code == 0
    payload = json.loads(out)
    plans = payload["plans"]
    assert [p["plan"] for p in plans] == ["-25% per week", "stop"]
    assert plans[1]["peak_withdrawal_score"] > plans[0]["peak_withdrawal_score"]
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert payload["draws"] == 5 and payload["interval_level"] == 0.9
    # each plan's withdrawal episode: onset, peak and when, duration, with intervals
    taper, stop = (p["withdrawal"] for p in plans)
    assert plans[0]["withdrawal_counted_from"] == "the plan's start"
    assert plans[1]["withdrawal_counted_from"] == "the last dose"
    assert taper["from_h"] < taper["after_last_dose_h"]  # a taper counts from its start
    assert stop["from_h"] == stop["after_last_dose_h"]
    for p, w in zip(plans, (taper, stop), strict=True):
        # the episode's peak is the plan's peak score, found from the series separately
        assert w["peak_score"] == pytest.approx(p["peak_withdrawal_score"], abs=0.006)
        # (5 draws: the central set need not lie inside the others' interval)
        assert 0.0 <= w["peak_score_low"] <= w["peak_score_high"] <= 64.0
        for key in ("latency_h", "peak_after_h", "duration_h"):
            assert f"{key}_low" in w and f"{key}_high" in w
        assert 0.0 <= w["share_with_signs"] <= 1.0
    # stopping at once after four weeks of three doses a day: signs within days
    assert stop["latency_h"] is not None and 0.0 <= stop["latency_h"] < 72.0
    assert stop["peak_after_h"] is not None and stop["peak_after_h"] > 0.0


def test_taper_csv_and_brief_give_each_plans_withdrawal(capsys, tmp_path: Path) -> None:
    args = ["taper", "4 g three times daily", "--plan", "-25% per week", "--plan", "stop"]
    args += ["--draws", "5", "--plot", str(tmp_path / "t.png")]
    code, out, _ = run(capsys, *args, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["plan"] for r in rows] == ["-25% per week", "stop"]
    for r in rows:
        low, high = (float(r[f"withdrawal_peak_score{k}"]) for k in ("_low", "_high"))
        assert 0.0 <= low <= high <= 64.0
        assert float(r["withdrawal_peak_score"]) == pytest.approx(
            float(r["peak_withdrawal_score"]), abs=0.006
        )
        assert r["withdrawal_latency_h_low"] != "" or r["withdrawal_latency_h"] == ""
        assert "withdrawal" not in r  # flattened, no nested dict in a cell
    code, out, _ = run(capsys, *args, "--brief")
    assert code == 0
    flat = " ".join(out.split())
    assert flat.count("withdrawal onset (score ≥ 5), median:") == 2
    assert "h after the plan's start" in flat and "h after the last dose" in flat
    assert flat.count("withdrawal peak, median:") == 2 and "SOWS points 0–64" in flat
    assert "withdrawal lasts (score ≥ 5), median:" in flat


def test_simulate_outcomes_reports_cyp3a_at_its_lowest(capsys) -> None:
    """CYP3A activity falls: the brief gives its lowest point and when, not a peak of 1."""
    code, out, _ = run(
        capsys, "simulate", "2 g every 8 h for 3 days", "--outcomes", "--draws", "10", "--brief"
    )
    assert code == 0
    flat = " ".join(out.split())
    # plain labels, fractions as percentages
    for name in (
        "Liver enzyme CYP3A still working",
        "Gut-wall enzyme CYP3A still working",
        "Breathing (air moved per minute)",
    ):
        found = re.search(re.escape(name) + r": lowest \(at ([\d.]+) h\) ([-\d.e]+)", flat)
        assert found, (name, flat)
        assert float(found.group(2)) < (95.0 if "CYP3A" in name else 0.0)
    assert "% of normal" in flat
    assert "Tolerance: peak" in flat and "% of the effect lost" in flat
    assert "mu_occupancy" not in flat and "mu occupancy" not in flat


def test_taper_bad_plan(capsys) -> None:
    code, _, err = run(capsys, "taper", "4 g three times daily", "--plan", "slowly")
    assert code == 2 and "slowly" in err


def test_simulate_chronic_pain_table_and_plot(capsys, tmp_path: Path) -> None:
    png = tmp_path / "outcomes.png"
    code, out, _ = run(
        capsys,
        "simulate",
        "3 g twice daily for 2 weeks",
        "--pain",
        "chronic",
        "--baseline-pain",
        "6",
        "--draws",
        "10",
        "--plot",
        str(png),
    )
    assert code == 0
    # one relief figure, its sign in words, with an interval in words
    assert "relief while using" in out and "points better" in out
    assert "share of time" not in out and "mean change" not in out
    # (the table may wrap "0.21 mm smaller" or "11.7 % less" inside its cell)
    rows = out[out.index("breathing (minute ventilation") : out.index("Labelled assumptions")]
    assert "%" in rows and "less" in rows and " mm" in rows and "smaller" in rows
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_taper_table_and_default_plot(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(
        capsys,
        "taper",
        "4 g three times daily",
        "--plan",
        "-25% per week",
        "--plan",
        "stop",
        "--draws",
        "5",
    )
    assert code == 0
    assert "Taper plans compared" in out and "stop" in out
    # the withdrawal table: onset, peak, when and how long, each plan counted from its start
    flat = " ".join(out.split())
    assert "Withdrawal under each plan" in flat
    assert flat.count("withdrawal onset") == 2 and flat.count("withdrawal peak") == 2
    assert "plan's" in flat and "last dose" in flat  # (a cell may wrap "plan's start")
    assert "90% interval" in flat
    assert (tmp_path / "taper.png").read_bytes()[:4] == b"\x89PNG"


def test_withdrawal_already_present_between_doses_is_said_in_words() -> None:
    from kratomsim.interfaces.render import withdrawal_rows

    w = {"latency_h": 0.0, "latency_h_low": 0.0, "latency_h_high": 40.0, "peak_score": 9.0}
    onset = withdrawal_rows(w, "90%")[0][2]
    assert onset == "already at the last dose" and "0 h" not in onset
    later = withdrawal_rows(w | {"latency_h": 12.0}, "90%")[0][2]
    assert later == "12 h after the last dose"


def test_simulate_outcomes_table_names_outcomes_in_plain_words_with_the_model_name(capsys) -> None:
    code, out, _ = run(
        capsys, "simulate", "2 g every 8 h for 3 days", "--outcomes", "--draws", "10"
    )
    assert code == 0
    flat = " ".join(out.split())
    for plain, unit, model in (
        ("Opioid receptors occupied", "% of receptors", "mu_occupancy"),
        ("Withdrawal score", "SOWS points", "withdrawal_score"),
        ("Pain relief", "points better", "relief_nrs_points"),
    ):
        at = flat.index(plain)
        assert unit in flat[at : at + 200] and model in flat[at : at + 200], (plain, flat[at:])
    assert "fraction of system maximum" not in flat


def test_withdrawal_rows_say_most_draws_when_fewer_than_half_show_signs() -> None:
    """With signs in 40 % of the draws the median run has none: the onset says so, beside the
    share and the interval of the draws that do show signs."""
    from kratomsim.interfaces.render import withdrawal_rows

    w = {
        "share_with_signs": 0.4,
        "latency_h": None,
        "latency_h_low": 14.0,
        "latency_h_high": 117.0,
        "peak_score": 1.9,
        "peak_score_low": 0.0,
        "peak_score_high": 42.1,
        "peak_after_h": None,
        "duration_h": None,
    }
    rows = {label: (cell, band) for label, _, cell, band in withdrawal_rows(w, "90%")}
    cell, band = rows["withdrawal onset (score ≥ 5), median"]
    assert cell == "no signs in most draws" and band == "14–117 h, signs in 40% of draws"
    assert rows["withdrawal peak, median"] == ("1.9", "0–42.1")
    assert not any(label.startswith("withdrawal lasts") for label in rows)
