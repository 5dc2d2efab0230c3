"""Fused Numba kernels: the full model (PK → effect site → receptors → adaptation) per subject.

The ODE system of one subject
-----------------------------
Linear part, 7 states ``x = (gut_mg, gut_7oh, mg_central, mg_peripheral, oh_central, Ce_mg,
Ce_7oh)`` (amounts in nmol, effect sites in nM)::

    dx/dt = A x,   A = [[A_pk, 0], [K, −diag(ke0_mg, ke0_7oh)]]

``A_pk`` is the body block of :func:`kratomsim.models.pk.rate_matrix` (the sinks never feed back,
so they are left out); ``K`` holds ``ke0_mg / (v1·f_mg)`` at (Ce_mg, mg_central) and
``ke0_7oh / vm`` at (Ce_7oh, oh_central), i.e. ``dCe/dt = ke0·(Cp − Ce)`` with the plasma
concentrations ``Cp``. Doses are instant additions to the two gut depots. The system is linear, so
``x(t + τ) = expm(A τ) x(t)`` exactly between doses: each subject needs a few 7×7 matrix
exponentials (:mod:`.kernel_expm`) and then small matrix–vector products.

Receptors (algebraic, from the free effect-site concentrations ``fu·Ce``; operational model, see
:func:`kratomsim.models.receptors.receptor_state`)::

    x_i = fu_i·Ce_i / Ki_mor_i,  S = Σ τ_i·reserve·x_i
    mu_occupancy = Σx / (1 + Σx),  mu_activation = S / (1 + Σx + S)
    drive = clip(mu_activation + w_alpha2·a2/(1 + a2) [+ w_ecs·ecs], 0, 0.999),  a2 = fu_mg·Ce_mg/Ki_a2a

Adaptation (nonlinear, 2 states; :mod:`kratomsim.models.adaptation`) driven by ``E = drive``::

    dT/dt = k_on·E·(t_max − T) − k_off·T
    dH/dt = k_h·(E·(1 − T) − H)
    score = 64·x/(1 + x),  x = (gain·max(H − E·(1 − T) − threshold, 0))^steepness

``(T, H)`` are integrated by Gauss–Legendre collocation with :data:`NODES` stages (order
2·NODES at the step ends, A-stable) with the drive at the nodes taken from the exact linear
solution (rows of ``expm(A·c_j·h)``). The T equation is linear in T, so its collocation equations
are one small linear system per step; H decays linearly towards ``E·(1 − T)`` and is updated with
the exact exponential weights. Steps end at every dose and output time, and each interval between
them is split into equal sub-steps of at most ``min(max_step_h, rate_step/λ)``, with λ the
subject's fastest rate among the states its doses reach (absorption, distribution, elimination,
ke0). A large, potent dose makes the drive rise much faster than 1/λ (the operational model
saturates early): in the interval that starts at a dose the sub-steps are also at most the
subject's front time (:func:`kratomsim.engine.kernel_inputs.front_time`). Every bound depends
only on the subject's own parameters and the shared schedule. The respiratory index
(:func:`kratomsim.models.respiratory.respiratory_index_from_activation`) is evaluated at the
output times.

Subjects run in blocks of :data:`BLOCK` lanes in lockstep, so that the loops over a block's lanes
vectorise; a ``prange`` iteration is one block. Each lane does its own arithmetic in the same order
whatever its block, so results do not depend on the number of threads or on block membership.
``fastmath`` stays off: results are reproducible to the last bit.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from kratomsim.engine import kernel_block as B
from kratomsim.engine import kernel_layout as L
from kratomsim.engine.jit import njit
from kratomsim.engine.kernel_expm import expm_from_powers, norm1, powers
from kratomsim.engine.kernel_layout import BLOCK, NODES, OUTPUT_ROWS, PD_COLUMNS

__all__ = ["BLOCK", "NODES", "OUTPUT_ROWS", "PD_COLUMNS", "full_model_kernel", "linear_kernel"]


@njit(parallel=True, nogil=True, cache=True, fastmath=False, error_model="numpy")
def full_model_kernel(
    a: np.ndarray,
    hi: np.ndarray,
    lo: np.ndarray,
    rate: np.ndarray,
    front: np.ndarray,
    obs: np.ndarray,
    pd: np.ndarray,
    doses: np.ndarray,
    node_dose: np.ndarray,
    node_out: np.ndarray,
    interval_len: np.ndarray,
    lengths: np.ndarray,
    fronts: np.ndarray,
    max_step_h: float,
    rate_step: float,
    order: np.ndarray,
    ecs: bool,
    respiratory: bool,
    out: np.ndarray,
) -> None:  # pragma: no cover - jit
    """Run the full model for every subject; write ``out[row, subject, output slot]``.

    ``a`` (n, 7, 7) augmented linear matrices with band ``hi``/``lo`` (:func:`.kernel_expm.band`);
    ``rate`` (n,) each subject's fastest relevant rate (1/h); ``front`` (n,) the largest sub-step
    (h) right after a dose (:func:`.kernel_inputs.front_time`); ``obs`` (n, 2) 1/volume of
    mg_central and oh_central; ``pd`` (n, len(PD_COLUMNS)); ``doses`` (1 or n, dose slots, 2) nmol
    into the two gut depots; per schedule node ``node_dose``/``node_out`` (slot or −1); per
    interval between nodes ``interval_len`` (index into ``lengths``, the distinct interval lengths
    in h, with ``fronts`` marking those that start at a dose); ``order`` (n,) a permutation of
    the subjects: block ``k`` runs subjects ``order[k·BLOCK:(k + 1)·BLOCK]`` (subjects with the
    same sub-steps side by side waste no lockstep iterations; results do not depend on it);
    ``out`` (len(OUTPUT_ROWS), n, output slots).

    Per sub-step of length h from x₀, (T₀, H₀): drives E_j at t₀ + c_j·h from the exact effect
    sites; T at the nodes from the collocation system (I + h·𝒜·diag(k_on·E + k_off))·T =
    T₀ + h·𝒜·(k_on·t_max·E); T₁ = T₀ + h·Σ b_j·f_j; H₁ = e^{−k_h h}·H₀ +
    k_h·h·Σ b_j·e^{−k_h h (1 − c_j)}·E_j·(1 − T_j); x₁ = expm(A·h)·x₀. Subjects run in blocks of
    :data:`BLOCK` in lockstep; each keeps its own sub-steps (lanes that have finished an interval
    idle), so a subject's result does not depend on its block or on the number of threads.
    """
    n = a.shape[0]
    n_len = lengths.size
    n_blocks = (n + L.BLOCK - 1) // L.BLOCK
    for blk in prange(n_blocks):
        i0 = blk * L.BLOCK
        nb = min(L.BLOCK, n - i0)
        nsub = np.zeros((n_len, L.BLOCK), dtype=np.int64)
        step = np.zeros((n_len, L.BLOCK))
        full = np.zeros((n_len, L.N_LINEAR, L.N_LINEAR, L.BLOCK))
        rows = np.zeros((n_len, L.NODES, 2, L.N_LINEAR, L.BLOCK))
        ew = np.zeros((n_len, L.NODES, L.BLOCK))
        eh = np.zeros((n_len, L.BLOCK))
        pb = np.zeros((len(PD_COLUMNS), L.BLOCK))
        ob = np.zeros((2, L.BLOCK))
        dose_row = np.zeros(L.BLOCK, dtype=np.int64)
        hn = np.zeros(L.BLOCK)
        lane = order[i0 : i0 + nb]
        for b in range(nb):
            i = int(lane[b])
            B.setup_lane(
                a[i], hi, lo, lengths, fronts, rate[i], front[i], max_step_h, rate_step, pd[i], b,
                nsub, step, full, rows, ew, eh,
            )  # fmt: skip
            pb[:, b] = pd[i]
            ob[:, b] = obs[i]
            dose_row[b] = 0 if doses.shape[0] == 1 else i
            hn[b] = B.power(pd[i, L.A50], pd[i, L.HILL])
        most = np.zeros(n_len, dtype=np.int64)
        for k in range(n_len):
            most[k] = nsub[k].max()
        x = np.zeros((L.N_LINEAR, L.BLOCK))
        y = np.zeros((L.N_LINEAR, L.BLOCK))
        tol = np.zeros(L.BLOCK)
        hcount = np.zeros(L.BLOCK)
        e = np.zeros((L.NODES, L.BLOCK))
        c0 = np.zeros(L.BLOCK)
        c1 = np.zeros(L.BLOCK)
        m = np.zeros((L.NODES, L.NODES, L.BLOCK))
        tj = np.zeros((L.NODES, L.BLOCK))
        work = np.zeros((3, L.NODES, L.BLOCK))
        active = np.zeros(L.BLOCK, dtype=np.bool_)
        for g in range(node_dose.size):
            if g > 0:
                k = interval_len[g - 1]
                for sub in range(most[k]):
                    for b in range(L.BLOCK):
                        active[b] = sub < nsub[k, b]
                    for j in range(L.NODES):
                        for b in range(L.BLOCK):
                            c0[b] = 0.0
                            c1[b] = 0.0
                        for q in range(L.N_LINEAR):
                            for b in range(L.BLOCK):
                                c0[b] += rows[k, j, 0, q, b] * x[q, b]
                                c1[b] += rows[k, j, 1, q, b] * x[q, b]
                        B.drive_block(c0, c1, pb, ecs, e[j])
                    B.collocation_step(
                        e, pb, step[k], ew[k], eh[k], active, tol, hcount, m, tj, work
                    )
                    for r in range(L.N_LINEAR):
                        for b in range(L.BLOCK):
                            y[r, b] = 0.0
                        for q in range(hi[r] + 1):
                            for b in range(L.BLOCK):
                                y[r, b] += full[k, r, q, b] * x[q, b]
                    for r in range(L.N_LINEAR):
                        for b in range(L.BLOCK):
                            x[r, b] = y[r, b] if active[b] else x[r, b]
            d = node_dose[g]
            if d >= 0:
                for b in range(nb):
                    x[0, b] += doses[dose_row[b], d, 0]
                    x[1, b] += doses[dose_row[b], d, 1]
            o = node_out[g]
            if o >= 0:
                B.write_outputs(x, tol, hcount, pb, ob, hn, lane, o, ecs, respiratory, out)


@njit(parallel=True, nogil=True, cache=True, fastmath=False, error_model="numpy")
def linear_kernel(
    a: np.ndarray,
    hi: np.ndarray,
    lo: np.ndarray,
    observe: np.ndarray,
    doses: np.ndarray,
    dose_states: np.ndarray,
    node_dose: np.ndarray,
    node_out: np.ndarray,
    interval_len: np.ndarray,
    lengths: np.ndarray,
    out: np.ndarray,
) -> None:  # pragma: no cover - jit
    """Exact propagation of dx/dt = A x with dose additions; ``out[subject, slot] = observe @ x``.

    ``a`` (n, S, S) with band ``hi``/``lo``; ``observe`` (n, K, S); ``doses`` (1 or n, dose slots,
    inputs) added to states ``dose_states``; schedule as in :func:`full_model_kernel` (one step
    per interval: the linear solution is exact for any step); ``out`` (n, output slots, K).
    Subjects run in blocks of :data:`BLOCK` in lockstep (SIMD over the block).
    """
    n, n_state = a.shape[0], a.shape[1]
    n_obs = observe.shape[1]
    n_len = lengths.size
    n_blocks = (n + L.BLOCK - 1) // L.BLOCK
    for blk in prange(n_blocks):
        i0 = blk * L.BLOCK
        nb = min(L.BLOCK, n - i0)
        phi = np.zeros((n_len, n_state, n_state, L.BLOCK))
        ob = np.zeros((n_obs, n_state, L.BLOCK))
        dose_row = np.zeros(L.BLOCK, dtype=np.int64)
        pw = np.empty((5, n_state, n_state))
        tmp = np.empty((n_state, n_state))
        for b in range(nb):
            i = i0 + b
            powers(a[i], hi, lo, pw)
            nrm = norm1(a[i])
            for k in range(n_len):
                expm_from_powers(pw, nrm, lengths[k], hi, lo, tmp)
                for r in range(n_state):
                    for q in range(n_state):
                        phi[k, r, q, b] = tmp[r, q]
            for r in range(n_obs):
                for q in range(n_state):
                    ob[r, q, b] = observe[i, r, q]
            dose_row[b] = 0 if doses.shape[0] == 1 else i
        x = np.zeros((n_state, L.BLOCK))
        y = np.zeros((n_state, L.BLOCK))
        acc = np.zeros(L.BLOCK)
        for g in range(node_dose.size):
            if g > 0:
                k = interval_len[g - 1]
                for r in range(n_state):
                    for b in range(L.BLOCK):
                        y[r, b] = 0.0
                    for q in range(hi[r] + 1):
                        for b in range(L.BLOCK):
                            y[r, b] += phi[k, r, q, b] * x[q, b]
                for r in range(n_state):
                    for b in range(L.BLOCK):
                        x[r, b] = y[r, b]
            d = node_dose[g]
            if d >= 0:
                for j in range(dose_states.size):
                    for b in range(nb):
                        x[dose_states[j], b] += doses[dose_row[b], d, j]
            o = node_out[g]
            if o >= 0:
                for r in range(n_obs):
                    for b in range(L.BLOCK):
                        acc[b] = 0.0
                    for q in range(n_state):
                        for b in range(L.BLOCK):
                            acc[b] += ob[r, q, b] * x[q, b]
                    for b in range(nb):
                        out[i0 + b, o, r] = acc[b]
