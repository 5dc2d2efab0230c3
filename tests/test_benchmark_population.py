"""Smoke runs of benchmarks/bench_population.py: every contender agrees with the reference.

Only accuracy and the report's structure are asserted; timings on shared machines say nothing.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("roadrunner")
pytest.importorskip("libsbml")

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
QUICK = ["--quick", "--subjects", "8", "--budget-s", "0.5", "--repeats", "1"]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_population", BENCH / "bench_population.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return _load()


def test_every_contender_is_accurate_and_the_section_replaces_itself(
    bench: ModuleType, tmp_path: Path
) -> None:
    out = bench.run([*QUICK, "--scale", "none"])
    rows = out["results"].rows
    assert {(r.part, r.name) for r in rows} >= {
        ("PK core", "kratomsim kernel"),
        ("PK core", "SciPy solve_ivp LSODA loop"),
        ("PK core", "libRoadRunner"),
        ("full model", "kratomsim kernel"),
        ("full model", "SciPy solve_ivp LSODA loop"),
        ("full model", "libRoadRunner"),
    }
    for r in rows:
        assert r.subjects >= 1, r.name
        assert r.error <= 1e-6, (r.part, r.name, r.error, r.error_at)
    kernels = [r for r in rows if r.name == "kratomsim kernel"]
    assert all(r.subjects == 8 and r.error <= 1e-7 for r in kernels)
    report = importlib.import_module("bench_population_report")
    section = report.markdown(out, "bench --quick", bench.MARK_START, bench.MARK_END)
    assert "| kratomsim kernel |" in section and "### Against the targets" in section
    target = tmp_path / "BENCHMARKS.md"
    target.write_text("# Benchmarks\n\nOther section.\n", encoding="utf-8")
    for _ in range(2):
        report.write_section(target, section, bench.MARK_START, bench.MARK_END)
    text = target.read_text(encoding="utf-8")
    assert text.count(bench.MARK_START) == 1 and "Other section." in text


@pytest.mark.slow
def test_streaming_keeps_memory_flat_and_dask_runs(bench: ModuleType) -> None:
    scale = importlib.import_module("bench_population_scale")
    points = scale.scaling_in_subprocess([256, 4096], 256, 3, 1)
    assert [p.n for p in points] == [256, 4096]
    # 16× the subjects, same buffer: the peak grows by far less than the series would need
    series_mib = 4096 * 9 * 73 * 8 / 2**20
    assert points[1].rss_peak_mib - points[0].rss_peak_mib < 0.5 * series_mib
    dask = scale.dask_scaling(512, 128, 2, (1, 2))
    assert [p.workers for p in dask] == [1, 2] and all(p.rate > 0 for p in dask)
