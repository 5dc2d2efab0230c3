"""The population end of benchmarks/bench_engine.py: ``kratomsim trial`` run as a user runs it (a
fresh process), compared with the per-subject SciPy loop extrapolated to the trial's size.

Only behaviour is asserted (the command ran, the report says what was extrapolated and computes
the ratio from the measured numbers), never timings.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Callable
from types import ModuleType

import pytest

pytest.importorskip("roadrunner")
pytest.importorskip("libsbml")


def test_cli_trial_end_to_end_against_the_extrapolated_scipy_loop(
    load_benchmark: Callable[[str], ModuleType],
) -> None:
    bench = load_benchmark("bench_engine")
    report = importlib.import_module("bench_report")  # next to bench_engine, on its path
    trial = bench.cli_trial(30, 1, 3, warm=False)
    assert trial.subjects == 30 and trial.times == 25  # hourly over one day
    assert trial.wall_s > trial.simulate_s > 0 and trial.startup_s > 0 and trial.cpu_s > 0
    w = bench.make_workload(2, 1, 3)
    t, out = bench.timed(lambda: bench.scipy_loop(w, "full", 0.0))  # a spent budget: one subject
    assert out.shape == (len(bench.all_outputs()), 1, 25)
    loop = bench.Row("full", "SciPy solve_ivp LSODA loop", "LSODA", 1, t)
    text = "\n".join(report.trial_lines(trial, loop))
    assert "**extrapolated** from 1 subjects" in text
    ratio = 30 * t.wall_s / trial.wall_s
    shown = re.search(r"\| ([\d,]+)× wall", text)
    assert shown is not None and int(shown.group(1).replace(",", "")) == round(ratio)
    kernel = bench.Row("full", "kratomsim kernel, 2 threads", "", 4, t, 1e-8, "tolerance")
    single = bench.Row("full", "kratomsim kernel, 1 thread", "", 4, t, 1e-8, "tolerance")
    pk = [bench.Row("PK", r.name, "", 4, t, 1e-9, "oh7_nm") for r in (kernel, single)]
    goals = "\n".join(report.targets([*pk, kernel, single], trial, loop))
    verdict = "**met**" if ratio >= report.TARGET_TRIAL else "**not met**"
    assert f"the SciPy loop (extrapolated); target ≥ 1,000×: {verdict}" in goals
