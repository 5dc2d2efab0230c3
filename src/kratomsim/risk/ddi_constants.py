"""Constants of the interaction model (``evidence/data/ddi.toml``): central values or draws.

Every constant is a cited value with a range; :func:`ddi_values` draws them with the project's
seeded per-parameter streams (:func:`kratomsim.population.uncertainty.sample_values`), draw 0 being the
central value set, so an interval over draws always contains the central prediction's inputs.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

from kratomsim.evidence import CitedValue, ParameterSet, load_parameters
from kratomsim.population.uncertainty import sample_values

FloatArray = NDArray[np.float64]
DDI_FILE = "ddi.toml"

#: Perpetrator constants of mitragynine used by both the dynamic and the static models.
PERPETRATOR = (
    "ki_tdi_cyp3a_hep",
    "kinact_cyp3a_hep",
    "ki_tdi_cyp3a_gut",
    "kinact_cyp3a_gut",
    "ki_rev_cyp3a",
    "ki_cyp2d6",
    "kdeg_cyp3a_hep",
    "kdeg_cyp3a_gut",
    "fu_p_mg",
    "fu_gut_mg",
    "rb_mg",
    "fa_mg",
    "fg_mg",
    "q_ent",
    "q_h",
    "gut_volume_basic",
)


def ddi_evidence() -> ParameterSet:
    """The cited constants of the interaction model."""
    return load_parameters((DDI_FILE,))


def cited(names: Iterable[str]) -> tuple[CitedValue, ...]:
    ev = ddi_evidence()
    return tuple(ev[n] for n in names)


def ddi_values(
    n_draws: int = 1, *, seed: int = 0, names: Iterable[str] = PERPETRATOR
) -> dict[str, FloatArray]:
    """Draws of the named constants, shape ``(n_draws,)`` each; draw 0 is the central value."""
    return sample_values(cited(names), n_draws, seed=seed)


def central(name: str) -> float:
    return float(ddi_evidence()[name].value)
