"""Change one equation in a copy of the specification: every path changes with it.

The kernels, the SciPy reference, the SBML export and the model listing are all generated from the
specification; none holds a second copy of an equation. Here the tolerance rate of a copy of
``model.toml`` is doubled; each path must show the new model (and still agree with the others).
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from kratomsim.engine.compiled import compiled_kernel
from kratomsim.engine.reference import simulate_reference
from kratomsim.engine.subjects import Dosing, simulate_subjects
from kratomsim.evidence.model_values import model_evidence
from kratomsim.interop.sbml import to_sbml
from kratomsim.reports.model_reference import model_reference
from kratomsim.spec import default_spec, load_spec

OLD = 'rate = "tol_k_on * analgesic_drive * (tol_max - tolerance) - tol_k_off * tolerance"'
NEW = 'rate = "2 * tol_k_on * analgesic_drive * (tol_max - tolerance) - tol_k_off * tolerance"'


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> Path:
    text = resources.files("kratomsim.spec").joinpath("model.toml").read_text("utf-8")
    assert text.count(OLD) == 1
    path = tmp_path_factory.mktemp("spec") / "model.toml"
    path.write_text(text.replace(OLD, NEW), encoding="utf-8")
    return path


@pytest.mark.slow  # compiles a kernel for the edited model (about a minute)
def test_kernels_reference_sbml_and_listing_follow_one_edited_equation(edited: Path) -> None:
    spec, base = load_spec(edited), default_spec()
    values = model_evidence("tea").central()
    times = np.arange(0.0, 24.0 * 5, 8.0)
    dose_mg = 40.0
    t_out = np.arange(0.0, 24.0 * 5 + 1.0, 6.0)
    dosing = Dosing(
        "tea", times, np.full((1, times.size), dose_mg), np.zeros((1, times.size)), t_out
    )
    per_unit = {n: c.value for n, c in model_evidence("tea").cited.items()}

    # kernels
    new_k = simulate_subjects(per_unit, dosing, outputs=("tolerance",), spec=spec).tolerance[0]
    old_k = simulate_subjects(per_unit, dosing, outputs=("tolerance",), spec=base).tolerance[0]
    assert new_k[-1] > 1.2 * old_k[-1] > 0

    # reference (SciPy), in base units, agrees with the edited kernel
    mw = {d.name: d.molar_mass for d in spec.doses}
    nmol = np.zeros((times.size, len(spec.doses)))
    nmol[:, 0] = dose_mg * 1e6 / values[mw["mitragynine"]]
    ref = simulate_reference(spec, values, times, nmol, t_out, outputs=("tolerance",))["tolerance"]
    np.testing.assert_allclose(new_k, ref, rtol=1e-5, atol=1e-8)
    ref_old = simulate_reference(base, values, times, nmol, t_out, outputs=("tolerance",))
    assert not np.allclose(ref, ref_old["tolerance"])

    # SBML export carries the edited rate; the shipped model's does not
    new_doc, old_doc = to_sbml(spec, values), to_sbml(base, values)
    assert new_doc != old_doc
    # the factor 2 as a MathML number (libSBML writes it as a real or an integer)
    two = re.compile(r'<cn(?: type="(?:integer|real)")?> 2(?:\.0*)? </cn>')
    assert len(two.findall(new_doc)) == len(two.findall(old_doc)) + 1

    # listing
    listing = {s["name"]: s["equation"] for s in model_reference(spec)["states"]}
    base_listing = {s["name"]: s["equation"] for s in model_reference(base)["states"]}
    assert listing["tolerance"] != base_listing["tolerance"]
    assert "2" in listing["tolerance"]
    assert {k: v for k, v in listing.items() if k != "tolerance"} == {
        k: v for k, v in base_listing.items() if k != "tolerance"
    }
    # the compiled kernels differ
    assert compiled_kernel(spec, ("tolerance",)).path != compiled_kernel(base, ("tolerance",)).path
