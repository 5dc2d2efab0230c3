"""Quick start: importing the package and the light commands load no heavy numerical library.

Each case runs in a fresh interpreter and reports which of the heavy libraries ended up in
``sys.modules``; behaviour, not timing (the README's note gives the measured start-up times).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

#: Libraries that take a large part of a second or more to import.
HEAVY = ("numba", "scipy", "matplotlib", "pandas", "pint", "sympy", "dask", "weasyprint", "lark")
#: What ``journal add`` must not load either (SQLite and validation only).
NUMERIC = ("numpy", *HEAVY)

REPORT = """
import contextlib, io, json, sys
{body}
print(json.dumps(sorted(m for m in {names!r} if m in sys.modules)))
"""


def loaded(body: str, names: tuple[str, ...], tmp_path: Path) -> list[str]:
    """The ``names`` in ``sys.modules`` after running ``body`` in a fresh interpreter."""
    env = {**os.environ, "KRATOMSIM_HOME": str(tmp_path)}
    code = REPORT.format(body=body, names=names)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def run_cli(*argv: str) -> str:
    """Code that runs the command line on ``argv`` with its output captured."""
    return (
        "from kratomsim.interfaces.cli import run\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = run({list(argv)!r})\n"
        "assert code == 0, code\n"
    )


def test_import_kratomsim_loads_no_heavy_library(tmp_path: Path) -> None:
    assert loaded("import kratomsim", HEAVY, tmp_path) == []


def test_help_loads_no_numerical_library(tmp_path: Path) -> None:
    assert loaded(run_cli("--help"), NUMERIC, tmp_path) == []
    assert loaded(run_cli("journal", "add", "--help"), NUMERIC, tmp_path) == []


def test_journal_add_loads_no_numerical_library(tmp_path: Path) -> None:
    assert loaded(run_cli("journal", "add", "pain", "4"), NUMERIC, tmp_path) == []


def test_a_lookup_without_a_regimen_loads_no_heavy_library(tmp_path: Path) -> None:
    assert loaded(run_cli("check", "--meds", "alprazolam"), HEAVY, tmp_path) == []


def test_the_check_reaches_the_libraries_it_needs(tmp_path: Path) -> None:
    # The probe sees imports: a simulation parses its regimen with lark, and pandas is loaded
    # only when a result is turned into a table.
    body = "import kratomsim\nkratomsim.simulate('2 g once', duration='1 d')"
    assert "lark" in loaded(body, HEAVY, tmp_path)
    assert "pandas" in loaded(body + ".to_frame()", HEAVY, tmp_path)


def test_a_compiled_kernel_runs_without_numba(tmp_path: Path) -> None:
    # Importing Numba and readying its compiler costs about 0.8 s: a kernel this machine has
    # compiled is called through its stored machine code instead (kratomsim.engine.native).
    body = "import kratomsim\nkratomsim.simulate('2 g once', duration='1 d')"
    loaded(body, HEAVY, tmp_path)  # compiles the kernel where this machine has not yet
    assert "numba" not in loaded(body, HEAVY, tmp_path)
    outcomes = run_cli("simulate", "2 g once", "--outcomes")
    loaded(outcomes, HEAVY, tmp_path)  # its kernel too (every output)
    assert "numba" not in loaded(outcomes, HEAVY, tmp_path)
    # the interaction checker's victim march likewise (kratomsim.risk.victim_steps)
    interactions = run_cli("interactions", "2 g once", "--drug", "midazolam", "--draws", "4")
    loaded(interactions, HEAVY, tmp_path)
    assert "numba" not in loaded(interactions, HEAVY, tmp_path)
    # and a trial's band histograms (kratomsim.population.streaming); a trial that draws no plot
    # does not load the plotting library either
    trial = run_cli("trial", "2 g every 8 h for 2 days", "--n", "40", "--format", "json")
    loaded(trial, HEAVY, tmp_path)
    assert not {"numba", "matplotlib"} & set(loaded(trial, HEAVY, tmp_path))


def test_only_a_simulation_that_draws_loads_the_plotting_library(tmp_path: Path) -> None:
    # matplotlib takes about 0.6 s to import: a table of results must not pay for it.
    regimen = ("simulate", "2 g once", "--duration", "1 d")
    assert loaded(run_cli(*regimen), HEAVY, tmp_path).count("matplotlib") == 0
    drawn = run_cli(*regimen, "--plot", str(tmp_path / "exposure.png"))
    assert "matplotlib" in loaded(drawn, HEAVY, tmp_path)
    assert (tmp_path / "exposure.png").stat().st_size > 0


def test_public_names_load_on_first_use() -> None:
    import kratomsim

    assert {"simulate", "Simulation", "KratomsimError", "__version__"} <= set(dir(kratomsim))
    assert kratomsim.KratomsimError.__name__ == "KratomsimError"
    assert kratomsim.__version__
    with pytest.raises(AttributeError, match="no attribute 'simulat'"):
        _ = kratomsim.simulat  # type: ignore[attr-defined]
