"""Constants of the interaction model: central values or draws.

Mitragynine as perpetrator rests on the SAME constants as every simulation: the time-dependent
inactivation of gut-wall and hepatic CYP3A (KI, kinact, kdeg), the unbound fractions, absorption,
gut availability, blood flows and blood-to-plasma ratio are parameters of the model specification
(:data:`MODEL_PERPETRATOR`, drawn from their cited ranges through the model evidence). Only what
the model itself does not need is the interaction model's own (:data:`DDI_ONLY`: reversible CYP3A
and competitive CYP2D6 inhibition of other drugs, the basic static model's gut volume).
:func:`ddi_values` draws both with the project's seeded per-parameter streams
(:func:`kratomsim.population.uncertainty.sample_values`), draw 0 being the central value set.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

from kratomsim.evidence import CitedValue, ParameterSet, load_parameters
from kratomsim.evidence.model_parameters import cited as model_cited
from kratomsim.population.uncertainty import sample_values

FloatArray = NDArray[np.float64]
DDI_FILE = "ddi.toml"

#: Perpetrator constants of mitragynine that are parameters of the model specification.
MODEL_PERPETRATOR = (
    "ki_tdi_cyp3a_hep",
    "kinact_cyp3a_hep",
    "ki_tdi_cyp3a_gut",
    "kinact_cyp3a_gut",
    "kdeg_cyp3a_hep",
    "kdeg_cyp3a_gut",
    "fu_mg",
    "fu_gut_mg",
    "rb_mg",
    "fa_mg",
    "fg_mg",
    "q_ent",
    "q_h",
)
#: Constants only the interaction model uses.
DDI_ONLY = ("ki_rev_cyp3a", "ki_cyp2d6", "gut_volume_basic")
PERPETRATOR = (*MODEL_PERPETRATOR, *DDI_ONLY)


def ddi_evidence() -> ParameterSet:
    """The cited constants of the interaction model's own file."""
    return load_parameters((DDI_FILE,))


def cited(
    names: Iterable[str] = PERPETRATOR, absorption: str = "capsule"
) -> tuple[CitedValue, ...]:
    """Cited values of ``names`` (model parameters under their specification names)."""
    names = tuple(names)
    model = set(MODEL_PERPETRATOR) & set(names)
    ev = ddi_evidence()
    by_model = {c.name: c for c in model_cited(absorption, tuple(n for n in names if n in model))}
    return tuple(by_model[n] if n in model else ev[n] for n in names)


def ddi_values(
    n_draws: int = 1, *, seed: int = 0, names: Iterable[str] = PERPETRATOR
) -> dict[str, FloatArray]:
    """Draws of the named constants (declared units), shape ``(n_draws,)`` each; draw 0 is the
    central value."""
    return sample_values(cited(names), n_draws, seed=seed)


def central(name: str) -> float:
    return float(cited((name,))[0].value)
