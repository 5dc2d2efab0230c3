"""Records and the markdown section of ``bench_engine.py``: rows, the trial run, tables, targets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench_support import Timing, fmt_rate, fmt_us

PRODUCT = "leaf-powder"
REGIMEN = "2 g every 8 h for {days} days"
PK = ("mitragynine_nm", "oh7_nm")
MODELS = {"PK": "PK outputs (mitragynine_nm, oh7_nm)", "full": "full model (every output)"}
TARGET_RATE = {"PK": 100_000.0, "full": 24_000.0}
TARGET_ERROR = 1e-6
TARGET_TRIAL = 1000.0
MARK_START, MARK_END = "<!-- bench_engine:start -->", "<!-- bench_engine:end -->"
NAN = float("nan")


@dataclass
class Row:
    model: str
    name: str
    config: str
    subjects: int
    timing: Timing
    error: float = NAN
    error_at: str = ""
    traced_mib: float = NAN
    rss_mib: float = NAN
    memory_subjects: int = 0

    @property
    def rate(self) -> float:
        return self.subjects / self.timing.wall_s

    @property
    def cpu_per_subject(self) -> float:
        return self.timing.cpu_s / self.subjects

    @property
    def ours(self) -> bool:
        return self.name.startswith("kratomsim")


@dataclass(frozen=True)
class TrialRun:
    """``kratomsim trial`` as a user runs it, in a fresh process."""

    subjects: int
    times: int
    wall_s: float  # the whole command, interpreter start-up included
    cpu_s: float  # the child's user + system CPU
    startup_s: float  # ``python -m kratomsim --help``, for scale
    simulate_s: float  # the trial's own report of its simulation time


# ------------------------------------------------------------------------------------- report
def _speedup(mine: Row, other: Row) -> tuple[float, float]:
    """(wall-clock ratio, CPU-time-per-subject ratio) of ``other`` over ``mine``."""
    return mine.rate / other.rate, other.cpu_per_subject / mine.cpu_per_subject


def table(rows: list[Row], n_total: int) -> list[str]:
    two = next(r for r in rows if r.name.endswith("2 threads"))
    one = next(r for r in rows if r.name.endswith("1 thread"))
    lines = [
        "| Contender | Configuration | Subjects timed | Wall (s) | Subjects/s | CPU-s per subject "
        "| kratomsim speed-up, wall (CPU) | Max rel. error | tracemalloc peak (MiB) | RSS "
        "high-water Δ (MiB) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        wall, cpu = _speedup(two, r)[0], _speedup(one, r)[1]
        speed = "—" if r.ours else f"{wall:,.0f}× ({cpu:,.0f}×)"
        err = f"{r.error:.1e}" + (f" ({r.error_at})" if r.error_at else "")
        mem = "" if r.memory_subjects in (0, n_total) else f" ({r.memory_subjects} subj.)"
        memory = "—" if not r.memory_subjects else f"{r.traced_mib:.1f}{mem}"
        rss = "—" if not r.memory_subjects else f"{r.rss_mib:.1f}{mem}"
        lines.append(
            f"| {r.name} | {r.config} | {r.subjects:,} | {r.timing.wall_s:.3f} | "
            f"{fmt_rate(r.rate)} | {fmt_us(r.cpu_per_subject)} | {speed} | {err} | {memory} | "
            f"{rss} |"
        )
    return lines


def targets(rows: list[Row], trial: TrialRun | None, scipy_full: Row) -> list[str]:
    def ok(x: bool) -> str:
        return "**met**" if x else "**not met**"

    out = []
    for model in MODELS:
        two = next(r for r in rows if r.model == model and r.name.endswith("2 threads"))
        one = next(r for r in rows if r.model == model and r.name.endswith("1 thread"))
        idle = 2.0 / one.cpu_per_subject
        goal = TARGET_RATE[model]
        out.append(
            f"- {MODELS[model]}: {fmt_rate(two.rate)} subjects/s with 2 threads on this machine, "
            f"{fmt_us(one.cpu_per_subject)} CPU per subject on 1 thread (≈ {fmt_rate(idle)}/s on "
            f"2 idle cores); target {goal:,.0f}/s: {ok(two.rate >= goal)} (from CPU time: "
            f"{ok(idle >= goal)})."
        )
    worst = max((r for r in rows if r.ours), key=lambda r: r.error)
    out.append(f"- Kernel error {worst.error:.1e} ({worst.error_at}, {worst.model}); target "
               f"≤ {TARGET_ERROR:g}: {ok(worst.error <= TARGET_ERROR)}.")  # fmt: skip
    if trial is not None:
        ratio = trial.subjects * scipy_full.timing.wall_s / scipy_full.subjects / trial.wall_s
        out.append(f"- `kratomsim trial`: {ratio:,.0f}× the SciPy loop (extrapolated); target "
                   f"≥ {TARGET_TRIAL:,.0f}×: {ok(ratio >= TARGET_TRIAL)}.")  # fmt: skip
    return out


def trial_lines(trial: TrialRun, scipy_full: Row) -> list[str]:
    per = scipy_full.timing.wall_s / scipy_full.subjects
    cpu = scipy_full.cpu_per_subject
    return [
        "| What | Subjects | Wall (s) | Subjects/s | CPU (s) | Ratio |",
        "|---|---:|---:|---:|---:|---:|",
        f"| `kratomsim trial` (whole command, start-up included) | {trial.subjects:,} | "
        f"{trial.wall_s:.1f} | {fmt_rate(trial.subjects / trial.wall_s)} | {trial.cpu_s:.1f} | — |",
        f"| of which the trial's own simulation and summaries | {trial.subjects:,} | "
        f"{trial.simulate_s:.1f} | {fmt_rate(trial.subjects / trial.simulate_s)} | | |",
        f"| SciPy LSODA loop, full model, **extrapolated** from {scipy_full.subjects:,} subjects "
        f"in {scipy_full.timing.wall_s:.0f} s | {trial.subjects:,} | {per * trial.subjects:,.0f} | "
        f"{fmt_rate(1 / per)} | {cpu * trial.subjects:,.0f} | "
        f"{per * trial.subjects / trial.wall_s:,.0f}× wall ({cpu * trial.subjects / trial.cpu_s:,.0f}"
        "× CPU) |",
        "",
        f'`kratomsim trial "{REGIMEN.format(days="N")}" --duration "N d" --n … --format json` '
        f"in a fresh process ({trial.times} output times); the interpreter, imports and loading "
        f"the cached kernel are included (`python -m kratomsim --help` alone: "
        f"{trial.startup_s:.1f} s). The trial draws product content per subject and writes "
        "percentile bands, so it does a little more than the loop it is compared with.",
    ]


def markdown(out: dict[str, Any], command: str) -> str:
    rows: list[Row] = out["rows"]
    w = out["workload"]  # bench_engine.Workload
    a, facts, ex = out["args"], out["facts"], out["extra"]
    (before, after), trial = out["load"], out["trial"]
    scipy_full = next(r for r in rows if r.model == "full" and r.name.startswith("SciPy"))
    mg = float(w.dosing.mg_doses_mg[0, 0])
    first = ", ".join(f"{m} {s:.1f} s" for m, s in ex["first_call_s"].items())
    lines = [
        MARK_START,
        "## Engine benchmark: generated kernels, SciPy, libRoadRunner, `kratomsim trial`",
        "",
        f"Measured {facts['date']} with `{command}`; method in `benchmarks/README.md`.",
        "",
        f"Workload: {PRODUCT} {REGIMEN.format(days=w.days)} ({w.dosing.dose_times_h.size} doses "
        f"of {mg:g} mg mitragynine), hourly output ({w.dosing.time_h.size} times); {w.n:,} "
        "subjects drawn as `kratomsim trial` draws them (cited log-normal IIV with correlations, "
        f"weight and sex; seed {a.seed}); loops: as many of the same subjects as their "
        f"{a.budget_s:g}-s budget allows. Errors: max over subjects and outputs of max|Δ| / "
        f"max|ref| against the engine's SciPy reference with DOP853, rtol = atol = 1e-13, all "
        f"states, on the first {ex['n_ref']} subjects ({ex['reference_s']:.0f} s).",
        "",
        f"Machine: {facts['machine']}; {facts['versions']}. **Load average {before[0]:.2f} "
        f"before and {after[0]:.2f} after the run** (1-min; 5-min {before[1]:.2f} / "
        f"{after[1]:.2f}; the run's own threads add up to 2): other jobs on this 2-core machine "
        "would lower the wall-clock rates; the 1-thread CPU time per subject is the work, and "
        "2 / that time estimates 2 idle cores.",
        "",
        "The kernel rows write into an output array kept from run to run, as the population "
        "engine behind `kratomsim trial` keeps one for its chunks; the row with a new output "
        "array shows what a single call that allocates its result costs besides (filling fresh "
        "memory pages), and carries the memory figures.",
        "",
    ]
    for model, title in MODELS.items():
        lines += [f"### {title[0].upper()}{title[1:]}", "", *table([r for r in rows if r.model
                  == model], w.n), ""]  # fmt: skip
    if trial is not None:
        lines += ["### `kratomsim trial` end to end", "", *trial_lines(trial, scipy_full), ""]
    lines += ["### Against the targets", "", *targets(rows, trial, scipy_full), "", "Notes:", ""]
    lines += [
        "- Speed-up: the contender's wall time per subject over the 2-thread kernel's; in "
        "brackets its CPU time per subject over the 1-thread kernel's (the loops run on one "
        "thread).",
        "- For the PK outputs the SciPy loop integrates only the states they need "
        "(`simulate_reference(..., prune=True)`, as the kernels do); the full model needs every "
        "state. libRoadRunner integrates the whole SBML export whatever is selected. "
        f"libRoadRunner's one-off SBML export and compile: {ex['rr_export_s']:.1f} s and "
        f"{ex['rr_load_s']:.1f} s, not in its time.",
        "- Memory: separate untimed passes (kernel: a new output array, all subjects, 2 threads; "
        "loops: the subjects in brackets). tracemalloc = peak of Python-side allocations (NumPy included, not Numba's "
        "or the solvers' native memory); RSS Δ = peak resident set minus the resident set before.",
        f"- First call in a process (loads the cached kernel; {first}) "
        "is not in the times; with an empty cache the first call also generates and compiles "
        "the kernel (about a minute).",
        MARK_END,
    ]
    return "\n".join(lines) + "\n"
