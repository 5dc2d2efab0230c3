"""Virtual populations: Ω, covariates, per-subject streams, reproducibility, chunk invariance."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from kratomsim.errors import PopulationError
from kratomsim.evidence import load_parameters
from kratomsim.models.regimen_text import parse_regimen
from kratomsim.population import variability
from kratomsim.population.executors import simulate_population
from kratomsim.population.population import (
    OBSERVED,
    PopulationResult,
    PopulationSpec,
    parse_threshold,
    plan_chunks,
    prepare,
    simulate_chunk,
)
from kratomsim.population.variability import (
    IIV_PARAMETERS,
    STREAM_WIDTH,
    build_omega,
    check_omega,
    covariate_effects,
    draw_subjects,
    parse_covariates,
    population_data,
    subject_normals,
)

REGIMEN = "2 g every 8 h for 2 days"
SMALL = PopulationSpec(
    parse_regimen(REGIMEN), n_subjects=60, seed=3, chunk_size=25, duration_h=72.0
)


def _flat(res: PopulationResult) -> list[np.ndarray]:
    arrays = [v for b in res.bands.values() for v in b.values()]
    arrays.append(np.array([[s.mean, s.sd, *s.percentiles.values()] for s in res.scalars.values()]))
    return arrays


# --- Ω -----------------------------------------------------------------------------------


def test_default_omega_is_the_cited_one() -> None:
    om = build_omega()
    data = population_data()
    for name in IIV_PARAMETERS:
        assert om.omegas[name] == pytest.approx(data[f"omega_{name}"].value)
    i, j = IIV_PARAMETERS.index("cl"), IIV_PARAMETERS.index("v1")
    assert om.matrix[i, j] == pytest.approx(0.5 * 0.61 * 0.57)
    assert np.allclose(om.factor @ om.factor.T, om.matrix)


def test_omega_not_positive_definite_is_refused_with_the_fix() -> None:
    bad = {("cl", "v1"): 0.99, ("cl", "v2"): 0.99, ("v1", "v2"): -0.99}
    with pytest.raises(PopulationError, match=r"not positive definite.*Lower the correlations"):
        build_omega(correlations=bad)


def test_omega_asymmetric_or_unknown_is_refused() -> None:
    m = build_omega().matrix.copy()
    m[0, 1] += 0.1
    with pytest.raises(PopulationError, match="not symmetric"):
        check_omega(m)
    with pytest.raises(PopulationError, match=r"Unknown random effect.*cl, v1"):
        build_omega({"clearance": 0.3})
    with pytest.raises(PopulationError, match="must be in"):
        build_omega(correlations={("cl", "v1"): 1.5})


def test_zero_omega_switches_variability_off() -> None:
    om = build_omega({"cl": 0.0})
    assert om.omegas["cl"] == 0.0
    assert np.all(om.factor[IIV_PARAMETERS.index("cl")] == 0.0)


def test_iiv_reproduces_declared_omega_and_correlation() -> None:
    n = 20_000
    prep = prepare(replace(SMALL, covariates={"weight": "70", "sex": "male"}))
    z = subject_normals(11, 0, 0, n, STREAM_WIDTH)
    d = draw_subjects(
        prep.typical[0], prep.dosing.absorption, prep.omega, prep.effects, prep.covariates, z
    )
    typical = prep.typical[0]
    log_cl = np.log(d.values["clu_h"] / typical["clu_h"])  # omega_cl acts on hepatic clearance
    log_v1 = np.log(d.values["v1"] / typical["v1"])
    log_ka = np.log(d.values["ka"] / typical["ka"])
    # SD of a sample SD ≈ ω / sqrt(2n) ≈ 0.5 %: allow 3 %
    assert np.std(log_cl) == pytest.approx(0.61, rel=0.03)
    assert np.std(log_v1) == pytest.approx(0.57, rel=0.03)
    assert np.std(log_ka) == pytest.approx(0.29, rel=0.03)
    assert abs(np.mean(log_cl)) < 0.02
    assert np.corrcoef(log_cl, log_v1)[0, 1] == pytest.approx(0.5, abs=0.03)


# --- covariates ----------------------------------------------------------------------------


def test_unknown_covariate_or_level_lists_the_valid_ones() -> None:
    with pytest.raises(PopulationError, match=r"Unknown covariate.*weight, sex, hepatic"):
        parse_covariates(["height=180"])
    with pytest.raises(PopulationError, match="strong-inhibitor"):
        parse_covariates(["cyp3a4=very-strong"])
    with pytest.raises(PopulationError, match="NAME=VALUE"):
        parse_covariates(["weight"])
    with pytest.raises(PopulationError, match="30-250 kg"):
        parse_covariates(["weight=5"])
    cov = parse_covariates(["weight=90", "CYP3A4=Strong-Inhibitor", "hepatic=child-pugh-b"])
    assert (cov.weight_kg, cov.cyp3a4, cov.hepatic) == (90.0, "strong-inhibitor", "B")


def test_enzyme_activities_follow_the_fda_index_classes() -> None:
    ddi, pop = load_parameters(("ddi.toml",)), population_data()
    # remaining activity a from the index substrate: AUCR = 1 / (fm a + 1 - fm), by hand
    r, fm = ddi["index_aucr_strong_inhibitor"].value, ddi["fm_cyp3a_index"].value
    strong = covariate_effects(parse_covariates(["cyp3a4=strong-inhibitor"]))
    assert strong.cyp3a_activity == pytest.approx((1 / r - (1 - fm)) / fm)
    assert 1 / (fm * strong.cyp3a_activity + 1 - fm) == pytest.approx(r)
    assert {"index_aucr_strong_inhibitor", "fm_cyp3a_index"} <= {v.name for v in strong.used}
    weak = covariate_effects(parse_covariates(["cyp3a4=weak-inhibitor"]))
    assert strong.cyp3a_activity < weak.cyp3a_activity < 1.0
    inducer = covariate_effects(parse_covariates(["cyp3a4=strong-inducer"]))
    assert inducer.cyp3a_activity > 1
    pm = covariate_effects(parse_covariates(["cyp2d6=pm"]))
    assert pm.cyp2d6_activity == pop["cyp2d6_activity_pm"].value < 1.0
    assert pm.cyp3a_activity == 1.0


def _paired(covariates: list[str]) -> dict[str, np.ndarray]:
    """Per-subject scalars for the same 30 people with the given fixed covariates."""
    spec = replace(SMALL, n_subjects=30, chunk_size=30, covariates=covariates)
    prep = prepare(spec)
    return simulate_chunk(prep, plan_chunks(30, 1, 30)[0]).scalars


def test_covariates_move_exposure_the_right_way() -> None:
    base = _paired(["weight=75", "sex=male"])
    inhibited = _paired(["weight=75", "sex=male", "cyp3a4=strong-inhibitor"])
    hepatic = _paired(["weight=75", "sex=male", "hepatic=B"])
    heavy = _paired(["weight=110", "sex=male"])
    light = _paired(["weight=50", "sex=male"])
    ratio = inhibited["auc_mg_nm_h"] / base["auc_mg_nm_h"]
    # a strong inhibitor leaves about 3 % of CYP3A activity; mitragynine's CYP3A share is
    # uncertain (fm_cyp3a_mg) and the window ends before washout, so the rise is modest
    assert np.all(ratio > 1.1) and np.median(ratio) > 1.5
    assert np.all(hepatic["auc_mg_nm_h"] > base["auc_mg_nm_h"])
    assert np.all(heavy["cmax_mg_nm"] < light["cmax_mg_nm"])
    # less 7-OH formed per unit of MG cleared under CYP3A4 inhibition
    assert np.median(inhibited["auc_7oh_nm_h"] / inhibited["auc_mg_nm_h"]) < np.median(
        base["auc_7oh_nm_h"] / base["auc_mg_nm_h"]
    )


# --- streams, seeds, chunks ------------------------------------------------------------------


def test_subject_streams_depend_only_on_seed_trial_and_index() -> None:
    whole = subject_normals(7, 2, 0, 30, 5)
    assert np.array_equal(whole[10:20], subject_normals(7, 2, 10, 20, 5))
    assert np.array_equal(whole[:, :3], subject_normals(7, 2, 0, 30, 3))  # prefix-stable
    assert not np.allclose(whole, subject_normals(8, 2, 0, 30, 5))
    assert not np.allclose(whole, subject_normals(7, 3, 0, 30, 5))
    assert abs(np.corrcoef(whole[:-1, 0], whole[1:, 0])[0, 1]) < 0.5


def test_subject_stream_is_a_fresh_philox_keyed_by_subject() -> None:
    # the rewound generator gives each subject exactly the stream of its own fresh Philox
    rows = subject_normals(7, 2, 40, 45, 9)
    for k, i in enumerate(range(40, 45)):
        bits = np.random.Philox(key=7, counter=[0, i, 2, variability._TAG])
        assert np.array_equal(rows[k], np.random.Generator(bits).standard_normal(9))


def test_same_seed_same_result_different_seed_different() -> None:
    a, b = simulate_population(SMALL), simulate_population(SMALL)
    assert all(np.array_equal(x, y) for x, y in zip(_flat(a), _flat(b), strict=True))
    c = simulate_population(replace(SMALL, seed=4))
    assert not np.array_equal(_flat(a)[-1], _flat(c)[-1])


def test_chunk_size_invariance() -> None:
    a = simulate_population(SMALL)
    b = simulate_population(replace(SMALL, chunk_size=7))
    for x, y in zip(_flat(a), _flat(b), strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=0)


def test_replicated_trials_spread_and_trial_zero_central() -> None:
    one = simulate_population(SMALL)
    three = simulate_population(replace(SMALL, n_trials=3))
    assert len(three.trials) == 3 and three.metadata["n_trials"] == 3
    t0 = three.trials[0].medians["auc_mg_nm_h"]
    assert t0 == one.scalars["auc_mg_nm_h"].percentiles[50.0]
    meds = [t.medians["auc_mg_nm_h"] for t in three.trials]
    assert len(set(meds)) == 3
    spread = three.trial_spread["auc_mg_nm_h"]
    assert min(meds) <= spread[5.0] <= spread[50.0] <= spread[95.0] <= max(meds)


def test_exceedances_match_per_subject_rows() -> None:
    frames: list[pd.DataFrame] = []
    spec = replace(SMALL, thresholds=("cmax_mg_nm>30", "withdrawal_peak<0.5"))
    res = simulate_population(spec, per_subject=frames.append)
    rows = pd.concat(frames)
    assert list(rows["subject"]) == list(range(60))
    e = res.exceedances[0]
    cmax = rows["cmax_mg_nm"].to_numpy()
    assert e.count == int(np.count_nonzero(cmax > 30)) and e.n == 60
    assert e.ci_low <= e.share <= e.ci_high
    assert res.scalars["cmax_mg_nm"].mean == pytest.approx(cmax.mean(), rel=1e-12)
    content = rows["content_factor"].to_numpy()
    assert np.all(content > 0) and content.std() > 0


def test_label_content_has_no_batch_spread_and_residual_error_band() -> None:
    frames: list[pd.DataFrame] = []
    spec = replace(SMALL, mg_per_g=15.0, residual_error=True)
    res = simulate_population(spec, per_subject=frames.append)
    assert np.all(pd.concat(frames)["content_factor"] == 1.0)
    obs, true = res.bands[OBSERVED][50.0], res.bands["mg_nm"][50.0]
    assert obs.shape == true.shape and not np.array_equal(obs, true)
    assert any(v.name == "residual_prop" for v in res.used)


def test_result_is_json_and_lists_assumptions() -> None:
    res = simulate_population(replace(SMALL, thresholds=("cmax_mg_nm>30",)))
    d = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert d["metadata"]["n_subjects"] == 60 and d["metadata"]["seed"] == 3
    assert set(d["bands"]) >= {"mg_nm", "withdrawal_score", "tolerance"}
    assert d["exceedances"][0]["threshold"] == "cmax_mg_nm>30"
    assert any("omega_q" in a for a in d["assumptions"])


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"n_subjects": 0}, "Number of subjects"),
        ({"n_trials": -1}, "Number of trials"),
        ({"percentiles": (5, 120)}, "Percentiles"),
        ({"thresholds": ("cmax_mg_nm=>3",)}, "NAME>VALUE"),
        ({"thresholds": ("peak>3",)}, "Unknown threshold output"),
    ],
)
def test_bad_specs_are_refused(change: dict[str, object], match: str) -> None:
    with pytest.raises(PopulationError, match=match):
        prepare(replace(SMALL, **change))  # type: ignore[arg-type]


def test_parse_threshold() -> None:
    t = parse_threshold(" ventilation_nadir_pct < -20 ")
    assert (t.name, t.op, t.value, str(t)) == (
        "ventilation_nadir_pct",
        "<",
        -20.0,
        "ventilation_nadir_pct<-20",
    )
