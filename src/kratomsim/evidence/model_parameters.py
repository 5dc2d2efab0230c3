"""The cited values of the whole model: which it reads, their central values and their ranges.

Every parameter of the specification (``spec/model.toml``) names the evidence entry behind it
(:mod:`.model_values`). These functions turn those entries into the plain numbers and cited values
the engine, the population machinery and the analyses take, keyed by the specification's names and
in the units it declares; none of them simulates anything.
"""

from __future__ import annotations

from kratomsim.evidence.model_values import model_evidence
from kratomsim.evidence.schema import CitedValue


def parameter_names(absorption: str) -> tuple[str, ...]:
    """Every parameter the model reads (specification names), in the specification's order."""
    return tuple(model_evidence(absorption).cited)


def cited(absorption: str, names: tuple[str, ...] | None = None) -> tuple[CitedValue, ...]:
    """The cited values behind ``names`` (default: all), renamed to the specification's names."""
    ev = model_evidence(absorption)
    return tuple(ev.cited[n].model_copy(update={"name": n}) for n in (names or tuple(ev.cited)))


def central_values(absorption: str) -> dict[str, float]:
    """Cited central value of every parameter and the default of every input (declared units)."""
    ev = model_evidence(absorption)
    return {n: c.value for n, c in ev.cited.items()} | {i.name: i.default for i in ev.spec.inputs}


def uncertain_parameters(absorption: str) -> tuple[CitedValue, ...]:
    """Parameters with a sampled range (low < high, not fixed), renamed to specification names."""
    ev = model_evidence(absorption)
    return cited(absorption, ev.uncertain())
