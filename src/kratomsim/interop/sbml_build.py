"""Small libsbml helpers shared by the PK export (:mod:`.sbml`) and its pain-response layer
(:mod:`.sbml_pd`): identifiers, checked calls, parameters and formulas."""

from __future__ import annotations

import re

import libsbml

from kratomsim.errors import ModelSpecError


def output_id(analyte: str) -> str:
    """SBML id of an analyte's plasma concentration (nM).

    ``7-hydroxymitragynine`` → ``hydroxymitragynine_7_nM``: a leading number moves to the end, other
    characters that are not allowed in an SBML id become ``_``.
    """
    m = re.fullmatch(r"(\d+)[-_ ]*(.*)", analyte)
    base = f"{m.group(2)}_{m.group(1)}" if m else analyte
    return valid_id(re.sub(r"\W", "_", base, flags=re.ASCII) + "_nM")


def valid_id(sid: str) -> str:
    """``sid`` if it is a valid SBML identifier, else a :class:`ModelSpecError`."""
    if not libsbml.SyntaxChecker.isValidSBMLSId(sid):
        raise ModelSpecError(
            f"{sid!r} is not a valid SBML identifier (letters, digits, _; "
            "not starting with a digit)."
        )
    return sid


def check(result: int, what: str) -> None:
    """Raise a :class:`ModelSpecError` naming ``what`` unless libsbml reported success."""
    if result != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise ModelSpecError(
            f"libsbml refused {what}: {libsbml.OperationReturnValue_toString(result)}."
        )


def add_parameter(
    model: libsbml.Model, pid: str, value: float | None, *, constant: bool, units: str | None = None
) -> None:
    """Add parameter ``pid`` (a value unless None; constant or not; units unless None)."""
    par = model.createParameter()
    check(par.setId(valid_id(pid)), f"parameter {pid}")
    check(par.setConstant(constant), f"parameter {pid}")
    if value is not None:
        check(par.setValue(value), f"parameter {pid}")
    if units is not None:
        check(par.setUnits(units), f"parameter {pid}")


def parse_math(model: libsbml.Model, infix: str) -> libsbml.ASTNode:
    """SBML L3 infix → AST, with the ids of ``model`` taking precedence over built-in names."""
    settings = libsbml.L3ParserSettings()
    settings.setModel(model)  # ids in the model take precedence over built-in names
    ast_node = libsbml.parseL3FormulaWithSettings(infix, settings)
    if ast_node is None:
        raise ModelSpecError(f"libsbml could not parse {infix!r}: {libsbml.getLastParseL3Error()}")
    return ast_node
