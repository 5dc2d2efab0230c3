"""Independent reference for the fused kernel: the full-model ODE for one subject in SciPy.

The same system as :mod:`kratomsim.engine.kernel` (its docstring derives it), written as a plain
right-hand side — 7 linear states (PK body states from :func:`kratomsim.models.pk.rate_matrix`, two
effect sites) plus tolerance ``T`` and counter-adaptation ``H`` — and integrated by
:func:`scipy.integrate.solve_ivp`, restarted at each dose time (doses are instant additions to the
gut depots). The outputs are then formed with the documented NumPy model functions
(:func:`~kratomsim.models.receptors.receptor_state`, :func:`~kratomsim.models.adaptation.
withdrawal_score`, :func:`~kratomsim.models.respiratory.respiratory_index_from_activation`), so
nothing is shared with the kernel but the parameter values. Used by the tests (DOP853 with
rtol = atol = 1e-13 as the tight reference) and by the benchmark (the per-subject SciPy loop).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.integrate import solve_ivp

from kratomsim.evidence.params import derive_pk
from kratomsim.models.adaptation import PARAMETER_NAMES, withdrawal_score
from kratomsim.models.pk import BODY_STATES, IDX, as_subject_arrays, output_matrix, rate_matrix
from kratomsim.models.receptors import (
    MG,
    OH,
    RECEPTOR_PARAMETERS,
    receptor_params_from_values,
    receptor_state,
)
from kratomsim.models.respiratory import respiratory_index_from_activation
from kratomsim.models.respiratory import respiratory_params_from_values as resp_params

FloatArray = NDArray[np.float64]

DRIVE_CEILING = 0.999
_BODY = [IDX[s] for s in BODY_STATES]


def _system(values: Mapping[str, float], absorption: str) -> dict[str, Any]:
    pk = as_subject_arrays({k: np.float64(v) for k, v in derive_pk(values, absorption).items()})
    a = rate_matrix(pk)[0][np.ix_(_BODY, _BODY)]
    c = output_matrix(pk)[0][:, _BODY]
    return {"a": a, "c": c, "pk": pk}


def full_model_ode(
    values: Mapping[str, float],
    absorption: str,
    dose_times_h: FloatArray,
    mg_doses_mg: FloatArray,
    oh7_doses_mg: FloatArray,
    t_out_h: FloatArray,
    *,
    method: str = "DOP853",
    rtol: float = 1e-13,
    atol: float = 1e-13,
    ecs_hypothesis: bool = False,
) -> dict[str, FloatArray]:
    """Solve the full model for one subject (``values``: evidence names → floats).

    Returns the time courses at ``t_out_h`` keyed like :class:`~.subjects.SubjectOutputs`.
    """
    v = {k: float(np.asarray(x).reshape(-1)[0]) for k, x in values.items()}
    sysm = _system(v, absorption)
    a, c, pk = sysm["a"], sysm["c"], sysm["pk"]
    ke0 = np.array([v["ke0_mg"], v["ke0_7oh"]])
    fu = np.array([v["fu_mg"], v["fu_7oh"]])
    reserve = v["mor_reserve_factor"]
    tau = np.array([v["tau_mor_mg"], v["tau_mor_7oh"]]) * reserve
    ki = np.array([v["ki_mor_mg"], v["ki_mor_7oh"]])
    kon, koff, tmax, kh = (v[PARAMETER_NAMES[k]] for k in ("k_on", "k_off", "t_max", "k_h"))

    def drive(ce: FloatArray) -> float:
        free = fu * np.maximum(ce, 0.0)
        x = free / ki
        stim = float(tau @ x)
        d = stim / (1.0 + x.sum() + stim)
        xa = free[0] / v["ki_a2a_mg"]
        d += v["w_alpha2"] * xa / (1.0 + xa)
        if ecs_hypothesis:
            xc = free[1] / v["ki_cb1_7oh_hyp"]
            t = v["tau_cb1_7oh_hyp"]
            d += v["w_ecs_hyp"] * t * xc / (1.0 + xc + t * xc)
        return min(max(d, 0.0), DRIVE_CEILING)

    def rhs(_t: float, y: FloatArray) -> FloatArray:
        x, ce, tol, h = y[:5], y[5:7], y[7], y[8]
        e = drive(ce)
        dy = np.empty(9)
        dy[:5] = a @ x
        dy[5:7] = ke0 * (c @ x - ce)
        dy[7] = kon * e * (tmax - tol) - koff * tol
        dy[8] = kh * (e * (1.0 - tol) - h)
        return dy

    t_out = np.asarray(t_out_h, dtype=np.float64)
    mw = (pk["mw_mg"][0], pk["mw_7oh"][0])
    doses = np.asarray(dose_times_h, dtype=np.float64)
    nmol = np.stack(
        [
            np.broadcast_to(np.asarray(mg_doses_mg, float).ravel(), doses.shape) * 1e6 / mw[0],
            np.broadcast_to(np.asarray(oh7_doses_mg, float).ravel(), doses.shape) * 1e6 / mw[1],
        ],
        axis=1,
    )
    # One solve per interval between consecutive dose or output times: every output is a step
    # end (no dense-output interpolation, whose error would dominate at these tolerances).
    nodes = np.unique(np.concatenate([[0.0], doses[doses <= t_out.max()], t_out]))
    y = np.zeros(9)
    states = np.zeros((t_out.size, 9))
    kw: dict[str, Any] = {}
    if method in ("LSODA", "BDF", "Radau"):  # the linear block is the Jacobian's main part

        def jac(_t: float, _y: FloatArray) -> FloatArray:
            j = np.zeros((9, 9))
            j[:5, :5] = a
            j[5:7, :5] = ke0[:, None] * c
            j[5:7, 5:7] = -np.diag(ke0)
            return j

        kw["jac"] = jac
    for k, t0 in enumerate(nodes):
        if k > 0:
            sol = solve_ivp(rhs, (nodes[k - 1], t0), y, method=method, rtol=rtol, atol=atol, **kw)
            if not sol.success:
                raise RuntimeError(f"{method} failed: {sol.message}")
            y = sol.y[:, -1].copy()
        at = doses == t0
        y[0] += nmol[at, 0].sum()
        y[1] += nmol[at, 1].sum()
        states[t_out == t0] = y
    return _outputs(v, states, c, ecs_hypothesis)


def _outputs(
    v: Mapping[str, float], states: FloatArray, c: FloatArray, ecs: bool
) -> dict[str, FloatArray]:
    """Outputs from the states, by the documented NumPy model functions."""
    rec_values = {n: v[n] for n in RECEPTOR_PARAMETERS}
    for name in ("tau_mor_mg", "tau_mor_7oh"):
        rec_values[name] = v[name] * v["mor_reserve_factor"]
    rec = receptor_params_from_values(rec_values)
    ce = np.maximum(states[:, 5:7], 0.0)
    st = receptor_state(
        {MG: ce[:, 0] * v["fu_mg"], OH: ce[:, 1] * v["fu_7oh"]}, rec, ecs_hypothesis=ecs
    )
    drive = np.clip(st.analgesic_drive, 0.0, DRIVE_CEILING)
    tol, h = states[:, 7], states[:, 8]
    eff = drive * (1.0 - tol)
    wd = np.maximum(h - eff - v["wd_threshold"], 0.0)
    conc = np.maximum(states[:, :5] @ c.T, 0.0)
    resp = respiratory_index_from_activation(
        st.mu_activation, resp_params({k: v[k] for k in v if k.startswith("resp_")})
    )
    return {
        "mg_nm": conc[:, 0],
        "oh7_nm": conc[:, 1],
        "mu_occupancy": np.asarray(st.mu_occupancy),
        "mu_activation": np.asarray(st.mu_activation),
        "analgesic_drive": drive,
        "tolerance": tol,
        "effective_activation": eff,
        "withdrawal_score": withdrawal_score(wd, v["wd_gain"], v["wd_steepness"]),
        "respiratory_index": resp,
        "ecs_activation": np.asarray(st.ecs_activation),
    }
