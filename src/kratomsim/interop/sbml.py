# SymPy annotates most results as Basic where an Expr is returned, and typeshed-less libsbml
# calls are untyped: these checks are left to the tests for this module.
# pyright: reportArgumentType=false, reportReturnType=false, reportCallIssue=false
# pyright: reportIncompatibleMethodOverride=false, reportOptionalSubscript=false
"""SBML Level 3 Version 2 export of the model, generated from the specification.

Everything comes from :mod:`kratomsim.spec`: amount states (nmol) become species in one compartment
of 1 L with ``hasOnlySubstanceUnits``; each flow becomes an irreversible reaction whose kinetic law is
the flow's equation; the other states (effect sites, CYP3A inactivation, tolerance, counter-
adaptation) are parameters with rate rules; intermediates and outputs are assignment rules. Values
are in the kernels' base units (nmol, L, h, ng) and every parameter carries its unit definition
derived from its declared unit's dimensions. ``Max``/``Min`` become ``piecewise``. Doses become one
event per dose time (a dose at time 0 an initial assignment: simulators do not fire an event whose
trigger is already true at the start). Switch inputs (the ECS hypothesis) are written with the value
given. An independent simulator (libRoadRunner) reproduces the kernels from this document.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike

from kratomsim.errors import InteropError
from kratomsim.spec import Spec
from kratomsim.spec.symbolic import Symbolic, build
from kratomsim.spec.units import dimension

COMPARTMENT: Final = "body"


def sbml_id(name: str) -> str:
    """A valid SBML id for a name of the specification (``7-OH`` style names are rewritten)."""
    m = re.fullmatch(r"(\d+)[-_ ]*(.*)", name)
    base = f"{m.group(2)}_{m.group(1)}" if m else name
    return re.sub(r"\W", "_", base, flags=re.ASCII)


def _infix(expr: sp.Expr) -> str:
    """SBML L3 infix text of a SymPy expression (``^`` for powers, ``piecewise`` for Max/Min)."""
    if expr.is_Symbol:
        return sbml_id(str(expr))
    if expr.is_Number:
        return repr(float(expr))
    if expr.is_Add:
        return "(" + " + ".join(_infix(a) for a in expr.args) + ")"
    if expr.is_Mul:
        return "(" + " * ".join(_infix(a) for a in expr.args) + ")"
    if expr.is_Pow:
        b, e = expr.args
        if e == -1:
            return f"(1 / {_infix(b)})"
        return f"({_infix(b)} ^ {_infix(e)})"
    if isinstance(expr, sp.Max | sp.Min):
        op = ">" if isinstance(expr, sp.Max) else "<"
        args = [_infix(a) for a in expr.args]
        out = args[0]
        for a in args[1:]:
            out = f"piecewise({out}, {out} {op} {a}, {a})"
        return out
    if isinstance(expr, sp.exp):
        return f"exp({_infix(expr.args[0])})"
    if isinstance(expr, sp.log):
        return f"ln({_infix(expr.args[0])})"
    raise InteropError(f"Cannot write {expr} as SBML.")


_KIND = {
    "[substance]": ("UNIT_KIND_MOLE", -9, 1.0),
    "[length]": ("UNIT_KIND_METRE", -1, 1.0),  # dm: litre^(1/3)
    "[time]": ("UNIT_KIND_SECOND", 0, 3600.0),
    "[mass]": ("UNIT_KIND_GRAM", -9, 1.0),
}


def _unit_id(unit: str) -> str | None:
    dims = dict(dimension(unit))
    if not dims:
        return "dimensionless"
    parts = [
        f"{k.strip('[]')}{int(v) if float(v).is_integer() else v}" for k, v in sorted(dims.items())
    ]
    return "u_" + "_".join(p.replace("-", "m").replace(".", "p") for p in parts)


def to_sbml(
    spec: Spec,
    values: Mapping[str, float],
    *,
    name: str = "kratomsim",
    switches: Mapping[str, float] | None = None,
    dose_times_h: ArrayLike | None = None,
    doses_nmol: ArrayLike | None = None,
    sym: Symbolic | None = None,
) -> str:
    """The model as an SBML L3V2 document (a string).

    ``values``: every parameter and input in base units (nmol, L, h, ng), e.g. from
    :meth:`kratomsim.evidence.model_values.ModelEvidence.central`; ``doses_nmol`` (doses,
    len(spec.doses)) amounts added to the dose states at ``dose_times_h``.
    """
    import libsbml

    sym = sym or build(spec)
    fixed = {
        i.name: float((switches or {}).get(i.name, i.default)) for i in spec.inputs if i.switch
    }
    sym = sym.fixed(fixed)
    doc = libsbml.SBMLDocument(3, 2)
    model = doc.createModel()
    _ok(model.setId(sbml_id(name)), "model id")
    model.setName(f"{spec.name} (generated from the specification {spec.digest[:12]})")
    defined: set[str] = set()

    def unit(u: str, declared: bool = False) -> str:
        """Unit definition of ``u`` in base units, or as declared (outputs) when ``declared``."""
        from kratomsim.spec.units import base_factor

        uid = _unit_id(u)
        assert uid is not None
        scale_to = 1.0 / base_factor(u) if declared else 1.0
        if scale_to != 1.0:
            uid = f"{uid}_x{scale_to:.6g}".replace(".", "p").replace("-", "m").replace("+", "")
        if uid in defined or uid == "dimensionless":
            return uid
        ud = model.createUnitDefinition()
        _ok(ud.setId(uid), f"unit {uid}")
        if not dict(dimension(u)):  # a scaled pure number, e.g. percent = 0.01
            part = ud.createUnit()
            for r in (
                part.setKind(libsbml.UNIT_KIND_DIMENSIONLESS),
                part.setExponent(1.0),
                part.setScale(0),
                part.setMultiplier(1.0 / scale_to),
            ):
                _ok(r, f"unit {uid}")
        for dim, power in dict(dimension(u)).items():
            kind, scale, mult = _KIND[dim]
            exp_ = float(power)
            if dim == "[length]":  # volumes in litres
                kind, scale, mult, exp_ = "UNIT_KIND_LITRE", 0, 1.0, exp_ / 3.0
            if scale_to != 1.0:  # one unit of the declared kind is 1/factor base units
                mult = mult / scale_to ** (1.0 / exp_) if exp_ else mult
                scale_to = 1.0
            part = ud.createUnit()
            for r in (
                part.setKind(getattr(libsbml, kind)),
                part.setExponent(exp_),
                part.setScale(scale),
                part.setMultiplier(mult),
            ):
                _ok(r, f"unit {uid}")
        defined.add(uid)
        return uid

    nmol, hour, litre = unit("nmol"), unit("h"), "litre"
    for attr, u in (("Substance", nmol), ("Time", hour), ("Volume", litre), ("Extent", nmol)):
        _ok(getattr(model, f"set{attr}Units")(u), f"model {attr.lower()} units")
    comp = model.createCompartment()
    for r in (
        comp.setId(COMPARTMENT),
        comp.setSize(1.0),
        comp.setConstant(True),
        comp.setSpatialDimensions(3.0),
        comp.setUnits(litre),
    ):
        _ok(r, "compartment")

    def math(infix: str) -> Any:
        settings = libsbml.L3ParserSettings()
        settings.setModel(model)
        node = libsbml.parseL3FormulaWithSettings(infix, settings)
        if node is None:
            raise InteropError(
                f"libsbml could not parse {infix!r}: {libsbml.getLastParseL3Error()}"
            )
        return node

    def parameter(pid: str, value: float | None, u: str, *, constant: bool) -> None:
        par = model.createParameter()
        _ok(par.setId(sbml_id(pid)), f"parameter {pid}")
        _ok(par.setConstant(constant), f"parameter {pid}")
        if value is not None:
            _ok(par.setValue(float(value)), f"parameter {pid}")
        _ok(par.setUnits(unit(u)), f"parameter {pid}")

    missing = [n for n in spec.numeric_names if n not in values and n not in fixed]
    if missing:
        raise InteropError(f"to_sbml needs a value for {', '.join(missing)}.")
    for p in spec.parameters:
        parameter(p.name, values[p.name], _base_unit(p.unit), constant=True)
    for i in spec.inputs:
        if i.name not in fixed:
            parameter(i.name, values[i.name], _base_unit(i.unit), constant=True)
    for c in spec.constants:
        parameter(c.name, c.value, _base_unit(c.unit), constant=True)
    for s in spec.states:
        if s.rate is None:
            sp_ = model.createSpecies()
            for r in (
                sp_.setId(sbml_id(s.name)),
                sp_.setCompartment(COMPARTMENT),
                sp_.setInitialAmount(0.0),
                sp_.setHasOnlySubstanceUnits(True),
                sp_.setBoundaryCondition(False),
                sp_.setConstant(False),
                sp_.setSubstanceUnits(unit(s.unit)),
            ):
                _ok(r, f"species {s.name}")
        else:
            parameter(s.name, 0.0, _base_unit(s.unit), constant=False)
    for eq in spec.intermediates:
        parameter(eq.name, None, _base_unit(eq.unit), constant=False)
        rule = model.createAssignmentRule()
        _ok(rule.setVariable(sbml_id(eq.name)), f"rule {eq.name}")
        _ok(rule.setMath(math(_infix(sym.intermediates[eq.name]))), f"rule {eq.name}")
    for s in spec.states:
        if s.rate is not None:
            rule = model.createRateRule()
            _ok(rule.setVariable(sbml_id(s.name)), f"rate rule {s.name}")
            _ok(rule.setMath(math(_infix(sym.rates[s.name]))), f"rate rule {s.name}")
    for k, (source, target, expr) in enumerate(sym.flows):
        rxn = model.createReaction()
        _ok(rxn.setId(f"flow_{k}_{sbml_id(source)}__to__{sbml_id(target)}"), "reaction")
        _ok(rxn.setReversible(False), "reaction")
        for ref, species in ((rxn.createReactant(), source), (rxn.createProduct(), target)):
            for r in (
                ref.setSpecies(sbml_id(species)),
                ref.setStoichiometry(1.0),
                ref.setConstant(True),
            ):
                _ok(r, f"reaction {source} → {target}")
        law = rxn.createKineticLaw()
        _ok(law.setMath(math(_infix(expr))), f"kinetic law {source} → {target}")
    from kratomsim.spec.units import base_factor

    for out in spec.outputs:
        oid = f"out_{sbml_id(out.name)}"
        par = model.createParameter()
        _ok(par.setId(oid), f"output {out.name}")
        _ok(par.setConstant(False), f"output {out.name}")
        _ok(par.setUnits(unit(out.unit, declared=True)), f"output {out.name}")
        factor = 1.0 / base_factor(out.unit)
        text = _infix(sym.outputs[out.name])
        rule = model.createAssignmentRule()
        _ok(rule.setVariable(oid), f"output {out.name}")
        _ok(
            rule.setMath(math(text if factor == 1.0 else f"({text}) * {factor!r}")),
            f"output {out.name}",
        )
    if dose_times_h is not None:
        _doses(model, spec, math, dose_times_h, doses_nmol)
    doc.checkConsistency()
    severe = [
        doc.getError(i)
        for i in range(doc.getNumErrors())
        if doc.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR
    ]
    if severe:
        text = "; ".join(f"{e.getErrorId()}: {e.getShortMessage()}" for e in severe[:5])
        raise InteropError(f"The generated SBML is inconsistent: {text}")
    return libsbml.writeSBMLToString(doc)


def _base_unit(unit: str) -> str:
    """The declared unit's dimensions in base units (values are written in base units)."""
    return unit


def _doses(model: Any, spec: Spec, math: Any, dose_times_h: ArrayLike, doses_nmol: Any) -> None:
    times = np.atleast_1d(np.asarray(dose_times_h, dtype=np.float64))
    amounts = np.asarray(doses_nmol, dtype=np.float64).reshape(times.size, len(spec.doses))
    if not np.all(np.isfinite(times)) or np.any(times < 0) or np.any(~np.isfinite(amounts)):
        raise InteropError("Dose times must be finite hours ≥ 0 and amounts finite nmol.")
    for k, t in enumerate(np.unique(times)):
        at = times == t
        terms = [
            (sbml_id(d.state), float(amounts[at, j].sum()))
            for j, d in enumerate(spec.doses)
            if amounts[at, j].sum() > 0
        ]
        if not terms:
            continue
        if t == 0.0:
            for state, amount in terms:
                ia = model.createInitialAssignment()
                _ok(ia.setSymbol(state), f"initial dose {state}")
                _ok(ia.setMath(math(repr(amount))), f"initial dose {state}")
            continue
        ev = model.createEvent()
        _ok(ev.setId(f"dose_{k}"), "event")
        _ok(ev.setUseValuesFromTriggerTime(True), "event")
        trig = ev.createTrigger()
        for r in (
            trig.setInitialValue(True),
            trig.setPersistent(True),
            trig.setMath(math(f"time >= {float(t)!r}")),
        ):
            _ok(r, f"event dose_{k}")
        for state, amount in terms:
            assign = ev.createEventAssignment()
            _ok(assign.setVariable(state), f"event dose_{k}")
            _ok(assign.setMath(math(f"{state} + {amount!r}")), f"event dose_{k}")


def _ok(result: int, what: str) -> None:
    import libsbml

    if result != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise InteropError(
            f"libsbml refused {what}: {libsbml.OperationReturnValue_toString(result)}."
        )
