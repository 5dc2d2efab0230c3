"""SBML Level 3 export of the model, generated from the declarative specs in
:mod:`kratomsim.models.pk`.

PK part: everything — species, parameters, reactions, kinetic laws and the observed concentrations —
is derived from ``STATES``, ``FLOWS``, ``OUTPUTS`` and ``PARAMETERS``, so the export cannot drift
from the kernels. Species are amounts in nmol (``hasOnlySubstanceUnits``) in one compartment of
volume 1 L; each flow becomes an irreversible reaction with mass-action law ``rate * source``; each
plasma concentration (nM) is an assignment rule ``amount / volume``.

With ``full=True`` the pain-response layer is added (:mod:`.sbml_pd`): effect sites as rate rules,
the receptor layer as assignment rules and the adaptation states as rate rules. Doses, when given,
become one SBML event per dose time (a dose at time 0 is an initial assignment, because simulators
do not fire events at the start time); otherwise add them as state increments in the simulator.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Final

import libsbml
import numpy as np
from numpy.typing import ArrayLike

from kratomsim.errors import ModelSpecError
from kratomsim.interop.sbml_build import (
    add_parameter,
    check,
    output_id,
    parse_math,
    valid_id,
)
from kratomsim.interop.sbml_pd import add_pain_response
from kratomsim.models.pk import (
    DOSE_INPUTS,
    FLOWS,
    OUTPUTS,
    PARAMETERS,
    STATES,
    Flow,
    as_subject_arrays,
)

COMPARTMENT: Final = "body"
_BINARY: Final = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "^"}
#: Unit definitions: id → [(libsbml unit kind, exponent, scale, multiplier)].
_UNITS: Final = {
    "nmol": [(libsbml.UNIT_KIND_MOLE, 1, -9, 1.0)],
    "hour": [(libsbml.UNIT_KIND_SECOND, 1, 0, 3600.0)],
    "nM": [(libsbml.UNIT_KIND_MOLE, 1, -9, 1.0), (libsbml.UNIT_KIND_LITRE, -1, 0, 1.0)],
}


def reaction_id(flow: Flow) -> str:
    """SBML id of the reaction for one flow: ``<source>__to__<target>``."""
    return valid_id(f"{flow.source}__to__{flow.target}")


def to_sbml(
    params: Mapping[str, float],
    *,
    name: str = "kratomsim_pk",
    full: bool = False,
    ecs_hypothesis: bool = False,
    dose_times_h: ArrayLike | None = None,
    alkaloid_mg: Mapping[str, ArrayLike] | None = None,
) -> str:
    """Return the model as an SBML Level 3 Version 2 document (a string) with ``params`` as values.

    Main arguments
    --------------
    params
        PK model parameters (:data:`~kratomsim.models.pk.PARAMETERS`, one float each); with
        ``full=True`` also :data:`~kratomsim.interop.sbml_pd.PD_PARAMETERS` (receptor-layer names,
        adaptation names as in ``adaptation.toml`` and ``mor_reserve_factor``).
    full
        Add effect sites, receptor layer and adaptation (tolerance, dependence, withdrawal score).

    Other arguments
    ---------------
    ecs_hypothesis
        With ``full``, include the endocannabinoid HYPOTHESIS term in the analgesic drive.
    dose_times_h, alkaloid_mg
        Doses as in :func:`kratomsim.engine.core.simulate_concentrations`: times (h) and mg of each
        alkaloid per dose (keys ``mitragynine``, ``7-hydroxymitragynine``), written as events.

    Raises :class:`~kratomsim.errors.ModelSpecError` for missing or out-of-bounds parameters, an
    invalid ``name``, a spec formula outside plain arithmetic, or a document libsbml rejects.
    """
    values = _scalar_params(params)
    doc = libsbml.SBMLDocument(3, 2)
    model = doc.createModel()
    check(model.setId(valid_id(name)), "model id")
    what = "PK and pain-response model" if full else "PK model"
    model.setName(f"kratomsim {what} (amounts in nmol, time in hours)")
    for uid, parts in _UNITS.items():
        _unit_definition(model, uid, parts)
    for attr, unit in (
        ("Substance", "nmol"),
        ("Time", "hour"),
        ("Volume", "litre"),
        ("Extent", "nmol"),
    ):
        check(getattr(model, f"set{attr}Units")(unit), f"model {attr.lower()} units")

    comp = model.createCompartment()
    for result in (
        comp.setId(COMPARTMENT),
        comp.setSize(1.0),
        comp.setConstant(True),
        comp.setSpatialDimensions(3.0),
        comp.setUnits("litre"),
    ):
        check(result, "compartment")

    for state in STATES:
        sp = model.createSpecies()
        for result in (
            sp.setId(valid_id(state)),
            sp.setCompartment(COMPARTMENT),
            sp.setInitialAmount(0.0),
            sp.setHasOnlySubstanceUnits(True),
            sp.setBoundaryCondition(False),
            sp.setConstant(False),
            sp.setSubstanceUnits("nmol"),
        ):
            check(result, f"species {state}")

    for pname in PARAMETERS:
        add_parameter(model, pname, values[pname], constant=True)

    for flow in FLOWS:
        rxn = model.createReaction()
        for result in (rxn.setId(reaction_id(flow)), rxn.setReversible(False)):
            check(result, f"reaction {flow}")
        for ref, species in (
            (rxn.createReactant(), flow.source),
            (rxn.createProduct(), flow.target),
        ):
            for result in (
                ref.setSpecies(species),
                ref.setStoichiometry(1.0),
                ref.setConstant(True),
            ):
                check(result, f"reaction {flow}")
        law = rxn.createKineticLaw()
        check(law.setMath(parse_math(model, f"({_l3(flow.rate)}) * {flow.source}")), f"law {flow}")

    for analyte, (state, volume, _mw) in OUTPUTS.items():
        oid = output_id(analyte)
        add_parameter(model, oid, None, constant=False, units="nM")
        rule = model.createAssignmentRule()
        check(rule.setVariable(oid), f"rule {oid}")
        check(rule.setMath(parse_math(model, f"{state} / ({_l3(volume)})")), f"rule {oid}")

    if full:
        add_pain_response(model, params, ecs_hypothesis=ecs_hypothesis)
    if dose_times_h is not None:
        _add_doses(model, dose_times_h, alkaloid_mg or {})
    _raise_on_errors(doc)
    return libsbml.writeSBMLToString(doc)


def _add_doses(
    model: libsbml.Model, dose_times_h: ArrayLike, alkaloid_mg: Mapping[str, ArrayLike]
) -> None:
    """One event per distinct dose time adding ``mg · 1e6 / mw`` nmol to each depot.

    Doses at time 0 become initial assignments: an SBML trigger that is already true at the start
    does not fire (``initialValue = true``), so a dose there would be lost.
    """
    times = np.atleast_1d(np.asarray(dose_times_h, dtype=np.float64))
    unknown = [k for k in alkaloid_mg if k not in DOSE_INPUTS]
    if unknown:
        raise ModelSpecError(f"Unknown dose inputs {unknown}; use {', '.join(DOSE_INPUTS)}.")
    amounts = {
        k: np.broadcast_to(np.asarray(v, dtype=np.float64), times.shape)
        for k, v in alkaloid_mg.items()
    }
    if times.ndim != 1 or not np.all(np.isfinite(times)) or np.any(times < 0):
        raise ModelSpecError(f"Dose times must be finite hours >= 0; got {times!r}.")
    if any(np.any(~np.isfinite(a) | (a < 0)) for a in amounts.values()):
        raise ModelSpecError("Dose amounts must be finite mg >= 0.")
    for k, t in enumerate(np.unique(times)):
        at = times == t
        terms = [
            (state, f"{float(amounts[analyte][at].sum())!r} * 1000000.0 / {mw}")
            for analyte, (state, mw) in DOSE_INPUTS.items()
            if analyte in amounts and amounts[analyte][at].sum() > 0
        ]
        if not terms:
            continue
        if t == 0.0:
            for state, dose in terms:
                ia = model.createInitialAssignment()
                check(ia.setSymbol(state), f"initial dose {state}")
                check(ia.setMath(parse_math(model, dose)), f"initial dose {state}")
            continue
        ev = model.createEvent()
        for result in (ev.setId(f"dose_{k}"), ev.setUseValuesFromTriggerTime(True)):
            check(result, f"event dose_{k}")
        trig = ev.createTrigger()
        for result in (
            trig.setInitialValue(True),
            trig.setPersistent(True),
            trig.setMath(parse_math(model, f"time >= {float(t)!r}")),
        ):
            check(result, f"event dose_{k}")
        for state, dose in terms:
            assign = ev.createEventAssignment()
            check(assign.setVariable(state), f"event dose_{k}")
            check(assign.setMath(parse_math(model, f"{state} + {dose}")), f"event dose_{k}")


def _scalar_params(params: Mapping[str, float]) -> dict[str, float]:
    """PK parameters as checked floats (one subject)."""
    arrays = as_subject_arrays({k: params[k] for k in PARAMETERS if k in params})
    if any(a.size != 1 for a in arrays.values()):
        raise ModelSpecError("to_sbml takes one value per parameter (one subject), not arrays.")
    return {k: float(a[0]) for k, a in arrays.items()}


def _unit_definition(
    model: libsbml.Model, uid: str, parts: list[tuple[int, int, int, float]]
) -> None:
    ud = model.createUnitDefinition()
    check(ud.setId(uid), f"unit {uid}")
    for kind, exponent, scale, multiplier in parts:
        unit = ud.createUnit()
        for result in (
            unit.setKind(kind),
            unit.setExponent(exponent),
            unit.setScale(scale),
            unit.setMultiplier(multiplier),
        ):
            check(result, f"unit {uid}")


def _l3(formula: str) -> str:
    """Translate a spec formula (Python arithmetic over parameter names) into SBML L3 infix.

    Only numbers, parameter names, + - * / ** and unary signs are accepted, so anything the kernels'
    evaluator would read differently is rejected rather than exported wrongly.
    """
    try:
        tree = ast.parse(formula, mode="eval").body
    except SyntaxError as exc:
        raise ModelSpecError(f"Spec formula {formula!r} is not valid arithmetic: {exc}.") from exc

    def emit(node: ast.expr) -> str:
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return f"({emit(node.left)} {_BINARY[type(node.op)]} {emit(node.right)})"
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            return f"({'-' if isinstance(node.op, ast.USub) else '+'}{emit(node.operand)})"
        if isinstance(node, ast.Name):
            if node.id not in PARAMETERS:
                raise ModelSpecError(
                    f"Spec formula {formula!r} uses unknown parameter {node.id!r}."
                )
            return node.id
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            if isinstance(node.value, bool):
                raise ModelSpecError(f"Spec formula {formula!r} has a boolean constant.")
            value = float(node.value)
            if not np.isfinite(value):
                raise ModelSpecError(f"Spec formula {formula!r} has a non-finite constant.")
            return repr(value)
        raise ModelSpecError(f"Spec formula {formula!r}: {ast.dump(node)} is not plain arithmetic.")

    return emit(tree)


def _raise_on_errors(doc: libsbml.SBMLDocument) -> None:
    doc.checkConsistency()
    errors = [doc.getError(i) for i in range(doc.getNumErrors())]
    severe = [e for e in errors if e.getSeverity() >= libsbml.LIBSBML_SEV_ERROR]
    if severe:
        text = "; ".join(
            f"{e.getErrorId()}: {e.getShortMessage()} ({e.getMessage().strip()})"
            for e in severe[:5]
        )
        raise ModelSpecError(f"Generated SBML is inconsistent: {text}")
