"""Compiled kernels of the specification: generate once, cache on disk, run many subjects.

:func:`compiled_kernel` returns the generated module for a specification and a set of outputs. The
generated text is written to the kernel cache (``$KRATOMSIM_CACHE`` or the user cache directory)
under the SHA-256 of the text itself, so a changed specification or generator can never meet an old
compiled kernel; an index keyed on the specification's digest and the generator's own source lets a
later process find the module without running SymPy again. The first process that needs a kernel on
this machine imports the module (Numba compiles it) and stores its machine code (:mod:`.native`);
every process then calls that code through ctypes, without importing Numba. Before generating or
compiling a kernel this machine has not compiled yet, it gives the
:data:`~kratomsim.engine.notices.COMPILING` notice (:mod:`kratomsim.engine.notices`), so an
interface can say why it pauses. :func:`run_kernel` prepares the event schedule (kept for
repeated times) and each subject's sub-steps (through the kernel module's compiled ``plan_all`` and
``substeps_all``; interval classes that every subject sub-steps alike merge, so that their
coefficients are set up and read once), deals the blocks of subjects to its threads so that each
gets an equal share of the cost, and runs the kernel.
"""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import json
import os
import sys
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from pathlib import Path
from types import ModuleType
from typing import Final

import numpy as np
from numpy.typing import NDArray

from kratomsim.cache import cache_root
from kratomsim.engine import native
from kratomsim.engine.native import Native, ptr
from kratomsim.engine.notices import COMPILING, notify
from kratomsim.errors import ModelSpecError, bad_value
from kratomsim.spec import Spec

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Default largest sub-step (h).
DEFAULT_STEP_H: Final = 1.0
#: Default largest λ·h, λ the subject's fastest relevant rate.
DEFAULT_RATE_STEP: Final = 3.0
#: In an interval that starts at a dose, λ·h is at most this fraction of ``rate_step``: the drive
#: and the gut-wall inactivation rise steeply right after a dose.
FRONT_RATE_FRACTION: Final = 0.5
#: Buckets of "time since the latest dose" that classify intervals (h), and the last bucket.
SINCE_BUCKET_H: Final = 0.5
SINCE_MAX_H: Final = 12.0
#: A dose counts as being absorbed until its depot falls to this fraction.
ABSORBED_FRACTION: Final = 0.01
#: Interval lengths equal to 12 decimals (h) share one propagator.
_DECIMALS: Final = 12
_GENERATOR_FILES: Final = (
    "engine/codegen.py",
    "engine/codegen_step.py",
    "engine/codegen_text.py",
    "engine/kernel_expm.py",
    "engine/kernel_pow.py",
    "engine/native.py",
    "spec/structure.py",
    "spec/symbolic.py",
    "spec/units.py",
    "spec/schema.py",
)


def cache_dir() -> Path:
    """Where generated kernels live: ``kernels`` in :func:`kratomsim.cache.cache_root`."""
    return cache_root() / "kernels"


@cache
def generator_digest() -> str:
    """SHA-256 over the source of everything that shapes generated code."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for rel in _GENERATOR_FILES:
        h.update((root / rel).read_bytes())
    return h.hexdigest()


#: Kernel settings (kept here so that finding a cached kernel does not import the generator).
NODES: Final = 4
#: Subjects per block: sixteen lanes are one iteration of the single-precision stage loop (two
#: vectors of eight). On the benchmark workload 16 took 2 % less time than 32 (PK and full model
#: alike); 24 and 64 took more.
BLOCK: Final = 16


@dataclass(frozen=True)
class Kernel:
    """A generated kernel's entry points (:mod:`.native`) and the layout of its arrays."""

    native: Native
    params: tuple[str, ...]
    exact: tuple[str, ...]
    collocated: tuple[str, ...]
    outputs: tuple[str, ...]
    dose_states: tuple[int, ...]
    dose_molar_mass: tuple[str, ...]
    path: Path
    #: parameters and inputs the kernel's equations read (the rest of ``params`` are unused)
    reads: tuple[str, ...] = ()
    #: subjects per block (lanes)
    block: int = BLOCK


def _index_key(
    spec: Spec,
    outputs: tuple[str, ...],
    switches: tuple[tuple[str, float], ...],
    nodes: int,
    block: int,
    single: bool,
) -> str:
    text = json.dumps(
        [spec.digest, list(outputs), list(switches), nodes, block, single, generator_digest()]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _import(path: Path) -> ModuleType:
    name = f"kratomsim_kernel_{path.stem}"
    if name in sys.modules:
        return sys.modules[name]
    loader_spec = importlib.util.spec_from_file_location(name, path)
    assert loader_spec is not None and loader_spec.loader is not None
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[name] = module
    loader_spec.loader.exec_module(module)
    return module


def compiled_kernel(
    spec: Spec,
    outputs: Iterable[str],
    *,
    switches: dict[str, float] | None = None,
    nodes: int = NODES,
    block: int = BLOCK,
    single: bool = True,
) -> Kernel:
    """The compiled kernel of ``spec`` for ``outputs`` (generated on first use, then cached).

    ``switches`` fixes switch inputs (e.g. ``{"ecs_hypothesis": 1}``); the rest take their
    defaults. ``single``: the collocation stages in single precision, the states and the step end
    in double (:mod:`.codegen`); False computes everything in double, for comparison.
    """
    fixed = {
        i.name: float((switches or {}).get(i.name, i.default)) for i in spec.inputs if i.switch
    }
    unknown = sorted(set(switches or {}) - set(fixed))
    if unknown:
        raise ModelSpecError(bad_value("Unknown switch", unknown, f"Use one of {sorted(fixed)}."))
    with _LOAD_LOCK:
        return _load(spec, tuple(outputs), tuple(sorted(fixed.items())), nodes, block, single)


#: One thread at a time finds, generates or imports a kernel: a second thread asking for the same
#: kernel waits for the first instead of importing a half-executed module (the web app and the
#: report run simulations in several threads).
_LOAD_LOCK = threading.Lock()


@cache
def _load(
    spec: Spec,
    outputs: tuple[str, ...],
    switches: tuple[tuple[str, float], ...],
    nodes: int,
    block: int,
    single: bool,
) -> Kernel:
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    index = folder / f"index-{_index_key(spec, outputs, switches, nodes, block, single)}.json"
    if index.exists():
        meta = json.loads(index.read_text(encoding="utf-8"))
        path = folder / meta["file"]
        if path.exists():
            return _kernel(path, meta)
    notify(COMPILING)
    from kratomsim.engine.codegen import kernel_source
    from kratomsim.spec.structure import analyse
    from kratomsim.spec.symbolic import build
    from kratomsim.spec.units import check_units

    sym = build(spec)
    check_units(spec, sym)
    text, layout = kernel_source(
        analyse(sym, outputs, switches=dict(switches)), nodes=nodes, block=block, single=single
    )
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
    path = folder / f"k{digest}.py"
    if not path.exists():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    meta = {
        "file": path.name,
        "params": list(layout.params),
        "exact": list(layout.exact),
        "collocated": list(layout.collocated),
        "outputs": list(layout.outputs),
        "dose_states": list(layout.dose_states),
        "dose_molar_mass": list(layout.dose_molar_mass),
        "reads": list(layout.reads),
        "block": layout.block,
    }
    tmp = index.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(meta), encoding="utf-8")
    tmp.replace(index)
    return _kernel(path, meta)


def is_compiled(path: Path) -> bool:
    """Whether this machine holds the object code of the generated kernel module at ``path``
    (:mod:`.native`); a module without it is compiled on first use."""
    return native.is_built(path)


def _kernel(path: Path, meta: dict) -> Kernel:
    funcs, owners = native.entry_points(
        path, native.ENTRIES, lambda: _import(path), lambda: notify(COMPILING)
    )
    return Kernel(
        native=Native.of(funcs, owners),
        params=tuple(meta["params"]),
        exact=tuple(meta["exact"]),
        collocated=tuple(meta["collocated"]),
        outputs=tuple(meta["outputs"]),
        dose_states=tuple(meta["dose_states"]),
        dose_molar_mass=tuple(meta["dose_molar_mass"]),
        path=path,
        reads=tuple(meta.get("reads", meta["params"])),
        block=int(meta["block"]),
    )


# -- schedule -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """Nodes (dose and output times, merged) shared by all subjects.

    ``node_dose``/``node_out``: per node the dose slot / output slot or −1; ``interval_len``: per
    interval between nodes the index of its class. A class is a distinct interval length
    (``lengths``, h) together with how long after the latest dose the interval starts (``since``,
    h, rounded up to :data:`SINCE_BUCKET_H`; 0 = it starts at a dose; ``inf`` = before any dose):
    each subject sub-steps the classes differently, finer while a dose is being absorbed.
    ``fronts`` marks the classes that start at a dose. ``dose_slot``: the slot of each dose (doses
    may share a time); ``out_slot``: the slot of each requested output time.
    """

    node_dose: IntArray
    node_out: IntArray
    interval_len: IntArray
    lengths: FloatArray
    since: FloatArray
    fronts: NDArray[np.bool_]
    dose_slot: IntArray
    n_dose_slots: int
    out_slot: IntArray
    n_out_slots: int

    def reorder(self, out: FloatArray, axis: int) -> FloatArray:
        """Outputs per slot → outputs per requested time (differs only for repeated times)."""
        if self.n_out_slots == self.out_slot.size and np.all(
            self.out_slot == np.arange(self.n_out_slots)
        ):
            return out
        return np.take(out, self.out_slot, axis=axis)


def make_schedule(dose_times_h: FloatArray, t_out_h: FloatArray) -> Schedule:
    """Merge dose and output times into one sorted set of nodes (0 included).

    Doses after the last output time are dropped: they cannot change any output. The schedules
    of recent calls are kept (read-only): a population's chunks, a fit's rounds and repeated runs
    share one (building it takes about 0.6 ms for four weeks of hourly output).

    >>> s = make_schedule(np.array([0.0, 1.5]), np.arange(0.0, 4.0))  # nodes 0, 1, 1.5, 2, 3 h
    >>> s.lengths.tolist(), s.since.tolist(), s.fronts.tolist(), s.interval_len.tolist()
    ([0.5, 0.5, 1.0, 1.0], [0.0, 1.0, 0.0, 0.5], [True, False, True, False], [2, 1, 0, 3])
    """
    t_out = np.asarray(t_out_h, dtype=np.float64).ravel()
    doses = np.asarray(dose_times_h, dtype=np.float64).ravel()
    return _schedule(doses.tobytes(), t_out.tobytes())


@lru_cache(maxsize=16)
def _schedule(dose_bytes: bytes, out_bytes: bytes) -> Schedule:
    t_out = np.frombuffer(out_bytes, dtype=np.float64)
    doses = np.frombuffer(dose_bytes, dtype=np.float64)
    if t_out.size == 0 or not np.all(np.isfinite(t_out)) or np.any(t_out < 0):
        raise ModelSpecError(
            bad_value("Output times must be finite hours ≥ 0", t_out, "E.g. 0…24.")
        )
    if not np.all(np.isfinite(doses)) or np.any(doses < 0):
        raise ModelSpecError(bad_value("Dose times must be finite hours ≥ 0", doses, "E.g. 0, 8."))
    end = t_out.max()
    nodes = np.unique(np.concatenate([[0.0], doses[doses <= end], t_out]))
    out_times, out_slot = np.unique(t_out, return_inverse=True)
    dose_times, dose_slot = np.unique(doses, return_inverse=True)
    node_out = np.full(nodes.size, -1, dtype=np.int64)
    node_out[np.searchsorted(nodes, out_times)] = np.arange(out_times.size)
    node_dose = np.full(nodes.size, -1, dtype=np.int64)
    kept = dose_times <= end
    node_dose[np.searchsorted(nodes, dose_times[kept])] = np.flatnonzero(kept)
    span = np.diff(nodes)
    after_dose = node_dose[:-1] >= 0
    # time since the latest dose at each interval's start, in buckets (the last bucket is open)
    dosed = np.maximum.accumulate(np.where(node_dose >= 0, nodes, -np.inf))[:-1]
    since = np.ceil(np.round((nodes[:-1] - dosed) / SINCE_BUCKET_H, 9)) * SINCE_BUCKET_H
    since = np.where(np.isfinite(since), np.minimum(since, SINCE_MAX_H), np.inf)
    # one class per (length, bucket): the kernel may sub-step them differently
    pairs = np.stack([np.round(span, _DECIMALS), np.where(np.isfinite(since), since, -1.0)], axis=1)
    _, first, inverse = np.unique(pairs, axis=0, return_index=True, return_inverse=True)
    arrays = {
        "node_dose": node_dose,
        "node_out": node_out,
        "interval_len": inverse.astype(np.int64).ravel(),
        "lengths": np.ascontiguousarray(span[first]),
        "since": np.ascontiguousarray(since[first]),
        "fronts": np.ascontiguousarray(after_dose[first]),
        "dose_slot": dose_slot.astype(np.int64).ravel(),
        "out_slot": out_slot.astype(np.int64).ravel(),
    }
    for a in arrays.values():
        a.setflags(write=False)
    return Schedule(**arrays, n_dose_slots=int(dose_times.size), n_out_slots=int(out_times.size))


def slot_doses(doses: FloatArray, sched: Schedule) -> FloatArray:
    """Sum doses (shape (1 or n, doses, inputs)) that share a time: (1 or n, dose slots, inputs)."""
    d = np.asarray(doses, dtype=np.float64)
    out = np.zeros((d.shape[0], max(sched.n_dose_slots, 1), d.shape[2]))
    for j, slot in enumerate(sched.dose_slot.tolist()):
        out[:, slot] += d[:, j]
    return out


def fastest_rate(
    diag: FloatArray, pattern: NDArray[np.bool_], doses: FloatArray, inputs: tuple[int, ...]
) -> FloatArray:
    """Per subject, the largest |A0_ss| over the states reachable from dosed depots (1/h).

    ``diag`` (n, states): the magnitudes of each subject's A0 diagonal; ``pattern`` (states,
    states): where any subject's A0 is nonzero.
    """
    dosed = [s for j, s in enumerate(inputs) if np.any(np.asarray(doses)[..., j] > 0)]
    reach = np.zeros(pattern.shape[0], dtype=bool)
    reach[dosed] = True
    for _ in range(pattern.shape[0]):  # a flow runs from column (source) to row (target)
        reach = reach | np.any(pattern[:, reach], axis=1)
    return column_max([diag[:, s] for s in np.flatnonzero(reach)], diag.shape[0])


def column_max(columns: list[FloatArray], n: int) -> FloatArray:
    """Element-wise maximum of a few length-``n`` columns (0 for none): NumPy's ``max(axis=1)``
    over a short last axis costs ten times as much."""
    out = np.zeros(n)
    for c in columns:
        np.maximum(out, c, out=out)
    return out


def substeps(
    code: Native,
    sched: Schedule,
    rate: FloatArray,
    rate_front: FloatArray,
    window: FloatArray,
    max_step_h: float,
    rate_step: float,
) -> IntArray:
    """Sub-steps per subject and interval class: each ≤ max_step_h and ≤ rate_step/λ, with λ the
    subject's fastest rate; while a dose is being absorbed (the interval starts less than
    ``window`` h after a dose) λ includes the collocated states' rates right after a dose, and in
    the interval that starts at a dose λ·h is at most FRONT_RATE_FRACTION·rate_step. The kernel
    module's compiled ``substeps_all`` applies the rule (in NumPy, one pass per class took 0.8 ms
    for 10,000 subjects)."""
    n, n_len = rate.size, sched.lengths.size
    out = np.empty((n, n_len), dtype=np.int64)
    if n == 0 or n_len == 0:
        return out
    vec = [np.ascontiguousarray(v, dtype=np.float64) for v in (rate, rate_front, window)]
    since = np.ascontiguousarray(sched.since, dtype=np.float64)
    fronts = np.ascontiguousarray(sched.fronts, dtype=np.int64)
    lengths = np.ascontiguousarray(sched.lengths, dtype=np.float64)
    settings = np.array([max_step_h, rate_step, FRONT_RATE_FRACTION])
    code.substeps(
        ptr(vec[0]), ptr(vec[1]), ptr(vec[2]), n, ptr(lengths), ptr(since), ptr(fronts), n_len,
        ptr(settings), ptr(out),
    )  # fmt: skip
    return out


def _unique_columns(key: NDArray[np.generic]) -> tuple[IntArray, IntArray]:
    """First index of each distinct column of ``key`` (in order of first appearance) and, for
    every column, the number of its distinct column.

    ``np.unique(key, axis=1)`` views every column as one record of ``key.shape[0]`` fields, which
    costs milliseconds for thousands of subjects; comparing the columns' bytes does not.
    """
    cols = np.ascontiguousarray(key.T)
    seen: dict[bytes, int] = {}
    first: list[int] = []
    inverse = np.empty(cols.shape[0], dtype=np.int64)
    for j in range(cols.shape[0]):
        k = seen.setdefault(cols[j].tobytes(), len(first))
        if k == len(first):
            first.append(j)
        inverse[j] = k
    return np.asarray(first, dtype=np.int64), inverse


def merge_classes(sched: Schedule, nsub: IntArray) -> tuple[Schedule, IntArray]:
    """One class for interval classes of equal length that every subject sub-steps alike.

    They would get identical coefficients (the same step h), so the kernel sets up and reads one
    set instead of several (a smaller working set). Each subject's arithmetic is unchanged.
    """
    if nsub.shape[1] < 2:
        return sched, nsub
    key = np.vstack([np.round(sched.lengths, _DECIMALS)[None, :], nsub])
    first, inverse = _unique_columns(key)
    if first.size == sched.lengths.size:
        return sched, nsub
    merged = replace(
        sched,
        interval_len=np.ascontiguousarray(inverse.ravel()[sched.interval_len], dtype=np.int64),
        lengths=np.ascontiguousarray(sched.lengths[first]),
        since=np.ascontiguousarray(sched.since[first]),
        fronts=np.ascontiguousarray(sched.fronts[first]),
    )
    return merged, np.ascontiguousarray(nsub[:, first])


def lane_order(
    sched: Schedule, nsub: IntArray, block: int, parts: int = 1
) -> tuple[IntArray, list[int]]:
    """Subjects sorted by their sub-step counts, so that a block's lanes step in lockstep, and the
    first block of each of ``parts`` consecutive runs of blocks (and the end), one run per thread
    (results do not depend on the order).

    The blocks, ranked by cost, are dealt to the runs back and forth (0, 1, …, parts − 1,
    parts − 1, …, 0, 0, 1, …), so that every run holds cheap and costly blocks alike. The costs
    are skewed (most subjects take the fewest sub-steps): alternating the cheapest and the
    costliest blocks and cutting that list in halves gave one of two threads 2.5 % more work.
    """
    n = nsub.shape[0]
    full = n // block
    if nsub.shape[1] == 0:
        order = np.arange(n, dtype=np.int64)
    else:
        counts = np.bincount(sched.interval_len, minlength=sched.lengths.size)
        total = nsub @ counts
        order = np.lexsort((*nsub.T[::-1], total)).astype(np.int64)
    n_blocks = (n + block - 1) // block
    parts = max(1, min(parts, full))
    if parts == 1:
        return order, [0, n_blocks]
    cycle = np.arange(full) % (2 * parts)
    run = np.where(cycle < parts, cycle, 2 * parts - 1 - cycle)
    ranks = np.argsort(run, kind="stable")
    blocks = order[: full * block].reshape(full, block)[ranks].ravel()
    bounds = np.concatenate([[0], np.cumsum(np.bincount(run, minlength=parts))])
    bounds[-1] = n_blocks  # the last run takes the partial block
    return np.concatenate([blocks, order[full * block :]]), bounds.tolist()


def default_threads() -> int:
    """Threads for a kernel call: ``$KRATOMSIM_THREADS``, else the CPUs this process may use."""
    env = os.environ.get("KRATOMSIM_THREADS")
    if env:
        return max(1, int(env))
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


#: Worker threads kept between kernel calls (starting threads cost ~3 ms a call, e.g. 0.1 s over
#: a personal fit's rounds), per process: a forked child starts its own.
_POOLS: dict[tuple[int, int], ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def _pool(workers: int) -> ThreadPoolExecutor:
    """The process's pool of ``workers`` kernel threads (idle threads cost nothing)."""
    key = (os.getpid(), workers)
    with _POOLS_LOCK:
        pool = _POOLS.get(key)
        if pool is None:
            pool = _POOLS[key] = ThreadPoolExecutor(workers, thread_name_prefix="kratomsim-kernel")
        return pool


def run_kernel(
    kernel: Kernel,
    pm: FloatArray,
    dose_times_h: FloatArray,
    doses_nmol: FloatArray,
    t_out_h: FloatArray,
    *,
    max_step_h: float = DEFAULT_STEP_H,
    rate_step: float = DEFAULT_RATE_STEP,
    out: FloatArray | None = None,
    threads: int | None = None,
) -> FloatArray:
    """Outputs for every subject: array (len(kernel.outputs), n, times).

    ``pm`` (n, len(kernel.params)): parameters and inputs in base units (nmol, L, h, ng);
    ``doses_nmol`` (1 or n, doses, len(kernel.dose_states)) amounts into the dose states.
    """
    for what, value in (("max_step_h", max_step_h), ("rate_step", rate_step)):
        if not (np.isfinite(value) and value > 0):
            raise ModelSpecError(bad_value(f"The kernel's {what} must be > 0", value, "E.g. 1."))
    code = kernel.native
    pm = np.ascontiguousarray(pm, dtype=np.float64)
    n = pm.shape[0]
    sched = make_schedule(dose_times_h, t_out_h)
    doses = np.ascontiguousarray(slot_doses(doses_nmol, sched), dtype=np.float64)
    # the kernel reads raw memory: shapes are checked here
    if pm.ndim != 2 or pm.shape[1] != len(kernel.params):
        raise ValueError(f"pm has shape {pm.shape}, the kernel needs (n, {len(kernel.params)})")
    if doses.shape[0] not in (1, n) or doses.shape[2] != len(kernel.dose_states):
        raise ValueError(
            f"doses_nmol has shape {np.shape(doses_nmol)}, the kernel needs "
            f"(1 or {n}, doses, {len(kernel.dose_states)})"
        )
    n_exact = len(kernel.exact)
    largest = doses.max(axis=1)  # (1 or n, inputs)
    x_post = np.zeros((largest.shape[0], n_exact))
    for j, s in enumerate(kernel.dose_states):
        x_post[:, s] = largest[:, j]
    diag, pattern = np.empty((n, n_exact)), np.zeros((n_exact, n_exact))
    coll = np.empty((n, max(len(kernel.collocated), 1)))
    code.plan(ptr(pm), n, ptr(x_post), x_post.shape[0], ptr(diag), ptr(pattern), ptr(coll))
    rate = fastest_rate(diag, pattern != 0.0, doses, kernel.dose_states)
    rate_front = np.maximum(rate, column_max(list(coll.T), n))
    with np.errstate(divide="ignore"):
        window = column_max(
            [
                np.where(largest[:, j] > 0, -np.log(ABSORBED_FRACTION) / diag[:, s], 0.0)
                for j, s in enumerate(kernel.dose_states)
            ],
            n,
        )
    nsub = substeps(code, sched, rate, rate_front, window, max_step_h, rate_step)
    sched, nsub = merge_classes(sched, nsub)
    want = (len(kernel.outputs), n, sched.out_slot.size)
    if out is not None and out.shape != want:
        raise ValueError(f"out has shape {out.shape}, the kernel needs {want}")
    direct = (
        out is not None
        and sched.n_out_slots == sched.out_slot.size
        and out.dtype == np.float64
        and out.flags.c_contiguous
    )
    result = out if direct and out is not None else np.empty((*want[:2], sched.n_out_slots))
    n_blocks = (n + kernel.block - 1) // kernel.block
    workers = max(1, min(threads if threads is not None else default_threads(), n_blocks))
    order, bounds = lane_order(sched, nsub, kernel.block, workers)
    order = np.ascontiguousarray(order, dtype=np.int64)
    ints = [np.ascontiguousarray(a, dtype=np.int64) for a in (sched.node_dose, sched.node_out)]
    intervals = np.ascontiguousarray(sched.interval_len, dtype=np.int64)
    lengths = np.ascontiguousarray(sched.lengths, dtype=np.float64)
    nsub = np.ascontiguousarray(nsub, dtype=np.int64)

    def run(first: int, last: int) -> None:
        code.kernel(
            ptr(pm), n, ptr(doses), doses.shape[0], doses.shape[1], ptr(ints[0]), ptr(ints[1]),
            ints[0].size, ptr(intervals), intervals.size, ptr(lengths), lengths.size, ptr(nsub),
            ptr(order), first, last, ptr(result), result.shape[2],
        )  # fmt: skip

    if len(bounds) == 2:
        run(*bounds)
    else:
        pool = _pool(len(bounds) - 1)
        jobs = [pool.submit(run, int(lo), int(hi)) for lo, hi in itertools.pairwise(bounds)]
        for job in jobs:
            job.result()
    ordered = sched.reorder(result, axis=2)
    if out is not None and ordered is not out:
        out[...] = ordered
        return out
    return ordered
