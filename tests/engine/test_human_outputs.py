"""Breathing and pupils through the generated kernel: the spec's relation, sign and dose order."""

from __future__ import annotations

import numpy as np

from kratomsim.engine.subjects import Dosing, simulate_subjects
from kratomsim.evidence.model_parameters import central_values

T = np.linspace(0.0, 24.0, 97)


def _run(mg: list[float], oh: list[float]):
    """One subject per (mitragynine, 7-OH) single dose in mg, capsule absorption, cited values."""
    n = len(mg)
    values = {k: np.full(n, v) for k, v in central_values("capsule").items()}
    dosing = Dosing(
        "capsule", np.zeros(1), np.array(mg, float)[:, None], np.array(oh, float)[:, None], T
    )
    return simulate_subjects(values, dosing)


def test_kernel_outputs_follow_the_cited_relations_of_mu_activation() -> None:
    out = _run([26.6, 0.0], [0.0, 15.0])
    a = np.clip(out.mu_activation, 0.0, 0.999)
    # FDA naive-user relation with the cited values (ventilation_pupil evidence file)
    vent = 100.0 * ((1 - a**5.2) * (1 - 0.6227 * a**1.629) - 1)
    np.testing.assert_allclose(out.ventilation_change_pct, vent, rtol=1e-9, atol=1e-12)
    q, q50 = a / (1 - a), 0.593 / (1 - 0.593)
    pupil = -3.2 * q**1.9 / (q50**1.9 + q**1.9)
    np.testing.assert_allclose(out.pupil_change_mm, pupil, rtol=1e-9, atol=1e-12)


def test_ventilation_change_is_never_positive_and_falls_with_dose() -> None:
    grams = np.array([0.5, 1.0, 2.0, 4.0, 8.0, 16.0])
    out = _run(list(grams * 13.3), [0.0] * grams.size)
    vent = out.ventilation_change_pct
    assert np.all(vent <= 0.0) and np.all(vent >= -100.0)
    lowest = vent.min(axis=1)
    assert np.all(np.diff(lowest) < 0), lowest  # more leaf, more depression
    pupil = out.pupil_change_mm.min(axis=1)
    assert np.all(np.diff(pupil) < 0), pupil


def test_a_7oh_tablet_narrows_pupils_more_than_its_placebo() -> None:
    out = _run([0.0, 0.0], [15.0, 0.0])  # 15 mg 7-OH tablet; the same tablet without 7-OH
    tablet, placebo = out.pupil_change_mm
    assert np.all(placebo == 0.0) and np.all(out.ventilation_change_pct[1] == 0.0)
    assert tablet.min() < -0.1  # mm: a visible constriction at the cited values
    assert np.all(tablet <= placebo)
