"""The engine's main entry: :func:`simulate` a regimen of a product with given parameter values.

It takes values only: a :class:`~kratomsim.models.dosing.Regimen` and the
:class:`~kratomsim.evidence.params.ModelInputs` (product, parameters, content, and the cited values
they rest on) that the caller built from the evidence. Text, files and the evidence are read in the
layers above; the convenient :func:`kratomsim.simulate` is one of those.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from kratomsim.engine.core import (
    Solver,
    auc_inf_per_nmol,
    concentrations_nm,
    simulate_states,
    to_ng_per_ml,
)
from kratomsim.engine.exact import propagate
from kratomsim.engine.result import Simulation
from kratomsim.engine.summary import summarise
from kratomsim.errors import RegimenError, bad_value
from kratomsim.evidence.params import ModelInputs
from kratomsim.models.dosing import DoseEvents, Regimen

FloatArray = NDArray[np.float64]
#: Observation continues at least this long after the last dose (h) …
MIN_WASHOUT_H = 168.0
#: … and at least this many terminal half-lives of mitragynine.
WASHOUT_HALF_LIVES = 5.0
MAX_DURATION_H = 10 * 365 * 24.0


def terminal_half_life_h(params: Mapping[str, float]) -> float:
    """Slowest disposition half-life of mitragynine (h) from the two-compartment constants."""
    k10, k12, k21 = (
        params["cl"] / params["v1"],
        params["q"] / params["v1"],
        params["q"] / params["v2"],
    )
    s = k10 + k12 + k21
    beta = (s - np.sqrt(s * s - 4 * k10 * k21)) / 2
    return float(np.log(2) / beta)


def default_times(regimen: Regimen, duration_h: float | None, t_half_h: float) -> FloatArray:
    """Observation grid: to ``duration_h``, or until the last dose has largely washed out."""
    if duration_h is None:
        last = regimen.expand(None).last_time_h if not regimen.open_ended else 28 * 24.0
        duration_h = last + max(MIN_WASHOUT_H, WASHOUT_HALF_LIVES * t_half_h)
    if not (0 < duration_h <= MAX_DURATION_H):
        raise RegimenError(
            bad_value(
                "duration_h (the observation window) must be between 0 and 10 years",
                f"{duration_h:g} h",
                "Give e.g. duration_h=240 (10 days).",
            )
        )
    step = (
        0.05
        if duration_h <= 240
        else (0.1 if duration_h <= 1500 else 0.5 if duration_h <= 8760 else 1.0)
    )
    n = int(np.ceil(duration_h / step - 1e-9))
    return np.linspace(0.0, n * step, n + 1)


def schedule(
    regimen: Regimen,
    inputs: ModelInputs,
    *,
    duration_h: float | None = None,
    times_h: FloatArray | None = None,
) -> tuple[FloatArray, DoseEvents]:
    """Output times (h) and the dose events inside them (grams of product).

    ``times_h`` (explicit output times) overrides ``duration_h``; without either the grid runs
    until the last dose has largely washed out. Doses after the observation window never happen
    within it: they are left out.
    """
    if times_h is not None:
        t = np.asarray(times_h, dtype=np.float64)
        if t.ndim != 1 or t.size == 0 or np.any(t < 0) or not np.all(np.isfinite(t)):
            raise RegimenError(
                bad_value(
                    "Output times must be finite hours ≥ 0", "times_h", "Pass a 1-D array of times."
                )
            )
        t = np.sort(t)
    else:
        t = default_times(regimen, duration_h, terminal_half_life_h(inputs.params))
    expanded = regimen.expand(float(t[-1]) if regimen.open_ended else None)
    inside = expanded.times_h <= t[-1]
    events = DoseEvents(expanded.times_h[inside], expanded.amounts_g[inside])
    if len(events) == 0:
        raise RegimenError(
            bad_value(
                "No dose falls inside the observation window",
                f"{t[-1]:g} h",
                "Lengthen duration_h.",
            )
        )
    return t, events


def simulate(
    regimen: Regimen,
    inputs: ModelInputs,
    /,
    *,
    duration_h: float | None = None,
    times_h: FloatArray | None = None,
    solver: Solver = propagate,
) -> Simulation:
    """Simulate plasma mitragynine and 7-hydroxymitragynine for a regimen of a product.

    Main arguments
    --------------
    regimen
        The dose records (amounts in grams or mg of *product*).
    inputs
        Product, model parameters and content (mg per g) with the cited values behind them, from
        :func:`kratomsim.evidence.params.model_inputs` or :func:`~.cited_inputs`.

    Other arguments
    ---------------
    duration_h
        Observation window (h). Default: until the last dose has largely washed out, at least a
        week after it.
    times_h
        Explicit output times (h); overrides ``duration_h``.
    solver
        Propagation of the linear system (:func:`kratomsim.engine.exact.propagate`, exact); any
        function with its contract, such as an independent ODE cross-check.

    Examples
    --------
    >>> from kratomsim.evidence import cited_inputs, resolve_product
    >>> from kratomsim.models.dosing import DoseRecord, Regimen
    >>> tea = cited_inputs(resolve_product("tea"))
    >>> sim = simulate(Regimen((DoseRecord(0.0, 2.0),)), tea, duration_h=120.0)
    >>> round(sim.summary()["mitragynine"].tmax_h, 1)
    0.8
    """
    t, events = schedule(regimen, inputs, duration_h=duration_h, times_h=times_h)
    doses_g = events.amounts_g
    alkaloid_mg = {
        "mitragynine": doses_g * inputs.mg_per_g,
        "7-hydroxymitragynine": doses_g * inputs.oh7_mg_per_g,
    }
    p, states = simulate_states(inputs.params, events.times_h, alkaloid_mg, t, solver=solver)
    # Modal propagation leaves round-off of order 1e-16 × amount; concentrations cannot be negative.
    nm = concentrations_nm(p, states)
    nm[nm < 1e-12 * max(float(nm.max()), 1e-300)] = 0.0
    ng = to_ng_per_ml(p, nm)
    per_nmol = auc_inf_per_nmol(p)
    mw = np.array([p["mw_mg"][0], p["mw_7oh"][0]])
    per_g_nmol = np.array([inputs.mg_per_g, inputs.oh7_mg_per_g]) * 1e6 / mw
    ng_factor = np.array([p["mw_mg"][0], p["mw_7oh"][0]]) / 1000.0
    auc_inf = (per_nmol[0] @ (per_g_nmol * doses_g.sum())) * ng_factor
    repeat = next((r for r in regimen.records if r.addl is None or r.addl > 0), None)
    auc_one = (per_nmol[0] @ (per_g_nmol * repeat.amount_g)) * ng_factor if repeat else None
    summaries = tuple(
        summarise(t, ng[s], nm[s], events.times_h, auc_inf, auc_one, regimen)
        for s in range(ng.shape[0])
    )
    dosed = np.full(ng.shape[0], float((per_g_nmol * doses_g.sum()).sum()))
    arrays = (t, ng, nm, states, dosed, events.times_h, doses_g)
    for arr in arrays:
        arr.flags.writeable = False
    return Simulation(
        time_h=t,
        conc_ng_ml=ng,
        conc_nm=nm,
        amounts_nmol=states,
        dosed_nmol=dosed,
        dose_times_h=events.times_h,
        dose_amounts_g=doses_g,
        regimen=regimen,
        product=inputs.product,
        mg_per_g=inputs.mg_per_g,
        oh7_mg_per_g=inputs.oh7_mg_per_g,
        params=p,
        summaries=summaries,
        used=inputs.used,
        method="exact" if solver is propagate else getattr(solver, "__name__", "custom"),
    )
