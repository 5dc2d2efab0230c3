"""Independent cross-check: integrate dx/dt = A x with SciPy, one subject at a time, restarting at doses."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.integrate import solve_ivp

FloatArray = NDArray[np.float64]


def integrate(
    a: FloatArray,
    dose_times_h: FloatArray,
    dose_nmol: FloatArray,
    dose_states: tuple[int, ...],
    t_out_h: FloatArray,
    *,
    method: str = "LSODA",
    rtol: float = 1e-10,
    atol: float = 1e-12,
) -> FloatArray:
    """Same contract as :func:`kratomsim.engine.exact.propagate`, by numerical integration.

    Each segment between dose times is integrated from the state just after the dose; a dose at an
    output time is included in that output, as in the exact path.
    """
    n_sub, n_state, _ = a.shape
    t_out = np.asarray(t_out_h, dtype=np.float64)
    out = np.zeros((n_sub, t_out.size, n_state))
    starts = np.unique(np.concatenate([[0.0], dose_times_h]))
    t_end = max(float(t_out.max(initial=0.0)), float(starts[-1]))
    stops = np.append(starts[1:], t_end)
    inputs = np.asarray(dose_states)
    for s in range(n_sub):
        a_s = a[s]
        x = np.zeros(n_state)
        for t0, t1 in zip(starts, stops, strict=True):
            at = dose_times_h == t0
            if at.any():
                x[inputs] += dose_nmol[s, at].sum(axis=0)
            last = t1 == t_end and t0 == starts[-1]
            sel = (t_out >= t0) & ((t_out <= t1) if last else (t_out < t1))
            out[s, sel & (t_out == t0)] = x
            if t1 <= t0:
                continue
            inner = np.unique(np.append(t_out[sel & (t_out > t0)], t1))
            sol = solve_ivp(
                lambda _t, y, m=a_s: m @ y,
                (t0, t1),
                x,
                method=method,
                t_eval=inner,
                jac=lambda _t, _y, m=a_s: m,
                rtol=rtol,
                atol=atol,
            )
            cols = np.searchsorted(inner, t_out[sel & (t_out > t0)])
            out[s, sel & (t_out > t0)] = sol.y.T[cols]
            x = sol.y[:, -1].copy()
    return out
