"""Virtual populations: variability, covariates, parameter uncertainty, streaming summaries and the
executors that run chunks of subjects (serial, processes, Dask).

>>> from kratomsim.population import PopulationSpec, simulate_population  # the main entry
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kratomsim.lazy import lazy_exports

if TYPE_CHECKING:
    from kratomsim.population.executor_names import EXECUTORS as EXECUTORS
    from kratomsim.population.executors import run_population as run_population
    from kratomsim.population.executors import simulate_population as simulate_population
    from kratomsim.population.population import PopulationResult as PopulationResult
    from kratomsim.population.population import PopulationSpec as PopulationSpec

#: Public name → the module that defines it; each loads on first use (PEP 562), so importing
#: one module of this package does not load the others.
_EXPORTS = {
    "EXECUTORS": "kratomsim.population.executor_names",
    "PopulationResult": "kratomsim.population.population",
    "PopulationSpec": "kratomsim.population.population",
    "run_population": "kratomsim.population.executors",
    "simulate_population": "kratomsim.population.executors",
}

__all__ = [
    "EXECUTORS",
    "PopulationResult",
    "PopulationSpec",
    "run_population",
    "simulate_population",
]


__getattr__ = lazy_exports(__name__, _EXPORTS)
