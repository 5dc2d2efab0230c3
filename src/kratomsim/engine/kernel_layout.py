"""Layout shared by the fused kernels: parameter columns, output rows, block size, collocation.

See :mod:`kratomsim.engine.kernel` for the model and the method. The kernels read these values as
compile-time constants; their on-disk cache is keyed on this file too (:mod:`kratomsim.engine.jit`),
so an edit here is compiled in on the next run.
"""

from __future__ import annotations

from typing import Final

import numpy as np

#: Columns of the per-subject pain-response parameter matrix (see :func:`kratomsim.engine.
#: kernel_inputs.pd_matrix`): products like ``fu/Ki`` are formed once per subject.
PD_COLUMNS: Final = (
    "x_mor_mg",  # fu_mg / ki_mor_mg
    "x_mor_7oh",  # fu_7oh / ki_mor_7oh
    "tau_mg",  # tau_mor_mg · mor_reserve_factor
    "tau_7oh",  # tau_mor_7oh · mor_reserve_factor
    "x_a2a",  # fu_mg / ki_a2a_mg
    "w_alpha2",
    "x_cb1",  # fu_7oh / ki_cb1_7oh_hyp
    "tau_cb1",
    "w_ecs",
    "k_on",
    "k_off",
    "t_max",
    "k_h",
    "threshold",
    "gain",
    "steepness",
    "a50",
    "hill",
)
(
    XMG, XOH, TMG, TOH, XA2, WA2, XCB, TCB, WCB,
    KON, KOFF, TMAX, KH, THR, GAIN, STEEP, A50, HILL,
) = range(len(PD_COLUMNS))  # fmt: skip
#: Rows of the output array of :func:`full_model_kernel`.
OUTPUT_ROWS: Final = (
    "mg_nm",
    "oh7_nm",
    "mu_occupancy",
    "mu_activation",
    "analgesic_drive",
    "tolerance",
    "effective_activation",
    "withdrawal_score",
    "respiratory_index",
    "ecs_activation",
)
#: Number of linear states of the full model (5 PK body states + 2 effect sites).
N_LINEAR: Final = 7
#: Largest analgesic drive passed to adaptation (as in the NumPy path and the SBML export).
DRIVE_CEILING: Final = 0.999
SOWS_MAX: Final = 64.0
#: Subjects per block: one block runs in lockstep so that the inner loops over its subjects
#: vectorise (SIMD); blocks are fixed by subject index, never by thread.
BLOCK: Final = 64


def _gauss_legendre(
    nodes: int,
) -> tuple[tuple[float, ...], tuple[float, ...], tuple[tuple[float, ...], ...]]:
    """Nodes c, weights b and collocation matrix a_ij = ∫₀^{c_i} ℓ_j of Gauss–Legendre on [0, 1]."""
    x, w = np.polynomial.legendre.leggauss(nodes)
    c, b = (x + 1.0) / 2.0, w / 2.0
    k = np.arange(nodes)
    a = (c[:, None] ** (k + 1) / (k + 1)) @ np.linalg.inv(c[:, None] ** k)
    return tuple(c.tolist()), tuple(b.tolist()), tuple(tuple(r) for r in a.tolist())


#: Gauss–Legendre collocation nodes per sub-step (order 2·NODES at the step ends). With four, the
#: error against DOP853 (rtol = atol = 1e-13) is ≤ 3e-8 on the tests' regimens (7-OH concentrates
#: included) and 3.2e-7 in the benchmark (a withdrawal score that peaks at 0.14 of 64, so its
#: relative error has a small denominator); five nodes cost 1.2× for ≤ 2e-8 there, three 0.8×.
NODES: Final = 4
#: The collocation on [0, 1] (compile-time constants of the kernel).
GL_C, GL_B, GL_A = _gauss_legendre(NODES)
GL_A_ARR: Final = np.array(GL_A)
GL_C_ARR: Final = np.array(GL_C)
GL_B_ARR: Final = np.array(GL_B)
