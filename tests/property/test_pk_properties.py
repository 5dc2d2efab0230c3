"""Hypothesis: mass balance, non-negativity and dose linearity for any parameters and schedule."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kratomsim.engine.core import concentrations_nm, simulate_states
from kratomsim.models.pk import IDX, SINK_STATES


def log_uniform(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(np.log(lo), np.log(hi)).map(np.exp)


@st.composite
def model_parameters(draw: st.DrawFn) -> dict[str, float]:
    f_mg = draw(st.floats(0.05, 0.95))
    fp = draw(st.floats(0.0, 1.0 - f_mg))
    return {
        "ka_mg": draw(log_uniform(0.05, 20)),
        "ka_7oh": draw(log_uniform(0.05, 20)),
        "f_mg": f_mg,
        "fp": fp,
        "f_7oh": draw(st.floats(0.05, 1.0)),
        "cl": draw(log_uniform(5, 2000)),
        "v1": draw(log_uniform(10, 5000)),
        "q": draw(log_uniform(1, 2000)),
        "v2": draw(log_uniform(10, 50000)),
        "fm": draw(st.floats(0.01, 1.0)),
        "kme": draw(log_uniform(0.02, 10)),
        "vm": draw(log_uniform(50, 5000)),
        "mw_mg": 398.5,
        "mw_7oh": 414.502,
    }


schedules = st.lists(st.floats(0, 200, allow_nan=False), min_size=1, max_size=8).map(
    lambda xs: np.sort(np.asarray(xs))
)


@settings(max_examples=150)
@given(model_parameters(), schedules, st.floats(0.5, 200), st.floats(0.0, 30))
def test_mass_balance_and_non_negativity(
    params: dict[str, float], times: np.ndarray, mg: float, oh: float
) -> None:
    t = np.linspace(0, 300, 151)
    alk = {"mitragynine": np.full(times.size, mg), "7-hydroxymitragynine": np.full(times.size, oh)}
    p, x = simulate_states(params, times, alk, t)
    dosed_nmol = times.size * (mg * 1e6 / 398.5 + oh * 1e6 / 414.502)
    given_by_t = np.array([(times <= tt).sum() for tt in t]) * (
        mg * 1e6 / 398.5 + oh * 1e6 / 414.502
    )
    # all amounts ≥ 0 (to round-off), and the states add up to what was dosed so far
    assert np.all(x >= -1e-9 * dosed_nmol)
    np.testing.assert_allclose(x.sum(axis=-1)[0], given_by_t, rtol=1e-9, atol=1e-9 * dosed_nmol)
    # absorbed = in body + eliminated + converted: the sinks only ever grow
    sinks = x[0][:, [IDX[s] for s in SINK_STATES]]
    assert np.all(np.diff(sinks, axis=0) >= -1e-9 * dosed_nmol)
    conc = concentrations_nm(p, x)
    assert np.all(conc >= -1e-9 * max(conc.max(), 1e-300))


@settings(max_examples=60)
@given(model_parameters(), schedules, st.floats(0.5, 100), st.floats(1.5, 10))
def test_dose_linearity_any_parameters(
    params: dict[str, float], times: np.ndarray, mg: float, factor: float
) -> None:
    t = np.linspace(0, 250, 126)
    p, x1 = simulate_states(params, times, {"mitragynine": np.full(times.size, mg)}, t)
    _, x2 = simulate_states(params, times, {"mitragynine": np.full(times.size, mg * factor)}, t)
    c1, c2 = concentrations_nm(p, x1), concentrations_nm(p, x2)
    np.testing.assert_allclose(c2, factor * c1, rtol=1e-8, atol=1e-10 * max(c2.max(), 1e-300))
