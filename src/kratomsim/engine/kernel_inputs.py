"""Inputs of the fused kernels (:mod:`.kernel`): event schedule, matrices, parameters; the wrappers.

Everything here is plain NumPy and shared by all subjects or vectorised over them; the per-subject
work runs in the compiled kernels. The first call of a kernel in a fresh environment compiles it
(tens of seconds; cached on disk afterwards, ``cache=True``, so later processes load it in about a
second).

>>> s = make_schedule(np.array([0.0, 7.5]), np.arange(0.0, 25.0))
>>> s.lengths.tolist(), s.fronts.tolist(), int(s.node_dose.size)
([0.5, 1.0, 0.5, 1.0], [False, False, True, True], 26)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from kratomsim.engine.kernel import (
    BLOCK,
    OUTPUT_ROWS,
    PD_COLUMNS,
    full_model_kernel,
    linear_kernel,
)
from kratomsim.engine.kernel_expm import band
from kratomsim.errors import ModelSpecError, bad_value
from kratomsim.models.pk import (
    BODY_STATES,
    DOSE_INPUTS,
    IDX,
    OUTPUTS,
    as_subject_arrays,
    evaluate,
    output_matrix,
    rate_matrix,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Default largest sub-step (h) of the collocation for the adaptation states.
DEFAULT_STEP_H: Final = 1.0
#: Default largest λ·h (λ: the subject's fastest rate among the states its doses reach). At λ·h = 3
#: the error against DOP853 (rtol = atol = 1e-13) on the full ODE stays below 1e-6 relative
#: (tests/engine/test_kernel.py, BENCHMARKS.md); it falls roughly as (λ·h)⁸.
DEFAULT_RATE_STEP: Final = 3.0
#: A sub-step right after a dose is at most this fraction of the drive's front time.
FRONT_FRACTION: Final = 0.5
#: Interval lengths equal to 12 decimals (h) share one propagator.
_DECIMALS: Final = 12
_BODY: Final = [IDX[s] for s in BODY_STATES]
#: Gut depot of each dose input within the body states.
DEPOTS: Final = tuple(_BODY.index(IDX[state]) for state, _ in DOSE_INPUTS.values())


@dataclass(frozen=True)
class Schedule:
    """Nodes (dose and output times, merged) shared by all subjects.

    ``node_dose``/``node_out``: per node the dose slot / output slot or −1; ``interval_len``: per
    interval between nodes the index into ``lengths`` (distinct interval lengths, h; the full-model
    kernel splits them into sub-steps per subject) and ``fronts`` (whether such intervals start
    at a dose); ``dose_slot``: the slot of each dose (doses may share a time); ``out_slot``: the
    slot of each requested output time.
    """

    node_dose: IntArray
    node_out: IntArray
    interval_len: IntArray
    lengths: FloatArray
    fronts: NDArray[np.bool_]
    dose_slot: IntArray
    n_dose_slots: int
    out_slot: IntArray
    n_out_slots: int

    def reorder(self, out: FloatArray, axis: int) -> FloatArray:
        """Outputs per slot → outputs per requested time (differs only for repeated times)."""
        if self.n_out_slots == self.out_slot.size and np.all(
            self.out_slot == np.arange(self.n_out_slots)
        ):
            return out
        return np.take(out, self.out_slot, axis=axis)


def make_schedule(dose_times_h: FloatArray, t_out_h: FloatArray) -> Schedule:
    """Merge dose and output times into one sorted set of nodes (0 included).

    Doses after the last output time are dropped: they cannot change any output.
    """
    t_out = np.asarray(t_out_h, dtype=np.float64).ravel()
    doses = np.asarray(dose_times_h, dtype=np.float64).ravel()
    if t_out.size == 0 or not np.all(np.isfinite(t_out)) or np.any(t_out < 0):
        raise ModelSpecError(
            bad_value("Output times must be finite hours ≥ 0", t_out, "E.g. 0…24.")
        )
    if not np.all(np.isfinite(doses)) or np.any(doses < 0):
        raise ModelSpecError(bad_value("Dose times must be finite hours ≥ 0", doses, "E.g. 0, 8."))
    end = t_out.max()
    nodes = np.unique(np.concatenate([[0.0], doses[doses <= end], t_out]))
    out_times, out_slot = np.unique(t_out, return_inverse=True)
    dose_times, dose_slot = np.unique(doses, return_inverse=True)
    node_out = np.full(nodes.size, -1, dtype=np.int64)
    node_out[np.searchsorted(nodes, out_times)] = np.arange(out_times.size)
    node_dose = np.full(nodes.size, -1, dtype=np.int64)
    kept = dose_times <= end
    node_dose[np.searchsorted(nodes, dose_times[kept])] = np.flatnonzero(kept)
    span = np.diff(nodes)
    after_dose = node_dose[:-1] >= 0
    # one slot per (length, starts at a dose): the kernel may sub-step the two differently
    key = np.round(span, _DECIMALS) + np.where(after_dose, 2.0 * span.max(initial=0.0) + 1.0, 0.0)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return Schedule(
        node_dose=node_dose,
        node_out=node_out,
        interval_len=inverse.astype(np.int64).ravel(),
        lengths=np.ascontiguousarray(span[first]),
        fronts=np.ascontiguousarray(after_dose[first]),
        dose_slot=dose_slot.astype(np.int64).ravel(),
        n_dose_slots=int(dose_times.size),
        out_slot=out_slot.astype(np.int64).ravel(),
        n_out_slots=int(out_times.size),
    )


def fastest_rate(a: FloatArray, doses: FloatArray, inputs: tuple[int, ...]) -> FloatArray:
    """Per subject, the largest |A_ss| over the states reachable from dosed depots (1/h).

    Sets each subject's sub-step: the drive varies on the time scale of these rates. States no
    dose reaches (e.g. the 7-OH depot for a product without 7-OH) are left out.
    """
    pattern = np.any(a != 0.0, axis=0)
    dosed = [s for j, s in enumerate(inputs) if np.any(np.asarray(doses)[..., j] > 0)]
    reach = np.zeros(pattern.shape[0], dtype=bool)
    reach[dosed] = True
    for _ in range(pattern.shape[0]):  # a flow runs from column (source) to row (target)
        reach = reach | np.any(pattern[:, reach], axis=1)
    diag = np.abs(np.diagonal(a, axis1=1, axis2=2))
    return np.ascontiguousarray(np.where(reach[None, :], diag, 0.0).max(axis=1))


def slot_doses(doses: FloatArray, sched: Schedule) -> FloatArray:
    """Sum doses (shape (1 or n, doses, inputs)) that share a time: (1 or n, dose slots, inputs)."""
    d = np.asarray(doses, dtype=np.float64)
    out = np.zeros((d.shape[0], max(sched.n_dose_slots, 1), d.shape[2]))
    for j, slot in enumerate(sched.dose_slot.tolist()):  # few doses: a plain loop
        out[:, slot] += d[:, j]
    return out


def dose_nmol(pk: Mapping[str, FloatArray], mg_doses_mg: FloatArray, oh7_doses_mg: FloatArray):
    """Per-dose nmol into the two gut depots: shape (1 or n, doses, 2) (mg → nmol by molar mass)."""
    mg = np.atleast_2d(np.asarray(mg_doses_mg, dtype=np.float64))
    oh = np.atleast_2d(np.asarray(oh7_doses_mg, dtype=np.float64))
    mw_mg, mw_oh = pk["mw_mg"], pk["mw_7oh"]
    shared = mg.shape[0] == 1 and oh.shape[0] == 1 and np.ptp(mw_mg) == 0 and np.ptp(mw_oh) == 0
    if shared:  # one dose table for everybody: less memory for large populations
        mw_mg, mw_oh = mw_mg[:1], mw_oh[:1]
    parts = np.broadcast_arrays(mg * 1e6 / mw_mg[:, None], oh * 1e6 / mw_oh[:, None])
    return np.ascontiguousarray(np.stack(parts, axis=-1))


def augmented_matrix(pk: Mapping[str, FloatArray], ke0_mg: FloatArray, ke0_7oh: FloatArray):
    """The 7×7 linear system per subject: PK body states plus the two effect sites (nM)."""
    body = rate_matrix(dict(pk))[:, _BODY][:, :, _BODY]
    n = body.shape[0]
    a = np.zeros((n, 7, 7))
    a[:, :5, :5] = body
    c = output_matrix(dict(pk))[:, :, _BODY]  # 1/volume at the central states
    for row, (k, ke0) in enumerate(((0, ke0_mg), (1, ke0_7oh))):
        state = _BODY.index(IDX[list(OUTPUTS.values())[k][0]])
        a[:, 5 + row, state] = ke0 * c[:, k, state]
        a[:, 5 + row, 5 + row] = -ke0
    return a


def observed_scale(pk: Mapping[str, FloatArray]) -> FloatArray:
    """1/volume (1/L) of mg_central and oh_central: nM = nmol × scale, shape (n, 2)."""
    return np.stack([1.0 / evaluate(vol, dict(pk)) for _, vol, _ in OUTPUTS.values()], axis=1)


def pd_matrix(values: Mapping[str, FloatArray], n: int) -> FloatArray:
    """Per-subject pain-response parameters in :data:`~.kernel.PD_COLUMNS` order, shape (n, 18).

    ``values`` uses the evidence names (receptors.toml, adaptation.toml, side_effects.toml).
    """
    v = {k: np.broadcast_to(np.asarray(x, dtype=np.float64), (n,)) for k, x in values.items()}
    reserve = v["mor_reserve_factor"]
    cols = {
        "x_mor_mg": v["fu_mg"] / v["ki_mor_mg"],
        "x_mor_7oh": v["fu_7oh"] / v["ki_mor_7oh"],
        "tau_mg": v["tau_mor_mg"] * reserve,
        "tau_7oh": v["tau_mor_7oh"] * reserve,
        "x_a2a": v["fu_mg"] / v["ki_a2a_mg"],
        "w_alpha2": v["w_alpha2"],
        "x_cb1": v["fu_7oh"] / v["ki_cb1_7oh_hyp"],
        "tau_cb1": v["tau_cb1_7oh_hyp"],
        "w_ecs": v["w_ecs_hyp"],
        "k_on": v["tol_k_on"],
        "k_off": v["tol_k_off"],
        "t_max": v["tol_max"],
        "k_h": v["dep_k_h"],
        "threshold": v["wd_threshold"],
        "gain": v["wd_gain"],
        "steepness": v["wd_steepness"],
        "a50": v["resp_a50"],
        "hill": v["resp_hill"],
    }
    assert tuple(cols) == PD_COLUMNS
    return np.ascontiguousarray(np.stack(list(cols.values()), axis=1))


def front_time(a: FloatArray, pd: FloatArray, doses_nmol: FloatArray) -> FloatArray:
    """Per subject, the time (h) for the MOR drive to reach half its ceiling after the largest dose.

    Right after a dose into an empty body the effect sites grow as ``Ce ≈ α·t²`` with
    ``α = (A²·d)_Ce / 2``; the operational model is half-way to its ceiling at
    ``Ce = 1/(x_mor·(1 + τ))``. A large, potent dose (e.g. a 7-OH concentrate) makes this front
    much shorter than 1/λ.
    """
    n = a.shape[0]
    largest = np.asarray(doses_nmol, dtype=np.float64).max(axis=1)  # (1 or n, 2)
    d = np.zeros((n, a.shape[1]))
    d[:, list(DEPOTS)] = np.broadcast_to(largest, (n, len(DEPOTS)))
    alpha = 0.5 * np.einsum("nij,njk,nk->ni", a, a, d)[:, 5:7]
    cols = {c: k for k, c in enumerate(PD_COLUMNS)}
    half = np.stack(
        [
            1.0 / (pd[:, cols["x_mor_mg"]] * (1.0 + pd[:, cols["tau_mg"]])),
            1.0 / (pd[:, cols["x_mor_7oh"]] * (1.0 + pd[:, cols["tau_7oh"]])),
        ],
        axis=1,
    )
    with np.errstate(divide="ignore"):
        t_half = np.where(alpha > 0, np.sqrt(half / np.where(alpha > 0, alpha, 1.0)), np.inf)
    return t_half.min(axis=1)


def run_full_model(
    a: FloatArray,
    obs: FloatArray,
    pd: FloatArray,
    doses_nmol: FloatArray,
    dose_times_h: FloatArray,
    t_out_h: FloatArray,
    *,
    max_step_h: float = DEFAULT_STEP_H,
    rate_step: float = DEFAULT_RATE_STEP,
    ecs_hypothesis: bool = False,
    respiratory: bool = True,
    out: FloatArray | None = None,
) -> FloatArray:
    """Full model for n subjects: array (len(OUTPUT_ROWS), n, times), rows as in OUTPUT_ROWS.

    ``a`` from :func:`augmented_matrix`, ``obs`` from :func:`observed_scale`, ``pd`` from
    :func:`pd_matrix`, ``doses_nmol`` from :func:`dose_nmol`. Sub-steps are at most
    ``max_step_h`` and ``rate_step / λ`` (:func:`fastest_rate`). ``out`` may be a preallocated
    array of the result's shape (reused across chunks when streaming); rows not asked for
    (respiratory index, ECS activation) are left as they were.
    """
    for what, value in (("max_step_h", max_step_h), ("rate_step", rate_step)):
        if not (np.isfinite(value) and value > 0):
            raise ModelSpecError(bad_value(f"The kernel's {what} must be > 0", value, "E.g. 1."))
    a = np.ascontiguousarray(a, dtype=np.float64)
    pd = np.ascontiguousarray(pd, dtype=np.float64)
    front = np.ascontiguousarray(FRONT_FRACTION * front_time(a, pd, doses_nmol))
    sched = make_schedule(dose_times_h, t_out_h)
    n = a.shape[0]
    want = (len(OUTPUT_ROWS), n, sched.out_slot.size)
    if out is not None and out.shape != want:
        raise ValueError(f"out has shape {out.shape}, the kernel needs {want}")
    direct = out is not None and sched.n_out_slots == sched.out_slot.size
    result = out if direct and out is not None else np.empty((*want[:2], sched.n_out_slots))
    doses = slot_doses(doses_nmol, sched)
    rate = fastest_rate(a, doses, DEPOTS)
    slow = pd[:, PD_COLUMNS.index("k_on")] + pd[:, PD_COLUMNS.index("k_off")]
    full_model_kernel(
        a,
        *band(a),
        rate,
        front,
        np.ascontiguousarray(obs, dtype=np.float64),
        pd,
        doses,
        sched.node_dose,
        sched.node_out,
        sched.interval_len,
        sched.lengths,
        sched.fronts,
        float(max_step_h),
        float(rate_step),
        lane_order(sched, rate, front, slow, max_step_h, rate_step),
        bool(ecs_hypothesis),
        bool(respiratory),
        result,
    )
    ordered = sched.reorder(result, axis=2)
    if out is not None and ordered is not out:
        out[...] = ordered
        return out
    return ordered


def lane_order(
    sched: Schedule,
    rate: FloatArray,
    front: FloatArray,
    slow: FloatArray,
    max_step_h: float,
    rate_step: float,
) -> IntArray:
    """Subjects sorted by their sub-step counts, so that a block's lanes step in lockstep.

    A block runs as many sub-steps per interval as its busiest lane; sorting by the per-interval
    counts (as :func:`kratomsim.engine.kernel_block.substeps` sets them) groups subjects that need
    extra sub-steps (fast absorption, a steep drive front) instead of scattering them over every
    block. Each lane's arithmetic does not depend on its block, so the order changes only speed.
    """
    counts = np.bincount(sched.interval_len, minlength=sched.lengths.size)
    keys = []
    for length, starts_at_dose in zip(sched.lengths.tolist(), sched.fronts.tolist(), strict=True):
        h = np.minimum(max_step_h, front if starts_at_dose else np.inf)
        with np.errstate(divide="ignore"):
            h = np.minimum(h, np.where(rate > 0, rate_step / np.where(rate > 0, rate, 1.0), np.inf))
            h = np.minimum(h, np.where(slow > 0, 0.25 / np.where(slow > 0, slow, 1.0), np.inf))
        keys.append(np.maximum(1.0, np.ceil(length / h - 1e-9)))
    if not keys:
        return np.arange(rate.size, dtype=np.int64)
    total = np.sum(np.stack(keys) * counts[:, None], axis=0)
    order = np.lexsort((*keys[::-1], total)).astype(np.int64)
    # Threads take contiguous runs of blocks: alternate cheap and costly full blocks so that each
    # run gets its share of the costly ones (the partial block stays last).
    full = order.size // BLOCK
    ends = np.empty(full, dtype=np.int64)
    ends[0::2] = np.arange((full + 1) // 2)
    ends[1::2] = np.arange(full - 1, (full + 1) // 2 - 1, -1)
    blocks = order[: full * BLOCK].reshape(full, BLOCK)[ends].ravel()
    return np.concatenate([blocks, order[full * BLOCK :]])


def propagate_linear(
    a: FloatArray,
    dose_times_h: FloatArray,
    doses: FloatArray,
    dose_states: tuple[int, ...],
    t_out_h: FloatArray,
    *,
    observe: FloatArray | None = None,
) -> FloatArray:
    """Exact linear propagation in the kernel, as :func:`kratomsim.engine.exact.propagate`.

    ``a`` (n, S, S); ``doses`` (1 or n, doses, inputs) added to ``dose_states``; returns
    ``observe @ x`` (n, times, K), or the states (n, times, S) without ``observe``.
    """
    a = np.ascontiguousarray(a, dtype=np.float64)
    n, s = a.shape[0], a.shape[1]
    obs = np.broadcast_to(np.eye(s), (n, s, s)) if observe is None else observe
    sched = make_schedule(dose_times_h, t_out_h)
    out = np.empty((n, sched.n_out_slots, obs.shape[1]))
    linear_kernel(
        a,
        *band(a),
        np.ascontiguousarray(obs, dtype=np.float64),
        slot_doses(doses, sched),
        np.asarray(dose_states, dtype=np.int64),
        sched.node_dose,
        sched.node_out,
        sched.interval_len,
        sched.lengths,
        out,
    )
    return sched.reorder(out, axis=1)


def pk_concentrations(
    params: Mapping[str, float] | Mapping[str, FloatArray],
    dose_times_h: FloatArray,
    mg_doses_mg: FloatArray,
    oh7_doses_mg: FloatArray,
    t_out_h: FloatArray,
) -> FloatArray:
    """PK core in the kernel: plasma concentrations (nM), shape (subjects, times, 2).

    The quantity of :func:`kratomsim.engine.core.simulate_concentrations` (body states only,
    observed mitragynine and 7-OH), by the kernel's exact propagation.
    """
    p = as_subject_arrays(dict(params))
    a = rate_matrix(p)[:, _BODY][:, :, _BODY]
    c = output_matrix(p)[:, :, _BODY]
    doses = dose_nmol(p, mg_doses_mg, oh7_doses_mg)
    return propagate_linear(a, dose_times_h, doses, DEPOTS, t_out_h, observe=c)
