"""Measuring helpers of ``bench_engine.py``: timing, CPU time, memory, machine facts, the file update.

Kept apart so that the benchmark script reads as the workload and the contenders.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import os
import platform
import re
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def log(msg: str) -> None:
    """A progress line on stderr (the markdown section goes to stdout)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def load_average() -> tuple[float, float, float]:
    """The machine's 1-, 5- and 15-minute load averages (NaN where the OS has none)."""
    try:
        return os.getloadavg()
    except (AttributeError, OSError):  # pragma: no cover - not Unix
        return (float("nan"),) * 3


@dataclass(frozen=True)
class Timing:
    """Wall and CPU seconds of one call (CPU: every thread of this process)."""

    wall_s: float
    cpu_s: float


def timed(fn: Callable[[], Any]) -> tuple[Timing, Any]:
    """Run ``fn`` once; its wall and process CPU time, and what it returned."""
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn()
    return Timing(time.perf_counter() - t0, time.process_time() - c0), out


def repeated(fn: Callable[[], Any], repeats: int) -> tuple[Timing, Any]:
    """Median wall and CPU time of ``repeats`` calls, and the last call's result.

    The previous result is dropped before each call, so every call gets recycled memory as
    repeated calls in one session do.
    """
    walls, cpus, out = [], [], None
    for _ in range(max(1, repeats)):
        out = None
        t, out = timed(fn)
        walls.append(t.wall_s)
        cpus.append(t.cpu_s)
    return Timing(statistics.median(walls), statistics.median(cpus)), out


def memory_mib(fn: Callable[[], Any]) -> tuple[float, float]:
    """(tracemalloc peak, RSS high-water Δ) of ``fn`` in MiB, from two separate calls of ``fn``.

    tracemalloc sees Python-side allocations (NumPy arrays included), not native ones (Numba's
    stack, LSODA's Fortran work arrays, libRoadRunner's C++ heap). RSS: freed heap handed back with
    glibc ``malloc_trim``, ``VmHWM`` reset through ``/proc/self/clear_refs`` (Linux ≥ 4.0), then the
    peak minus the resident set before; NaN where that is not available.
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


def machine_facts() -> dict[str, str]:
    """Date, processor, CPUs and library versions, for the section's header."""
    import libsbml
    import numba
    import numpy as np
    import roadrunner
    import scipy

    cpu = platform.processor() or platform.machine()
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    cpu = next((ln.split(":", 1)[1].strip() for ln in info.splitlines() if "model name" in ln), cpu)
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "date": dt.date.today().isoformat(),
        "machine": f"{cpu}, {os.cpu_count()} CPUs ({usable} usable); "
        f"{platform.system()} {platform.release()}",
        "versions": f"Python {platform.python_version()}, NumPy {np.__version__}, SciPy "
        f"{scipy.__version__}, Numba {numba.__version__}, libRoadRunner {roadrunner.__version__}, "
        f"libsbml {libsbml.getLibSBMLDottedVersion()}",
    }


def write_section(path: Path, section: str, start: str, end: str) -> None:
    """Replace the section between the markers ``start`` and ``end`` in ``path`` (or append it,
    or create the file), leaving the rest of the file alone."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + section.rstrip("\n") + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def fmt_rate(x: float) -> str:
    """Subjects per second with as many digits as they deserve."""
    return f"{x:,.0f}" if x >= 100 else f"{x:,.1f}" if x >= 1 else f"{x:.3f}"


def fmt_us(seconds: float) -> str:
    """Seconds as µs (or ms / s when large)."""
    us = seconds * 1e6
    if us < 10_000:
        return f"{us:,.1f} µs"
    if us < 10_000_000:
        return f"{us / 1e3:,.1f} ms"
    return f"{seconds:,.1f} s"
