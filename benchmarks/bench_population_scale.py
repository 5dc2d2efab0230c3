"""Scaling, Dask and machine peaks for ``bench_population.py``.

* Scaling: the full model streamed in chunks into one reused output buffer; only per-subject
  summaries are kept, so memory stays flat as N grows. Peak RSS per N from ``VmHWM`` (reset
  through ``/proc/self/clear_refs``).
* Dask: the population engine's executor (:func:`kratomsim.population.executors.run_population`) on a
  ``LocalCluster`` of 1 and of 2 worker processes with one thread each (Numba limited to one thread
  per worker), warmed up before timing.
* Machine: memory bandwidth from a NumPy copy, arithmetic rate from a BLAS matmul, and the work
  of the kernels per subject (FLOPs from the operation count of the sub-steps; bytes written).
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kratomsim.engine.kernel import NODES, OUTPUT_ROWS
from kratomsim.engine.kernel_inputs import (
    augmented_matrix,
    dose_nmol,
    make_schedule,
    observed_scale,
    pd_matrix,
    run_full_model,
)
from kratomsim.engine.subjects import Dosing
from kratomsim.evidence.params import derive_pk
from kratomsim.models.pk import as_subject_arrays

STATUS = Path("/proc/self/status")


def _kib(field: str) -> float:
    m = re.search(rf"{field}:\s+(\d+)", STATUS.read_text()) if STATUS.exists() else None
    return float(m.group(1)) if m else float("nan")


def reset_peak_rss() -> float:
    """Hand freed heap back, reset VmHWM; return the current RSS (MiB)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        Path("/proc/self/clear_refs").write_text("5")
    return _kib("VmRSS") / 1024


def peak_rss() -> float:
    return _kib("VmHWM") / 1024


# --------------------------------------------------------------------------------------- scaling
@dataclass
class ScalePoint:
    n: int
    seconds: float
    rss_before_mib: float
    rss_peak_mib: float
    checksum: float

    @property
    def rate(self) -> float:
        return self.n / self.seconds


def stream_full_model(
    n: int, chunk: int, dosing: Dosing, values_for: object
) -> Iterator[np.ndarray]:
    """Simulate n subjects chunk by chunk into one reused buffer; yield per-chunk summaries.

    ``values_for(start, size)`` returns the parameter values of subjects start…start+size.
    Summaries per subject: peak of each output row (the series themselves are dropped).
    """
    buf = np.empty((len(OUTPUT_ROWS), chunk, dosing.time_h.size))
    for start in range(0, n, chunk):  # summaries: peak of each output row per subject
        size = min(chunk, n - start)
        v = values_for(start, size)  # type: ignore[operator]
        p = as_subject_arrays(derive_pk(v, dosing.absorption))
        out = buf[:, :size] if size == chunk else np.empty((len(OUTPUT_ROWS), size, buf.shape[2]))
        run_full_model(
            augmented_matrix(p, v["ke0_mg"], v["ke0_7oh"]),
            observed_scale(p),
            pd_matrix(v, size),
            dose_nmol(p, dosing.mg_doses_mg, dosing.oh7_doses_mg),
            dosing.dose_times_h,
            dosing.time_h,
            out=out,
        )
        yield out[:9].max(axis=2).T


def scaling(sizes: list[int], chunk: int, dosing: Dosing, values_for: object) -> list[ScalePoint]:
    """Stream each N in this process (after a warm-up chunk); peak RSS per N."""
    list(stream_full_model(min(chunk, 64), min(chunk, 64), dosing, values_for))
    points = []
    for n in sizes:
        before = reset_peak_rss()
        t0 = time.perf_counter()
        summaries = np.empty((n, 9))  # the only per-subject memory kept
        at = 0
        for part in stream_full_model(n, min(chunk, n), dosing, values_for):
            summaries[at : at + part.shape[0]] = part
            at += part.shape[0]
        seconds = time.perf_counter() - t0
        points.append(ScalePoint(n, seconds, before, peak_rss(), float(summaries[:, 5].sum())))
    return points


def scaling_in_subprocess(sizes: list[int], chunk: int, days: int, seed: int) -> list[ScalePoint]:
    """:func:`scaling` in a fresh interpreter that imports only kratomsim and NumPy, so the peak
    RSS is the whole process's (this benchmark's own process holds RoadRunner and SciPy results).
    """
    cmd = [sys.executable, __file__, "--scaling", ",".join(map(str, sizes)), str(chunk)]
    done = subprocess.run([*cmd, str(days), str(seed)], capture_output=True, text=True, check=True)
    return [ScalePoint(**row) for row in json.loads(done.stdout.strip().splitlines()[-1])]


# ------------------------------------------------------------------------------------------ dask
@dataclass
class DaskPoint:
    workers: int
    subjects: int
    seconds: float
    parent_cpu_s: float = float("nan")  # this process: client, scheduler, merging
    worker_cpu_s: float = float("nan")  # all worker processes together

    @property
    def rate(self) -> float:
        return self.subjects / self.seconds


def _cpu(p: Any) -> float:  # a psutil.Process
    t = p.cpu_times()
    return t.user + t.system


def dask_scaling(n: int, chunk: int, days: int, workers: tuple[int, ...]) -> list[DaskPoint]:
    """run_population with the dask executor on a warmed-up LocalCluster per worker count."""
    import psutil  # not at the top: the scaling subprocess imports this file and stays lean

    from kratomsim.evidence import resolve_product
    from kratomsim.models.regimen_text import parse_regimen
    from kratomsim.population.executors import local_cluster, run_population
    from kratomsim.population.population import PopulationSpec

    spec = PopulationSpec(
        regimen=parse_regimen(f"2 g every 8 h for {days} days"),
        product=resolve_product("leaf-powder"),
        duration_h=24.0 * days,
        n_subjects=n,
        chunk_size=chunk,
        step_h=1.0,
        seed=1,
    )
    points = []
    for k in workers:  # run_population gives each worker's kernel one thread
        with local_cluster(k) as cluster:
            address = cluster.scheduler_address
            warm = dataclasses.replace(spec, n_subjects=2 * k * 64)
            run_population(warm, executor="dask", scheduler=address, chunk_size=64)
            kids = psutil.Process().children(recursive=True)
            before = [_cpu(p) for p in kids]
            c0, t0 = time.process_time(), time.perf_counter()
            run_population(spec, executor="dask", scheduler=address)
            wall, parent = time.perf_counter() - t0, time.process_time() - c0
            workers_cpu = sum(_cpu(p) - b for p, b in zip(kids, before, strict=True))
            points.append(DaskPoint(k, n, wall, parent, workers_cpu))
    return points


# --------------------------------------------------------------------------------- machine peaks
def copy_bandwidth(mib: int = 512, repeats: int = 5) -> float:
    """GB/s moved by ``np.copyto`` (read + write counted), best of ``repeats``."""
    src = np.ones(mib * 2**20 // 8)
    dst = np.empty_like(src)
    np.copyto(dst, src)
    best = min(_timed(lambda: np.copyto(dst, src)) for _ in range(repeats))
    return 2 * src.nbytes / best / 1e9


def matmul_flops(n: int = 2048, repeats: int = 3) -> float:
    """GFLOP/s of a float64 BLAS matmul (2·n³ per product), best of ``repeats``."""
    a = np.random.default_rng(0).random((n, n))
    a @ a
    best = min(_timed(lambda: a @ a) for _ in range(repeats))
    return 2 * n**3 / best / 1e9


def _timed(fn: object) -> float:
    t0 = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - t0


def kernel_work(dosing: Dosing) -> dict[str, float]:
    """Operation and byte counts per subject (floating-point operations, not instructions).

    Full model per sub-step with s = NODES collocation nodes: effect sites at the nodes
    (s·2·7 multiply–adds), the drive (≈ 16 flops per node), the s×s collocation system (build
    3·s², eliminate ≈ 2s³/3 + s², solve 2·s² + s), quadratures (≈ 10·s) and the banded 7×7
    propagation (29 multiply–adds). Per output ≈ 45 flops. Setup ≈ 3 + (s + 1)·(3 + 4) banded 7×7
    products of 93 multiply–adds. PK core per interval: banded 5×5 step (16 multiply–adds), per
    output 2×5 multiply–adds, setup 3 + 7 banded 5×5 products of ≈ 35 multiply–adds.
    """
    s = NODES
    sched = make_schedule(dosing.dose_times_h, dosing.time_h)
    intervals = sched.interval_len.size
    outputs = dosing.time_h.size
    per_step = 2 * s * 2 * 7 + 16 * s + 3 * s * s + (2 * s**3) / 3 + s * s + 2 * s * s + s
    per_step += 10 * s + 2 * 29
    full_flops = intervals * per_step + outputs * 45 + (3 + (s + 1) * 7) * 2 * 93
    pk_flops = intervals * 2 * 16 + outputs * 2 * 10 + 10 * 2 * 35
    return {
        "full_flops": full_flops,
        "full_bytes": 9 * outputs * 8.0,
        "pk_flops": pk_flops,
        "pk_bytes": 2 * outputs * 8.0,
    }


if __name__ == "__main__" and sys.argv[1:2] == ["--scaling"]:
    import bench_population_workload as parts

    sizes_arg, chunk_arg, days_arg, seed_arg = sys.argv[2:6]
    dosing_ = parts.make_dosing(int(days_arg))

    def values_for_(start: int, size: int) -> dict[str, np.ndarray]:
        return parts.subject_values(size, int(seed_arg), dosing_.absorption, start)

    pts = scaling([int(x) for x in sizes_arg.split(",")], int(chunk_arg), dosing_, values_for_)
    print(json.dumps([dataclasses.asdict(p) for p in pts]))
