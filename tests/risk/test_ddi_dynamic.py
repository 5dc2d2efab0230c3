"""The dynamic interaction model: limits it must reach, turnover it must follow, and its trends."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from kratomsim.engine.subjects import PK_OUTPUTS, Dosing, simulate_subjects
from kratomsim.evidence import CitedValue, cited_inputs, resolve_product
from kratomsim.evidence.medication_schema import Medication
from kratomsim.models.regimen_text import parse_regimen
from kratomsim.risk.ddi import predict_interactions
from kratomsim.risk.ddi_constants import ddi_values
from kratomsim.risk.ddi_dynamic import (
    MitragynineExposure,
    VictimKinetics,
    inhibition_course,
    time_grid,
    victim_exposure,
    victim_ratios,
)
from kratomsim.risk.ddi_static import mechanistic_static_aucr


def _fraction(name: str, value: float, low: float, high: float) -> CitedValue:
    return CitedValue(
        name=name,
        value=value,
        unit="1",
        low=low,
        high=high,
        kind="reported",
        source="med_hohmann2015",
        locator="test input",
        species="human",
        grade="A",
    )


#: Oral midazolam as the brief gives it (fm 0.93, Fg 0.51-0.57, Fh 0.56-0.75).
MIDAZOLAM = Medication(
    id="midazolam",
    name="Midazolam",
    drug_class="benzodiazepine",
    cyp3a4_substrate=True,
    fm_cyp3a4=_fraction("fm", 0.93, 0.87, 0.98),
    fg=_fraction("fg", 0.54, 0.51, 0.57),
    fh=_fraction("fh", 0.6, 0.56, 0.75),
    sources=("allonen1981",),
    grade="A",
)

VICTIMS = {
    "cyp3a-sensitive": VictimKinetics(0.93, 0.0, 0.54, 0.6, 3.0, 2.4),
    "cyp2d6": VictimKinetics(0.0, 0.93, 1.0, 0.3, 1.5, 2.0),
    "mixed-slow": VictimKinetics(0.5, 0.3, 0.7, 0.8, 0.8, 20.0),
}


def _steady(i_um: float, kinact: float, ki: float, kdeg: float) -> float:
    return kdeg / (kdeg + kinact * i_um / (ki + i_um))


def _constant_course(i_gut: float, i_hep: float, draws: int = 3):
    """Constant unbound inhibitor with the enzymes at their steady state, then a victim dose."""
    values = ddi_values(draws, seed=3)
    grid = time_grid(1300.0, events_h=[1000.0], fine_windows=[(1000.0, 1100.0)])
    steps = grid.size - 1
    col = {k: np.asarray(v)[:, None] for k, v in values.items()}
    eg = _steady(i_gut, col["kinact_cyp3a_gut"], col["ki_tdi_cyp3a_gut"], col["kdeg_cyp3a_gut"])
    eh = _steady(i_hep, col["kinact_cyp3a_hep"], col["ki_tdi_cyp3a_hep"], col["kdeg_cyp3a_hep"])
    exposure = MitragynineExposure(
        time_h=grid,
        gut_cyp3a=np.broadcast_to(eg, (draws, steps)).copy(),
        hep_cyp3a=np.broadcast_to(eh, (draws, steps)).copy(),
        gut_um=np.full((draws, steps), i_gut),
        hep_um=np.full((draws, steps), i_hep),
        plasma_nm=np.zeros(steps),
        ka_per_h=1.0,
        dose_times_h=np.zeros(1),
        dose_nmol=np.zeros(1),
    )
    return values, inhibition_course(exposure, values)


@pytest.mark.parametrize("name", sorted(VICTIMS))
@pytest.mark.parametrize(("i_gut", "i_hep"), [(2.0, 0.05), (20.0, 0.5), (0.3, 0.0)])
def test_constant_exposure_reduces_to_mechanistic_static(
    name: str, i_gut: float, i_hep: float
) -> None:
    values, course = _constant_course(i_gut, i_hep)
    victim = VICTIMS[name]
    aucr, _ = victim_ratios(course, victim, [1000.0])
    static = mechanistic_static_aucr(
        fg=victim.fg,
        fm_cyp3a=victim.fm_cyp3a,
        fm_cyp2d6=victim.fm_cyp2d6,
        i_gut_um=i_gut,
        i_hep_um=i_hep,
        v=values,
    )
    np.testing.assert_allclose(aucr, static, rtol=0.01)
    assert np.all(aucr >= 1.0 - 1e-12)


def test_cyp2d6_competitive_limit_is_the_textbook_ratio() -> None:
    i_hep, fm = 0.8, 0.9
    values, course = _constant_course(0.0, i_hep, draws=1)
    aucr, _ = victim_ratios(course, VictimKinetics(0.0, fm, 1.0, 0.4, 2.0, 3.0), [1000.0])
    ki = values["ki_cyp2d6"][0]
    assert aucr[0] == pytest.approx(1.0 / (fm / (1.0 + i_hep / ki) + 1.0 - fm), rel=1e-3)


def _enzymes(grams: float, every_h: float, days: float, after_days: float, **scale: float):
    """The engine's CYP3A states for tea every ``every_h`` h, then ``after_days`` without;
    ``scale`` multiplies model values (e.g. ``clu_h=10``)."""
    tea = cited_inputs(resolve_product("tea"))
    values = {k: v * scale.get(k, 1.0) for k, v in tea.values.items()}
    times = np.arange(0.0, days * 24.0, every_h)
    mg = np.full((1, times.size), grams * tea.mg_per_g)
    t = np.arange(0.0, (days + after_days) * 24.0, 0.25)
    run = simulate_subjects(values, Dosing("tea", times, mg, 0 * mg, t), outputs=PK_OUTPUTS)
    return tea, t, times, run


def _late_rates(t, times, run, days: tuple[float, float]) -> tuple[float, float]:
    """Log-linear decay rates (1/h) of the hepatic CYP3A deficit and of plasma mitragynine."""
    late = (t >= times[-1] + days[0] * 24.0) & (t < times[-1] + days[1] * 24.0)
    hep = run.get("cyp3a_liver_activity")[0][late]
    mg = run.get("mitragynine_nm")[0][late]
    deficit = -np.polyfit(t[late], np.log(1.0 - hep), 1)[0]
    return deficit, -np.polyfit(t[late], np.log(mg), 1)[0]


def test_the_gut_wall_loses_most_of_its_cyp3a_while_a_dose_is_absorbed() -> None:
    _, _, _, run = _enzymes(2.0, 24.0, 1, 3)
    gut = run.get("cyp3a_gut_activity")[0]
    assert gut[0] == 1.0 and gut.min() < 0.2
    # and it comes back at the gut's turnover rate
    assert gut[-1] > 0.7


def test_hepatic_recovery_is_set_by_the_slower_of_enzyme_turnover_and_mitragynine_washout() -> None:
    # d(1-a)/dt = -kdeg (1-a) + kobs(C) a: the deficit decays at kdeg once mitragynine is gone,
    # but while it lingers its own decline (terminal t1/2 ~ 44 h, slower than kdeg's ~ 36 h)
    # keeps inactivating, and the deficit follows that slower rate.
    tea, t, times, run = _enzymes(2.0, 8.0, 7, 40)
    kdeg = tea.values["kdeg_cyp3a_hep"]
    assert run.get("cyp3a_liver_activity")[0].min() < 0.9  # a week of doses: measurable
    deficit, washout = _late_rates(t, times, run, (30, 40))
    assert washout < kdeg
    assert deficit == pytest.approx(washout, rel=0.03)
    # mitragynine cleared ten times faster (and less tissue to hold it): the enzyme's own kdeg
    _, t, times, run = _enzymes(20.0, 8.0, 7, 20, clu_h=10.0, v2=0.1)
    deficit, washout = _late_rates(t, times, run, (5, 10))
    assert washout > 5 * kdeg
    assert deficit == pytest.approx(kdeg, rel=1e-3)


def test_uninhibited_victim_auc_is_the_closed_form() -> None:
    values, course = _constant_course(0.0, 0.0, draws=1)
    victim = VICTIMS["cyp3a-sensitive"]
    doses = np.zeros((1, course.time_h.size))
    doses[0, np.searchsorted(course.time_h, 1000.0)] = 1.0
    auc, _ = victim_exposure(course.baseline(), victim, doses)
    k0 = np.log(2.0) / 2.4
    assert auc[0, 0] == pytest.approx(0.54 * 0.6 / k0, rel=1e-9)
    assert values["kdeg_cyp3a_hep"][0] > 0


def _midazolam(regimen: str, draws: int = 6):
    return predict_interactions(
        parse_regimen(regimen),
        product=resolve_product("tea"),
        mg_per_g=19.5,
        victims=[MIDAZOLAM],
        n_draws=draws,
    )[0]


def test_auc_ratio_is_at_least_one_and_rises_with_the_kratom_dose() -> None:
    ratios = [_midazolam(f"{g:g} g once").auc_ratio for g in (0.5, 1.0, 2.0, 4.0, 8.0)]
    assert all(r is not None and r >= 1.0 for r in ratios)
    assert all(b is not None and a is not None and b > a for a, b in itertools.pairwise(ratios))


def test_seven_days_three_times_daily_inhibits_more_than_one_dose() -> None:
    once = _midazolam("2 g once")
    repeated = _midazolam("2 g three times daily for 7 days")
    assert once.auc_ratio is not None and repeated.auc_ratio is not None
    assert repeated.auc_ratio > once.auc_ratio * 1.3
    assert once.auc_ratio_interval is not None and repeated.auc_ratio_interval is not None
    assert repeated.auc_ratio_interval[1] > once.auc_ratio_interval[1]
    # Lost enzyme takes longer to come back after a week of doses.
    r_once, r_rep = once.recovery_h["1.1"], repeated.recovery_h["1.1"]
    assert r_once is not None and r_rep is not None and r_rep > r_once > 0.0
    assert once.recovery_h["1.25"] is not None and once.recovery_h["1.25"] <= r_once


def test_interval_comes_from_the_draws_and_central_is_draw_zero() -> None:
    pred = _midazolam("2 g once", draws=40)
    assert pred.auc_ratio_interval is not None and pred.cmax_ratio_interval is not None
    lo, hi = pred.auc_ratio_interval
    assert 1.0 <= lo < hi
    assert pred.cmax_ratio is not None and pred.cmax_ratio > 1.0
    again = _midazolam("2 g once", draws=40)
    assert again.auc_ratio == pred.auc_ratio and again.auc_ratio_interval == pred.auc_ratio_interval


def _victim_by_numpy_steps(course, victim: VictimKinetics, doses: np.ndarray):
    """Reference: the victim carried step by step with whole-array NumPy operations."""
    h = np.diff(course.time_h)[None, :]
    c = [
        np.asarray(getattr(victim, f), float).reshape(-1, 1) for f in VictimKinetics.__annotations__
    ]
    fm3, fm2, fg, fh, ka, t_half = c
    hep = fm3 * course.hep_cyp3a_step + fm2 * course.hep_cyp2d6_step + (1.0 - fm3 - fm2)
    x = (1.0 - fh) / fh
    avail = fg / (fg + (1.0 - fg) * course.gut_cyp3a_step) / (1.0 + hep * x)
    k = np.log(2.0) / t_half * hep * (1.0 + x) / (1.0 + hep * x)
    r = ka * avail
    ka = np.broadcast_to(ka, k.shape)
    eka, ek = np.exp(-ka * h), np.exp(-k * h)
    near = np.abs(k - ka) < 1e-9 * ka
    diff = np.where(near, 1.0, k - ka)
    g_to_c = np.where(near, r * h * ek, r * (eka - ek) / diff)
    auc_c = -np.expm1(-k * h) / k
    auc_g = np.where(
        near, r * (1.0 - ek * (1.0 + k * h)) / k**2, r / diff * (-np.expm1(-ka * h) / ka - auc_c)
    )
    gut = np.zeros((k.shape[0], doses.shape[0]))
    cen, auc, cmax = gut.copy(), gut.copy(), gut.copy()
    for i in range(h.shape[1]):
        gut = gut + doses[:, i]
        auc += cen * auc_c[:, i : i + 1] + gut * auc_g[:, i : i + 1]
        cen = cen * ek[:, i : i + 1] + gut * g_to_c[:, i : i + 1]
        gut = gut * eka[:, i : i + 1]
        cmax = np.maximum(cmax, cen)
    gut = gut + doses[:, -1]
    auc += cen / k[:, -1:] + r[:, -1:] * gut / (ka[:, -1:] * k[:, -1:])
    return auc, cmax


@pytest.mark.parametrize("baseline", [False, True])
def test_the_compiled_march_gives_the_numbers_of_numpy_steps(baseline: bool) -> None:
    _, course = _constant_course(3.0, 0.2, draws=3)
    if baseline:
        course = course.baseline()
    grid = course.time_h
    doses = np.zeros((2, grid.size))
    doses[0, np.searchsorted(grid, 1000.0)] = 1.0
    doses[1, [0, np.searchsorted(grid, 1000.0), grid.size - 1]] = (0.5, 2.0, 1.0)
    slow = VictimKinetics(
        np.array([0.9, 0.5, 0.2]), 0.05, 0.6, np.array([0.3, 0.6, 0.9]), 0.8, 20.0
    )
    # ka equal to the uninhibited elimination rate: the coincident-rate formulas
    same_rate = VictimKinetics(0.0, 0.0, 1.0, 0.5, np.log(2.0) / 3.0, 3.0)
    for victim in (slow, same_rate, *VICTIMS.values()):
        auc, cmax = victim_exposure(course, victim, doses)
        ref_auc, ref_cmax = _victim_by_numpy_steps(course, victim, doses)
        np.testing.assert_allclose(auc, ref_auc, rtol=1e-12)
        np.testing.assert_allclose(cmax, ref_cmax, rtol=1e-12)
        assert np.all(auc > 0) and np.all(cmax > 0)
