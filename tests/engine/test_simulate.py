"""The public ``simulate`` entry: typed frozen results, overrides, missed/late doses, provenance."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import kratomsim
from kratomsim import simulate
from kratomsim.engine.reference import simulate_reference
from kratomsim.engine.simulate import simulate as simulate_engine
from kratomsim.errors import KratomsimError, ProductError
from kratomsim.evidence import cited_inputs, resolve_product
from kratomsim.spec import default_spec
from kratomsim.spec.units import base_factor


@pytest.fixture(scope="module")
def repeated():
    return simulate("2 g every 8 h for 14 days", product="tea")


def test_result_is_frozen_and_read_only(repeated) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        repeated.mg_per_g = 1.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        repeated.conc_ng_ml[0, 0, 0] = 1.0


def test_frame_has_time_and_one_column_per_analyte(repeated) -> None:
    frame = repeated.to_frame()
    assert list(frame.columns) == ["time_h", "mitragynine", "7-hydroxymitragynine"]
    assert frame["time_h"].is_monotonic_increasing
    assert frame["mitragynine"].max() == pytest.approx(repeated.summary()["mitragynine"].cmax_ng_ml)
    nm = repeated.to_frame(unit="nM")
    ratio = (nm["mitragynine"] / frame["mitragynine"]).dropna()
    assert ratio[ratio > 0].iloc[-1] == pytest.approx(1000 / 398.5)


def test_default_window_covers_washout(repeated) -> None:
    last = repeated.dose_times_h[-1]
    assert len(repeated.dose_times_h) == 42
    assert repeated.time_h[-1] >= last + 168
    final = repeated.conc_ng_ml[0, -1, 0]
    assert final < 0.05 * repeated.summary()["mitragynine"].cmax_ng_ml


def test_summary_of_repeated_regimen(repeated) -> None:
    s = repeated.summary()["mitragynine"]
    assert s.last_trough_ng_ml is not None and 0 < s.last_trough_ng_ml < s.cmax_ng_ml
    assert s.time_to_90pct_steady_state_h is not None
    assert 24 <= s.time_to_90pct_steady_state_h <= 14 * 24
    # AUC over the window approaches the regimen's AUC(0-inf) once washed out
    assert s.auc_ng_h_ml == pytest.approx(s.auc_inf_ng_h_ml, rel=0.02)


def test_content_override_acts_as_alkaloid_dose_and_is_cited_as_user_input() -> None:
    base = simulate("2 g once", product="tea", duration="3 d")
    doubled = simulate("2 g once", product="tea", mg_per_g=39.0, duration="3 d")
    twice_the_tea = simulate("4 g once", product="tea", duration="3 d")
    np.testing.assert_allclose(doubled.conc_ng_ml, twice_the_tea.conc_ng_ml, rtol=1e-12)
    # more than proportional: mitragynine inactivates its own CYP3A clearance (model.toml d_hep)
    auc = lambda s: s.summary()["mitragynine"].auc_inf_ng_h_ml  # noqa: E731
    assert 2.0 < auc(doubled) / auc(base) < 2.5
    user = [v for v in doubled.used if v.kind == "user"]
    assert [v.locator for v in user] == ["mg_per_g (label or assay)"]
    assert "the user" in doubled.bibliography()


def test_7oh_product_gives_more_7oh_than_mitragynine() -> None:
    s = simulate("1 g once", product="7oh-concentrate", duration="2 d").summary()
    assert s["7-hydroxymitragynine"].cmax_ng_ml > 3 * s["mitragynine"].cmax_ng_ml
    assert s["7-hydroxymitragynine"].tmax_h < s["mitragynine"].tmax_h


def test_tea_peaks_earlier_than_capsules() -> None:
    tea = simulate("2 g once", product="tea", duration="2 d").summary()["mitragynine"]
    caps = simulate("2 g once", product="leaf-powder", duration="2 d").summary()["mitragynine"]
    assert tea.tmax_h < caps.tmax_h


def test_missed_dose_lowers_and_late_dose_shifts_exposure() -> None:
    full = simulate("2 g every 8 h for 3 days", duration="5 d")
    missed = simulate("2 g every 8 h for 3 days; miss dose 5", duration="5 d")
    late = simulate("2 g every 8 h for 3 days; dose 5 late by 3 h", duration="5 d")
    assert len(missed.dose_times_h) == len(full.dose_times_h) - 1
    assert 35.0 in late.dose_times_h and 32.0 not in late.dose_times_h
    auc = lambda s: s.summary()["mitragynine"].auc_inf_ng_h_ml  # noqa: E731
    assert auc(missed) < auc(full)
    # the same amount taken: nearly the same exposure (not exactly: CYP3A self-inactivation
    # depends on how close together the doses fall)
    assert auc(late) == pytest.approx(auc(full), rel=0.01)
    i = int(np.searchsorted(full.time_h, 34.0))  # between the planned and the late dose
    assert late.conc_ng_ml[0, i, 0] < full.conc_ng_ml[0, i, 0]


def test_public_result_agrees_with_the_scipy_reference_of_the_same_spec() -> None:
    regimen = kratomsim.parse_regimen("2 g every 12 h for 2 days")
    sim = simulate_engine(regimen, cited_inputs(resolve_product("tea")), duration_h=72.0)
    spec = default_spec()
    units = {p.name: p.unit for p in spec.parameters} | {i.name: i.unit for i in spec.inputs}
    given = {i.name: i.default for i in spec.inputs} | sim.values
    base = {n: given[n] * base_factor(u) for n, u in units.items()}
    mw = (given["mw_mg"], given["mw_7oh"])
    doses = np.stack(
        [
            sim.dose_amounts_g * sim.mg_per_g * 1e6 / mw[0],
            sim.dose_amounts_g * sim.oh7_mg_per_g * 1e6 / mw[1],
        ],
        axis=-1,
    )
    ref = simulate_reference(
        spec, base, sim.dose_times_h, doses, sim.time_h, outputs=("mitragynine_nm", "oh7_nm")
    )
    for k, name in enumerate(("mitragynine_nm", "oh7_nm")):
        big = ref[name] > 1e-6 * ref[name].max()
        err = np.abs(sim.conc_nm[0, :, k] - ref[name])[big] / ref[name][big]
        assert err.max() < 1e-6, name


def test_scenario_file_input(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text('regimen: "2 g every 8 h for 2 days"\nproduct: tea\nduration: "4 d"\n')
    sim = simulate(path)
    assert sim.product.id == "tea"
    assert sim.time_h[-1] == pytest.approx(96.0)
    text = simulate(str(path))
    np.testing.assert_array_equal(sim.conc_ng_ml, text.conc_ng_ml)


def test_bibliography_is_exactly_what_was_used(repeated) -> None:
    bib = repeated.bibliography("bibtex")
    used = {v.source for v in repeated.used}
    for key in used:
        assert f"{{{key}," in bib
    assert "brown2025" not in used and "brown2025" not in bib  # 7-OH products not involved


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"product": "tee"}, "Did you mean 'tea'"),
        ({"mg_per_g": -1.0}, "-1.0"),
        ({"duration": "-3 d"}, "-3"),
        ({"parameters": {"kcat": 1.0}}, "kcat"),
    ],
)
def test_bad_arguments_raise_the_project_error(kwargs, match: str) -> None:
    with pytest.raises(KratomsimError, match=match):
        simulate("2 g once", **kwargs)


def test_product_without_alkaloid_is_refused() -> None:
    with pytest.raises(ProductError, match="no alkaloid"):
        simulate("2 g once", product="tea", mg_per_g=0.0)


def test_public_api_surface() -> None:
    assert set(kratomsim.__all__) >= {"simulate", "Simulation", "Regimen", "parse_regimen"}


def test_doses_after_a_short_window_are_not_counted() -> None:
    sim = simulate("1 g every 12 h for 3 days", duration="36 h")
    np.testing.assert_array_equal(sim.dose_times_h, [0.0, 12.0, 24.0, 36.0])
    full = simulate("1 g every 12 h for 3 days", duration="36 h", times_h=sim.time_h)
    assert sim.summary()["mitragynine"].auc_inf_ng_h_ml == pytest.approx(
        full.summary()["mitragynine"].auc_inf_ng_h_ml
    )
    assert sim.dosed_nmol[0] == pytest.approx(4 * 13.3e6 / 398.5)


def test_7oh_absorption_is_cited_only_when_7oh_is_ingested() -> None:
    leaf = {v.name for v in simulate("2 g once", duration="1 d").used}
    assert not {"ka_7oh", "f_7oh"} & leaf
    conc = {v.name for v in simulate("1 g once", product="7oh-concentrate", duration="1 d").used}
    assert {"ka_7oh", "f_7oh"} <= conc


def test_concentration_before_the_first_dose_is_exactly_zero() -> None:
    sim = simulate("2 g once", duration="1 d")
    assert np.all(sim.conc_ng_ml[0, 0] == 0.0)
