"""The pain-response chain end to end: exposure → receptors → tolerance, dependence, withdrawal."""

from __future__ import annotations

import numpy as np
import pytest

from kratomsim.analyses.outcomes import outcome_outputs, simulate_outcomes
from kratomsim.analyses.safety import oh7_potency
from kratomsim.engine.subjects import dosing_for, simulate_subjects
from kratomsim.evidence import resolve_product
from kratomsim.evidence.model_parameters import central_values, uncertain_parameters
from kratomsim.evidence.params import cited_inputs
from kratomsim.models.regimen_text import parse_regimen
from kratomsim.models.withdrawal import SIGNS_THRESHOLD
from kratomsim.population.uncertainty import sample_model_values

HEAVY = "4 g every 7 h for 28 days"  # ≈ Singh 2014: 79 mg mitragynine per drink, 3.5 drinks/day


@pytest.fixture(scope="module")
def heavy():
    return simulate_outcomes(
        parse_regimen(HEAVY), product=resolve_product("tea"), n_draws=60, seed=5
    )


def test_every_outcome_has_a_central_line_inside_its_interval(heavy) -> None:
    for s in heavy.series:
        assert s.central.shape == heavy.time_h.shape
        assert np.all(s.low <= s.high)
        inside = (s.central >= s.low - 1e-12) & (s.central <= s.high + 1e-12)
        assert inside.mean() > 0.8, s.name  # the cited set is not an outlier of its own ranges


def test_bounds(heavy) -> None:
    assert np.all(heavy.get("mu_occupancy").high <= 1.0)
    assert np.all(heavy.get("mu_activation").high < 1.0)
    score = heavy.get("withdrawal_score")
    assert np.all((score.low >= 0) & (score.high <= 64))


def test_tolerance_builds_and_reverses(heavy) -> None:
    tol = heavy.get("tolerance").central
    t = heavy.time_h
    last = heavy.withdrawal["after_last_dose_h"]
    at_stop = tol[np.searchsorted(t, last)]
    assert at_stop > tol[np.searchsorted(t, 48.0)] > 0
    assert tol[-1] < 0.5 * at_stop


def test_no_withdrawal_signs_in_the_first_10_hours(heavy) -> None:
    # Vicknasingam 2020: no signs during 10-20 h of discontinuation in daily users.
    t = heavy.time_h
    last = heavy.withdrawal["after_last_dose_h"]
    window = (t >= last) & (t <= last + 10)
    assert heavy.get("withdrawal_score").central[window].max() < SIGNS_THRESHOLD


def test_daily_users_show_withdrawal_on_stopping(heavy) -> None:
    assert heavy.withdrawal["peak_score"] >= SIGNS_THRESHOLD
    assert heavy.withdrawal["onset_h"] is not None
    assert heavy.withdrawal["peak_h"] > heavy.withdrawal["after_last_dose_h"] + 10


def test_frequency_drives_withdrawal_more_than_amount() -> None:
    # Rogers 2024: withdrawal tracked dose frequency more than amount. Same 12 g a day:
    split = simulate_outcomes(
        parse_regimen("4 g every 8 h for 28 days"), product=resolve_product("tea"), n_draws=1
    )
    once = simulate_outcomes(
        parse_regimen("12 g every 24 h for 28 days"), product=resolve_product("tea"), n_draws=1
    )
    assert split.withdrawal["peak_score"] > once.withdrawal["peak_score"]
    area = lambda o: np.trapezoid(o.get("withdrawal_score").central, o.time_h)  # noqa: E731
    assert area(split) > area(once)


def test_endocannabinoid_hypothesis_is_off_by_default_and_labelled_when_on() -> None:
    off = simulate_outcomes(
        parse_regimen("2 g once"), product=resolve_product("tea"), duration_h=48.0, n_draws=1
    )
    on = simulate_outcomes(
        parse_regimen("2 g once"),
        product=resolve_product("tea"),
        duration_h=48.0,
        n_draws=1,
        hypothesis="endocannabinoid",
    )
    assert off.hypothesis is None
    assert "ecs_activation_hypothesis" not in {s.name for s in off.series}
    assert on.get("ecs_activation_hypothesis").central.max() > 0
    assert on.get("analgesic_drive").central.max() > off.get("analgesic_drive").central.max()
    ecs = [v for v in on.used if v.name.endswith("_hyp")]
    assert ecs and all(v.grade == "E" and v.is_assumption for v in ecs)


def test_seeded_and_reproducible() -> None:
    a = simulate_outcomes(parse_regimen("2 g every 12 h for 3 days"), n_draws=20, seed=9)
    b = simulate_outcomes(parse_regimen("2 g every 12 h for 3 days"), n_draws=20, seed=9)
    np.testing.assert_array_equal(a.get("tolerance").high, b.get("tolerance").high)
    c = simulate_outcomes(parse_regimen("2 g every 12 h for 3 days"), n_draws=20, seed=10)
    assert not np.array_equal(a.get("tolerance").high, c.get("tolerance").high)


def test_the_outcomes_kernel_gives_the_full_models_numbers() -> None:
    """The outcomes run only the outputs they read; each is the full model's, to the last bit."""
    names = outcome_outputs()
    assert "mg_unbound_gut_nm" not in names and "ecs_activation" not in names
    assert "ecs_activation" in outcome_outputs("endocannabinoid")
    inputs = cited_inputs(resolve_product("leaf-powder"))
    dosing = dosing_for(parse_regimen("3 g every 8 h for 4 days"), inputs)
    values = {k: np.full(24, v) for k, v in central_values(dosing.absorption).items()}
    values |= sample_model_values(uncertain_parameters(dosing.absorption), 24, seed=3)
    few = simulate_subjects(values, dosing, outputs=names)
    every = simulate_subjects(values, dosing)
    assert len(every.names) > len(few.names)
    for name in names:
        np.testing.assert_array_equal(few.get(name), every.get(name), err_msg=name)


@pytest.mark.parametrize("product", ["leaf-powder", "7oh-concentrate"])
def test_the_7oh_potency_is_the_same_from_the_outcomes_kernel(product) -> None:
    absorption = resolve_product(product).absorption
    values = {k: np.full(16, v) for k, v in central_values(absorption).items()}
    values |= sample_model_values(uncertain_parameters(absorption), 16, seed=4)
    mine = oh7_potency(values, absorption, outcome_outputs())
    assert np.all(mine > 0) and np.ptp(mine) > 0
    np.testing.assert_array_equal(mine, oh7_potency(values, absorption))


def test_a_column_is_the_frames_column_without_the_frame(heavy) -> None:
    frame = heavy.to_frame()
    names = [c for c in frame.columns if not c.endswith(("probability", "_low", "_high"))]
    names += ["relief_nrs_points_low", "withdrawal_score_high"]
    assert {"time_h", "mitragynine", "7-hydroxymitragynine", "tolerance"} <= set(names)
    for name in names:
        np.testing.assert_array_equal(heavy.column(name), frame[name].to_numpy(), err_msg=name)
    with pytest.raises(KeyError):
        heavy.column("nausea_probability")


def test_a_result_keeps_its_lines_not_every_draw_of_the_run(heavy) -> None:
    # a kept (e.g. cached) result holds a few lines per outcome, not the run's (draws, times) arrays
    for s in heavy.series:
        for line in (s.central, s.low, s.high):
            owner = line if line.base is None else line.base
            assert owner.nbytes <= 2 * line.nbytes, s.name


def test_frame_adds_one_column_per_outcome(heavy) -> None:
    frame = heavy.to_frame()
    assert list(frame.columns[:3]) == ["time_h", "mitragynine", "7-hydroxymitragynine"]
    for name in ("mu_activation", "tolerance", "withdrawal_score"):
        assert {name, f"{name}_low", f"{name}_high"} <= set(frame.columns)


def test_chronic_pain_shows_one_relief_figure_with_its_sign() -> None:
    res = simulate_outcomes(
        parse_regimen("3 g twice daily for 2 weeks"),
        pain="chronic",
        baseline_pain=6,
        n_draws=30,
        seed=4,
    )
    p = res.pain
    assert p is not None and p["kind"] == "chronic"
    assert "positive = less pain" in str(p["sense"])
    # twice-daily use relieves: points better (positive), interval ordered and around the centre
    assert 0 < p["relief_points"] < 6
    assert p["relief_points_low"] <= p["relief_points"] <= p["relief_points_high"]
    # it is the mean of the expected relief series over the last day of use, not a second figure
    relief = res.get("relief_nrs_points")
    last = res.withdrawal["after_last_dose_h"]
    day = (res.time_h > last - 24) & (res.time_h <= last)
    assert p["relief_points"] == pytest.approx(relief.central[day].mean())
    names = {s.name for s in res.series}
    assert "relief_nrs_change" not in names and not {"mean_change", "share_2_points"} & set(p)
    nrs = res.get("pain_nrs")
    assert np.all((nrs.low >= 0) & (nrs.high <= 10))


def test_acute_pain_shows_the_cold_pressor_gain_only() -> None:
    res = simulate_outcomes(
        parse_regimen("4 g once"), pain="acute", duration_h=24.0, n_draws=20, seed=2
    )
    p = res.pain
    assert p is not None and p["kind"] == "acute"
    cpt = res.get("cold_pressor_tolerance_s")
    assert p["cold_pressor_gain_s"] == pytest.approx(cpt.central.max() - p["baseline_s"])
    assert 0 < p["cold_pressor_gain_s_low"] <= p["cold_pressor_gain_s_high"]
    assert "relief_nrs_points" not in {s.name for s in res.series}


def test_safety_signals_and_csv_columns(heavy) -> None:
    frame = heavy.to_frame()
    for name in ("nausea", "dizziness_headache", "constipation", "insomnia", "sedation"):
        col = frame[f"{name}_probability"]
        assert ((col >= 0) & (col <= 1)).all()
    for name in ("ventilation_change_pct", "pupil_change_mm"):
        assert {name, f"{name}_low", f"{name}_high"} <= set(frame.columns)
        s = heavy.get(name)
        assert s.falls and np.all(s.high <= 0.0) and np.all(s.low <= s.high)
    assert np.all(heavy.get("ventilation_change_pct").low >= -100.0)
    # the largest fall is the per-draw minimum: central from the cited set, inside its interval
    fall = heavy.strongest["ventilation_change_pct"]
    assert fall["central"] == pytest.approx(heavy.get("ventilation_change_pct").central.min())
    assert fall["low"] <= fall["central"] <= fall["high"] <= 0.0


TABLET = dict(product=resolve_product("7oh-concentrate"), mg_per_g=0.0, oh7_mg_per_g=15.0)


@pytest.fixture(scope="module")
def tablet():
    """One 15 mg 7-OH tablet without mitragynine (1 g of a product with 15 mg/g 7-OH)."""
    return simulate_outcomes(parse_regimen("1 g once"), duration_h=24.0, n_draws=40, **TABLET)


@pytest.fixture(scope="module")
def leaf():
    return simulate_outcomes(parse_regimen("2 g once"), duration_h=24.0, n_draws=40)


def test_a_7oh_tablet_has_side_effects_counted_from_its_7oh(tablet, leaf) -> None:
    dose = tablet.safety["_dose"]
    assert dose["mitragynine_mg"] == 0.0 and dose["7oh_mg"] == 15.0
    assert dose["mitragynine_equivalent_mg"] == pytest.approx(15.0 * dose["oh7_potency"])
    # 7-OH is the stronger mu agonist by weight, so it counts as several mg of mitragynine
    assert dose["oh7_potency"] > 1.0
    for name in ("nausea", "dizziness_headache", "constipation", "sedation"):
        assert tablet.safety[name]["central"] > 0.0, name
        assert tablet.safety[name]["high"] > 0.0, name
    # a leaf dose counts its mitragynine only (no 7-OH in leaf powder by default)
    assert (
        leaf.safety["_dose"]["mitragynine_equivalent_mg"] == leaf.safety["_dose"]["mitragynine_mg"]
    )


def test_a_7oh_tablet_depresses_breathing_and_narrows_pupils_more_than_leaf(tablet, leaf) -> None:
    for name in ("ventilation_change_pct", "pupil_change_mm"):
        assert tablet.strongest[name]["central"] < leaf.strongest[name]["central"] < 0.0, name


def test_cyp3a_activity_falls_and_is_reported_at_its_lowest(heavy) -> None:
    """Mitragynine switches CYP3A off: its largest effect is the lowest activity, not 100 %."""
    for name in ("cyp3a_liver_activity", "cyp3a_gut_activity"):
        s = heavy.get(name)
        assert s.falls
        central, low, high, when = heavy.largest_effect(name)
        # the lowest point of the central line, at a time inside the window
        assert central == pytest.approx(float(s.central.min()))
        assert central < 0.95 and low <= central <= high <= 1.0
        assert when is not None and heavy.time_h[0] <= when <= heavy.time_h[-1]
        assert float(np.interp(when, heavy.time_h, s.central)) == pytest.approx(central)
    # the gut wall sees the swallowed dose: it falls further than the liver
    assert (
        heavy.largest_effect("cyp3a_gut_activity")[0]
        < heavy.largest_effect("cyp3a_liver_activity")[0]
    )
    # a rising outcome still reports its peak, with no time
    tol = heavy.get("tolerance")
    assert heavy.largest_effect("tolerance") == (*tol.strongest(), None)
    assert heavy.largest_effect("tolerance")[0] == pytest.approx(float(tol.central.max()))


def test_exposure_intervals_reuse_the_runs_draws(heavy) -> None:
    """The exposure bands read from the outcome run equal a separate run of the same draws."""
    from dataclasses import replace

    from kratomsim.reports.clinician import exposure_bands

    reused = exposure_bands(heavy)
    separate = exposure_bands(replace(heavy, exposure_draws=None))
    assert (
        reused.keys()
        == separate.keys()
        == {
            "cmax_mg_nm",
            "auc_mg_nm_h",
            "cmax_7oh_nm",
            "auc_7oh_nm_h",
        }
    )
    for key, band in separate.items():
        for part in ("central", "low", "high"):
            assert reused[key][part] == pytest.approx(band[part], rel=1e-9), (key, part)
        assert band["low"] < band["central"] < band["high"]
    # other draws than the run's run the model again, and give another interval
    other = exposure_bands(heavy, heavy.n_draws, heavy.seed + 1)
    assert other["cmax_mg_nm"]["central"] == pytest.approx(reused["cmax_mg_nm"]["central"])
    assert other["cmax_mg_nm"]["high"] != pytest.approx(reused["cmax_mg_nm"]["high"])


def test_no_withdrawal_signs_between_ordinary_doses_and_the_episode_is_followed_to_its_end() -> (
    None
):
    # Daily users dosing every 6-8 h do not go into withdrawal between doses (Vicknasingam 2020:
    # no signs 10-20 h after the last dose); stopping brings signs (Singh 2019: 95 % on
    # abstinence), and the window runs until they are over.
    o = simulate_outcomes(
        parse_regimen("1.5 g every 6 h for 28 days then stop"),
        product=resolve_product("leaf-powder"),
        n_draws=40,
        seed=0,
    )
    t, ws = o.time_h, o.get("withdrawal_score")
    last = o.withdrawal["after_last_dose_h"]
    during = (t >= 7 * 24) & (t <= last)
    assert ws.central[during].max() < SIGNS_THRESHOLD
    assert ws.high[during].max() < SIGNS_THRESHOLD
    assert o.withdrawal["peak_score"] >= SIGNS_THRESHOLD
    assert o.withdrawal["latency_h"] > 20.0
    assert ws.central[-1] < SIGNS_THRESHOLD and t[-1] >= last + 21 * 24


def test_the_episode_summary_is_the_median_of_its_own_draws() -> None:
    """Peak: median over every draw, with the interval of the same draws. Onset, peak time and
    duration: median over the draws with signs, given only when at least half show signs."""
    from kratomsim.analyses.outcomes import _episode_intervals
    from kratomsim.models.withdrawal import withdrawal_episode

    t = np.arange(0.0, 101.0)
    after = 10.0
    # five draws: two never reach the threshold, three rise to 10, 20 and 40 at different times
    rise = [(None, 2.0), (None, 4.0), (30.0, 10.0), (20.0, 20.0), (40.0, 40.0)]
    score = np.array(
        [np.where(t < (at or 0.0), 0.0, top) if at else np.full(t.size, top) for at, top in rise]
    )
    w = _episode_intervals(withdrawal_episode(t, score, after), 0.90)
    assert w["share_with_signs"] == pytest.approx(0.6)
    assert w["peak_score"] == pytest.approx(10.0)  # median of 2, 4, 10, 20, 40
    assert w["peak_score_low"] <= w["peak_score"] <= w["peak_score_high"]
    assert w["latency_h"] == pytest.approx(20.0)  # median of 20, 10, 30 h after the start
    # with only two of five showing signs, the median run has no onset to report
    w2 = _episode_intervals(withdrawal_episode(t, score[[0, 1, 0, 3, 4]], after), 0.90)
    assert w2["latency_h"] is None and w2["duration_h"] is None
    assert w2["latency_h_low"] is not None  # the interval over the draws with signs remains
    assert w2["peak_score"] == pytest.approx(4.0)
