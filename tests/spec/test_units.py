"""Base units: the table used at run time agrees with pint."""

from __future__ import annotations

import pytest

from kratomsim.errors import SpecError
from kratomsim.spec import default_spec
from kratomsim.spec.units import KNOWN_FACTORS, base_factor, pint_base_factor


@pytest.mark.parametrize("unit", sorted(KNOWN_FACTORS))
def test_the_fast_table_agrees_with_pint(unit: str) -> None:
    assert KNOWN_FACTORS[unit] == pytest.approx(pint_base_factor(unit), rel=1e-12)


def test_every_unit_of_the_spec_converts_to_the_base() -> None:
    spec = default_spec()
    for item in (*spec.parameters, *spec.inputs, *spec.states, *spec.outputs):
        assert base_factor(item.unit) > 0


def test_conversions_are_the_physical_ones() -> None:
    assert base_factor("uM") == pytest.approx(1000.0)  # µM → nM
    assert base_factor("s") == pytest.approx(1 / 3600)  # s → h
    assert base_factor("g/mol") == pytest.approx(1.0)  # g/mol = ng/nmol
    assert pint_base_factor("mL/min") == pytest.approx(60 / 1000)  # → L/h


def test_units_outside_the_model_are_refused() -> None:
    with pytest.raises(SpecError, match="dimension"):
        pint_base_factor("K")
