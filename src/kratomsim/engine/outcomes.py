"""From exposure to the pain-response system: receptors, tolerance, dependence and withdrawal.

``simulate_outcomes`` runs the PK model, the effect site and receptor layer, and the adaptation
states for a set of parameter draws (draw 0 at the cited values; the rest from the cited ranges,
see :mod:`kratomsim.engine.uncertainty`), and returns each outcome as a central line with an
interval. Every step is a model of evidence graded in the parameter files; none of it is advice.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from kratomsim.engine.core import simulate_concentrations
from kratomsim.engine.params import derive_pk, evidence_names
from kratomsim.engine.result import Simulation
from kratomsim.engine.simulate import simulate
from kratomsim.engine.uncertainty import interval, sample_values
from kratomsim.evidence import CitedValue, load_parameters
from kratomsim.models.adaptation import (
    PARAMETER_NAMES,
    AdaptationParams,
    integrate_adaptation,
    withdrawal_episode,
)
from kratomsim.models.dosing import Regimen
from kratomsim.models.receptors import (
    MG,
    OH,
    RECEPTOR_PARAMETERS,
    free_effect_site,
    receptor_params_from_values,
    receptor_state,
)
from kratomsim.models.scenario import Scenario

FloatArray = NDArray[np.float64]
Hypothesis = Literal["endocannabinoid"]

#: Parameters whose uncertainty is sampled (PK disposition, receptors, adaptation).
PK_UNCERTAIN = ("cl", "v1", "q", "v2", "kme", "fmf_over_vm", "fp_over_vm", "ka_7oh", "f_7oh")
OUTCOME_FILES = ("receptors.toml", "adaptation.toml", "outcomes.toml")


@dataclass(frozen=True)
class OutcomeSeries:
    """One outcome over time: central line (draw 0) and an interval over the draws."""

    name: str
    unit: str
    central: FloatArray
    low: FloatArray
    high: FloatArray


@dataclass(frozen=True)
class Outcomes:
    """Exposure and the pain-response outcomes of one regimen, with uncertainty."""

    exposure: Simulation
    time_h: FloatArray
    series: tuple[OutcomeSeries, ...]
    withdrawal: dict[str, float | None]
    level: float
    n_draws: int
    seed: int
    hypothesis: Hypothesis | None
    used: tuple[CitedValue, ...]

    def get(self, name: str) -> OutcomeSeries:
        for s in self.series:
            if s.name == name:
                return s
        raise KeyError(name)

    def to_frame(self) -> pd.DataFrame:
        """Exposure columns plus one column per outcome (central) and its interval bounds."""
        frame = self.exposure.to_frame()
        for s in self.series:
            frame[s.name] = s.central
            frame[f"{s.name}_low"] = s.low
            frame[f"{s.name}_high"] = s.high
        return frame


def _draws(
    names: tuple[str, ...], n_draws: int, seed: int
) -> tuple[dict[str, FloatArray], list[CitedValue]]:
    evidence = {
        v.name: v
        for f in (("pk_calibrated.toml", "constants.toml"), OUTCOME_FILES)
        for v in load_parameters(f).values()
    }
    chosen = [evidence[n] for n in names]
    return sample_values(chosen, n_draws, seed=seed), chosen


def simulate_outcomes(
    regimen: str | os.PathLike[str] | Regimen | Scenario,
    /,
    *,
    product: str | None = None,
    mg_per_g: float | None = None,
    oh7_mg_per_g: float | None = None,
    duration: float | str | None = None,
    hypothesis: Hypothesis | None = None,
    n_draws: int = 200,
    seed: int = 0,
    level: float = 0.90,
) -> Outcomes:
    """Simulate exposure, MOR activation, tolerance, dependence and withdrawal with uncertainty.

    Main arguments are those of :func:`kratomsim.simulate`. ``hypothesis="endocannabinoid"``
    switches on the article's ECS pathway, which no study supports (see ``kratomsim claims``).
    ``n_draws`` parameter sets are drawn from the cited ranges with ``seed``; draw 0 is the
    cited central set. ``level`` is the width of the reported interval.
    """
    exposure = simulate(
        regimen, product=product, mg_per_g=mg_per_g, oh7_mg_per_g=oh7_mg_per_g, duration=duration
    )
    absorption = exposure.product.absorption
    pk_names = evidence_names(absorption)
    adapt_names = tuple(PARAMETER_NAMES.values())
    names = (*pk_names, *RECEPTOR_PARAMETERS, *adapt_names, "mor_reserve_factor")
    draws, chosen = _draws(names, n_draws, seed)
    # Only the declared uncertain PK values vary; the rest stay at their cited values.
    for name in pk_names:
        if name not in PK_UNCERTAIN and name != f"ka_{absorption}":
            draws[name] = np.full(n_draws, draws[name][0])
    params = derive_pk(draws, absorption)
    t = exposure.time_h
    doses = exposure.dose_times_h
    alk = {
        "mitragynine": np.broadcast_to(
            exposure.dose_amounts_g * exposure.mg_per_g, (1, doses.size)
        ),
        "7-hydroxymitragynine": np.broadcast_to(
            exposure.dose_amounts_g * exposure.oh7_mg_per_g, (1, doses.size)
        ),
    }
    _, conc = simulate_concentrations(params, doses, alk, t)
    conc = np.maximum(conc, 0.0)
    rec_values = {n: draws[n] for n in RECEPTOR_PARAMETERS}
    reserve = draws["mor_reserve_factor"]
    rec_values["tau_mor_mg"] = draws["tau_mor_mg"] * reserve
    rec_values["tau_mor_7oh"] = draws["tau_mor_7oh"] * reserve
    rec = receptor_params_from_values(rec_values)
    ce = free_effect_site(t, {MG: conc[:, :, 0], OH: conc[:, :, 1]}, rec)
    state = receptor_state(ce, rec, ecs_hypothesis=hypothesis == "endocannabinoid")
    drive = np.clip(state.analgesic_drive, 0.0, 0.999)
    adapt = integrate_adaptation(
        t, drive, AdaptationParams.from_mapping({n: draws[n] for n in adapt_names})
    )
    after = float(doses[-1])
    episode = withdrawal_episode(t, adapt.score, after)

    def band(name: str, unit: str, values: FloatArray) -> OutcomeSeries:
        lo, hi = interval(values, level)
        return OutcomeSeries(name, unit, np.asarray(values[0]), lo, hi)

    series = (
        band("mu_occupancy", "fraction", state.mu_occupancy),
        band("mu_activation", "fraction of system maximum", state.mu_activation),
        band("analgesic_drive", "fraction of system maximum", drive),
        band("tolerance", "fraction desensitised", adapt.tolerance),
        band("effective_activation", "fraction of system maximum", adapt.effective),
        band("withdrawal_score", "SOWS points (0-64)", adapt.score),
    )
    if hypothesis == "endocannabinoid":
        series = (*series, band("ecs_activation_hypothesis", "fraction", state.ecs_activation))
    summary = {
        "after_last_dose_h": after,
        "onset_h": _first(episode.onset_h),
        "peak_score": _first(episode.peak),
        "peak_h": _first(episode.peak_h),
        "duration_h": _first(episode.duration_h),
    }
    return Outcomes(
        exposure,
        t,
        series,
        summary,
        level,
        n_draws,
        seed,
        hypothesis,
        tuple(dict.fromkeys((*exposure.used, *chosen))),
    )


def _first(x: float | FloatArray) -> float | None:
    v = float(np.atleast_1d(x)[0])
    return None if np.isnan(v) else v
