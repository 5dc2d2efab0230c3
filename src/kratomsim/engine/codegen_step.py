# SymPy annotates most results as Basic where an Expr is returned, and typeshed-less libsbml
# calls are untyped: these checks are left to the tests for this module.
# pyright: reportArgumentType=false, reportReturnType=false, reportCallIssue=false
# pyright: reportIncompatibleMethodOverride=false, reportOptionalSubscript=false
"""The straight-line code of one collocation step (see :mod:`kratomsim.engine.codegen`).

Node values are computed unit by unit in the order of :attr:`Structure.stages`. Every quantity at a
node is a fresh local name (single assignment), and each of the specification's intermediates is
computed at most once per node for each combination of the state values it reads: the analgesic
drive at a node serves tolerance, counter-adaptation and the outputs alike. A unit's rate is
affine in its own state: SymPy splits it into ``α + β·state`` (the intermediates that read the state
written out; ``α`` at state 0, ``β`` the derivative), and the node values solve
``(I − h·W·diag β)·N = base + h·W·α`` (``W`` the collocation weights: Gauss–Legendre ``a_ij`` for
collocated states, the exponential ``Ā_ij`` for forced exact states). In a cycle of units the
collocated states are read before they are solved; their node values start from a prediction:
after a step of the same length and no dose, the previous step's node rates (kept per lane in
``cg``, its length in ``hp``) extrapolated; otherwise their rate at this step's start. The cycle's
passes solve these systems, except the last, which is explicit: a forced state takes one Jacobi
sweep of its own term, ``N = base + h·W·(α + β·N_prev)`` with ``N_prev`` its node values from the
pass before, and a collocated state's rates are evaluated at its node values from the pass before
(with the other units' latest). The pass before leaves an error of the order of the coupling's
contraction; the explicit pass contracts it again at a fraction of a solve's cost (checked against
the reference in ``tests/engine/test_codegen.py``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from kratomsim.engine.codegen_text import Hoist, Names, py, solve_lines
from kratomsim.spec.structure import Structure


@dataclass
class StepGen:
    """Shared state of one kernel's generation: coefficient table, hoisted constants, names."""

    st: Structure
    s: int
    params: tuple[str, ...]
    hoist: Hoist
    coef_index: dict[tuple, int]
    #: exact state → index among the exact states
    ix: dict[str, int]
    #: collocated states updated with exponential weights (β constant, not read by any rate)
    passive: tuple[str, ...]
    #: forced exact state → its forcing with intermediates kept (flows minus their values at rest)
    forcing: dict[str, sp.Expr]
    #: the collocation nodes c_i on [0, 1]
    c_nodes: tuple[float, ...] = ()
    #: weights that extrapolate the previous step's node rates to this step's nodes (same length)
    extrapolate: tuple[tuple[float, ...], ...] = ()
    fresh: Names = field(default_factory=Names)
    #: stage arithmetic in single precision (tables ``cof``, ``pbf``, states ``xsf``, ``csf``);
    #: the step end always in double (``co``, ``xs``, ``cs``)
    single: bool = True

    def co(self, key: tuple) -> str:
        """The coefficient ``key`` as the stages read it."""
        return f"{'cof' if self.single else 'co'}[k, {self.coef_index[key]}, b]"

    def co_end(self, key: tuple) -> str:
        """The coefficient ``key`` in double precision, for the step end."""
        return f"co[k, {self.coef_index[key]}, b]"

    def constants(self, e: sp.Expr) -> sp.Expr:
        spec = self.st.spec
        values = {self.st.sym.symbols[c.name]: c.value for c in spec.constants}
        return self.hoist(e.xreplace(values))

    def base_names(self) -> dict[sp.Symbol, str]:
        sym = self.st.sym.symbols
        pb = self.pb
        out = {sym[p]: f"{pb}[{i}, b]" for i, p in enumerate(self.params)}
        for d_idx, (dsym, _) in enumerate(self.hoist.order):
            out[dsym] = f"{pb}[{len(self.params) + d_idx}, b]"
        return out

    @property
    def pb(self) -> str:
        """The per-lane parameter table the stages read."""
        return "pbf" if self.single else "pb"


class NodeCtx:
    """Current values of the states at one node, and the intermediates already computed there."""

    def __init__(self, gen: StepGen, lines: list[str], ind: str, values: dict[str, str]) -> None:
        self.gen = gen
        self.lines = lines
        self.ind = ind
        self.val = dict(values)
        self.cache: dict[tuple[str, tuple[str, ...]], str] = {}
        self.deps = _intermediate_state_deps(gen.st)
        #: where powers with a non-integer exponent go (see :func:`.codegen_text.py`); None: inline
        self.powers: Callable[[str, str], str] | None = None

    def set(self, state: str, text: str) -> None:
        self.val[state] = text

    def _names(self, expr: sp.Expr) -> dict[sp.Symbol, str]:
        st = self.gen.st
        names = self.gen.base_names()
        inter = {e.name for e in st.spec.intermediates}
        # in a fixed order: intermediates are emitted (and named) as they are first met here
        for s_ in sorted(expr.free_symbols, key=str):
            name = str(s_)
            if name in self.val:
                names[s_] = self.val[name]
            elif name in inter:
                names[s_] = self.intermediate(name)
        for d_idx, (dsym, _) in enumerate(self.gen.hoist.order):
            names[dsym] = f"{self.gen.pb}[{len(self.gen.params) + d_idx}, b]"
        return names

    def intermediate(self, name: str) -> str:
        key = (name, tuple(self.val.get(s, "") for s in self.deps[name]))
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        expr = self.gen.constants(self.gen.st.sym.intermediates[name])
        local = self.gen.fresh("q")
        text = py(expr, self._names(expr), self.powers)
        self.lines.append(f"{self.ind}{local} = {text}")
        self.cache[key] = local
        return local

    def value(self, expr: sp.Expr, stem: str = "v") -> str:
        """Emit ``expr`` at this node; return the local name holding it."""
        e = self.gen.constants(expr)
        if e.is_Symbol and str(e) in self.val:
            return self.val[str(e)]
        local = self.gen.fresh(stem)
        self.lines.append(f"{self.ind}{local} = {py(e, self._names(e), self.powers)}")
        return local

    def affine(self, expr: sp.Expr, state: str) -> tuple[str, str]:
        """(α, β) of ``expr = α + β·state`` at this node: the intermediates that read ``state``
        are written out, ``α`` is ``expr`` at ``state = 0`` and ``β = ∂expr/∂state``; what the two
        share is computed once."""
        sym = self.gen.st.sym
        x = sym.symbols[state]
        reading = {sym.symbols[n]: e for n, e in sym.intermediates.items() if state in self.deps[n]}
        e = self.gen.constants(expr)
        while e.free_symbols & reading.keys():
            e = self.gen.constants(e.xreplace(reading))
        alpha, beta = e.xreplace({x: sp.Integer(0)}), sp.diff(e, x)
        if x in beta.free_symbols:
            raise NotImplementedError(f"{expr} is not affine in {state}")
        temps = (sp.Symbol(self.gen.fresh("cse"), real=True) for _ in itertools.count())
        shared, (alpha, beta) = sp.cse([alpha, beta], symbols=temps, order="none")
        for t, sub in shared:
            self.set(str(t), self.value(sub, "t"))
        out = self.value(alpha, "al"), self.value(beta, "be")
        for t, _ in shared:
            del self.val[str(t)]
        return out


def _intermediate_state_deps(st: Structure) -> dict[str, tuple[str, ...]]:
    """intermediate → the states it reads, directly or through earlier intermediates."""
    states = {s.name for s in st.spec.states}
    out: dict[str, tuple[str, ...]] = {}
    for name, expr in st.sym.intermediates.items():
        deps: set[str] = set()
        for s_ in expr.free_symbols:
            n = str(s_)
            if n in states:
                deps.add(n)
            elif n in out:
                deps |= set(out[n])
        out[name] = tuple(sorted(deps))
    return out


def forcing_exprs(st: Structure) -> dict[str, sp.Expr]:
    """For each forced exact state, f = Σ ±(flow − flow at rest) with intermediates kept.

    A flow's value at rest is linear in its source state with a parameter-only coefficient (the
    entry of A0), so ``flow − k0·source`` vanishes when the collocated states are at rest.
    """
    sym = st.sym
    coll = [sym.symbols[c] for c in st.collocated]
    rest = {c: 0 for c in coll}
    out: dict[str, sp.Expr] = {e: sp.Integer(0) for e in st.forced}
    for source, target, flow in sym.flows:
        inlined = sym.inline(flow)
        if not (inlined.free_symbols & set(coll)):
            continue
        k0 = sp.diff(inlined, sym.symbols[source]).xreplace(rest)
        term = flow - k0 * sym.symbols[source]
        if target in out:
            out[target] = out[target] + term
        if source in out:
            out[source] = out[source] - term
    for s in st.spec.states:
        if s.name in out and s.rate is not None:
            row = st.exact.index(s.name)
            linear = sum(
                (st.a0[row, j] * sym.symbols[x] for j, x in enumerate(st.exact)), sp.Integer(0)
            )
            out[s.name] = out[s.name] + sym.rates[s.name] - linear
    return out


@dataclass(frozen=True)
class StepCode:
    """One step as two loops over a block's lanes.

    ``stages`` computes the node values and the rates the step end needs, and keeps those rates in
    ``sb[j, b]`` (``carried[j]`` names them); ``end`` reads them back and advances the states. With
    :attr:`StepGen.single` the stages run in single precision and the end in double: the lanes of
    each loop then share one vector width, so the stage loop works on twice as many lanes per
    instruction (a loop that mixes widths is vectorised at the wider one's).
    """

    stages: list[str]
    end: list[str]
    carried: tuple[str, ...]


def step_body(gen: StepGen) -> StepCode:
    """Code of one step for lane ``b`` (indented for the kernel's lane loops)."""
    st, s = gen.st, gen.s
    ind = ""
    lines: list[str] = []
    n = len(st.exact)
    xs, cs = ("xsf", "csf") if gen.single else ("xs", "cs")
    lines.append(f"h = {gen.co(('h',))}")
    for q in range(n):
        lines.append(f"x0_{q} = {xs}[{q}, b]")
    for q in range(len(st.collocated)):
        lines.append(f"c0_{q} = {cs}[{q}, b]")
    # base values of needed exact states at the nodes
    start: list[dict[str, str]] = [{} for _ in range(s)]
    for i in range(s):
        for q, name in enumerate(st.exact):
            start[i][name] = f"x0_{q}"
        for r in st.needed:
            ri = gen.ix[r]
            terms = [
                f"{gen.co(('row', i, ri, p))} * x0_{p}"
                for p in range(n)
                if r in st.reach[st.exact[p]]
            ]
            v = f"B_{ri}_{i}"
            lines.append(f"{v} = " + " + ".join(terms))
            start[i][r] = v
        for q, c in enumerate(st.collocated):
            start[i][c] = f"c0_{q}"
    ctx = [NodeCtx(gen, lines, ind, start[i]) for i in range(s)]
    forcing_at: dict[str, list[str]] = {e: ["0.0"] * s for e in st.forced}
    rate_at: dict[str, list[str]] = {}
    predicted: list[str] = []
    for stage in st.stages:
        if stage.cyclic:
            # predict the collocated states of a cycle at the nodes (their node values are read
            # before they are solved): after a step of the same length and no dose, from the
            # polynomial through the previous step's node rates; otherwise from the rate now
            same = gen.fresh("sm")
            lines.append(f"{same} = 1.0 * (abs(h - hp[b]) <= 1e-12 * h)")
            now = NodeCtx(gen, lines, ind, {
                **{x: f"x0_{q}" for q, x in enumerate(st.exact)},
                **{c: f"c0_{q}" for q, c in enumerate(st.collocated)},
            })  # fmt: skip
            for unit in stage.units:
                if unit.kind == "collocated" and unit.state not in gen.passive:
                    q = st.collocated.index(unit.state)
                    g = [f"cg[{q * s + j}, b]" for j in range(s)]
                    g0 = now.value(st.sym.rates[unit.state], "g")
                    for i in range(s):
                        ext = " + ".join(
                            f"{w!r} * {g[j]}" for j, w in enumerate(gen.extrapolate[i])
                        )
                        lin = f"{gen.c_nodes[i]!r} * {g0}"
                        v = gen.fresh("P")
                        lines.append(f"{v} = c0_{q} + h * ({lin} + {same} * ({ext} - {lin}))")
                        ctx[i].set(unit.state, v)
                    predicted.append(unit.state)
        for p in range(stage.passes):
            sweep = stage.cyclic and p > 0 and p == stage.passes - 1
            for unit in stage.units:
                if unit.state in gen.passive:
                    continue
                if unit.kind == "collocated":
                    _collocated(gen, ctx, unit.state, rate_at, lines, sweep)
                elif unit.kind == "forced":
                    _forced(gen, ctx, unit.state, forcing_at, lines, sweep)
                elif unit.kind == "forcing":
                    f = gen.forcing[unit.state]
                    forcing_at[unit.state] = [ctx[i].value(f, "fo") for i in range(s)]
                elif unit.kind == "driven":
                    r = unit.state
                    ri = gen.ix[r]
                    for i in range(s):
                        parts = [start[i][r]]
                        for e in st.forced:
                            if r in st.reach[e]:
                                parts += [
                                    f"{gen.co(('abar', i, j, ri, gen.ix[e]))} * {forcing_at[e][j]}"
                                    for j in range(s)
                                ]
                        v = gen.fresh("N")
                        lines.append(f"{v} = " + " + ".join(parts))
                        ctx[i].set(r, v)
    # passive collocated states: rate at the nodes with everything final
    for c in st.collocated:
        if c in gen.passive:
            rate_at[c] = [
                ctx[i].value(st.sym.rates[c].xreplace({st.x(c): 0}), "pa") for i in range(s)
            ]
    # step end, in double precision from the carried rates
    end: list[str] = []
    for q in range(n):
        end.append(f"x0_{q} = xs[{q}, b]")
    for q in range(len(st.collocated)):
        end.append(f"c0_{q} = cs[{q}, b]")
    for q in range(n):
        terms = [
            f"{gen.co_end(('phi', q, p))} * x0_{p}"
            for p in range(n)
            if st.exact[q] in st.reach[st.exact[p]]
        ]
        for e in st.forced:
            if st.exact[q] in st.reach[e]:
                ei = gen.ix[e]
                terms += [
                    f"{gen.co_end(('bbar', j, q, ei))} * {forcing_at[e][j]}" for j in range(s)
                ]
        end.append(f"x1_{q} = " + (" + ".join(terms) if terms else "0.0"))
    for q, c in enumerate(st.collocated):
        if c in gen.passive:
            acc = " + ".join(f"{gen.co_end(('pw', q, j))} * {rate_at[c][j]}" for j in range(s))
            end.append(f"c1_{q} = {gen.co_end(('pe', q))} * c0_{q} + {acc}")
        else:
            acc = " + ".join(f"{gen.co_end(('hB', j))} * {rate_at[c][j]}" for j in range(s))
            end.append(f"c1_{q} = c0_{q} + {acc}")
    for q in range(n):
        end.append(f"xs[{q}, b] = x1_{q}")
    for q in range(len(st.collocated)):
        end.append(f"cs[{q}, b] = c1_{q}")
    if gen.single:
        end += [f"xsf[{q}, b] = np.float32(x1_{q})" for q in range(n)]
        end += [f"csf[{q}, b] = np.float32(c1_{q})" for q in range(len(st.collocated))]
    used = [*itertools.chain(*forcing_at.values()), *itertools.chain(*rate_at.values())]
    carried = tuple(dict.fromkeys(v for v in used if v.isidentifier()))
    lines += [f"sb[{j}, b] = {v}" for j, v in enumerate(carried)]
    end = [f"{v} = np.float64(sb[{j}, b])" for j, v in enumerate(carried)] + end
    keep = [
        f"    cg[{st.collocated.index(c) * s + j}, b] = {rate_at[c][j]}"
        for c in predicted
        for j in range(s)
    ]
    if predicted:
        lines += ["if act[b]:", *keep, "    hp[b] = h"]
    if gen.single:
        lines = single_literals(lines)
    return StepCode(lines, end, carried)


_FLOAT = re.compile(r"(?<![\w.\[])(?:\d+\.\d*(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+)")


def single_literals(lines: list[str]) -> list[str]:
    """``lines`` with every float literal ``v`` as ``F32(v)`` (Numba types a bare literal as a
    double, and one double operand makes the whole expression double)."""
    return [_FLOAT.sub(lambda m: f"F32({m.group(0)})", line) for line in lines]


def _collocated(
    gen: StepGen,
    ctx: list[NodeCtx],
    c: str,
    rate_at: dict[str, list[str]],
    lines: list[str],
    sweep: bool = False,
) -> None:
    st, s = gen.st, gen.s
    q = st.collocated.index(c)
    if st.affine[c] is None:
        raise NotImplementedError(f"collocated state {c}: rate not affine in itself")
    rate = st.sym.rates[c]
    if sweep:  # the rates at the node values of the pass before, with the other units' latest
        rate_at[c] = [ctx[i].value(rate, "G") for i in range(s)]
        return
    ab = [ctx[i].affine(rate, c) for i in range(s)]
    rhs = []
    for i in range(s):
        r = gen.fresh("rc")
        acc = " + ".join(f"{gen.co(('hA', i, j))} * {ab[j][0]}" for j in range(s))
        lines.append(f"{r} = c0_{q} + {acc}")
        rhs.append(r)
    rate_at[c] = _solve_stages(gen, ctx, c, ab, ("hA", ()), rhs, ("C", "G"), lines)


def _forced(
    gen: StepGen,
    ctx: list[NodeCtx],
    e: str,
    forcing_at: dict[str, list[str]],
    lines: list[str],
    sweep: bool = False,
) -> None:
    st, s = gen.st, gen.s
    ei = gen.ix[e]
    f = gen.forcing[e]
    ab = [ctx[i].affine(f, e) for i in range(s)]
    rhs = []
    for i in range(s):
        parts = [f"B_{ei}_{i}"]
        for k2 in st.forced:
            if k2 != e and e in st.reach[k2]:
                parts += [
                    f"{gen.co(('abar', i, j, ei, gen.ix[k2]))} * {forcing_at[k2][j]}"
                    for j in range(s)
                ]
        parts += [f"{gen.co(('abar', i, j, ei, ei))} * {ab[j][0]}" for j in range(s)]
        r = gen.fresh("rx")
        lines.append(f"{r} = " + " + ".join(parts))
        rhs.append(r)
    forcing_at[e] = _solve_stages(
        gen, ctx, e, ab, ("abar", (ei, ei)), rhs, ("X", "F"), lines, sweep
    )


def _solve_stages(
    gen: StepGen,
    ctx: list[NodeCtx],
    name: str,
    ab: list[tuple[str, str]],
    coef: tuple[str, tuple[int, ...]],
    rhs: list[str],
    prefixes: tuple[str, str],
    lines: list[str],
    sweep: bool = False,
) -> list[str]:
    """Solve the stage values X of ``name``, affine in itself (``a_j + b_j·X_j`` at stage j,
    ``ab``): ``X_i − Σ_j A_ij·b_j·X_j = rhs_i``, ``A_ij`` the coefficient ``(kind, i, j, *tail)``
    of ``coef = (kind, tail)``; with ``sweep``, one Jacobi sweep instead of the solve,
    ``X_i = rhs_i + Σ_j A_ij·b_j·P_j`` with ``P`` the node values of ``name`` in ``ctx`` (the pass
    before). Sets X in ``ctx``; returns the names of ``a_i + b_i·X_i`` (``prefixes``: for X and for
    these)."""
    s = gen.s
    kind, tail = coef
    outs = [gen.fresh(prefixes[0]) for _ in range(s)]
    if sweep:
        for i in range(s):
            acc = " + ".join(
                f"{gen.co((kind, i, j, *tail))} * {ab[j][1]} * {ctx[j].val[name]}" for j in range(s)
            )
            lines.append(f"{outs[i]} = {rhs[i]} + {acc}")
    else:
        mat = [
            [
                (f"(1.0 - {gen.co((kind, i, j, *tail))} * {ab[j][1]})" if i == j
                 else f"(-{gen.co((kind, i, j, *tail))} * {ab[j][1]})")
                for j in range(s)
            ]
            for i in range(s)
        ]  # fmt: skip
        solve_lines(lines, mat, rhs, outs, gen.fresh, "")
    values = []
    for i in range(s):
        ctx[i].set(name, outs[i])
        v = gen.fresh(prefixes[1])
        lines.append(f"{v} = {ab[i][0]} + {ab[i][1]} * {outs[i]}")
        values.append(v)
    return values
