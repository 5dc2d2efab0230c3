"""Properties of the model for any parameters within the cited ranges: mass balance, signs."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kratomsim.engine.compiled import compiled_kernel, run_kernel
from kratomsim.engine.reference import simulate_reference
from kratomsim.evidence.model_values import model_evidence
from kratomsim.spec import default_spec

SPEC = default_spec()
EV = model_evidence("capsule")
UNCERTAIN = [n for n in EV.uncertain() if EV.cited[n].low > 0]
AMOUNTS = [s.name for s in SPEC.states if s.unit == "nmol"]


@st.composite
def parameters(draw: st.DrawFn) -> dict[str, float]:
    values = EV.central()
    for name in UNCERTAIN:
        c = EV.cited[name]
        u = draw(st.floats(0.0, 1.0))
        values[name] = float(np.exp(np.log(c.low) + u * np.log(c.high / c.low))) * EV.factor[name]
    return values


@st.composite
def schedules(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 4))
    times = np.sort(np.array(draw(st.lists(st.floats(0.0, 30.0), min_size=n, max_size=n))))
    mg = np.array(draw(st.lists(st.floats(0.0, 5e5), min_size=n, max_size=n)))
    oh = np.array(draw(st.lists(st.floats(0.0, 5e4), min_size=n, max_size=n)))
    return times, np.column_stack([mg, oh])


@settings(max_examples=12, deadline=None)
@given(parameters(), schedules())
def test_mass_balance_closes_for_any_parameters(p: dict[str, float], sched) -> None:
    times, doses = sched
    t = np.array([0.0, 5.0, 40.0, 80.0])
    states = simulate_reference(SPEC, p, times, doses, t, rtol=1e-10, atol=1e-9, states=True)
    total = sum(states[s] for s in AMOUNTS)
    dosed = np.array([doses[times <= ti].sum() for ti in t])
    np.testing.assert_allclose(total, dosed, rtol=1e-7, atol=1e-6)
    for s in AMOUNTS:
        assert np.all(states[s] >= -1e-6 * max(1.0, dosed.max()))
    for c in ("d_gut", "d_hep"):
        assert np.all((states[c] >= -1e-12) & (states[c] <= 1.0))


@settings(max_examples=20, deadline=None)
@given(parameters(), schedules())
def test_kernel_outputs_stay_in_their_ranges(p: dict[str, float], sched) -> None:
    times, doses = sched
    kernel = compiled_kernel(SPEC, [o.name for o in SPEC.outputs])
    pm = np.array([[p[n] for n in kernel.params]])
    out = run_kernel(kernel, pm, times, doses[None], np.arange(0.0, 60.0, 0.5))
    rows = dict(zip(kernel.outputs, out[:, 0], strict=True))
    for name in ("mitragynine_nm", "oh7_nm", "mu_occupancy", "tolerance", "withdrawal_score"):
        assert np.all(rows[name] >= -1e-9), name
    for name in ("cyp3a_gut_activity", "cyp3a_liver_activity", "mu_activation"):
        assert np.all((rows[name] >= -1e-12) & (rows[name] <= 1.0 + 1e-12)), name
