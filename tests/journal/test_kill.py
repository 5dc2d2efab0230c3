"""Crash safety: writers killed with SIGKILL at random points never lose or corrupt an entry.

Importing kratomsim takes over a second, so a fresh interpreter per kill would make 200 cycles
take minutes. Instead one helper process (``python -c``) imports the journal layer once and, for
each cycle, forks a writer that opens the journal and writes in a loop: single ``add`` calls and
``add_many`` batches of 2–20 entries. Before each write it puts ``B <size>`` on the shared stdout
pipe and after it the committed ids (``os.write``: unbuffered, atomic). The test SIGKILLs the
writer after a random delay, waits until the helper has reaped it, and checks the journal:

* every id a writer reported is present, and the ids are exactly 1..n (nothing lost, no gaps);
* the count grew by the reported commits, or, when the kill fell between a COMMIT and its
  report, by exactly the size of that write (a batch is all there or not at all);
* every new entry validates as a journal entry, and ``PRAGMA integrity_check`` is ``ok``.

The default run (200 cycles) works in RAM where it can; the slow one (1000 cycles) on disk.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from kratomsim.interfaces.cli import run
from kratomsim.journal import make_entry, open_journal

# Child processes import only the journal layer: the package's __init__ pulls in the engine
# and matplotlib, which costs seconds to import and ~50 ms per fork and reap on a small VM.
LIGHT_IMPORT = r"""
import importlib.util, sys, types

spec = importlib.util.find_spec("kratomsim")
package = types.ModuleType("kratomsim")
package.__path__ = list(spec.submodule_search_locations)
sys.modules["kratomsim"] = package
"""
HELPER = (
    LIGHT_IMPORT
    + r"""
import gc, os, random

from kratomsim.journal import DoseEntry, NoteEntry, PainEntry, PegEntry, SymptomEntry, open_journal

path = sys.argv[1]
# Warm the caches (product table) before forking, so each writer starts writing at once.
DoseEntry("leaf-powder", 1.0, "g")
gc.freeze()
sys.stdout.write("helper ready\n"); sys.stdout.flush()
for line in sys.stdin:
    seed = int(line)
    pid = os.fork()
    if pid == 0:
        rnd = random.Random(seed)
        journal = open_journal(path)
        os.write(1, f"ready {os.getpid()}\n".encode())
        makers = (
            lambda: PainEntry(rnd.randint(0, 10)),
            lambda: DoseEntry("leaf-powder", rnd.choice((1.0, 2.5, 4.0)), "g"),
            lambda: PegEntry(rnd.randint(0, 10), rnd.randint(0, 10), rnd.randint(0, 10)),
            lambda: SymptomEntry("nausea", rnd.randint(0, 10)),
            lambda: NoteEntry(f"cycle {seed} " + "x" * rnd.randint(0, 300)),
        )
        while True:
            size = rnd.choice((1, 1, rnd.randint(2, 20)))
            batch = [rnd.choice(makers)() for _ in range(size)]
            os.write(1, f"B {size}\n".encode())
            ids = journal.add_many(batch) if size > 1 else [journal.add(batch[0])]
            os.write(1, (" ".join(map(str, ids)) + "\n").encode())
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(f"reaped {pid} {status}\n"); sys.stdout.flush()
"""
)


@dataclass
class Tally:
    cycles: int = 0
    reported: int = 0  # entries whose ids a writer reported as committed
    unreported_commits: int = 0  # entries of a batch killed between COMMIT and its report
    killed_in_add: int = 0  # kills inside add()/add_many() before the COMMIT landed
    killed_after_commit: int = 0  # kills between COMMIT and the report
    killed_between: int = 0  # kills outside add()
    ids: set[int] = field(default_factory=set)


@contextmanager
def _helper(path: Path) -> Iterator[subprocess.Popen[str]]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    with subprocess.Popen(
        [sys.executable, "-c", HELPER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
        env=env,
    ) as proc:
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "helper ready"
            yield proc
        finally:
            proc.kill()


def _cycle(proc: subprocess.Popen[str], seed: int, delay_s: float) -> list[str]:
    """Fork a writer, kill it after ``delay_s``, return what it reported."""
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(f"{seed}\n")
    proc.stdin.flush()
    first = proc.stdout.readline().split()
    assert first[0] == "ready", first
    pid = int(first[1])
    time.sleep(delay_s)
    os.kill(pid, signal.SIGKILL)
    lines: list[str] = []
    while not (line := proc.stdout.readline()).startswith("reaped"):
        assert line, "the helper died"
        lines.append(line.strip())
    assert line.split()[1] == str(pid)
    return lines


def _verify(path: Path, tally: Tally, lines: list[str]) -> None:
    reported = [int(x) for line in lines if not line.startswith("B") for x in line.split()]
    pending = int(lines[-1].split()[1]) if lines and lines[-1].startswith("B") else 0
    before = len(tally.ids)
    raw = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        ids = [row[0] for row in raw.execute("SELECT id FROM entries ORDER BY id")]
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        new = raw.execute("SELECT kind, at, data FROM entries WHERE id > ?", (before,)).fetchall()
    finally:
        raw.close()
    for kind, at, data in new:  # every field of every new entry validates
        assert make_entry(kind, datetime.fromisoformat(at), json.loads(data)).kind == kind
    assert ids == list(range(1, len(ids) + 1)), "ids are not 1..n: an entry was lost"
    assert set(reported) <= set(ids), "an id reported as committed is missing"
    extra = len(ids) - before - len(reported)
    # A batch is atomic: the one in flight at the kill is wholly there or wholly absent.
    assert extra in {0, pending}, (extra, pending, lines[-3:])
    tally.cycles += 1
    tally.reported += len(reported)
    tally.unreported_commits += extra
    tally.killed_in_add += bool(pending) and extra == 0
    tally.killed_after_commit += bool(pending) and extra == pending
    tally.killed_between += not pending
    tally.ids = set(ids)


def _kill_series(path: Path, cycles: int, seed: int, max_delay_s: float) -> Tally:
    rnd = random.Random(seed)
    tally = Tally()
    with _helper(path) as proc:
        for cycle in range(cycles):
            lines = _cycle(proc, seed * 100_000 + cycle, rnd.uniform(0.0, max_delay_s))
            _verify(path, tally, lines)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    return tally


def _kill_cycles(where: Path, cycles: int, seed: int, max_delay_s: float) -> Tally:
    return _kill_series(where / "journal.sqlite3", cycles, seed, max_delay_s)


def _check(tally: Tally, cycles: int) -> None:
    assert tally.cycles == cycles
    assert tally.reported > cycles  # the writers did commit, repeatedly
    # Most kills landed inside a write (before or after its COMMIT), not between writes.
    assert tally.killed_in_add + tally.killed_after_commit >= cycles // 3
    print(
        f"\nkill test: {tally.cycles} cycles, {tally.reported} entries reported committed and found, "
        f"{tally.killed_in_add} kills inside a write before COMMIT (rolled back), "
        f"{tally.killed_after_commit} kills between COMMIT and the report "
        f"({tally.unreported_commits} entries kept), {tally.killed_between} between writes"
    )


@pytest.fixture
def memory_dir(tmp_path: Path) -> Iterator[Path]:
    """A directory in RAM (tmpfs) where the platform has one, else ``tmp_path``.

    Surviving SIGKILL depends on SQLite's write ordering, not on fsync (the page cache outlives
    the process), so RAM is as good a test bed as a disk for it, and there the kills land in
    SQLite's code instead of mostly in the disk's fsync. The slow variant uses the real disk.
    """
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    with tempfile.TemporaryDirectory(dir=shm, prefix="kratomsim-kill-") as name:
        yield Path(name)


def test_sigkill_at_random_points_loses_nothing(memory_dir: Path) -> None:
    _check(_kill_cycles(memory_dir, 200, seed=1, max_delay_s=0.015), 200)


@pytest.mark.slow
def test_sigkill_thousand_cycles_on_disk(tmp_path: Path) -> None:
    _check(_kill_cycles(tmp_path, 1000, seed=11, max_delay_s=0.04), 1000)


WRITER = (
    LIGHT_IMPORT
    + r"""
import time
from kratomsim.journal import NoteEntry, open_journal

journal = open_journal(sys.argv[1])
n = int(sys.argv[2])
print("ready", flush=True)
sys.stdin.readline()
for i in range(n):
    journal.add(NoteEntry(f"writer {i}"))
    time.sleep(0.03)
print("done", flush=True)
"""
)


def test_cli_and_another_process_write_at_once(
    memory_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KRATOMSIM_HOME", str(memory_dir))
    path = memory_dir / "journal.sqlite3"
    n = 20
    with subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(n)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        proc.stdin.write("go\n")
        proc.stdin.flush()
        for i in range(n):
            assert run(["journal", "add", "pain", str(i % 11)]) == 0
        assert proc.stdout.readline().strip() == "done"
        assert proc.wait(timeout=30) == 0
    capsys.readouterr()
    with open_journal(path, readonly=True) as journal:
        stored = journal.entries()
        assert journal.integrity_check() == "ok"
    assert len(stored) == 2 * n
    notes = sorted(e.id for e in stored if e.kind == "note")
    pains = sorted(e.id for e in stored if e.kind == "pain")
    assert len(notes) == len(pains) == n
    assert sorted(e.data["text"] for e in stored if e.kind == "note") == sorted(
        f"writer {i}" for i in range(n)
    )
    assert [e.data["nrs"] for e in sorted(stored, key=lambda e: e.id) if e.kind == "pain"] == [
        i % 11 for i in range(n)
    ]
    # The two writers really overlapped: their ids interleave.
    assert any(notes[0] < p < notes[-1] for p in pains)
