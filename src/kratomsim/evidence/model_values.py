"""The cited value behind every parameter of the model specification, in the kernels' base units.

Each parameter of ``spec/model.toml`` names one evidence entry (``evidence = ...``; ``{absorption}``
is the product's absorption class, e.g. ``ka_tea``). Its unit in the data file must be the unit the
specification declares — one value, one unit, everywhere — and it is turned into the base units
the kernels compute in (nmol, L, h, ng) by :func:`kratomsim.spec.units.base_factor`. Inputs (a
co-medication's CYP3A effect, a hypothesis switch, a person's usual pain) are not evidence: they
take their default unless the question sets them.

>>> ev = model_evidence("tea")
>>> ev.cited["ka"].name
'ka_tea'
>>> ev.central()["ki_tdi_cyp3a_hep"]  # 4.1 uM in nM
4100.0
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray

from kratomsim.errors import EvidenceError, ModelSpecError, bad_value
from kratomsim.evidence.loader import load_parameters
from kratomsim.evidence.schema import CitedValue
from kratomsim.spec import Spec, default_spec
from kratomsim.spec.units import base_factor

FloatArray = NDArray[np.float64]

#: Data files that hold the model's parameters.
MODEL_FILES = (
    "pk_calibrated.toml",
    "constants.toml",
    "ddi.toml",
    "receptors.toml",
    "adaptation.toml",
    "outcomes.toml",
    "side_effects.toml",
    "ventilation_pupil.toml",
    # the population-level calibration's fitted values replace the priors above
    "pd_calibrated.toml",
)


@cache
def _all_cited() -> dict[str, CitedValue]:
    out: dict[str, CitedValue] = {}
    for file in MODEL_FILES:
        for v in load_parameters((file,)).values():
            out[v.name] = v
    return out


@dataclass(frozen=True)
class ModelEvidence:
    """The evidence behind one specification for one absorption class."""

    spec: Spec
    absorption: str
    #: spec parameter → the cited entry that supplies it
    cited: dict[str, CitedValue]
    #: spec parameter or input → factor from its declared unit to base units
    factor: dict[str, float]

    def central(self, inputs: Mapping[str, float] | None = None) -> dict[str, float]:
        """Every parameter at its cited value and every input (default or given), in base units."""
        values = {name: c.value * self.factor[name] for name, c in self.cited.items()}
        values |= self.inputs(inputs)
        return values

    def inputs(self, given: Mapping[str, float] | None = None) -> dict[str, float]:
        """Inputs in base units: the defaults, overridden by ``given`` (declared units)."""
        given = dict(given or {})
        names = {i.name for i in self.spec.inputs}
        unknown = sorted(set(given) - names)
        if unknown:
            raise ModelSpecError(
                bad_value("Unknown model input", unknown, f"Use one of {sorted(names)}.")
            )
        return {
            i.name: float(given.get(i.name, i.default)) * self.factor[i.name]
            for i in self.spec.inputs
        }

    def to_base(self, name: str, value: float | FloatArray) -> float | FloatArray:
        """A parameter value in its declared unit → base units."""
        return value * self.factor[name]

    def from_base(self, name: str, value: float | FloatArray) -> float | FloatArray:
        return value / self.factor[name]

    def uncertain(self) -> tuple[str, ...]:
        """Parameters whose cited value has a range that is sampled (low < high, not fixed)."""
        return tuple(
            name for name, c in self.cited.items() if c.low < c.high and c.distribution != "fixed"
        )


@cache
def model_evidence(absorption: str, spec: Spec | None = None) -> ModelEvidence:
    """Map every parameter of ``spec`` (default: the shipped one) to its cited entry."""
    spec = spec or default_spec()
    cited_all = _all_cited()
    cited: dict[str, CitedValue] = {}
    factor: dict[str, float] = {}
    for p in spec.parameters:
        key = p.evidence.replace("{absorption}", absorption)
        if key not in cited_all:
            raise EvidenceError(
                f"The model parameter {p.name} needs the evidence entry {key!r}, which no "
                f"parameter file ({', '.join(MODEL_FILES)}) has."
            )
        entry = cited_all[key]
        if entry.unit != p.unit:
            raise EvidenceError(
                f"Evidence entry {key!r} is in {entry.unit!r}, but the model declares "
                f"{p.name} in {p.unit!r}. Give both the same unit."
            )
        cited[p.name] = entry
        factor[p.name] = base_factor(p.unit)
    for i in spec.inputs:
        factor[i.name] = base_factor(i.unit)
    return ModelEvidence(spec, absorption, cited, factor)
