"""The whole model for many subjects at once: PK with CYP3A enzyme states → effect sites →
receptors → adaptation → outputs, by the kernel generated from the specification.

One vectorised entry shared by exposure, outcomes, populations, sensitivity analysis and the
personal fit. Each subject is one set of parameter values (a parameter draw, a virtual person or a
posterior sample); every array has the subjects on its first axis. Values come in as plain numbers
keyed by the specification's parameter and input names, in the units the specification declares
(:func:`kratomsim.evidence.model_parameters.central_values` gives the cited ones):

>>> from kratomsim.evidence import cited_inputs, resolve_product
>>> from kratomsim.models.dosing import DoseRecord, Regimen
>>> tea = cited_inputs(resolve_product("tea"))
>>> dosing = dosing_for(Regimen((DoseRecord(0.0, 2.0, ii_h=8.0, addl=8),)), tea)
>>> out = simulate_subjects(tea.values, dosing)
>>> out.withdrawal_score.shape == (1, dosing.time_h.size)
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kratomsim.engine.compiled import (
    DEFAULT_RATE_STEP,
    DEFAULT_STEP_H,
    Kernel,
    compiled_kernel,
    run_kernel,
)
from kratomsim.engine.grid import schedule
from kratomsim.engine.output_names import SCALAR_OUTPUTS as SCALAR_OUTPUTS
from kratomsim.errors import ModelSpecError, RegimenError, bad_value
from kratomsim.evidence.params import ModelInputs
from kratomsim.models.dosing import Regimen
from kratomsim.spec import Spec, default_spec
from kratomsim.spec.units import base_factor

FloatArray = NDArray[np.float64]
#: Outputs of the exposure kernel: plasma concentrations and the CYP3A enzyme states.
PK_OUTPUTS = (
    "mitragynine_nm",
    "oh7_nm",
    "cyp3a_gut_activity",
    "cyp3a_liver_activity",
    "mg_unbound_gut_nm",
    "mg_unbound_liver_inlet_nm",
)
#: Outputs of a virtual population's chunks (what its summaries read).
POPULATION_OUTPUTS = (
    "mitragynine_nm",
    "oh7_nm",
    "mu_activation",
    "tolerance",
    "withdrawal_score",
    "ventilation_change_pct",
)
#: Short names kept for the two plasma concentrations.
ALIASES = {"mg_nm": "mitragynine_nm"}


def all_outputs(spec: Spec | None = None) -> tuple[str, ...]:
    """Every output of the specification, in its order."""
    return tuple(o.name for o in (spec or default_spec()).outputs)


@dataclass(frozen=True)
class Dosing:
    """Dose events and the output grid shared by a set of subjects.

    ``mg_doses_mg`` and ``oh7_doses_mg`` are alkaloid amounts per dose (mg), shape ``(1, doses)``
    for everyone alike or ``(subjects, doses)`` per subject (content variability).
    """

    absorption: str
    dose_times_h: FloatArray
    mg_doses_mg: FloatArray
    oh7_doses_mg: FloatArray
    time_h: FloatArray

    def with_content(self, mg_factor: FloatArray, oh7_factor: FloatArray | None = None) -> Dosing:
        """The same dosing with each subject's alkaloid content scaled (shape ``(subjects,)``)."""
        oh = mg_factor if oh7_factor is None else oh7_factor
        return Dosing(
            self.absorption,
            self.dose_times_h,
            self.mg_doses_mg * np.asarray(mg_factor, float)[:, None],
            self.oh7_doses_mg * np.asarray(oh, float)[:, None],
            self.time_h,
        )


@dataclass(frozen=True)
class SubjectOutputs:
    """Time courses of the requested outputs, each of shape ``(subjects, times)``.

    ``out.withdrawal_score`` or ``out.get("withdrawal_score")``; ``mg_nm`` is plasma mitragynine.
    """

    time_h: FloatArray
    names: tuple[str, ...]
    values: FloatArray
    #: the parameters and inputs these outputs depend on
    reads: tuple[str, ...] = ()

    def get(self, name: str) -> FloatArray:
        key = ALIASES.get(name, name)
        if key not in self.names:
            raise KeyError(f"{name!r} was not computed; outputs: {', '.join(self.names)}")
        return self.values[self.names.index(key)]

    def __getattr__(self, name: str) -> Any:
        if name in ("time_h", "names", "values", "reads") or name.startswith("__"):
            raise AttributeError(name)
        try:
            return self.get(name)
        except KeyError:
            raise AttributeError(name) from None

    def __contains__(self, name: str) -> bool:
        return ALIASES.get(name, name) in self.names


def dosing_for(
    regimen: Regimen,
    inputs: ModelInputs,
    /,
    *,
    duration_h: float | None = None,
    step_h: float | None = None,
) -> Dosing:
    """Dose events and output grid of a regimen, as :func:`kratomsim.engine.simulate.simulate`
    would use them for ``inputs`` (its product's absorption class and alkaloid content).

    ``step_h`` sets an even output grid (e.g. 1.0 for hourly output) over the same window;
    by default the grid of :func:`~kratomsim.engine.simulate.simulate` is used.
    """
    t, events = schedule(regimen, duration_h=duration_h)
    t = np.asarray(t, float)
    if step_h is not None:
        if not (np.isfinite(step_h) and step_h > 0):
            raise RegimenError(bad_value("Output step must be > 0 h", step_h, "Give e.g. 1 (h)."))
        t = np.arange(0.0, t[-1] + step_h / 2, step_h)
    return product_dosing(inputs, events.times_h, events.amounts_g, t)


def product_dosing(
    inputs: ModelInputs, dose_times_h: ArrayLike, amounts_g: ArrayLike, time_h: ArrayLike
) -> Dosing:
    """Doses of ``amounts_g`` grams of ``inputs``'s product at ``dose_times_h``, output at
    ``time_h``: its absorption class, and mg of each alkaloid from its content (mg per g)."""
    grams = np.atleast_2d(np.asarray(amounts_g, float))
    return Dosing(
        inputs.product.absorption,
        np.asarray(dose_times_h, float),
        grams * inputs.mg_per_g,
        grams * inputs.oh7_mg_per_g,
        np.asarray(time_h, float),
    )


def parameter_matrix(
    values: Mapping[str, ArrayLike], kernel: Kernel, spec: Spec
) -> tuple[FloatArray, int]:
    """Subjects × kernel parameters in base units, from values in declared units.

    Inputs the caller leaves out take the specification's defaults; a missing parameter is an
    error naming it.
    """
    units = {p.name: p.unit for p in spec.parameters} | {i.name: i.unit for i in spec.inputs}
    defaults = {i.name: i.default for i in spec.inputs}
    missing = [n for n in kernel.params if n not in values and n not in defaults]
    if missing:
        raise ModelSpecError(
            bad_value("Missing model parameters", ", ".join(missing), "Give a value for each.")
        )
    cols = {
        n: np.atleast_1d(np.asarray(values.get(n, defaults.get(n)), float)) for n in kernel.params
    }
    n = max(c.size for c in cols.values())
    bad = {k: c.shape for k, c in cols.items() if c.ndim != 1 or c.size not in (1, n)}
    if bad:
        name, shape = next(iter(bad.items()))
        raise ModelSpecError(
            bad_value(f"Parameter {name} must be a scalar or length-{n} array", shape,
                      "Give one value per subject.")
        )  # fmt: skip
    pm = np.empty((n, len(kernel.params)))
    with np.errstate(over="ignore"):  # an overflow is refused below, by name
        for j, name in enumerate(kernel.params):
            np.multiply(cols[name], base_factor(units[name]), out=pm[:, j])
    if not np.isfinite(pm).all():  # one pass over the matrix, not one per column
        name = kernel.params[int(np.flatnonzero(~np.isfinite(pm).all(axis=0))[0])]
        raise ModelSpecError(bad_value(f"Parameter {name} must be finite", cols[name], "Check it."))
    return pm, n


def simulate_subjects(
    values: Mapping[str, ArrayLike],
    dosing: Dosing,
    *,
    outputs: Sequence[str] | None = None,
    switches: Mapping[str, float] | None = None,
    ecs_hypothesis: bool = False,
    spec: Spec | None = None,
    max_step_h: float = DEFAULT_STEP_H,
    rate_step: float = DEFAULT_RATE_STEP,
    out: FloatArray | None = None,
    threads: int | None = None,
) -> SubjectOutputs:
    """Run the model for every subject in ``values`` (declared units; scalars or ``(subjects,)``).

    The generated kernel (:mod:`kratomsim.engine.codegen`) solves PK and effect sites exactly and
    the collocated states (CYP3A inactivation, tolerance, counter-adaptation) by Gauss–Legendre
    collocation on sub-steps of at most ``max_step_h`` and ``rate_step/λ`` (λ the subject's fastest
    rate); ≤ 1e-6 relative error against the SciPy reference at the defaults. The output grid only
    sets where results are reported, not their accuracy. ``outputs`` defaults to all of the
    specification's outputs; ``ecs_hypothesis`` (or ``switches``) switches the endocannabinoid
    HYPOTHESIS on. ``out``: an array of shape ``(len(outputs), subjects, times)`` to write into
    (reused across chunks by the population engine); the outputs are views of it.
    """
    spec = spec or default_spec()
    names = tuple(outputs) if outputs is not None else all_outputs(spec)
    sw = dict(switches or {})
    if ecs_hypothesis:
        sw["ecs_hypothesis"] = 1.0
    kernel = compiled_kernel(spec, names, switches=sw)
    pm, _ = parameter_matrix(values, kernel, spec)
    mw = {d.name: d.molar_mass for d in spec.doses}
    mg = np.atleast_2d(np.asarray(dosing.mg_doses_mg, float))
    oh = np.atleast_2d(np.asarray(dosing.oh7_doses_mg, float))
    col = {name: pm[:, kernel.params.index(mw[name])] for name in mw}
    shared = mg.shape[0] == 1 and oh.shape[0] == 1 and all(np.ptp(c) == 0 for c in col.values())
    rows = slice(0, 1) if shared else slice(None)
    per = {"mitragynine": mg, "7-hydroxymitragynine": oh}
    doses = np.stack(
        np.broadcast_arrays(
            *(per[d.name] * 1e6 / col[d.name][rows, None] for d in spec.doses if d.name in per)
        ),
        axis=-1,
    )
    res = run_kernel(
        kernel,
        pm,
        dosing.dose_times_h,
        np.ascontiguousarray(doses),
        dosing.time_h,
        max_step_h=max_step_h,
        rate_step=rate_step,
        out=out,
        threads=threads,
    )
    return SubjectOutputs(np.asarray(dosing.time_h, float), kernel.outputs, res, kernel.reads)


def subject_summaries(out: SubjectOutputs) -> dict[str, FloatArray]:
    """Per-subject scalars (see :data:`SCALAR_OUTPUTS`): peaks, nadirs and trapezoidal AUCs."""
    t = out.time_h
    n = out.values.shape[1]

    def peak(name: str) -> FloatArray:
        return out.get(name).max(axis=1) if name in out else np.full(n, np.nan)

    def nadir(name: str) -> FloatArray:
        return out.get(name).min(axis=1) if name in out else np.full(n, np.nan)

    sums = {
        "cmax_mg_nm": out.mg_nm.max(axis=1),
        "auc_mg_nm_h": np.trapezoid(out.mg_nm, t, axis=1),
        "cmax_7oh_nm": out.oh7_nm.max(axis=1),
        "auc_7oh_nm_h": np.trapezoid(out.oh7_nm, t, axis=1),
        "mu_activation_peak": peak("mu_activation"),
        "tolerance_peak": peak("tolerance"),
        "withdrawal_peak": peak("withdrawal_score"),
        "ventilation_nadir_pct": nadir("ventilation_change_pct"),
    }
    return {k: np.asarray(v, dtype=np.float64) for k, v in sums.items()}
