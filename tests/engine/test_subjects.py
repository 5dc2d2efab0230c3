"""The shared full-model kernel agrees with the outcome simulation and the PK engine."""

from __future__ import annotations

import numpy as np
import pytest

from kratomsim import simulate
from kratomsim.analyses.outcomes import simulate_outcomes
from kratomsim.engine.subjects import (
    SCALAR_OUTPUTS,
    dosing_for,
    simulate_subjects,
    subject_summaries,
)
from kratomsim.evidence import cited_inputs, resolve_product
from kratomsim.evidence.model_parameters import (
    central_values,
    parameter_names,
    uncertain_parameters,
)
from kratomsim.models.regimen_text import parse_regimen

REGIMEN = "2 g every 8 h for 5 days"


@pytest.fixture(scope="module")
def central_run():
    dosing = dosing_for(parse_regimen(REGIMEN), cited_inputs(resolve_product("tea")))
    values = {k: np.full(3, v) for k, v in central_values("tea").items()}
    return dosing, simulate_subjects(values, dosing)


def test_matches_outcome_simulation_at_central_values(central_run) -> None:
    dosing, out = central_run
    ref = simulate_outcomes(
        parse_regimen(REGIMEN),
        product=resolve_product("tea"),
        n_draws=1,
        duration_h=float(dosing.time_h[-1]),  # outcomes follow withdrawal longer by default
    )
    assert np.array_equal(ref.time_h, dosing.time_h)
    np.testing.assert_allclose(out.withdrawal_score[0], ref.get("withdrawal_score").central)
    np.testing.assert_allclose(out.tolerance[1], ref.get("tolerance").central)
    np.testing.assert_allclose(out.mu_activation[2], ref.get("mu_activation").central)


def test_concentrations_match_the_pk_engine(central_run) -> None:
    _, out = central_run
    sim = simulate(REGIMEN, product="tea")
    np.testing.assert_allclose(out.mg_nm[0], sim.conc_nm[0, :, 0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out.oh7_nm[0], sim.conc_nm[0, :, 1], rtol=1e-12, atol=1e-12)


def test_summaries_are_per_subject_scalars(central_run) -> None:
    _, out = central_run
    s = subject_summaries(out)
    assert set(s) == set(SCALAR_OUTPUTS)
    for name, v in s.items():
        assert v.shape == (3,), name
    sim = simulate(REGIMEN, product="tea")
    assert s["cmax_mg_nm"][0] == pytest.approx(sim.conc_nm[0, :, 0].max())
    assert s["withdrawal_peak"][0] == pytest.approx(out.withdrawal_score[0].max())


def test_heavier_use_gives_a_withdrawal_peak() -> None:
    values = {k: np.full(1, v) for k, v in central_values("tea").items()}
    light = subject_summaries(
        simulate_subjects(
            values, dosing_for(parse_regimen(REGIMEN), cited_inputs(resolve_product("tea")))
        )
    )
    heavy = subject_summaries(
        simulate_subjects(
            values,
            dosing_for(
                parse_regimen("4 g every 6 h for 14 days"), cited_inputs(resolve_product("tea"))
            ),
        )
    )
    assert 0 <= light["withdrawal_peak"][0] < heavy["withdrawal_peak"][0] <= 64
    assert heavy["tolerance_peak"][0] > light["tolerance_peak"][0]


def test_content_scaling_raises_exposure_a_little_more_than_proportionally() -> None:
    dosing = dosing_for(parse_regimen(REGIMEN), cited_inputs(resolve_product("tea")))
    values = {k: np.full(2, v) for k, v in central_values("tea").items()}
    scaled = dosing.with_content(np.array([1.0, 2.0]))
    out = simulate_subjects(values, scaled, outputs=("mitragynine_nm", "mu_activation"))
    auc = np.trapezoid(out.mg_nm, out.time_h, axis=-1)
    # twice the alkaloid, more than twice the exposure: mitragynine inactivates CYP3A
    assert 2.0 < auc[1] / auc[0] < 2.6
    assert "ventilation_change_pct" not in out.names
    # more alkaloid, more activation (monotone, not linear)
    assert out.mu_activation[1].max() > out.mu_activation[0].max()


def test_uncertain_parameters_are_a_subset_with_ranges() -> None:
    names = set(parameter_names("capsule"))
    unc = uncertain_parameters("capsule")
    assert unc and all(v.name in names and v.low < v.high for v in unc)
    assert "ka" in {v.name for v in unc}  # the capsule's absorption rate, under its spec name
    assert {"ka_tea", "ka_capsule"}.isdisjoint(names)


@pytest.mark.parametrize(
    ("name", "bad"),
    # ki is declared in µM and used in nM: 1e308 µM is finite, 1e311 nM is not
    [("ka", np.nan), ("ka", np.inf), ("ki_tdi_cyp3a_gut", 1e308)],
)
def test_a_parameter_that_is_not_finite_in_base_units_is_named(name: str, bad: float) -> None:
    from kratomsim.errors import ModelSpecError

    dosing = dosing_for(parse_regimen(REGIMEN), cited_inputs(resolve_product("tea")))
    values = {k: np.full(3, v) for k, v in central_values("tea").items()}
    values[name] = np.array([values[name][0], bad, values[name][0]])
    with pytest.raises(ModelSpecError, match=f"Parameter {name} must be finite"):
        simulate_subjects(values, dosing, outputs=("mitragynine_nm",))
