"""The kernels' compile cache is keyed on every source the compiled code depends on.

Each run below is a fresh process, as a user's next session would be: the first compiles and
writes the cache, the next loads it, and after an edit to a *dependency* of the kernel (not the
kernel's own file) the next must compile afresh. Numba's own ``cache=True`` is shown to serve the
stale kernel in the same situation, so the test can tell the two apart. The runs use a copy of
:mod:`kratomsim.engine.jit` beside a small demo package, so that each process starts in about a
second (importing ``kratomsim`` would load its whole API).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kratomsim.engine import jit

SRC = Path(__file__).resolve().parents[2] / "src"

KERNEL = """\
{njit_import}
from demo import constants
from demo.helpers import scaled


@njit(cache=True)
def kernel(x):
    return scaled(x) + constants.OFFSET
"""
HELPERS = """\
from numba import njit

from demo.constants import FACTOR


@njit
def scaled(x):
    return FACTOR * x
"""
RUN = """\
import json
from demo.kernel import kernel
value = kernel(2.0)
print(json.dumps({"value": value, "hits": sum(kernel.stats.cache_hits.values())}))
"""


def make_demo(root: Path, njit_import: str) -> Path:
    (root / "kratomsim_jit.py").write_text(Path(jit.__file__).read_text())
    package = root / "demo"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "constants.py").write_text("FACTOR = 3.0\nOFFSET = 1.0\n")
    (package / "helpers.py").write_text(HELPERS)
    (package / "kernel.py").write_text(KERNEL.format(njit_import=njit_import))
    return package


def run(root: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    env.pop("NUMBA_CACHE_DIR", None)
    done = subprocess.run(
        [sys.executable, "-c", RUN], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def edit(path: Path, old: str, new: str) -> None:
    """Change a value keeping the file's size (so neither size nor length can give it away)."""
    assert len(old) == len(new)
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_an_edited_dependency_is_compiled_in(tmp_path: Path) -> None:
    package = make_demo(tmp_path, "from kratomsim_jit import njit")
    assert run(tmp_path) == {"value": 7.0, "hits": 0}  # compiled, then cached on disk
    assert run(tmp_path) == {"value": 7.0, "hits": 1}  # loaded from the cache
    edit(package / "constants.py", "FACTOR = 3.0", "FACTOR = 5.0")  # a constant it reads
    assert run(tmp_path) == {"value": 11.0, "hits": 0}  # the cached kernel is not reused
    assert run(tmp_path) == {"value": 11.0, "hits": 1}  # and the new one is cached
    edit(package / "helpers.py", "return FACTOR * x", "return FACTOR + x")  # a function it calls
    assert run(tmp_path) == {"value": 8.0, "hits": 0}


def test_numbas_own_cache_would_serve_the_stale_kernel(tmp_path: Path) -> None:
    package = make_demo(tmp_path, "from numba import njit")
    assert run(tmp_path)["value"] == 7.0
    edit(package / "constants.py", "FACTOR = 3.0", "FACTOR = 5.0")
    stale = run(tmp_path)
    assert (stale["value"], stale["hits"]) == (7.0, 1)  # what the dependency stamp prevents


def test_the_stamp_covers_every_kernel_source() -> None:
    engine = SRC / "kratomsim" / "engine"
    names = {p.name for p in jit.dependencies(engine / "kernel_expm.py")}
    assert {"kernel_expm.py", "jit.py"} <= names
    assert "compiled.py" not in names  # the caller of the kernels is not compiled in
    streaming = SRC / "kratomsim" / "population" / "streaming.py"
    assert {"streaming.py", "workspace.py"} <= {p.name for p in jit.dependencies(streaming)}


def test_the_stamp_changes_with_any_dependency(tmp_path: Path) -> None:
    package = make_demo(tmp_path, "from kratomsim_jit import njit")
    before = jit.source_stamp.__wrapped__(package / "kernel.py")
    edit(package / "helpers.py", "FACTOR * x", "FACTOR / x")
    after = jit.source_stamp.__wrapped__(package / "kernel.py")
    assert before != after
    unrelated = package / "unrelated.py"
    unrelated.write_text("X = 1\n")
    assert jit.source_stamp.__wrapped__(package / "kernel.py") == after
