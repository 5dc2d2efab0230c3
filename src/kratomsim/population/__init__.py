"""Virtual populations: variability, covariates, parameter uncertainty, streaming summaries and the
executors that run chunks of subjects (serial, processes, Dask).

>>> from kratomsim.population import PopulationSpec, simulate_population  # the main entry
"""

from kratomsim.population.executors import EXECUTORS as EXECUTORS
from kratomsim.population.executors import run_population as run_population
from kratomsim.population.executors import simulate_population as simulate_population
from kratomsim.population.population import PopulationResult as PopulationResult
from kratomsim.population.population import PopulationSpec as PopulationSpec

__all__ = [
    "EXECUTORS",
    "PopulationResult",
    "PopulationSpec",
    "run_population",
    "simulate_population",
]
