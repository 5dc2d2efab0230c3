"""The full model for many subjects at once: PK → effect site → receptors → adaptation.

One vectorised pipeline shared by the outcome simulation, populations, sensitivity analysis and
the personal fit. Each subject is one set of parameter values (a parameter draw, a virtual person
or a posterior sample); every array has the subjects on its first axis.

Parameter values come in as plain arrays (see :mod:`kratomsim.evidence.model_parameters` for
the cited ones):

>>> from kratomsim.evidence import cited_inputs, resolve_product
>>> from kratomsim.evidence.model_parameters import central_values
>>> from kratomsim.models.dosing import DoseRecord, Regimen
>>> regimen = Regimen((DoseRecord(0.0, 2.0, ii_h=8.0, addl=8),))
>>> dosing = dosing_for(regimen, cited_inputs(resolve_product("tea")))
>>> values = {k: np.full(2, v) for k, v in central_values(dosing.absorption).items()}
>>> out = simulate_subjects(values, dosing)
>>> out.withdrawal_score.shape == (2, dosing.time_h.size)
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kratomsim.engine.kernel import OUTPUT_ROWS
from kratomsim.engine.kernel_inputs import (
    DEFAULT_RATE_STEP,
    DEFAULT_STEP_H,
    augmented_matrix,
    dose_nmol,
    observed_scale,
    pd_matrix,
    run_full_model,
)
from kratomsim.engine.simulate import schedule
from kratomsim.errors import ModelSpecError, RegimenError, bad_value
from kratomsim.evidence.params import ModelInputs, derive_pk
from kratomsim.models.adaptation import PARAMETER_NAMES, AdaptationParams
from kratomsim.models.dosing import Regimen
from kratomsim.models.pk import as_subject_arrays
from kratomsim.models.receptors import RECEPTOR_PARAMETERS, receptor_params_from_values
from kratomsim.models.respiratory import RESPIRATORY_PARAMETERS, respiratory_params_from_values

FloatArray = NDArray[np.float64]
#: Per-subject scalar outputs of :func:`subject_summaries`.
SCALAR_OUTPUTS = (
    "cmax_mg_nm",
    "auc_mg_nm_h",
    "cmax_7oh_nm",
    "auc_7oh_nm_h",
    "mu_activation_peak",
    "tolerance_peak",
    "withdrawal_peak",
    "respiratory_peak",
)


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
    """Time courses, shape ``(subjects, times)``."""

    time_h: FloatArray
    mg_nm: FloatArray
    oh7_nm: FloatArray
    mu_occupancy: FloatArray
    mu_activation: FloatArray
    analgesic_drive: FloatArray
    tolerance: FloatArray
    effective_activation: FloatArray
    withdrawal_score: FloatArray
    respiratory_index: FloatArray | None
    ecs_activation: FloatArray | None = None


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
    t, events = schedule(regimen, inputs, duration_h=duration_h)
    t = np.asarray(t, float)
    if step_h is not None:
        if not (np.isfinite(step_h) and step_h > 0):
            raise RegimenError(bad_value("Output step must be > 0 h", step_h, "Give e.g. 1 (h)."))
        t = np.arange(0.0, t[-1] + step_h / 2, step_h)
    amounts = events.amounts_g
    return Dosing(
        inputs.product.absorption,
        np.asarray(events.times_h, float),
        np.atleast_2d(amounts * inputs.mg_per_g).astype(float),
        np.atleast_2d(amounts * inputs.oh7_mg_per_g).astype(float),
        t,
    )


def simulate_subjects(
    values: Mapping[str, FloatArray],
    dosing: Dosing,
    *,
    ecs_hypothesis: bool = False,
    respiratory: bool = True,
    max_step_h: float = DEFAULT_STEP_H,
    rate_step: float = DEFAULT_RATE_STEP,
    out: FloatArray | None = None,
) -> SubjectOutputs:
    """Run the full model for every subject in ``values`` (each array shape ``(subjects,)``).

    The fused kernel (:mod:`kratomsim.engine.kernel`) solves the model's ODEs: PK and effect sites
    exactly, tolerance and counter-adaptation by Gauss–Legendre collocation on sub-steps of at
    most ``max_step_h`` and ``rate_step/λ`` (λ the subject's fastest rate; steps end at doses and
    outputs); ≤ 1e-6 relative error against a tight ODE reference at the defaults. The output grid
    only sets where results are reported, not their accuracy. ``out``: an array of shape
    ``(len(OUTPUT_ROWS), subjects, times)`` to write into (reused across chunks by the population
    engine); the outputs are views of it.
    """
    v = _subject_values(values)
    n = next(iter(v.values())).size
    pk = as_subject_arrays(derive_pk(v, dosing.absorption))
    rec_values = {k: v[k] for k in RECEPTOR_PARAMETERS}
    receptor_params_from_values(rec_values)  # validates; the kernel reads the arrays
    AdaptationParams.from_mapping({k: v[k] for k in PARAMETER_NAMES.values()})
    if not np.all(np.isfinite(v["mor_reserve_factor"]) & (v["mor_reserve_factor"] > 0)):
        raise ModelSpecError(
            bad_value("mor_reserve_factor must be > 0", v["mor_reserve_factor"], "E.g. 10.")
        )
    if respiratory:
        _check_respiratory(v)
    res = run_full_model(
        augmented_matrix(pk, v["ke0_mg"], v["ke0_7oh"]),
        observed_scale(pk),
        pd_matrix(v, n),
        dose_nmol(pk, dosing.mg_doses_mg, dosing.oh7_doses_mg),
        dosing.dose_times_h,
        dosing.time_h,
        max_step_h=max_step_h,
        rate_step=rate_step,
        ecs_hypothesis=ecs_hypothesis,
        respiratory=respiratory,
        out=out,
    )
    rows = dict(zip(OUTPUT_ROWS, res, strict=True))
    return SubjectOutputs(
        dosing.time_h,
        rows["mg_nm"],
        rows["oh7_nm"],
        rows["mu_occupancy"],
        rows["mu_activation"],
        rows["analgesic_drive"],
        rows["tolerance"],
        rows["effective_activation"],
        rows["withdrawal_score"],
        rows["respiratory_index"] if respiratory else None,
        rows["ecs_activation"] if ecs_hypothesis else None,
    )


def _subject_values(values: Mapping[str, FloatArray]) -> dict[str, FloatArray]:
    """Every parameter as a float array of one common length (scalars broadcast)."""
    v = {k: np.atleast_1d(np.asarray(x, dtype=np.float64)) for k, x in values.items()}
    n = max(x.size for x in v.values())
    bad = {k: x.shape for k, x in v.items() if x.ndim != 1 or x.size not in (1, n)}
    if bad:
        name, shape = next(iter(bad.items()))
        raise ModelSpecError(
            bad_value(
                f"Parameter {name} must be a scalar or length-{n} array",
                shape,
                "Give one value per subject.",
            )
        )
    return {k: np.broadcast_to(x, (n,)) for k, x in v.items()}


def _check_respiratory(v: Mapping[str, FloatArray]) -> None:
    """Vectorised form of the checks of :class:`RespiratoryParams` (same messages)."""
    r = {k: v[k] for k in RESPIRATORY_PARAMETERS}
    ok = np.ones(next(iter(r.values())).shape, dtype=bool)
    for x in r.values():
        ok &= np.isfinite(x) & (x > 0.0)
    ok &= (r["resp_a50"] < 1.0) & (r["resp_tau_full"] > r["resp_tau_7oh"])
    if not ok.all():
        i = int(np.argmin(ok))
        respiratory_params_from_values({k: float(x[i]) for k, x in r.items()})  # raises


def subject_summaries(out: SubjectOutputs) -> dict[str, FloatArray]:
    """Per-subject scalars (see :data:`SCALAR_OUTPUTS`): peaks and trapezoidal AUCs."""
    t = out.time_h
    res = out.respiratory_index
    n = out.mg_nm.shape[0]
    sums = {
        "cmax_mg_nm": out.mg_nm.max(axis=1),
        "auc_mg_nm_h": np.trapezoid(out.mg_nm, t, axis=1),
        "cmax_7oh_nm": out.oh7_nm.max(axis=1),
        "auc_7oh_nm_h": np.trapezoid(out.oh7_nm, t, axis=1),
        "mu_activation_peak": out.mu_activation.max(axis=1),
        "tolerance_peak": out.tolerance.max(axis=1),
        "withdrawal_peak": out.withdrawal_score.max(axis=1),
        "respiratory_peak": (res.max(axis=1) if res is not None else np.full(n, np.nan)),
    }
    return {k: np.asarray(v, dtype=np.float64) for k, v in sums.items()}
