"""Model-level simulation: parameters + dose events → states and concentrations, for many subjects."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from numpy.typing import NDArray

from kratomsim.engine.exact import propagate
from kratomsim.models.pk import (
    BODY_STATES,
    DOSE_INPUTS,
    IDX,
    as_subject_arrays,
    nm_to_ng_per_ml,
    output_matrix,
    rate_matrix,
)

FloatArray = NDArray[np.float64]
#: Propagation of dx/dt = A x with dose additions, with the contract of
#: :func:`kratomsim.engine.exact.propagate` (a, dose times, dose amounts, dose states, output times).
Solver = Callable[[FloatArray, FloatArray, FloatArray, tuple[int, ...], FloatArray], FloatArray]


def dose_nmol(
    params: Mapping[str, FloatArray], alkaloid_mg: Mapping[str, FloatArray]
) -> FloatArray:
    """Convert per-dose alkaloid amounts (mg, shape (subjects, doses)) into nmol per depot input."""
    cols = []
    for analyte, (_, mw) in DOSE_INPUTS.items():
        mg = np.asarray(alkaloid_mg.get(analyte, 0.0), dtype=np.float64)
        cols.append(np.atleast_2d(mg) * 1e6 / params[mw][:, None])
    return np.stack(np.broadcast_arrays(*cols), axis=-1)


def simulate_states(
    params: Mapping[str, float] | Mapping[str, FloatArray],
    dose_times_h: FloatArray,
    alkaloid_mg: Mapping[str, FloatArray],
    t_out_h: FloatArray,
    *,
    solver: Solver = propagate,
) -> tuple[dict[str, FloatArray], FloatArray]:
    """Return (subject parameter arrays, states (subjects, times, states) in nmol).

    ``solver`` propagates the linear system: exact by default; tests pass an independent ODE
    integration with the same contract.
    """
    p = as_subject_arrays(dict(params))
    a = rate_matrix(p)
    doses = dose_nmol(p, alkaloid_mg)
    n = a.shape[0]
    if doses.shape[0] not in (1, n):
        raise ValueError(f"dose amounts have {doses.shape[0]} subjects, parameters have {n}")
    doses = np.broadcast_to(doses, (n, *doses.shape[1:]))
    inputs = tuple(IDX[state] for state, _ in DOSE_INPUTS.values())
    states = solver(a, np.asarray(dose_times_h, float), doses, inputs, np.asarray(t_out_h, float))
    return p, states


def concentrations_nm(params: Mapping[str, FloatArray], states: FloatArray) -> FloatArray:
    """Concentrations in nM from states: shape (subjects, times, analytes)."""
    c = output_matrix(dict(params))
    return np.einsum("nks,nts->ntk", c, states)


def to_ng_per_ml(params: Mapping[str, FloatArray], conc_nm: FloatArray) -> FloatArray:
    return conc_nm * nm_to_ng_per_ml(dict(params))[:, None, :]


def auc_inf_per_nmol(params: Mapping[str, FloatArray]) -> FloatArray:
    """Exact AUC(0–∞) in nM·h per nmol dosed into each depot: shape (subjects, analytes, inputs).

    For dx/dt = A x restricted to the body states (A invertible there), ∫x dt = −A⁻¹ x(0).
    """
    p = dict(params)
    a = rate_matrix(p)
    body = [IDX[s] for s in BODY_STATES]
    inv = np.linalg.inv(a[:, body][:, :, body])
    c = output_matrix(p)[:, :, body]
    inputs = [body.index(IDX[state]) for state, _ in DOSE_INPUTS.values()]
    return -np.einsum("nks,nsj->nkj", c, inv[:, :, inputs])


def simulate_concentrations(
    params: Mapping[str, float] | Mapping[str, FloatArray],
    dose_times_h: FloatArray,
    alkaloid_mg: Mapping[str, FloatArray],
    t_out_h: FloatArray,
) -> tuple[dict[str, FloatArray], FloatArray]:
    """Fast path for populations: plasma concentrations (nM) only, shape (subjects, times, analytes).

    Sinks never feed back into the body, so only the body states are propagated and only the
    observed outputs are formed (less memory and work than :func:`simulate_states`).
    """
    p = as_subject_arrays(dict(params))
    body = [IDX[s] for s in BODY_STATES]
    a = rate_matrix(p)[:, body][:, :, body]
    c = output_matrix(p)[:, :, body]
    doses = dose_nmol(p, alkaloid_mg)
    doses = np.broadcast_to(doses, (a.shape[0], *doses.shape[1:]))
    inputs = tuple(body.index(IDX[state]) for state, _ in DOSE_INPUTS.values())
    conc = propagate(
        a, np.asarray(dose_times_h, float), doses, inputs, np.asarray(t_out_h, float), observe=c
    )
    return p, conc
