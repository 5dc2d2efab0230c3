"""Sobol indices: the Ishigami function's known values, sane indices on the full model, and no
indices (with the reason) for an output that does not vary."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from SALib.sample import sobol as sobol_sample

from kratomsim.analyses.sensitivity import (
    SensitivityError,
    SobolResult,
    model_sensitivity,
    sobol_indices,
    unit_to_values,
)
from kratomsim.engine.subjects import dosing_for
from kratomsim.evidence import CitedValue, cited_inputs
from kratomsim.evidence.model_parameters import uncertain_parameters
from kratomsim.models.regimen_text import parse_regimen
from kratomsim.reports.sensitivity_plot import plot_sobol

# Ishigami & Homma (1990), a = 7, b = 0.1, inputs uniform on [-π, π]. Analytic indices (Sobol'
# & Levitan 1999; the standard reference values, e.g. SALib's test suite):
A, B = 7.0, 0.1
VAR = A**2 / 8 + B * np.pi**4 / 5 + B**2 * np.pi**8 / 18 + 0.5
V1 = 0.5 * (1 + B * np.pi**4 / 5) ** 2
V2 = A**2 / 8
V13 = B**2 * np.pi**8 * (1 / 18 - 1 / 50)
ISHIGAMI_S1 = np.array([V1, V2, 0.0]) / VAR  # 0.3139, 0.4424, 0
ISHIGAMI_ST = np.array([V1 + V13, V2, V13]) / VAR  # 0.5576, 0.4424, 0.2437
#: Breathing, pupil and cold-pressor maps, and the endocannabinoid HYPOTHESIS (off by default),
#: cannot change the withdrawal score.
UNRELATED_TO_WITHDRAWAL = (
    "vent_drive_depth",
    "pupil_a50",
    "cpt_gain",
    "w_ecs_hyp",
    "tau_cb1_7oh_hyp",
)
REGIMEN = "4 g every 6 h for 5 days"


def cited(name: str, low: float, high: float, distribution: str) -> CitedValue:
    return CitedValue(
        name=name,
        value=low if distribution != "log-uniform" else float(np.sqrt(low * high)),
        unit="1",
        low=low,
        high=high,
        kind="assumption",
        source="test",
        locator="test",
        species="n/a",
        grade="E",
        distribution=distribution,  # type: ignore[arg-type]
    )


def ishigami(v: dict[str, np.ndarray]) -> np.ndarray:
    x1, x2, x3 = v["x1"], v["x2"], v["x3"]
    return np.sin(x1) + A * np.sin(x2) ** 2 + B * x3**4 * np.sin(x1)


def test_ishigami_indices_match_the_analytic_values() -> None:
    params = [cited(f"x{i}", -np.pi, np.pi, "uniform") for i in (1, 2, 3)]
    res = sobol_indices(ishigami, params, n=4096, seed=3, chunk=1000)
    assert res.n_evaluations == 4096 * 5
    np.testing.assert_allclose(res.s1, ISHIGAMI_S1, atol=0.03)
    np.testing.assert_allclose(res.st, ISHIGAMI_ST, atol=0.03)
    assert np.all(res.s1_conf < 0.05) and np.all(res.st_conf < 0.05)


def test_unit_samples_map_onto_declared_distributions() -> None:
    params = [cited("u", 2.0, 6.0, "uniform"), cited("g", 0.01, 100.0, "log-uniform")]
    u = np.array([[0.0, 0.0], [0.5, 0.5], [1.0, 1.0], [0.25, 0.75]])
    v = unit_to_values(u, params)
    np.testing.assert_allclose(v["u"], [2.0, 4.0, 6.0, 3.0])
    np.testing.assert_allclose(v["g"], [0.01, 1.0, 100.0, 10.0])  # uniform in log10: -2 … 2
    with pytest.raises(SensitivityError, match="one column per parameter"):
        unit_to_values(u[:, :1], params)
    with pytest.raises(SensitivityError, match="low < high"):
        unit_to_values(u[:, :1], [cited("f", 1.0, 1.0, "fixed")])


@pytest.fixture(scope="module")
def withdrawal() -> SobolResult:
    return model_sensitivity(
        parse_regimen(REGIMEN), "withdrawal_peak", duration_h=192.0, n=64, seed=0
    )


def test_model_indices_are_sane(withdrawal: SobolResult) -> None:
    res = withdrawal
    varied = uncertain_parameters(dosing_for(parse_regimen(REGIMEN), cited_inputs()).absorption)
    assert res.names == tuple(p.name for p in varied) and len(res.names) > 30
    assert res.n_evaluations == 64 * (len(res.names) + 2)
    assert res.output_sd > 0
    assert np.all((res.s1 >= -0.1) & (res.s1 <= 1.1))
    assert np.all((res.st >= -0.1) & (res.st <= 1.1))
    assert np.all(res.st >= res.s1 - res.s1_conf - res.st_conf)
    assert res.s1.sum() <= 1.1
    top = res.to_frame()["parameter"].iloc[0]
    # Withdrawal follows MOR activation by unbound drug, the counter-adaptation that builds
    # dependence, the delay with which withdrawal follows the drive and the withdrawal-score map: the leading parameter is one of those, not a PK
    # volume or a side-effect parameter.
    assert top in {
        "dep_k_h",
        "wd_onset_k",
        "fu_mg",
        "mor_reserve_factor",
        "ki_mor_7oh",
        "tau_mor_7oh",
        "wd_gain",
        "wd_threshold",
    }


def test_parameters_that_cannot_act_have_zero_total_index(withdrawal: SobolResult) -> None:
    st = dict(zip(withdrawal.names, withdrawal.st, strict=True))
    for name in UNRELATED_TO_WITHDRAWAL:
        assert abs(st[name]) < 0.05, name
    assert max(st.values()) > 0.2  # and some parameters do matter


def test_plot_has_both_bars_with_error_bars(withdrawal: SobolResult, tmp_path: Path) -> None:
    path = tmp_path / "sobol.png"
    fig = plot_sobol(withdrawal, path, max_bars=10)
    assert path.stat().st_size > 10_000
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == withdrawal.to_frame()["parameter"].iloc[0]  # largest ST on top
    assert len(labels) == 10
    assert len(ax.containers) == 2 * 2  # two bar containers, each with its error bars


def test_bad_settings_are_refused() -> None:
    with pytest.raises(SensitivityError, match=r"Unknown output.*withdrawal_peak"):
        model_sensitivity(parse_regimen("2 g once"), "peak_joy")
    with pytest.raises(SensitivityError, match="power of two"):
        model_sensitivity(parse_regimen("2 g once"), "cmax_mg_nm", n=100)


@pytest.mark.slow
def test_exposure_auc_is_driven_by_clearance() -> None:
    res = model_sensitivity(
        parse_regimen("2 g every 8 h for 2 days"), "auc_mg_nm_h", duration_h=72.0, n=256, seed=1
    )
    st = dict(zip(res.names, res.st, strict=True))
    # AUC(0-∞) of mitragynine is dose·F/CL; over a 3-day window the distribution (v2, q) adds a
    # little. Receptor and adaptation parameters play no part, and the output is nearly additive.
    assert max(st, key=lambda k: st[k]) == "clu_h" and st["clu_h"] > 0.5
    assert st["ki_mor_7oh"] < 1e-6 and st["tol_k_on"] < 1e-6
    assert 0.8 <= res.s1.sum() <= 1.1
    assert np.all(res.st_conf < 0.2)


def test_a_constant_output_is_not_analysed_and_says_why() -> None:
    params = [cited(f"x{i}", 0.0, 1.0, "uniform") for i in (1, 2)]
    res = sobol_indices(lambda v: np.full(v["x1"].size, 3.0), params, output="flat", n=8)
    assert not res.estimated
    assert np.all(np.isnan(res.s1)) and np.all(np.isnan(res.st_conf))
    assert "flat is 3 in all 32 model runs" in res.reason
    payload = json.dumps(res.to_dict(), allow_nan=False)  # strict JSON: no NaN
    assert json.loads(payload)["indices"][0]["ST"] is None


def test_an_output_flat_over_the_base_sample_is_not_analysed() -> None:
    # One run that mixes A and B (x1 from B, x2 from A: the first such row of Saltelli's layout)
    # gives 1, every other run 0: the base sample has no variance, so no index can be estimated
    # (SALib would warn and divide by zero).
    n, d = 8, 2
    problem = {"num_vars": d, "names": ["x1", "x2"], "bounds": [[0.0, 1.0]] * d}
    mixed = sobol_sample.sample(problem, n, calc_second_order=False, seed=0)[1]

    def spike(v: dict[str, np.ndarray]) -> np.ndarray:
        return ((v["x1"] == mixed[0]) & (v["x2"] == mixed[1])).astype(float)

    params = [cited(f"x{i}", 0.0, 1.0, "uniform") for i in (1, 2)]
    res = sobol_indices(spike, params, output="spike", n=n, seed=0)
    assert not res.estimated and np.all(np.isnan(res.st))
    assert "differs in only 1 of 32 model runs" in res.reason
    assert res.output_sd > 0


def test_withdrawal_after_one_dose_is_flat_and_plotted_as_such(tmp_path: Path) -> None:
    # A single 1 g dose builds almost no dependence: the withdrawal peak stays 0 in every run,
    # and the result says so instead of reporting indices.
    res = model_sensitivity(parse_regimen("1 g once"), "withdrawal_peak", n=8, seed=0)
    assert not res.estimated and np.all(np.isnan(res.s1))
    assert res.reason.startswith(f"withdrawal_peak is 0 in all {res.n_evaluations} model runs")
    fig = plot_sobol(res, tmp_path / "flat.png")
    assert "no index estimated" in fig.axes[0].get_title()
    assert not fig.axes[0].containers  # no bars drawn
