# SymPy annotates most results as Basic where an Expr is returned, and typeshed-less libsbml
# calls are untyped: these checks are left to the tests for this module.
# pyright: reportArgumentType=false, reportReturnType=false, reportCallIssue=false
# pyright: reportIncompatibleMethodOverride=false, reportOptionalSubscript=false
"""The structure the kernels are generated from: which states, which linear part, which coupling.

The generated kernels solve the model with an exponential Gauss–Legendre collocation method
(:mod:`kratomsim.engine.codegen` explains the method). What they need from the specification:

* the states that matter for the requested outputs (the rest are pruned);
* the **exact** states ``x`` with ``dx/dt = A(c)·x``: their rates must be linear in the exact states
  once the collocated states ``c`` are fixed; ``A0 = A(c = 0)`` is propagated exactly and the rest,
  the *forcing* ``f = (A(c) − A0)·x``, enters through the collocation (non-zero only for the few states
  whose flows depend on the collocated states, e.g. clearance through inactivated CYP3A);
* the **collocated** states ``c`` with their rates split as ``α + β·c`` when affine in the state
  itself (then each step solves a small linear system instead of iterating);
* the order in which node values can be computed: a graph of what depends on what, with its strongly
  connected components solved in topological order (block Gauss–Seidel passes within a component,
  collocated states last: the step predicts them, so that the first pass starts near the answer;
  the last pass is explicit, a sweep instead of a solve).

Exact zeros are found numerically (random points; a sum of flows that cancels, like the outflows of a
depot, gives an entry that is exactly zero at every point) and then set to an exact 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import sympy as sp

from kratomsim.errors import SpecError
from kratomsim.spec.schema import Spec
from kratomsim.spec.symbolic import Symbolic, build

#: Points used to decide that an expression is identically zero.
_ZERO_POINTS = 6


@dataclass(frozen=True)
class Unit:
    """One computation of node values in a collocation step.

    ``kind``: ``"collocated"`` (solve a collocated state's node values), ``"forced"`` (solve a forced
    exact state's node values together with its forcing), ``"forcing"`` (evaluate the forcing of an
    exact state whose node values are not needed), ``"driven"`` (node values of an exact state that
    only receives other states' forcing).
    """

    kind: str
    state: str


@dataclass(frozen=True)
class Stage:
    """Units solved together; ``cyclic`` when they depend on each other, and then in ``passes``
    block Gauss–Seidel passes, the last of them explicit (see :mod:`kratomsim.engine.codegen_step`)."""

    units: tuple[Unit, ...]
    passes: int
    cyclic: bool = False


@dataclass(frozen=True)
class Structure:
    """Everything the code generators need, for one spec and one set of outputs."""

    sym: Symbolic
    outputs: tuple[str, ...]
    exact: tuple[str, ...]
    collocated: tuple[str, ...]
    #: dx/dt = a_full · x for the exact states (entries depend on parameters and collocated states)
    a_full: sp.Matrix
    #: a_full with the collocated states at 0: the exactly propagated part
    a0: sp.Matrix
    #: exact states with a non-zero forcing, and their forcing f = (A(c) − A0)·x
    forced: tuple[str, ...]
    forcing: dict[str, sp.Expr]
    #: collocated state → (α, β) with rate = α + β·state, or None when not affine in itself
    affine: dict[str, tuple[sp.Expr, sp.Expr] | None]
    #: exact states whose values are needed at the collocation nodes
    needed: tuple[str, ...]
    #: e → exact states reachable from e through A0 (e included)
    reach: dict[str, frozenset[str]]
    stages: tuple[Stage, ...]

    @property
    def spec(self) -> Spec:
        return self.sym.spec

    def x(self, name: str) -> sp.Symbol:
        return self.sym.symbols[name]

    @cached_property
    def dose_states(self) -> tuple[str, ...]:
        return tuple(d.state for d in self.spec.doses if d.state in self.exact)

    @cached_property
    def output_exprs(self) -> dict[str, sp.Expr]:
        return {name: self.sym.output_exprs[name] for name in self.outputs}


def _free_states(expr: sp.Expr, states: Iterable[str], sym: Symbolic) -> set[str]:
    names = {str(s) for s in expr.free_symbols}
    return {s for s in states if s in names}


def _random_point(sym: Symbolic, rng: np.random.Generator) -> dict[sp.Symbol, float]:
    point: dict[sp.Symbol, float] = {}
    spec = sym.spec
    for item in (*spec.parameters, *spec.inputs, *spec.constants):
        point[sym.symbols[item.name]] = float(rng.uniform(0.2, 0.8))
    for s in spec.states:
        point[sym.symbols[s.name]] = float(rng.uniform(0.05, 0.5))
    return point


def is_zero(expr: sp.Expr, sym: Symbolic, *, seed: int = 0) -> bool:
    """Whether ``expr`` is identically zero (checked at random points of every name)."""
    if expr == 0:
        return True
    rng = np.random.default_rng(seed)
    f = sp.lambdify(sorted(expr.free_symbols, key=str), expr, modules="math")
    args = sorted(expr.free_symbols, key=str)
    for _ in range(_ZERO_POINTS):
        point = _random_point(sym, rng)
        value = f(*(point[a] for a in args))
        if abs(value) > 1e-12:
            return False
    return True


def needed_states(sym: Symbolic, outputs: Iterable[str]) -> set[str]:
    """States the outputs depend on, directly or through other states' rates."""
    spec = sym.spec
    names = [s.name for s in spec.states if s.solver != "sink"]
    todo = set()
    for o in outputs:
        if o not in sym.output_exprs:
            raise SpecError(f"No output named {o!r}; the model has {sorted(sym.output_exprs)}.")
        todo |= _free_states(sym.output_exprs[o], names, sym)
    done: set[str] = set()
    while todo:
        s = todo.pop()
        done.add(s)
        todo |= _free_states(sym.rhs[s], names, sym) - done
    return done


def _sccs(nodes: list[str], edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components in topological order (dependencies first; Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp, key=nodes.index))

    for v in nodes:
        if v not in index:
            visit(v)
    return out  # Tarjan emits components after their dependencies (edges point to dependencies)


def switch_values(spec: Spec, switches: dict[str, float] | None = None) -> dict[str, float]:
    """Every switch input of ``spec`` with its value (the default unless given)."""
    known = {i.name: i for i in spec.inputs if i.switch}
    given = dict(switches or {})
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise SpecError(f"Unknown switch(es) {unknown}; the model's switches are {sorted(known)}.")
    out = {}
    for name, item in known.items():
        value = float(given.get(name, item.default))
        if value not in (0.0, 1.0):
            raise SpecError(f"Switch {name} must be 0 or 1, got {value}.")
        out[name] = value
    return out


def analyse(
    sym: Symbolic,
    outputs: Iterable[str],
    *,
    passes: int = 2,
    switches: dict[str, float] | None = None,
) -> Structure:
    """Work out the kernel structure of ``sym`` for ``outputs`` with the switches fixed."""
    spec = sym.spec
    sym = sym.fixed(switch_values(spec, switches))
    outputs = tuple(outputs)
    keep = needed_states(sym, outputs)
    exact = tuple(s.name for s in spec.states if s.solver == "exact" and s.name in keep)
    coll = tuple(s.name for s in spec.states if s.solver == "collocated" and s.name in keep)
    xs = [sym.symbols[s] for s in exact]
    cs = [sym.symbols[s] for s in coll]
    n = len(exact)
    a_full = sp.zeros(n, n)
    for i, s in enumerate(exact):
        rhs = sym.rhs[s]
        for j, x in enumerate(xs):
            a_full[i, j] = sp.diff(rhs, x)
        linear = sum((a_full[i, j] * x for j, x in enumerate(xs)), sp.Integer(0))
        if not is_zero(rhs - linear, sym):
            raise SpecError(
                f"The rate of exact state {s} is not linear in the exact states "
                f"({', '.join(exact)}). Make it linear or mark the state 'collocated'."
            )
        for j in range(n):
            bad = {str(v) for v in a_full[i, j].free_symbols} & set(exact)
            if bad:
                raise SpecError(
                    f"The rate of exact state {s} multiplies exact states together ({sorted(bad)})."
                )
            if is_zero(a_full[i, j], sym):
                a_full[i, j] = sp.Integer(0)
    at_rest = {c: 0 for c in cs}
    a0 = a_full.xreplace(at_rest)
    forced: list[str] = []
    forcing: dict[str, sp.Expr] = {}
    for i, s in enumerate(exact):
        f = sp.Integer(0)
        for j, x in enumerate(xs):
            delta = a_full[i, j] - a0[i, j]
            if not is_zero(delta, sym):
                f = f + delta * x
        if f != 0:
            forced.append(s)
            forcing[s] = f
    affine: dict[str, tuple[sp.Expr, sp.Expr] | None] = {}
    for c, csym in zip(coll, cs, strict=True):
        rhs = sym.rhs[c]
        beta = sp.diff(rhs, csym)
        alpha = rhs.xreplace({csym: 0})
        affine[c] = (alpha, beta) if is_zero(rhs - alpha - beta * csym, sym) else None
    # reachability in A0 (a flow j → i is a0[i, j] != 0)
    reach: dict[str, frozenset[str]] = {}
    for j, s in enumerate(exact):
        seen, todo = {j}, [j]
        while todo:
            k = todo.pop()
            for i in range(n):
                if a0[i, k] != 0 and i not in seen:
                    seen.add(i)
                    todo.append(i)
        reach[s] = frozenset(exact[i] for i in seen)
    # exact states needed at the nodes: those the forcing and the collocated rates read
    needed_set: set[str] = set()
    for f in forcing.values():
        needed_set |= _free_states(f, exact, sym)
    for c in coll:
        needed_set |= _free_states(sym.rhs[c], exact, sym)
    needed = tuple(s for s in exact if s in needed_set)
    stages = _plan(sym, exact, coll, forced, forcing, needed, reach, passes)
    return Structure(
        sym, outputs, exact, coll, a_full, a0, tuple(forced), forcing, affine, needed, reach,
        stages,
    )  # fmt: skip


def _plan(
    sym: Symbolic,
    exact: tuple[str, ...],
    coll: tuple[str, ...],
    forced: list[str],
    forcing: dict[str, sp.Expr],
    needed: tuple[str, ...],
    reach: dict[str, frozenset[str]],
    passes: int,
) -> tuple[Stage, ...]:
    """Order the node-value computations: SCCs of the dependency graph, dependencies first."""
    nodes: list[str] = []
    deps: dict[str, set[str]] = {}
    unit_of: dict[str, Unit] = {}
    # graph nodes: "C:c" collocated, "X:r" forced+needed (solved with its forcing), "F:e" forcing
    # only, "D:r" driven (needed, receives forcing from others only). Unforced needed exact states
    # need no node: their values come from the step start alone.

    def node_of_state(s: str) -> str | None:
        if s in coll:
            return f"C:{s}"
        if s in forced and s in needed:
            return f"X:{s}"
        if s in needed and any(s in reach[e] for e in forced):
            return f"D:{s}"
        return None

    for c in coll:
        name = f"C:{c}"
        nodes.append(name)
        unit_of[name] = Unit("collocated", c)
        deps[name] = {
            d for s in _free_states(sym.rhs[c], (*exact, *coll), sym) if s != c
            if (d := node_of_state(s)) is not None
        }  # fmt: skip
    for e in forced:
        name = f"X:{e}" if e in needed else f"F:{e}"
        nodes.append(name)
        unit_of[name] = Unit("forced" if e in needed else "forcing", e)
        reads = _free_states(forcing[e], (*exact, *coll), sym)
        dep = {d for s in reads if (d := node_of_state(s)) is not None and d != name}
        # forcing of other states that reach e enters e's node values
        if e in needed:
            dep |= {
                f"X:{k}" if k in needed else f"F:{k}" for k in forced if k != e and e in reach[k]
            }
        deps[name] = dep
    for r in needed:
        if r in forced or not any(r in reach[e] for e in forced):
            continue
        name = f"D:{r}"
        nodes.append(name)
        unit_of[name] = Unit("driven", r)
        deps[name] = {f"X:{e}" if e in needed else f"F:{e}" for e in forced if r in reach[e]}
    stages = []
    for comp in _sccs(nodes, deps):
        units = tuple(sorted((unit_of[c] for c in comp), key=lambda u: u.kind == "collocated"))
        cyclic = len(comp) > 1
        stages.append(Stage(units, passes if cyclic else 1, cyclic))
    return tuple(stages)


def structure(
    spec: Spec,
    outputs: Iterable[str],
    *,
    passes: int = 2,
    switches: dict[str, float] | None = None,
) -> Structure:
    """Parse ``spec`` and analyse it for ``outputs`` (no caching; see engine/compiled.py)."""
    return analyse(build(spec), outputs, passes=passes, switches=switches)
