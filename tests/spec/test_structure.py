"""The structure the kernels are generated from, worked out from the equations."""

from __future__ import annotations

from importlib.resources import files

import pytest

from kratomsim.errors import SpecError
from kratomsim.spec import default_spec, parse_spec
from kratomsim.spec.structure import is_zero, structure


@pytest.fixture(scope="module")
def full():
    spec = default_spec()
    return structure(spec, [o.name for o in spec.outputs])


def test_states_split_by_their_equations(full) -> None:
    assert set(full.exact) == {s.name for s in default_spec().states_by("exact")}
    # Only mitragynine's clearance and first pass depend on CYP3A: the depot's total outflow does
    # not (its split does), so the depot is not forced although its flows use the enzyme states.
    assert set(full.forced) == {"mg_central", "oh_central"}
    assert "gut_mg" not in full.forced
    assert all(full.affine[c] is not None for c in full.collocated)


def test_the_linear_part_is_the_model_at_rest(full) -> None:
    ix = full.exact.index
    a0 = full.a0
    ka = full.x("ka")
    # the three outflows of the depot add up to ka, whatever the enzyme states
    assert is_zero(a0[ix("gut_mg"), ix("gut_mg")] + ka, full.sym)
    assert is_zero(full.a_full[ix("gut_mg"), ix("gut_mg")] + ka, full.sym)
    # nothing flows into the depots
    assert all(a0[ix("gut_mg"), j] == 0 for j in range(len(full.exact)) if j != ix("gut_mg"))


def test_the_solve_order_follows_the_dependencies(full) -> None:
    order = [u.state for stage in full.stages for u in stage.units]
    assert order.index("d_gut") < order.index("d_hep")
    assert order.index("mg_central") < order.index("ce_mg") < order.index("tolerance")
    assert order.index("tolerance") < order.index("counter")
    loops = [s for s in full.stages if s.passes > 1]
    assert [sorted(u.state for u in s.units) for s in loops] == [["d_hep", "mg_central"]]
    # in the cycle the forced state goes first: the collocated one is predicted, then solved
    assert [u.kind for u in loops[0].units] == ["forced", "collocated"]


def test_outputs_prune_the_states_they_do_not_need() -> None:
    st = structure(default_spec(), ["mitragynine_nm", "oh7_nm"])
    assert "ce_mg" not in st.exact and "tolerance" not in st.collocated
    assert {"d_gut", "d_hep"} == set(st.collocated)


def test_a_nonlinear_exact_state_is_refused() -> None:
    text = files("kratomsim.spec").joinpath("model.toml").read_text()
    text = text.replace(
        'rate = "ke0_mg * (c_mg - ce_mg)"', 'rate = "ke0_mg * (c_mg - ce_mg) * ce_mg"'
    )
    with pytest.raises(SpecError, match="not linear"):
        structure(parse_spec(text), ["mu_activation"])


def test_unknown_outputs_and_switches_are_named() -> None:
    with pytest.raises(SpecError, match="no_such"):
        structure(default_spec(), ["no_such"])
    with pytest.raises(SpecError, match="Unknown switch"):
        structure(default_spec(), ["mu_activation"], switches={"nope": 1.0})
