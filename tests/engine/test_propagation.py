"""Exact propagation against closed forms, the SciPy ODE path, superposition and linearity."""

from __future__ import annotations

import numpy as np
import pytest

from kratomsim.engine.core import concentrations_nm, simulate_concentrations, simulate_states
from kratomsim.engine.exact import MAX_EIGEN_CONDITION, modal_form, propagate
from kratomsim.evidence import load_parameters, resolve_product
from kratomsim.evidence.params import model_inputs
from oracles.ode import integrate


def bateman(t: np.ndarray, dose: float, ka: float, k: float, v: float) -> np.ndarray:
    """One-compartment oral absorption, closed form (Bateman 1910)."""
    return dose * ka / (v * (ka - k)) * (np.exp(-k * t) - np.exp(-ka * t))


def one_compartment(ka: float, k: float) -> np.ndarray:
    # states: depot, central, eliminated
    return np.array([[[-ka, 0, 0], [ka, -k, 0], [0, k, 0]]], dtype=float)


def default_params(product: str = "tea") -> dict[str, float]:
    return model_inputs(load_parameters(), resolve_product(product)).params


def test_single_dose_matches_bateman() -> None:
    ka, k, v, dose = 1.7, 0.15, 40.0, 1000.0
    t = np.linspace(0, 48, 481)
    x = propagate(one_compartment(ka, k), np.array([0.0]), np.array([[[dose]]]), (0,), t)
    np.testing.assert_allclose(x[0, :, 1] / v, bateman(t, dose, ka, k, v), rtol=1e-10, atol=1e-12)


def test_repeated_doses_match_bateman_superposition() -> None:
    ka, k, v, dose = 0.9, 0.05, 100.0, 500.0
    doses = np.arange(0, 72, 12.0)
    t = np.linspace(0, 120, 1201)
    x = propagate(one_compartment(ka, k), doses, np.full((1, doses.size, 1), dose), (0,), t)
    expected = sum(
        np.where(t >= td, bateman(np.clip(t - td, 0, None), dose, ka, k, v), 0.0) for td in doses
    )
    np.testing.assert_allclose(x[0, :, 1] / v, expected, rtol=1e-9, atol=1e-12)


def test_irregular_output_times_and_doses_between_outputs() -> None:
    ka, k, v, dose = 2.0, 0.3, 10.0, 100.0
    t = np.array([0.1, 0.37, 1.0, 5.5, 7.25, 30.0])
    doses = np.array([0.0, 3.3, 6.1])
    x = propagate(one_compartment(ka, k), doses, np.full((1, 3, 1), dose), (0,), t)
    expected = sum(
        np.where(t >= d, bateman(np.clip(t - d, 0, None), dose, ka, k, v), 0) for d in doses
    )
    np.testing.assert_allclose(x[0, :, 1] / v, expected, rtol=1e-10)


@pytest.mark.parametrize("product", ["tea", "leaf-powder", "7oh-concentrate"])
def test_exact_matches_ode_within_1e_6(product: str) -> None:
    params = default_params(product)
    doses = np.array([0.0, 8.0, 16.0, 24.0, 31.5, 48.0])
    alk = {
        "mitragynine": np.full(doses.size, 26.0),
        "7-hydroxymitragynine": np.full(doses.size, 4.0),
    }
    t = np.linspace(0, 96, 385)
    p, exact = simulate_states(params, doses, alk, t)
    _, ode = simulate_states(params, doses, alk, t, solver=integrate)
    c_exact, c_ode = concentrations_nm(p, exact), concentrations_nm(p, ode)
    big = c_ode > 1e-9 * c_ode.max()
    assert np.max(np.abs(c_exact - c_ode)[big] / c_ode[big]) <= 1e-6


def test_superposition_of_two_regimens() -> None:
    params = default_params()
    t = np.linspace(0, 72, 289)
    a_times, b_times = np.array([0.0, 12.0]), np.array([5.0, 30.0])
    _, ca = simulate_concentrations(params, a_times, {"mitragynine": np.array([20.0, 20.0])}, t)
    _, cb = simulate_concentrations(params, b_times, {"mitragynine": np.array([7.0, 40.0])}, t)
    both = np.concatenate([a_times, b_times])
    _, cab = simulate_concentrations(params, both, {"mitragynine": np.array([20, 20, 7, 40.0])}, t)
    np.testing.assert_allclose(cab, ca + cb, rtol=1e-10, atol=1e-12)


def test_dose_linearity() -> None:
    params = default_params()
    t = np.linspace(0, 48, 97)
    _, one = simulate_concentrations(params, np.array([0.0]), {"mitragynine": np.array([13.3])}, t)
    _, three = simulate_concentrations(
        params, np.array([0.0]), {"mitragynine": np.array([39.9])}, t
    )
    np.testing.assert_allclose(three, 3 * one, rtol=1e-10, atol=1e-14)


def test_concentration_path_equals_full_state_path() -> None:
    params = default_params()
    t = np.linspace(0, 100, 201)
    doses = np.arange(0, 48, 8.0)
    alk = {"mitragynine": np.full(doses.size, 30.0)}
    p, states = simulate_states(params, doses, alk, t)
    _, conc = simulate_concentrations(params, doses, alk, t)
    full = concentrations_nm(p, states)
    np.testing.assert_allclose(conc, full, rtol=1e-10, atol=1e-12 * full.max())


def test_degenerate_rates_fall_back_to_expm_and_stay_exact() -> None:
    params = dict(default_params())
    params["ka_mg"] = params["kme"]  # equal eigenvalues: the eigenvector matrix is singular
    params["ka_7oh"] = params["kme"]
    p, states = simulate_states(
        params, np.array([0.0]), {"mitragynine": np.array([30.0])}, np.linspace(0, 24, 97)
    )
    from kratomsim.models.pk import rate_matrix

    *_, ok = modal_form(rate_matrix(p))
    assert not ok[0], f"expected condition number above {MAX_EIGEN_CONDITION:g}"
    _, ode = simulate_states(
        params,
        np.array([0.0]),
        {"mitragynine": np.array([30.0])},
        np.linspace(0, 24, 97),
        solver=integrate,
    )
    c, c_ode = concentrations_nm(p, states), concentrations_nm(p, ode)
    big = c_ode > 1e-9 * c_ode.max()
    assert np.max(np.abs(c - c_ode)[big] / c_ode[big]) <= 1e-6


def test_subjects_are_independent(rng: np.random.Generator) -> None:
    base = default_params()
    n = 7
    params = {k: np.full(n, v) for k, v in base.items()}
    params["cl"] = base["cl"] * np.exp(0.4 * rng.standard_normal(n))
    t = np.linspace(0, 48, 49)
    doses = np.array([0.0, 8.0])
    _, together = simulate_concentrations(params, doses, {"mitragynine": np.array([20.0, 20.0])}, t)
    for s in range(n):
        single = {k: float(v[s]) for k, v in params.items()}
        _, alone = simulate_concentrations(
            single, doses, {"mitragynine": np.array([20.0, 20.0])}, t
        )
        np.testing.assert_allclose(together[s], alone[0], rtol=1e-12, atol=1e-15)


def test_ode_path_agrees_on_bateman() -> None:
    ka, k, v, dose = 1.1, 0.2, 5.0, 50.0
    t = np.linspace(0, 30, 61)
    x = integrate(one_compartment(ka, k), np.array([0.0]), np.array([[[dose]]]), (0,), t)
    np.testing.assert_allclose(x[0, :, 1] / v, bateman(t, dose, ka, k, v), rtol=1e-7, atol=1e-10)
