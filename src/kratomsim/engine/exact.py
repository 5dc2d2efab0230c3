"""Exact propagation of the linear PK system between events, vectorised over subjects.

Between two event times the state obeys dx/dt = A x, so x(t + h) = expm(A h) x(t) exactly. Doses
are instant additions to the depots. The propagator for each distinct step length is computed once
for all subjects (a batched matrix exponential) and reused, so a regular output grid costs one small
matrix-vector product per subject and step.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import expm

FloatArray = NDArray[np.float64]


def event_grid(
    dose_times_h: FloatArray, t_out_h: FloatArray
) -> tuple[FloatArray, NDArray[np.intp], NDArray[np.intp]]:
    """Merge dose and output times.

    Returns the sorted distinct times, the grid index of each dose, and of each output time.
    """
    grid = np.unique(np.concatenate([dose_times_h, t_out_h, [0.0]]))
    return grid, np.searchsorted(grid, dose_times_h), np.searchsorted(grid, t_out_h)


#: Output times buffered in modal coordinates before they are lifted to outputs (cache-sized).
OUTPUT_BLOCK = 64
#: Above this condition number of the eigenvector matrix a subject is propagated with expm instead.
MAX_EIGEN_CONDITION = 1e6


def modal_form(a: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, NDArray[np.bool_]]:
    """Eigen-decompose A = V diag(λ) V⁻¹ per subject.

    Returns λ, V, V⁻¹ and a mask of subjects whose decomposition is well conditioned. Compartmental
    matrices here have real eigenvalues; near-repeated eigenvalues (e.g. equal absorption and
    elimination rates) make V ill-conditioned, and those subjects are flagged for the expm path.
    """
    eig = np.linalg.eig(a)
    lam: NDArray[np.complex128] = np.asarray(eig.eigenvalues, dtype=np.complex128)
    cvec: NDArray[np.complex128] = np.asarray(eig.eigenvectors, dtype=np.complex128)
    ok = np.all(np.abs(np.imag(lam)) <= 1e-12 * (1 + np.abs(np.real(lam))), axis=1)
    lam_r, vec = np.real(lam), np.real(cvec)
    with np.errstate(all="ignore"):
        cond = np.linalg.cond(vec)
    ok &= np.isfinite(cond) & (cond < MAX_EIGEN_CONDITION)
    inv = np.zeros_like(vec)
    if ok.any():
        inv[ok] = np.linalg.inv(vec[ok])
    return lam_r, vec, inv, ok


def propagate(
    a: FloatArray,
    dose_times_h: FloatArray,
    dose_nmol: FloatArray,
    dose_states: tuple[int, ...],
    t_out_h: FloatArray,
    *,
    observe: FloatArray | None = None,
) -> FloatArray:
    """Return the states at ``t_out_h`` for every subject: shape (subjects, times, states).

    Parameters
    ----------
    a
        Rate matrices, shape (subjects, states, states), as from
        :func:`kratomsim.models.pk.rate_matrix`.
    dose_times_h
        Dose times in hours, shape (doses,). The state before the first event is zero.
    dose_nmol
        Amounts added at each dose into each of ``dose_states``: shape (subjects, doses, inputs).
    dose_states
        State index that each input column of ``dose_nmol`` goes into.
    t_out_h
        Output times (h, ≥ 0). A dose at an output time is included in that output.
    observe
        Optional output matrices (subjects, outputs, states): return ``observe @ x`` instead of x,
        with shape (subjects, times, outputs). Saves memory for large populations.

    Well-conditioned subjects are propagated in modal coordinates (y = V⁻¹x evolves as
    y(t+h) = exp(λh)·y, elementwise); the others with batched matrix exponentials.
    """
    lam, vec, inv, ok = modal_form(a)
    if ok.all():
        lift = vec if observe is None else observe @ vec
        return _propagate_modal(lam, inv, lift, dose_times_h, dose_nmol, dose_states, t_out_h)
    n_out = a.shape[1] if observe is None else observe.shape[1]
    result = np.empty((a.shape[0], np.asarray(t_out_h).size, n_out))
    if ok.any():
        lift = vec[ok] if observe is None else observe[ok] @ vec[ok]
        result[ok] = _propagate_modal(
            lam[ok], inv[ok], lift, dose_times_h, dose_nmol[ok], dose_states, t_out_h
        )
    x = _propagate_expm(a[~ok], dose_times_h, dose_nmol[~ok], dose_states, t_out_h)
    result[~ok] = x if observe is None else np.matmul(x, np.swapaxes(observe[~ok], 1, 2))
    return result


def _propagate_modal(
    lam: FloatArray,
    inv: FloatArray,
    lift: FloatArray,
    dose_times_h: FloatArray,
    dose_nmol: FloatArray,
    dose_states: tuple[int, ...],
    t_out_h: FloatArray,
) -> FloatArray:
    """Propagate modal coordinates; return ``lift @ y`` at ``t_out_h`` (subjects, times, outputs).

    The time loop runs over grid points (not subjects) on contiguous (subjects, states) blocks.
    Modal states are buffered for ``OUTPUT_BLOCK`` output times, then lifted to outputs together,
    so no (times, subjects, states) array is ever allocated: less memory and fewer page faults.
    """
    n_sub, n_state = lam.shape
    grid, dose_at, out_at = event_grid(dose_times_h, t_out_h)
    # Modal images of the doses, summed per distinct dose time: (dose slots, subjects, states).
    modal_dose = np.matmul(dose_nmol, np.swapaxes(inv[:, :, list(dose_states)], 1, 2))
    dose_slots, dose_slot_of = np.unique(dose_at, return_inverse=True)
    added = np.zeros((dose_slots.size, n_sub, n_state))
    if dose_slots.size == dose_at.size:  # one dose per time: a plain scatter
        added[dose_slot_of] = np.swapaxes(modal_dose, 0, 1)
    else:
        np.add.at(added, dose_slot_of, np.swapaxes(modal_dose, 0, 1))
    dslot = np.full(grid.size, -1)
    dslot[dose_slots] = np.arange(dose_slots.size)
    slots = np.unique(out_at)
    slot = np.full(grid.size, -1)
    slot[slots] = np.arange(slots.size)
    distinct, inverse = np.unique(np.round(np.diff(grid), 12), return_inverse=True)
    decay = np.exp(lam[None, :, :] * distinct[:, None, None])
    # Python ints: scalar look-ups on lists are much cheaper than on NumPy arrays in this loop.
    dose_of, slot_of, step_of = dslot.tolist(), slot.tolist(), inverse.tolist()
    out = np.empty((n_sub, slots.size, lift.shape[1]))
    lift_t = np.swapaxes(lift, 1, 2)
    buf = np.empty((min(OUTPUT_BLOCK, slots.size), n_sub, n_state))
    filled = start = 0
    y = np.zeros((n_sub, n_state))
    for g in range(grid.size):
        if g > 0:
            y *= decay[step_of[g - 1]]
        if dose_of[g] >= 0:
            y += added[dose_of[g]]
        if slot_of[g] >= 0:  # slots increase with g: output slot == start + filled
            buf[filled] = y
            filled += 1
            if filled == buf.shape[0] or slot_of[g] == slots.size - 1:
                block = np.swapaxes(buf[:filled], 0, 1)
                np.matmul(block, lift_t, out=out[:, start : start + filled])
                start, filled = start + filled, 0
    if slots.size != out_at.size or np.any(slots != out_at):
        out = out[:, slot[out_at]]
    return out


def _propagate_expm(
    a: FloatArray,
    dose_times_h: FloatArray,
    dose_nmol: FloatArray,
    dose_states: tuple[int, ...],
    t_out_h: FloatArray,
) -> FloatArray:
    """:func:`propagate` without ``observe``, by batched matrix exponentials (any A)."""
    n_sub, n_state, _ = a.shape
    grid, dose_at, out_at = event_grid(dose_times_h, t_out_h)
    # Doses per grid point: (grid, subjects, inputs); several doses may share a time.
    added = np.zeros((grid.size, n_sub, len(dose_states)))
    np.add.at(added, dose_at, np.moveaxis(dose_nmol, 1, 0))
    has_dose = np.zeros(grid.size, dtype=bool)
    has_dose[dose_at] = True
    wanted = np.zeros(grid.size, dtype=bool)
    wanted[out_at] = True
    # Keep each grid state only where an output asks for it.
    slot = np.full(grid.size, -1)
    slot[np.unique(out_at)] = np.arange(np.unique(out_at).size)
    saved = np.empty((np.unique(out_at).size, n_sub, n_state))

    steps = np.diff(grid)
    keys = np.round(steps, 12)
    distinct, inverse = np.unique(keys, return_inverse=True)
    cache: dict[int, FloatArray] = {}
    inputs = np.asarray(dose_states)
    x = np.zeros((n_sub, n_state))
    for g in range(grid.size):
        if g > 0:
            u = int(inverse[g - 1])
            phi = cache.get(u)
            if phi is None:
                phi = np.asarray(expm(a * distinct[u]), dtype=np.float64)
                if len(cache) < 64:
                    cache[u] = phi
            x = np.matmul(phi, x[:, :, None])[:, :, 0]
        if has_dose[g]:
            x[:, inputs] += added[g]
        if wanted[g]:
            saved[slot[g]] = x
    return np.moveaxis(saved[slot[out_at]], 1, 0)
