"""Per-block pieces of the full-model kernel (:mod:`kratomsim.engine.kernel`).

Each function works on one block of :data:`~.kernel_layout.BLOCK` subjects ("lanes") with the
lanes on the last axis, so that the loops over lanes vectorise.
"""

from __future__ import annotations

import numpy as np

from kratomsim.engine import kernel_layout as L
from kratomsim.engine.jit import njit
from kratomsim.engine.kernel_expm import expm_from_powers, norm1, powers


@njit(cache=True, fastmath=False, error_model="numpy")
def power(x: float, n: float) -> float:  # pragma: no cover - jit
    """``x**n`` for x ≥ 0, with the common exponents 1 and 2 as plain products (exact as well)."""
    if n == 2.0:
        return x * x
    if n == 1.0:
        return x
    return x**n


@njit(cache=True, fastmath=False, error_model="numpy")
def drive_block(
    c0: np.ndarray, c1: np.ndarray, pb: np.ndarray, ecs: bool, out: np.ndarray
) -> None:  # pragma: no cover - jit
    """Clipped analgesic drive for a block from total effect-site concentrations (nM)."""
    for b in range(L.BLOCK):
        cm = max(c0[b], 0.0)
        co = max(c1[b], 0.0)
        xm = cm * pb[L.XMG, b]
        xo = co * pb[L.XOH, b]
        stim = pb[L.TMG, b] * xm + pb[L.TOH, b] * xo
        xa = cm * pb[L.XA2, b]
        den_mu = 1.0 + xm + xo + stim
        den_a2 = 1.0 + xa
        d = (stim * den_a2 + pb[L.WA2, b] * xa * den_mu) / (den_mu * den_a2)  # one division
        if ecs:
            xc = co * pb[L.XCB, b]
            d += pb[L.WCB, b] * pb[L.TCB, b] * xc / (1.0 + xc + pb[L.TCB, b] * xc)
        out[b] = min(max(d, 0.0), L.DRIVE_CEILING)


@njit(cache=True, fastmath=False, error_model="numpy")
def substeps(
    length: float, rate: float, max_step_h: float, rate_step: float, slow: float, front: float
) -> int:  # pragma: no cover - jit
    """Equal sub-steps for an interval: each ≤ max_step_h, ≤ rate_step/rate, ≤ 0.25/slow and
    ≤ front (the drive's front time after a dose, for intervals that start at a dose; else inf).

    The bound from ``slow`` keeps the collocation system diagonally dominant (solved without
    pivoting).
    """
    h = min(max_step_h, front)
    if rate > 0.0:
        h = min(h, rate_step / rate)
    if slow > 0.0:
        h = min(h, 0.25 / slow)
    return max(1, int(np.ceil(length / h - 1e-9)))


@njit(cache=True, fastmath=False, error_model="numpy")
def setup_lane(
    a: np.ndarray,
    hi: np.ndarray,
    lo: np.ndarray,
    lengths: np.ndarray,
    fronts: np.ndarray,
    rate: float,
    front: float,
    max_step_h: float,
    rate_step: float,
    p: np.ndarray,
    b: int,
    nsub: np.ndarray,
    step: np.ndarray,
    full: np.ndarray,
    rows: np.ndarray,
    ew: np.ndarray,
    eh: np.ndarray,
) -> None:  # pragma: no cover - jit
    """One subject's propagators and weights, written into lane ``b`` of the block arrays.

    ``fronts[k]`` marks the interval lengths that follow a dose; there the sub-steps are also at
    most ``front`` (h), this subject's drive front time.
    """
    n_state = a.shape[0]
    pw = np.empty((5, n_state, n_state))
    powers(a, hi, lo, pw)
    nrm = norm1(a)
    tmp = np.empty((n_state, n_state))
    kh = p[L.KH]
    for k in range(lengths.size):
        limit = front if fronts[k] else np.inf
        nsub[k, b] = substeps(lengths[k], rate, max_step_h, rate_step, p[L.KON] + p[L.KOFF], limit)
        h = lengths[k] / nsub[k, b]
        step[k, b] = h
        expm_from_powers(pw, nrm, h, hi, lo, tmp)
        for r in range(n_state):
            for q in range(n_state):
                full[k, r, q, b] = tmp[r, q]
        eh[k, b] = np.exp(-kh * h)
        for j in range(L.NODES):
            expm_from_powers(pw, nrm, L.GL_C_ARR[j] * h, hi, lo, tmp)
            for q in range(n_state):
                rows[k, j, 0, q, b] = tmp[5, q]
                rows[k, j, 1, q, b] = tmp[6, q]
            ew[k, j, b] = L.GL_B_ARR[j] * np.exp(-kh * h * (1.0 - L.GL_C_ARR[j]))


@njit(cache=True, fastmath=False, error_model="numpy")
def collocation_step(
    e: np.ndarray,
    pb: np.ndarray,
    h: np.ndarray,
    ew: np.ndarray,
    eh: np.ndarray,
    active: np.ndarray,
    tol: np.ndarray,
    hcount: np.ndarray,
    m: np.ndarray,
    tj: np.ndarray,
    work: np.ndarray,
) -> None:  # pragma: no cover - jit
    """Advance T and H of a block by one sub-step (lanes with ``active`` false keep their values).

    ``e`` (NODES, BLOCK): drives at the nodes. Each lane's NODES×NODES collocation system is solved
    by Gaussian elimination without pivoting (diagonally dominant by the sub-step bound).
    ``work`` (3, NODES, BLOCK) is scratch: decay rates, sources and pivot reciprocals.
    """
    rate, src, inv = work[0], work[1], work[2]
    for j in range(L.NODES):
        for b in range(L.BLOCK):
            rate[j, b] = pb[L.KON, b] * e[j, b] + pb[L.KOFF, b]
            src[j, b] = pb[L.KON, b] * pb[L.TMAX, b] * e[j, b]
    for r in range(L.NODES):
        for b in range(L.BLOCK):
            tj[r, b] = tol[b]
        for j in range(L.NODES):
            diag = 1.0 if r == j else 0.0
            for b in range(L.BLOCK):
                w = h[b] * L.GL_A_ARR[r, j]
                m[r, j, b] = w * rate[j, b] + diag
                tj[r, b] += w * src[j, b]
    for c in range(L.NODES):
        for b in range(L.BLOCK):
            inv[c, b] = 1.0 / m[c, c, b]
        for r in range(c + 1, L.NODES):
            for b in range(L.BLOCK):
                m[r, c, b] *= inv[c, b]
            for q in range(c + 1, L.NODES):
                for b in range(L.BLOCK):
                    m[r, q, b] -= m[r, c, b] * m[c, q, b]
            for b in range(L.BLOCK):
                tj[r, b] -= m[r, c, b] * tj[c, b]
    for c in range(L.NODES - 1, -1, -1):
        for q in range(c + 1, L.NODES):
            for b in range(L.BLOCK):
                tj[c, b] -= m[c, q, b] * tj[q, b]
        for b in range(L.BLOCK):
            tj[c, b] *= inv[c, b]
    for b in range(L.BLOCK):
        dt = 0.0
        dh = 0.0
        for j in range(L.NODES):
            dt += L.GL_B_ARR[j] * (src[j, b] - rate[j, b] * tj[j, b])
            dh += ew[j, b] * e[j, b] * (1.0 - tj[j, b])
        new_t = tol[b] + h[b] * dt
        new_h = eh[b] * hcount[b] + pb[L.KH, b] * h[b] * dh
        tol[b] = new_t if active[b] else tol[b]
        hcount[b] = new_h if active[b] else hcount[b]


@njit(cache=True, fastmath=False, error_model="numpy")
def write_outputs(
    x: np.ndarray,
    tol: np.ndarray,
    hcount: np.ndarray,
    pb: np.ndarray,
    ob: np.ndarray,
    hn: np.ndarray,
    lane: np.ndarray,
    o: int,
    ecs: bool,
    respiratory: bool,
    out: np.ndarray,
) -> None:  # pragma: no cover - jit
    """Outputs of the block's lanes at output slot ``o``; lane ``b`` holds subject ``lane[b]``."""
    for b in range(lane.size):
        i = int(lane[b])
        cm = max(x[5, b], 0.0)
        co = max(x[6, b], 0.0)
        xmg = cm * pb[L.XMG, b]
        xoh = co * pb[L.XOH, b]
        stim = pb[L.TMG, b] * xmg + pb[L.TOH, b] * xoh
        mu = stim / (1.0 + xmg + xoh + stim)
        xa = cm * pb[L.XA2, b]
        drive = mu + pb[L.WA2, b] * xa / (1.0 + xa)
        if ecs:
            xc = co * pb[L.XCB, b]
            ecs_act = pb[L.TCB, b] * xc / (1.0 + xc + pb[L.TCB, b] * xc)
            out[9, i, o] = ecs_act
            drive += pb[L.WCB, b] * ecs_act
        drive = min(max(drive, 0.0), L.DRIVE_CEILING)
        out[0, i, o] = max(x[2, b] * ob[0, b], 0.0)
        out[1, i, o] = max(x[4, b] * ob[1, b], 0.0)
        out[2, i, o] = (xmg + xoh) / (1.0 + xmg + xoh)
        out[3, i, o] = mu
        out[4, i, o] = drive
        out[5, i, o] = tol[b]
        eff = drive * (1.0 - tol[b])
        out[6, i, o] = eff
        xw = power(pb[L.GAIN, b] * max(hcount[b] - eff - pb[L.THR, b], 0.0), pb[L.STEEP, b])
        out[7, i, o] = L.SOWS_MAX * xw / (1.0 + xw)
        if respiratory:
            an = power(min(max(mu, 0.0), 1.0), pb[L.HILL, b])
            out[8, i, o] = min(max(an * (1.0 + hn[b]) / (an + hn[b]), 0.0), 1.0)
