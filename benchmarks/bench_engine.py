"""Population PK benchmark: kratomsim's exact path vs a SciPy LSODA loop vs libRoadRunner.

Usage: ``.venv/bin/python benchmarks/bench_engine.py [--quick] [--out BENCHMARKS.md]``; the
workload, the contenders and what each number means are described in ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import os
import platform
import re
import shlex
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import roadrunner
import scipy
from scipy.integrate import solve_ivp

from kratomsim.engine.core import simulate_concentrations
from kratomsim.evidence import load_parameters, resolve_product
from kratomsim.evidence.params import model_inputs
from kratomsim.interop.sbml import output_id, to_sbml
from kratomsim.models import pk

OMEGA = 0.3
VARIED = ("cl", "v1", "q", "v2", "ka_mg", "kme")
DAYS, INTERVAL_H, DOSE_G, PRODUCT = 28, 8.0, 2.0, "leaf-powder"
LSODA_TOL = {"rtol": 1e-8, "atol": 1e-8}  # atol in nmol
RR_TOL = {"relative_tolerance": 1e-8, "absolute_tolerance": 1e-12, "stiff": False}
REF_TOL = {"rtol": 1e-13, "atol": 1e-16}
INF = float("inf")
MARK_START, MARK_END = "<!-- bench_engine:start -->", "<!-- bench_engine:end -->"


@dataclass
class Workload:
    params: dict[str, np.ndarray]  # per-subject arrays
    dose_times: np.ndarray
    alkaloid_mg: dict[str, np.ndarray]
    t_out: np.ndarray

    @property
    def n(self) -> int:
        return self.params["cl"].size

    def dose_nmol(self, s: int) -> dict[str, np.ndarray]:
        """Per-depot dose amounts (nmol) for subject s."""
        return {
            state: self.alkaloid_mg[a] * 1e6 / self.params[mw][s]
            for a, (state, mw) in pk.DOSE_INPUTS.items()
            if a in self.alkaloid_mg
        }


@dataclass
class Result:
    name: str
    config: str
    subjects: int
    seconds: float
    conc: np.ndarray  # (subjects timed, times, analytes)
    max_rel_err: float
    tracemalloc_mib: float = float("nan")
    rss_mib: float = float("nan")
    memory_subjects: int = 0

    @property
    def rate(self) -> float:
        return self.subjects / self.seconds


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def make_workload(n: int, seed: int) -> Workload:
    base = model_inputs(load_parameters(), resolve_product(PRODUCT))
    rng = np.random.default_rng(seed)
    eta = rng.standard_normal((n, len(VARIED)))  # row-major: the first K subjects never depend on n
    params = {k: np.full(n, v) for k, v in base.params.items()}
    for j, name in enumerate(VARIED):
        params[name] = base.params[name] * np.exp(OMEGA * eta[:, j])
    n_doses = int(DAYS * 24 / INTERVAL_H)
    alk = {
        "mitragynine": np.full(n_doses, DOSE_G * base.mg_per_g),
        "7-hydroxymitragynine": np.full(n_doses, DOSE_G * base.oh7_mg_per_g),
    }
    return Workload(params, np.arange(n_doses) * INTERVAL_H, alk, np.arange(DAYS * 24 + 1.0))


# ------------------------------------------------------------------------------------- contenders
def run_kratomsim(w: Workload, n: int, budget_s: float, chunk: int = 0) -> np.ndarray:
    """The exact path on the first n subjects, all at once or ``chunk`` subjects per call."""
    step, parts = chunk or n, []
    for s in range(0, n, step):
        sub = {k: v[s : min(s + step, n)] for k, v in w.params.items()}
        parts.append(simulate_concentrations(sub, w.dose_times, w.alkaloid_mg, w.t_out)[1])
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _segments(w: Workload) -> list[tuple[float, float, np.ndarray, np.ndarray]]:
    """Per dose: (start, end, grid to integrate on, indices of t_out it fills)."""
    ends = [*w.dose_times[1:], w.t_out[-1]]
    out = []
    for k, (t0, t1) in enumerate(zip(w.dose_times, ends, strict=True)):
        last = k == len(w.dose_times) - 1
        idx = np.flatnonzero((w.t_out >= t0) & ((w.t_out <= t1) if last else (w.t_out < t1)))
        out.append((float(t0), float(t1), np.unique(np.append(w.t_out[idx], t1)), idx))
    return out


def run_scipy(
    w: Workload, n: int, budget_s: float, *, method: str, tol: dict[str, float], full: bool
) -> np.ndarray:
    """Per-subject solve_ivp loop, restarting at each dose; ``full``: all 8 states, else body."""
    states = list(range(len(pk.IDX))) if full else [pk.IDX[s] for s in pk.BODY_STATES]
    p = pk.as_subject_arrays({k: v[:n] for k, v in w.params.items()})
    a = pk.rate_matrix(p)[:, states][:, :, states]
    c = pk.output_matrix(p)[:, :, states]
    segs = _segments(w)
    out = np.zeros((n, w.t_out.size, len(pk.OUTPUTS)))
    started = time.perf_counter()
    for s in range(n):
        a_s, x = a[s], np.zeros(len(states))
        doses = {states.index(pk.IDX[st]): v for st, v in w.dose_nmol(s).items()}
        extra = {} if method == "DOP853" else {"jac": lambda _t, _y, m=a_s: m}
        for k, (t0, t1, grid, idx) in enumerate(segs):
            for j, amounts in doses.items():
                x[j] += amounts[k]
            sol = solve_ivp(
                lambda _t, y, m=a_s: m @ y, (t0, t1), x, method=method, t_eval=grid, **extra, **tol
            )
            if not sol.success:
                raise RuntimeError(f"{method} failed for subject {s}: {sol.message}")
            out[s, idx] = (c[s] @ sol.y[:, np.searchsorted(grid, w.t_out[idx])]).T
            x = sol.y[:, -1].copy()
        if time.perf_counter() - started > budget_s:
            return out[: s + 1]
    return out


def dose_event_sbml(sbml: str, w: Workload) -> str:
    """Add one periodic dose event (every INTERVAL_H up to the last dose) to the exported model."""
    import libsbml

    doc = libsbml.readSBMLFromString(sbml)
    model = doc.getModel()
    last = float(w.dose_times[-1])
    fixed = (("dose_nmol", 0.0), ("dose_interval_h", INTERVAL_H), ("last_dose_h", last))
    for pid, value, const in (*((p, v, True) for p, v in fixed), ("next_dose_h", 0.0, False)):
        par = model.createParameter()
        par.setId(pid), par.setValue(value), par.setConstant(const)
    ev = model.createEvent()
    ev.setId("dose"), ev.setUseValuesFromTriggerTime(True)
    trig = ev.createTrigger()
    trig.setInitialValue(False), trig.setPersistent(True)
    trig.setMath(libsbml.parseL3Formula("time >= next_dose_h && next_dose_h <= last_dose_h"))
    steps = {"gut_mg": "gut_mg + dose_nmol", "next_dose_h": "next_dose_h + dose_interval_h"}
    for var, rhs in steps.items():
        assign = ev.createEventAssignment()
        assign.setVariable(var), assign.setMath(libsbml.parseL3Formula(rhs))
    return libsbml.writeSBMLToString(doc)


def run_roadrunner(w: Workload, n: int, budget_s: float, *, events: bool) -> np.ndarray:
    """One RoadRunner instance; per subject: reset, set parameters, simulate.

    ``events=False``: doses are state increments between ``simulate`` segments (one per dose).
    ``events=True``: one periodic SBML event gives doses 2…n in a single ``simulate`` call (the dose
    at t = 0 is set as the initial amount; RoadRunner does not fire events at the start time).
    """
    sbml = to_sbml({k: float(v[0]) for k, v in w.params.items()})
    if events:
        if np.ptp(w.alkaloid_mg["mitragynine"]) or np.any(w.alkaloid_mg["7-hydroxymitragynine"]):
            raise ValueError("the event variant needs equal doses of mitragynine only")
        sbml = dose_event_sbml(sbml, w)
    rr = roadrunner.RoadRunner(sbml)
    for key, value in RR_TOL.items():
        setattr(rr.integrator, key, value)
    rr.integrator.maximum_num_steps = 1_000_000
    sel = [output_id(a) for a in pk.OUTPUTS]
    segs = _segments(w)
    out = np.zeros((n, w.t_out.size, len(pk.OUTPUTS)))
    started = time.perf_counter()
    for s in range(n):
        rr.reset()
        for name in pk.PARAMETERS:
            rr[name] = float(w.params[name][s])
        doses = w.dose_nmol(s)
        if events:
            rr["dose_nmol"], rr["next_dose_h"] = float(doses["gut_mg"][1]), float(w.dose_times[1])
            rr["gut_mg"] = float(doses["gut_mg"][0])
            res = rr.simulate(float(w.t_out[0]), float(w.t_out[-1]), w.t_out.size, selections=sel)
            out[s] = np.asarray(res)
        else:
            for k, (_t0, _t1, grid, idx) in enumerate(segs):
                for state, amounts in doses.items():
                    rr[state] = rr[state] + float(amounts[k])
                res = np.asarray(rr.simulate(times=grid.tolist(), selections=sel))
                out[s, idx] = res[np.searchsorted(grid, w.t_out[idx])]
        if time.perf_counter() - started > budget_s:
            return out[: s + 1]
    return out


# ------------------------------------------------------------------------------------- measuring
def max_rel_err(conc: np.ndarray, ref: np.ndarray) -> float:
    """Max |c − ref|/ref over points where ref > 1e-6 × that subject's (and analyte's) max."""
    k = min(conc.shape[0], ref.shape[0])
    c, r = conc[:k], ref[:k]
    big = r > 1e-6 * r.max(axis=1, keepdims=True)
    return float(np.max(np.abs(c - r)[big] / r[big]))


def memory_mib(fn: Callable[[], object]) -> tuple[float, float]:
    """(tracemalloc peak, RSS high-water delta) of fn in MiB, from two separate runs of fn.

    RSS: freed heap handed back (glibc ``malloc_trim``), ``VmHWM`` reset through
    ``/proc/self/clear_refs`` (Linux ≥ 4.0), then peak minus the RSS before; NaN elsewhere.
    """
    tracemalloc.start()
    fn()
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    status = Path("/proc/self/status")
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        Path("/proc/self/clear_refs").write_text("5")
        before = re.search(r"VmRSS:\s+(\d+)", status.read_text())
    except (OSError, AttributeError):
        return traced, float("nan")
    fn()
    peak = re.search(r"VmHWM:\s+(\d+)", status.read_text())
    rss = (int(peak.group(1)) - int(before.group(1))) / 1024 if peak and before else float("nan")
    return traced, rss


def timed(fn: Callable[[], np.ndarray]) -> tuple[float, np.ndarray]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


# ------------------------------------------------------------------------------------------- run
#: Contender: (name, configuration, runner(workload, n subjects, time budget s) → concentrations).
Contender = tuple[str, str, Callable[[Workload, int, float], np.ndarray]]
MEM_SUBJECTS = 100  # loops' memory passes (their footprint does not grow with n)


def contenders(quick: bool) -> list[Contender]:
    lsoda = (
        "per subject, restart at each dose; rtol={rtol:g}, atol={atol:g} nmol, analytic Jacobian"
    )
    cvode = "CVODE Adams, rtol={relative_tolerance:g}, atol={absolute_tolerance:g} nmol"
    cvode = cvode.format(**RR_TOL)
    found: list[Contender] = [("kratomsim exact", "all subjects in one call", run_kratomsim)]
    if not quick:
        found.append(("kratomsim exact", "chunks of 256", partial(run_kratomsim, chunk=256)))
    scipy_run = partial(run_scipy, method="LSODA", tol=LSODA_TOL, full=False)
    found.append(("SciPy solve_ivp LSODA loop", lsoda.format(**LSODA_TOL), scipy_run))
    for events, how in ((False, "state increments between simulate calls"), (True, "dose event")):
        found.append(("libRoadRunner", f"{how}; {cvode}", partial(run_roadrunner, events=events)))
    return found


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--subjects", type=int, default=None, help="population size (default 1000)")
    ap.add_argument("--quick", action="store_true", help="smoke run: 5 subjects, fewer repeats")
    ap.add_argument("--ref-subjects", type=int, default=20, help="subjects in the accuracy check")
    ap.add_argument("--budget-s", type=float, default=120.0, help="time budget per loop contender")
    ap.add_argument("--repeats", type=int, default=None, help="kratomsim runs (default 7; quick 3)")
    ap.add_argument("--seed", type=int, default=20261124)
    ap.add_argument("--out", type=Path, default=None, help="write/replace a section in this file")
    args = ap.parse_args(argv)
    args.subjects = args.subjects or (5 if args.quick else 1000)
    args.repeats = args.repeats or (3 if args.quick else 7)
    return args


def run(argv: list[str] | None = None) -> dict[str, object]:
    """Run every contender on the same population; return results (no file I/O)."""
    args = parse_args(argv)
    w, budget_s, repeats = make_workload(args.subjects, args.seed), args.budget_s, args.repeats
    n_ref = min(args.ref_subjects, w.n)
    log(f"{w.n} subjects, {w.dose_times.size} doses, {w.t_out.size} output times")
    log(f"reference: DOP853 rtol={REF_TOL['rtol']:g} atol={REF_TOL['atol']:g}, {n_ref} subjects")
    ref_s, ref = timed(lambda: run_scipy(w, n_ref, INF, method="DOP853", tol=REF_TOL, full=True))
    log(f"reference done in {ref_s:.1f} s")
    run_kratomsim(w, w.n, INF)  # warm-up
    results: list[Result] = []
    for name, config, go in contenders(args.quick):
        if name.startswith("kratomsim"):  # fast: median of repeated runs over all subjects
            runs = [timed(lambda go=go: go(w, w.n, budget_s)) for _ in range(repeats)]
            sec, conc = statistics.median(r[0] for r in runs), runs[-1][1]
            config += f"; median of {repeats} runs"
        else:  # slow loops: one pass, cut short when the budget is spent
            sec, conc = timed(lambda go=go: go(w, w.n, budget_s))
        res = Result(name, config, conc.shape[0], sec, conc, max_rel_err(conc, ref))
        log(f"{name} ({config.split(';')[0]}): {res.subjects} subjects, {res.rate:,.1f}/s")
        # Memory: separate untimed passes (tracemalloc slows Python code down).
        mem_n = w.n if name.startswith("kratomsim") else min(MEM_SUBJECTS, res.subjects)
        res.memory_subjects = mem_n
        res.tracemalloc_mib, res.rss_mib = memory_mib(lambda go=go, n=mem_n: go(w, n, INF))
        results.append(res)
    facts = machine_facts()
    return {"results": results, "workload": w, "n_ref": n_ref, "facts": facts, "args": args}


def machine_facts() -> dict[str, str]:
    import libsbml

    cpu = platform.processor() or platform.machine()
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    cpu = next((ln.split(":", 1)[1].strip() for ln in info.splitlines() if "model name" in ln), cpu)
    try:
        cfg = np.show_config(mode="dicts")["Build Dependencies"]["blas"]  # type: ignore[index]
        blas = f" ({cfg.get('name', '')} {cfg.get('version', '')})"
    except Exception:
        blas = ""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "date": dt.date.today().isoformat(),
        "machine": f"{cpu}, {os.cpu_count()} CPUs ({usable} usable); "
        f"{platform.system()} {platform.release()}",
        "versions": f"Python {platform.python_version()}, NumPy {np.__version__}{blas}, SciPy "
        f"{scipy.__version__}, libRoadRunner {roadrunner.__version__}, libsbml "
        f"{libsbml.getLibSBMLDottedVersion()}",
    }


def markdown(out: dict[str, object], command: str) -> str:
    results: list[Result] = out["results"]  # type: ignore[assignment]
    facts: dict[str, str] = out["facts"]  # type: ignore[assignment]
    w: Workload = out["workload"]  # type: ignore[assignment]
    best = max((r for r in results if r.name.startswith("kratomsim")), key=lambda r: r.rate)
    rows = [
        "| Contender | Configuration | Subjects timed | Wall time (s) | Subjects/s | kratomsim "
        "speed-up | Max rel. error | tracemalloc peak (MiB) | RSS high-water Δ (MiB) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        speed = "—" if r.name.startswith("kratomsim") else f"{best.rate / r.rate:,.0f}×"
        mem = "" if r.memory_subjects == w.n else f" ({r.memory_subjects} subj.)"
        rows.append(
            f"| {r.name} | {r.config} | {r.subjects:,} | {r.seconds:.3f} | {r.rate:,.1f} | "
            f"{speed} | {r.max_rel_err:.1e} | {r.tracemalloc_mib:.1f}{mem} | {r.rss_mib:.1f}{mem} |"
        )
    scipy_r = next(r for r in results if r.name.startswith("SciPy"))
    rr_best = max((r for r in results if r.name == "libRoadRunner"), key=lambda r: r.rate)
    mg = w.alkaloid_mg["mitragynine"][0]
    lines = [
        MARK_START,
        "## Engine benchmark: population simulation",
        "",
        f"Measured {facts['date']} with `{command}`; method and caveats in `benchmarks/README.md`.",
        "",
        f"Workload: {w.n:,} subjects; {PRODUCT} {DOSE_G:g} g every {INTERVAL_H:g} h for {DAYS} "
        f"days ({w.dose_times.size} doses of {mg:g} mg mitragynine); hourly output "
        f"({w.t_out.size} times, 2 analytes); log-normal IIV ω = {OMEGA} on {', '.join(VARIED)} "
        "(NumPy Generator, fixed seed); one process, the same subjects for every contender.",
        "",
        *rows,
        "",
        f"**kratomsim/SciPy = {best.rate / scipy_r.rate:,.0f}×, kratomsim/libRoadRunner = "
        f"{best.rate / rr_best.rate:,.0f}×** (kratomsim: {best.config}; libRoadRunner: its faster "
        f"variant, {rr_best.config.split(';')[0]}).",
        "",
        f"- Max rel. error: vs DOP853 (rtol {REF_TOL['rtol']:g}, atol {REF_TOL['atol']:g} nmol, "
        f"all 8 states) on the first {out['n_ref']} subjects, over concentrations above 1e-6 × "
        "that subject's maximum.",
        *(
            f"- {r.name} ({r.config.split(';')[0]}): timed on the first {r.subjects:,} subjects "
            "(time budget spent)."
            for r in results
            if r.subjects < w.n
        ),
        "- Memory: separate untimed passes; tracemalloc = peak of Python-side allocations (NumPy "
        "included); RSS Δ = peak resident set minus resident set before the pass (native memory "
        "included). Loops: number of subjects in brackets.",
        f"- Machine: {facts['machine']}; {facts['versions']}.",
        MARK_END,
    ]
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    """Replace this benchmark's section in ``path`` (or append it / create the file)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    if MARK_START in text and MARK_END in text:
        head, rest = text.split(MARK_START, 1)
        text = head + section.rstrip("\n") + rest.split(MARK_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    out = run(argv)
    used = sys.argv[1:] if argv is None else argv
    section = markdown(out, shlex.join([".venv/bin/python", "benchmarks/bench_engine.py", *used]))
    print(section)
    target: Path | None = out["args"].out  # type: ignore[attr-defined]
    if target is not None:
        write_section(target, section)
        log(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
