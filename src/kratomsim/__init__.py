"""kratomsim: evidence-graded simulation of kratom alkaloid exposure and the pain-response system.

It simulates what the user asks about, shows uncertainty and evidence grades, and points to a
clinician. It never prescribes.

>>> import kratomsim
>>> sim = kratomsim.simulate("2 g every 8 h for 3 days", product="tea")
>>> sorted(sim.summary())
['7-hydroxymitragynine', 'mitragynine']

This module re-exports the public API; the package's own modules never import from it. Names load
on first use (PEP 562), so ``import kratomsim`` stays quick and loads no numerical library.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kratomsim.engine.result import AnalyteSummary as AnalyteSummary
    from kratomsim.engine.result import Simulation as Simulation
    from kratomsim.errors import KratomsimError as KratomsimError
    from kratomsim.interfaces.api import simulate as simulate
    from kratomsim.models.dosing import DoseRecord as DoseRecord
    from kratomsim.models.dosing import Regimen as Regimen
    from kratomsim.models.regimen_text import parse_regimen as parse_regimen
    from kratomsim.reports.plots import plot_exposure as plot_exposure

#: The installed version (read from the package metadata on first use).
__version__: str

#: Public name → the module that defines it.
_EXPORTS = {
    "AnalyteSummary": "kratomsim.engine.result",
    "DoseRecord": "kratomsim.models.dosing",
    "KratomsimError": "kratomsim.errors",
    "Regimen": "kratomsim.models.dosing",
    "Simulation": "kratomsim.engine.result",
    "parse_regimen": "kratomsim.models.regimen_text",
    "plot_exposure": "kratomsim.reports.plots",
    "simulate": "kratomsim.interfaces.api",
}

__all__ = [
    "AnalyteSummary",
    "DoseRecord",
    "KratomsimError",
    "Regimen",
    "Simulation",
    "__version__",
    "parse_regimen",
    "plot_exposure",
    "simulate",
]


def __getattr__(name: str) -> Any:
    """Load a public name on first use and keep it (``kratomsim.simulate`` loads the engine)."""
    if name == "__version__":
        from importlib.metadata import version

        value: Any = version("kratomsim")
    elif name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
    else:
        raise AttributeError(f"module 'kratomsim' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
