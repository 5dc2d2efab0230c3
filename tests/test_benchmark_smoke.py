"""Smoke run of benchmarks/bench_engine.py in quick mode: every contender agrees with the reference.

Only accuracy is asserted; timings on shared CI machines say nothing and are not checked.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("roadrunner")
pytest.importorskip("libsbml")

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_engine.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_engine", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def quick_run() -> tuple[ModuleType, dict[str, object]]:
    bench = _load()
    return bench, bench.run(["--quick", "--subjects", "5", "--ref-subjects", "5", "--repeats", "1"])


def test_every_contender_is_accurate_to_1e_6(
    quick_run: tuple[ModuleType, dict[str, object]],
) -> None:
    _, out = quick_run
    results = out["results"]
    names = {r.name for r in results}
    assert {"kratomsim exact", "SciPy solve_ivp LSODA loop", "libRoadRunner"} <= names
    for r in results:
        assert r.subjects == 5, r.name
        assert r.conc.shape == (5, 673, 2), r.name
        assert r.max_rel_err <= 1e-6, f"{r.name} ({r.config}): {r.max_rel_err:.2e}"
    exact = next(r for r in results if r.name == "kratomsim exact")
    assert exact.max_rel_err <= 1e-9


def test_markdown_section_replaces_itself(
    quick_run: tuple[ModuleType, dict[str, object]], tmp_path: Path
) -> None:
    bench, out = quick_run
    section = bench.markdown(out, ".venv/bin/python benchmarks/bench_engine.py --quick")
    assert "| kratomsim exact |" in section and "--quick" in section
    target = tmp_path / "BENCHMARKS.md"
    target.write_text("# Benchmarks\n\nOther section.\n", encoding="utf-8")
    bench.write_section(target, section)
    bench.write_section(target, section)
    text = target.read_text(encoding="utf-8")
    assert text.count(bench.MARK_START) == 1 and "Other section." in text
