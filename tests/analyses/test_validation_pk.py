"""Virtual PK studies of the qualification report: NCA on known curves, a few studies end to end.

Bounds come from the publications (calibration.toml, validation.toml), never from the model's own
output: a fitted observation must be reproduced within its reported range, an unfitted one is
only checked for being a prediction of the right kind (its value is what the report is for).
"""

from __future__ import annotations

import numpy as np
import pytest

from kratomsim.analyses import validation_pk as pk
from kratomsim.analyses.calibration import calibration_data
from kratomsim.analyses.nca import auc_inf, half_life, peak, power_exponent, study_interval

PEOPLE = 120
TANNA = calibration_data()["tanna2022"]
HUESTIS = calibration_data()["huestis2024"]


def test_nca_on_a_known_curve() -> None:
    # c = 10 (e^{-0.1 t} - e^{-2 t}): half-life ln2/0.1, AUC 10 (1/0.1 - 1/2) = 95,
    # tmax = ln(2/0.1) / (2 - 0.1) = 1.577 h
    t = np.concatenate([np.arange(0.0, 8.0, 0.001), np.arange(8.0, 120.0 + 1e-9, 0.05)])
    c = (10.0 * (np.exp(-0.1 * t) - np.exp(-2.0 * t)))[None, :]
    cmax, tmax = peak(t, c)
    assert tmax[0] == pytest.approx(np.log(20.0) / 1.9, abs=1e-3)
    assert cmax[0] == pytest.approx(10 * (np.exp(-0.1 * tmax[0]) - np.exp(-2 * tmax[0])))
    assert half_life(t, c, (48.0, 120.0))[0] == pytest.approx(np.log(2) / 0.1, rel=1e-6)
    assert auc_inf(t, c, (48.0, 120.0))[0] == pytest.approx(95.0, rel=1e-4)
    assert power_exponent(np.array([1.0, 2.0, 4.0]), np.array([3.0, 6.0, 12.0])) == pytest.approx(1)


def test_study_interval_narrows_with_study_size(rng: np.random.Generator) -> None:
    x = rng.lognormal(0.0, 0.5, 5000)
    small = study_interval(x, 5, np.median, rng, 2000)
    large = study_interval(x, 100, np.median, rng, 2000)
    assert small[0] < large[0] < 1.0 < large[1] < small[1]


@pytest.fixture(scope="module")
def tanna():
    return {c.key.split(":")[1]: c for c in pk.tanna(PEOPLE, seed=3)}


def test_tanna_medians_are_fitted_and_reproduced_within_the_reported_ranges(tanna) -> None:
    assert set(tanna) == {
        f"{a}_{m}" for a in ("mg", "oh") for m in ("cmax_nm", "tmax_h", "auc_inf_nm_h", "t_half_h")
    }
    for key, c in tanna.items():
        lo, hi = TANNA[f"{key}_range"]
        assert c.used_for_fitting and c.source == "tanna2022" and c.n == 5
        assert (c.observed.value, c.observed.low, c.observed.high) == (TANNA[key], lo, hi)
        # the typical person (what was fitted) sits inside the range of the five people
        assert lo <= c.predicted.typical <= hi, key
        assert c.predicted.low < c.predicted.value < c.predicted.high
        assert c.abs_fold < 2.0, key  # a fitted median: within 2× even for the virtual median


def test_huestis_tmax_fitted_and_ratio_half_lives_and_proportionality_predicted() -> None:
    rows = {c.key.split(":")[1]: c for c in pk.huestis(PEOPLE, seed=3)}
    for key in ("mg_tmax_h", "oh_tmax_h"):
        c = rows[key]
        lo, hi = HUESTIS[f"{key}_range"]
        assert c.used_for_fitting and c.coverage == "predicted_in_observed"
        assert lo <= c.predicted.value <= hi  # fitted to the middle of the range
    for key in ("oh_to_mg_ratio", "mg_t_half_highest_group_h", "oh_t_half_highest_group_h"):
        assert not rows[key].used_for_fitting and rows[key].fold is not None
    qualitative = [c for c in rows.values() if c.scoring == "qualitative"]
    assert len(qualitative) == 4 and all(not c.used_for_fitting for c in qualitative)
    assert all(c.observed.value is None and c.observed.text for c in qualitative)
    # the existing single-dose test finds mitragynine Cmax dose proportional for the typical person
    assert rows["mg_cmax_dose_proportionality"].agrees is True


def test_trakulsrichai_daily_users_are_predicted_not_fitted() -> None:
    rows = pk.trakulsrichai(PEOPLE, seed=3)
    assert [c.key for c in rows] == ["trakulsrichai2015:mg_tmax_h", "trakulsrichai2015:mg_t_half_h"]
    data = pk.validation_data()["trakulsrichai2015"]
    for c in rows:
        assert not c.used_for_fitting and c.n == data["n"]
        assert "ASSUMPTION" in c.note
        assert c.observed.low < c.observed.value < c.observed.high  # 95 % CI of the mean
    tmax = rows[0]
    assert 0.3 < tmax.predicted.value < 2.5  # an oral tea dose peaks within hours
