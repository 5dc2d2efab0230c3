"""The victim drug's march over a grid (:mod:`kratomsim.risk.ddi_dynamic`), run as stored code.

The march itself is :func:`kratomsim.risk.victim_march.march`, compiled by Numba. The first process
on a machine that needs it imports that module (which compiles it) and stores the machine code in
the cache (:func:`kratomsim.cache.cache_root`, under ``native``), keyed on the module's source;
later processes link the stored code and call it without importing Numba
(:mod:`kratomsim.engine.native`), so an interaction check starts as fast as a simulation.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType

import numpy as np
from numpy.typing import NDArray

from kratomsim.engine import native
from kratomsim.engine.native import ptr

FloatArray = NDArray[np.float64]
_ENTRIES = ("march_c",)


@cache
def _march_c() -> Callable[..., None]:
    source = Path(__file__).with_name("victim_march.py")
    return native.module_entry_points(source, _ENTRIES, _victim_march)["march_c"]


def _victim_march() -> ModuleType:
    from kratomsim.risk import victim_march

    return victim_march


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
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Carry the victim through every step; return gut and central amounts, AUC, Cmax and ``r``.

    Per draw (rows) and step (columns): ``hep`` the relative hepatic clearance, ``k`` the elimination
    rate, ``ek = exp(-k·h)``, ``eka = exp(-ka·h)``, ``em_k = expm1(-k·h)``, ``em_ka =
    expm1(-ka·h)``, ``gut_step`` the relative gut-wall CYP3A clearance; ``h`` the step lengths;
    per draw ``fg``, ``x`` (baseline fu·CLint/Q) and ``ka``. ``doses``: shape (scenarios, nodes),
    the amount taken at each node (the last node's dose is added to the gut at the end). Results
    have shape (draws, scenarios), the AUC up to the last node; ``r`` (draws,) is the absorption
    rate into the centre in the last step. Every array must be C-contiguous float64.
    """
    d, steps = k.shape
    m = doses.shape[0]
    grids = (hep, k, ek, eka, em_k, em_ka, gut_step)
    if any(a.shape != (d, steps) for a in grids) or h.shape != (steps,):
        raise ValueError(f"the step arrays must all have shape {(d, steps)} and h {(steps,)}")
    if any(a.shape != (d,) for a in (fg, x, ka)) or doses.shape != (m, steps + 1):
        raise ValueError(f"fg, x, ka must have shape {(d,)} and doses {(m, steps + 1)}")
    gut, cen, auc, cmax = (np.zeros((d, m)) for _ in range(4))
    r_end = np.zeros(d)
    inputs = (*grids[:6], h, gut_step, fg, x, ka, doses)
    _march_c()(
        *(ptr(a) for a in inputs), d, steps, m, *(ptr(a) for a in (gut, cen, auc, cmax, r_end))
    )
    return gut, cen, auc, cmax, r_end
