"""Tolerance, dependence and withdrawal from a MOR activation series (models/adaptation.py).

The behaviours (a)-(e) use a realistic activation built here only: plasma mitragynine from
``kratomsim.simulate`` through a placeholder saturating map E = C / (C + 50 nM). The real receptor
layer replaces it in the engine; these tests pin down the model's structure and its defaults.
"""

from __future__ import annotations

from dataclasses import fields
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.integrate import solve_ivp

from kratomsim import simulate
from kratomsim.errors import ModelSpecError
from kratomsim.evidence import load_parameters, load_references
from kratomsim.models.adaptation import (
    PARAMETER_NAMES,
    SIGNS_THRESHOLD,
    SOWS_MAX,
    AdaptationParams,
    calibrate_withdrawal_gain,
    integrate_adaptation,
    withdrawal_episode,
    withdrawal_score,
)

EC50_PLACEHOLDER_NM = 50.0
DAYS = 28
GRID = np.round(np.arange(0.0, (DAYS + 16) * 24.0 + 1e-9, 0.1), 10)
#: Same daily amount (12 g of tea, about 234 mg mitragynine) split into 1-4 doses.
SPLITS = ((1, 12), (2, 6), (3, 4), (4, 3))


@cache
def activation(regimen: str) -> np.ndarray:
    """Placeholder MOR activation from simulated plasma mitragynine (nM)."""
    c = simulate(regimen, product="tea", times_h=GRID).conc_nm[0][:, 0]
    return c / (c + EC50_PLACEHOLDER_NM)


def daily(per_day: int, grams: float, days: int = DAYS) -> tuple[np.ndarray, float]:
    """Activation of ``per_day`` equal doses a day for ``days`` days, and the last dose time."""
    every = 24 // per_day
    return activation(f"{grams:g} g every {every} h for {days} days"), (days * per_day - 1) * every


def at(t: float) -> int:
    return int(np.searchsorted(GRID, t - 1e-9))


# --- evidence file ---------------------------------------------------------------------------


def test_parameter_file_is_cited_and_matches_the_defaults() -> None:
    params = load_parameters(("adaptation.toml",))
    refs = load_references()
    for v in params.values():
        assert v.source in refs
        assert v.low <= v.value <= v.high
        if v.kind == "assumption":
            assert "ASSUMPTION" in v.note
    from_file = AdaptationParams.from_mapping(params.values_dict())
    default = AdaptationParams()
    for f in fields(AdaptationParams):
        assert getattr(from_file, f.name) == pytest.approx(getattr(default, f.name)), f.name
        # Any value drawn from the cited range is a valid parameter.
        cited = params[PARAMETER_NAMES[f.name]]
        AdaptationParams(**{f.name: cited.low})
        AdaptationParams(**{f.name: cited.high})
    assert params["wd_signs_threshold"].value == SIGNS_THRESHOLD
    assert params["sows_max"].value == SOWS_MAX


def test_parameter_file_merges_with_the_other_outcome_files() -> None:
    names = set(load_parameters(("receptors.toml", "adaptation.toml", "outcomes.toml")))
    assert set(PARAMETER_NAMES.values()) <= names


# --- behaviours (a)-(e) ------------------------------------------------------------------------


def test_a_tolerance_rises_with_repeated_dosing_and_reverses_after_stopping() -> None:
    e, last = daily(3, 4)
    s = integrate_adaptation(GRID, e)
    same_phase = [s.tolerance[at(d * 24.0)] for d in (1, 3, 7, 14)]
    assert np.all(np.diff(same_phase) > 0)
    after = s.tolerance[at(last + 24.0) :]
    assert np.all(np.diff(after) < 0)
    assert s.tolerance[at(last + 14 * 24.0)] < 0.3 * s.tolerance[at(last)]
    assert s.effective[at(last + 1)] < e[at(last + 1)]


def test_b_more_doses_of_the_same_daily_amount_give_more_withdrawal() -> None:
    peaks, burdens, adapted, mean_e = [], [], [], []
    for per_day, grams in SPLITS:
        e, last = daily(per_day, grams)
        s = integrate_adaptation(GRID, e)
        ep = withdrawal_episode(GRID, s.score, last)
        peaks.append(ep.peak)
        burdens.append(ep.burden)
        adapted.append(s.counter[at(last)])
        mean_e.append(e[at(last - 72.0) : at(last)].mean())
    # Saturation: an even profile gives a higher mean activation for the same AUC.
    assert np.all(np.diff(mean_e) > 0)
    assert np.all(np.diff(adapted) > 0)
    assert np.all(np.diff(peaks) > 0)
    assert np.all(np.diff(burdens) > 0)
    assert peaks[2] > 1.1 * peaks[0]  # 3 a day vs once a day: about 17.6 vs 14.9 SOWS points
    assert burdens[2] > 1.2 * burdens[0]


@pytest.mark.parametrize(("per_day", "grams"), SPLITS)
def test_c_no_signs_for_10_h_then_onset_peak_and_resolution_over_days(
    per_day: int, grams: float
) -> None:
    e, last = daily(per_day, grams)
    s = integrate_adaptation(GRID, e)
    window = (GRID >= last) & (GRID <= last + 10.0)
    assert s.score[window].max() < SIGNS_THRESHOLD
    ep = withdrawal_episode(GRID, s.score, last)
    assert ep.latency_h > 10.0
    assert 24.0 < ep.peak_h - last < 10 * 24.0
    assert SIGNS_THRESHOLD < ep.peak < SOWS_MAX / 2
    assert 2 * 24.0 < ep.duration_h < 14 * 24.0
    assert s.score[-1] < SIGNS_THRESHOLD  # resolved before the end of the window


def test_c_three_a_day_stays_below_signs_for_20_h() -> None:
    # Vicknasingam 2020: no withdrawal signs during 10-20 h of discontinuation (3.5 drinks a day).
    e, last = daily(3, 4)
    s = integrate_adaptation(GRID, e)
    assert s.score[(GRID >= last) & (GRID <= last + 20.0)].max() < SIGNS_THRESHOLD


def test_c_no_signs_between_regular_doses() -> None:
    for per_day, grams in SPLITS:
        e, last = daily(per_day, grams)
        s = integrate_adaptation(GRID, e)
        assert s.score[at(7 * 24.0) : at(last)].max() < SIGNS_THRESHOLD


def test_d_missed_dose_gives_a_smaller_transient_than_cessation() -> None:
    e_stop, last = daily(3, 4)
    stop = withdrawal_episode(GRID, integrate_adaptation(GRID, e_stop).score, last)
    missed_at = 60 * 8.0  # dose 61, day 20
    for missed in ("61", "61-63"):
        e = activation(f"4 g every 8 h for {DAYS} days; miss doses {missed}")
        s = integrate_adaptation(GRID, e)
        transient = s.score[at(missed_at) : at(missed_at + 96.0)].max()
        assert transient < 0.5 * stop.peak
    one = integrate_adaptation(GRID, activation(f"4 g every 8 h for {DAYS} days; miss dose 61"))
    assert one.score[at(missed_at) : at(missed_at + 96.0)].max() < SIGNS_THRESHOLD


def test_e_longer_use_gives_a_higher_adapted_level() -> None:
    rows = []
    for days in (2, 4, 7, 14, 28):
        e, last = daily(3, 4, days)
        s = integrate_adaptation(GRID, e)
        ep = withdrawal_episode(GRID, s.score, last)
        rows.append((s.tolerance[at(last)], s.counter[at(last)], ep.peak, ep.burden))
    for column in np.array(rows).T:
        assert np.all(np.diff(column) > 0)


def test_e_larger_daily_amount_gives_a_higher_adapted_level() -> None:
    levels = [
        integrate_adaptation(GRID, daily(3, g)[0]).counter[at(daily(3, g)[1])] for g in (2, 4, 8)
    ]
    assert np.all(np.diff(levels) > 0)


# --- properties --------------------------------------------------------------------------------

rates = st.fixed_dictionaries(
    {
        "k_on": st.floats(0.0, 0.2),
        "k_off": st.floats(1e-3, 0.05),
        "t_max": st.floats(0.0, 1.0),
        "k_h": st.floats(1e-3, 0.1),
        "threshold": st.floats(0.0, 0.3),
        "gain": st.floats(0.1, 50.0),
        "steepness": st.floats(0.5, 5.0),
    }
)
series = hnp.arrays(np.float64, st.integers(2, 60), elements=st.floats(0.0, 0.999))


@settings(max_examples=100)
@given(rates, series, st.floats(0.05, 24.0))
def test_bounds_hold_for_any_activation(kw: dict[str, float], e: np.ndarray, dt: float) -> None:
    t = np.arange(e.size) * dt
    p = AdaptationParams(**kw)
    s = integrate_adaptation(t, e, p)
    assert s.tolerance.shape == s.score.shape == e.shape
    assert np.all(s.tolerance >= 0)
    assert np.all(s.tolerance < kw["t_max"]) or (kw["t_max"] == 0 and np.all(s.tolerance == 0))
    assert np.all(s.effective <= e + 1e-15)
    assert np.all(s.counter >= -1e-12)
    assert np.all((s.score >= 0) & (s.score < SOWS_MAX))
    assert np.all(s.drive >= 0)


@settings(max_examples=60)
@given(rates, series, series, st.floats(0.5, 12.0))
def test_tolerance_is_monotone_in_activation(
    kw: dict[str, float], a: np.ndarray, b: np.ndarray, dt: float
) -> None:
    n = min(a.size, b.size)
    lo, hi = np.minimum(a[:n], b[:n]), np.maximum(a[:n], b[:n])
    t = np.arange(n) * dt
    p = AdaptationParams(**kw)
    t_lo = integrate_adaptation(t, lo, p).tolerance
    t_hi = integrate_adaptation(t, hi, p).tolerance
    assert np.all(t_lo <= t_hi + 1e-12)


@settings(max_examples=60)
@given(rates, st.floats(0.0, 0.99), st.floats(0.0, 0.99))
def test_adapted_level_is_monotone_in_sustained_activation(
    kw: dict[str, float], x: float, y: float
) -> None:
    t = np.linspace(0.0, 40000.0, 401)
    p = AdaptationParams(**kw)
    lo, hi = (integrate_adaptation(t, np.full(t.size, v), p) for v in sorted((x, y)))
    assert lo.counter[-1] <= hi.counter[-1] + 1e-9
    assert lo.tolerance[-1] <= hi.tolerance[-1] + 1e-12


def test_integration_is_exact_for_piecewise_constant_activation() -> None:
    p = AdaptationParams(k_on=0.05, k_off=0.01, t_max=0.7, k_h=0.03)
    t = np.array([0.0, 3.0, 10.0, 30.0, 31.0, 80.0, 200.0])
    e = np.array([0.2, 0.6, 0.9, 0.1, 0.5, 0.0, 0.3])
    mid = 0.5 * (e[1:] + e[:-1])

    def rhs(s: float, y: np.ndarray) -> list[float]:
        ei = mid[min(np.searchsorted(t, s, side="right") - 1, mid.size - 1)]
        tol, h = y
        return [0.05 * ei * (0.7 - tol) - 0.01 * tol, 0.03 * (ei * (1 - tol) - h)]

    ref = solve_ivp(rhs, (0, 200), [0.0, 0.0], t_eval=t, rtol=1e-11, atol=1e-13, max_step=0.5)
    s = integrate_adaptation(t, e, p)
    np.testing.assert_allclose(s.tolerance, ref.y[0], atol=1e-8)
    # H integrates E_eff of the piecewise-constant E; at grid points E_eff uses the grid E.
    np.testing.assert_allclose(s.counter, ref.y[1], atol=1e-8)


def test_rates_equal_to_each_other_are_handled() -> None:
    t = np.linspace(0.0, 100.0, 11)
    e = np.full(t.size, 0.5)
    p = AdaptationParams(k_on=0.02, k_off=0.01, k_h=0.02)  # b = k_h exactly
    near = AdaptationParams(k_on=0.02, k_off=0.01, k_h=0.02 * (1 + 1e-7))
    np.testing.assert_allclose(
        integrate_adaptation(t, e, p).counter, integrate_adaptation(t, e, near).counter, rtol=1e-6
    )


def test_subjects_are_vectorised_with_per_subject_parameters() -> None:
    t = np.linspace(0.0, 300.0, 301)
    rng = np.random.default_rng(7)
    e = rng.uniform(0.0, 0.9, (3, t.size))
    k_h = np.array([0.005, 0.01, 0.05])
    both = integrate_adaptation(t, e, AdaptationParams(k_h=k_h), tolerance0=0.1, counter0=0.2)
    for i in range(3):
        one = integrate_adaptation(
            t, e[i], AdaptationParams(k_h=float(k_h[i])), tolerance0=0.1, counter0=0.2
        )
        np.testing.assert_allclose(both.score[i], one.score)
        np.testing.assert_allclose(both.counter[i], one.counter)


def test_bad_inputs_raise_model_spec_errors() -> None:
    t = np.linspace(0.0, 10.0, 11)
    with pytest.raises(ModelSpecError, match=r"\[0, 1\)"):
        integrate_adaptation(t, np.full(11, 1.0))
    with pytest.raises(ModelSpecError, match="matching the grid"):
        integrate_adaptation(t, np.zeros(10))
    with pytest.raises(ModelSpecError, match="strictly increasing"):
        integrate_adaptation(t[::-1], np.zeros(11))
    with pytest.raises(ModelSpecError, match="k_off"):
        AdaptationParams(k_off=0.0)
    with pytest.raises(ModelSpecError, match="t_max"):
        AdaptationParams(t_max=1.5)
    with pytest.raises(ModelSpecError, match="common length"):
        AdaptationParams(k_on=np.ones(2), k_h=np.ones(3))
    with pytest.raises(ModelSpecError, match="per row"):
        integrate_adaptation(t, np.zeros((2, 11)), AdaptationParams(k_h=np.full(3, 0.01)))
    with pytest.raises(ModelSpecError, match="Initial state"):
        integrate_adaptation(t, np.zeros(11), tolerance0=0.9)


# --- withdrawal episode and score map --------------------------------------------------------


def test_withdrawal_episode_on_a_triangle() -> None:
    t = np.arange(0.0, 101.0)
    score = np.interp(t, [0, 20, 40, 60, 100], [0, 0, 20, 0, 0])
    ep = withdrawal_episode(t, score, 10.0)
    assert ep.onset_h == 25.0  # first grid point with score ≥ 5
    assert ep.latency_h == 15.0
    assert (ep.peak, ep.peak_h) == (20.0, 40.0)
    assert ep.duration_h == pytest.approx(30.0)  # 25 → 55 h above 5
    assert ep.burden == pytest.approx(400.0)
    late = withdrawal_episode(t, score, 70.0)
    assert np.isnan(late.onset_h) and late.duration_h == 0.0
    two = withdrawal_episode(t, np.vstack([score, 0.5 * score]), 10.0)
    np.testing.assert_allclose(two.peak, [20.0, 10.0])
    with pytest.raises(ModelSpecError, match="two grid points"):
        withdrawal_episode(t, score, 100.0)


def test_score_map_and_its_calibration() -> None:
    assert withdrawal_score(0.0, 6.0, 2.0) == 0.0
    assert withdrawal_score(1 / 6.0, 6.0, 2.0) == pytest.approx(32.0)
    g = calibrate_withdrawal_gain(0.2, 13.5, 2.0)
    assert withdrawal_score(0.2, g, 2.0) == pytest.approx(13.5)
    with pytest.raises(ModelSpecError):
        calibrate_withdrawal_gain(0.2, 64.0)
    with pytest.raises(ModelSpecError):
        calibrate_withdrawal_gain(0.0, 10.0)
