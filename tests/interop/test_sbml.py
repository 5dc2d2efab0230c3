"""SBML export generated from the specification, checked with libsbml and libRoadRunner."""

from __future__ import annotations

import numpy as np
import pytest

libsbml = pytest.importorskip("libsbml")
roadrunner = pytest.importorskip("roadrunner")

from kratomsim.engine.compiled import compiled_kernel, run_kernel  # noqa: E402
from kratomsim.errors import InteropError  # noqa: E402
from kratomsim.evidence.model_values import model_evidence  # noqa: E402
from kratomsim.interop.sbml import sbml_id, to_sbml  # noqa: E402
from kratomsim.spec import default_spec  # noqa: E402
from kratomsim.spec.units import dimension  # noqa: E402

SPEC = default_spec()
OUTPUTS = tuple(o.name for o in SPEC.outputs)


def _doses(kind: str) -> tuple[np.ndarray, np.ndarray]:
    if kind == "leaf":
        t = np.arange(0.0, 72.0, 8.0)
        return t, np.column_stack([np.full(t.size, 2 * 13.3e6 / 398.5), np.zeros(t.size)])
    t = np.array([0.0, 12.0])
    return t, np.column_stack([np.full(2, 2.0e6 / 398.5), np.full(2, 20.0e6 / 414.502)])


def test_document_is_consistent_and_every_parameter_has_units() -> None:
    values = model_evidence("capsule").central()
    doc = libsbml.readSBMLFromString(to_sbml(SPEC, values))
    assert doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
    model = doc.getModel()
    amounts = [s for s in SPEC.states if s.rate is None]
    assert model.getNumSpecies() == len(amounts)
    assert model.getNumReactions() == len(SPEC.flows)
    rate_rules = sum(model.getRule(i).isRate() for i in range(model.getNumRules()))
    assert rate_rules == sum(s.rate is not None for s in SPEC.states)
    for i in range(model.getNumParameters()):
        par = model.getParameter(i)
        assert par.isSetUnits(), par.getId()
        ud = model.getUnitDefinition(par.getUnits())
        if par.getUnits() != "dimensionless":
            assert ud is not None, par.getUnits()
    for p in SPEC.parameters:
        assert model.getParameter(sbml_id(p.name)).getValue() == pytest.approx(values[p.name])
    # a uM parameter is written in the base unit (nM) with its dimensions
    ki = model.getParameter("ki_tdi_cyp3a_hep")
    assert ki.getValue() == pytest.approx(
        1000 * model_evidence("capsule").cited["ki_tdi_cyp3a_hep"].value
    )
    assert dict(dimension("uM")) == {"[substance]": 1, "[length]": -3}


@pytest.mark.parametrize("kind", ["leaf", "7-OH product"])
def test_libroadrunner_reproduces_the_kernel(kind: str) -> None:
    values = model_evidence("capsule").central()
    times, doses = _doses(kind)
    rr = roadrunner.RoadRunner(to_sbml(SPEC, values, dose_times_h=times, doses_nmol=doses))
    rr.integrator.absolute_tolerance = 1e-14
    rr.integrator.relative_tolerance = 1e-12
    rr.timeCourseSelections = ["time", *(f"out_{sbml_id(o)}" for o in OUTPUTS)]
    res = rr.simulate(0.0, 96.0, 193)
    kernel = compiled_kernel(SPEC, OUTPUTS)
    pm = np.array([[values[n] for n in kernel.params]])
    ours = run_kernel(kernel, pm, times, doses[None], res[:, 0])
    for r, name in enumerate(kernel.outputs):
        b = res[:, OUTPUTS.index(name) + 1]
        err = np.max(np.abs(ours[r, 0] - b)) / max(np.max(np.abs(b)), 1e-9)
        assert err < 2e-6, f"{kind} {name}: {err:.2e}"


def test_breathing_and_pupil_outputs_are_exported_in_their_units() -> None:
    values = model_evidence("capsule").central()
    model = libsbml.readSBMLFromString(to_sbml(SPEC, values)).getModel()
    for name, kind, multiplier in (
        ("ventilation_change_pct", libsbml.UNIT_KIND_DIMENSIONLESS, 0.01),
        ("pupil_change_mm", libsbml.UNIT_KIND_LITRE, 1e-6),  # (1e-6 L)^(1/3) = 1 mm
    ):
        par = model.getParameter(f"out_{name}")
        assert par is not None and model.getAssignmentRuleByVariable(f"out_{name}") is not None
        unit = model.getUnitDefinition(par.getUnits()).getUnit(0)
        assert unit.getKind() == kind
        assert unit.getMultiplier() == pytest.approx(multiplier)


def test_ids_and_bad_inputs() -> None:
    assert sbml_id("7-hydroxymitragynine") == "hydroxymitragynine_7"
    assert libsbml.SyntaxChecker.isValidSBMLSId(sbml_id("7-hydroxymitragynine"))
    values = model_evidence("capsule").central()
    with pytest.raises(InteropError, match="needs a value"):
        to_sbml(SPEC, {k: v for k, v in values.items() if k != "v1"})
    with pytest.raises(InteropError, match="finite"):
        to_sbml(SPEC, values, dose_times_h=[-1.0], doses_nmol=[[1.0, 0.0]])
