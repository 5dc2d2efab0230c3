"""Receptor layer: occupancy, operational model, effect site, receptor state and its cited numbers."""

from __future__ import annotations

import dataclasses
import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kratomsim.errors import ModelSpecError
from kratomsim.evidence import load_parameters, load_references
from kratomsim.evidence.loader import PARAMETER_FILES
from kratomsim.evidence.schema import GRADE_MEANING
from kratomsim.models import receptors
from kratomsim.models.receptors import (
    FULL_AGONIST,
    MG,
    OH,
    RECEPTOR_PARAMETERS,
    ReceptorParams,
    effect_site,
    fractional_occupancy,
    free_effect_site,
    occupancy,
    operational_response,
    receptor_params_from_values,
    receptor_state,
)

FILE = ("receptors.toml",)


def log_uniform(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(np.log(lo), np.log(hi)).map(np.exp)


conc = log_uniform(1e-3, 1e6)
affinity = log_uniform(0.1, 1e5)
efficacy = st.floats(0.0, 50.0)


@pytest.fixture(scope="module")
def params() -> ReceptorParams:
    return receptor_params_from_values(load_parameters(FILE).values_dict())


# --- occupancy --------------------------------------------------------------------------------


@given(st.lists(conc, min_size=2, max_size=20), affinity)
def test_occupancy_monotonic_and_below_one(cs: list[float], ki: float) -> None:
    occ = occupancy(np.sort(np.asarray(cs)), ki)
    assert np.all(np.diff(occ) >= 0.0)
    assert np.all((occ >= 0.0) & (occ < 1.0))


def test_occupancy_half_at_ki() -> None:
    assert occupancy(1260.0, 1260.0) == pytest.approx(0.5)
    assert occupancy(0.0, 5.0) == 0.0


@given(st.dictionaries(st.sampled_from("abcd"), st.tuples(conc, affinity), min_size=1))
def test_competing_ligands_share_one_site(ligands: dict[str, tuple[float, float]]) -> None:
    occ = fractional_occupancy(
        {n: c for n, (c, _) in ligands.items()}, {n: k for n, (_, k) in ligands.items()}
    )
    total = sum(occ.values())
    assert total < 1.0 + 1e-12
    for name, (c, k) in ligands.items():
        assert occ[name] <= occupancy(c, k) + 1e-12  # a competitor can only displace


@given(conc, conc, affinity, affinity)
def test_competition_monotonic(c_a: float, c_b: float, k_a: float, k_b: float) -> None:
    ks = {"a": k_a, "b": k_b}
    base = fractional_occupancy({"a": c_a, "b": c_b}, ks)
    more_a = fractional_occupancy({"a": 2 * c_a, "b": c_b}, ks)
    assert more_a["a"] >= base["a"] and more_a["b"] <= base["b"]


# --- operational model --------------------------------------------------------------------------


@given(st.lists(conc, min_size=2, max_size=20), affinity, efficacy)
def test_single_agonist_below_ceiling_and_monotonic(cs: list[float], k: float, tau: float) -> None:
    r = operational_response({"a": np.sort(np.asarray(cs))}, {"a": k}, {"a": tau})
    assert np.all(np.diff(r) >= -1e-15)
    assert np.all(r <= tau / (1 + tau) + 1e-12) and np.all(r < 1.0)


def test_partial_agonist_ceilings(params: ReceptorParams) -> None:
    huge = 1e12
    ceiling = {}
    for name, k, tau in (
        (OH, params.ki_mor_7oh, params.tau_mor_7oh),
        (MG, params.ki_mor_mg, params.tau_mor_mg),
    ):
        ceiling[name] = float(operational_response({name: huge}, {name: k}, {name: tau}))
        assert ceiling[name] == pytest.approx(float(tau) / (1 + float(tau)), rel=1e-6)
    assert ceiling[OH] == pytest.approx(0.70 / 1.70, rel=1e-6) and ceiling[OH] < 1.0
    assert ceiling[MG] < ceiling[OH]
    state = receptor_state({MG: huge}, params)
    assert float(state.mu_activation) < ceiling[OH]


@given(affinity, affinity, efficacy, st.floats(0.0, 0.9))
def test_lower_efficacy_gives_lower_ceiling(k1: float, k2: float, tau: float, frac: float) -> None:
    high = float(operational_response({"a": 1e15}, {"a": k1}, {"a": tau}))
    low = float(operational_response({"b": 1e15}, {"b": k2}, {"b": tau * frac}))
    assert low <= high


@pytest.mark.parametrize("partial", [MG, OH])
def test_partial_agonist_competes_with_full_agonist(params: ReceptorParams, partial: str) -> None:
    ki_full, tau_full = float(params.ki_mor_full), float(params.tau_mor_full)
    ec50_full = ki_full / (1 + tau_full)
    added = np.logspace(-1, 12, 60)  # free nM of the partial agonist
    tau_p = float(params.tau_mor_mg if partial == MG else params.tau_mor_7oh)
    ceiling = tau_p / (1 + tau_p)

    high = receptor_state({partial: added}, params, full_agonist_nm=1000 * ki_full).mu_activation
    alone_high = receptor_state({}, params, full_agonist_nm=1000 * ki_full).mu_activation
    assert np.all(np.diff(high) <= 1e-15) and high[0] <= alone_high + 1e-15
    assert high[-1] == pytest.approx(ceiling, abs=2e-3)  # pushed down to the partial's ceiling
    assert high[-1] < alone_high

    low = receptor_state({partial: added}, params, full_agonist_nm=0.01 * ec50_full).mu_activation
    alone_low = receptor_state({}, params, full_agonist_nm=0.01 * ec50_full).mu_activation
    assert low[-1] > alone_low  # at low full-agonist levels the partial adds activation
    assert low[-1] == pytest.approx(ceiling, abs=2e-3)


@given(affinity, efficacy.filter(lambda t: t > 1e-3), conc, affinity, conc)
def test_antagonist_shifts_ec50_by_schild_factor(
    k: float, tau: float, b: float, kb: float, c: float
) -> None:
    shift = 1 + b / kb
    plain = operational_response({"a": c}, {"a": k}, {"a": tau})
    blocked = operational_response(
        {"a": c * shift}, {"a": k}, {"a": tau}, antagonists={"b": (b, kb)}
    )
    assert blocked == pytest.approx(plain, rel=1e-9)
    ec50 = k / (1 + tau) * shift
    half = operational_response({"a": ec50}, {"a": k}, {"a": tau}, antagonists={"b": (b, kb)})
    assert half == pytest.approx(0.5 * tau / (1 + tau), rel=1e-9)


# --- effect site ------------------------------------------------------------------------------


grids = st.lists(st.floats(0.001, 3.0), min_size=1, max_size=40).map(
    lambda steps: np.concatenate([[0.0], np.cumsum(steps)])
)


@settings(max_examples=60)
@given(grids, log_uniform(0.05, 20.0), log_uniform(1e-2, 1e4))
def test_effect_site_exact_for_step(t: np.ndarray, ke0: float, level: float) -> None:
    ce = effect_site(t, np.full(t.size, level), ke0)
    np.testing.assert_allclose(ce, level * -np.expm1(-ke0 * t), rtol=1e-9, atol=1e-12 * level)
    assert np.all(ce <= level * (1 + 1e-12))  # lags, never overshoots


@settings(max_examples=60)
@given(grids, log_uniform(0.05, 20.0), log_uniform(1e-2, 1e3))
def test_effect_site_exact_for_ramp(t: np.ndarray, ke0: float, slope: float) -> None:
    ce = effect_site(t, slope * t, ke0)
    exact = slope * (t + np.expm1(-ke0 * t) / ke0)
    np.testing.assert_allclose(ce, exact, rtol=1e-8, atol=1e-12 * slope * (1 + t[-1]))
    assert np.all(ce <= slope * t + 1e-12)


def test_effect_site_step_inside_grid() -> None:
    t = np.array([0.0, 1.0, 2.0, 2.0, 3.0, 5.0])  # repeated time: a jump at t = 2 h
    cp = np.array([0.0, 0.0, 0.0, 10.0, 10.0, 10.0])
    ce = effect_site(t, cp, 0.7)
    np.testing.assert_allclose(ce[3:], 10 * -np.expm1(-0.7 * (t[3:] - 2.0)), rtol=1e-12)
    assert np.all(ce[:3] == 0.0)


def test_effect_site_lags_plasma_and_vectorises() -> None:
    t = np.linspace(0.0, 24.0, 1201)
    cp = 100 * (np.exp(-0.1 * t) - np.exp(-2.0 * t))  # oral-absorption shape, plasma tmax 1.6 h
    ke0 = np.array([0.5, 3.0, 50.0])
    ce = effect_site(t, np.broadcast_to(cp, (3, t.size)), ke0)
    peaks = t[ce.argmax(axis=1)]
    assert np.all(peaks > t[cp.argmax()]) and np.all(np.diff(peaks) < 0)  # slower ke0, later peak
    assert np.all(ce.max(axis=1) < cp.max())
    max_slope = np.abs(np.diff(cp) / np.diff(t)).max()
    assert np.all(np.abs(ce - cp).max(axis=1) <= max_slope / ke0 + 1e-9)  # lag <= sup|Cp'|/ke0
    for i, k in enumerate(ke0):
        np.testing.assert_array_equal(ce[i], effect_site(t, cp, k))
    cube = effect_site(t, np.broadcast_to(cp, (2, 3, t.size)), ke0[None, :].repeat(2, 0))
    np.testing.assert_array_equal(cube[1], ce)


def test_free_effect_site_applies_fu(params: ReceptorParams) -> None:
    t = np.linspace(0.0, 10.0, 101)
    cp = np.full((2, t.size), 50.0)
    free = free_effect_site(t, {MG: cp, OH: cp / 5}, params)
    np.testing.assert_allclose(free[MG], float(params.fu_mg) * effect_site(t, cp, params.ke0_mg))
    np.testing.assert_allclose(
        free[OH], float(params.fu_7oh) * effect_site(t, cp / 5, params.ke0_7oh)
    )


# --- receptor state ---------------------------------------------------------------------------


def test_ecs_zero_by_default_and_hypothesis_only_adds(params: ReceptorParams) -> None:
    ce = {MG: np.logspace(-2, 4, 30), OH: np.logspace(-3, 3, 30)}
    off = receptor_state(ce, params)
    assert not off.ecs_hypothesis
    assert off.ecs_activation.shape == (30,) and np.all(off.ecs_activation == 0.0)
    np.testing.assert_array_equal(
        off.analgesic_drive, off.mu_activation + float(params.w_alpha2) * off.alpha2_activation
    )
    on = receptor_state(ce, params, ecs_hypothesis=True)
    assert on.ecs_hypothesis and np.all(on.ecs_activation > 0.0)
    assert np.all(on.analgesic_drive > off.analgesic_drive)
    np.testing.assert_array_equal(on.mu_activation, off.mu_activation)


def test_state_occupancies_consistent(params: ReceptorParams) -> None:
    ce = {MG: np.logspace(-2, 5, 40), OH: np.logspace(-3, 4, 40)}
    s = receptor_state(ce, params, full_agonist_nm=2.0)
    assert set(s.mu_occupancy_by_ligand) == {MG, OH, FULL_AGONIST}
    np.testing.assert_allclose(s.mu_occupancy, sum(s.mu_occupancy_by_ligand.values()))
    for occ in (s.mu_occupancy, s.kappa_occupancy, s.delta_occupancy, s.alpha2_activation):
        assert np.all((occ >= 0) & (occ < 1)) and np.all(np.diff(occ) >= -1e-15)
    partials = receptor_state(ce, params)  # tau < 1: response stays below occupancy
    assert np.all(partials.mu_activation < partials.mu_occupancy)


def test_parameter_arrays_align_with_subjects(params: ReceptorParams) -> None:
    tau = np.array([0.3, 0.7, 2.0])
    ki = np.array([13.5, 47.0, 709.0])
    many = dataclasses.replace(params, tau_mor_7oh=tau, ki_mor_7oh=ki)
    ce = {OH: np.outer([1.0, 2.0, 3.0], np.logspace(-1, 3, 7)), MG: 5.0}
    s = receptor_state(ce, many)
    assert s.mu_activation.shape == (3, 7)
    shared = receptor_state({OH: ce[OH][:1], MG: 5.0}, many)  # one profile, three subjects
    for field in ("mu_occupancy", "kappa_occupancy", "alpha2_activation", "ecs_activation"):
        assert getattr(shared, field).shape == (3, 7)
    for i in range(3):
        one = dataclasses.replace(params, tau_mor_7oh=float(tau[i]), ki_mor_7oh=float(ki[i]))
        row = receptor_state({OH: ce[OH][i], MG: 5.0}, one)
        np.testing.assert_allclose(s.mu_activation[i], row.mu_activation, rtol=1e-14)
        np.testing.assert_allclose(s.analgesic_drive[i], row.analgesic_drive, rtol=1e-14)


def test_invalid_inputs_are_rejected(params: ReceptorParams) -> None:
    with pytest.raises(ModelSpecError, match="fu_mg"):
        dataclasses.replace(params, fu_mg=1.2)
    with pytest.raises(ModelSpecError, match="ki_mor_mg"):
        dataclasses.replace(params, ki_mor_mg=-1.0)
    with pytest.raises(ModelSpecError, match="ke0_7oh"):
        dataclasses.replace(params, ke0_7oh=0.0)
    with pytest.raises(ModelSpecError, match="tau_mor_mg"):
        dataclasses.replace(params, tau_mor_mg=-0.1)
    with pytest.raises(ModelSpecError, match="Missing receptor parameters: fu_mg"):
        receptor_params_from_values({})
    with pytest.raises(ModelSpecError, match="concentration"):
        occupancy(-1.0, 10.0)
    with pytest.raises(ModelSpecError, match="Unknown ligands"):
        receptor_state({"morphine": 1.0}, params)
    with pytest.raises(ModelSpecError, match="non-decreasing"):
        effect_site(np.array([0.0, 2.0, 1.0]), np.zeros(3), 1.0)
    assert occupancy(-1e-12, 10.0) == 0.0  # round-off below zero is tolerated


def test_doctests_pass() -> None:
    result = doctest.testmod(receptors, raise_on_error=False)
    assert result.attempted >= 3 and result.failed == 0


# --- the cited numbers ------------------------------------------------------------------------


def test_every_receptor_number_is_cited() -> None:
    values = load_parameters(FILE)
    assert set(values) == set(RECEPTOR_PARAMETERS)  # every number the layer uses, and only those
    refs = load_references()
    for v in values.values():
        assert v.source in refs and v.grade in GRADE_MEANING and v.locator.strip()
        assert v.unit == (
            "1/h" if v.name.startswith("ke0") else "nM" if v.name.startswith("ki") else "1"
        )
        if v.kind == "assumption":
            assert "ASSUMPTION" in v.note
    # no name clashes with the default parameter files
    load_parameters((*PARAMETER_FILES, *FILE))


def test_ecs_entries_are_flagged_hypotheses() -> None:
    for name in ("ki_cb1_7oh_hyp", "tau_cb1_7oh_hyp", "w_ecs_hyp"):
        v = load_parameters(FILE)[name]
        assert (v.kind, v.grade) == ("assumption", "E")
        assert "no binding study exists" in v.note.lower() and "AM251" in v.note


def test_receptor_numbers_respect_the_evidence() -> None:
    v = load_parameters(FILE)
    assert v["tau_mor_mg"].value < v["tau_mor_7oh"].value
    assert v["tau_mor_mg"].high < v["tau_mor_7oh"].value
    assert v["tau_mor_7oh"].value == pytest.approx(0.413 / 0.587, abs=0.005)
    assert v["ki_mor_7oh"].low <= 13.5 and v["ki_mor_7oh"].high >= 709.0
    assert v["ki_mor_mg"].low <= 77.9 and v["ki_mor_mg"].high >= 709.0
    assert v["ki_mor_7oh"].value < v["ki_mor_mg"].value  # Matsumoto 2004
    assert v["ki_kor_mg"].value > 2 * v["ki_mor_mg"].value  # Yue 2018
    assert v["ki_dor_mg"].value == pytest.approx(16 * v["ki_mor_mg"].value)
    assert v["ki_a2a_mg"].value == 1260.0
    assert v["fu_mg"].low == pytest.approx(0.05) and v["fu_mg"].high == pytest.approx(0.15)
    for corner in ("low", "high"):  # every range corner is a physically valid parameter set
        receptor_params_from_values({n: getattr(e, corner) for n, e in v.items()})
