"""``kratomsim export sbml|nonmem``, ``simulate --events`` and ``sensitivity`` end to end."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kratomsim.engine.subjects import SCALAR_OUTPUTS
from kratomsim.interfaces.cli import run as cli_run
from kratomsim.interop.nonmem import parse_dataset
from kratomsim.interop.nonmem_regimens import to_regimens


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli_run(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("regimen", "extra"),
    [
        ("2 g every 8 h for 3 days", ["--product", "tea"]),
        ("3 g twice daily, miss dose 3", ["--duration", "4 d", "--mg-per-g", "12"]),
    ],
)
def test_export_nonmem_then_simulate_events_equals_simulate(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, regimen: str, extra: list[str]
) -> None:
    events = tmp_path / "events.csv"
    code, out, _ = run(capsys, "export", "nonmem", regimen, "-o", str(events), *extra)
    assert code == 0 and "wrote" in out
    direct = run(capsys, "simulate", regimen, *extra, "--format", "csv")
    via = run(capsys, "simulate", "--events", str(events), "--format", "csv")
    assert direct[0] == via[0] == 0
    assert via[1] == direct[1]
    assert len(via[1].splitlines()) > 100


def test_export_nonmem_from_scenario_with_observation_rows(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text("regimen: 2 g every 12 h for 2 days\nproduct: extract\nduration: 3 d\n")
    events = tmp_path / "e.csv"
    code, *_ = run(
        capsys, "export", "nonmem", str(scenario), "-o", str(events), "--observe-every", "6 h"
    )
    assert code == 0
    ds = parse_dataset(events.read_text())
    assert ds.meta["product"] == "extract" and float(ds.meta["duration_h"]) == 72.0
    obs = ds.frame[ds.frame["EVID"] == 0]
    assert sorted(set(obs["TIME"])) == [float(t) for t in range(0, 73, 6)]
    assert set(obs["CMT"]) == {3, 5} and obs["DV"].isna().all()
    assert to_regimens(ds)[1].expand().times_h.tolist() == [0.0, 12.0, 24.0, 36.0]


def test_simulate_events_with_several_ids_and_observations(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    events = tmp_path / "two.csv"
    events.write_text(
        "# product: tea\n"
        "ID,TIME,AMT,EVID,CMT,DV,MDV,II,ADDL,SS\n"
        "1,0,2,1,1,.,1,8,2,0\n"
        "1,1.23,0,0,3,55.5,0,0,0,0\n"
        "2,0,4,1,1,.,1,0,0,0\n"
    )
    code, out, _ = run(
        capsys, "simulate", "--events", str(events), "--duration", "2 d", "--format", "csv"
    )
    assert code == 0
    frame = pd.read_csv(io.StringIO(out))
    assert list(frame.columns[:2]) == ["ID", "time_h"]
    assert set(frame["ID"]) == {1, 2}
    one, two = frame[frame["ID"] == 1], frame[frame["ID"] == 2]
    row = one[np.isclose(one["time_h"], 1.23)]
    assert row["observed_mitragynine"].tolist() == [55.5]  # the DV at its own time point
    assert one["observed_mitragynine"].notna().sum() == 1
    assert "observed_mitragynine" in frame  # ID 2 has no observations: NaN there
    assert two["observed_mitragynine"].isna().all()
    # ID 2 took twice the first dose of ID 1 once: twice the early concentrations, a little more
    # (mitragynine slows its own CYP3A clearance), each subject simulated with its own doses
    early = (two["time_h"] > 0) & (two["time_h"] <= 4)
    ref = one[(one["time_h"] > 0) & (one["time_h"] <= 4) & ~np.isclose(one["time_h"], 1.23)]
    ratio = two[early]["mitragynine"].to_numpy() / ref["mitragynine"].to_numpy()
    assert np.all((ratio >= 2.0 - 1e-9) & (ratio < 2.2))
    code, out, _ = run(
        capsys, "simulate", "--events", str(events), "--duration", "2 d", "--format", "json"
    )
    payload = json.loads(out)
    assert [s["ID"] for s in payload["subjects"]] == [1, 2]
    assert payload["subjects"][0]["observations"] == [
        {"time_h": 1.23, "analyte": "mitragynine", "dv_ng_ml": 55.5}
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["simulate"], "simulate needs either a REGIMEN or --events"),
        (["simulate", "2 g once", "--events", "x.csv"], "either a REGIMEN or --events"),
        (["sensitivity", "2 g once", "--output", "joy"], "Unknown output: got 'joy'. Use one of"),
        (["sensitivity", "2 g once", "--n", "100"], "power of two"),
    ],
)
def test_errors_are_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
    if "joy" in argv:
        assert all(name in err for name in SCALAR_OUTPUTS)


def test_simulate_events_malformed_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("ID,TIME,AMT,EVID,CMT\n1,0,2,1,1\n1,0,2,9,1\n")
    code, _, err = run(capsys, "simulate", "--events", str(bad))
    assert code == 2
    assert "Line 3, column EVID: EVID must be 0, 1, 2, 3 or 4: got 9.0." in err


def test_export_sbml(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    libsbml = pytest.importorskip("libsbml")
    path = tmp_path / "model.xml"
    code, out, _ = run(
        capsys, "export", "sbml", "-o", str(path), "--regimen", "2 g every 8 h for 1 day"
    )
    assert code == 0 and str(path) in out
    doc = libsbml.readSBMLFromString(path.read_text())
    assert doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
    model = doc.getModel()
    assert model.getParameter("out_withdrawal_score") is not None  # the whole model, PD included
    assert model.getNumEvents() == 2  # doses at 8 and 16 h; the one at 0 h is the initial amount


def test_sensitivity_json_table_and_plot(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = ["sensitivity", "2 g once", "--output", "cmax_mg_nm", "--n", "8", "--duration", "1 d"]
    png = tmp_path / "sobol.png"
    code, out, err = run(capsys, *args, "--format", "json", "--plot", str(png))
    assert code == 0 and f"plot: {png}" in err
    payload = json.loads(out)
    assert payload["output"] == "cmax_mg_nm" and payload["n_base"] == 8
    names = [row["parameter"] for row in payload["indices"]]
    assert len(names) == len(set(names)) > 30
    st = {row["parameter"]: row["ST"] for row in payload["indices"]}
    assert st["tol_k_on"] == 0.0  # tolerance cannot change plasma Cmax
    assert png.stat().st_size > 10_000
    code, out, _ = run(capsys, *args)
    assert code == 0 and "Sobol indices of cmax_mg_nm" in out and "not anything about a" in out
