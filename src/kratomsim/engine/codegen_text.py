# SymPy annotates most results as Basic where an Expr is returned, and typeshed-less libsbml
# calls are untyped: these checks are left to the tests for this module.
# pyright: reportArgumentType=false, reportReturnType=false, reportCallIssue=false
# pyright: reportIncompatibleMethodOverride=false, reportOptionalSubscript=false
"""Text of generated code: printing SymPy expressions as Numba-friendly Python, fresh local names,
parameter-only subexpressions hoisted into per-subject constants, unrolled small linear solves."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import sympy as sp


class Names:
    """Fresh local variable names for the generated code."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, stem: str) -> str:
        self.n += 1
        return f"{stem}{self.n}"


def py(
    expr: sp.Expr,
    names: dict[sp.Symbol, str],
    powers: Callable[[str, str], str] | None = None,
) -> str:
    """Python text of ``expr`` with symbols renamed (max/min for Max/Min); with ``powers``, a power
    whose exponent is not an integer is the text ``powers(base, exponent)`` returns."""
    from sympy.printing.pycode import PythonCodePrinter

    class Printer(PythonCodePrinter):
        def _print_Symbol(self, s: sp.Symbol) -> str:
            return names[s]

        def _print_Max(self, e: sp.Max) -> str:
            return "max(" + ", ".join(self._print(a) for a in e.args) + ")"

        def _print_Min(self, e: sp.Min) -> str:
            return "min(" + ", ".join(self._print(a) for a in e.args) + ")"

        def _print_Pow(self, e: sp.Pow, rational: bool = False) -> str:
            b, x = e.args
            if x == -1:
                return f"(1.0/{self.parenthesize(b, 1000)})"
            if x == 2:
                t = self.parenthesize(b, 1000)
                return f"({t}*{t})"
            if powers is not None and not x.is_Integer:
                return powers(self._print(b), self._print(x))
            return f"({self.parenthesize(b, 1000)}**{self.parenthesize(x, 1000)})"

        def _print_Float(self, e: sp.Float) -> str:
            return repr(float(e))

        def _print_Integer(self, e: sp.Integer) -> str:
            return repr(float(e))

        def _print_Rational(self, e: sp.Rational) -> str:
            return repr(float(e))

        def _print_Exp1(self, e: object) -> str:
            return repr(float(np.e))

    return Printer({"fully_qualified_modules": False}).doprint(expr)


class Hoist:
    """Parameter-only subexpressions moved out of the step into per-lane derived constants."""

    def __init__(self, const_syms: set[sp.Symbol]) -> None:
        self.const_syms = const_syms
        self.table: dict[sp.Expr, sp.Symbol] = {}
        self.order: list[tuple[sp.Symbol, sp.Expr]] = []

    def _const(self, e: sp.Expr) -> bool:
        return e.free_symbols <= self.const_syms

    def _symbol(self, e: sp.Expr) -> sp.Expr:
        if e.is_Atom or (e.is_Mul and len(e.args) == 2 and e.args[0] == -1 and e.args[1].is_Atom):
            return e
        sym = self.table.get(e)
        if sym is None:
            sym = sp.Symbol(f"dc{len(self.order)}", real=True)
            self.table[e] = sym
            self.order.append((sym, e))
        return sym

    def __call__(self, e: sp.Expr) -> sp.Expr:
        if e.is_Atom:
            return e
        if self._const(e):
            return self._symbol(e)
        if e.is_Mul or e.is_Add:
            const = [a for a in e.args if self._const(a)]
            rest = [self(a) for a in e.args if not self._const(a)]
            if len(const) > 1:
                return e.func(self._symbol(e.func(*const)), *rest)
            return e.func(*(self._symbol(a) if self._const(a) else a for a in const), *rest)
        return e.func(*(self(a) for a in e.args))


def solve_lines(
    lines: list[str], m: list[list[str]], rhs: list[str], out: list[str], fresh: Names, ind: str
) -> None:
    """Emit Gaussian elimination without pivoting of the s×s system m·out = rhs (unrolled)."""
    s = len(rhs)
    mm = [[m[i][j] for j in range(s)] for i in range(s)]
    rr = list(rhs)
    for col in range(s):
        inv = fresh("iv")
        lines.append(f"{ind}{inv} = 1.0 / {mm[col][col]}")
        for row in range(col + 1, s):
            if mm[row][col] == "0.0":
                continue
            fac = fresh("fa")
            lines.append(f"{ind}{fac} = {mm[row][col]} * {inv}")
            for j in range(col + 1, s):
                if mm[col][j] == "0.0":
                    continue
                new = fresh("m")
                lines.append(f"{ind}{new} = {mm[row][j]} - {fac} * {mm[col][j]}")
                mm[row][j] = new
            new = fresh("r")
            lines.append(f"{ind}{new} = {rr[row]} - {fac} * {rr[col]}")
            rr[row] = new
        mm[col][col] = inv  # keep the reciprocal
    for col in range(s - 1, -1, -1):
        terms = [f"{mm[col][j]} * {out[j]}" for j in range(col + 1, s) if mm[col][j] != "0.0"]
        acc = rr[col] if not terms else f"({rr[col]} - " + " - ".join(terms) + ")"
        lines.append(f"{ind}{out[col]} = {acc} * {mm[col][col]}")
