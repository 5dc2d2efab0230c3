"""The full model discretised on the output grid by the documented NumPy model functions.

A cross-check of :func:`kratomsim.engine.subjects.simulate_subjects` (the two converge to each
other as the grid is refined), used only by the tests.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from kratomsim.engine.core import simulate_concentrations
from kratomsim.engine.subjects import Dosing, SubjectOutputs, _check_respiratory
from kratomsim.evidence.params import derive_pk
from kratomsim.models.adaptation import PARAMETER_NAMES, AdaptationParams, integrate_adaptation
from kratomsim.models.receptors import (
    MG,
    OH,
    RECEPTOR_PARAMETERS,
    free_effect_site,
    receptor_params_from_values,
    receptor_state,
)
from kratomsim.models.respiratory import RESPIRATORY_PARAMETERS

FloatArray = NDArray[np.float64]


def simulate_subjects_grid(
    values: Mapping[str, FloatArray],
    dosing: Dosing,
    *,
    ecs_hypothesis: bool = False,
    respiratory: bool = True,
) -> SubjectOutputs:
    """The full model discretised on the output grid by the documented NumPy model functions.

    PK exact; effect site exact for plasma taken as piecewise linear between grid points;
    adaptation with the activation held at the step midpoint: second-order in the grid step, so
    only as accurate as the grid is fine. Kept as the readable statement of the model and as a
    cross-check of :func:`simulate_subjects` (they converge to each other as the grid is refined).
    """
    v = {k: np.atleast_1d(np.asarray(x, dtype=np.float64)) for k, x in values.items()}
    params = derive_pk(v, dosing.absorption)
    t = dosing.time_h
    alk = {"mitragynine": dosing.mg_doses_mg, "7-hydroxymitragynine": dosing.oh7_doses_mg}
    _, conc = simulate_concentrations(params, dosing.dose_times_h, alk, t)
    conc = np.maximum(conc, 0.0)
    rec_values = {n: v[n] for n in RECEPTOR_PARAMETERS}
    reserve = v["mor_reserve_factor"]
    rec_values["tau_mor_mg"] = v["tau_mor_mg"] * reserve
    rec_values["tau_mor_7oh"] = v["tau_mor_7oh"] * reserve
    rec = receptor_params_from_values(rec_values)
    ce = free_effect_site(t, {MG: conc[:, :, 0], OH: conc[:, :, 1]}, rec)
    state = receptor_state(ce, rec, ecs_hypothesis=ecs_hypothesis)
    drive = np.clip(state.analgesic_drive, 0.0, 0.999)
    adapt = integrate_adaptation(
        t, drive, AdaptationParams.from_mapping({n: v[n] for n in PARAMETER_NAMES.values()})
    )
    resp = None
    if respiratory:
        n = conc.shape[0]
        _check_respiratory({k: np.broadcast_to(v[k], (n,)) for k in RESPIRATORY_PARAMETERS})
        a = np.clip(np.asarray(state.mu_activation), 0.0, 1.0)
        hill = np.broadcast_to(v["resp_hill"], (n,))[:, None]
        an, hn = a**hill, np.broadcast_to(v["resp_a50"], (n,))[:, None] ** hill
        resp = np.clip(an * (1.0 + hn) / (an + hn), 0.0, 1.0)
    return SubjectOutputs(
        t,
        conc[:, :, 0],
        conc[:, :, 1],
        np.asarray(state.mu_occupancy),
        np.asarray(state.mu_activation),
        drive,
        np.asarray(adapt.tolerance),
        np.asarray(adapt.effective),
        np.asarray(adapt.score),
        resp,
        np.asarray(state.ecs_activation) if ecs_hypothesis else None,
    )
