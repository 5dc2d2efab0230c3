"""Smoke run of benchmarks/bench_method.py (quick mode: 4 subjects, 1 day, 1 and 4 nodes) and its
cost split. Only accuracy and the report's structure are asserted, never a timing."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest


@pytest.fixture(scope="module")
def bench(load_benchmark: Callable[[str], ModuleType]) -> ModuleType:
    return load_benchmark("bench_method")


def test_the_quick_run_separates_a_coarse_method_from_the_shipped_one(bench: ModuleType) -> None:
    results, section = bench.run(["--quick", "--models", "PK"])
    by_nodes = {r.variant.nodes: r for r in results}
    assert sorted(by_nodes) == [1, 4] and all(r.model == "PK" for r in results)
    assert by_nodes[4].error <= 1e-6, by_nodes[4]
    # one node per step (second order) cannot keep 1e-6 after a dose: the ablation must see it
    assert by_nodes[1].error > 1e-5, by_nodes[1]
    assert all(r.error_at in ("mitragynine_nm", "oh7_nm") for r in results)
    assert all(r.cpu_us > 0 for r in results)
    assert section.startswith(bench.START) and section.rstrip().endswith(bench.END)
    assert "| 4 | single | λ·h ≤ 3, h ≤ 1 h | hourly (as shipped) |" in section
    assert "### Full model" not in section


def test_the_cost_split_is_a_least_squares_line_through_the_hourly_rows(bench: ModuleType) -> None:
    rows = [bench.Result("PK", bench.Variant(n), 10.0 + 9.0 * n, 0.0, "") for n in (1, 2, 3, 4)]
    rows.append(bench.Result("PK", bench.Variant(4, rate_step=6.0, every_h=8), 1.0, 0.0, ""))
    fixed, per = bench.split_cost(rows)
    assert fixed == pytest.approx(10.0) and per == pytest.approx(9.0)
    assert bench.split_cost(rows[:1]) is None
    text = bench._split_sentence(fixed, per, 20.0, 100_000)
    assert "room for 1.1 nodes" in text
    assert "alone takes more" in bench._split_sentence(25.0, per, 20.0, 100_000)


def test_unknown_models_are_refused_with_the_choices(bench: ModuleType) -> None:
    with pytest.raises(SystemExit):
        bench.parse_args(["--models", "pk"])
