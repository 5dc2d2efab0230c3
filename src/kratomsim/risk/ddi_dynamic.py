"""Mechanistic dynamic model of mitragynine as perpetrator of CYP3A and CYP2D6 interactions.

Why dynamic: static models assume one constant inhibitor concentration. Kratom gives a short, very
high concentration in the gut wall while a dose is absorbed and a long, low plasma tail (half-life
about 45 h). Time-dependent inhibition destroys CYP3A, which only comes back at the enzyme's own
turnover rate, so the loss adds up over repeated doses and the effect on another drug depends on
when that drug is taken. The pieces:

1. The CYP3A that mitragynine leaves active, in gut wall and liver, is a state of the model itself
   (``spec/model.toml``: ``d_gut``, ``d_hep``, inactivated by unbound mitragynine at the FDA
   enterocyte and hepatic-inlet concentrations, resynthesised at the enzyme's turnover rate). The
   engine simulates it for every parameter draw, on the step midpoints of a time grid — the same
   enzyme model and constants that shape mitragynine's own clearance and 7-OH formation.
2. Relative intrinsic clearance of the other drug per step: gut ``g = E_g/(1 + I_gut/Ki)``; liver
   ``h = fm3A·E_h/(1 + I_hep/Ki) + fm2D6/(1 + I_hep/Ki,2D6) + (1 − fm3A − fm2D6)`` (competitive
   CYP2D6 inhibition and the reversible part of CYP3A inhibition, constants of this module).
3. A one-compartment oral victim: absorption ``ka``, intestinal availability
   ``Fg(t) = Fg/(Fg + (1 − Fg)·g)`` and well-stirred hepatic availability and clearance that follow
   ``h(t)``; integrated exactly per step. For constant ``g`` and ``h`` its AUC ratio equals the FDA
   mechanistic static ratio ``1/(g(1 − Fg) + Fg) · 1/h`` (tested).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kratomsim.engine.grid import schedule
from kratomsim.engine.subjects import PK_OUTPUTS, product_dosing, simulate_subjects
from kratomsim.evidence.params import ModelInputs
from kratomsim.models.dosing import Regimen
from kratomsim.risk.victim_steps import march

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
    """Engine output at the midpoints of a grid, one row per parameter draw (row 0: central).

    ``gut_cyp3a``/``hep_cyp3a``: active CYP3A (fraction of baseline); ``gut_um``/``hep_um``:
    unbound mitragynine in the enterocytes and at the hepatic inlet (µM); ``plasma_nm``: plasma
    mitragynine of the central draw.
    """

    time_h: FloatArray
    gut_cyp3a: FloatArray
    hep_cyp3a: FloatArray
    gut_um: FloatArray
    hep_um: FloatArray
    plasma_nm: FloatArray
    ka_per_h: float
    dose_times_h: FloatArray
    dose_nmol: FloatArray

    @property
    def cmax_nm(self) -> float:
        return float(self.plasma_nm.max())


def simulate_exposure(
    regimen: Regimen,
    inputs: ModelInputs,
    time_h: FloatArray,
    draws: Mapping[str, FloatArray] | None = None,
) -> MitragynineExposure:
    """Run the engine at the step midpoints of ``time_h`` for each draw of the model parameters.

    ``draws`` (declared units, one array per drawn parameter, e.g. from
    :func:`kratomsim.risk.ddi_constants.ddi_values`) replace the person's values; parameters not
    drawn keep ``inputs``'s values.
    """
    mids = 0.5 * (time_h[1:] + time_h[:-1])
    _, events = schedule(regimen, times_h=mids)
    n = len(next(iter(draws.values()))) if draws else 1
    values: dict[str, FloatArray | float] = dict(inputs.values)
    for name, arr in (draws or {}).items():
        if name in values:
            values[name] = np.asarray(arr, float)
    g = events.amounts_g
    dosing = product_dosing(inputs, events.times_h, g, mids)
    if n > 1:
        values = {k: np.broadcast_to(np.asarray(v, float), (n,)) for k, v in values.items()}
    run = simulate_subjects(values, dosing, outputs=PK_OUTPUTS)
    mw = float(inputs.values["mw_mg"])
    return MitragynineExposure(
        time_h=time_h,
        gut_cyp3a=run.get("cyp3a_gut_activity"),
        hep_cyp3a=run.get("cyp3a_liver_activity"),
        gut_um=run.get("mg_unbound_gut_nm") / 1000.0,
        hep_um=run.get("mg_unbound_liver_inlet_nm") / 1000.0,
        plasma_nm=run.get("mitragynine_nm")[0],
        ka_per_h=float(inputs.values["ka"]),
        dose_times_h=np.asarray(events.times_h),
        dose_nmol=np.asarray(g) * inputs.mg_per_g * 1e6 / mw,
    )


def _col(values: Mapping[str, FloatArray], name: str) -> FloatArray:
    return np.asarray(values[name], dtype=np.float64).reshape(-1, 1)


@dataclass(frozen=True)
class InhibitionCourse:
    """Enzyme activity over time for each parameter draw (rows).

    ``gut_cyp3a``/``hep_cyp3a`` hold active CYP3A per step (fraction of baseline, the engine's enzyme
    states at the step midpoints); the ``*_step`` arrays hold each organ's relative intrinsic
    clearance per step (time-dependent × reversible).
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
    exposure: MitragynineExposure, values: Mapping[str, FloatArray]
) -> InhibitionCourse:
    """Gut and liver CYP3A (time-dependent + reversible) and liver CYP2D6 (competitive) per step.

    The time-dependent part is the engine's own enzyme state (:class:`MitragynineExposure`); the
    reversible CYP3A and competitive CYP2D6 inhibition of the other drug use ``ki_rev_cyp3a`` and
    ``ki_cyp2d6`` (µM) from ``values``.
    """
    ki_rev = _col(values, "ki_rev_cyp3a")
    gut, hep = exposure.gut_um, exposure.hep_um
    return InhibitionCourse(
        time_h=exposure.time_h,
        gut_cyp3a=exposure.gut_cyp3a,
        hep_cyp3a=exposure.hep_cyp3a,
        gut_cyp3a_step=exposure.gut_cyp3a / (1.0 + gut / ki_rev),
        hep_cyp3a_step=exposure.hep_cyp3a / (1.0 + hep / ki_rev),
        hep_cyp2d6_step=np.broadcast_to(
            1.0 / (1.0 + hep / _col(values, "ki_cyp2d6")), exposure.hep_cyp3a.shape
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
    k = k0 * hep * (1.0 + x) / (1.0 + hep * x)
    ka_b = np.broadcast_to(ka, k.shape)
    eka, ek = np.exp(-ka_b * h), np.exp(-k * h)
    em_ka, em_k = np.expm1(-ka_b * h), np.expm1(-k * h)
    # availability, the step's transfer and AUC factors and the march itself: compiled, the same
    # arithmetic as ``r = ka·avail``, ``(eka − ek)·r/(k − ka)``, ``−expm1(−kh)/k`` … (module doc)
    d = k.shape[0]

    def rows(a: FloatArray) -> FloatArray:
        return np.ascontiguousarray(np.broadcast_to(a, k.shape))

    def per_draw(a: FloatArray) -> FloatArray:
        return np.ascontiguousarray(np.broadcast_to(a[:, 0], (d,)))

    gut, cen, auc, cmax, r_end = march(
        rows(hep),
        k,
        ek,
        eka,
        em_k,
        em_ka,
        np.ascontiguousarray(h[0]),
        rows(course.gut_cyp3a_step),
        per_draw(fg),
        per_draw(x),
        per_draw(ka),
        np.ascontiguousarray(np.atleast_2d(doses), dtype=np.float64),
    )
    k_end = k[:, -1:]
    auc += cen / k_end + r_end[:, None] * gut / (ka * k_end)
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
