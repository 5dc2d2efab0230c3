"""kratomsim: evidence-graded simulation of kratom alkaloid exposure and the pain-response system.

It simulates what the user asks about, shows uncertainty and evidence grades, and points to a
clinician. It never prescribes.

>>> import kratomsim
>>> sim = kratomsim.simulate("2 g every 8 h for 3 days", product="tea")
>>> sorted(sim.summary())
['7-hydroxymitragynine', 'mitragynine']

One function per question, with keyword arguments named like the command-line options:
:func:`simulate`, :func:`outcomes`, :func:`trial`, :func:`check`, :func:`interactions`,
:func:`taper`, :func:`report`, :func:`cite`, :func:`validate`, and :class:`Journal` (the personal
journal). Results are frozen; tabular ones have ``to_frame()`` (a pandas DataFrame).

This module re-exports the public API; the package's own modules never import from it. Names load
on first use (PEP 562), so ``import kratomsim`` stays quick and loads no numerical library.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kratomsim.analyses.outcomes import Outcomes as Outcomes
    from kratomsim.engine.result import AnalyteSummary as AnalyteSummary
    from kratomsim.engine.result import Simulation as Simulation
    from kratomsim.errors import KratomsimError as KratomsimError
    from kratomsim.interfaces.api import simulate as simulate
    from kratomsim.interfaces.api_entries import check as check
    from kratomsim.interfaces.api_entries import cite as cite
    from kratomsim.interfaces.api_entries import interactions as interactions
    from kratomsim.interfaces.api_entries import outcomes as outcomes
    from kratomsim.interfaces.api_entries import report as report
    from kratomsim.interfaces.api_entries import taper as taper
    from kratomsim.interfaces.api_entries import trial as trial
    from kratomsim.interfaces.api_entries import validate as validate
    from kratomsim.interfaces.api_results import CheckReport as CheckReport
    from kratomsim.interfaces.api_results import Citation as Citation
    from kratomsim.interfaces.api_results import Interactions as Interactions
    from kratomsim.interfaces.api_results import ReportFiles as ReportFiles
    from kratomsim.interfaces.api_results import TaperComparison as TaperComparison
    from kratomsim.interfaces.api_results import Validation as Validation
    from kratomsim.journal.store import Journal as Journal
    from kratomsim.journal.store import open_journal as open_journal
    from kratomsim.models.dosing import DoseRecord as DoseRecord
    from kratomsim.models.dosing import Regimen as Regimen
    from kratomsim.models.regimen_text import parse_regimen as parse_regimen
    from kratomsim.population.population import PopulationResult as PopulationResult
    from kratomsim.reports.plots import plot_exposure as plot_exposure

#: The installed version (read from the package metadata on first use).
__version__: str

#: Public name → the module that defines it.
_EXPORTS = {
    "AnalyteSummary": "kratomsim.engine.result",
    "CheckReport": "kratomsim.interfaces.api_results",
    "Citation": "kratomsim.interfaces.api_results",
    "DoseRecord": "kratomsim.models.dosing",
    "Interactions": "kratomsim.interfaces.api_results",
    "Journal": "kratomsim.journal.store",
    "KratomsimError": "kratomsim.errors",
    "Outcomes": "kratomsim.analyses.outcomes",
    "PopulationResult": "kratomsim.population.population",
    "Regimen": "kratomsim.models.dosing",
    "ReportFiles": "kratomsim.interfaces.api_results",
    "Simulation": "kratomsim.engine.result",
    "TaperComparison": "kratomsim.interfaces.api_results",
    "Validation": "kratomsim.interfaces.api_results",
    "check": "kratomsim.interfaces.api_entries",
    "cite": "kratomsim.interfaces.api_entries",
    "interactions": "kratomsim.interfaces.api_entries",
    "open_journal": "kratomsim.journal.store",
    "outcomes": "kratomsim.interfaces.api_entries",
    "parse_regimen": "kratomsim.models.regimen_text",
    "plot_exposure": "kratomsim.reports.plots",
    "report": "kratomsim.interfaces.api_entries",
    "simulate": "kratomsim.interfaces.api",
    "taper": "kratomsim.interfaces.api_entries",
    "trial": "kratomsim.interfaces.api_entries",
    "validate": "kratomsim.interfaces.api_entries",
}

__all__ = [
    "AnalyteSummary",
    "CheckReport",
    "Citation",
    "DoseRecord",
    "Interactions",
    "Journal",
    "KratomsimError",
    "Outcomes",
    "PopulationResult",
    "Regimen",
    "ReportFiles",
    "Simulation",
    "TaperComparison",
    "Validation",
    "__version__",
    "check",
    "cite",
    "interactions",
    "open_journal",
    "outcomes",
    "parse_regimen",
    "plot_exposure",
    "report",
    "simulate",
    "taper",
    "trial",
    "validate",
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
