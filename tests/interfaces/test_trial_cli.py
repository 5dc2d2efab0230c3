"""The ``trial`` command: JSON, tables, files, and one-line errors for bad input."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pandas as pd
import pytest

from kratomsim.interfaces.cli import run

BASE = ["trial", "2 g every 8 h for 2 days", "--duration", "3 d", "--n", "40", "--seed", "7"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_json_stdout_is_only_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run([*BASE, "--threshold", "cmax_mg_nm>30", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["metadata"]["n_subjects"] == 40 and data["metadata"]["seed"] == 7
    assert set(data["scalars"]["cmax_mg_nm"]["percentiles"]) == {"p5", "p50", "p95"}
    share = data["exceedances"][0]["share"]
    lo, hi = data["exceedances"][0]["ci95"]
    assert lo <= share <= hi


def test_same_seed_same_json(capsys: pytest.CaptureFixture[str]) -> None:
    outs = []
    for chunk in ("40", "40", "9"):
        assert run([*BASE, "--chunk-size", chunk, "--format", "json"]) == 0
        data = json.loads(capsys.readouterr().out)
        outs.append((data["scalars"], data["bands"]["mg_nm"]))
    assert outs[0] == outs[1]
    # another chunk size: equal within 1e-9 (sums merge in another grouping)
    for name, s in outs[0][0].items():
        assert outs[2][0][name]["mean"] == pytest.approx(s["mean"], rel=1e-9)
        assert outs[2][0][name]["percentiles"] == pytest.approx(s["percentiles"], rel=1e-9)
    for p, band in outs[0][1].items():
        assert outs[2][1][p] == pytest.approx(band, rel=1e-9)


def test_table_plot_and_per_subject_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plot, rows = tmp_path / "vpc.png", tmp_path / "subjects.csv"
    argv = [
        *BASE,
        "--trials",
        "2",
        "--covariate",
        "cyp3a4=strong-inhibitor",
        "--threshold",
        "cmax_mg_nm>30",
        "--percentiles",
        "10,50,90",
        "--plot",
        str(plot),
        "--per-subject",
        str(rows),
    ]
    assert run(argv) == 0
    text = capsys.readouterr().out
    assert "Per-subject outputs over 80 virtual subjects" in text
    assert "cmax_mg_nm>30" in text and "p10" in text and "trial medians" in text
    assert "fm_cyp3a_index" in text  # the assumption behind the inhibitor effect is listed
    assert plot.stat().st_size > 10_000
    assert (tmp_path / "vpc_cmax_mg_nm.png").stat().st_size > 5_000
    frame = pd.read_csv(rows)
    assert len(frame) == 80 and sorted(frame["trial"].unique()) == [0, 1]


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--n", "0"], "Number of subjects"),
        (["--covariate", "height=180"], "Unknown covariate"),
        (["--covariate", "cyp3a4=bogus"], "strong-inhibitor"),
        (["--threshold", "cmax_mg_nm>>3"], "NAME>VALUE"),
        (
            [
                "--correlation",
                "cl,v1=0.99",
                "--correlation",
                "cl,v2=0.99",
                "--correlation",
                "v1,v2=-0.99",
            ],
            "positive definite",
        ),
        (["--omega", "cl"], "NAME=VALUE"),
        (
            ["--executor", "dask", "--scheduler", f"tcp://127.0.0.1:{_closed_port()}"],
            "Cannot reach the Dask scheduler",
        ),
        (["--percentiles", "5,x"], "Percentiles"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    extra: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run([*BASE, *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and needle in err
    assert err.count("\n") == 1 and "Traceback" not in err
