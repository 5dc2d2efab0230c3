"""The fused Numba kernel against a tight SciPy reference of the same ODEs, the NumPy grid path,
mass balance, and its invariances (threads, blocks).

Errors are ``max |kernel − ref| / max |ref|`` per output and subject (outputs that start at exactly
zero, like the withdrawal score, have no meaningful pointwise relative error).
"""

from __future__ import annotations

import dataclasses

import numba
import numpy as np
import pytest
from scipy.linalg import expm

from kratomsim.engine.core import simulate_concentrations
from kratomsim.engine.kernel import BLOCK
from kratomsim.engine.kernel_expm import expm_banded
from kratomsim.engine.kernel_inputs import make_schedule, pk_concentrations, propagate_linear
from kratomsim.engine.kernel_reference import full_model_ode
from kratomsim.engine.subjects import (
    Dosing,
    SubjectOutputs,
    dosing_for,
    simulate_subjects,
)
from kratomsim.errors import ModelSpecError
from kratomsim.evidence import cited_inputs, resolve_product
from kratomsim.evidence.model_parameters import central_values
from kratomsim.evidence.params import derive_pk
from kratomsim.models import pk
from kratomsim.models.regimen_text import parse_regimen
from kratomsim.models.respiratory import (
    RESPIRATORY_PARAMETERS,
    respiratory_index_from_activation,
    respiratory_params_from_values,
)
from oracles.grid import simulate_subjects_grid

COMPARED = (
    "mg_nm",
    "oh7_nm",
    "mu_occupancy",
    "mu_activation",
    "analgesic_drive",
    "tolerance",
    "effective_activation",
    "withdrawal_score",
    "respiratory_index",
)
#: Rates given log-normal variability in the random subjects (the fast ones set the sub-steps).
VARIED = ("cl", "v1", "q", "v2", "kme", "ka_7oh", "ke0_mg", "ke0_7oh")


def random_subjects(absorption: str, n: int, seed: int, omega: float = 0.35):
    rng = np.random.default_rng(seed)
    v = {k: np.full(n, x) for k, x in central_values(absorption).items()}
    for name in (*VARIED, f"ka_{absorption}"):
        v[name] = v[name] * np.exp(omega * rng.standard_normal(n))
    return v


def reference(v: dict[str, np.ndarray], dosing: Dosing, i: int, **kw: bool):
    return full_model_ode(
        {k: x[i] for k, x in v.items()},
        dosing.absorption,
        dosing.dose_times_h,
        dosing.mg_doses_mg[0],
        dosing.oh7_doses_mg[0],
        dosing.time_h,
        **kw,
    )


def scaled_error(got: np.ndarray, ref: np.ndarray) -> float:
    return float(np.max(np.abs(got - ref)) / np.max(np.abs(ref)))


def assert_matches_reference(out: SubjectOutputs, refs: list[dict[str, np.ndarray]]) -> None:
    for i, ref in enumerate(refs):
        for name in COMPARED:
            got = getattr(out, name)[i]
            if np.max(np.abs(ref[name])) == 0.0:  # e.g. no withdrawal after a single dose
                assert np.max(np.abs(got)) <= 1e-12, (i, name)
                continue
            assert scaled_error(got, ref[name]) <= 1e-6, (i, name, scaled_error(got, ref[name]))


def test_single_dose_off_the_output_grid_matches_dop853() -> None:
    # 7-OH product (both depots dosed); the dose at 0.3 h is not an output time
    base = dosing_for(
        parse_regimen("8 g once"),
        cited_inputs(resolve_product("7oh-concentrate")),
        duration_h=48.0,
        step_h=1.0,
    )
    dosing = dataclasses.replace(base, dose_times_h=np.array([0.3]))
    v = random_subjects(dosing.absorption, 3, seed=11)
    out = simulate_subjects(v, dosing)
    assert_matches_reference(out, [reference(v, dosing, i) for i in range(3)])


def test_seven_day_regimen_with_withdrawal_matches_dop853() -> None:
    dosing = dosing_for(
        parse_regimen("5 g every 6 h for 7 days"),
        cited_inputs(resolve_product("leaf-powder")),
        duration_h=240.0,
        step_h=1.0,
    )
    v = random_subjects(dosing.absorption, 3, seed=5)
    refs = [reference(v, dosing, i) for i in range(3)]
    assert max(r["withdrawal_score"].max() for r in refs) > 1.0  # withdrawal after the last dose
    assert_matches_reference(simulate_subjects(v, dosing), refs)


def test_endocannabinoid_hypothesis_term_matches_dop853() -> None:
    dosing = dosing_for(
        parse_regimen("4 g every 8 h for 2 days"),
        cited_inputs(resolve_product("7oh-concentrate")),
        step_h=1.0,
    )
    v = random_subjects(dosing.absorption, 1, seed=3)
    v["w_ecs_hyp"] = np.array([0.2])
    ref = reference(v, dosing, 0, ecs_hypothesis=True)
    out = simulate_subjects(v, dosing, ecs_hypothesis=True)
    assert out.ecs_activation is not None
    assert scaled_error(out.ecs_activation[0], ref["ecs_activation"]) <= 1e-9
    assert_matches_reference(out, [ref])


def test_error_falls_with_the_sub_step() -> None:
    # outputs every 4 h, so that the sub-step rule (not the output grid) sets the steps
    dosing = dosing_for(
        parse_regimen("5 g every 8 h for 3 days"),
        cited_inputs(resolve_product("leaf-powder")),
        step_h=4.0,
    )
    v = random_subjects(dosing.absorption, 1, seed=2)
    ref = reference(v, dosing, 0)
    coarse, fine = (
        scaled_error(
            simulate_subjects(v, dosing, rate_step=r, max_step_h=4.0).tolerance[0],
            ref["tolerance"],
        )
        for r in (48.0, 0.75)
    )
    # 4-h steps away from the doses (graded steps after each dose) are still within 1e-6;
    # λ·h ≤ 0.75 is at the reference's own accuracy
    assert 1e-6 >= coarse > 100 * fine


def test_converges_to_the_numpy_grid_path_at_second_order() -> None:
    # The NumPy path discretises the effect site and adaptation on the output grid (second order);
    # the kernel does not depend on the grid, so their gap shrinks 4× per halving of the grid.
    base = dosing_for(
        parse_regimen("4 g every 6 h for 4 days"),
        cited_inputs(resolve_product("leaf-powder")),
        duration_h=144.0,
    )
    v = {k: np.array([x]) for k, x in central_values(base.absorption).items()}
    gaps = []
    for step in (0.1, 0.05):
        t = np.arange(0.0, 144.0 + step / 2, step)
        dosing = dataclasses.replace(base, time_h=t)
        fast, grid = simulate_subjects(v, dosing), simulate_subjects_grid(v, dosing)
        gaps.append(
            {n: scaled_error(getattr(grid, n)[0], getattr(fast, n)[0]) for n in COMPARED[:-2]}
        )
    for name in ("mu_activation", "tolerance", "effective_activation"):
        assert gaps[1][name] <= 1e-3, name
        assert 3.5 <= gaps[0][name] / gaps[1][name] <= 4.5, (name, gaps[0][name], gaps[1][name])
    assert gaps[1]["mg_nm"] <= 1e-12  # both propagate the PK exactly


def test_respiratory_index_is_the_documented_function_of_activation() -> None:
    dosing = dosing_for(
        parse_regimen("6 g every 8 h for 2 days"),
        cited_inputs(resolve_product("7oh-concentrate")),
        step_h=1.0,
    )
    v = random_subjects(dosing.absorption, 3, seed=8)
    v["resp_hill"] = np.array([1.0, 2.0, 2.7])
    out = simulate_subjects(v, dosing)
    assert out.respiratory_index is not None and out.respiratory_index.max() > 0.01
    for i in range(3):
        rp = respiratory_params_from_values({k: float(v[k][i]) for k in RESPIRATORY_PARAMETERS})
        want = respiratory_index_from_activation(out.mu_activation[i], rp)
        np.testing.assert_allclose(out.respiratory_index[i], want, rtol=1e-14, atol=1e-15)


def test_pk_kernel_matches_the_exact_numpy_engine() -> None:
    dosing = dosing_for(
        parse_regimen("3 g every 8 h for 5 days"),
        cited_inputs(resolve_product("7oh-concentrate")),
        step_h=0.5,
    )
    v = random_subjects(dosing.absorption, 40, seed=4)
    params = derive_pk(v, dosing.absorption)
    conc = pk_concentrations(
        params, dosing.dose_times_h, dosing.mg_doses_mg, dosing.oh7_doses_mg, dosing.time_h
    )
    alk = {"mitragynine": dosing.mg_doses_mg, "7-hydroxymitragynine": dosing.oh7_doses_mg}
    _, ref = simulate_concentrations(params, dosing.dose_times_h, alk, dosing.time_h)
    assert np.max(np.abs(conc - ref)) <= 1e-11 * np.max(ref)


def test_pk_mass_balance_over_all_states() -> None:
    v = random_subjects("tea", 5, seed=9)
    p = pk.as_subject_arrays(derive_pk(v, "tea"))
    a = pk.rate_matrix(p)  # all 8 states, sinks included
    times = np.array([0.0, 5.5, 12.0, 30.0])
    doses = np.array([[[1000.0, 50.0], [2000.0, 0.0], [500.0, 25.0], [10.0, 10.0]]])
    states = (pk.IDX["gut_mg"], pk.IDX["gut_7oh"])
    t = np.linspace(0.0, 96.0, 193)
    x = propagate_linear(a, times, doses, states, t)
    given = np.array([doses[0, times <= ti].sum() for ti in t])
    np.testing.assert_allclose(x.sum(axis=2), np.broadcast_to(given, (5, t.size)), rtol=1e-12)
    assert np.all(x >= -1e-9 * given.max())


def test_expm_matches_scipy() -> None:
    rng = np.random.default_rng(0)
    out = np.empty((7, 7))
    for tau in (1e-3, 0.7, 25.0):
        a = rng.standard_normal((7, 7))
        expm_banded(a, tau, out)
        ref = expm(a * tau)
        assert np.max(np.abs(out - ref)) <= 1e-12 * np.max(np.abs(ref))


def test_results_do_not_depend_on_threads_blocks_or_other_subjects() -> None:
    dosing = dosing_for(
        parse_regimen("4 g every 8 h for 3 days"),
        cited_inputs(resolve_product("leaf-powder")),
        step_h=1.0,
    )
    v = random_subjects(dosing.absorption, 2 * BLOCK + 7, seed=1, omega=0.6)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = simulate_subjects(v, dosing)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = simulate_subjects(v, dosing)
    finally:
        numba.set_num_threads(threads)
    flipped = simulate_subjects({k: x[::-1] for k, x in v.items()}, dosing)  # other blocks
    alone = simulate_subjects({k: x[BLOCK + 3 : BLOCK + 4] for k, x in v.items()}, dosing)
    for name in COMPARED:
        assert np.array_equal(getattr(one, name), getattr(two, name)), name
        assert np.array_equal(getattr(flipped, name)[::-1], getattr(one, name)), name
        assert np.array_equal(getattr(alone, name)[0], getattr(one, name)[BLOCK + 3]), name


def test_repeated_output_times_and_bad_settings() -> None:
    base = dosing_for(
        parse_regimen("2 g once"), cited_inputs(resolve_product("tea")), duration_h=24.0, step_h=1.0
    )
    v = {k: np.array([x]) for k, x in central_values(base.absorption).items()}
    t = np.array([0.0, 3.0, 3.0, 1.5, 24.0])
    out = simulate_subjects(v, dataclasses.replace(base, time_h=t))
    assert out.mg_nm[0, 1] == out.mg_nm[0, 2] > 0
    assert out.mg_nm[0, 0] == 0.0
    with pytest.raises(ModelSpecError, match="max_step_h"):
        simulate_subjects(v, base, max_step_h=0.0)
    with pytest.raises(ModelSpecError, match="Output times"):
        make_schedule(np.array([0.0]), np.array([-1.0]))
