"""Independent reference: the specification's ODEs for one subject, integrated by SciPy.

The right-hand side and the outputs are SymPy expressions of the specification turned into NumPy
functions (:func:`sympy.lambdify`), integrated by :func:`scipy.integrate.solve_ivp` and restarted at
each dose and output time (doses are instant additions to their states). Nothing is shared with the
generated kernels but the specification, so the two check each other: the tests run DOP853 with
``rtol = atol = 1e-13`` as the tight reference, the benchmark LSODA as the "per-subject SciPy loop"
a user would otherwise write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kratomsim.spec import Spec

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ReferenceModel:
    """NumPy callables of one specification (all non-sink states, every output)."""

    states: tuple[str, ...]
    params: tuple[str, ...]
    outputs: tuple[str, ...]
    rhs: Any
    jac: Any
    out: Any
    #: per dose of the specification, the index of its state (−1: pruned, the dose is ignored)
    dose_states: tuple[int, ...]


@cache
def reference_model(
    spec: Spec, sinks: bool = False, outputs: tuple[str, ...] | None = None
) -> ReferenceModel:
    """Build (once per specification) the right-hand side, its Jacobian and the outputs.

    ``sinks`` keeps the sink states (what leaves the body), for mass-balance checks; ``outputs``
    keeps only these outputs and the states they depend on (default: all of them).
    """
    import sympy as sp

    from kratomsim.spec.structure import needed_states
    from kratomsim.spec.symbolic import build

    sym = build(spec)
    keep = None if outputs is None else needed_states(sym, outputs)
    states = tuple(
        s.name
        for s in spec.states
        if (sinks or s.solver != "sink") and (keep is None or s.name in keep)
    )
    params = spec.numeric_names
    consts = {sym.symbols[c.name]: c.value for c in spec.constants}
    y = [sym.symbols[s] for s in states]
    p = [sym.symbols[n] for n in params]
    rhs = [sym.rhs[s].xreplace(consts) for s in states]
    jac = sp.Matrix(rhs).jacobian(y)
    outputs = tuple(o.name for o in spec.outputs) if outputs is None else tuple(outputs)
    outs = [sym.output_exprs[o].xreplace(consts) for o in outputs]
    modules = [{"Max": np.maximum, "Min": np.minimum}, "numpy"]
    return ReferenceModel(
        states=states,
        params=params,
        outputs=outputs,
        rhs=sp.lambdify([y, p], rhs, modules=modules, cse=True),
        jac=sp.lambdify([y, p], jac, modules=modules, cse=True),
        out=sp.lambdify([y, p], outs, modules=modules, cse=True),
        dose_states=tuple(states.index(d.state) if d.state in states else -1 for d in spec.doses),
    )


def simulate_reference(
    spec: Spec,
    params: Mapping[str, float],
    dose_times_h: Iterable[float],
    doses_nmol: FloatArray,
    t_out_h: Iterable[float],
    *,
    method: str = "DOP853",
    rtol: float = 1e-13,
    atol: float = 1e-13,
    outputs: Iterable[str] | None = None,
    states: bool = False,
    prune: bool = False,
) -> dict[str, FloatArray]:
    """Solve the model for one subject; return each output at ``t_out_h``.

    ``params``: every parameter and input of the spec in base units (nmol, L, h, ng);
    ``doses_nmol`` (doses, len(spec.doses)): amounts added to the dose states at each dose time.
    With ``states`` the result holds every state (sinks included, base units) instead. With
    ``prune`` (and ``outputs`` given) only the states those outputs depend on are integrated.
    """
    from scipy.integrate import solve_ivp

    wanted = tuple(outputs) if outputs is not None else None
    m = reference_model(spec, sinks=states, outputs=wanted if prune and not states else None)
    p = np.array([float(params[n]) for n in m.params])
    t_out = np.asarray(list(t_out_h), dtype=np.float64)
    doses = np.asarray(list(dose_times_h), dtype=np.float64)
    amounts = np.asarray(doses_nmol, dtype=np.float64).reshape(doses.size, len(spec.doses))
    nodes = np.unique(np.concatenate([[0.0], doses[doses <= t_out.max()], t_out]))
    y = np.zeros(len(m.states))
    saved = np.zeros((t_out.size, y.size))

    def f(_t: float, yy: FloatArray) -> FloatArray:
        return np.asarray(m.rhs(yy, p), dtype=np.float64)

    kw: dict[str, Any] = {}
    if method in ("LSODA", "BDF", "Radau"):
        kw["jac"] = lambda _t, yy: np.asarray(m.jac(yy, p), dtype=np.float64)
    for k, t0 in enumerate(nodes):
        if k > 0:
            sol = solve_ivp(f, (nodes[k - 1], t0), y, method=method, rtol=rtol, atol=atol, **kw)
            if not sol.success:
                raise RuntimeError(f"{method} failed: {sol.message}")
            y = sol.y[:, -1].copy()
        at = doses == t0
        for j, s in enumerate(m.dose_states):
            if s >= 0:
                y[s] += amounts[at, j].sum()
        saved[t_out == t0] = y
    if states:
        return {name: saved[:, k] for k, name in enumerate(m.states)}
    values = np.array([np.asarray(m.out(row, p), dtype=np.float64) for row in saved])
    names = wanted if wanted is not None else m.outputs
    from kratomsim.spec.units import base_factor

    return {
        name: values[:, m.outputs.index(name)] / base_factor(spec.output(name).unit)
        for name in names
    }
