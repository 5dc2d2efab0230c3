# SymPy annotates most results as Basic where an Expr is returned, and typeshed-less libsbml
# calls are untyped: these checks are left to the tests for this module.
# pyright: reportArgumentType=false, reportReturnType=false, reportCallIssue=false
# pyright: reportIncompatibleMethodOverride=false, reportOptionalSubscript=false
"""Generate the fused Numba kernel of the whole model from the specification.

The method
----------
The state splits into *exact* states ``x`` (drug amounts, effect sites) and *collocated* states
``c`` (CYP3A inactivation, tolerance, counter-adaptation). The exact states obey
``dx/dt = A0·x + f(x, c)``: ``A0`` (the rates with every collocated state at rest) is constant per
subject and is propagated exactly with matrix exponentials; ``f`` is the forcing the collocated
states cause (e.g. less clearance through inactivated CYP3A). Each step of length ``h`` is a
Gauss–Legendre collocation step with ``s`` nodes ``c_i`` (order ``2s``): the exact states at the
nodes and at the step end follow the variation-of-constants formula with the forcing interpolated
at the nodes,

    X_i = Φ(c_i·h)·x0 + h Σ_j Ā_ij f_j,      x1 = Φ(h)·x0 + h Σ_j B̄_j f_j,
    Ā_ij = ∫_0^{c_i} Φ((c_i − σ)h) ℓ_j(σ) dσ,   B̄_j = ∫_0^1 Φ((1 − σ)h) ℓ_j(σ) dσ,

(``Φ(τ) = expm(A0·τ)``, ``ℓ_j`` the Lagrange polynomials of the nodes; the integrals as power
series in ``A0·h`` summed to round-off, see :func:`moments`), and the collocated states by classical
collocation ``C_i = c0 + h Σ_j a_ij g_j``, ``c1 = c0 + h Σ_j b_j g_j``. A collocated state whose rate
has a constant coefficient in itself and that no other rate reads (counter-adaptation) is updated
with exponential weights instead: ``c1 = e^{βh}·c0 + h Σ_j b_j e^{βh(1 − c_j)} α_j``. The stage
values are solved unit by unit in the order :mod:`kratomsim.spec.structure` works out
(:mod:`.codegen_step`); a cycle of units (mitragynine ⇄ hepatic CYP3A) gets two block
Gauss–Seidel passes, the forced states first, from predicted node values of its collocated states:
after a step of the same length with no dose since, the polynomial through the previous step's
node rates, integrated on (:func:`extrapolation`); otherwise their rate at the step's start
(``c0 + c_i·h·g0``). The first pass solves each unit's system; the second is explicit (a Jacobi
sweep of the forced state's own term, the collocated state's rates at its node values from the
first pass). On 12 subjects of the benchmark workload (hourly) this leaves 3.2e-7 of relative error
in the PK outputs and 5.1e-7 in the full model's (two solved passes: 1.8e-7 and 4.4e-7, for a
quarter more time; one pass alone: 1.1e-3; leaving out the second pass's CYP3A: 4.8e-6); the
previous step's last node rate alone as prediction, read across doses, left 1.7e-6, all of it in
the hour after each dose. Everything that depends on ``h`` is computed once per subject and
distinct sub-step length.

Precision
---------
The stages (node values, their rates and forcings: nearly all of a step's arithmetic) are computed
in single precision; the states, the step end ``x1 = Φ(h)·x0 + h Σ_j B̄_j f_j`` (and the collocated
states' ``c1``) and the outputs in double, from double coefficients. A stage value enters the step
end multiplied by ``h`` and a weight, so its rounding (about 6e-8 of the value) perturbs each step
by about ``h·6e-8`` of the rates, and the states, kept in double, do not accumulate single-precision
rounding from step to step (a kernel all in single drifts: 2.0e-6 on the benchmark workload). On
that workload the PK outputs are 3.8e-7 from the reference (3.2e-7 all in double) and the full
model's 5.9e-7 (5.1e-7). Each precision gets its own loop over the block's lanes, the stages'
first: LLVM vectorises a loop at the width its widest type allows, so a mixed loop would move
half as many lanes per instruction as the single-precision loop (eight, in 256-bit registers;
two vectors per iteration). On the benchmark workload the PK kernel takes 19.0 µs per subject
instead of 33.6 all in double, the full model 78.6 instead of 100.3 (BENCHMARKS.md, the method
benchmark).
``single=False`` generates the same code in double throughout, for comparison.

Generated code
--------------
:func:`kernel_source` writes the Python source of one self-contained module: the matrix-exponential
and power helpers (copied from :mod:`.kernel_expm` and :mod:`.kernel_pow`), per-subject constants,
the setup, and one kernel function with the step and the outputs inlined as straight-line code in
loops over the lanes of a block (so that they vectorise: a lane that has finished its sub-steps
keeps its state through a select, not a branch). A rate affine in a state is split into
``α + β·state`` by SymPy (``α`` at state 0, ``β`` its derivative) with their shared subexpressions
computed once, and repeated subexpressions of a node are computed once. At an output time the
outputs of all of a block's lanes go straight into a small buffer (copying them there from a
buffer of their own took 4 µs of the full model's 92 per subject); their powers with non-integer
exponents (the Hill curves' per-subject exponents) are computed for the whole block by one
vectorised :func:`.kernel_pow.vpow` rather than by the C library's scalar ``pow`` lane by lane. The
block holds up to ``HELD`` consecutive output times and then writes them to each subject's row a
run at a time (one store per output time and lane, scattered over the whole output array, took a
quarter of the full model's kernel time). The kernel is compiled with the fast-math flags
``contract``, ``arcp`` and ``nsz`` only (fused multiply-add, multiplication by a reciprocal, no
signed zeros; only the single-precision divisions, in the stored code, assume finite values:
:func:`.native.estimated_divisions`): they change results by round-off, and every lane still does
the same arithmetic whatever its block. The module raises LLVM's limit on runtime alias checks
before it compiles, so that the step loop over the lanes is vectorised rather than left scalar,
and has each loop iteration take two vectors of lanes. Its entry
points (:data:`ENTRIES`) are Numba ``cfunc`` functions that take pointers and sizes. The kernel
allocates its working arrays once per call (:func:`_arrays`), each separately, so that LLVM knows
they do not overlap (views of one buffer made the full model's step twice as slow).
:mod:`.compiled` stores the text under the SHA-256 of the text itself, and :mod:`.native` the entry
points' machine code beside it, so a changed specification or generator can never meet an old
compiled kernel.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import sympy as sp

from kratomsim.engine.codegen_step import NodeCtx, StepGen, forcing_exprs, step_body
from kratomsim.engine.codegen_text import Hoist, Names, py
from kratomsim.spec.structure import Structure
from kratomsim.spec.units import base_factor

#: Terms of the power series for the Ā and B̄ integrals (at most; summed until they vanish).
SERIES = 60


def gauss_legendre(s: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nodes c, weights b and collocation matrix a_ij = ∫₀^{c_i} ℓ_j of Gauss–Legendre on [0, 1]."""
    x, w = np.polynomial.legendre.leggauss(s)
    c, b = (x + 1.0) / 2.0, w / 2.0
    k = np.arange(s)
    a = (c[:, None] ** (k + 1) / (k + 1)) @ np.linalg.inv(c[:, None] ** k)
    return c, b, a


def lagrange(nodes: np.ndarray, x: np.ndarray) -> np.ndarray:
    """ℓ_j(x) for the Lagrange basis of ``nodes``: shape (len(x), len(nodes))."""
    out = np.ones((x.size, nodes.size))
    for j, cj in enumerate(nodes):
        for m, cm in enumerate(nodes):
            if m != j:
                out[:, j] *= (x - cm) / (cj - cm)
    return out


def extrapolation(c: np.ndarray) -> np.ndarray:
    """E[i, j] = ∫_1^{1 + c_i} ℓ_j(τ) dτ: the previous step's rate polynomial through its nodes,
    integrated from this step's start to its node ``i`` (both steps of length 1)."""
    s = c.size
    x, w = np.polynomial.legendre.leggauss(s + 1)
    out = np.zeros((s, s))
    for i, ci in enumerate(c):
        tau = 1.0 + ci * (x + 1.0) / 2.0
        out[i] = (ci / 2.0) * (w @ lagrange(c, tau))
    return out


def moments(c: np.ndarray, terms: int) -> tuple[np.ndarray, np.ndarray]:
    """γ[i, j, m] = ∫_0^{c_i} (c_i − σ)^m/m! ℓ_j(σ) dσ and β[j, m] = ∫_0^1 (1 − σ)^m/m! ℓ_j(σ) dσ.

    With ``Φ((c − σ)h) = Σ_m (A0·h)^m (c − σ)^m/m!`` these turn Ā and B̄ into power series. The
    integrands are polynomials, so Gauss–Legendre quadrature with enough points is exact.
    """
    s = c.size
    x, w = np.polynomial.legendre.leggauss(terms // 2 + s + 2)
    x, w = (x + 1.0) / 2.0, w / 2.0
    fact = np.cumprod(np.concatenate([[1.0], np.arange(1.0, terms)]))
    gamma = np.zeros((s, s, terms))
    for i, ci in enumerate(c):
        sig = ci * x
        lag = lagrange(c, sig)
        for m in range(terms):
            gamma[i, :, m] = ci * (w * (ci - sig) ** m / fact[m]) @ lag
    lag = lagrange(c, x)
    beta = np.zeros((s, terms))
    for m in range(terms):
        beta[:, m] = (w * (1.0 - x) ** m / fact[m]) @ lag
    return gamma, beta


@dataclass(frozen=True)
class Layout:
    """The arrays of a generated kernel: columns of the parameter matrix, states, outputs."""

    params: tuple[str, ...]
    exact: tuple[str, ...]
    collocated: tuple[str, ...]
    outputs: tuple[str, ...]
    dose_states: tuple[int, ...]
    dose_molar_mass: tuple[str, ...]
    #: parameters and inputs the kernel's equations actually read
    reads: tuple[str, ...] = ()
    block: int = 0


def reads(st: Structure) -> tuple[str, ...]:
    """Parameters and inputs that any equation of the pruned model reads (doses' molar masses too)."""
    exprs = [*st.a_full, *st.forcing.values(), *st.output_exprs.values()]
    exprs += [st.sym.rhs[c] for c in st.collocated]
    names = {str(v) for e in exprs for v in e.free_symbols}
    names |= {d.molar_mass for d in st.spec.doses if d.state in st.exact}
    return tuple(n for n in st.spec.numeric_names if n in names)


def _coefficients(st: Structure, s: int, passive: tuple[str, ...]) -> dict[tuple, int]:
    """Index of every per-lane, per-length number the step reads (entry 0 is the step h)."""
    ix = {x: i for i, x in enumerate(st.exact)}
    n = len(st.exact)
    keys: list[tuple] = [("h",)]
    keys += [
        ("phi", q, p) for q in range(n) for p in range(n) if st.exact[q] in st.reach[st.exact[p]]
    ]
    for i in range(s):
        for r in st.needed:
            keys += [("row", i, ix[r], p) for p in range(n) if r in st.reach[st.exact[p]]]
    for e in st.forced:
        for r in st.needed:
            if r in st.reach[e]:
                keys += [("abar", i, j, ix[r], ix[e]) for i in range(s) for j in range(s)]
        keys += [("bbar", j, ix[q], ix[e]) for q in st.exact if q in st.reach[e] for j in range(s)]
    keys += [("hA", i, j) for i in range(s) for j in range(s)]
    keys += [("hB", j) for j in range(s)]
    for q, c in enumerate(st.collocated):
        if c in passive:
            keys += [("pe", q), *[("pw", q, j) for j in range(s)]]
    return {k: i for i, k in enumerate(dict.fromkeys(keys))}


def _passive(st: Structure, params: set[str]) -> tuple[str, ...]:
    """Collocated states no other rate reads whose rate has a constant coefficient in themselves."""
    read: set[str] = set()
    for name in (*st.collocated, *st.forced):
        expr = st.sym.rhs[name] if name in st.collocated else st.forcing[name]
        read |= {str(v) for v in expr.free_symbols} - {name}
    out = []
    for c in st.collocated:
        aff = st.affine[c]
        if c in read or aff is None:
            continue
        if {str(v) for v in aff[1].free_symbols} <= params:
            out.append(c)
    return tuple(out)


def _tables(index: dict[tuple, int]) -> dict[str, list[list[int]]]:
    tabs: dict[str, list[list[int]]] = {k: [] for k in ("phi", "row", "abar", "bbar", "hA", "hB")}
    tabs |= {"pe": [], "pw": []}
    for key, idx in index.items():
        if key[0] in tabs:
            tabs[key[0]].append([idx, *key[1:]])
    return tabs


HEADER = '''"""GENERATED by kratomsim.engine.codegen from the model specification — do not edit.

Specification digest {digest}; outputs: {outputs}.
"""
import llvmlite.binding as llvm
import numpy as np
from numba import carray, cfunc, njit, types

# The step loop over a block's lanes reads a few hundred coefficient rows and writes the state
# rows. LLVM vectorises it only behind runtime checks that these do not overlap, and by default it
# gives up beyond 8 (128 when the cost model is asked) and runs the loop one lane at a time,
# several times slower. Raise both limits before this module's functions are compiled (options of
# the process's LLVM: later Numba compilations may vectorise more loops, never differently).
for _option in ("runtime-memory-check-threshold", "vectorize-memory-check-threshold"):
    llvm.set_option("kratomsim", f"-{{_option}}=100000")
# Interleave two vectors' worth of lanes in each iteration of the lane loops: the stages are long
# chains of dependent operations (eliminations, divisions), and two independent chains keep the
# processor's units busier (the cost model chooses one for loops this large).
llvm.set_option("kratomsim", "-force-vector-interleave=2")

#: the stages' float literals are written F32(v) in single precision
F32 = np.float32
BLOCK = {block}
NODES = {nodes}
N_EXACT = {n_exact}
N_COLL = {n_coll}
N_PARAMS = {n_params}
N_DERIVED = {n_derived}
N_COEF = {n_coef}
N_OUT = {n_out}
#: powers with a non-integer exponent in the outputs, computed for a whole block by vpow
N_POW = {n_pow}
#: whether LLVM's machine scheduler orders the stored machine code (native.build): without it the
#: PK kernel (no powers) took 4–11 % less time on the benchmark workload (four runs), the full
#: model's between 1 % less and 4 % more
MACHINE_SCHEDULER = {n_pow} > 0
N_PASSIVE = {n_passive}
GL_C = np.array({gl_c!r})
GL_A = np.array({gl_a!r}).reshape({nodes}, {nodes})
GL_B = np.array({gl_b!r})
BAND_HI = np.array({band_hi!r}, dtype=np.int64)
BAND_LO = np.array({band_lo!r}, dtype=np.int64)
DOSE_STATES = np.array({dose_states!r}, dtype=np.int64)
#: Where each coefficient goes: [index, ...key] rows (see kratomsim.engine.codegen)
PHI_TAB = np.array({phi!r}, dtype=np.int64).reshape(-1, 3)
ROW_TAB = np.array({row!r}, dtype=np.int64).reshape(-1, 4)
ABAR_TAB = np.array({abar!r}, dtype=np.int64).reshape(-1, 5)
BBAR_TAB = np.array({bbar!r}, dtype=np.int64).reshape(-1, 4)
HA_TAB = np.array({hA!r}, dtype=np.int64).reshape(-1, 3)
HB_TAB = np.array({hB!r}, dtype=np.int64).reshape(-1, 2)
PE_TAB = np.array({pe!r}, dtype=np.int64).reshape(-1, 2)
PW_TAB = np.array({pw!r}, dtype=np.int64).reshape(-1, 3)
#: forced exact states (columns of the integrals) and, per table row, which of them it uses
FORCED = np.array({forced!r}, dtype=np.int64)
ABAR_COL = np.array({abar_col!r}, dtype=np.int64)
BBAR_COL = np.array({bbar_col!r}, dtype=np.int64)
SERIES = {series}
#: GAMMA[i, j, m] = ∫_0^{{c_i}} (c_i − σ)^m/m! ℓ_j(σ) dσ;  BETA[j, m] = ∫_0^1 (1 − σ)^m/m! ℓ_j(σ) dσ
GAMMA = np.array({gamma!r}).reshape({nodes}, {nodes}, {series})
BETA = np.array({beta!r}).reshape({nodes}, {series})
#: a bound on the coefficients from term m on (stopping test)
GAMMA_TAIL = np.array({tail!r})
'''

SETUP = '''

@njit(nogil=True, fastmath=False, error_model="numpy")
def setup_block(lengths, ns, co, a, beta, pw, ph, v, w, work, sig_pow, lf, li, live):  # pragma: no cover
    """Per length class k and lane b (``ns[k, b]`` sub-steps of ``lengths[k]``): the step h,
    Φ(h), rows of Φ(c_i h), h·Ā and h·B̄, h·a and h·b, and the exponential weights of passive
    states, from each lane's ``a[..., b]`` = A0 and passive rates ``beta[:, b]``. A class whose
    step every lane already met in an earlier class gets a copy; otherwise all lanes compute it
    (a lane that met its step recomputes the same numbers). ``pw`` … ``live`` are working arrays of
    the kernel.

    All lanes at once, the loops over them innermost (they vectorise); every lane does its own
    arithmetic, the same whatever lanes share its block. Φ(c_i·h) by scaling and squaring
    (:func:`expm_from_powers`), Φ(h) as the product of the first and last node's (one product
    instead of a fifth exponential); the integrals Ā and B̄ as power series in M = A0·h applied to
    the forced columns only, Ā_ij = Σ_m γ_ijm M^m, B̄_j = Σ_m β_jm M^m, each lane summing until
    its own terms vanish.
    """
    nrm = lf[0]
    hh = lf[1]
    tau = lf[2]
    big = lf[3]
    same = li[0]
    powers(a, BAND_HI, BAND_LO, pw)
    norm1(a, nrm)
    for k in range(lengths.size):
        fresh = False
        for b in range(BLOCK):
            hh[b] = lengths[k] / ns[k, b]
            same[b] = -1
            for j in range(k):  # classes that differ only in time since dose share their sub-step
                if co[j, 0, b] == hh[b]:
                    same[b] = j
                    break
            fresh = fresh or same[b] < 0
        if not fresh:
            for b in range(BLOCK):
                for t in range(N_COEF):
                    co[k, t, b] = co[same[b], t, b]
            continue
        for b in range(BLOCK):
            co[k, 0, b] = hh[b]
        for i in range(NODES):
            for b in range(BLOCK):
                tau[b] = GL_C[i] * hh[b]
            expm_from_powers(pw, nrm, tau, BAND_HI, BAND_LO, ph, work, sig_pow, li[1])
            for t in range(ROW_TAB.shape[0]):
                if ROW_TAB[t, 1] == i:
                    for b in range(BLOCK):
                        co[k, ROW_TAB[t, 0], b] = ph[ROW_TAB[t, 2], ROW_TAB[t, 3], b]
            if i == 0:
                work[2, :, :, :] = ph
            if i == NODES - 1:
                work[3, :, :, :] = ph
        # Φ(h) = Φ(c_s·h)·Φ(c_1·h): the nodes lie symmetric about 1/2, c_1 + c_s = 1
        band_matmul(work[3], work[2], BAND_HI, BAND_LO, ph)
        for t in range(PHI_TAB.shape[0]):
            for b in range(BLOCK):
                co[k, PHI_TAB[t, 0], b] = ph[PHI_TAB[t, 1], PHI_TAB[t, 2], b]
        for t in range(HA_TAB.shape[0]):
            for b in range(BLOCK):
                co[k, HA_TAB[t, 0], b] = hh[b] * GL_A[HA_TAB[t, 1], HA_TAB[t, 2]]
        for t in range(HB_TAB.shape[0]):
            for b in range(BLOCK):
                co[k, HB_TAB[t, 0], b] = hh[b] * GL_B[HB_TAB[t, 1]]
        for t in range(PE_TAB.shape[0]):
            for b in range(BLOCK):
                co[k, PE_TAB[t, 0], b] = np.exp(beta[PE_TAB[t, 1], b] * hh[b])
        for t in range(PW_TAB.shape[0]):
            j = PW_TAB[t, 2]
            for b in range(BLOCK):
                co[k, PW_TAB[t, 0], b] = hh[b] * GL_B[j] * np.exp(
                    beta[PW_TAB[t, 1], b] * hh[b] * (1.0 - GL_C[j])
                )
        for t in range(ABAR_TAB.shape[0]):
            for b in range(BLOCK):
                co[k, ABAR_TAB[t, 0], b] = 0.0
        for t in range(BBAR_TAB.shape[0]):
            for b in range(BLOCK):
                co[k, BBAR_TAB[t, 0], b] = 0.0
        for f in range(FORCED.size):
            for q in range(N_EXACT):
                for b in range(BLOCK):
                    v[f, q, b] = 0.0
            for b in range(BLOCK):
                v[f, FORCED[f], b] = hh[b]
        for b in range(BLOCK):
            live[b] = True
        for m in range(SERIES):
            for t in range(ABAR_TAB.shape[0]):
                f = ABAR_COL[t]
                g = GAMMA[ABAR_TAB[t, 1], ABAR_TAB[t, 2], m]
                for b in range(BLOCK):
                    if live[b]:
                        co[k, ABAR_TAB[t, 0], b] += g * v[f, ABAR_TAB[t, 3], b]
            for t in range(BBAR_TAB.shape[0]):
                f = BBAR_COL[t]
                g = BETA[BBAR_TAB[t, 1], m]
                for b in range(BLOCK):
                    if live[b]:
                        co[k, BBAR_TAB[t, 0], b] += g * v[f, BBAR_TAB[t, 2], b]
            if m + 1 == SERIES:
                break
            for b in range(BLOCK):
                big[b] = 0.0
            for f in range(FORCED.size):
                for q in range(N_EXACT):
                    for b in range(BLOCK):
                        w[q, b] = 0.0
                    for r in range(N_EXACT):
                        for b in range(BLOCK):
                            w[q, b] += a[q, r, b] * v[f, r, b]
                for q in range(N_EXACT):
                    for b in range(BLOCK):
                        v[f, q, b] = w[q, b] * hh[b]
                        big[b] = max(big[b], abs(v[f, q, b]))
            going = False
            for b in range(BLOCK):
                live[b] = live[b] and big[b] * GAMMA_TAIL[m + 1] >= 1e-17 * hh[b]
                going = going or live[b]
            if not going:
                break

'''

DRIVER = '''

#: Output times a block holds before writing them to each subject's rows.
HELD = 32


@njit(nogil=True, error_model="numpy")
def flush(out, held_out, lane, nb, o0, held):  # pragma: no cover - jit
    """``out[r, subject, o0 + t] = held_out[t, r, b]``: each subject's row, a run of times at once."""
    for r in range(N_OUT):
        for b in range(nb):
            subject = lane[b]
            for t in range(held):
                out[r, subject, o0 + t] = held_out[t, r, b]


@njit(nogil=True, fastmath={"contract", "arcp", "nsz"}, error_model="numpy")
def kernel(pm, doses, node_dose, node_out, interval_len, lengths, nsub, order, first, last, out):
    """Run blocks ``first … last − 1`` of subjects (rows of ``pm``; block ``k`` holds subjects
    ``order[k·BLOCK:(k + 1)·BLOCK]``) through the schedule; write ``out[row, subject, slot]``.

    Threads may run disjoint block ranges at once. Each lane does its own arithmetic in the same
    order whatever its block, so results do not depend on the blocks.
    """
    n = order.size
    n_len = lengths.size
    nl = max(n_len, 1)
{ARRAYS}
    held = 0  # output times held in held_out, the first for slot o0
    o0 = 0
    for blk in range(first, last):
        i0 = blk * BLOCK
        nb = min(BLOCK, n - i0)
        lane = order[i0:i0 + nb]
        for b in range(BLOCK):
            i = int(lane[b]) if b < nb else int(lane[0])
            p = pm[i]
            derived(p, d)
            for q in range(N_PARAMS):
                pb[q, b] = p[q]
            for q in range(N_DERIVED):
                pb[N_PARAMS + q, b] = d[q]
            for k in range(n_len):
                ns[k, b] = nsub[i, k]
            sa1[:, :] = 0.0
            fill_a0(p, d, sa1)
            for r in range(N_EXACT):
                for q in range(N_EXACT):
                    sa[r, q, b] = sa1[r, q]
            sbeta1[:] = 0.0
            passive_beta(p, d, sbeta1)
            for q in range(sbeta1.size):
                sbeta[q, b] = sbeta1[q]
            dose_row[b] = 0 if doses.shape[0] == 1 else i
        setup_block(lengths, ns, co, sa, sbeta, spw, sph, sv, sw, swork, ssig, slf, sli, slive)
        for k in range(n_len):
            top = 0
            for b in range(BLOCK):
                top = max(top, ns[k, b])
            most[k] = top
            for t in range(N_COEF):
                for b in range(BLOCK):
                    cof[k, t, b] = co[k, t, b]
        for q in range(N_PARAMS + N_DERIVED):
            for b in range(BLOCK):
                pbf[q, b] = pb[q, b]
        xs[:, :] = 0.0
        cs[:, :] = 0.0
        xsf[:, :] = 0.0
        csf[:, :] = 0.0
        cg[:, :] = 0.0
        hp[:] = 0.0
        for g in range(node_dose.size):
            if g > 0:
                k = interval_len[g - 1]
                for sub in range(most[k]):
                    for b in range(BLOCK):
                        act[b] = sub < ns[k, b]
                    for b in range(BLOCK):
{STEP}
                    for b in range(BLOCK):
                        if act[b]:
{END}
            dslot = node_dose[g]
            if dslot >= 0:
                hp[:] = 0.0  # the rates jump: nothing to extrapolate across a dose
                for j in range(DOSE_STATES.size):
                    for b in range(BLOCK):
                        xs[DOSE_STATES[j], b] += doses[dose_row[b], dslot, j]
                        xsf[DOSE_STATES[j], b] = xs[DOSE_STATES[j], b]
            o = node_out[g]
            if o >= 0:
                if held > 0 and (o != o0 + held or held == HELD):
                    flush(out, held_out, lane, nb, o0, held)
                    held = 0
                if held == 0:
                    o0 = o
{POWERS}
                for b in range(BLOCK):
{OUTPUTS}
                held += 1
        if held > 0:
            flush(out, held_out, lane, nb, o0, held)
            held = 0
'''

AUX = '''

@njit(nogil=True, fastmath=False, error_model="numpy")
def plan_all(pm, x, diag, pattern, coll):
    """What a run's sub-steps depend on, for every subject ``i`` in one pass: the magnitudes of
    A0's diagonal (``diag[i]``), the collocated states' |β| at exact states ``x[i]`` (``x`` has 1
    or n rows) with c = 0 (``coll[i]``); ``pattern[r, q]`` is set to 1 where any subject's
    A0[r, q] ≠ 0."""
    d = np.zeros(max(N_DERIVED, 1))
    a = np.zeros((N_EXACT, N_EXACT))
    c = np.zeros(max(N_COLL, 1))
    for i in range(pm.shape[0]):
        p = pm[i]
        derived(p, d)
        a[:, :] = 0.0
        fill_a0(p, d, a)
        for r in range(N_EXACT):
            diag[i, r] = abs(a[r, r])
            for q in range(N_EXACT):
                if a[r, q] != 0.0:
                    pattern[r, q] = 1.0
        coll_rates(p, d, x[0 if x.shape[0] == 1 else i], c, coll[i])


@njit(nogil=True, fastmath=False, error_model="numpy")
def substeps_all(rate, rate_front, window, lengths, since, fronts, settings, out):
    """Sub-steps of every subject ``i`` in every interval class ``k`` (:func:`.compiled.substeps`
    gives the rule; ``settings``: the largest step (h), the largest λ·h, the fraction of it in an
    interval that starts at a dose)."""
    max_step_h, rate_step, front_fraction = settings[0], settings[1], settings[2]
    for i in range(rate.size):
        for k in range(lengths.size):
            lam = rate_front[i] if since[k] < window[i] else rate[i]
            step = rate_step * (front_fraction if fronts[k] != 0 else 1.0)
            h = min(max_step_h, step / lam) if lam > 0.0 else max_step_h
            out[i, k] = max(1, int(np.ceil(lengths[k] / h - 1e-9)))
'''

#: The module's entry points with a C interface (pointers and sizes; their signatures are
#: :data:`.native.PROTOTYPES`): :mod:`.native` stores their machine code, and a later process calls
#: it through ctypes without importing Numba.
ENTRIES = """

_F = types.CPointer(types.float64)
_I = types.CPointer(types.int64)
_N = types.int64


@cfunc({kernel_c}, error_model="numpy")
def kernel_c(
    pm, n, doses, dose_rows, dose_slots, node_dose, node_out, n_nodes, interval_len, n_int,
    lengths, n_len, nsub, order, first, last, out, n_times,
):  # pragma: no cover - jit
    kernel(
        carray(pm, (n, N_PARAMS)),
        carray(doses, (dose_rows, dose_slots, DOSE_STATES.size)),
        carray(node_dose, (n_nodes,)),
        carray(node_out, (n_nodes,)),
        carray(interval_len, (n_int,)),
        carray(lengths, (n_len,)),
        carray(nsub, (n, n_len)),
        carray(order, (n,)),
        first,
        last,
        carray(out, (N_OUT, n, n_times)),
    )


@cfunc({plan_c}, error_model="numpy")
def plan_c(pm, n, x, x_rows, diag, pattern, coll):  # pragma: no cover - jit
    plan_all(
        carray(pm, (n, N_PARAMS)),
        carray(x, (x_rows, N_EXACT)),
        carray(diag, (n, N_EXACT)),
        carray(pattern, (N_EXACT, N_EXACT)),
        carray(coll, (n, max(N_COLL, 1))),
    )


@cfunc({substeps_c}, error_model="numpy")
def substeps_c(
    rate, rate_front, window, n, lengths, since, fronts, n_len, settings, out
):  # pragma: no cover - jit
    substeps_all(
        carray(rate, (n,)),
        carray(rate_front, (n,)),
        carray(window, (n,)),
        carray(lengths, (n_len,)),
        carray(since, (n_len,)),
        carray(fronts, (n_len,)),
        carray(settings, (3,)),
        carray(out, (n, n_len)),
    )
"""


def _entries() -> str:
    """:data:`ENTRIES` with each cfunc's signature written from :data:`.native.PROTOTYPES`."""
    from kratomsim.engine.native import PROTOTYPES

    text = f"\n\nPROTOTYPES = {PROTOTYPES!r}" + ENTRIES
    for name, letters in PROTOTYPES.items():
        kinds = ", ".join({"F": "_F", "I": "_I", "N": "_N"}[c] for c in letters)
        text = text.replace("{" + name + "}", f"types.void({kinds})")
    return text


def _arrays(n: dict[str, int]) -> list[str]:
    """Lines that allocate the kernel's working arrays, each its own (``nl``: length classes);
    ``n`` holds the module's sizes."""
    pw = max(n["pow"], 1) * n["block"]
    ne, blk = n["exact"], n["block"]
    floats = [
        ("pb", (n["params"] + n["derived"], blk)),
        ("co", ("nl", n["coef"], blk)),
        ("d", (max(n["derived"], 1),)),
        ("xs", (max(ne, 1), blk)),
        ("cs", (max(n["coll"], 1), blk)),
        ("held_out", ("HELD", max(n["out"], 1), blk)),
        ("sa1", (ne, ne)),
        ("sa", (ne, ne, blk)),
        ("spw", (5, ne, ne, blk)),
        ("sph", (ne, ne, blk)),
        ("sv", (max(n["forced"], 1), ne, blk)),
        ("sw", (ne, blk)),
        ("sbeta1", (max(n["coll"], 1),)),
        ("sbeta", (max(n["coll"], 1), blk)),
        ("swork", (4, ne, ne, blk)),
        ("ssig", (5, blk)),
        ("slf", (4, blk)),
    ]
    ints = [("ns", ("nl", blk)), ("dose_row", (blk,)), ("most", ("nl",)), ("sli", (2, blk))]
    ints += [(name, (pw,)) for name in ("pwe", "pwm", "pwk")]
    # what the stages read and write, in their precision
    stage = [
        ("pbf", (n["params"] + n["derived"], blk)),
        ("cof", ("nl", n["coef"], blk)),
        ("xsf", (max(ne, 1), blk)),
        ("csf", (max(n["coll"], 1), blk)),
        ("cg", (max(n["coll"], 1) * n["nodes"], blk)),
        ("hp", (blk,)),
        ("sb", (max(n["carried"], 1), blk)),
    ]
    lines = [
        f"{name} = np.zeros({shape!r})".replace("'nl'", "nl").replace("'HELD'", "HELD")
        for name, shape in floats
    ]
    lines += [
        f"{name} = np.zeros({shape!r}, dtype=np.{n['stage']})".replace("'nl'", "nl")
        for name, shape in stage
    ]
    lines += [f"{name} = np.ones({pw})" for name in ("pwx", "pwy", "pwr")]
    lines += [
        f"{name} = np.zeros({shape!r}, dtype=np.int64)".replace("'nl'", "nl")
        for name, shape in ints
    ]
    bools = [f"{name} = np.zeros({blk}, dtype=np.bool_)" for name in ("act", "slive")]
    return [*lines, *bools]


def _names_p_d(gen: StepGen) -> dict[sp.Symbol, str]:
    sym = gen.st.sym.symbols
    names = {sym[p]: f"p[{i}]" for i, p in enumerate(gen.params)}
    for d_idx, (dsym, _) in enumerate(gen.hoist.order):
        names[dsym] = f"d[{d_idx}]"
    return names


def _fn(name: str, args: str, lines: list[str]) -> str:
    jit = '@njit(nogil=True, fastmath=False, error_model="numpy")'
    body = "\n".join("    " + line for line in lines) if lines else "    pass"
    return f"\n\n{jit}\ndef {name}({args}):  # pragma: no cover - jit\n{body}"


def _cse_assign(exprs: list[sp.Expr], targets: list[str], names: dict[sp.Symbol, str]) -> list[str]:
    """``targets[k] = exprs[k]`` with common subexpressions as locals."""
    reps, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("_cse"), optimizations="basic")
    local = dict(names)
    lines = []
    fresh = Names()
    for sym, sub in reps:
        name = fresh("t")
        lines.append(f"{name} = {py(sub, local)}")
        local[sym] = name
    for tgt, ex in zip(targets, reduced, strict=True):
        lines.append(f"{tgt} = {py(ex, local)}")
    return lines


def kernel_source(
    st: Structure, *, nodes: int, block: int, single: bool = True
) -> tuple[str, Layout]:
    """Python source of the kernel module for ``st``, and its array layout (``single``: the
    collocation stages in single precision, see the module's docstring)."""
    c, b, a = gauss_legendre(nodes)
    params = st.spec.numeric_names
    sym = st.sym.symbols
    hoist = Hoist({sym[p] for p in params})
    passive = _passive(st, set(params))
    index = _coefficients(st, nodes, passive)
    ix = {x: i for i, x in enumerate(st.exact)}
    gen = StepGen(
        st,
        nodes,
        params,
        hoist,
        index,
        ix,
        passive,
        forcing_exprs(st),
        c_nodes=tuple(map(float, c)),
        extrapolate=tuple(tuple(map(float, row)) for row in extrapolation(c)),
        single=single,
    )
    step = step_body(gen)
    # outputs in double precision, from the double states and parameters
    out_lines, pow_lines, n_pow = _output_lines(replace(gen, single=False))
    # A0, collocated rates at a state, passive β: parameter-only parts are hoisted into `derived`
    a0_lines = [
        f"a[{i}, {j}] = {py(gen.constants(st.a0[i, j]), _names_p_d(gen))}"
        for i in range(len(st.exact))
        for j in range(len(st.exact))
        if st.a0[i, j] != 0
    ]
    rate_names = {**{sym[x]: f"x[{q}]" for q, x in enumerate(st.exact)}}
    rate_names |= {sym[x]: f"c[{q}]" for q, x in enumerate(st.collocated)}
    betas = [gen.constants(st.affine[x][1]) for x in st.collocated if st.affine[x] is not None]
    targets = [f"r[{q}]" for q, x in enumerate(st.collocated) if st.affine[x] is not None]
    rate_lines = _cse_assign(betas, targets, {**_names_p_d(gen), **rate_names}) if betas else []
    rate_lines += [f"{t} = abs({t})" for t in targets]
    pbeta = [gen.constants(st.affine[x][1]) for x in passive]  # type: ignore[index]
    passive_lines = [
        f"out[{st.collocated.index(x)}] = {py(e, _names_p_d(gen))}"
        for x, e in zip(passive, pbeta, strict=True)
    ]
    derived_lines = _cse_assign(
        [e for _, e in hoist.order],
        [f"d[{i}]" for i in range(len(hoist.order))],
        {sym[p]: f"p[{i}]" for i, p in enumerate(params)} | {
            dsym: f"d[{i}]" for i, (dsym, _) in enumerate(hoist.order)
        },
    ) if hoist.order else []  # fmt: skip
    gamma, beta = moments(c, SERIES)
    tail = np.maximum.accumulate(
        np.maximum(np.abs(gamma).max(axis=(0, 1)), np.abs(beta).max(axis=0))[::-1]
    )[::-1]
    from kratomsim.engine.kernel_expm import band

    n = len(st.exact)
    pattern = np.array([[float(st.a0[i, j] != 0) for j in range(n)] for i in range(n)])
    hi, lo = band(pattern if n else np.zeros((1, 1)))
    sizes = {
        "params": len(params),
        "derived": len(hoist.order),
        "coef": len(index),
        "exact": n,
        "coll": len(st.collocated),
        "out": len(st.outputs),
        "pow": n_pow,
        "forced": len(st.forced),
        "block": block,
        "nodes": nodes,
        "carried": len(step.carried),
        "stage": "float32" if single else "float64",
    }
    arrays = _arrays(sizes)
    dose_states = tuple(ix[d.state] for d in st.spec.doses if d.state in ix)
    tabs = _tables(index)
    header = HEADER.format(
        digest=st.spec.digest,
        outputs=", ".join(st.outputs),
        block=block,
        nodes=nodes,
        n_exact=n,
        n_coll=len(st.collocated),
        n_params=len(params),
        n_derived=len(hoist.order),
        n_coef=len(index),
        n_out=len(st.outputs),
        n_pow=n_pow,
        n_passive=len(passive),
        gl_c=c.tolist(),
        gl_a=a.ravel().tolist(),
        gl_b=b.tolist(),
        band_hi=hi.tolist(),
        band_lo=lo.tolist(),
        dose_states=list(dose_states),
        forced=[ix[e] for e in st.forced],
        abar_col=[st.forced.index(st.exact[row[4]]) for row in tabs["abar"]],
        bbar_col=[st.forced.index(st.exact[row[3]]) for row in tabs["bbar"]],
        series=SERIES,
        gamma=gamma.ravel().tolist(),
        beta=beta.ravel().tolist(),
        tail=tail.tolist(),
        **{k: v for k, v in tabs.items()},
    )
    body = " " * 24
    parts = [
        header,
        _helpers_source(),
        _fn("derived", "p, d", derived_lines),
        _fn("fill_a0", "p, d, a", a0_lines),
        _fn("coll_rates", "p, d, x, c, r", rate_lines),
        _fn("passive_beta", "p, d, out", passive_lines),
        SETUP,
        DRIVER.replace("{STEP}", "\n".join(body + line for line in step.stages))
        .replace("{END}", "\n".join(body + "    " + line for line in step.end))
        .replace("{POWERS}\n", _powers_stage(pow_lines))
        .replace("{OUTPUTS}", "\n".join(" " * 20 + line for line in out_lines))
        .replace("{ARRAYS}", "\n".join(" " * 4 + line for line in arrays)),
        AUX,
        _entries(),
    ]
    layout = Layout(
        params=params,
        exact=st.exact,
        collocated=st.collocated,
        outputs=st.outputs,
        dose_states=dose_states,
        dose_molar_mass=tuple(d.molar_mass for d in st.spec.doses if d.state in ix),
        reads=reads(st),
        block=block,
    )
    return "\n".join(parts) + "\n", layout


_NAME = re.compile(r"[A-Za-z_]\w*")


def _output_lines(gen: StepGen) -> tuple[list[str], list[str], int]:
    """Lines that put the outputs of lane ``b`` into the block buffer ``held_out[held, r, b]`` from
    the states at a step end (intermediates shared); the driver runs them for every lane of the
    block.

    Powers with a non-integer exponent (the Hill curves' per-subject exponents) are read from
    ``pwr[j * BLOCK + b]``: the second list holds the lines of a loop over all of a block's lanes
    that store their bases and exponents in ``pwx``/``pwy`` (with the lines those need), for one
    vectorised :func:`.kernel_pow.vpow` over the block. A power of a power keeps the inline
    ``**`` throughout (none occurs in the specification today). Also returns the powers' count.
    """
    st = gen.st
    args: list[tuple[str, str]] = []

    def stored(base: str, exponent: str) -> str:
        if (base, exponent) not in args:
            args.append((base, exponent))
        return f"pwr[{args.index((base, exponent))} * BLOCK + b]"

    def emit(powers: Callable[[str, str], str] | None) -> list[str]:
        lines: list[str] = []
        values = {x: f"xs[{q}, b]" for q, x in enumerate(st.exact)}
        values |= {x: f"cs[{q}, b]" for q, x in enumerate(st.collocated)}
        ctx = NodeCtx(gen, lines, "", values)
        ctx.powers = powers
        for r, name in enumerate(st.outputs):
            v = ctx.value(st.sym.outputs[name], "y")
            fac = 1.0 / base_factor(st.spec.output(name).unit)
            lines.append(f"held_out[held, {r}, b] = {v}" + ("" if fac == 1.0 else f" * {fac!r}"))
        return lines

    lines = emit(stored)
    if not args:
        return lines, [], 0
    assigned = {m.group(1): i for i, line in enumerate(lines) if (m := re.match(r"(\w+) = ", line))}
    need: set[int] = set()
    todo = [t for base, exponent in args for t in _NAME.findall(f"{base} {exponent}")]
    while todo:
        i = assigned.get(todo.pop(), -1)
        if i >= 0 and i not in need:
            need.add(i)
            todo += _NAME.findall(lines[i].split(" = ", 1)[1])
    if any("pwr[" in lines[i] for i in need) or any("pwr[" in b + e for b, e in args):
        return emit(None), [], 0
    stage = [lines[i] for i in sorted(need)]
    for j, (base, exponent) in enumerate(args):
        stage += [f"pwx[{j} * BLOCK + b] = {base}", f"pwy[{j} * BLOCK + b] = {exponent}"]
    return lines, stage, len(args)


def _powers_stage(lines: list[str]) -> str:
    """The driver's text for the block's powers before its outputs (nothing without powers)."""
    if not lines:
        return ""
    body = "\n".join(" " * 20 + line for line in lines)
    return (
        f"{' ' * 16}for b in range(BLOCK):\n{body}\n{' ' * 16}vpow(pwx, pwy, pwr, pwe, pwm, pwk)\n"
    )


def _helpers_source() -> str:
    """The matrix-exponential helpers, copied in so that the module depends on nothing else."""
    from kratomsim.engine import kernel_expm

    text = Path(kernel_expm.__file__).read_text(encoding="utf-8")
    body = text[text.index("#: ‖Aτ/2^s‖₁ bound after scaling.") :]
    out, skip = [], False
    for line in body.splitlines():
        if line.startswith("def band("):
            skip = True
        elif skip and (line.startswith("@njit") or line.startswith("#:")):
            skip = False
        if not skip:
            out.append(line.replace("@njit(cache=True,", "@njit(nogil=True,"))
    from kratomsim.engine import kernel_pow

    text = Path(kernel_pow.__file__).read_text(encoding="utf-8")
    out += ["", "", *text[text.index("#: ln 2 in two parts") :].splitlines()]
    return "\nfrom typing import Final\n" + "\n".join(out)
