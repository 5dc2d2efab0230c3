"""Engine benchmark: the generated kernels vs a per-subject SciPy loop vs libRoadRunner on the same
model, and ``kratomsim trial`` end to end.

Usage: ``.venv/bin/python benchmarks/bench_engine.py [--quick] [--out BENCHMARKS.md]``; the workload,
the contenders and what each number means are described in ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_report import (
    MARK_END,
    MARK_START,
    MODELS,
    PK,
    PRODUCT,
    REGIMEN,
    Row,
    TrialRun,
    markdown,
)
from bench_support import (
    fmt_rate,
    load_average,
    log,
    machine_facts,
    memory_mib,
    repeated,
    timed,
    write_section,
)

import kratomsim
from kratomsim.engine.compiled import compiled_kernel
from kratomsim.engine.reference import reference_model, simulate_reference
from kratomsim.engine.subjects import (
    Dosing,
    all_outputs,
    dosing_for,
    parameter_matrix,
    simulate_subjects,
)
from kratomsim.evidence import cited_inputs, resolve_product
from kratomsim.interop.sbml import sbml_id, to_sbml
from kratomsim.population.variability import (
    STREAM_WIDTH,
    build_omega,
    covariate_effects,
    draw_subjects,
    parse_covariates,
    subject_normals,
)
from kratomsim.spec import default_spec

LSODA = {"rtol": 1e-7, "atol": 1e-7}  # atol in base units (nmol, or 1 for activities and scores)
RR_TOL = {"relative_tolerance": 1e-8, "absolute_tolerance": 1e-11, "stiff": False}
REF = {"rtol": 1e-13, "atol": 1e-13}
NAN = float("nan")


@dataclass(frozen=True)
class Workload:
    """The same subjects and doses for every contender."""

    days: int
    #: per-subject values in declared units, as ``kratomsim trial`` draws them
    values: dict[str, np.ndarray]
    dosing: Dosing
    #: the same values in base units (subjects, parameters), columns named by ``params``
    base: np.ndarray
    params: tuple[str, ...]
    #: amounts into the dose states (doses, len(spec.doses)), nmol; shared by all subjects
    doses_nmol: np.ndarray

    @property
    def n(self) -> int:
        return self.base.shape[0]

    def row(self, i: int) -> dict[str, float]:
        return dict(zip(self.params, self.base[i].tolist(), strict=True))

    def first(self, n: int) -> dict[str, np.ndarray]:
        return {k: np.asarray(v)[:n] for k, v in self.values.items()}


def make_workload(n: int, days: int, seed: int) -> Workload:
    """``n`` subjects of the population ``kratomsim trial`` draws (cited ω, correlations, weight
    and sex; no content spread, so every subject takes the same dose), the regimen, hourly output."""
    spec = default_spec()
    inputs = cited_inputs(resolve_product(PRODUCT))
    regimen = kratomsim.parse_regimen(REGIMEN.format(days=days))
    dosing = dosing_for(regimen, inputs, duration_h=days * 24.0, step_h=1.0)
    cov = parse_covariates(None)
    z = subject_normals(seed, 0, 0, n, STREAM_WIDTH)
    effects = covariate_effects(cov)
    draws = draw_subjects(inputs.values, dosing.absorption, build_omega(), effects, cov, z)
    kernel = compiled_kernel(spec, all_outputs(spec))
    base, _ = parameter_matrix(draws.values, kernel, spec)
    missing = set(spec.numeric_names) - set(kernel.params)
    assert not missing, f"the kernel's parameters lack {missing}"
    per = {"mitragynine": dosing.mg_doses_mg[0], "7-hydroxymitragynine": dosing.oh7_doses_mg[0]}
    doses = np.column_stack(
        [per[d.name] * 1e6 / base[0, kernel.params.index(d.molar_mass)] for d in spec.doses]
    )
    return Workload(days, draws.values, dosing, base, kernel.params, doses)


# ------------------------------------------------------------------------------------ contenders
def outputs_of(model: str) -> tuple[str, ...]:
    return PK if model == "PK" else all_outputs()


def kernel_run(
    w: Workload, model: str, threads: int, n: int | None = None, out: np.ndarray | None = None
) -> np.ndarray:
    """kratomsim's generated kernel through the engine's entry: (outputs, subjects, times);
    ``out``: an array to write into, kept from call to call as the population engine keeps one
    per chunk size (without it every call allocates and first touches a new one)."""
    values = w.values if n is None else w.first(n)
    outputs = outputs_of(model)
    return simulate_subjects(values, w.dosing, outputs=outputs, threads=threads, out=out).values


def scipy_loop(w: Workload, model: str, budget_s: float, n: int | None = None) -> np.ndarray:
    """The engine's SciPy reference with LSODA, one subject after another until the budget is
    spent; only the states the outputs need (``prune``; every state for the full model)."""
    spec, outputs, got = default_spec(), outputs_of(model), []
    prune = model == "PK"
    reference_model(spec, sinks=False, outputs=outputs if prune else None)  # SymPy → NumPy once
    start = time.perf_counter()
    for s in range(w.n if n is None else n):
        r = simulate_reference(
            spec,
            w.row(s),
            w.dosing.dose_times_h,
            w.doses_nmol,
            w.dosing.time_h,
            method="LSODA",
            outputs=outputs,
            prune=prune,
            **LSODA,
        )
        got.append([r[o] for o in outputs])
        if time.perf_counter() - start > budget_s:
            break
    return np.asarray(got).transpose(1, 0, 2)


class RoadRunnerLoop:
    """libRoadRunner on the specification's SBML export (doses as SBML events): one instance; per
    subject set every parameter, ``reset()``, one ``simulate`` call of the model's outputs."""

    def __init__(self, w: Workload) -> None:
        import roadrunner

        spec = default_spec()
        switches = {i.name for i in spec.inputs if i.switch}
        t, text = timed(
            lambda: to_sbml(
                spec, w.row(0), dose_times_h=w.dosing.dose_times_h, doses_nmol=w.doses_nmol
            )
        )
        self.export_s = t.wall_s
        t, self.rr = timed(lambda: roadrunner.RoadRunner(text))
        self.load_s = t.wall_s
        for key, value in RR_TOL.items():
            setattr(self.rr.integrator, key, value)
        self.setters = [(j, sbml_id(p)) for j, p in enumerate(w.params) if p not in switches]

    def __call__(
        self, w: Workload, model: str, budget_s: float, n: int | None = None
    ) -> np.ndarray:
        self.rr.timeCourseSelections = [f"out_{sbml_id(o)}" for o in outputs_of(model)]
        t_end, points, got = float(w.dosing.time_h[-1]), int(w.dosing.time_h.size), []
        start = time.perf_counter()
        for s in range(w.n if n is None else n):
            row = w.base[s].tolist()
            for j, pid in self.setters:
                self.rr.setValue(pid, row[j])
            self.rr.reset()
            got.append(np.asarray(self.rr.simulate(0.0, t_end, points)).T)
            if time.perf_counter() - start > budget_s:
                break
        return np.asarray(got).transpose(1, 0, 2)


# ---------------------------------------------------------------------------------- measuring
def reference(w: Workload, n: int) -> np.ndarray:
    """Every output of the first ``n`` subjects by DOP853 at rtol = atol = 1e-13 (no pruning)."""
    spec, names, got = default_spec(), all_outputs(), []
    for s in range(n):
        r = simulate_reference(
            spec, w.row(s), w.dosing.dose_times_h, w.doses_nmol, w.dosing.time_h, **REF
        )
        got.append([r[o] for o in names])
    return np.asarray(got).transpose(1, 0, 2)


def max_error(out: np.ndarray, ref: np.ndarray, outputs: tuple[str, ...]) -> tuple[float, str]:
    """Largest max|Δ| / max|ref| over the reference subjects and outputs (as tests/engine check);
    outputs that are zero throughout for a subject are skipped."""
    names, worst = all_outputs(), (0.0, "")
    for r, name in enumerate(outputs):
        for s in range(min(out.shape[1], ref.shape[1])):
            b = ref[names.index(name), s]
            scale = float(np.max(np.abs(b)))
            if scale > 0:
                worst = max(worst, (float(np.max(np.abs(out[r, s] - b))) / scale, name))
    return worst


def cli_trial(n: int, days: int, seed: int, *, warm: bool = True) -> TrialRun:
    """Run ``python -m kratomsim trial`` for ``n`` subjects; with ``warm``, after an untimed
    20-subject run that fills the kernel cache, as any earlier run on the machine would have."""
    env = dict(os.environ)
    root = str(Path(kratomsim.__file__).resolve().parents[1])  # the same kratomsim as this process
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    cli = [sys.executable, "-m", "kratomsim"]
    trial = [
        *cli,
        "trial",
        REGIMEN.format(days=days),
        "--duration",
        f"{days} d",
        "--seed",
        str(seed),
    ]
    trial += ["--format", "json", "--n"]

    def call(args: list[str]) -> subprocess.CompletedProcess[str]:
        p = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
        if p.returncode != 0:
            raise RuntimeError(f"{shlex.join(args)} failed ({p.returncode}): {p.stderr[-2000:]}")
        return p

    if warm:
        call([*trial, "20"])
    startup = timed(lambda: call([*cli, "--help"]))[0].wall_s
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t, p = timed(lambda: call([*trial, str(n)]))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result = json.loads(p.stdout)
    meta = result["metadata"]
    assert meta["n_subjects"] == n, meta
    return TrialRun(n, len(result["time_h"]), t.wall_s, cpu, startup, float(meta["wall_time_s"]))


# ------------------------------------------------------------------------------------------ run
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: 4 subjects, 1 day, no trial")
    ap.add_argument("--subjects", type=int, help="kernel population (default 10,000; quick 4)")
    ap.add_argument("--days", type=int, help="days of dosing and output (default 28; quick 1)")
    ap.add_argument("--ref-subjects", type=int, help="subjects in the accuracy check (12; quick 1)")
    ap.add_argument("--budget-s", type=float, help="time budget per loop (40 s; quick 0.2 s)")
    ap.add_argument("--repeats", type=int, help="kernel runs, median (3; quick 1)")
    ap.add_argument("--trial-subjects", type=int, help="kratomsim trial size (50,000; quick 0)")
    ap.add_argument("--seed", type=int, default=20261124)
    ap.add_argument("--out", type=Path, default=None, help="write/replace a section in this file")
    a = ap.parse_args(argv)
    defaults = {"subjects": (10_000, 4), "days": (28, 1), "ref_subjects": (12, 1)}
    defaults |= {"budget_s": (40.0, 0.2), "repeats": (3, 1), "trial_subjects": (50_000, 0)}
    for key, (full, quick) in defaults.items():
        if getattr(a, key) is None:
            setattr(a, key, quick if a.quick else full)
    return a


def measure_model(
    w: Workload, model: str, ref: np.ndarray, rr: RoadRunnerLoop, a: argparse.Namespace
) -> list[Row]:
    """The kernel with 2 and 1 threads, the SciPy loop and libRoadRunner for one set of outputs."""
    outputs, rows = outputs_of(model), []
    kept = kernel_run(w, model, 2)  # warm-up at full size; then the array every run writes into
    for threads in (2, 1):
        kernel_run(w, model, threads, out=kept)
        t, out = repeated(lambda th=threads: kernel_run(w, model, th, out=kept), a.repeats)
        name = f"kratomsim kernel, {threads} thread{'s' if threads > 1 else ''}"
        config = (
            "generated kernel through simulate_subjects, writing into a kept output array (as "
            f"the population engine does); median of {a.repeats}"
        )
        rows.append(Row(model, name, config, w.n, t, *max_error(out, ref, outputs)))
    t, out = repeated(lambda: kernel_run(w, model, 2), a.repeats)
    config = f"the same, allocating a new output array each call; median of {a.repeats}"
    fresh = Row(model, "kratomsim kernel, 2 threads, new output array", config, w.n, t)
    fresh.error, fresh.error_at = max_error(out, ref, outputs)
    fresh.traced_mib, fresh.rss_mib = memory_mib(lambda: kernel_run(w, model, 2))
    fresh.memory_subjects = w.n
    rows.append(fresh)
    log(f"{model}: kernel {fmt_rate(rows[0].rate)}/s (2 threads), {fmt_rate(rows[1].rate)}/s (1)")
    loops = {
        "SciPy solve_ivp LSODA loop": (
            lambda n=None, budget=a.budget_s: scipy_loop(w, model, budget, n),
            "engine/reference.py per subject, restarted at every dose and output time; "
            f"rtol = atol = {LSODA['rtol']:g}",
        ),
        "libRoadRunner": (
            lambda n=None, budget=a.budget_s: rr(w, model, budget, n),
            "SBML export, doses as events, one simulate per subject; CVODE Adams, rtol "
            f"{RR_TOL['relative_tolerance']:g}, atol {RR_TOL['absolute_tolerance']:g}",
        ),
    }
    for name, (fn, config) in loops.items():
        t, out = timed(fn)
        row = Row(model, name, config, out.shape[1], t, *max_error(out, ref, outputs))
        row.memory_subjects = 1  # tracemalloc slows the Python-heavy loops many times over
        k = row.memory_subjects
        row.traced_mib, row.rss_mib = memory_mib(lambda fn=fn, k=k: fn(k, NAN))
        log(f"{model}: {name} {fmt_rate(row.rate)}/s on {row.subjects} subjects")
        rows.append(row)
    return rows


def run(argv: list[str] | None = None) -> dict[str, Any]:
    """Every contender on the same population, and the CLI trial; returns results (no file I/O)."""
    a = parse_args(argv)
    load_before = load_average()
    facts = machine_facts()
    t, w = timed(lambda: make_workload(a.subjects, a.days, a.seed))
    log(f"{w.n:,} subjects, {w.dosing.dose_times_h.size} doses, {w.dosing.time_h.size} output "
        f"times ({t.wall_s:.1f} s, kernels generated or loaded)")  # fmt: skip
    warm = {m: timed(lambda m=m: kernel_run(w, m, 1, 2))[0].wall_s for m in MODELS}
    n_ref = min(a.ref_subjects, w.n)
    t, ref = timed(lambda: reference(w, n_ref))
    log(f"reference: DOP853 on {n_ref} subjects, {t.wall_s:.1f} s")
    rr = RoadRunnerLoop(w)
    extra: dict[str, Any] = {"first_call_s": warm, "reference_s": t.wall_s, "n_ref": n_ref}
    extra |= {"rr_export_s": rr.export_s, "rr_load_s": rr.load_s}
    rows = [row for model in MODELS for row in measure_model(w, model, ref, rr, a)]
    trial = None
    if a.trial_subjects > 0:
        log(f"kratomsim trial, {a.trial_subjects:,} subjects")
        trial = cli_trial(a.trial_subjects, a.days, a.seed)
        log(f"trial: {trial.wall_s:.1f} s wall")
    return {"rows": rows, "trial": trial, "workload": w, "facts": facts, "args": a, "extra": extra,
            "load": (load_before, load_average())}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    out = run(argv)
    used = sys.argv[1:] if argv is None else argv
    section = markdown(out, shlex.join([".venv/bin/python", "benchmarks/bench_engine.py", *used]))
    print(section)
    if out["args"].out is not None:
        write_section(out["args"].out, section, MARK_START, MARK_END)
        log(f"wrote {out['args'].out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
