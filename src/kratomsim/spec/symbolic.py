"""The specification's equations as SymPy expressions: right-hand sides, intermediates, outputs.

Parsing is strict: only the names the specification declares, numbers, ``+ - * / **``, ``Max``,
``Min``, ``exp``, ``log`` and ``sqrt`` are accepted, so a typo is an error naming the equation, never
a new symbol. Intermediates may use earlier intermediates only (no cycles).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from kratomsim.errors import SpecError
from kratomsim.spec.schema import Spec

#: Functions an equation may call.
FUNCTIONS = {"Max": sp.Max, "Min": sp.Min, "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt}


@dataclass(frozen=True)
class Symbolic:
    """SymPy view of a :class:`~kratomsim.spec.schema.Spec` (built once per spec)."""

    spec: Spec
    symbols: dict[str, sp.Symbol]
    #: intermediate name → expression in base names and earlier intermediates
    intermediates: dict[str, sp.Expr]
    #: state name → d/dt with intermediates left as symbols
    rates: dict[str, sp.Expr]
    #: output name → expression with intermediates left as symbols
    outputs: dict[str, sp.Expr]
    #: (source, target, rate) of every flow, intermediates left as symbols
    flows: tuple[tuple[str, str, sp.Expr], ...] = ()

    @cached_property
    def inline_map(self) -> dict[sp.Symbol, sp.Expr]:
        """Intermediate symbol → its expression in base names only."""
        done: dict[sp.Symbol, sp.Expr] = {}
        for name, expr in self.intermediates.items():
            done[self.symbols[name]] = expr.xreplace(done)
        return done

    def inline(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` with every intermediate replaced by its definition."""
        return expr.xreplace(self.inline_map)

    @cached_property
    def rhs(self) -> dict[str, sp.Expr]:
        """state → d/dt in base names only (parameters, inputs, constants, states)."""
        return {name: self.inline(expr) for name, expr in self.rates.items()}

    @cached_property
    def output_exprs(self) -> dict[str, sp.Expr]:
        """output → expression in base names only."""
        return {name: self.inline(expr) for name, expr in self.outputs.items()}

    def state_symbols(self, names: tuple[str, ...] | list[str]) -> list[sp.Symbol]:
        return [self.symbols[n] for n in names]

    def fixed(self, values: dict[str, float]) -> Symbolic:
        """The same model with some names replaced by numbers (e.g. a switch set to 0)."""
        if not values:
            return self
        sub = {self.symbols[k]: sp.Float(v) for k, v in values.items()}
        return Symbolic(
            self.spec,
            self.symbols,
            {k: v.xreplace(sub) for k, v in self.intermediates.items()},
            {k: v.xreplace(sub) for k, v in self.rates.items()},
            {k: v.xreplace(sub) for k, v in self.outputs.items()},
            tuple((a, b, e.xreplace(sub)) for a, b, e in self.flows),
        )


def _parse(text: str, namespace: dict[str, object], where: str) -> sp.Expr:
    try:
        expr = sp.sympify(text, locals=namespace, rational=False, evaluate=True)
    except (sp.SympifyError, SyntaxError, TypeError) as exc:
        raise SpecError(f"{where}: cannot read the equation {text!r} ({exc}).") from None
    if not isinstance(expr, sp.Expr):
        raise SpecError(f"{where}: {text!r} is not an arithmetic expression.")
    known = {v for v in namespace.values() if isinstance(v, sp.Symbol)}
    unknown = sorted(str(s) for s in expr.free_symbols - known)
    if unknown:
        raise SpecError(f"{where}: unknown name(s) {unknown} in {text!r}.")
    bad = sorted({type(f).__name__ for f in expr.atoms(sp.Function)} - {"Max", "Min", "exp", "log"})
    if bad:
        raise SpecError(f"{where}: function(s) {bad} are not allowed in {text!r}.")
    return expr


def build(spec: Spec) -> Symbolic:
    """Parse every equation of ``spec``; raise :class:`SpecError` on the first problem."""
    names = [n for n in spec.symbols]
    symbols = {n: sp.Symbol(n, real=True) for n in names}
    base: dict[str, object] = dict(FUNCTIONS)
    for group in (spec.constants, spec.inputs, spec.parameters, spec.states):
        for item in group:
            base[item.name] = symbols[item.name]
    intermediates: dict[str, sp.Expr] = {}
    for eq in spec.intermediates:
        intermediates[eq.name] = _parse(eq.equation, base, f"intermediate {eq.name}")
        base[eq.name] = symbols[eq.name]
    rates: dict[str, sp.Expr] = {}
    flows: list[tuple[str, str, sp.Expr]] = []
    zero = sp.Integer(0)
    for s in spec.states:
        if s.solver == "sink" or s.rate is None:
            rates[s.name] = zero
        else:
            rates[s.name] = _parse(s.rate, base, f"rate of {s.name}")
    for f in spec.flows:
        flow = _parse(f.rate, base, f"flow {f.source} → {f.target}")
        flows.append((f.source, f.target, flow))
        rates[f.source] = rates[f.source] - flow
        rates[f.target] = rates[f.target] + flow
    outputs = {o.name: _parse(o.equation, base, f"output {o.name}") for o in spec.outputs}
    return Symbolic(spec, symbols, intermediates, rates, outputs, tuple(flows))
