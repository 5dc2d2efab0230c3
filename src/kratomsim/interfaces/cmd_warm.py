"""The ``warm-up`` command, and the notice the command line shows while a kernel compiles.

The model's kernels are generated from the specification and compiled by Numba for this machine
the first time they are needed (about a minute each, once; then they load from the cache).
``kratomsim warm-up`` runs each kind of work the commands do once on a tiny case, so that the set-up
(``make setup``) pays that cost and the first real run is quick. Whenever a kernel still has to be
compiled later, :func:`show_compile_notice` writes one line to stderr so the pause is explained.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

import typer

from kratomsim.engine.notices import COMPILING, subscribe
from kratomsim.interfaces.options import out
from kratomsim.interfaces.output import brief, is_brief

#: The line shown (once per run) before a kernel is generated or compiled.
PREPARING = "Preparing the model for this machine (once, about a minute)…"


def _warm_ups() -> tuple[tuple[str, Callable[[], object]], ...]:
    """Each kind of work the commands do, on a tiny case: what it prepares and how to run it."""
    from kratomsim.interfaces import api_entries as api
    from kratomsim.journal.fit_model import prepare_likelihood_kernel

    regimen = "2 g every 8 h for 2 days"
    return (
        ("exposure", lambda: api.simulate(regimen, duration="3 d")),
        (
            "relief, tolerance and withdrawal",
            lambda: api.outcomes(regimen, pain="chronic", draws=2),
        ),
        (
            "the endocannabinoid hypothesis",
            lambda: api.outcomes(regimen, hypothesis="endocannabinoid", draws=2),
        ),
        ("interactions", lambda: api.check(medications=["midazolam"], regimen=regimen)),
        ("a virtual trial", lambda: api.trial("2 g once", n=16, duration="2 d")),
        ("taper plans", lambda: api.taper("4 g three times daily", plans=["stop"], draws=2)),
        ("the personal fit", prepare_likelihood_kernel),
    )


def show_compile_notice(stream: TextIO | None = None) -> Callable[[], None]:
    """Write :data:`PREPARING` to ``stream`` (default stderr) before the first compile of this run.

    Returns the function that stops it.
    """
    shown = False

    def listener(event: str) -> None:
        nonlocal shown
        if event == COMPILING and not shown:
            shown = True
            target = stream if stream is not None else sys.stderr
            target.write(PREPARING + "\n")
            target.flush()

    return subscribe(listener)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("warm-up")(warm_up_cmd)


def warm_up_cmd() -> None:
    """Compile the model's kernels for this machine once, so later runs start quickly."""
    done: list[str] = []
    start = time.perf_counter()
    for what, work in _warm_ups():
        work()
        done.append(what)
    took = time.perf_counter() - start
    lines = [
        f"Model ready on this machine: {len(done)} kinds of work prepared in {took:.0f} s "
        f"({', '.join(done)}).",
        "Later runs load the compiled kernels from the cache.",
    ]
    if is_brief():
        brief(lines[:1], out)
        return
    for line in lines:
        out.print(line)
