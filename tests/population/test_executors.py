"""Executors: serial, local processes and Dask give bit-identical results; errors stop the run."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator

import numpy as np
import pytest

from kratomsim.errors import PopulationError
from kratomsim.models.regimen_text import parse_regimen
from kratomsim.population.executors import _batches, local_cluster, run_population
from kratomsim.population.population import PopulationResult, PopulationSpec, plan_chunks

SPEC = PopulationSpec(
    parse_regimen("2 g every 8 h for 2 days"),
    n_subjects=90,
    n_trials=2,
    seed=5,
    chunk_size=5,  # 36 chunks: workers get batches of 4 (their histograms pooled in the worker)
    duration_h=72.0,
    thresholds=("cmax_mg_nm>40",),
)


def _arrays(res: PopulationResult) -> list[np.ndarray]:
    out = [v for b in res.bands.values() for v in b.values()]
    out.append(np.array([[s.mean, s.sd, *s.percentiles.values()] for s in res.scalars.values()]))
    out.append(np.array([[*t.medians.values(), *t.means.values()] for t in res.trials]))
    out.append(np.array([e.count for e in res.exceedances]))
    return out


@pytest.fixture(scope="module")
def serial() -> PopulationResult:
    return run_population(SPEC)


@pytest.fixture(scope="module")
def dask_address() -> Iterator[str]:
    """One local Dask cluster for the module (startup takes seconds)."""
    with local_cluster(2) as cluster:
        yield cluster.scheduler_address


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_processes_equal_serial_bit_for_bit(serial: PopulationResult) -> None:
    res = run_population(SPEC, executor="processes", workers=2)
    assert res.metadata["executor"] == "processes" and res.metadata["workers"] == 2
    for a, b in zip(_arrays(serial), _arrays(res), strict=True):
        assert np.array_equal(a, b)


def test_dask_cluster_equals_serial_bit_for_bit(
    serial: PopulationResult, dask_address: str
) -> None:
    res = run_population(SPEC, executor="dask", scheduler=dask_address)
    for a, b in zip(_arrays(serial), _arrays(res), strict=True):
        assert np.array_equal(a, b)


def test_workers_get_consecutive_batches_of_chunks() -> None:
    chunks = plan_chunks(90, 2, 5)
    batches = _batches(chunks, 2)
    assert [len(b) for b in batches] == [4] * 8 + [1] * 4  # single chunks at the end
    assert [c for b in batches for c in b] == chunks  # every chunk once, in order
    assert [len(b) for b in _batches(chunks[:6], 2)] == [1] * 6  # few chunks: one per task


def test_progress_is_reported_per_chunk_in_order() -> None:
    seen: list[tuple[int, int]] = []
    run_population(SPEC, chunk_size=45, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(45, 180), (90, 180), (135, 180), (180, 180)]


def test_unreachable_scheduler_stops_the_run() -> None:
    address = f"tcp://127.0.0.1:{_closed_port()}"
    start = time.perf_counter()
    with pytest.raises(
        PopulationError, match=rf"Cannot reach the Dask scheduler.*{re.escape(address)}"
    ):
        run_population(SPEC, executor="dask", scheduler=address, scheduler_timeout_s=1.0)
    assert time.perf_counter() - start < 30


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"executor": "threads"}, "Unknown executor"),
        ({"scheduler": "tcp://127.0.0.1:8786"}, "needs the dask executor"),
        ({"executor": "processes", "workers": 0}, "Workers"),
    ],
)
def test_bad_executor_settings(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(PopulationError, match=match):
        run_population(SPEC, **kwargs)  # type: ignore[arg-type]


def _worker_environ() -> str | None:
    import os

    return os.environ.get("MALLOC_TRIM_THRESHOLD_")


def test_local_cluster_workers_keep_glibc_adaptive_allocation(dask_address: str) -> None:
    # Dask's default MALLOC_TRIM_THRESHOLD_ makes every large array page-fault afresh per chunk
    from dask.distributed import Client

    with Client(dask_address) as client:
        seen = client.run(_worker_environ)
    assert len(seen) == 2 and set(seen.values()) == {None}
