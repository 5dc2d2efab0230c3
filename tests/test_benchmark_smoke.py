"""Smoke run of benchmarks/bench_engine.py (quick mode: 4 subjects, 1 day): every contender agrees
with the tight reference, and the markdown section has its tables and replaces itself.

Only accuracy and the report's structure are asserted; timings on shared machines say nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

pytest.importorskip("roadrunner")
pytest.importorskip("libsbml")

CONTENDERS = (
    "kratomsim kernel, 2 threads",
    "kratomsim kernel, 1 thread",
    "kratomsim kernel, 2 threads, new output array",
    "SciPy solve_ivp LSODA loop",
    "libRoadRunner",
)


@pytest.fixture(scope="module")
def quick_run(load_benchmark: Callable[[str], ModuleType]) -> tuple[ModuleType, dict[str, object]]:
    bench = load_benchmark("bench_engine")
    return bench, bench.run(["--quick"])


def test_every_contender_agrees_with_the_tight_reference(
    quick_run: tuple[ModuleType, dict[str, object]],
) -> None:
    bench, out = quick_run
    rows = out["rows"]
    assert [(r.model, r.name) for r in rows] == [(m, c) for m in ("PK", "full") for c in CONTENDERS]
    for r in rows:
        assert r.subjects >= 1, r.name
        assert r.error_at, f"{r.model} {r.name}: nothing compared"
        assert r.error <= 1e-6, f"{r.model} {r.name}: {r.error:.2e} ({r.error_at})"
        if r.model == "PK":
            assert r.error_at in bench.PK
    assert all(r.subjects == 4 for r in rows if r.ours)
    assert out["trial"] is None  # quick mode leaves the CLI trial out


def test_the_error_measure_sees_a_wrong_output(
    quick_run: tuple[ModuleType, dict[str, object]],
) -> None:
    bench, out = quick_run
    w = out["workload"]
    ref = bench.reference(w, 1)
    good = bench.kernel_run(w, "PK", 1, 1)
    assert bench.max_error(good, ref, bench.PK)[0] <= 1e-6
    bad = good.copy()
    bad[1, 0, 10] *= 1.001  # 0.1 % off at one time of 7-OH
    err, where = bench.max_error(bad, ref, bench.PK)
    assert where == "oh7_nm" and 1e-5 < err < 1e-3


def test_markdown_tables_and_the_section_replaces_itself(
    quick_run: tuple[ModuleType, dict[str, object]], tmp_path: Path
) -> None:
    bench, out = quick_run
    section = bench.markdown(out, ".venv/bin/python benchmarks/bench_engine.py --quick")
    lines = section.splitlines()
    headers = [ln for ln in lines if ln.startswith("| Contender |")]
    assert len(headers) == 2
    columns = [c.strip() for c in headers[0].strip("|").split("|")]
    assert columns[:6] == [
        "Contender",
        "Configuration",
        "Subjects timed",
        "Wall (s)",
        "Subjects/s",
        "CPU-s per subject",
    ]
    assert any("error" in c for c in columns) and any("RSS" in c for c in columns)
    for name in CONTENDERS:
        body = [ln for ln in lines if ln.startswith(f"| {name} |")]
        assert len(body) == 2, name  # one row per model
        assert all(ln.count("|") == len(columns) + 1 for ln in body)
    assert "### Against the targets" in section and "--quick" in section
    assert "Load average" in section
    target = tmp_path / "BENCHMARKS.md"
    target.write_text("# Benchmarks\n\nOther section.\n", encoding="utf-8")
    for _ in range(2):
        bench.write_section(target, section, bench.MARK_START, bench.MARK_END)
    text = target.read_text(encoding="utf-8")
    assert text.count(bench.MARK_START) == 1 and "Other section." in text
    assert np.isfinite([r.rate for r in out["rows"]]).all()
