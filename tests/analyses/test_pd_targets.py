"""The studies' statistics read from simulated cohorts, and how each observation is weighed."""

from __future__ import annotations

import numpy as np
import pytest

from kratomsim.analyses.cohorts import Cohort, CohortRun, cohort_values, dose_times, make_cohort
from kratomsim.analyses.pd_targets import (
    cpt_fold,
    loglik,
    moderate_withdrawal_or,
    peak_share,
    signs_10_20h,
    sows_mean,
    sows_sd,
    targets,
)
from kratomsim.evidence.studies import Observation, Uncertainty


def _cohort(doses: list[int], weight: list[float]) -> Cohort:
    n = len(doses)
    return Cohort(
        "malaysia_tea",
        "tea",
        np.asarray(doses),
        np.full(n, 50.0),
        np.zeros(n),
        np.asarray(weight, float),
        {},
        np.zeros(n),
    )


def _run(cohort: Cohort, peaks: list[list[float]], **kw: np.ndarray) -> CohortRun:
    peaks_a = np.asarray(peaks, float)  # (sets, members)
    wd = np.zeros((*peaks_a.shape, 97))
    wd[:, :, 40] = peaks_a  # the peak 40 h after the last dose
    sets, m = peaks_a.shape
    ones = np.ones((sets, m))
    return CohortRun(
        cohort,
        kw.get("tolerance", ones * 0.3),
        kw.get("dependence", ones * 0.1),
        kw.get("before", ones * 10.0),
        kw.get("after", ones * 20.0),
        kw.get("withdrawal", wd),
    )


def test_weighted_share_and_mean_by_hand() -> None:
    co = _cohort([1, 2, 4, 6], [0.1, 0.2, 0.3, 0.4])
    run = _run(co, [[0.0, 6.0, 12.0, 30.0]])
    # shares at or above the 5-point threshold: members 2, 3, 4 → 0.2 + 0.3 + 0.4
    assert peak_share("signs_threshold_sows", lambda r: np.ones(4, bool))(run)[0] == pytest.approx(
        0.9
    )
    mean = 0.2 * 6 + 0.3 * 12 + 0.4 * 30
    assert sows_mean(run)[0] == pytest.approx(mean)
    var = 0.1 * mean**2 + 0.2 * (6 - mean) ** 2 + 0.3 * (12 - mean) ** 2 + 0.4 * (30 - mean) ** 2
    assert sows_sd(run)[0] == pytest.approx(np.sqrt(var))


def test_odds_ratio_splits_above_three_doses() -> None:
    co = _cohort([1, 3, 4, 5], [0.25, 0.25, 0.25, 0.25])
    # ≥ 11 points: member at 3 a day (low group) and at 4 and 5 a day (both high)
    run = _run(co, [[0.0, 12.0, 20.0, 15.0]])
    p1 = 0.995  # both high-group members → share 1, clipped
    p0 = 0.5
    assert moderate_withdrawal_or(run)[0] == pytest.approx((p1 / (1 - p1)) / (p0 / (1 - p0)))


def test_cold_pressor_fold_is_a_ratio_of_means_over_more_than_once_a_day() -> None:
    co = _cohort([1, 2, 3], [0.5, 0.25, 0.25])
    before = np.array([[100.0, 10.0, 20.0]])
    after = np.array([[100.0, 30.0, 40.0]])
    run = _run(co, [[0, 0, 0]], before=before, after=after)
    # the once-a-day member is not in the study (registry: more than once a day)
    assert cpt_fold(run)[0] == pytest.approx((30 + 40) / (10 + 20))


def test_signs_window_is_10_to_20_hours() -> None:
    co = _cohort([2, 3], [0.5, 0.5])
    wd = np.zeros((1, 2, 97))
    wd[0, 0, 9] = 30.0  # before the window: not counted
    wd[0, 1, 15] = 6.0  # inside it
    run = _run(co, [[0, 0]], withdrawal=wd)
    assert signs_10_20h(run)[0] == pytest.approx(0.5)
    wd[0, 1, 15] = 0.0
    wd[0, 1, 21] = 50.0  # after it
    assert signs_10_20h(_run(co, [[0, 0]], withdrawal=wd))[0] == 0.0


def _obs(**kw: object) -> Observation:
    base = dict(
        id="x",
        statistic="share_x",
        definition="d",
        instrument="i",
        time_frame="t",
        value=0.8,
        unit="proportion",
        uncertainty=Uncertainty(kind="binomial", n=150),
        locator="Abstract",
        grade="B",
        usable_for_calibration=True,
        reason="r",
    )
    base.update(kw)
    return Observation.model_validate(base)


def test_share_likelihood_peaks_at_the_observation_with_an_effective_n() -> None:
    obs = _obs()
    p = np.linspace(0.05, 0.95, 91)
    ll = loglik(obs, p)
    assert p[np.argmax(ll)] == pytest.approx(0.8)
    assert ll.max() == pytest.approx(0.0, abs=1e-9)
    icc = cohort_values()["share_icc"]
    n_eff = 150 / (1 + 149 * icc)
    want = n_eff * (0.8 * np.log(0.5 / 0.8) + 0.2 * np.log(0.5 / 0.2))
    assert loglik(obs, np.array([0.5]))[0] == pytest.approx(want)


def test_lower_bound_counts_only_below_it() -> None:
    obs = _obs(value=0.25, uncertainty=Uncertainty(kind="lower_bound", n=129))
    ll = loglik(obs, np.array([0.1, 0.25, 0.6, 0.99]))
    assert ll[0] < -1.0
    assert np.all(ll[1:] == 0.0)


def test_odds_ratio_likelihood_uses_the_ci_on_the_log_scale() -> None:
    obs = _obs(
        statistic="odds_ratio_x",
        value=3.1,
        unit="odds ratio",
        uncertainty=Uncertainty(kind="ci95", low=1.5, high=6.3),
    )
    sd = (np.log(6.3) - np.log(1.5)) / (2 * 1.959964)
    total = np.hypot(sd, cohort_values()["relative_discrepancy"])
    got = loglik(obs, np.array([3.1, 3.1 * np.exp(total)]))
    assert got[0] == pytest.approx(0.0)
    assert got[1] == pytest.approx(-0.5)


def test_every_weighed_observation_has_a_reading_and_a_cohort() -> None:
    tg = targets()
    assert len(tg) >= 10
    assert {t.cohort for t in tg} == {"malaysia_tea", "us_leaf"}
    keys = {t.key for t in tg}
    assert "rogers2024_us_remote:sows_mean" in keys
    assert "vicknasingam2020_cold_pressor:no_signs_10_20h" in keys


def test_cohort_mix_matches_the_reported_share_of_heavy_drinkers() -> None:
    co = make_cohort("malaysia_tea", per_group=3)
    assert co.weight.sum() == pytest.approx(1.0)
    share = co.weight[co.doses_per_day >= 3].sum()
    assert share == pytest.approx(cohort_values()["tea_share_3_or_more_glasses"])
    lo, hi = cohort_values()["tea_mg_per_glass_low"], cohort_values()["tea_mg_per_glass_high"]
    assert np.all((co.mg_per_dose >= lo) & (co.mg_per_dose <= hi))
    # members differ in their pharmacokinetics (the population engine's random effects)
    assert np.ptp(co.values["clu_h"]) > 0


def test_dose_times_spread_over_the_waking_day() -> None:
    t = dose_times(3)
    days = int(cohort_values()["cohort_days_of_use"])
    assert t.size == 3 * days
    np.testing.assert_allclose(t[:3], [8.0, 15.0, 22.0])
    assert t[-1] == pytest.approx((days - 1) * 24 + 22.0)
    np.testing.assert_allclose(dose_times(1)[:2], [8.0, 32.0])


def test_cohort_runs_each_member_under_each_set_as_a_direct_simulation() -> None:
    """Indexing check: the batched cohort run equals one member simulated alone."""
    from kratomsim.analyses.cohorts import COHORT_OUTPUTS, FOLLOW_H, simulate_cohort
    from kratomsim.engine.subjects import Dosing, simulate_subjects

    co = make_cohort("us_leaf", per_group=2)
    theta = {"wd_gain": np.array([5.0, 60.0]), "dep_k_h": np.array([0.015, 0.003])}
    theta["wd_threshold"] = np.array([0.1, 0.005])
    theta["omega_wd_gain"] = np.array([0.0, 0.5])
    run = simulate_cohort(co, theta)
    s, m = 1, 5  # second set, a member at 3 doses a day
    assert co.doses_per_day[m] == 3
    times = dose_times(3)
    values = {k: v[m] for k, v in co.values.items()}
    values["wd_gain"] = 60.0 * np.exp(0.5 * co.z_withdrawal[m])
    values["dep_k_h"] = 0.003
    values["wd_threshold"] = 0.005
    last = times[-1]
    t = np.concatenate(([0.0, last + 1e-3], last + np.arange(1.0, FOLLOW_H + 1.0)))
    dose = np.full((1, times.size), co.mg_per_dose[m])
    direct = simulate_subjects(
        values, Dosing("capsule", times, dose, dose * 0, t), outputs=COHORT_OUTPUTS
    )
    # the cohort's grid holds the other members' dose times too, so the two runs step
    # differently: they agree within the kernel's accuracy (1e-6 of the series' largest value)
    want = direct.withdrawal_score[0, 1:]
    np.testing.assert_allclose(
        run.withdrawal[s, m], want, rtol=1e-6, atol=1e-6 * float(np.abs(want).max())
    )
    assert run.withdrawal[s, m].max() > 1.0  # a comparison of non-trivial series
    assert run.withdrawal[s, m].max() > run.withdrawal[0, m].max()
