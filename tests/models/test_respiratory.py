"""Respiratory-depression index: ceiling (MG) vs no ceiling (7-OH), full agonist, bounds."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kratomsim.errors import ModelSpecError
from kratomsim.evidence import load_parameters
from kratomsim.models import respiratory as resp
from kratomsim.models.receptors import FULL_AGONIST, OH, receptor_params_from_values, receptor_state
from kratomsim.models.respiratory import (
    RESPIRATORY_PARAMETERS,
    RespiratoryParams,
    mg_ceiling_index,
    oh7_formed_mg,
    respiratory_index,
    respiratory_index_from_activation,
    respiratory_params_from_values,
)

FILE = ("side_effects.toml",)


def _params() -> RespiratoryParams:
    return respiratory_params_from_values(load_parameters(FILE).values_dict())


@pytest.fixture(scope="module")
def params() -> RespiratoryParams:
    return _params()


def test_every_parameter_is_cited_and_labelled() -> None:
    entries = load_parameters(FILE)
    names = [n for n in entries if n.startswith("resp_")]
    assert set(names) == set(RESPIRATORY_PARAMETERS)
    for name in names:
        entry = entries[name]
        assert entry.source and entry.locator
        if entry.kind == "assumption":
            assert "ASSUMPTION" in entry.note, name
    # The saturable conversion comes from mouse data (Hill 2022), grade D.
    sat = entries["resp_mg_half_sat_mg"]
    assert (sat.kind, sat.grade, sat.species, sat.source) == (
        "assumption",
        "D",
        "mouse",
        "hill2022",
    )


def test_docstrings_say_index_not_prediction() -> None:
    for doc in (resp.__doc__, respiratory_index.__doc__):
        assert doc is not None
        assert "mouse" in doc.lower() and "not a human prediction" in " ".join(doc.split()).lower()


def test_mg_only_shows_a_ceiling(params: RespiratoryParams) -> None:
    # Hill 2022 (mouse): MG's respiratory depression plateaus above 10 mg/kg.
    dsat = params.mg_half_sat_mg
    idx = respiratory_index(np.array([10.0, 30.0, 100.0]) * dsat, 0.0, params)
    ceiling = mg_ceiling_index(params)
    assert np.diff(idx).max() < 0.02  # flat beyond the saturation region
    assert ceiling - idx[-1] < 0.005
    assert ceiling < 0.3  # well below a full opioid's maximum
    full = respiratory_index(0.0, 0.0, params, full_agonist_mg=100 * params.k_full_mg)
    assert ceiling < 0.5 * float(full)


def test_oh7_rises_without_that_ceiling(params: RespiratoryParams) -> None:
    # Hill 2022: 7-OH depresses breathing dose-dependently (no ceiling).
    cap = params.oh7_per_mg * params.mg_half_sat_mg
    idx = respiratory_index(0.0, np.array([1.0, 3.0, 10.0]) * cap, params)
    assert (np.diff(idx) > 0.05).all()  # still rising where MG has flattened
    assert idx[-1] > 2.0 * mg_ceiling_index(params)


def test_full_opioid_reaches_near_one(params: RespiratoryParams) -> None:
    idx = respiratory_index(0.0, 0.0, params, full_agonist_mg=100 * params.k_full_mg)
    assert float(idx) > 0.95


def test_formation_is_saturable(params: RespiratoryParams) -> None:
    d = np.geomspace(1.0, 1e6, 100)
    formed = oh7_formed_mg(d, params)
    assert (np.diff(formed) > 0).all()
    assert formed.max() < params.oh7_per_mg * params.mg_half_sat_mg
    assert formed[0] == pytest.approx(params.oh7_per_mg * d[0], rel=0.02)  # linear at low dose


def test_full_opioid_plus_kratom(params: RespiratoryParams) -> None:
    full = np.geomspace(1.0, 1e5, 60)
    alone = respiratory_index(0.0, 0.0, params, full_agonist_mg=full)
    for mg, oh7 in [(40.0, 0.0), (1e5, 0.0), (0.0, 30.0), (0.0, 1e4)]:
        kratom = float(respiratory_index(mg, oh7, params))
        combined = respiratory_index(mg, oh7, params, full_agonist_mg=full)
        # Adding a full agonist never lowers the index.
        assert (combined >= kratom - 1e-12).all()
        # Competition bound: never below min(full alone, index at 7-OH's own ceiling).
        floor = float(respiratory_index(0.0, 1e12, params))
        assert (combined >= np.minimum(alone, floor) - 1e-9).all()
    # MG products (capped 7-OH): at high full-agonist doses the loss is small and shrinks.
    high = full >= 10 * params.k_full_mg
    loss = alone - respiratory_index(1e5, 0.0, params, full_agonist_mg=full)
    assert loss[high].max() < 0.02
    assert loss[-1] < loss[high][0]
    # Below the crossover full/K = tau7/(tau_full - tau7), kratom adds to a small full dose.
    low = full / params.k_full_mg < params.tau_7oh / (params.tau_full - params.tau_7oh)
    combined = respiratory_index(40.0, 0.0, params, full_agonist_mg=full)
    assert (combined[low] >= alone[low]).all()


@given(
    st.lists(st.floats(0.0, 1e6), min_size=2, max_size=20),
    st.floats(0.0, 1e4),
)
def test_bounded_and_monotone_in_each_dose(doses: list[float], other: float) -> None:
    p = _params()
    d = np.sort(np.asarray(doses))
    for idx in (
        respiratory_index(d, 0.0, p),
        respiratory_index(0.0, d, p),
        respiratory_index(d, other, p),
        respiratory_index(other, 0.0, p, full_agonist_mg=d),
        respiratory_index(other, other, p, full_agonist_mg=d),
    ):
        assert ((idx >= 0.0) & (idx <= 1.0)).all()
        assert (np.diff(idx) >= -1e-12).all()


@given(st.lists(st.floats(0.0, 1.0), min_size=2, max_size=30))
def test_activation_transducer(acts: list[float]) -> None:
    p = _params()
    a = np.sort(np.asarray(acts))
    idx = respiratory_index_from_activation(a, p)
    assert ((idx >= 0.0) & (idx <= 1.0)).all()
    assert (np.diff(idx) >= -1e-12).all()


def test_transducer_end_points(params: RespiratoryParams) -> None:
    out = respiratory_index_from_activation(np.array([0.0, params.a50, 1.0]), params)
    assert out[0] == 0.0 and out[2] == pytest.approx(1.0)
    assert out[1] == pytest.approx(0.5 * (1.0 + params.a50**params.hill))


def test_activation_path_from_receptor_layer(params: RespiratoryParams) -> None:
    rec = receptor_params_from_values(load_parameters(("receptors.toml",)).values_dict())
    oh = np.geomspace(1.0, 1e5, 40)
    state = receptor_state({OH: oh}, rec)
    idx = respiratory_index_from_activation(state.mu_activation, params)
    assert (np.diff(idx) >= 0).all() and idx.max() < 0.7  # partial agonist: no full effect
    full = receptor_state({OH: 0.0}, rec, full_agonist_nm=1e4)
    assert float(respiratory_index_from_activation(full.mu_activation, params)) > 0.95
    assert FULL_AGONIST in full.mu_occupancy_by_ligand


def test_invalid_inputs_rejected(params: RespiratoryParams) -> None:
    with pytest.raises(ModelSpecError):
        respiratory_index(-1.0, 0.0, params)
    with pytest.raises(ModelSpecError):
        respiratory_index(0.0, np.nan, params)
    with pytest.raises(ModelSpecError):
        respiratory_index_from_activation(1.5, params)
    with pytest.raises(ModelSpecError):
        dataclasses.replace(params, a50=1.0)
    with pytest.raises(ModelSpecError):
        dataclasses.replace(params, tau_full=0.5)
    with pytest.raises(ModelSpecError):
        dataclasses.replace(params, mg_half_sat_mg=0.0)
