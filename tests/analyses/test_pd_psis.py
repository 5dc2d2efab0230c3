"""PSIS weights of the pain calibration: normalised, and no warning from ArviZ on a fresh machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kratomsim.analyses.pd_calibration import psis

# ArviZ 0.x warns on its first import of each day (a stamp in the user's cache folder); a fresh
# cache folder makes every run the first, so the check does not depend on the day.
FIRST_IMPORT = """
import numpy as np
import pytest
from kratomsim.analyses.pd_calibration import psis
psis(np.zeros(100))
"""


def test_weights_are_normalised_and_k_is_small_for_even_weights() -> None:
    lw, k = psis(np.random.default_rng(0).normal(scale=0.1, size=400))
    assert np.exp(lw).sum() == pytest.approx(1.0, rel=1e-9)
    assert k < 0.5  # nearly equal weights: a light tail


def test_first_import_of_the_day_raises_no_warning(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "PYTHONWARNINGS": "error"}
    done = subprocess.run(
        [sys.executable, "-c", FIRST_IMPORT], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr
