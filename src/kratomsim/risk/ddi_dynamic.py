"""Mechanistic dynamic model of mitragynine as perpetrator of CYP3A and CYP2D6 interactions.

Why dynamic: static models assume one constant inhibitor concentration. Kratom gives a short, very
high concentration in the gut wall while a dose is absorbed and a long, low plasma tail (half-life
about 45 h). Time-dependent inhibition destroys CYP3A, which only comes back at the enzyme's own
turnover rate, so the loss adds up over repeated doses and the effect on another drug depends on
when that drug is taken. The pieces:

1. Unbound mitragynine at the enzymes, from the engine's state vector (FDA 2020 inlet forms):
   enterocyte ``I_gut(t) = fu_gut·Fa·ka·A_gut(t)/Q_ent``; hepatic inlet
   ``I_hep(t) = fu_p·(C_p(t) + Fa·Fg·ka·A_gut(t)/(Q_h·R_b))``.
2. Active CYP3A as a fraction of baseline, in gut wall and liver:
   ``dE/dt = kdeg·(1 − E) − kinact·I/(KI + I)·E``, solved exactly over each step of the time grid
   with the concentration at the step's midpoint (stable for any step; exact for constant I).
3. Relative intrinsic clearance per step: gut ``g = Ē_g/(1 + I_gut/Ki)``; liver
   ``h = fm3A·Ē_h/(1 + I_hep/Ki) + fm2D6/(1 + I_hep/Ki,2D6) + (1 − fm3A − fm2D6)`` (competitive
   CYP2D6 inhibition, reversible part of CYP3A inhibition; Ē = mean over the step).
4. A one-compartment oral victim: absorption ``ka``, intestinal availability
   ``Fg(t) = Fg/(Fg + (1 − Fg)·g)`` and well-stirred hepatic availability and clearance that follow
   ``h(t)``; integrated exactly per step. For constant ``g`` and ``h`` its AUC ratio equals the FDA
   mechanistic static ratio ``1/(g(1 − Fg) + Fg) · 1/h`` (tested).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kratomsim.engine.result import Simulation
from kratomsim.engine.simulate import simulate
from kratomsim.evidence.params import cited_inputs
from kratomsim.evidence.schema import Product
from kratomsim.models.dosing import Regimen
from kratomsim.models.pk import IDX

FloatArray = NDArray[np.float64]
FINE_STEP_H = 0.05
COARSE_STEP_H = 0.25


def time_grid(
    end_h: float,
    *,
    events_h: Sequence[float] = (),
    fine_windows: Sequence[tuple[float, float]] = (),
) -> FloatArray:
    """Grid nodes from 0 to ``end_h``: fine (0.05 h) inside ``fine_windows``, 0.25 h elsewhere.

    Doses are events: they fall on nodes, so every step is free of jumps and its midpoint value
    represents it.
    """
    parts: list[FloatArray] = [
        np.arange(0.0, end_h, COARSE_STEP_H, dtype=np.float64),
        np.asarray(events_h, dtype=np.float64),
        np.array([end_h], dtype=np.float64),
    ]
    for a, b in fine_windows:
        parts.append(np.arange(max(a, 0.0), min(b, end_h), FINE_STEP_H, dtype=np.float64))
    nodes = np.unique(np.round(np.concatenate(parts), 9)).astype(np.float64)
    return nodes[(nodes >= 0.0) & (nodes <= end_h)]


@dataclass(frozen=True)
class MitragynineExposure:
    """Engine output at the midpoints of a grid: gut depot amount and plasma mitragynine."""

    time_h: FloatArray
    gut_amount_nmol: FloatArray
    plasma_nm: FloatArray
    ka_per_h: float
    dose_times_h: FloatArray
    dose_nmol: FloatArray
    simulation: Simulation

    @property
    def cmax_nm(self) -> float:
        return float(self.plasma_nm.max())


def simulate_exposure(
    regimen: Regimen,
    time_h: FloatArray,
    *,
    product: Product | None = None,
    mg_per_g: float | None = None,
    oh7_mg_per_g: float | None = None,
) -> MitragynineExposure:
    """Run the engine at the step midpoints of ``time_h`` (central PK parameters)."""
    mids = 0.5 * (time_h[1:] + time_h[:-1])
    inputs = cited_inputs(product, mg_per_g=mg_per_g, oh7_mg_per_g=oh7_mg_per_g)
    sim = simulate(regimen, inputs, times_h=mids)
    mw = float(sim.params["mw_mg"][0])
    return MitragynineExposure(
        time_h=time_h,
        gut_amount_nmol=np.asarray(sim.amounts_nmol[0, :, IDX["gut_mg"]]),
        plasma_nm=np.asarray(sim.conc_nm[0, :, 0]),
        ka_per_h=float(sim.params["ka_mg"][0]),
        dose_times_h=np.asarray(sim.dose_times_h),
        dose_nmol=np.asarray(sim.dose_amounts_g) * sim.mg_per_g * 1e6 / mw,
        simulation=sim,
    )


def _col(values: Mapping[str, FloatArray], name: str) -> FloatArray:
    return np.asarray(values[name], dtype=np.float64).reshape(-1, 1)


def unbound_concentrations(
    exposure: MitragynineExposure, values: Mapping[str, FloatArray]
) -> tuple[FloatArray, FloatArray]:
    """Unbound mitragynine (µM) in the enterocytes and at the hepatic inlet: (draws, steps) each."""
    flux = exposure.ka_per_h * exposure.gut_amount_nmol[None, :]  # nmol/h leaving the gut lumen
    fa = _col(values, "fa_mg")
    gut = _col(values, "fu_gut_mg") * fa * flux / _col(values, "q_ent") / 1000.0
    portal = fa * _col(values, "fg_mg") * flux / (_col(values, "q_h") * _col(values, "rb_mg"))
    hep = _col(values, "fu_p_mg") * (exposure.plasma_nm[None, :] + portal) / 1000.0
    return gut, hep


def enzyme_course(
    time_h: FloatArray,
    conc_um: FloatArray,
    *,
    kinact_per_h: FloatArray | float,
    ki_um: FloatArray | float,
    kdeg_per_h: FloatArray | float,
    e0: FloatArray | float = 1.0,
) -> tuple[FloatArray, FloatArray]:
    """Active enzyme (fraction of baseline) at the nodes, and its mean over each step.

    ``conc_um`` holds the unbound inhibitor at step midpoints, shape (draws, steps). Within a step
    the rate constants are constant, so ``E(t) = E_ss + (E_n − E_ss)·exp(−λ t)`` with
    ``λ = kdeg + kinact·I/(KI + I)`` and ``E_ss = kdeg/λ`` is exact.
    """
    c = np.atleast_2d(np.asarray(conc_um, dtype=np.float64))
    d, n = c.shape
    h = np.diff(time_h)[None, :]
    kinact = np.asarray(kinact_per_h, dtype=np.float64).reshape(-1, 1)
    ki = np.asarray(ki_um, dtype=np.float64).reshape(-1, 1)
    kdeg = np.asarray(kdeg_per_h, dtype=np.float64).reshape(-1, 1)
    lam = kdeg + kinact * c / (ki + c)
    ess = np.broadcast_to(kdeg / lam, (d, n))
    decay = np.broadcast_to(np.exp(-lam * h), (d, n))
    e = np.empty((n + 1, d))
    e[0] = np.broadcast_to(np.asarray(e0, dtype=np.float64).reshape(-1), (d,))
    ess_t, decay_t = np.ascontiguousarray(ess.T), np.ascontiguousarray(decay.T)
    for i in range(n):
        e[i + 1] = ess_t[i] + (e[i] - ess_t[i]) * decay_t[i]
    nodes = np.ascontiguousarray(e.T)
    mean = ess + (nodes[:, :-1] - ess) * (-np.expm1(-lam * h) / (lam * h))
    return nodes, mean


@dataclass(frozen=True)
class InhibitionCourse:
    """Enzyme activity over time for each parameter draw (rows).

    ``gut_cyp3a``/``hep_cyp3a`` hold active CYP3A at the nodes (fraction of baseline); the ``*_step``
    arrays hold each organ's relative intrinsic clearance per step (time-dependent × reversible).
    """

    time_h: FloatArray
    gut_cyp3a: FloatArray
    hep_cyp3a: FloatArray
    gut_cyp3a_step: FloatArray
    hep_cyp3a_step: FloatArray
    hep_cyp2d6_step: FloatArray

    @property
    def n_draws(self) -> int:
        return int(self.gut_cyp3a_step.shape[0])

    def draw(self, i: int) -> InhibitionCourse:
        """One draw (kept two-dimensional)."""
        return InhibitionCourse(
            self.time_h,
            *(a[i : i + 1] for a in self._arrays()),  # type: ignore[arg-type]
        )

    def baseline(self) -> InhibitionCourse:
        """No inhibitor: every activity 1 (same grid and draws)."""
        return InhibitionCourse(self.time_h, *(np.ones_like(a) for a in self._arrays()))

    def _arrays(self) -> tuple[FloatArray, ...]:
        return (
            self.gut_cyp3a,
            self.hep_cyp3a,
            self.gut_cyp3a_step,
            self.hep_cyp3a_step,
            self.hep_cyp2d6_step,
        )


def inhibition_course(
    time_h: FloatArray,
    gut_um: FloatArray,
    hep_um: FloatArray,
    values: Mapping[str, FloatArray],
    *,
    e0_gut: FloatArray | float = 1.0,
    e0_hep: FloatArray | float = 1.0,
) -> InhibitionCourse:
    """Gut and liver CYP3A (time-dependent + reversible) and liver CYP2D6 (competitive)."""
    e_gut, mean_gut = enzyme_course(
        time_h,
        gut_um,
        kinact_per_h=values["kinact_cyp3a_gut"],
        ki_um=values["ki_tdi_cyp3a_gut"],
        kdeg_per_h=values["kdeg_cyp3a_gut"],
        e0=e0_gut,
    )
    e_hep, mean_hep = enzyme_course(
        time_h,
        hep_um,
        kinact_per_h=values["kinact_cyp3a_hep"],
        ki_um=values["ki_tdi_cyp3a_hep"],
        kdeg_per_h=values["kdeg_cyp3a_hep"],
        e0=e0_hep,
    )
    ki_rev = _col(values, "ki_rev_cyp3a")
    return InhibitionCourse(
        time_h=time_h,
        gut_cyp3a=e_gut,
        hep_cyp3a=e_hep,
        gut_cyp3a_step=mean_gut / (1.0 + gut_um / ki_rev),
        hep_cyp3a_step=mean_hep / (1.0 + hep_um / ki_rev),
        hep_cyp2d6_step=np.broadcast_to(
            1.0 / (1.0 + hep_um / _col(values, "ki_cyp2d6")), mean_hep.shape
        ).copy(),
    )


@dataclass(frozen=True)
class VictimKinetics:
    """An oral victim drug: pathway fractions, availabilities, absorption and half-life.

    Scalars or one value per draw. ``fm_*`` are fractions of hepatic intrinsic clearance; the gut
    wall's extraction is taken as all CYP3A (stated assumption).
    """

    fm_cyp3a: FloatArray | float
    fm_cyp2d6: FloatArray | float
    fg: FloatArray | float
    fh: FloatArray | float
    ka_per_h: FloatArray | float
    t_half_h: FloatArray | float


def _c(x: FloatArray | float) -> FloatArray:
    return np.asarray(x, dtype=np.float64).reshape(-1, 1)


def victim_exposure(
    course: InhibitionCourse, victim: VictimKinetics, doses: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """AUC(0–∞) and Cmax (dose/volume units) of the victim, shape (draws, scenarios).

    ``doses`` has shape (scenarios, nodes): the victim amount taken at each grid node.
    """
    t = course.time_h
    h = np.diff(t)[None, :]
    fg, fh, ka = _c(victim.fg), _c(victim.fh), _c(victim.ka_per_h)
    fm3, fm2 = _c(victim.fm_cyp3a), _c(victim.fm_cyp2d6)
    k0 = np.log(2.0) / _c(victim.t_half_h)
    hep = fm3 * course.hep_cyp3a_step + fm2 * course.hep_cyp2d6_step + (1.0 - fm3 - fm2)
    x = (1.0 - fh) / fh  # fu·CLint/Q at baseline (well-stirred)
    avail = fg / (fg + (1.0 - fg) * course.gut_cyp3a_step) / (1.0 + hep * x)
    k = k0 * hep * (1.0 + x) / (1.0 + hep * x)
    r = ka * avail
    ka_b = np.broadcast_to(ka, k.shape)
    eka, ek = np.exp(-ka_b * h), np.exp(-k * h)
    diff = k - ka_b
    near = np.abs(diff) < 1e-9 * ka_b
    safe = np.where(near, 1.0, diff)
    g_to_c = np.where(near, r * h * ek, r * (eka - ek) / safe)
    auc_c = -np.expm1(-k * h) / k
    auc_g = np.where(
        near,
        r * (1.0 - ek * (1.0 + k * h)) / k**2,
        r / safe * (-np.expm1(-ka_b * h) / ka_b - auc_c),
    )
    steps = [np.ascontiguousarray(a.T) for a in (ek, eka, g_to_c, auc_c, auc_g)]
    ek_t, eka_t, gc_t, ac_t, ag_t = steps
    dose_t = np.ascontiguousarray(np.atleast_2d(doses).T)  # (nodes, scenarios)
    d, m = k.shape[0], dose_t.shape[1]
    gut, cen = np.zeros((d, m)), np.zeros((d, m))
    auc, cmax = np.zeros((d, m)), np.zeros((d, m))
    for i in range(ek_t.shape[0]):
        gut += dose_t[i]
        auc += cen * ac_t[i][:, None] + gut * ag_t[i][:, None]
        cen = cen * ek_t[i][:, None] + gut * gc_t[i][:, None]
        gut *= eka_t[i][:, None]
        np.maximum(cmax, cen, out=cmax)
    gut += dose_t[-1]
    k_end, r_end = k[:, -1:], r[:, -1:]
    auc += cen / k_end + r_end * gut / (ka * k_end)
    return auc, cmax


def node_index(time_h: FloatArray, at_h: float) -> int:
    """Index of the grid node at ``at_h`` (victim doses are placed on nodes)."""
    i = int(np.argmin(np.abs(time_h - at_h)))
    if abs(time_h[i] - at_h) > 1e-6:
        raise ValueError(f"time {at_h} h is not a grid node; add it to the grid's events")
    return i


def victim_ratios(
    course: InhibitionCourse, victim: VictimKinetics, dose_times_h: Sequence[float]
) -> tuple[FloatArray, FloatArray]:
    """AUC and Cmax ratios (with / without kratom) per draw for victim doses at ``dose_times_h``.

    With several victim doses the ratios compare the whole exposure (AUC over all doses, highest
    peak), as for repeated dosing of the other drug during the kratom regimen.
    """
    doses = np.zeros((1, course.time_h.size))
    for at in dose_times_h:
        doses[0, node_index(course.time_h, at)] += 1.0
    auc, cmax = victim_exposure(course, victim, doses)
    auc0, cmax0 = victim_exposure(course.baseline(), victim, doses)
    return (auc / auc0)[:, 0], (cmax / cmax0)[:, 0]


def single_dose_auc_ratios(
    course: InhibitionCourse, victim: VictimKinetics, dose_times_h: Sequence[float]
) -> FloatArray:
    """AUC ratio of one victim dose taken at each of ``dose_times_h``: shape (draws, times)."""
    doses = np.zeros((len(dose_times_h), course.time_h.size))
    for j, at in enumerate(dose_times_h):
        doses[j, node_index(course.time_h, at)] = 1.0
    auc, _ = victim_exposure(course, victim, doses)
    auc0, _ = victim_exposure(course.baseline(), victim, doses)
    return auc / auc0
