"""Contenders and workload of ``bench_population.py``: the full model in kratomsim, SciPy, RoadRunner.

The PK-core contenders come from ``bench_engine.py`` (same workload, same code); this module adds
the full model (PK, effect sites, receptors, tolerance, dependence and the withdrawal score).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import roadrunner
from bench_population_workload import make_dosing, subject_values

from kratomsim.engine.kernel_inputs import (
    augmented_matrix,
    dose_nmol,
    observed_scale,
    pd_matrix,
    pk_concentrations,
    run_full_model,
)
from kratomsim.engine.kernel_reference import full_model_ode
from kratomsim.engine.subjects import Dosing, simulate_subjects
from kratomsim.evidence.params import derive_pk
from kratomsim.interop.sbml import output_id, to_sbml
from kratomsim.models import pk

#: Outputs compared with the reference (SubjectOutputs attribute → SBML id).
FULL_OUTPUTS = {
    "mg_nm": output_id("mitragynine"),
    "oh7_nm": output_id("7-hydroxymitragynine"),
    "mu_occupancy": "mu_occupancy",
    "mu_activation": "mu_activation",
    "analgesic_drive": "analgesic_drive",
    "tolerance": "tolerance",
    "effective_activation": "effective_activation",
    "withdrawal_score": "withdrawal_score",
}
REF_TOL = {"rtol": 1e-13, "atol": 1e-13}
#: SciPy full-model loop: the loosest tolerances tried that keep the error ≤ 1e-6 with a margin.
LSODA_FULL_TOL = {"rtol": 1e-7, "atol": 1e-9}
RR_FULL_TOL = {"relative_tolerance": 1e-8, "absolute_tolerance": 1e-11, "stiff": False}


@dataclass
class FullWorkload:
    """Per-subject parameter values (evidence names) and the shared dosing."""

    values: dict[str, np.ndarray]
    dosing: Dosing

    @property
    def n(self) -> int:
        return next(iter(self.values.values())).size

    def subset(self, start: int, stop: int) -> dict[str, np.ndarray]:
        return {k: v[start:stop] for k, v in self.values.items()}

    def row(self, i: int) -> dict[str, float]:
        return {k: float(v[i]) for k, v in self.values.items()}


def make_full_workload(n: int, seed: int, days: int) -> FullWorkload:
    dosing = make_dosing(days)
    return FullWorkload(subject_values(n, seed, dosing.absorption), dosing)


# ------------------------------------------------------------------------------------ contenders
def kernel_full(w: FullWorkload, n: int) -> dict[str, np.ndarray]:
    """kratomsim: :func:`simulate_subjects` on the first n subjects (fresh output arrays)."""
    out = simulate_subjects(w.subset(0, n), w.dosing)
    return {k: getattr(out, k) for k in FULL_OUTPUTS}


def kernel_full_reused(w: FullWorkload, buf: np.ndarray) -> np.ndarray:
    """The kernel alone writing into a preallocated buffer (no first-touch page faults), as the
    streaming path of large populations uses it; parameter checks and matrices included."""
    d, v = w.dosing, w.values
    p = pk.as_subject_arrays(derive_pk(v, d.absorption))
    return run_full_model(
        augmented_matrix(p, v["ke0_mg"], v["ke0_7oh"]),
        observed_scale(p),
        pd_matrix(v, w.n),
        dose_nmol(p, d.mg_doses_mg, d.oh7_doses_mg),
        d.dose_times_h,
        d.time_h,
        out=buf,
    )


def kernel_pk(w: FullWorkload, n: int) -> np.ndarray:
    """kratomsim PK core in the kernel: (n, times, 2) nM."""
    d = w.dosing
    params = derive_pk(w.subset(0, n), d.absorption)
    return pk_concentrations(params, d.dose_times_h, d.mg_doses_mg, d.oh7_doses_mg, d.time_h)


def scipy_full(
    w: FullWorkload, n: int, budget_s: float, *, method: str = "LSODA", tol: dict | None = None
) -> dict[str, np.ndarray]:
    """Per-subject solve_ivp loop over the full ODE (kernel_reference), cut at the budget."""
    d, t = w.dosing, tol or LSODA_FULL_TOL
    rows: list[dict[str, np.ndarray]] = []
    started = time.perf_counter()
    for i in range(n):
        rows.append(
            full_model_ode(
                w.row(i),
                d.absorption,
                d.dose_times_h,
                d.mg_doses_mg[0],
                d.oh7_doses_mg[0],
                d.time_h,
                method=method,
                **t,
            )
        )
        if time.perf_counter() - started > budget_s:
            break
    return {k: np.stack([r[k] for r in rows]) for k in FULL_OUTPUTS}


def roadrunner_full(w: FullWorkload, n: int, budget_s: float) -> dict[str, np.ndarray]:
    """The full-model SBML export with its dose events; one instance, reset per subject."""
    d = w.dosing
    first = {**w.row(0), **{k: float(v) for k, v in derive_pk(w.row(0), d.absorption).items()}}
    sbml = to_sbml(
        first,
        full=True,
        dose_times_h=d.dose_times_h,
        alkaloid_mg={"mitragynine": d.mg_doses_mg[0], "7-hydroxymitragynine": d.oh7_doses_mg[0]},
    )
    rr = roadrunner.RoadRunner(sbml)
    for key, value in RR_FULL_TOL.items():
        setattr(rr.integrator, key, value)
    rr.integrator.maximum_num_steps = 1_000_000
    sel = list(FULL_OUTPUTS.values())
    out: list[np.ndarray] = []
    started = time.perf_counter()
    times = d.time_h.tolist()
    for i in range(n):
        rr.reset()
        for name, value in derive_pk(w.row(i), d.absorption).items():
            if name in pk.PARAMETERS:
                rr[name] = float(value)
        out.append(np.asarray(rr.simulate(times=times, selections=sel)))
        if time.perf_counter() - started > budget_s:
            break
    res = np.stack(out)
    return {k: res[:, :, j] for j, k in enumerate(FULL_OUTPUTS)}


def full_reference(w: FullWorkload, n: int) -> dict[str, np.ndarray]:
    return scipy_full(w, n, float("inf"), method="DOP853", tol=REF_TOL)


def full_error(got: dict[str, np.ndarray], ref: dict[str, np.ndarray]) -> tuple[float, str]:
    """Max over subjects and outputs of max|got − ref| / max|ref| (per subject and output).

    Outputs whose reference is zero throughout (no withdrawal while dosing continues) are left
    out; returns the error and the output where it occurs.
    """
    worst, where = 0.0, ""
    k = min(next(iter(got.values())).shape[0], next(iter(ref.values())).shape[0])
    for name, r in ref.items():
        for i in range(k):
            scale = np.max(np.abs(r[i]))
            if scale == 0.0:
                continue
            e = float(np.max(np.abs(got[name][i] - r[i])) / scale)
            if e > worst:
                worst, where = e, name
    return worst, where
