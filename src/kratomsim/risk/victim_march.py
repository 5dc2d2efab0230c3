"""The victim drug's march over a grid, as Numba compiles it (:mod:`.victim_steps` calls it).

Each step of the one-compartment oral victim is exact. NumPy computes the elimination rate and the
exponentials of every step; this loop forms the rest of each step's factors and carries the gut and
central amounts from one step to the next, for every draw and dosing scenario at once, without the
temporary arrays. Its arithmetic is the NumPy expressions it replaces, term by term in the same
order (no fused multiply-add), so the numbers are the same to the last bit.

``march_c`` is its entry point with a C interface (pointers and sizes, results written into arrays
the caller passes): :mod:`.victim_steps` stores its machine code once and calls it without
importing Numba (:mod:`kratomsim.engine.native`). Importing this module compiles it.
"""

from __future__ import annotations

import numpy as np
from numba import cfunc, njit
from numba.np.numpy_support import carray
from numpy.typing import NDArray

from kratomsim.engine.native import cfunc_signature

FloatArray = NDArray[np.float64]


@njit(nogil=True, error_model="numpy")
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
    gut: FloatArray,
    cen: FloatArray,
    auc: FloatArray,
    cmax: FloatArray,
    r_end: FloatArray,
) -> None:  # pragma: no cover - jit
    """Carry the victim through every step; write gut and central amounts, AUC, Cmax and ``r``
    into the last five arrays (zeros on entry). The arrays are those of
    :func:`kratomsim.risk.victim_steps.march`."""
    d, steps = k.shape
    m = doses.shape[0]
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


#: The entry point's arguments (float64 pointers ``F``, sizes ``N``), read by
#: :func:`kratomsim.engine.native.link` when it is stored.
PROTOTYPES = {"march_c": "F" * 12 + "NNN" + "F" * 5}


@cfunc(cfunc_signature(PROTOTYPES["march_c"]), error_model="numpy")
def march_c(
    hep, k, ek, eka, em_k, em_ka, h, gut_step, fg, x, ka, doses, d, steps, m,
    gut, cen, auc, cmax, r_end,
):  # fmt: skip  # pragma: no cover - jit
    march(
        carray(hep, (d, steps)), carray(k, (d, steps)), carray(ek, (d, steps)),
        carray(eka, (d, steps)), carray(em_k, (d, steps)), carray(em_ka, (d, steps)),
        carray(h, (steps,)), carray(gut_step, (d, steps)), carray(fg, (d,)), carray(x, (d,)),
        carray(ka, (d,)), carray(doses, (m, steps + 1)), carray(gut, (d, m)),
        carray(cen, (d, m)), carray(auc, (d, m)), carray(cmax, (d, m)), carray(r_end, (d,)),
    )  # fmt: skip
