"""The whole-model SBML export (PK + effect sites + receptors + adaptation) run in libRoadRunner.

PK: the exact engine and libRoadRunner agree to ≤ 1e-6 relative, here with the doses written into
the document as SBML events.

Full model, measured (4 g every 6 h for 14 days, 21-day window, leaf powder, central values,
RoadRunner rtol 1e-12; "scaled" error = max |kratomsim − RoadRunner| / max |RoadRunner| per series):

* ``simulate_subjects`` (fused kernel: exact linear PK + effect sites, RK4 adaptation on sub-steps
  no longer than the output step): on the engine's default grid (0.05-0.1 h) every series agrees to
  ≤ 5e-10 relative. Its RK4 error grows with the output step: on a 0.5 h grid tolerance and
  withdrawal score are 1.2e-8 and 1.1e-7 of their peaks for this course, but 1.2e-5 of the
  tolerance peak for 2 g of 7-OH concentrate every 8 h for 2 days (faster 7-OH dynamics).
* ``simulate_subjects_grid`` (the numpy functions on the output grid: effect site exact for
  piecewise-linear plasma, adaptation with the activation held at the step midpoint): second order
  in the grid step, ~3e-4 scaled at 0.05 h, ~8e-5 at 0.025 h; the Richardson extrapolation of the
  two agrees to ~2e-8.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

libsbml = pytest.importorskip("libsbml")
roadrunner = pytest.importorskip("roadrunner")

from kratomsim.engine.core import simulate_concentrations  # noqa: E402
from kratomsim.engine.subjects import (  # noqa: E402
    Dosing,
    SubjectOutputs,
    dosing_for,
    simulate_subjects,
)
from kratomsim.errors import ModelSpecError  # noqa: E402
from kratomsim.evidence import cited_inputs, resolve_product  # noqa: E402
from kratomsim.evidence.model_parameters import central_values  # noqa: E402
from kratomsim.evidence.params import derive_pk  # noqa: E402
from kratomsim.interop.sbml import output_id, to_sbml  # noqa: E402
from kratomsim.interop.sbml_pd import (  # noqa: E402
    ASSIGNMENT_RULES,
    FULL_OUTPUTS,
    PD_PARAMETERS,
    RATE_RULES,
)
from kratomsim.models.pk import OUTPUTS  # noqa: E402
from kratomsim.models.regimen_text import parse_regimen  # noqa: E402
from oracles.grid import simulate_subjects_grid  # noqa: E402

#: SBML id → attribute of SubjectOutputs.
COMPARED = {
    output_id("mitragynine"): "mg_nm",
    output_id("7-hydroxymitragynine"): "oh7_nm",
    "mu_occupancy": "mu_occupancy",
    "mu_activation": "mu_activation",
    "analgesic_drive": "analgesic_drive",
    "tolerance": "tolerance",
    "effective_activation": "effective_activation",
    "withdrawal_score": "withdrawal_score",
}


def full_params(dosing: Dosing, **overrides: float) -> dict[str, float]:
    values = {**central_values(dosing.absorption), **overrides}
    return {**values, **derive_pk(values, dosing.absorption)}


def sbml_for(dosing: Dosing, params: dict[str, float], **kw: bool) -> str:
    return to_sbml(
        params,
        dose_times_h=dosing.dose_times_h,
        alkaloid_mg={
            "mitragynine": dosing.mg_doses_mg[0],
            "7-hydroxymitragynine": dosing.oh7_doses_mg[0],
        },
        **kw,
    )


def run_rr(sbml: str, times: np.ndarray, selections: list[str]) -> dict[str, np.ndarray]:
    rr = roadrunner.RoadRunner(sbml)
    rr.integrator.relative_tolerance = 1e-12
    rr.integrator.absolute_tolerance = 1e-16
    rr.integrator.maximum_num_steps = 1_000_000
    res = np.asarray(rr.simulate(times=list(times), selections=["time", *selections]))
    np.testing.assert_allclose(res[:, 0], times, rtol=0, atol=1e-9)
    return {sid: res[:, k + 1] for k, sid in enumerate(selections)}


def kratomsim_on_grid(
    dosing: Dosing,
    params: dict[str, float],
    step_h: float | None,
    t_cmp: np.ndarray,
    *,
    ecs: bool = False,
    fused: bool = True,
) -> dict[str, np.ndarray]:
    """kratomsim on an even grid of ``step_h`` (None: the engine's default grid for the window)."""
    end = float(t_cmp[-1])
    t = dosing.time_h if step_h is None else np.linspace(0.0, end, round(end / step_h) + 1)
    values = {k: np.array([v]) for k, v in params.items()}
    run = simulate_subjects if fused else simulate_subjects_grid
    out: SubjectOutputs = run(
        values, dataclasses.replace(dosing, time_h=t), ecs_hypothesis=ecs, respiratory=False
    )
    idx = np.searchsorted(t, t_cmp - 1e-9)
    np.testing.assert_allclose(t[idx], t_cmp, atol=1e-9)
    return {sid: getattr(out, attr)[0, idx] for sid, attr in COMPARED.items()}


def scaled_error(got: np.ndarray, ref: np.ndarray) -> float:
    """max |got − ref| / max |ref|: relative to the series' own scale (scores start at exactly 0)."""
    return float(np.max(np.abs(got - ref)) / np.max(np.abs(ref)))


@pytest.fixture(scope="module")
def long_course() -> tuple[Dosing, dict[str, float], np.ndarray, dict[str, np.ndarray]]:
    dosing = dosing_for(
        parse_regimen("4 g every 6 h for 14 days"),
        cited_inputs(resolve_product("leaf-powder")),
        duration_h=504.0,
    )
    params = full_params(dosing)
    t_cmp = np.arange(0.0, 21 * 24.0 + 1e-9, 0.5)
    ref = run_rr(sbml_for(dosing, params, full=True), t_cmp, list(COMPARED))
    return dosing, params, t_cmp, ref


def test_full_document_is_consistent() -> None:
    dosing = dosing_for(
        parse_regimen("2 g every 8 h for 2 days"), cited_inputs(resolve_product("tea"))
    )
    doc = libsbml.readSBMLFromString(sbml_for(dosing, full_params(dosing), full=True))
    doc.checkConsistency()
    assert doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
    model = doc.getModel()
    rate = {model.getRule(i).getVariable() for i in range(model.getNumRules())}
    assert set(RATE_RULES) | set(ASSIGNMENT_RULES) | set(map(output_id, OUTPUTS)) == rate
    assert set(FULL_OUTPUTS) <= rate
    assert all(model.getParameter(p) is not None for p in PD_PARAMETERS)
    # 6 doses: the one at t = 0 is an initial assignment, the other 5 are events
    assert model.getNumEvents() == 5
    assert model.getNumInitialAssignments() == 1


def test_repeated_regimen_with_dose_events_matches_exact_pk() -> None:
    dosing = dosing_for(
        parse_regimen("2 g every 8 h for 3 days"),
        cited_inputs(resolve_product("7oh-concentrate")),
        duration_h=120.0,
    )
    params = full_params(dosing)
    t = np.arange(0.0, 120.0 + 1e-9, 0.25)
    alk = {"mitragynine": dosing.mg_doses_mg, "7-hydroxymitragynine": dosing.oh7_doses_mg}
    _, exact = simulate_concentrations(params, dosing.dose_times_h, alk, t)
    ids = [output_id(a) for a in OUTPUTS]
    rr = run_rr(sbml_for(dosing, params), t, ids)
    for k, sid in enumerate(ids):
        ref = exact[0, :, k]
        big = ref > 1e-6 * ref.max()
        assert ref.max() > 0
        assert np.max(np.abs(rr[sid] - ref)[big] / ref[big]) <= 1e-6, sid


def pointwise_error(got: np.ndarray, ref: np.ndarray, above: float) -> float:
    """Largest relative error where |ref| exceeds ``above`` × its peak."""
    big = np.abs(ref) > above * np.max(np.abs(ref))
    return float(np.max(np.abs(got - ref)[big] / np.abs(ref[big])))


def test_full_model_kernel_matches_sbml(long_course) -> None:
    dosing, params, t_cmp, ref = long_course
    assert ref["withdrawal_score"].max() > 1.0  # the course does produce withdrawal
    assert ref["tolerance"].max() > 0.1
    got = kratomsim_on_grid(dosing, params, None, t_cmp)  # the default grid, 0.1 h here
    for sid in COMPARED:
        assert scaled_error(got[sid], ref[sid]) <= 1e-6, sid
        assert pointwise_error(got[sid], ref[sid], above=1e-2) <= 1e-6, sid
    for sid in (*map(output_id, OUTPUTS), "mu_occupancy", "mu_activation", "analgesic_drive"):
        assert pointwise_error(got[sid], ref[sid], above=1e-6) <= 1e-9, sid  # exact parts


def test_grid_scheme_converges_to_sbml_at_second_order(long_course) -> None:
    dosing, params, t_cmp, ref = long_course
    coarse = kratomsim_on_grid(dosing, params, 0.05, t_cmp, fused=False)
    fine = kratomsim_on_grid(dosing, params, 0.025, t_cmp, fused=False)
    for sid in COMPARED:
        e_coarse, e_fine = scaled_error(coarse[sid], ref[sid]), scaled_error(fine[sid], ref[sid])
        if sid in (output_id(a) for a in OUTPUTS):
            assert e_coarse <= 1e-6 and e_fine <= 1e-6, sid  # PK is exact on any grid
            continue
        assert e_coarse <= 1e-3, (sid, e_coarse)  # the engine's default grid (0.05 h)
        assert 3.5 <= e_coarse / e_fine <= 4.5, (sid, e_coarse, e_fine)  # second order
        richardson = (4.0 * fine[sid] - coarse[sid]) / 3.0
        assert scaled_error(richardson, ref[sid]) <= 1e-6, sid


def test_endocannabinoid_hypothesis_term_matches_engine() -> None:
    dosing = dosing_for(
        parse_regimen("2 g every 8 h for 2 days"),
        cited_inputs(resolve_product("7oh-concentrate")),
        duration_h=72.0,
    )
    params = full_params(dosing, w_ecs_hyp=0.2)
    t_cmp = np.arange(0.0, 72.0 + 1e-9, 0.5)
    on = run_rr(sbml_for(dosing, params, full=True, ecs_hypothesis=True), t_cmp, list(COMPARED))
    off = run_rr(sbml_for(dosing, params, full=True), t_cmp, list(COMPARED))
    assert np.max(on["analgesic_drive"] - off["analgesic_drive"]) > 1e-4
    got = kratomsim_on_grid(dosing, params, None, t_cmp, ecs=True)  # default grid, 0.05 h
    for sid in ("analgesic_drive", "tolerance", "effective_activation"):
        assert scaled_error(got[sid], on[sid]) <= 1e-6, sid
        assert scaled_error(got[sid], off[sid]) > 1e-5, sid  # the term is really in both


def test_full_export_needs_the_pain_response_parameters() -> None:
    dosing = dosing_for(parse_regimen("2 g once"), cited_inputs())
    params = full_params(dosing)
    del params["tol_k_on"]
    with pytest.raises(ModelSpecError, match="tol_k_on"):
        to_sbml(params, full=True)
    to_sbml(params)  # the PK-only export does not need them
    with pytest.raises(ModelSpecError, match="ke0_mg"):
        to_sbml({**full_params(dosing), "ke0_mg": -1.0}, full=True)
    with pytest.raises(ModelSpecError, match="Dose times"):
        to_sbml(full_params(dosing), dose_times_h=[-1.0], alkaloid_mg={"mitragynine": [1.0]})
