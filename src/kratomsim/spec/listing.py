"""The model as a pharmacologist reads it: every state with its equation, every algebraic quantity
and output with its equation, as plain text and as LaTeX — straight from the specification."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from kratomsim.spec.schema import Spec
from kratomsim.spec.symbolic import Symbolic, build


@dataclass(frozen=True)
class Line:
    """One named equation: ``lhs = rhs`` in text and LaTeX, with its unit and description."""

    name: str
    unit: str
    description: str
    text: str
    latex: str
    kind: str


def _latex_name(name: str) -> str:
    return r"\mathrm{" + name.replace("_", r"\_") + "}"


def _latex(expr: sp.Expr) -> str:
    names = {s: _latex_name(str(s)) for s in expr.free_symbols}
    return sp.latex(expr, symbol_names=names, mul_symbol="dot")


def _text(expr: sp.Expr) -> str:
    return sp.sstr(expr, order="none")


def equations(spec: Spec, sym: Symbolic | None = None) -> tuple[Line, ...]:
    """States (their ODEs), intermediates and outputs, in the order of the specification."""
    sym = sym or build(spec)
    out: list[Line] = []
    for s in spec.states:
        lhs_t, lhs_l = f"d{s.name}/dt", r"\frac{d\," + _latex_name(s.name) + "}{dt}"
        if s.rate is not None:
            rhs_t, rhs_l = _text(sym.rates[s.name]), _latex(sym.rates[s.name])
        else:  # amount states: inflows minus outflows, each flow named by its ends
            terms_t, terms_l = [], []
            for source, target, _expr in sym.flows:
                if s.name in (source, target):
                    sign = "+" if target == s.name else "-"
                    terms_t.append(f"{sign} flow({source} -> {target})")
                    terms_l.append(f"{sign} J_{{{_latex_name(source)} \\to {_latex_name(target)}}}")
            rhs_t = " ".join(terms_t).lstrip("+ ")
            rhs_l = " ".join(terms_l).lstrip("+ ")
        out.append(
            Line(
                s.name,
                s.unit,
                s.description,
                f"{lhs_t} = {rhs_t}",
                f"{lhs_l} = {rhs_l}",
                f"state ({s.solver})",
            )
        )
    for source, target, expr in sym.flows:
        out.append(
            Line(
                f"{source} -> {target}",
                spec.state(source).unit + "/h",
                f"Flow from {source} to {target}",
                f"flow({source} -> {target}) = {_text(expr)}",
                f"J_{{{_latex_name(source)} \\to {_latex_name(target)}}} = {_latex(expr)}",
                "flow",
            )
        )
    algebraic = (
        (spec.intermediates, sym.intermediates, "intermediate"),
        (spec.outputs, sym.outputs, "output"),
    )
    for group, exprs, kind in algebraic:
        for e in group:
            expr = exprs[e.name]
            out.append(
                Line(
                    e.name,
                    e.unit,
                    e.description,
                    f"{e.name} = {_text(expr)}",
                    f"{_latex_name(e.name)} = {_latex(expr)}",
                    kind,
                )
            )
    return tuple(out)
