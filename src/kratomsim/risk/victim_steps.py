"""The victim drug's march over a grid, compiled (:mod:`kratomsim.risk.ddi_dynamic`).

Each step of the one-compartment oral victim is exact. NumPy computes the elimination rate and the
exponentials of every step; this loop forms the rest of each step's factors and carries the gut and
central amounts from one step to the next, for every draw and dosing scenario at once, without the
temporary arrays. Its arithmetic is the NumPy expressions it replaces, term by term in the same
order (no fused multiply-add), so the numbers are the same to the last bit.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from kratomsim.engine.jit import njit

FloatArray = NDArray[np.float64]


@njit(cache=True, nogil=True, error_model="numpy")
def march(
    hep: FloatArray,
    k: FloatArray,
    ek: FloatArray,
    eka: FloatArray,
    em_k: FloatArray,
    em_ka: FloatArray,
    h: FloatArray,
    gut_step: FloatArray,
    fg: FloatArray,
    x: FloatArray,
    ka: FloatArray,
    doses: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:  # pragma: no cover - jit
    """Carry the victim through every step; return gut and central amounts, AUC, Cmax and ``r``.

    Per draw (rows) and step (columns): ``hep`` the relative hepatic clearance, ``k`` the elimination
    rate, ``ek = exp(-k·h)``, ``eka = exp(-ka·h)``, ``em_k = expm1(-k·h)``, ``em_ka =
    expm1(-ka·h)``, ``gut_step`` the relative gut-wall CYP3A clearance; ``h`` the step lengths;
    per draw ``fg``, ``x`` (baseline fu·CLint/Q) and ``ka``. ``doses``: shape (scenarios, nodes),
    the amount taken at each node (the last node's dose is added to the gut at the end). Results
    have shape (draws, scenarios), the AUC up to the last node; ``r`` (draws,) is the absorption
    rate into the centre in the last step.
    """
    d, steps = k.shape
    m = doses.shape[0]
    gut = np.zeros((d, m))
    cen = np.zeros((d, m))
    auc = np.zeros((d, m))
    cmax = np.zeros((d, m))
    r_end = np.zeros(d)
    for a in range(d):
        fga, xa, kaa = fg[a], x[a], ka[a]
        for i in range(steps):
            ki, hi = k[a, i], h[i]
            avail = fga / (fga + (1.0 - fga) * gut_step[a, i]) / (1.0 + hep[a, i] * xa)
            r = kaa * avail
            diff = ki - kaa
            near = abs(diff) < 1e-9 * kaa
            if near:
                g_to_c = r * hi * ek[a, i]
                auc_c = -em_k[a, i] / ki
                auc_g = r * (1.0 - ek[a, i] * (1.0 + ki * hi)) / (ki * ki)
            else:
                g_to_c = r * (eka[a, i] - ek[a, i]) / diff
                auc_c = -em_k[a, i] / ki
                auc_g = r / diff * (-em_ka[a, i] / kaa - auc_c)
            for b in range(m):
                g = gut[a, b] + doses[b, i]
                c = cen[a, b]
                auc[a, b] += c * auc_c + g * auc_g
                c = c * ek[a, i] + g * g_to_c
                cen[a, b] = c
                gut[a, b] = g * eka[a, i]
                if c > cmax[a, b] or c != c:  # as np.maximum: NaN wins
                    cmax[a, b] = c
            r_end[a] = r
        for b in range(m):
            gut[a, b] += doses[b, steps]
    return gut, cen, auc, cmax, r_end
