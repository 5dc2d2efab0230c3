"""Per-thread arrays kept from call to call (population chunks, histograms).

A chunk's time courses take tens of MB. Fresh arrays of that size come from the OS page by page on
every chunk (the page faults cost about 15 % of a chunk), so the population engine keeps one
array per purpose and thread and lets the next chunk overwrite it. Nothing a caller returns may
refer to these arrays.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

_LOCAL = threading.local()


def reused(name: str, shape: tuple[int, ...], dtype: DTypeLike = np.float64) -> np.ndarray:
    """This thread's array ``name`` of ``shape`` and ``dtype``: uninitialised when new, else as
    the last user left it."""
    return _kept(name, shape, dtype, np.empty)


def reused_zeros(name: str, shape: tuple[int, ...], dtype: DTypeLike = np.int32) -> np.ndarray:
    """Like :func:`reused`, zero-filled when new; users must hand it back all zeros."""
    return _kept(name, shape, dtype, np.zeros)


def _kept(name: str, shape: tuple[int, ...], dtype: DTypeLike, make: Any) -> np.ndarray:
    arrays: dict[str, np.ndarray] = _LOCAL.__dict__.setdefault("arrays", {})
    a = arrays.get(name)
    if a is None or a.shape != shape or a.dtype != np.dtype(dtype):
        a = arrays[name] = make(shape, dtype=dtype)
    return a
