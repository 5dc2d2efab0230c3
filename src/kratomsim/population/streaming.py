"""Running summaries of a population that never hold all subjects.

Chunks of subjects are merged, in chunk order, into fixed-size states:

* percentiles from a **fixed log-spaced histogram** (mergeable by adding counts). A percentile is
  read as the geometric midpoint of the bin holding the order statistic, interpolated between the
  two order statistics as :func:`numpy.percentile` does, so its relative error is at most half a
  bin: ``sqrt(ratio) - 1`` (0.50 % for the time bands, 0.05 % for the per-subject scalars) for
  values inside the bin range; values below the range (zeros included) read as 0, above it as the
  largest value seen.
* mean and SD by Chan's pairwise update; exceedance counts; min and max.

The state's size depends on the number of time points and bins, never on the number of subjects.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

import numpy as np
from numpy.typing import NDArray
from scipy.special import betaincinv

from kratomsim.engine import native
from kratomsim.engine.native import ptr
from kratomsim.population.workspace import reused_zeros

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class LogBins:
    """Fixed bins: 0 = below ``lo`` (zeros too), 1…n log-spaced up to ``hi``, n+1 = above ``hi``."""

    lo: float
    hi: float
    ratio: float

    @property
    def n(self) -> int:
        return math.ceil(math.log(self.hi / self.lo) / math.log(self.ratio))

    @property
    def size(self) -> int:
        return self.n + 2

    @property
    def relative_accuracy(self) -> float:
        """Largest relative error of a percentile read from these bins (half a bin)."""
        return math.sqrt(self.ratio) - 1.0

    def index(self, x: FloatArray) -> NDArray[np.intp]:
        """Bin of each value (NaN goes below the range)."""
        x = np.asarray(x, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.floor(np.log(x / self.lo) / math.log(self.ratio)) + 1
        k = np.where(x >= self.lo, k, 0)
        k = np.where(x >= self.hi, self.n + 1, k)
        return np.clip(np.nan_to_num(k, nan=0.0), 0, self.n + 1).astype(np.intp)

    def value(self, k: NDArray[np.intp], top: FloatArray) -> FloatArray:
        """Representative value of bins ``k`` (``top``: the largest value seen, for overflow)."""
        mid = self.lo * self.ratio ** (np.asarray(k, dtype=np.float64) - 0.5)
        return np.where(k == 0, 0.0, np.where(k == self.n + 1, top, mid))


#: Time bands: 1 % bins from 1e-6 to 1e6 (nM, scores and fractions alike).
BAND_BINS = LogBins(1e-6, 1e6, 1.01)
#: Per-subject scalars: 0.1 % bins from 1e-9 to 1e9.
SCALAR_BINS = LogBins(1e-9, 1e9, 1.001)


def _percentiles(
    counts: NDArray[np.integer], bins: LogBins, pcts: Sequence[float], top: FloatArray
) -> FloatArray:
    """Percentiles (rows of ``counts`` are separate distributions); shape (len(pcts), rows)."""
    counts = np.atleast_2d(counts)
    top = np.atleast_1d(top)
    n = counts.sum(axis=1)
    cum = np.cumsum(counts, axis=1)
    out = np.full((len(pcts), counts.shape[0]), np.nan)
    rows = np.flatnonzero(n > 0)
    if rows.size == 0:
        return out
    for j, p in enumerate(pcts):
        h = (n[rows] - 1) * (p / 100.0)
        k0 = np.floor(h).astype(np.int64)
        k1 = np.minimum(k0 + 1, n[rows] - 1)
        frac = h - k0
        # bin of the k-th order statistic (0-based): first bin whose cumulative count exceeds k
        b0 = _first_above(cum, rows, k0)
        b1 = _first_above(cum, rows, k1)
        v0, v1 = bins.value(b0, top[rows]), bins.value(b1, top[rows])
        out[j, rows] = v0 + frac * (v1 - v0)
    return out


def _first_above(cum: NDArray[np.integer], rows: IntArray, k: IntArray) -> IntArray:
    """Per row, the first column whose cumulative count exceeds ``k`` (one search per row: no
    rows × bins temporaries, which are tens of MB for long time bands)."""
    return np.array(
        [np.searchsorted(cum[r], v, side="right") for r, v in zip(rows, k, strict=True)],
        dtype=np.int64,
    )


@dataclass
class Moments:
    """Count, mean and sum of squared deviations, merged by Chan et al.'s pairwise formula."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0

    def add(self, x: FloatArray) -> None:
        x = x[np.isfinite(x)]
        if x.size == 0:
            return
        nb, mb = x.size, float(x.mean())
        m2b = float(((x - mb) ** 2).sum())
        n = self.n + nb
        delta = mb - self.mean
        self.mean += delta * nb / n
        self.m2 += m2b + delta * delta * self.n * nb / n
        self.n = n

    @property
    def sd(self) -> float:
        return math.sqrt(self.m2 / (self.n - 1)) if self.n > 1 else float("nan")


@dataclass(frozen=True)
class Threshold:
    """``name > value`` (or ``<``) on a per-subject scalar; its share is reported with a CI."""

    name: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.name}{self.op}{self.value:g}"

    def hits(self, x: FloatArray) -> int:
        return int(np.count_nonzero(x > self.value if self.op == ">" else x < self.value))


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact binomial confidence interval of a share ``k / n``."""
    a = (1 - level) / 2
    lo = float(betaincinv(k, n - k + 1, a)) if k > 0 else 0.0
    hi = float(betaincinv(k + 1, n - k, 1 - a)) if k < n else 1.0
    return lo, hi


class ScalarState:
    """Running summary of per-subject scalars (e.g. ``cmax_mg_nm``), one histogram per name."""

    def __init__(self, names: Sequence[str], thresholds: Sequence[Threshold] = ()) -> None:
        self.names = tuple(names)
        self.thresholds = tuple(thresholds)
        self.counts = np.zeros((len(self.names), SCALAR_BINS.size), dtype=np.int64)
        self.moments = {n: Moments() for n in self.names}
        self.top = np.full(len(self.names), -np.inf)
        self.bottom = np.full(len(self.names), np.inf)
        self.hits = np.zeros(len(self.thresholds), dtype=np.int64)
        self.n = 0

    def add(self, scalars: Mapping[str, FloatArray]) -> None:
        for i, name in enumerate(self.names):
            x = np.asarray(scalars[name], dtype=np.float64)
            self.counts[i] += np.bincount(SCALAR_BINS.index(x), minlength=SCALAR_BINS.size)
            self.moments[name].add(x)
            finite = x[np.isfinite(x)]
            if finite.size:
                self.top[i] = max(self.top[i], float(finite.max()))
                self.bottom[i] = min(self.bottom[i], float(finite.min()))
        for j, t in enumerate(self.thresholds):
            self.hits[j] += t.hits(np.asarray(scalars[t.name]))
        self.n += len(next(iter(scalars.values())))

    def percentiles(self, pcts: Sequence[float]) -> dict[str, dict[float, float]]:
        table = _percentiles(self.counts, SCALAR_BINS, pcts, self.top)
        return {
            name: {float(p): float(table[j, i]) for j, p in enumerate(pcts)}
            for i, name in enumerate(self.names)
        }

    def histogram(self, name: str, n_bins: int = 40) -> tuple[FloatArray, IntArray]:
        """Coarse display histogram (log-spaced edges over the observed range) from the fine bins."""
        i = self.names.index(name)
        lo = max(self.bottom[i], SCALAR_BINS.lo)
        hi = max(self.top[i], lo * 1.01)
        edges = np.geomspace(lo, hi, n_bins + 1)
        centres = SCALAR_BINS.value(np.arange(SCALAR_BINS.size), np.array(hi))
        which = np.clip(np.searchsorted(edges, centres, side="right") - 1, 0, n_bins - 1)
        counts = np.bincount(which, weights=self.counts[i], minlength=n_bins).astype(np.int64)
        return edges, counts


class BandState:
    """Per-time-point histograms of one output over subjects (percentile bands)."""

    def __init__(self, n_times: int, max_subjects: int = np.iinfo(np.int32).max) -> None:
        # 32-bit counts while they cannot overflow: the state is 7.5 MB per band for 673 times
        wide = max_subjects > np.iinfo(np.int32).max
        self.counts = np.zeros((n_times, BAND_BINS.size), dtype=np.int64 if wide else np.int32)
        self.top = np.zeros(n_times)

    def add_counts(self, part: BandCounts) -> None:
        """Merge a chunk's sparse histograms (:func:`band_counts`)."""
        flat = self.counts.reshape(-1)  # a view: the counts are C-contiguous
        flat[part.flat] += part.counts.astype(flat.dtype)  # each (time, bin) once: += is exact
        np.maximum(self.top, part.top, out=self.top)

    def percentiles(self, pcts: Sequence[float]) -> dict[float, FloatArray]:
        table = _percentiles(self.counts, BAND_BINS, pcts, self.top)
        return {float(p): table[j] for j, p in enumerate(pcts)}


@dataclass(frozen=True)
class BandCounts:
    """A chunk's time courses as per-time histograms over :data:`BAND_BINS`, kept sparse.

    ``flat``: ``time · BAND_BINS.size + bin`` of every non-empty bin (ascending); ``counts``: the
    subjects in it; ``top``: per-time maxima. Much smaller than the chunk's values, so cheap to send
    from a worker, and merged by the parent with one indexed addition.
    """

    flat: NDArray[np.integer]
    counts: NDArray[np.integer]
    top: FloatArray


def band_counts(series: FloatArray, scratch: FloatArray | None = None) -> BandCounts:
    """Histogram a chunk's time courses (subjects, times) into :data:`BAND_BINS` per time point.

    The bins are those of :meth:`LogBins.index` (same formula; NaN goes below the range).
    ``scratch``: an array of the series' shape to reuse for the logarithms (saves the page faults
    of a fresh allocation per call).
    """
    x = np.ascontiguousarray(series, dtype=np.float64)
    logs = np.empty_like(x) if scratch is None else scratch
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(x, BAND_BINS.lo, out=logs)
        np.log(logs, out=logs)  # NumPy's vectorised log; the binning is compiled
    flat, counts = _sparse_histograms(
        x,
        logs,
        BAND_BINS.lo,
        BAND_BINS.hi,
        math.log(BAND_BINS.ratio),
        BAND_BINS.n,
        _hist(x.shape[1]),
    )
    return _compact(flat, counts, np.max(x, axis=0))


def merge_band_counts(parts: Sequence[BandCounts]) -> BandCounts:
    """One :class:`BandCounts` for several chunks of the same time grid (counts add exactly).

    The merged bins come in no particular order (each once).
    """
    if len(parts) == 1:
        return parts[0]
    flat, counts = _merge_sparse(
        np.concatenate([p.flat.astype(np.int64) for p in parts]),
        np.concatenate([p.counts.astype(np.int64) for p in parts]),
        _hist(parts[0].top.size).reshape(-1),
    )
    return _compact(flat, counts, np.maximum.reduce([p.top for p in parts]))


def _hist(n_times: int) -> NDArray[np.int32]:
    """This thread's all-zero (times, bins) counting array; the compiled users re-zero what they
    touch, so its cost does not grow with the bins nobody uses."""
    return reused_zeros("band histogram", (n_times, BAND_BINS.size), np.int32)


def _compact(flat: IntArray, counts: IntArray, top: FloatArray) -> BandCounts:
    """The smallest exact integer types: about 6 bytes per non-empty bin between processes."""
    index_type = np.uint32 if top.size * BAND_BINS.size <= np.iinfo(np.uint32).max else np.int64
    largest = int(counts.max()) if counts.size else 0
    return BandCounts(flat.astype(index_type), counts.astype(np.min_scalar_type(largest)), top)


_ENTRIES = ("count_c", "extract_c", "merge_c")


@cache
def _stored() -> dict[str, Callable[..., None]]:
    """The compiled histogram functions (:mod:`.histograms`), from stored machine code."""
    source = Path(__file__).with_name("histograms.py")
    return native.module_entry_points(source, _ENTRIES, _histograms)


def _histograms() -> ModuleType:
    from kratomsim.population import histograms

    return histograms


def _sparse_histograms(
    x: FloatArray,
    logs: FloatArray,
    lo: float,
    hi: float,
    log_ratio: float,
    n: int,
    hist: NDArray[np.int32],
) -> tuple[IntArray, IntArray]:
    """Count into ``hist`` (all zeros on entry and on return), return the non-empty bins
    (:func:`.histograms.count`, :func:`.histograms.extract`)."""
    n_subjects, n_times = x.shape
    # the compiled code reads raw memory: shapes are checked here
    if logs.shape != x.shape or hist.shape != (n_times, n + 2) or hist.dtype != np.int32:
        raise ValueError(
            f"x {x.shape}, logs {logs.shape} and hist {hist.shape} ({hist.dtype}) do not fit: "
            f"logs must have x's shape, hist ({n_times}, {n + 2}) int32"
        )
    code = _stored()
    first, last = np.empty(n_times, dtype=np.int64), np.empty(n_times, dtype=np.int64)
    m = np.zeros(1, dtype=np.int64)
    bounds = np.array([lo, hi, log_ratio], dtype=np.float64)
    code["count_c"](
        ptr(x), n_subjects, n_times, ptr(logs), ptr(bounds), n, ptr(hist), ptr(first), ptr(last),
        ptr(m),
    )  # fmt: skip
    flat, counts = np.empty(int(m[0]), dtype=np.int64), np.empty(int(m[0]), dtype=np.int64)
    code["extract_c"](
        ptr(hist), n_times, n, ptr(first), ptr(last), ptr(flat), ptr(counts), int(m[0])
    )
    return flat, counts


def _merge_sparse(
    flat: IntArray, counts: IntArray, hist: NDArray[np.int32]
) -> tuple[IntArray, IntArray]:
    """Sum sparse counts (the parts one after another) through ``hist`` (flat; all zeros on
    entry and on return) (:func:`.histograms.merge`)."""
    flat = np.ascontiguousarray(flat, dtype=np.int64)
    counts = np.ascontiguousarray(counts, dtype=np.int64)
    if counts.shape != flat.shape or hist.ndim != 1 or hist.dtype != np.int32:
        raise ValueError("flat and counts must have one shape, hist be flat int32")
    if flat.size and (flat.min() < 0 or flat.max() >= hist.size):
        raise ValueError(f"flat indexes bins 0 … {hist.size - 1} only")
    out_flat, out_counts = np.empty_like(flat), np.empty_like(counts)
    m = np.zeros(1, dtype=np.int64)
    _stored()["merge_c"](
        ptr(flat), ptr(counts), flat.size, ptr(hist), hist.size, ptr(out_flat), ptr(out_counts),
        ptr(m),
    )  # fmt: skip
    return out_flat[: int(m[0])], out_counts[: int(m[0])]
