"""Population benchmark: the fused Numba kernel (PK core and full model) against per-subject SciPy
loops and libRoadRunner, scaling to 10⁶ subjects, Dask with 1 and 2 workers, machine peaks.

Usage: ``.venv/bin/python benchmarks/bench_population.py [--quick] [--out BENCHMARKS.md]``.
Method and caveats: ``benchmarks/README.md``; progress goes to stderr, the markdown to stdout.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_engine as eng
import bench_population_parts as parts
import bench_population_scale as scale

from kratomsim.engine.kernel_inputs import pk_concentrations

MARK_START, MARK_END = "<!-- bench_population:start -->", "<!-- bench_population:end -->"
INF = float("inf")


@dataclass
class Row:
    part: str  # "PK core" or "full model"
    name: str
    config: str
    subjects: int
    seconds: float
    error: float
    error_at: str = ""
    cpu_seconds: float = float("nan")

    @property
    def rate(self) -> float:
        return self.subjects / self.seconds


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def cpu_now() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def repeated(fn, repeats: int) -> tuple[float, float, object]:
    """Median wall time, median CPU time (all threads) and the last result of ``repeats`` runs."""
    walls, cpus, out = [], [], None
    for _ in range(repeats):
        out = None  # free the last result first: runs write to recycled memory, as in a session
        c0, t0 = cpu_now(), time.perf_counter()
        out = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(cpu_now() - c0)
    return statistics.median(walls), statistics.median(cpus), out


def one_thread(part: str, fn, repeats: int, n: int, error: float) -> Row:
    """The same kernel call on one Numba thread: its CPU time is the work per subject."""
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        wall, cpu, _ = repeated(fn, repeats)
    finally:
        numba.set_num_threads(threads)
    cfg = f"the same, 1 thread (work per subject); median of {repeats}"
    return Row(part, "kratomsim kernel, 1 thread", cfg, n, wall, error, cpu_seconds=cpu)


def cold_compile_seconds() -> float:
    """First call of the kernels in a fresh process with an empty Numba cache (compiles)."""
    code = (
        "import time, numpy as np; t=time.perf_counter();"
        "from kratomsim.engine.subjects import dosing_for, simulate_subjects;"
        "from kratomsim.evidence import cited_inputs, resolve_product;"
        "from kratomsim.evidence.model_parameters import central_values;"
        "from kratomsim.models.regimen_text import parse_regimen;"
        "d=dosing_for(parse_regimen('2 g once'), cited_inputs(resolve_product('tea')), step_h=1.0);"
        "simulate_subjects({k: np.full(1, v) for k, v in central_values(d.absorption).items()}, d);"
        "print(time.perf_counter()-t)"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
    return float(done.stdout.strip().splitlines()[-1])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: tiny N, 3 days, no Dask")
    ap.add_argument("--subjects", type=int, default=None, help="kernel population (20,000)")
    ap.add_argument("--days", type=int, default=None, help="days of dosing (28; quick 3)")
    ap.add_argument("--ref-pk", type=int, default=None, help="PK reference subjects (20)")
    ap.add_argument("--ref-full", type=int, default=None, help="full reference subjects (3)")
    ap.add_argument("--budget-s", type=float, default=None, help="budget per loop (60 s)")
    ap.add_argument("--repeats", type=int, default=None, help="kernel runs (5; quick 1)")
    ap.add_argument("--scale", default=None, help="N for the scaling curve (1e2…1e6; 'none')")
    ap.add_argument("--chunk", type=int, default=1024, help="streaming chunk (subjects)")
    ap.add_argument("--dask-subjects", type=int, default=200_000)
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--seed", type=int, default=20261124)
    ap.add_argument("--out", type=Path, default=None, help="write/replace a section in this file")
    a = ap.parse_args(argv)
    q = a.quick
    a.subjects = a.subjects or (64 if q else 20_000)
    a.days = a.days or (3 if q else 28)
    a.ref_pk = a.ref_pk or (3 if q else 20)
    a.ref_full = a.ref_full or (1 if q else 3)
    a.budget_s = a.budget_s or (5.0 if q else 60.0)
    a.repeats = a.repeats or (1 if q else 5)
    scale_text = a.scale or ("100,1000" if q else "1e2,1e3,1e4,1e5,1e6")
    a.scale = [] if scale_text == "none" else [int(float(x)) for x in scale_text.split(",")]
    a.no_dask = a.no_dask or q
    return a


def run_pk(a: argparse.Namespace, res: Results) -> None:
    w = eng.make_workload(a.subjects, a.seed)
    if a.days != eng.DAYS:  # shorter horizon in quick mode
        keep = w.dose_times < a.days * 24
        w.dose_times = w.dose_times[keep]
        w.alkaloid_mg = {k: v[keep] for k, v in w.alkaloid_mg.items()}
        w.t_out = np.arange(a.days * 24 + 1.0)
    n_ref = min(a.ref_pk, w.n)
    ref = eng.run_scipy(w, n_ref, INF, method="DOP853", tol=eng.REF_TOL, full=True)
    mg = w.alkaloid_mg["mitragynine"][None, :]
    oh = w.alkaloid_mg["7-hydroxymitragynine"][None, :]

    def kernel() -> np.ndarray:
        return pk_concentrations(w.params, w.dose_times, mg, oh, w.t_out)

    kernel()  # warm-up (cache load or compile)
    wall, cpu, conc = repeated(kernel, a.repeats)
    cfg = f"fused kernel, {numba.get_num_threads()} threads; median of {a.repeats}"
    res.rows.append(
        Row(
            "PK core",
            "kratomsim kernel",
            cfg,
            w.n,
            wall,
            eng.max_rel_err(conc, ref),
            cpu_seconds=cpu,
        )
    )
    res.rows.append(one_thread("PK core", kernel, a.repeats, w.n, res.rows[-1].error))
    wall, cpu, numpy_conc = repeated(lambda: eng.run_kratomsim(w, w.n, INF), a.repeats)
    res.rows.append(
        Row("PK core", "kratomsim NumPy (exact.py)", f"vectorised modal propagation; median of {a.repeats}",
            w.n, wall, eng.max_rel_err(numpy_conc, ref), cpu_seconds=cpu)
    )  # fmt: skip
    lsoda = "per subject, restart at each dose; rtol=atol=1e-8"
    for name, cfg, go in (
        ("SciPy solve_ivp LSODA loop", lsoda,
         lambda: eng.run_scipy(w, w.n, a.budget_s, method="LSODA", tol=eng.LSODA_TOL, full=False)),
        ("libRoadRunner", "dose event; CVODE Adams rtol 1e-8, atol 1e-12",
         lambda: eng.run_roadrunner(w, w.n, a.budget_s, events=True)),
    ):  # fmt: skip
        c0, t0 = cpu_now(), time.perf_counter()
        out = go()
        res.rows.append(
            Row("PK core", name, cfg, out.shape[0], time.perf_counter() - t0,
                eng.max_rel_err(out, ref), cpu_seconds=cpu_now() - c0)
        )  # fmt: skip
        log(f"PK {name}: {res.rows[-1].rate:,.1f}/s")


def run_full(a: argparse.Namespace, res: Results) -> parts.FullWorkload:
    w = parts.make_full_workload(a.subjects, a.seed, a.days)
    n_ref = min(a.ref_full, w.n)
    t0 = time.perf_counter()
    ref = parts.full_reference(w, n_ref)
    log(f"full reference ({n_ref} subjects, DOP853 1e-13) in {time.perf_counter() - t0:.1f} s")
    parts.kernel_full(w, w.n)  # warm-up at full size (cache load, first touch of the memory)
    wall, cpu, out = repeated(lambda: parts.kernel_full(w, w.n), a.repeats)
    err, at = parts.full_error(out, ref)  # type: ignore[arg-type]
    cfg = f"simulate_subjects, {numba.get_num_threads()} threads; median of {a.repeats}"
    res.rows.append(Row("full model", "kratomsim kernel", cfg, w.n, wall, err, at, cpu))
    res.rows.append(
        one_thread("full model", lambda: parts.kernel_full(w, w.n), a.repeats, w.n, err)
    )
    buf = np.empty((10, w.n, w.dosing.time_h.size))
    parts.kernel_full_reused(w, buf)  # first touch of the buffer
    row = one_thread("full model", lambda: parts.kernel_full_reused(w, buf), a.repeats, w.n, err)
    row.name = "kratomsim kernel, reused buffer, 1 thread"
    row.config = row.config.replace("the same", "run_full_model into one preallocated buffer")
    res.rows.append(row)
    for name, cfg, go in (
        ("SciPy solve_ivp LSODA loop", "per subject, full ODE (9 states); rtol 1e-7, atol 1e-9",
         lambda: parts.scipy_full(w, w.n, a.budget_s)),
        ("libRoadRunner", "full SBML export, dose events; CVODE Adams rtol 1e-8, atol 1e-11",
         lambda: parts.roadrunner_full(w, w.n, a.budget_s)),
    ):  # fmt: skip
        c0, t0 = cpu_now(), time.perf_counter()
        got = go()
        secs = time.perf_counter() - t0
        n = next(iter(got.values())).shape[0]
        err, at = parts.full_error(got, ref)
        res.rows.append(Row("full model", name, cfg, n, secs, err, at, cpu_now() - c0))
        log(f"full {name}: {res.rows[-1].rate:,.2f}/s, error {err:.1e}")
    return w


def run(argv: list[str] | None = None) -> dict[str, object]:
    a = parse_args(argv)
    res = Results()
    res.extra["load_before"] = os.getloadavg()
    if not a.quick:
        res.extra["compile_s"] = cold_compile_seconds()
        log(f"cold compile {res.extra['compile_s']:.1f} s")
    run_pk(a, res)
    w = run_full(a, res)

    if a.scale:
        res.extra["scaling"] = scale.scaling_in_subprocess(a.scale, a.chunk, a.days, a.seed)
        log("scaling done")
    if not a.no_dask:
        res.extra["dask"] = scale.dask_scaling(a.dask_subjects, 2000, a.days, (1, 2))
        log("dask done")
    res.extra["bandwidth_gbs"] = scale.copy_bandwidth(64 if a.quick else 512)
    res.extra["gflops"] = scale.matmul_flops(512 if a.quick else 2048)
    res.extra["work"] = scale.kernel_work(w.dosing)
    res.extra["load_after"] = os.getloadavg()
    res.extra["facts"] = eng.machine_facts()
    return {"results": res, "args": a, "dosing": w.dosing}


if __name__ == "__main__":
    from bench_population_report import main

    raise SystemExit(main(run, MARK_START, MARK_END, shlex.join))
