"""benchmarks/bench_cli.py: runs commands as users run them and writes its section.

Only the report's structure and the verdict's logic are asserted; timings on shared machines say
nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType


def test_section_has_a_row_per_command_and_replaces_itself(
    tmp_path: Path, monkeypatch, load_benchmark: Callable[[str], ModuleType]
) -> None:
    bench = load_benchmark("bench_cli")
    commands = [
        ("`import kratomsim`", ["python", "-c", "import kratomsim"], 60.0),
        ("impossible target", ["python", "-c", "import kratomsim"], 1e-9),
    ]
    monkeypatch.setattr(bench, "COMMANDS", commands)
    out = tmp_path / "BENCHMARKS.md"
    out.write_text("# Benchmarks\n\nkept\n", encoding="utf-8")
    for _ in range(2):
        assert bench.main(["--repeats", "1", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.count(bench.START) == 1 and "kept" in text
    rows = [
        line for line in text.splitlines() if line.startswith("| `import") or "impossible" in line
    ]
    assert rows[0].endswith("| ≤ 60 | met |")
    assert rows[1].endswith("**not met** |")
