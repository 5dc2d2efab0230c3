"""The kernel's cost against its accuracy: collocation nodes, sub-steps and step length.

Usage: ``.venv/bin/python benchmarks/bench_method.py [--quick] [--out BENCHMARKS.md]``

The engine benchmark (``bench_engine.py``) times the kernels as shipped: four Gauss–Legendre nodes
per step, sub-steps of at most 1 h and ``rate_step/λ``. This one runs the same workload through
kernels generated with fewer nodes and with other sub-step rules, alternated in one process on one
thread, and compares each with the same DOP853 reference. A straight line through the CPU time
per subject against the number of nodes splits the cost into a part per node (the step) and the
rest (set-up, schedule, outputs, copying out), and says how many nodes the speed targets would
leave room for on this machine.
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engine import Workload, make_workload, max_error, outputs_of, reference
from bench_report import MODELS, TARGET_ERROR, TARGET_RATE
from bench_support import load_average, log, machine_facts, write_section

from kratomsim.engine.compiled import DEFAULT_RATE_STEP, DEFAULT_STEP_H, compiled_kernel, run_kernel
from kratomsim.engine.subjects import parameter_matrix
from kratomsim.spec import default_spec

START, END = "<!-- bench_method:start -->", "<!-- bench_method:end -->"
#: The kernels as shipped (engine/compiled.py): nodes per step.
SHIPPED_NODES = 4


@dataclass(frozen=True)
class Variant:
    """One setting of the method: nodes per step, the sub-step rule, the output spacing."""

    nodes: int
    rate_step: float = DEFAULT_RATE_STEP
    every_h: int = 1  # output spacing; steps may be as long (max_step_h)
    single: bool = True  # the stages in single precision (engine/codegen.py), else all double

    def cells(self) -> tuple[str, str, str, str]:
        """Nodes, stage precision, sub-step rule and output spacing, as the table shows them."""
        steps = f"λ·h ≤ {self.rate_step:g}, h ≤ {max(DEFAULT_STEP_H, self.every_h):g} h"
        out = "hourly" if self.every_h == 1 else f"every {self.every_h} h"
        if self == Variant(SHIPPED_NODES):
            out += " (as shipped)"
        return str(self.nodes), "single" if self.single else "double", steps, out


VARIANTS = (
    Variant(1),
    Variant(2),
    Variant(3),
    Variant(4),
    Variant(4, single=False),
    Variant(3, rate_step=1.5),
    Variant(4, rate_step=6.0, every_h=8),
)
QUICK_VARIANTS = (Variant(1), Variant(4))


@dataclass(frozen=True)
class Result:
    model: str
    variant: Variant
    cpu_us: float  # CPU µs per subject, median over rounds
    error: float
    error_at: str


def run_variant(
    w: Workload, model: str, v: Variant, n: int | None = None, out: np.ndarray | None = None
) -> np.ndarray:
    """Outputs (outputs, subjects, times) of the first ``n`` subjects by the kernel of ``v``
    (written into ``out`` if given)."""
    spec = default_spec()
    kernel = compiled_kernel(spec, outputs_of(model), nodes=v.nodes, single=v.single)
    values = w.values if n is None else w.first(n)
    pm, _ = parameter_matrix(values, kernel, spec)
    return run_kernel(
        kernel,
        pm,
        w.dosing.dose_times_h,
        w.doses_nmol[None],
        w.dosing.time_h[:: v.every_h],
        max_step_h=max(DEFAULT_STEP_H, float(v.every_h)),
        rate_step=v.rate_step,
        out=out,
        threads=1,
    )


def measure(
    w: Workload, ref: np.ndarray, model: str, variants: tuple[Variant, ...], rounds: int
) -> list[Result]:
    """Each variant's error on the reference subjects, and its CPU time per subject on the whole
    workload (this thread's: the kernel runs in it), the variants alternated ``rounds`` times,
    each round starting with the next one (the machine's speed drifts)."""
    n_ref = ref.shape[1]
    errors = {}
    for v in variants:
        out = run_variant(w, model, v, n_ref)  # also generates or loads the kernel: untimed
        errors[v] = max_error(out, ref[:, :, :: v.every_h], outputs_of(model))
    cpu: dict[Variant, list[float]] = {v: [] for v in variants}
    # one output array per shape, written again and again: a fresh one per run makes the OS zero
    # its pages, a cost that depends on what ran before (e.g. 1 node: 115 vs 87 µs, full model)
    size = len(outputs_of(model)), w.n
    buffers = {v.every_h: np.empty((*size, w.dosing.time_h[:: v.every_h].size)) for v in variants}
    for k in range(rounds):
        for v in variants[k % len(variants) :] + variants[: k % len(variants)]:
            start = time.thread_time()
            run_variant(w, model, v, out=buffers[v.every_h])
            cpu[v].append((time.thread_time() - start) / w.n * 1e6)
    results = [Result(model, v, statistics.median(cpu[v]), *errors[v]) for v in variants]
    for r in results:
        log(f"{model}: {', '.join(r.variant.cells())}: {r.cpu_us:.1f} µs, error {r.error:.1e}")
    return results


def split_cost(results: list[Result]) -> tuple[float, float] | None:
    """(µs outside the nodes, µs per node) from the hourly, default-rule variants (least squares);
    None with fewer than two of them."""
    pts = [
        (r.variant.nodes, r.cpu_us)
        for r in results
        if r.variant.every_h == 1 and r.variant.rate_step == DEFAULT_RATE_STEP and r.variant.single
    ]
    if len({n for n, _ in pts}) < 2:
        return None
    slope, intercept = np.polyfit([n for n, _ in pts], [t for _, t in pts], 1)
    return float(intercept), float(slope)


def _split_sentence(fixed: float, per: float, budget: float, target: float) -> str:
    head = (
        f"A line through the hourly single-precision rows: {fixed:.1f} µs per subject outside the nodes and "
        f"{per:.1f} µs per node. The target of {target:,.0f} subjects/s on 2 cores leaves "
        f"{budget:.1f} µs of CPU per subject"
    )
    if per <= 0:
        return head + "; these timings do not separate the two parts (too few subjects?)."
    if fixed >= budget:
        return head + ": the part outside the nodes alone takes more."
    return head + f": room for {(budget - fixed) / per:.1f} nodes at this cost per node."


def markdown(results: list[Result], w: Workload, a: argparse.Namespace, facts: dict[str, str],
             load: tuple[float, float], command: str) -> str:  # fmt: skip
    lines = [
        START,
        "## The kernel's cost against its accuracy",
        "",
        f"Measured {facts['date']} with `{command}`; the same workload as above "
        f"({w.days} day{'s' if w.days != 1 else ''}, a dose every 8 h), {w.n:,} subjects on 1 thread, the variants alternated "
        f"{a.rounds} time{'s' if a.rounds != 1 else ''} (median CPU time per subject, each run "
        "writing into a kept output array, as the kernel rows above do, through run_kernel); errors "
        "as above, on the first "
        f"{a.ref_subjects} subject{'s' if a.ref_subjects != 1 else ''}. Load average {load[0]:.2f} before and {load[1]:.2f} after "
        "(1-min). Nodes: Gauss–Legendre collocation nodes per step; stages: the precision of "
        "the collocation stages (the states and step ends are double either way); λ: the "
        "subject's fastest "
        "rate (engine/compiled.py `substeps`; in the interval that starts at a dose λ·h is at most "
        "half of it).",
        "",
    ]
    for model, title in MODELS.items():
        rows = [r for r in results if r.model == model]
        if not rows:
            continue
        budget = 2e6 / TARGET_RATE[model]
        lines += [
            f"### {title[0].upper()}{title[1:]}",
            "",
            "| Nodes | Stages | Sub-steps | Output | CPU per subject | Max rel. error | "
            f"≤ {TARGET_ERROR:g} |",
            "|---:|---|---|---|---:|---:|---|",
        ]
        for r in rows:
            ok = "yes" if r.error <= TARGET_ERROR else "no"
            lines.append(f"| {' | '.join(r.variant.cells())} | {r.cpu_us:.1f} µs | {r.error:.1e} "
                         f"({r.error_at}) | {ok} |")  # fmt: skip
        split = split_cost(rows)
        lines.append("")
        if split is not None:
            lines += [_split_sentence(*split, budget, TARGET_RATE[model]), ""]
    lines.append(END)
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: 4 subjects, 1 day, 2 variants")
    ap.add_argument("--subjects", type=int, help="timed population (default 2,000; quick 4)")
    ap.add_argument("--days", type=int, help="days of dosing and output (default 28; quick 1)")
    ap.add_argument("--ref-subjects", type=int, help="subjects in the accuracy check (12; quick 1)")
    ap.add_argument("--rounds", type=int, help="alternated timing rounds (7; quick 1)")
    ap.add_argument("--models", default="PK,full", help="PK, full or both (default PK,full)")
    ap.add_argument("--seed", type=int, default=20261124)
    ap.add_argument("--out", type=Path, default=None, help="write/replace a section in this file")
    a = ap.parse_args(argv)
    defaults = {"subjects": (2_000, 4), "days": (28, 1), "ref_subjects": (12, 1), "rounds": (7, 1)}
    for key, (full, quick) in defaults.items():
        if getattr(a, key) is None:
            setattr(a, key, quick if a.quick else full)
    a.models = [m.strip() for m in a.models.split(",") if m.strip()]
    unknown = [m for m in a.models if m not in MODELS]
    if unknown:
        ap.error(f"--models: unknown {', '.join(unknown)}; use PK, full or PK,full")
    a.variants = QUICK_VARIANTS if a.quick else VARIANTS
    a.ref_subjects = min(a.ref_subjects, a.subjects)
    return a


def run(argv: list[str] | None = None) -> tuple[list[Result], str]:
    """Every variant of every model; returns the results and the markdown section (no file I/O)."""
    a = parse_args(argv)
    before = load_average()[0]
    w = make_workload(a.subjects, a.days, a.seed)
    t = time.perf_counter()
    ref = reference(w, a.ref_subjects)
    log(f"reference: DOP853 on {a.ref_subjects} subjects, {time.perf_counter() - t:.1f} s")
    results = [r for m in a.models for r in measure(w, ref, m, a.variants, a.rounds)]
    used = sys.argv[1:] if argv is None else argv
    command = shlex.join([".venv/bin/python", "benchmarks/bench_method.py", *used])
    load = (before, load_average()[0])
    return results, markdown(results, w, a, machine_facts(), load, command)


def main(argv: list[str] | None = None) -> int:
    results, section = run(argv)
    print(section)
    a = parse_args(argv)
    if a.out is not None:
        write_section(a.out, section, START, END)
        log(f"wrote {a.out}")
    return 0 if results else 1


if __name__ == "__main__":
    raise SystemExit(main())
