"""A million subjects stream through in bounded memory (slow: minutes)."""

from __future__ import annotations

import threading
import time

import psutil
import pytest

from kratomsim.models.regimen_text import parse_regimen
from kratomsim.population.executors import run_population
from kratomsim.population.population import PopulationSpec

MB = 1024 * 1024


class _PeakRSS:
    """Peak resident memory of this process and, separately, of the largest child process."""

    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.parent = self.child = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.parent = max(self.parent, self.proc.memory_info().rss)
            for c in self.proc.children(recursive=True):
                try:
                    self.child = max(self.child, c.memory_info().rss)
                except psutil.Error:
                    pass
            time.sleep(0.2)

    def __enter__(self) -> _PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@pytest.mark.slow
def test_a_million_subjects_in_bounded_memory() -> None:
    spec = PopulationSpec(
        parse_regimen("2 g every 8 h for 2 days"),
        duration_h=96.0,
        n_subjects=1_000_000,
        seed=1,
        chunk_size=5000,
        thresholds=("cmax_mg_nm>200",),
    )
    before = psutil.Process().memory_info().rss
    with _PeakRSS() as peak:
        res = run_population(spec, executor="processes", workers=2)
    grown_mb = (peak.parent - before) / MB
    child_mb = peak.child / MB
    print(
        f"\n1e6 subjects: {res.metadata['wall_time_s']:.0f} s, "
        f"{res.metadata['subjects_per_s']:.0f} subjects/s, parent peak RSS "
        f"{peak.parent / MB:.0f} MB (+{grown_mb:.0f} MB), largest worker {child_mb:.0f} MB"
    )
    assert res.scalars["cmax_mg_nm"].n == 1_000_000
    assert res.exceedances[0].n == 1_000_000
    assert grown_mb < 400
    assert child_mb < 800
