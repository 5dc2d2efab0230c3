"""The engine's main entry: :func:`simulate` a regimen of a product with given parameter values.

It takes values only: a :class:`~kratomsim.models.dosing.Regimen` and the
:class:`~kratomsim.evidence.params.ModelInputs` (product, parameters, content, and the cited values
they rest on) that the caller built from the evidence. Text, files and the evidence are read in the
layers above; the convenient :func:`kratomsim.simulate` is one of those. The model is the whole
specification's pharmacokinetics — mitragynine, 7-hydroxymitragynine and the CYP3A enzyme states
that mitragynine inactivates — run by the generated kernel.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from kratomsim.engine.grid import default_times, schedule
from kratomsim.engine.result import ANALYTES, Simulation
from kratomsim.engine.subjects import PK_OUTPUTS, product_dosing, simulate_subjects
from kratomsim.engine.summary import summarise
from kratomsim.evidence.params import ModelInputs
from kratomsim.models.dosing import Regimen

FloatArray = NDArray[np.float64]

__all__ = ["default_times", "schedule", "simulate"]


def simulate(
    regimen: Regimen,
    inputs: ModelInputs,
    /,
    *,
    duration_h: float | None = None,
    times_h: FloatArray | None = None,
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

    Examples
    --------
    >>> from kratomsim.evidence import cited_inputs, resolve_product
    >>> from kratomsim.models.dosing import DoseRecord, Regimen
    >>> tea = cited_inputs(resolve_product("tea"))
    >>> sim = simulate(Regimen((DoseRecord(0.0, 2.0),)), tea, duration_h=120.0)
    >>> 0.5 < sim.summary()["mitragynine"].tmax_h < 1.5
    True
    """
    t, events = schedule(regimen, duration_h=duration_h, times_h=times_h)
    doses_g = events.amounts_g
    dosing = product_dosing(inputs, events.times_h, doses_g, t)
    run = simulate_subjects(inputs.values, dosing, outputs=PK_OUTPUTS)
    nm = np.stack([run.get("mitragynine_nm"), run.get("oh7_nm")], axis=-1)
    nm[nm < 1e-12 * max(float(nm.max()), 1e-300)] = 0.0
    mw = np.array([inputs.values["mw_mg"], inputs.values["mw_7oh"]])
    ng = nm * mw / 1000.0
    enzymes = {k: run.get(k) for k in PK_OUTPUTS[2:]}
    repeat = next((r for r in regimen.records if r.addl is None or r.addl > 0), None)
    steady = _steady_state_average(repeat, inputs, mw) if repeat is not None else None
    summaries = tuple(
        summarise(t, ng[s], nm[s], events.times_h, steady, regimen) for s in range(ng.shape[0])
    )
    mg_nmol = doses_g * inputs.mg_per_g * 1e6 / mw[0]
    oh_nmol = doses_g * inputs.oh7_mg_per_g * 1e6 / mw[1]
    dosed = np.full(ng.shape[0], float(mg_nmol.sum() + oh_nmol.sum()))
    arrays = (t, ng, nm, dosed, events.times_h, doses_g, *enzymes.values())
    for arr in arrays:
        arr.flags.writeable = False
    return Simulation(
        time_h=t,
        conc_ng_ml=ng,
        conc_nm=nm,
        enzymes=enzymes,
        dosed_nmol=dosed,
        dose_times_h=events.times_h,
        dose_amounts_g=doses_g,
        regimen=regimen,
        product=inputs.product,
        mg_per_g=inputs.mg_per_g,
        oh7_mg_per_g=inputs.oh7_mg_per_g,
        values=dict(inputs.values),
        summaries=summaries,
        used=_used(inputs, run.reads),
    )


def _used(inputs: ModelInputs, reads: tuple[str, ...]) -> tuple:
    """The cited values behind the parameters these outputs read, plus content and user values."""
    read = set(reads)
    names = {c.name for n, c in inputs.cited.items() if n in read}
    return tuple(c for c in inputs.used if c.name in names or c.name not in inputs.cited_names)


#: Doses of a repeating record simulated to find its steady state (and never fewer days).
_STEADY_DOSES = 60
_STEADY_MIN_DAYS = 30.0


def _steady_state_average(repeat: object, inputs: ModelInputs, mw: FloatArray) -> FloatArray:
    """Average concentrations (ng/mL) over one dosing interval at steady state of the repeating
    record, from a long run of it alone (the model is not linear: the CYP3A states adapt, so
    superposition of one dose does not give the steady state)."""
    from kratomsim.models.dosing import DoseRecord

    rec = repeat if isinstance(repeat, DoseRecord) else None
    assert rec is not None
    tau = float(rec.ii_h)
    n = int(max(_STEADY_DOSES, np.ceil(_STEADY_MIN_DAYS * 24.0 / tau)))
    times = np.arange(n, dtype=np.float64) * tau
    t = np.linspace(times[-1], times[-1] + tau, 97)
    dosing = product_dosing(inputs, times, np.full(n, rec.amount_g), t)
    run = simulate_subjects(inputs.values, dosing, outputs=PK_OUTPUTS)
    conc = np.stack([run.get("mitragynine_nm")[0], run.get("oh7_nm")[0]], axis=-1) * mw / 1000.0
    return np.trapezoid(conc, t, axis=0) / tau


__all__ += ["ANALYTES"]
