"""Virtual cohorts like the samples of the population studies, simulated for many parameter sets.

A cohort is a set of virtual people who use one product daily: each member has a number of doses
a day, an amount per dose and their own pharmacokinetics (random effects and covariates drawn by
the population engine, :mod:`kratomsim.population.variability`, from their own random stream).
Members carry weights so that a cohort's doses-per-day mix matches the study's
(``pd_calibration.toml``). The same members serve every parameter set (common random numbers),
so differences between parameter sets are not sampling noise.

:func:`simulate_cohort` runs the model specification's kernel for every member under every
parameter set in one call per doses-per-day group: six weeks of daily use
(``cohort_days_of_use``), then stopping, and reads off what the studies measured: tolerance and
dependence just before the last dose; cold-pressor tolerance just before and 1 h after the last
day's first dose, which follows the night without kratom (as Vicknasingam 2020 measured after 10-20
h without kratom); and the withdrawal score over the four days after the last dose.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray

from kratomsim.engine.subjects import Dosing, simulate_subjects
from kratomsim.evidence import load_parameters
from kratomsim.evidence.loader import resolve_product
from kratomsim.evidence.params import cited_inputs
from kratomsim.population.variability import (
    STREAM_WIDTH,
    Covariates,
    draw_people,
    subject_normals,
    uniform,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Hours after the last dose over which withdrawal is followed.
FOLLOW_H = 96
#: Outputs the studies' statistics read.
COHORT_OUTPUTS = ("tolerance", "dependence", "withdrawal_score", "cold_pressor_s")
#: Cohort names, in the order of their random streams.
COHORTS = ("malaysia_tea", "us_leaf")


@cache
def cohort_values() -> dict[str, float]:
    """The cited values of ``pd_calibration.toml`` by name."""
    return {k: v.value for k, v in load_parameters(("pd_calibration.toml",)).items()}


@dataclass(frozen=True)
class Cohort:
    """Members of one virtual cohort (arrays of shape ``(members,)``)."""

    name: str
    product: str
    doses_per_day: IntArray
    mg_per_dose: FloatArray
    oh7_per_dose: FloatArray
    weight: FloatArray
    #: each member's parameters (declared units), from the population engine
    values: Mapping[str, FloatArray]
    #: standard normal of each member's withdrawal gain (between-person variability)
    z_withdrawal: FloatArray

    @property
    def size(self) -> int:
        return int(self.doses_per_day.size)


def _mix(name: str) -> tuple[IntArray, FloatArray]:
    """Doses a day and their shares for cohort ``name``."""
    v = cohort_values()
    if name == "malaysia_tea":
        top = int(v["tea_glasses_per_day_max"])
        k = np.arange(1, top + 1)
        high = v["tea_share_3_or_more_glasses"]
        share = np.where(k >= 3, high / (top - 2), (1.0 - high) / 2.0)
        return k, share
    top = int(v["us_doses_per_day_max"])
    k = np.arange(1, top + 1)
    return k, np.full(top, 1.0 / top)


def make_cohort(name: str, per_group: int = 24, seed: int = 20240) -> Cohort:
    """A cohort of ``per_group`` members at each number of doses a day (see module docstring)."""
    if name not in COHORTS:
        raise ValueError(f"Unknown cohort {name!r}; choose one of {', '.join(COHORTS)}.")
    if per_group < 2:
        raise ValueError(f"per_group must be ≥ 2, got {per_group}")
    v = cohort_values()
    product = "tea" if name == "malaysia_tea" else "leaf-powder"
    inputs = cited_inputs(resolve_product(product))
    k, share = _mix(name)
    n = k.size * per_group
    z = subject_normals(seed, COHORTS.index(name), 0, n, STREAM_WIDTH + 2)
    cov = Covariates(sex="male") if name == "malaysia_tea" else Covariates()
    draws = draw_people(inputs.values, inputs.product.absorption, cov, z[:, :STREAM_WIDTH])
    u = uniform(z[:, STREAM_WIDTH])
    if name == "malaysia_tea":
        lo, hi = v["tea_mg_per_glass_low"], v["tea_mg_per_glass_high"]
        mg = lo * (hi / lo) ** u
    else:
        lo, hi = v["us_grams_per_dose_low"], v["us_grams_per_dose_high"]
        mg = lo * (hi / lo) ** u * inputs.mg_per_g
    ratio = inputs.oh7_mg_per_g / inputs.mg_per_g if inputs.mg_per_g > 0 else 0.0
    doses = np.repeat(k, per_group)
    return Cohort(
        name,
        product,
        doses,
        mg,
        mg * ratio,
        np.repeat(share / per_group, per_group),
        draws.values,
        z[:, STREAM_WIDTH + 1],
    )


def dose_times(doses_per_day: int) -> FloatArray:
    """Dose times (h) of the cohort's days of use: spread evenly over the waking day."""
    v = cohort_values()
    start, end = v["cohort_waking_start_h"], v["cohort_waking_end_h"]
    day = np.array([start]) if doses_per_day == 1 else np.linspace(start, end, doses_per_day)
    days = int(v["cohort_days_of_use"])
    return np.asarray((np.arange(days)[:, None] * 24.0 + day[None, :]).ravel(), dtype=np.float64)


@dataclass(frozen=True)
class CohortRun:
    """What the studies read, per parameter set and member: arrays ``(sets, members)``."""

    cohort: Cohort
    tolerance: FloatArray
    dependence: FloatArray
    #: cold-pressor tolerance just before and 1 h after the last day's first dose (s)
    cpt_before: FloatArray
    cpt_after: FloatArray
    #: withdrawal score at 0, 1, …, FOLLOW_H h after the last dose: ``(sets, members, FOLLOW_H+1)``
    withdrawal: FloatArray

    def peak_withdrawal(self) -> FloatArray:
        return self.withdrawal.max(axis=-1)


def simulate_cohort(
    cohort: Cohort, theta: Mapping[str, FloatArray], *, threads: int | None = None
) -> CohortRun:
    """Simulate every member of ``cohort`` under every parameter set of ``theta``.

    ``theta`` maps parameter names (the specification's, plus ``omega_wd_gain``, the
    between-person spread of ``wd_gain``) to arrays of one value per set.
    """
    sets = {k: np.atleast_1d(np.asarray(x, float)) for k, x in theta.items()}
    n_sets = next(iter(sets.values())).size
    omega = sets.pop("omega_wd_gain", np.zeros(n_sets))
    m = cohort.size
    tol = np.empty((n_sets, m))
    dep = np.empty((n_sets, m))
    before = np.empty((n_sets, m))
    after = np.empty((n_sets, m))
    wd = np.empty((n_sets, m, FOLLOW_H + 1))
    absorption = cited_inputs(resolve_product(cohort.product)).product.absorption
    for k in np.unique(cohort.doses_per_day):
        idx = np.flatnonzero(cohort.doses_per_day == k)
        times = dose_times(int(k))
        last = times[-1]
        # the last day's first dose follows the night without kratom (10 h at the defaults)
        first = times[-int(k)]
        t_out = np.concatenate(
            ([0.0, first - 1e-3, first + 1.0, last - 1e-3], last + np.arange(0, FOLLOW_H + 1.0))
        )
        t_out[4] = last + 1e-3
        values = {name: np.tile(col[idx], n_sets) for name, col in cohort.values.items()}
        for name, col in sets.items():
            values[name] = np.repeat(col, idx.size)
        gain = values.get("wd_gain")
        if gain is not None:
            z = np.tile(cohort.z_withdrawal[idx], n_sets)
            values["wd_gain"] = gain * np.exp(np.repeat(omega, idx.size) * z)
        mg = np.tile(cohort.mg_per_dose[idx], n_sets)[:, None] * np.ones((1, times.size))
        oh = np.tile(cohort.oh7_per_dose[idx], n_sets)[:, None] * np.ones((1, times.size))
        dosing = Dosing(absorption, times, mg, oh, t_out)
        out = simulate_subjects(values, dosing, outputs=COHORT_OUTPUTS, threads=threads)
        shape = (n_sets, idx.size)
        tol[:, idx] = out.tolerance[:, 3].reshape(shape)
        dep[:, idx] = out.dependence[:, 3].reshape(shape)
        cpt = out.cold_pressor_s
        before[:, idx] = cpt[:, 1].reshape(shape)
        after[:, idx] = cpt[:, 2].reshape(shape)
        series = out.withdrawal_score[:, 4:]
        wd[:, idx, :] = series.reshape((*shape, FOLLOW_H + 1))
    return CohortRun(cohort, tol, dep, before, after, wd)
