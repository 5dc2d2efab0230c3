"""Breathing and pupils in human units: written once in the specification, cited, hand-checked."""

from __future__ import annotations

import pytest
import sympy as sp

from kratomsim.evidence.loader import load_references
from kratomsim.evidence.model_values import model_evidence
from kratomsim.spec import default_spec
from kratomsim.spec.listing import equations
from kratomsim.spec.symbolic import build
from kratomsim.spec.units import base_factor

HUMAN = ("ventilation_change_pct", "pupil_change_mm")
PARAMETERS = (
    "vent_gain_hill",
    "vent_drive_depth",
    "vent_drive_hill",
    "pupil_max_constriction",
    "pupil_a50",
    "pupil_hill",
)


def _at_drive(name: str, drive: float) -> float:
    """The output ``name`` at mu activation ``drive`` and the cited values, in its declared unit."""
    spec = default_spec()
    sym = build(spec)
    values = model_evidence("capsule").central()
    expr = sym.outputs[name].xreplace(
        {
            sym.symbols["opioid_drive"]: sp.Float(drive),
            sym.symbols["opioid_odds"]: sp.Float(drive / (1 - drive)),
        }
    )
    expr = expr.xreplace({sym.symbols[k]: sp.Float(values[k]) for k in PARAMETERS})
    return float(expr) / base_factor(spec.output(name).unit)


def test_outputs_are_in_the_spec_with_human_units_and_listed() -> None:
    spec = default_spec()
    assert spec.output("ventilation_change_pct").unit == "percent"
    assert spec.output("pupil_change_mm").unit == "mm"
    listed = {line.name for line in equations(spec)}
    assert set(HUMAN) <= listed
    # the mouse-derived ordering index is gone from the specification
    assert "respiratory_index" not in {o.name for o in spec.outputs}


def test_every_new_parameter_is_cited_and_graded() -> None:
    ev = model_evidence("capsule")
    refs = load_references()
    for name in PARAMETERS:
        c = ev.cited[name]
        assert c.source in refs, name
        assert c.grade in "ABCDES" and c.locator and c.low <= c.value <= c.high < 1e3, name
        assert c.low < c.high, f"{name} has an uncertainty range"


def test_ventilation_at_half_activation_by_hand() -> None:
    # FDA naive-user relation, hand arithmetic at A = 0.5:
    # 0.5^5.2 = 0.02720, 0.5^1.629 = 0.32339, 0.6227 x 0.32339 = 0.20137,
    # (1 - 0.02720) x (1 - 0.20137) = 0.97280 x 0.79863 = 0.77690  ->  -22.31 %
    assert _at_drive("ventilation_change_pct", 0.5) == pytest.approx(-22.31, abs=0.01)
    assert _at_drive("ventilation_change_pct", 0.0) == 0.0


def test_pupil_at_its_half_activation_is_half_the_largest_constriction() -> None:
    # at A = pupil_a50 the sigmoid is at half: -3.2 mm / 2
    assert _at_drive("pupil_change_mm", 0.593) == pytest.approx(-1.6, rel=1e-9)
    assert _at_drive("pupil_change_mm", 0.0) == 0.0
    assert -3.2 < _at_drive("pupil_change_mm", 0.99) < -3.0
