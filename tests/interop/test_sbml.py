"""The SBML export, run in libRoadRunner, reproduces the exact engine; libsbml finds no errors."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pytest

libsbml = pytest.importorskip("libsbml")
roadrunner = pytest.importorskip("roadrunner")

from kratomsim.engine.core import simulate_concentrations  # noqa: E402
from kratomsim.errors import ModelSpecError  # noqa: E402
from kratomsim.evidence import load_parameters, resolve_product  # noqa: E402
from kratomsim.evidence.params import model_inputs  # noqa: E402
from kratomsim.interop.sbml import output_id, reaction_id, to_sbml  # noqa: E402
from kratomsim.models.pk import DOSE_INPUTS, FLOWS, OUTPUTS, PARAMETERS, STATES  # noqa: E402

RTOL = 1e-6


def default_params(product: str = "leaf-powder") -> dict[str, float]:
    return model_inputs(load_parameters(), resolve_product(product)).params


def roadrunner_concentrations(
    sbml: str,
    params: Mapping[str, float],
    dose_times_h: np.ndarray,
    alkaloid_mg: Mapping[str, np.ndarray],
    t_out_h: np.ndarray,
) -> np.ndarray:
    """Concentrations (times, analytes) from libRoadRunner: doses are state increments between
    ``simulate`` segments. Dose times must lie on the (sorted) output grid."""
    rr = roadrunner.RoadRunner(sbml)
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-14
    rr.integrator.maximum_num_steps = 1_000_000
    selections = ["time", *(output_id(a) for a in OUTPUTS)]
    rr.reset()
    starts = [*dose_times_h, t_out_h[-1]]
    rows = [np.zeros((int(np.sum(t_out_h < starts[0])), len(OUTPUTS)))]
    for k, t0 in enumerate(dose_times_h):
        for analyte, (state, mw) in DOSE_INPUTS.items():
            if analyte in alkaloid_mg:
                rr[state] = rr[state] + float(alkaloid_mg[analyte][k]) * 1e6 / params[mw]
        t1 = starts[k + 1]
        last = k == len(dose_times_h) - 1
        times = t_out_h[(t_out_h >= t0) & ((t_out_h <= t1) if last else (t_out_h < t1))]
        if times.size == 0:
            rr.simulate(t0, t1, 2)
            continue
        grid = np.unique(np.concatenate([times, [t1]]))
        res = np.asarray(rr.simulate(times=list(grid), selections=selections))
        np.testing.assert_allclose(res[:, 0], grid)
        rows.append(res[np.searchsorted(grid, times), 1:])
    return np.vstack(rows)


def max_rel_error(got: np.ndarray, ref: np.ndarray) -> float:
    big = ref > 1e-6 * ref.max(axis=0)
    return float(np.max(np.abs(got - ref)[big] / ref[big]))


def test_document_is_consistent_and_complete() -> None:
    params = default_params()
    doc = libsbml.readSBMLFromString(to_sbml(params, name="pk_test"))
    assert doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
    doc.checkConsistency()
    severe = [
        doc.getError(i).getMessage()
        for i in range(doc.getNumErrors())
        if doc.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR
    ]
    assert not severe
    model = doc.getModel()
    assert model.getId() == "pk_test"
    assert model.getNumCompartments() == 1 and model.getCompartment(0).getSize() == 1.0
    species = {
        model.getSpecies(i).getId(): model.getSpecies(i) for i in range(model.getNumSpecies())
    }
    assert set(species) == set(STATES)
    assert all(
        s.getHasOnlySubstanceUnits() and s.getInitialAmount() == 0.0 for s in species.values()
    )
    for name in PARAMETERS:
        assert model.getParameter(name).getValue() == pytest.approx(params[name], rel=1e-15)
    assert model.getNumReactions() == len(FLOWS)
    for flow in FLOWS:
        rxn = model.getReaction(reaction_id(flow))
        assert rxn is not None, flow
        assert not rxn.getReversible()
        assert rxn.getReactant(0).getSpecies() == flow.source
        assert rxn.getProduct(0).getSpecies() == flow.target
        assert flow.source in libsbml.formulaToL3String(rxn.getKineticLaw().getMath())
    rules = {model.getRule(i).getVariable() for i in range(model.getNumRules())}
    assert rules == {"mitragynine_nM", "hydroxymitragynine_7_nM"}


def test_single_dose_matches_exact_engine() -> None:
    params = default_params()
    doses, t = np.array([0.0]), np.arange(0.0, 49.0, 0.5)
    alk = {"mitragynine": np.array([2.0 * 13.3])}
    _, exact = simulate_concentrations(params, doses, alk, t)
    rr = roadrunner_concentrations(to_sbml(params), params, doses, alk, t)
    assert max_rel_error(rr, exact[0]) <= RTOL


@pytest.mark.parametrize("product", ["leaf-powder", "7oh-concentrate"])
def test_dose_series_matches_exact_engine(product: str) -> None:
    params = default_params(product)
    doses = np.array([0.0, 8.0, 16.0, 31.0, 48.0, 56.0])
    t = np.arange(0.0, 97.0, 1.0)
    alk = {
        "mitragynine": np.full(doses.size, 26.0),
        "7-hydroxymitragynine": np.full(doses.size, 4.0),
    }
    _, exact = simulate_concentrations(params, doses, alk, t)
    rr = roadrunner_concentrations(to_sbml(params), params, doses, alk, t)
    assert max_rel_error(rr, exact[0]) <= RTOL


def test_output_ids_are_valid_sbml_ids() -> None:
    assert output_id("mitragynine") == "mitragynine_nM"
    assert output_id("7-hydroxymitragynine") == "hydroxymitragynine_7_nM"
    for analyte in OUTPUTS:
        assert libsbml.SyntaxChecker.isValidSBMLSId(output_id(analyte))


def test_bad_inputs_are_rejected() -> None:
    params = default_params()
    with pytest.raises(ModelSpecError):
        to_sbml({k: v for k, v in params.items() if k != "cl"})
    with pytest.raises(ModelSpecError):
        to_sbml({**params, "cl": -1.0})
    with pytest.raises(ModelSpecError):
        to_sbml(params, name="7 bad id")


def test_spec_formulas_translate_or_are_rejected() -> None:
    from kratomsim.interop import sbml

    assert sbml._l3("ka_mg * (1 - f_mg - fp)") == "(ka_mg * ((1.0 - f_mg) - fp))"
    assert sbml._l3("-q ** 2 / v1") == "((-(q ^ 2.0)) / v1)"
    for bad in ("exp(kme)", "kme if fp else q", "unknown_rate * 2", "True * kme"):
        with pytest.raises(ModelSpecError):
            sbml._l3(bad)
