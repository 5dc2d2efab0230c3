"""Everyday commands end to end: start-up, a lookup, a journal entry, simulations, the report.

Usage: ``.venv/bin/python benchmarks/bench_cli.py [--repeats 5] [--out BENCHMARKS.md]``

Each command runs as a user runs it (a fresh ``kratomsim`` process from the virtual environment,
kernels already compiled by the set-up's warm-up), once to warm the file cache and then
``--repeats`` times; the table gives the median wall time and the median CPU time of the child
process (user + system). The issue's targets sit beside. The baseline row is what any script-based
alternative pays before its first answer: a Python process importing the scientific stack that
kratomsim's own simulations use.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_support import load_average, log, write_section

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
START, END = "<!-- bench_cli:start -->", "<!-- bench_cli:end -->"

#: (label, argv after the executable, target seconds or None); "kratomsim" means the console script.
COMMANDS: list[tuple[str, list[str], float | None]] = [
    ("`import kratomsim`", ["python", "-c", "import kratomsim"], 0.5),
    ("`kratomsim --help`", ["kratomsim", "--help"], 0.5),
    ("`kratomsim check --meds alprazolam`", ["kratomsim", "check", "--meds", "alprazolam"], 1.0),
    ("`kratomsim journal add pain 4`", ["kratomsim", "journal", "add", "pain", "4"], 0.5),
    (
        '`kratomsim simulate "2 g every 8 h for 14 days"`',
        ["kratomsim", "simulate", "2 g every 8 h for 14 days", "--product", "leaf-powder"],
        None,
    ),
    (
        '`kratomsim simulate "1.5 g every 6 h for 28 days then stop" --outcomes`',
        [
            "kratomsim",
            "simulate",
            "1.5 g every 6 h for 28 days then stop",
            "--product",
            "leaf-powder",
            "--outcomes",
        ],
        None,
    ),
    (
        "`kratomsim report examples/scenario.yaml` (HTML, 200 draws)",
        ["kratomsim", "report", str(ROOT / "examples" / "scenario.yaml"), "-o", "report.html"],
        3.0,
    ),
    (
        "`kratomsim report examples/scenario.yaml -o report.pdf`",
        ["kratomsim", "report", str(ROOT / "examples" / "scenario.yaml"), "-o", "report.pdf"],
        None,
    ),
    (
        "baseline: Python importing NumPy, SciPy, pandas, Matplotlib",
        ["python", "-c", "import numpy, scipy.integrate, pandas, matplotlib.pyplot"],
        None,
    ),
]


def run_once(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and child CPU seconds of one run (a non-zero exit stops the benchmark)."""
    exe = BIN / argv[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run([str(exe), *argv[1:]], cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per command (median)")
    ap.add_argument("--out", type=Path, default=None, help="write/replace a section in this file")
    args = ap.parse_args(argv)
    load_before = load_average()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        env = dict(os.environ, KRATOMSIM_HOME=str(cwd / "home"), COLUMNS="100")
        for label, cmd, target in COMMANDS:
            log(label)
            run_once(cmd, cwd, env)  # warm the file cache (and the kernels, if not yet compiled)
            runs = [run_once(cmd, cwd, env) for _ in range(args.repeats)]
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            verdict = "—" if target is None else ("met" if wall <= target else "**not met**")
            rows.append((label, wall, cpu, target, verdict))
    load_after = load_average()
    command = "`.venv/bin/python benchmarks/bench_cli.py --out BENCHMARKS.md`"
    lines = [
        START,
        "## Everyday commands end to end",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} with {command} (median of {args.repeats} runs "
        "after one warm-up run; fresh process each time, kernels compiled at set-up). "
        f"Load average {load_before[0]:.2f} before and {load_after[0]:.2f} after (1-min), "
        "on this 2-core machine.",
        "",
        "| Command | Wall, median (s) | CPU, median (s) | Target (s) | |",
        "|---|---:|---:|---:|---|",
    ]
    for label, wall, cpu, target, verdict in rows:
        t = "—" if target is None else f"≤ {target:g}"
        lines.append(f"| {label} | {wall:.2f} | {cpu:.2f} | {t} | {verdict} |")
    lines += [
        "",
        "The baseline is the floor any script built on the scientific stack pays before its "
        "first answer; kratomsim's quick commands load none of it.",
        END,
        "",
    ]
    section = "\n".join(lines)
    sys.stdout.write(section)
    if args.out is not None:
        write_section(args.out, section, START, END)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
