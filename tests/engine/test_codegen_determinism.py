"""The generated kernel text, and so the kernel cache's key, is the same in every process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import kratomsim

# Generates the kernel source of the whole model and of the PK outputs; prints one digest per line.
_SCRIPT = """
import hashlib
from kratomsim.engine.codegen import kernel_source
from kratomsim.spec import default_spec
from kratomsim.spec.structure import analyse
from kratomsim.spec.symbolic import build

spec = default_spec()
sym = build(spec)
for outputs in (tuple(o.name for o in spec.outputs), ("mitragynine_nm", "oh7_nm")):
    text, _ = kernel_source(analyse(sym, outputs), nodes=4, block=32)
    print(hashlib.sha256(text.encode()).hexdigest(), len(text))
"""


def _digests(hash_seed: str) -> list[str]:
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = hash_seed
    src = str(Path(kratomsim.__file__).resolve().parents[1])  # this checkout's kratomsim
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split("\n")[:2]


def test_kernel_text_does_not_depend_on_the_hash_seed() -> None:
    # String hashing (and so the iteration order of sets of names) differs between these seeds.
    first, second = _digests("1"), _digests("2")
    assert all(len(line.split()[0]) == 64 and int(line.split()[1]) > 10_000 for line in first)
    assert first[0] != first[1]  # two different kernels were generated
    assert first == second
