"""kratomsim: evidence-graded simulation of kratom alkaloid exposure and the pain-response system.

It simulates what the user asks about, shows uncertainty and evidence grades, and points to a
clinician. It never prescribes.

>>> import kratomsim
>>> sim = kratomsim.simulate("2 g every 8 h for 3 days", product="tea")
>>> sorted(sim.summary())
['7-hydroxymitragynine', 'mitragynine']

This module re-exports the public API; the package's own modules never import from it.
"""

from importlib.metadata import version as _version

from kratomsim.engine.result import AnalyteSummary as AnalyteSummary
from kratomsim.engine.result import Simulation as Simulation
from kratomsim.errors import KratomsimError as KratomsimError
from kratomsim.interfaces.api import simulate as simulate
from kratomsim.models.dosing import DoseRecord as DoseRecord
from kratomsim.models.dosing import Regimen as Regimen
from kratomsim.models.regimen_text import parse_regimen as parse_regimen
from kratomsim.reports.plots import plot_exposure as plot_exposure

__version__ = _version("kratomsim")

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
