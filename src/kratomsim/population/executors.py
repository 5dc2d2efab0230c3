"""Run a population's chunks serially, in local processes or on a Dask cluster; merge in order.

One interface, :func:`run_population` (:func:`simulate_population` for short). Whatever runs the chunks, their results are merged in chunk
order into the same streaming summaries, so every executor gives bit-identical results. At most a
small window of chunks is in flight, so memory stays bounded whatever the number of subjects.

Dask is imported only when asked for. Without a scheduler address a ``LocalCluster`` is started
(and closed afterwards); with one, a client connects, and an unreachable scheduler stops the run
with a :class:`PopulationError`: there is no silent fallback to local work.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from typing import Any, Final

import numpy as np
import pandas as pd

from kratomsim.engine.subjects import SCALAR_OUTPUTS
from kratomsim.errors import PopulationError, bad_value
from kratomsim.population.executor_names import EXECUTORS as EXECUTORS
from kratomsim.population.population import (
    PERCENTILE_ACCURACY,
    Chunk,
    ChunkResult,
    Exceedance,
    PopulationResult,
    PopulationSpec,
    Prepared,
    ScalarSummary,
    TrialSummary,
    plan_chunks,
    prepare,
    simulate_chunk,
)
from kratomsim.population.streaming import (
    BandState,
    ScalarState,
    clopper_pearson,
    merge_band_counts,
)

#: Seconds to wait for a Dask scheduler given by address.
SCHEDULER_TIMEOUT_S = 10.0


def _workers(workers: int | None) -> int:
    n = workers if workers is not None else min(4, os.cpu_count() or 1)
    if not (isinstance(n, int) and n >= 1):
        raise PopulationError(bad_value("Workers must be a whole number ≥ 1", n, "E.g. 2."))
    return n


def _serial(prep: Prepared, chunks: Sequence[Chunk]) -> Iterator[ChunkResult]:
    for c in chunks:
        yield simulate_chunk(prep, c)


#: Most consecutive chunks in one worker task: their time-course histograms travel back merged,
#: so the parent receives and merges less (the counts are integers: any grouping is exact).
MAX_BATCH = 4


def _batches(chunks: Sequence[Chunk], workers: int) -> list[tuple[Chunk, ...]]:
    """Consecutive chunks in batches, small enough that each worker still gets about 4 tasks.

    The last ``2 · workers`` chunks go one per task, so that the workers finish close together.
    """
    size = max(1, min(MAX_BATCH, len(chunks) // (4 * workers)))
    tail = len(chunks) - min(len(chunks), 2 * workers) if size > 1 else len(chunks)
    head = [tuple(chunks[i : min(i + size, tail)]) for i in range(0, tail, size)]
    return head + [(c,) for c in chunks[tail:]]


def _simulate_batch(prep: Prepared, batch: Sequence[Chunk]) -> list[ChunkResult]:
    """A worker's task: its chunks in order, the batch's histograms pooled into the first.

    The workers are the parallelism, so the kernel runs on one thread (more would only compete
    for the same cores; results do not depend on the thread count).
    """
    results = [simulate_chunk(prep, c, threads=1) for c in batch]
    pooled = {k: merge_band_counts([r.bands[k] for r in results]) for k in results[0].bands}
    return [replace(r, bands=pooled if i == 0 else {}) for i, r in enumerate(results)]


def _windowed(
    submit: Callable[[tuple[Chunk, ...]], Any], batches: Sequence[tuple[Chunk, ...]], window: int
) -> Iterator[ChunkResult]:
    """Submit batches ahead by ``window``; yield their chunks' results in chunk order."""
    pending: deque[Any] = deque()
    it = iter(batches)
    for b in it:
        pending.append(submit(b))
        if len(pending) >= window:
            break
    while pending:
        yield from pending.popleft().result()
        nxt = next(it, None)
        if nxt is not None:
            pending.append(submit(nxt))


#: The run's shared inputs in a worker process, set once by the pool's initializer.
_WORKER_PREP: list[Prepared] = []


def _init_worker(prep: Prepared) -> None:
    _WORKER_PREP[:] = [prep]


def _worker_batch(batch: tuple[Chunk, ...]) -> list[ChunkResult]:
    return _simulate_batch(_WORKER_PREP[0], batch)


def _processes(prep: Prepared, chunks: Sequence[Chunk], workers: int) -> Iterator[ChunkResult]:
    # spawn: workers import kratomsim afresh (safe with threads, same on every platform); the
    # shared inputs travel once per worker, not once per chunk
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(prep,)
    ) as pool:

        def submit(b: tuple[Chunk, ...]) -> Future[list[ChunkResult]]:
            return pool.submit(_worker_batch, b)

        yield from _windowed(submit, _batches(chunks, workers), 2 * workers)


#: Dask settings for the clusters kratomsim starts. No statistical profiler (it samples every
#: worker thread 100 times a second) and slower housekeeping ticks: with the defaults an idle
#: 2-worker cluster took about 13 % of one core (measured on 2 cores). Dask's default
#: ``MALLOC_TRIM_THRESHOLD_`` is left out of the workers' environment: setting it turns off glibc's
#: adaptive mmap threshold, so every array above 128 kB came fresh from the OS and paid its page
#: faults on every chunk (a chunk took about 1.3× as long as in a plain process).
QUIET_DASK: Final = {
    "distributed.nanny.pre-spawn-environ": {
        "OMP_NUM_THREADS": 1,
        "MKL_NUM_THREADS": 1,
        "OPENBLAS_NUM_THREADS": 1,
    },
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "1s",
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.worker.memory.monitor-interval": "1s",
}


@contextmanager
def local_cluster(workers: int) -> Iterator[Any]:
    """A Dask ``LocalCluster`` of ``workers`` single-threaded processes with :data:`QUIET_DASK`."""
    import dask.config
    from dask.distributed import LocalCluster

    with (
        dask.config.set(QUIET_DASK),
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,  # pyright: ignore[reportArgumentType] - None = no dashboard
        ) as cluster,
    ):
        yield cluster


def _dask(
    prep: Prepared, chunks: Sequence[Chunk], workers: int, scheduler: str | None, timeout: float
) -> Iterator[ChunkResult]:
    try:
        from dask.distributed import Client
    except ImportError:  # pragma: no cover - dask is a declared dependency
        raise PopulationError(
            bad_value("Dask is not installed", "dask", "pip install 'dask[distributed]'.")
        ) from None
    with ExitStack() as stack:
        if scheduler is None:
            cluster = stack.enter_context(local_cluster(workers))
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(scheduler, timeout=f"{timeout}s"))
            except (OSError, TimeoutError) as exc:
                raise PopulationError(
                    bad_value(
                        f"Cannot reach the Dask scheduler ({type(exc).__name__})",
                        scheduler,
                        "Start it ('dask scheduler' and 'dask worker ADDRESS'), check host and "
                        "port, or pass no scheduler to start a local cluster.",
                    )
                ) from None
        n = max(1, len(client.scheduler_info().get("workers", {})) or workers)
        shared = client.scatter(prep, broadcast=True)

        def submit(b: tuple[Chunk, ...]) -> Any:
            return client.submit(_simulate_batch, shared, b, pure=False)

        yield from _windowed(submit, _batches(chunks, n), 2 * n)


class _Merger:
    """Streaming summaries of the whole run plus one trial at a time, fed in chunk order."""

    def __init__(self, prep: Prepared, n_times: int) -> None:
        self.prep = prep
        self.pooled = ScalarState(SCALAR_OUTPUTS, prep.thresholds)
        total = prep.n_subjects * len(prep.typical)  # one typical set per trial
        self.bands = {k: BandState(n_times, total) for k in prep.bands}
        self.trial: ScalarState | None = None
        self.trials: list[TrialSummary] = []
        self.next_index = 0

    def add(self, res: ChunkResult) -> None:
        if res.chunk.index != self.next_index:  # order is what makes executors bit-identical
            raise RuntimeError(f"chunk {res.chunk.index} merged out of order")
        self.next_index += 1
        if res.chunk.start == 0:
            self.trial = ScalarState(SCALAR_OUTPUTS, self.prep.thresholds)
        assert self.trial is not None
        self.pooled.add(res.scalars)
        self.trial.add(res.scalars)
        for k, part in res.bands.items():
            self.bands[k].add_counts(part)
        if res.chunk.stop == self.prep.n_subjects:
            self._close_trial(res.chunk.trial, self.trial)

    def _close_trial(self, trial: int, state: ScalarState) -> None:
        med = state.percentiles([50.0])
        self.trials.append(
            TrialSummary(
                trial,
                {k: v[50.0] for k, v in med.items()},
                {k: m.mean for k, m in state.moments.items()},
                {
                    str(t): int(h) / state.n
                    for t, h in zip(state.thresholds, state.hits, strict=True)
                },
            )
        )


def run_population(
    spec: PopulationSpec,
    *,
    executor: str = "serial",
    workers: int | None = None,
    chunk_size: int | None = None,
    scheduler: str | None = None,
    scheduler_timeout_s: float = SCHEDULER_TIMEOUT_S,
    progress: Callable[[int, int], None] | None = None,
    per_subject: Callable[[pd.DataFrame], None] | None = None,
) -> PopulationResult:
    """Simulate ``spec`` with ``executor`` ("serial", "processes" or "dask").

    ``progress(done, total)`` is called with subject counts after each merged chunk;
    ``per_subject(frame)`` receives each chunk's per-subject rows in order (e.g. to append a CSV).
    """
    if executor not in EXECUTORS:
        raise PopulationError(
            bad_value("Unknown executor", executor, f"Choose {', '.join(EXECUTORS)}.")
        )
    if scheduler is not None and executor != "dask":
        raise PopulationError(
            bad_value(
                "A scheduler address needs the dask executor", scheduler, "Use executor 'dask'."
            )
        )
    if chunk_size is not None:
        spec = replace(spec, chunk_size=chunk_size)
    start = time.perf_counter()
    prep = prepare(spec)
    chunks = plan_chunks(spec.n_subjects, spec.n_trials, prep.chunk_size)
    n_workers = 1 if executor == "serial" else _workers(workers)
    if executor == "serial":
        results = _serial(prep, chunks)
    elif executor == "processes":
        results = _processes(prep, chunks, n_workers)
    else:
        results = _dask(prep, chunks, n_workers, scheduler, scheduler_timeout_s)
    merger = _Merger(prep, prep.dosing.time_h.size)
    total = spec.n_subjects * spec.n_trials
    done = 0
    for res in results:
        merger.add(res)
        if per_subject is not None:
            per_subject(res.frame())
        done += res.chunk.stop - res.chunk.start
        if progress is not None:
            progress(done, total)
    wall = time.perf_counter() - start
    meta = {
        "n_subjects": spec.n_subjects,
        "n_trials": spec.n_trials,
        "seed": spec.seed,
        "executor": executor,
        "workers": n_workers,
        "scheduler": scheduler,
        "chunk_size": prep.chunk_size,
        "step_h": spec.step_h,
        "product": prep.product,
        "covariates": prep.covariates.describe(),
        "omega": prep.omega.omegas,
        "content_variability": prep.content is not None,
        "residual_error": prep.residual_error,
        "wall_time_s": wall,
        "subjects_per_s": total / wall if wall > 0 else None,
        "percentile_accuracy_relative": PERCENTILE_ACCURACY,
    }
    return _result(prep, merger, meta)


def simulate_population(
    spec: PopulationSpec,
    *,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    per_subject: Callable[[pd.DataFrame], None] | None = None,
) -> PopulationResult:
    """Simulate ``spec`` and return streamed summaries (see :func:`run_population`)."""
    return run_population(
        spec,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        per_subject=per_subject,
    )


def _result(prep: Prepared, m: _Merger, meta: dict[str, Any]) -> PopulationResult:
    pcts = prep.percentiles
    pooled = m.pooled
    table = pooled.percentiles(pcts)
    scalars = {
        k: ScalarSummary(
            table[k],
            pooled.moments[k].mean,
            pooled.moments[k].sd,
            pooled.moments[k].n,
            pooled.histogram(k),
        )
        for k in SCALAR_OUTPUTS
    }
    exceed = tuple(
        Exceedance(t, int(h), pooled.n, int(h) / pooled.n, *clopper_pearson(int(h), pooled.n))
        for t, h in zip(pooled.thresholds, pooled.hits, strict=True)
    )
    spread: dict[str, dict[float, float]] = {}
    if len(m.trials) > 1:
        for k in SCALAR_OUTPUTS:
            med = np.array([t.medians[k] for t in m.trials])
            spread[k] = {p: float(np.percentile(med, p)) for p in (5.0, 50.0, 95.0)}
    bands = {k: b.percentiles(pcts) for k, b in m.bands.items()}
    return PopulationResult(
        prep.dosing.time_h, bands, scalars, exceed, tuple(m.trials), spread, meta, prep.used
    )
