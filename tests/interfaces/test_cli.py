"""The command line: every documented command works; bad input exits 2 with one clear message."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kratomsim.interfaces.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    captured = capsys.readouterr()
    code = exc.value.code if isinstance(exc.value.code, int) else 0
    return code, captured.out, captured.err


def test_simulate_table_with_plot(capsys, tmp_path: Path) -> None:
    png = tmp_path / "exposure.png"
    code, out, _ = run(
        capsys,
        "simulate",
        "2 g every 8 h for 14 days",
        "--product",
        "leaf-powder",
        "--plot",
        str(png),
    )
    assert code == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Cmax (ng/mL)" in out and "mitragynine" in out
    assert "ASSUMPTION" in out
    assert "does not prescribe" in out


def test_simulate_json(capsys) -> None:
    code, out, _ = run(
        capsys, "simulate", "2 g every 8 h for 14 days", "--product", "tea", "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["unit"] == "ng/mL"
    assert set(data["series"]) == {"time_h", "mitragynine", "7-hydroxymitragynine"}
    mg = data["summary"]["mitragynine"]
    assert mg["cmax_ng_ml"] > 0 and mg["auc_ng_h_ml"] > 0
    assert mg["time_to_90pct_steady_state_h"] > 0
    assert mg["last_trough_ng_ml"] > 0
    assert data["product"]["id"] == "tea"
    assert data["regimen"]["doses"] == 42
    assert any(a["name"] == "f_mg" for a in data["assumptions"])


def test_simulate_csv_with_overrides(capsys) -> None:
    code, out, _ = run(
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
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["time_h", "mitragynine", "7-hydroxymitragynine"]
    assert float(rows[-1][0]) == pytest.approx(240.0)
    peak = max(float(r[1]) for r in rows[1:])
    assert 20 < peak < 45  # Tanna 2022 median Cmax 32.6 ng/mL for 2 g tea (pk.md §2.2)


def test_simulate_nm_unit(capsys) -> None:
    _, ng, _ = run(capsys, "simulate", "2 g once", "--duration", "1 d", "--format", "csv")
    _, nm, _ = run(
        capsys, "simulate", "2 g once", "--duration", "1 d", "--format", "csv", "--unit", "nM"
    )
    a = [float(r[1]) for r in csv.reader(io.StringIO(ng)) if r[0] != "time_h"]
    b = [float(r[1]) for r in csv.reader(io.StringIO(nm)) if r[0] != "time_h"]
    assert max(b) / max(a) == pytest.approx(1000 / 398.5, rel=1e-4)


def test_simulate_scenario_file(capsys, tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text('regimen: "2 g every 8 h for 2 days"\nproduct: tea\nduration: "5 d"\n')
    code, out, _ = run(capsys, "simulate", str(path), "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert float(rows[-1][0]) == pytest.approx(120.0)


def test_7oh_content_option(capsys) -> None:
    code, out, _ = run(
        capsys,
        "simulate",
        "1 g once",
        "--product",
        "leaf-powder",
        "--7oh-mg-per-g",
        "5",
        "--format",
        "json",
        "--duration",
        "2 d",
    )
    assert code == 0
    assert json.loads(out)["product"]["7oh_mg_per_g"] == 5.0


def test_cite_lists_exactly_the_sources_used(capsys) -> None:
    code, out, _ = run(capsys, "cite", "2 g every 8 h for 14 days")
    assert code == 0
    assert "@article{tanna2022," in out and "@article{huestis2024," in out
    assert "[huestis2024] Huestis MA" in out
    assert "brown2025" not in out  # content of 7-OH products was not used


def test_products_and_calibrate(capsys) -> None:
    code, out, _ = run(capsys, "products")
    assert code == 0 and "7oh-concentrate" in out and "13.3" in out
    code, out, _ = run(capsys, "calibrate", "--fast")
    assert code == 0
    assert "reproduced exactly" in out


def test_demo_writes_outputs(capsys, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "demo", "--out", str(tmp_path))
    assert code == 0
    assert "report.html" in out
    for name in ("exposure.png", "report.html", "report.md", "series.csv"):
        assert (tmp_path / name).stat().st_size > 0
    html = (tmp_path / "report.html").read_text()
    assert "data:image/png;base64," in html and "tanna2022" in html


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["simulate", "two grams sometimes"], "two"),
        (["simulate", "2 kg once"], "kg"),
        (["simulate", "2 g once", "--product", "tee"], "Did you mean 'tea'"),
        (["simulate", "0 g once"], "0"),
        (["simulate", "-2 g once"], "-2"),
        (["simulate", "500 g once"], "500"),
        (["simulate", "2 g every 0 h for 1 day"], "0"),
        (["simulate", "2 g once", "--mg-per-g", "-5"], "-5"),
        (["simulate", "2 g once", "--duration", "forever"], "forever"),
        (["simulate", "2 g once", "--plot", "out.gif"], "out.gif"),
        (["simulate", "missing.yaml"], "missing.yaml"),
    ],
)
def test_bad_input_exits_2_with_one_clear_message(capsys, argv, needle: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert needle in err
    assert err.startswith("error: ")
    assert "Traceback" not in err + out


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('regimen: "2 g once"\ndoses: [{time: "0 h", amount: "2 g"}]\n', "regimen"),
        ("regimen: [unclosed\n", "YAML"),
        ('regimen: "2 g once"\ncolour: blue\n', "colour"),
    ],
)
def test_bad_scenario_files(capsys, tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    code, out, err = run(capsys, "simulate", str(path))
    assert code == 2
    assert needle in err
    assert "Traceback" not in err + out


def test_console_script_has_no_traceback_on_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "kratomsim", "simulate", "2 g every 8 parsecs"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "parsecs" in proc.stderr
    assert "Traceback" not in proc.stderr
