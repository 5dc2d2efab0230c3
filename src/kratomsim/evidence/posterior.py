"""The posterior ensemble of the pain-response parameters (``pd_posterior.toml``).

Written by the population-level calibration (:mod:`kratomsim.analyses.pd_calibration`, command
``kratomsim calibrate-pain``): equally weighted parameter sets, the central set first. Outcome
intervals draw whole sets from it, so the parameters keep the correlations the data gave them.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from kratomsim.errors import EvidenceError

POSTERIOR_FILE = "pd_posterior.toml"
FloatArray = NDArray[np.float64]


@cache
def pd_posterior() -> dict[str, FloatArray]:
    """Parameter name → the ensemble's values (central set first); ``{}`` if none is shipped."""
    path = resources.files("kratomsim.evidence").joinpath("data", POSTERIOR_FILE)
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text("utf-8"))
    ens = {k: np.asarray(v, float) for k, v in data.get("ensemble", {}).items()}
    sizes = {v.size for v in ens.values()}
    if len(sizes) > 1 or any(not np.all(np.isfinite(v) & (v > 0)) for v in ens.values()):
        raise EvidenceError(
            f"{POSTERIOR_FILE}: every parameter needs the same number of positive values."
        )
    return ens


def posterior_checks() -> list[dict[str, object]]:
    """Observed vs fitted vs left-one-study-out rows of the shipped calibration (``[[check]]``)."""
    path = resources.files("kratomsim.evidence").joinpath("data", POSTERIOR_FILE)
    if not path.is_file():
        return []
    return [dict(row) for row in tomllib.loads(path.read_text("utf-8")).get("check", [])]


def posterior_meta() -> dict[str, object]:
    """The ``[meta]`` table of the shipped posterior (method, sets evaluated, what it fitted)."""
    path = resources.files("kratomsim.evidence").joinpath("data", POSTERIOR_FILE)
    if not path.is_file():
        return {}
    return dict(tomllib.loads(path.read_text("utf-8")).get("meta", {}))
