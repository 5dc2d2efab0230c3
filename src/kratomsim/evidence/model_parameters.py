"""The cited values of the full model: which it reads, their central values and their ranges.

The full model (PK → effect site → receptors → adaptation → respiratory index) reads the PK set
(``pk_calibrated.toml``, ``constants.toml``) and the pain-response files (:data:`OUTCOME_FILES`).
These functions turn those files into the plain numbers and cited values the engine, the
population machinery and the analyses take; none of them simulates anything.
"""

from __future__ import annotations

from functools import cache

from kratomsim.evidence.loader import PARAMETER_FILES, load_parameters
from kratomsim.evidence.params import evidence_names
from kratomsim.evidence.schema import CitedValue
from kratomsim.models.adaptation import PARAMETER_NAMES
from kratomsim.models.receptors import RECEPTOR_PARAMETERS
from kratomsim.models.respiratory import RESPIRATORY_PARAMETERS

#: Files beyond the PK set that hold the pain-response parameters.
OUTCOME_FILES = ("receptors.toml", "adaptation.toml", "outcomes.toml", "side_effects.toml")
#: PK parameters whose uncertainty is sampled (PK disposition); the absorption rate of the
#: product's class is added per product. The rest of the PK set stays at its cited values.
PK_UNCERTAIN = ("cl", "v1", "q", "v2", "kme", "fmf_over_vm", "fp_over_vm", "ka_7oh", "f_7oh")


def parameter_names(absorption: str) -> tuple[str, ...]:
    """Every parameter the full model reads, in a fixed order."""
    return (
        *evidence_names(absorption),
        *RECEPTOR_PARAMETERS,
        *PARAMETER_NAMES.values(),
        "mor_reserve_factor",
        *RESPIRATORY_PARAMETERS,
    )


@cache
def _evidence() -> dict[str, CitedValue]:
    return {
        v.name: v
        for files in (PARAMETER_FILES, OUTCOME_FILES)
        for v in load_parameters(files).values()
    }


def cited(names: tuple[str, ...]) -> tuple[CitedValue, ...]:
    """The cited values behind ``names`` (from the PK and outcome parameter files)."""
    evidence = _evidence()
    return tuple(evidence[n] for n in names)


def central_values(absorption: str) -> dict[str, float]:
    """Cited central value of every parameter of the full model."""
    return {v.name: v.value for v in cited(parameter_names(absorption))}


def uncertain_parameters(absorption: str) -> tuple[CitedValue, ...]:
    """Parameters of the full model that have a sampled range (low < high)."""
    pk = set(evidence_names(absorption))
    varied_pk = {*PK_UNCERTAIN, f"ka_{absorption}"}
    return tuple(
        v
        for v in cited(parameter_names(absorption))
        if v.low < v.high
        and v.distribution != "fixed"
        and (v.name not in pk or v.name in varied_pk)
    )
