"""Band histograms of a chunk's time courses, as Numba compiles them (:mod:`.streaming` calls them).

:func:`count` sorts every value of a chunk (subjects, times) into its log-spaced bin per time point
(the bins of :meth:`.streaming.LogBins.index`; NaN goes below the range) and :func:`extract` lists
the non-empty bins; :func:`merge` adds the sparse counts of several chunks. Each counts through a
dense (times, bins) array that is all zeros on entry and on return, so its cost does not grow with
the bins nobody uses.

The ``*_c`` functions are the entry points with a C interface (pointers and sizes, results written
into arrays the caller passes): :mod:`.streaming` stores their machine code once and calls it
without importing Numba (:mod:`kratomsim.engine.native`). Importing this module compiles it.
"""

from __future__ import annotations

import numpy as np
from numba import cfunc, njit
from numba.np.numpy_support import carray
from numpy.typing import NDArray

from kratomsim.engine.native import cfunc_signature

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@njit(nogil=True, error_model="numpy")
def count(
    x: FloatArray,
    logs: FloatArray,
    bounds: FloatArray,
    n: int,
    hist: NDArray[np.int32],
    first: IntArray,
    last: IntArray,
) -> int:  # pragma: no cover - jit
    """Count ``x`` (subjects, times) into ``hist`` (times, n + 2); ``logs`` = log(x / lo),
    ``bounds`` = (lo, hi, log ratio). ``first`` and ``last``: per time point the lowest and
    highest bin touched. Returns the number of non-empty bins."""
    lo, hi, log_ratio = bounds[0], bounds[1], bounds[2]
    n_times, size = x.shape[1], n + 2
    for t in range(n_times):
        first[t] = size
        last[t] = -1
    for i in range(x.shape[0]):
        for t in range(n_times):
            v = x[i, t]
            if v >= hi:
                k = n + 1
            elif v >= lo:
                k = min(max(int(np.floor(logs[i, t] / log_ratio)) + 1, 0), n + 1)
            else:  # below the range, zeros and NaN
                k = 0
            hist[t, k] += 1
            first[t] = min(first[t], k)
            last[t] = max(last[t], k)
    m = 0
    for t in range(n_times):
        for k in range(first[t], last[t] + 1):
            m += hist[t, k] > 0
    return m


@njit(nogil=True, error_model="numpy")
def extract(
    hist: NDArray[np.int32], first: IntArray, last: IntArray, flat: IntArray, counts: IntArray
) -> None:  # pragma: no cover - jit
    """The non-empty bins that :func:`count` left in ``hist``, in order: ``flat`` (time · (n + 2)
    + bin) and ``counts``; ``hist`` is all zeros after."""
    size = hist.shape[1]
    j = 0
    for t in range(hist.shape[0]):
        for k in range(first[t], last[t] + 1):
            if hist[t, k] > 0:
                flat[j] = t * size + k
                counts[j] = hist[t, k]
                hist[t, k] = 0
                j += 1


@njit(nogil=True, error_model="numpy")
def merge(
    flat: IntArray,
    counts: IntArray,
    hist: NDArray[np.int32],
    out_flat: IntArray,
    out_counts: IntArray,
) -> int:  # pragma: no cover - jit
    """Sum sparse counts (the parts one after another) through ``hist`` (flat; all zeros on entry
    and on return) into ``out_flat`` and ``out_counts``; returns how many bins they hold."""
    for j in range(flat.size):
        hist[flat[j]] += counts[j]
    m = 0
    for j in range(flat.size):
        q = flat[j]
        if hist[q] > 0:  # first sighting of this bin: emit it once, then clear it
            out_flat[m] = q
            out_counts[m] = hist[q]
            hist[q] = 0
            m += 1
    return m


#: The entry points' arguments (:data:`kratomsim.engine.native.PROTOTYPES`' letters), read by
#: :func:`kratomsim.engine.native.link` when they are stored.
PROTOTYPES = {"count_c": "FNNFFNJIII", "extract_c": "JNNIIIIN", "merge_c": "IINJNIII"}


@cfunc(cfunc_signature(PROTOTYPES["count_c"]), error_model="numpy")
def count_c(x, n_subjects, n_times, logs, bounds, n, hist, first, last, m):  # pragma: no cover
    shape = (n_subjects, n_times)
    m[0] = count(
        carray(x, shape), carray(logs, shape), carray(bounds, (3,)), n,
        carray(hist, (n_times, n + 2)), carray(first, (n_times,)), carray(last, (n_times,)),
    )  # fmt: skip


@cfunc(cfunc_signature(PROTOTYPES["extract_c"]), error_model="numpy")
def extract_c(hist, n_times, n, first, last, flat, counts, m):  # pragma: no cover - jit
    extract(
        carray(hist, (n_times, n + 2)), carray(first, (n_times,)), carray(last, (n_times,)),
        carray(flat, (m,)), carray(counts, (m,)),
    )  # fmt: skip


@cfunc(cfunc_signature(PROTOTYPES["merge_c"]), error_model="numpy")
def merge_c(flat, counts, n_in, hist, n_hist, out_flat, out_counts, m):  # pragma: no cover
    m[0] = merge(
        carray(flat, (n_in,)), carray(counts, (n_in,)), carray(hist, (n_hist,)),
        carray(out_flat, (n_in,)), carray(out_counts, (n_in,)),
    )  # fmt: skip
