"""Receptor layer: effect-site concentrations, occupancy and activation (pure, vectorised numpy).

What this module computes, from free effect-site concentrations in nM (any array shape, usually
subjects × times):

* competitive occupancy of one binding site by several ligands (law of mass action);
* activation by several agonists competing at one receptor, with the operational model of agonism
  of Black & Leff (1983), slope n = 1 (shared/reference pd.md §10.1);
* the effect-site (biophase) concentration that lags plasma with rate constant ``ke0``;
* a :class:`ReceptorState`: MOR occupancy and activation (mitragynine and 7-hydroxymitragynine as
  partial agonists, optionally competing with a full agonist), KOR/DOR occupancy (both alkaloids are
  competitive antagonists there, so occupancy is blockade), a minor α2A term (mitragynine only) and
  an endocannabinoid (ECS) term that is a HYPOTHESIS: zero unless switched on explicitly. No study
  shows that either alkaloid binds CB1/CB2, and a CB1 antagonist did not block mitragynine
  antinociception (Shamima 2012; pd.md Table 2.2).

Array parameters (one value per subject) are aligned with the *leading* axes of the concentrations
in :func:`effect_site`, :func:`free_effect_site` and :func:`receptor_state`; the generic functions
:func:`occupancy`, :func:`fractional_occupancy` and :func:`operational_response` use plain numpy
broadcasting. Every number comes from ``evidence/data/receptors.toml``; this module reads no files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Final

import numpy as np
from numpy.typing import NDArray

from kratomsim.errors import ModelSpecError, bad_value

FloatArray = NDArray[np.float64]
Value = float | FloatArray

MG: Final = "mitragynine"
OH: Final = "7-hydroxymitragynine"
ALKALOIDS: Final = (MG, OH)
#: Key of the optional reference full MOR agonist in :attr:`ReceptorState.mu_occupancy_by_ligand`.
FULL_AGONIST: Final = "full_agonist"
#: Negative concentrations above this magnitude (nM) are errors; smaller ones are round-off → 0.
_ROUND_OFF_NM: Final = 1e-6


def _conc(value: Value, what: str) -> FloatArray:
    c = np.asarray(value, dtype=np.float64)
    bad = np.isnan(c) | (c < -_ROUND_OFF_NM)
    if bad.any():
        raise ModelSpecError(
            bad_value(what, c[bad].ravel()[0].item(), "Use concentrations >= 0 nM.")
        )
    return np.maximum(c, 0.0)


def _checked(value: Value, what: str, *, low: float = 0.0, strict: bool = True) -> FloatArray:
    a = np.asarray(value, dtype=np.float64)
    bad = ~np.isfinite(a) | ((a <= low) if strict else (a < low))
    if bad.any():
        rule = f"> {low:g}" if strict else f">= {low:g}"
        raise ModelSpecError(
            bad_value(what, a[bad].ravel()[0].item(), f"Use finite values {rule}.")
        )
    return a


def _ratios(conc: Mapping[str, Value], k: Mapping[str, Value], what: str) -> dict[str, FloatArray]:
    """[L]/K for every ligand in ``conc`` (K must be given for each)."""
    missing = [name for name in conc if name not in k]
    if missing:
        raise ModelSpecError(f"No {what} given for: {', '.join(missing)}.")
    return {
        name: _conc(c, f"concentration of {name}") / _checked(k[name], f"{what} of {name}")
        for name, c in conc.items()
    }


def occupancy(free_nm: Value, ki_nm: Value) -> FloatArray:
    """Fraction of receptors occupied by one ligand: ``C / (C + Ki)`` (law of mass action).

    Parameters
    ----------
    free_nm : float or ndarray
        Free concentration at the receptor (nM), any shape.
    ki_nm : float or ndarray
        Equilibrium dissociation constant (nM), broadcastable against ``free_nm``.

    Returns
    -------
    ndarray
        Occupancy in [0, 1).

    Examples
    --------
    >>> float(occupancy(1000.0, 1260.0))  # MG at alpha2A, 1 uM free (pd.md 10.2)
    0.4424778761061947
    """
    x = _conc(free_nm, "free concentration") / _checked(ki_nm, "Ki")
    return x / (1.0 + x)


def fractional_occupancy(
    ligands: Mapping[str, Value], ki: Mapping[str, Value]
) -> dict[str, FloatArray]:
    """Occupancy of one site by ligands competing for it: ``x_i / (1 + Σ x_j)``, ``x = C/Ki``.

    Parameters
    ----------
    ligands : mapping of str to float or ndarray
        Free concentration (nM) of each ligand; arrays broadcast together.
    ki : mapping of str to float or ndarray
        Dissociation constant (nM, > 0) of each ligand.

    Returns
    -------
    dict of str to ndarray
        Occupancy per ligand; they sum to ``Σx / (1 + Σx) < 1``.
    """
    x = _ratios(ligands, ki, "Ki")
    denom = 1.0 + sum(x.values(), np.float64(0.0))
    return {name: np.asarray(xi / denom, dtype=np.float64) for name, xi in x.items()}


def operational_response(
    conc: Mapping[str, Value],
    ka: Mapping[str, Value],
    tau: Mapping[str, Value],
    *,
    antagonists: Mapping[str, tuple[Value, float]] | None = None,
) -> FloatArray:
    """Response of agonists competing at one receptor, as a fraction of the system maximum.

    Operational model of agonism (Black & Leff 1983; slope n = 1; pd.md §10.1) extended to several
    agonists ``A_i`` and competitive antagonists ``B_j`` at one site::

        E/Em = Σ τ_i·[A_i]/K_i / (1 + Σ [A_i]/K_i + Σ τ_i·[A_i]/K_i + Σ [B_j]/K_Bj)

    One agonist alone gives ``τ[A] / (K + (1 + τ)[A])``: maximum ``τ/(1 + τ)`` (a partial agonist's
    ceiling) and EC50 ``K/(1 + τ)``; an antagonist multiplies the EC50 by ``1 + [B]/K_B`` (Schild).
    A low-τ agonist added to a high-τ one lowers the response towards its own ceiling.

    Parameters
    ----------
    conc : mapping of str to float or ndarray
        Free agonist concentrations (nM); arrays broadcast together.
    ka, tau : mapping of str to float or ndarray
        Dissociation constant K (nM, > 0) and operational efficacy τ (>= 0) for every agonist.
    antagonists : mapping of str to (concentration, K_B), optional
        Free concentration (nM) and dissociation constant (nM) of each competitive antagonist.

    Returns
    -------
    ndarray
        Response in [0, 1).

    Examples
    --------
    7-OH alone at saturation reaches its ceiling τ/(1 + τ) = 0.70/1.70 (pd.md §10.1):

    >>> round(float(operational_response({"7-OH": 1e9}, {"7-OH": 47.0}, {"7-OH": 0.70})), 3)
    0.412

    At K = [A] and τ = 1 the response is 1/3; an antagonist at [B] = K_B halves the stimulus ratio:

    >>> float(operational_response({"a": 10.0}, {"a": 10.0}, {"a": 1.0}))
    0.3333333333333333
    >>> float(operational_response({"a": 10.0}, {"a": 10.0}, {"a": 1.0}, antagonists={"b": (5.0, 5.0)}))
    0.25
    """
    missing = [name for name in conc if name not in tau]
    if missing:
        raise ModelSpecError(f"No efficacy tau given for: {', '.join(missing)}.")
    x = _ratios(conc, ka, "K")
    zero = np.float64(0.0)
    stim = sum((_checked(tau[n], f"tau of {n}", strict=False) * xi for n, xi in x.items()), zero)
    bound = sum(x.values(), zero)
    blocked = sum(
        (
            _conc(c, f"concentration of {n}") / _checked(kb, f"K_B of {n}")
            for n, (c, kb) in (antagonists or {}).items()
        ),
        zero,
    )
    return np.asarray(stim / (1.0 + bound + stim + blocked), dtype=np.float64)


@dataclass(frozen=True)
class ReceptorParams:
    """Receptor-layer parameters (floats, or arrays with one value per subject).

    Field names equal the entry names in ``evidence/data/receptors.toml``; units nM, 1/h or 1.
    Fields ending in ``_hyp`` belong to the endocannabinoid HYPOTHESIS and are used only when it is
    switched on.
    """

    fu_mg: Value
    fu_7oh: Value
    ke0_mg: Value
    ke0_7oh: Value
    ki_mor_mg: Value
    ki_mor_7oh: Value
    ki_kor_mg: Value
    ki_kor_7oh: Value
    ki_dor_mg: Value
    ki_dor_7oh: Value
    tau_mor_mg: Value
    tau_mor_7oh: Value
    ki_a2a_mg: Value
    w_alpha2: Value
    ki_mor_full: Value
    tau_mor_full: Value
    ki_cb1_7oh_hyp: Value
    tau_cb1_7oh_hyp: Value
    w_ecs_hyp: Value

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.startswith(("tau_", "w_")):
                _checked(value, f.name, strict=False)
            else:
                _checked(value, f.name)
            if f.name.startswith("fu_") and (np.asarray(value) > 1.0).any():
                raise ModelSpecError(bad_value(f.name, value, "A free fraction lies in (0, 1]."))


#: Names :func:`receptor_params_from_values` needs.
RECEPTOR_PARAMETERS: Final = tuple(f.name for f in fields(ReceptorParams))


def receptor_params_from_values(values: Mapping[str, Value]) -> ReceptorParams:
    """Build :class:`ReceptorParams` from a name → value mapping (extra names are ignored)."""
    missing = [name for name in RECEPTOR_PARAMETERS if name not in values]
    if missing:
        raise ModelSpecError(f"Missing receptor parameters: {', '.join(missing)}.")
    return ReceptorParams(**{name: values[name] for name in RECEPTOR_PARAMETERS})


def _lead(value: Value, ndim: int, what: str) -> FloatArray:
    """Align a parameter with the leading axes of an ``ndim``-dimensional array."""
    a = np.asarray(value, dtype=np.float64)
    if a.ndim > ndim:
        raise ModelSpecError(f"{what} has {a.ndim} dimensions; the data have only {ndim}.")
    return a.reshape(a.shape + (1,) * (ndim - a.ndim))


def effect_site(t_h: Value, plasma_nm: Value, ke0: Value, *, initial_nm: Value = 0.0) -> FloatArray:
    """Effect-site concentrations for ``dCe/dt = ke0·(Cp − Ce)`` on a time grid.

    The plasma series is taken as piecewise linear between grid points, for which the update is
    exact: over a step ``h`` with ``E = exp(−ke0·h)`` and ``φ = (1 − E)/(ke0·h)``,
    ``Ce₁ = E·Ce₀ + (φ − E)·Cp₀ + (1 − φ)·Cp₁``. The weights are non-negative and sum to one, so
    ``Ce`` never leaves the range of ``Cp`` and ``initial_nm``. A repeated time point (``h = 0``)
    leaves ``Ce`` unchanged, which represents a step in ``Cp`` exactly.

    Parameters
    ----------
    t_h : ndarray
        Non-decreasing 1-D time grid (h).
    plasma_nm : ndarray
        Plasma concentrations with time on the last axis (e.g. subjects × times).
    ke0 : float or ndarray
        Equilibration rate constant (1/h, > 0), one value or one per leading index (subject).
    initial_nm : float or ndarray
        Effect-site concentration at ``t_h[0]`` (default 0), aligned like ``ke0``.

    Returns
    -------
    ndarray
        Effect-site concentrations, the broadcast shape of ``plasma_nm`` and the parameters.
    """
    t = np.asarray(t_h, dtype=np.float64)
    cp = np.asarray(plasma_nm, dtype=np.float64)
    if t.ndim != 1 or cp.ndim < 1 or cp.shape[-1] != t.size:
        raise ModelSpecError(
            f"effect_site needs a 1-D time grid matching the last axis of plasma_nm; got times "
            f"{t.shape} and plasma {cp.shape}."
        )
    step = np.diff(t)
    if (step < 0).any() or not np.isfinite(t).all():
        raise ModelSpecError("effect_site needs finite, non-decreasing times.")
    lead = cp.ndim - 1
    k = _lead(_checked(ke0, "ke0"), lead, "ke0")[..., None]
    kh = k * step
    decay = np.exp(-kh)
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.where(kh > 0.0, -np.expm1(-kh) / kh, 1.0)
    w_prev, w_next = phi - decay, 1.0 - phi
    ce0 = _lead(initial_nm, lead, "initial_nm")
    shape = np.broadcast_shapes(cp.shape, k.shape, (*ce0.shape, 1))
    ce = np.empty(shape, dtype=np.float64)
    ce[..., 0] = ce0
    for i in range(t.size - 1):
        ce[..., i + 1] = (
            decay[..., i] * ce[..., i]
            + w_prev[..., i] * cp[..., i]
            + w_next[..., i] * cp[..., i + 1]
        )
    return ce


def free_effect_site(
    t_h: Value, plasma_nm: Mapping[str, Value], params: ReceptorParams
) -> dict[str, FloatArray]:
    """Free effect-site concentrations (nM) per alkaloid from total plasma concentrations.

    Free-drug hypothesis: at equilibrium the unbound biophase concentration equals the unbound
    plasma concentration ``fu × Cp``; the effect site lags with the alkaloid's ``ke0``. Brain
    partitioning beyond this is not modelled (no human data; pk.md §2.6).
    """
    unknown = [name for name in plasma_nm if name not in ALKALOIDS]
    if unknown:
        raise ModelSpecError(f"Unknown analytes {unknown}; use {', '.join(ALKALOIDS)}.")
    rates = {MG: (params.ke0_mg, params.fu_mg), OH: (params.ke0_7oh, params.fu_7oh)}
    out: dict[str, FloatArray] = {}
    for name, cp in plasma_nm.items():
        ke0, fu = rates[name]
        ce = effect_site(t_h, _conc(cp, f"plasma concentration of {name}"), ke0)
        out[name] = ce * _lead(fu, ce.ndim, f"fu of {name}")
    return out


@dataclass(frozen=True)
class ReceptorState:
    """Receptor occupancy and activation: arrays of one shape (concentrations and parameters).

    ``mu_activation`` and the other activations are fractions of the system maximum (a full agonist
    at saturation gives about 1). ``analgesic_drive`` is a dimensionless sum, not a probability.
    ``ecs_activation`` is exactly zero unless the endocannabinoid HYPOTHESIS was switched on.
    """

    mu_occupancy: FloatArray
    mu_occupancy_by_ligand: Mapping[str, FloatArray]
    kappa_occupancy: FloatArray
    delta_occupancy: FloatArray
    mu_activation: FloatArray
    alpha2_activation: FloatArray
    ecs_activation: FloatArray
    analgesic_drive: FloatArray
    ecs_hypothesis: bool


def receptor_state(
    ce_free: Mapping[str, Value],
    params: ReceptorParams,
    *,
    ecs_hypothesis: bool = False,
    full_agonist_nm: Value | None = None,
) -> ReceptorState:
    """Receptor occupancy and activation from free effect-site concentrations (nM).

    * MOR: mitragynine and 7-OH are partial agonists (operational model, τ from ``params``); a
      reference full agonist (free nM, ``full_agonist_nm``) competes for the same site if given.
    * KOR, DOR: both alkaloids are competitive antagonists (Kruegel 2016); the reported occupancy
      is the fraction of receptors blocked.
    * α2A: mitragynine occupancy (Ki 1260 nM) stands in for its low-efficacy agonism; it enters the
      drive with the small weight ``w_alpha2`` (an ASSUMPTION).
    * ECS: only if ``ecs_hypothesis`` is True, 7-OH at a hypothetical CB1 site (no binding study
      exists; the only CB1 test was negative, Shamima 2012). Otherwise exactly zero.

    ``analgesic_drive = mu_activation + w_alpha2·alpha2_activation (+ w_ecs_hyp·ecs_activation)``.

    Parameters
    ----------
    ce_free : mapping of str to float or ndarray
        Free effect-site concentrations (nM) keyed by :data:`MG` and/or :data:`OH` (a missing
        alkaloid counts as zero), e.g. from :func:`free_effect_site`.
    params : ReceptorParams
        Parameters; arrays align with the leading axes of the concentrations (subjects).
    ecs_hypothesis : bool
        Switch on the endocannabinoid HYPOTHESIS term (default off).
    full_agonist_nm : float or ndarray, optional
        Free concentration (nM) of a reference full MOR agonist competing with the alkaloids.

    Returns
    -------
    ReceptorState
        Every array has the broadcast shape of the concentrations and parameter arrays.
    """
    unknown = [name for name in ce_free if name not in ALKALOIDS]
    if unknown:
        raise ModelSpecError(f"Unknown ligands {unknown}; use {', '.join(ALKALOIDS)}.")
    given = {name: _conc(c, f"free concentration of {name}") for name, c in ce_free.items()}
    full = None if full_agonist_nm is None else _conc(full_agonist_nm, "full agonist")
    shape = np.broadcast_shapes(
        *(c.shape for c in given.values()), () if full is None else full.shape
    )
    p = {f.name: _lead(getattr(params, f.name), len(shape), f.name) for f in fields(params)}
    zeros = np.zeros(np.broadcast_shapes(shape, *(v.shape for v in p.values())))
    conc = {name: given.get(name, zeros) + zeros for name in ALKALOIDS}

    mu_conc = dict(conc)
    mu_k = {MG: p["ki_mor_mg"], OH: p["ki_mor_7oh"]}
    mu_tau = {MG: p["tau_mor_mg"], OH: p["tau_mor_7oh"]}
    if full is not None:
        mu_conc[FULL_AGONIST] = full + zeros
        mu_k[FULL_AGONIST] = p["ki_mor_full"]
        mu_tau[FULL_AGONIST] = p["tau_mor_full"]
    mu_by = fractional_occupancy(mu_conc, mu_k)
    kappa = fractional_occupancy(conc, {MG: p["ki_kor_mg"], OH: p["ki_kor_7oh"]})
    delta = fractional_occupancy(conc, {MG: p["ki_dor_mg"], OH: p["ki_dor_7oh"]})
    mu_act = operational_response(mu_conc, mu_k, mu_tau)
    alpha2 = occupancy(conc[MG], p["ki_a2a_mg"])
    drive = mu_act + p["w_alpha2"] * alpha2
    if ecs_hypothesis:  # HYPOTHESIS, not evidence: see receptors.toml and pd.md Table 2.2
        ecs = operational_response(
            {OH: conc[OH]}, {OH: p["ki_cb1_7oh_hyp"]}, {OH: p["tau_cb1_7oh_hyp"]}
        )
        drive = drive + p["w_ecs_hyp"] * ecs
    else:
        ecs = zeros.copy()

    def total(parts: Mapping[str, FloatArray]) -> FloatArray:
        return np.asarray(sum(parts.values(), np.float64(0.0)), dtype=np.float64)

    return ReceptorState(
        mu_occupancy=total(mu_by),
        mu_occupancy_by_ligand=mu_by,
        kappa_occupancy=total(kappa),
        delta_occupancy=total(delta),
        mu_activation=mu_act,
        alpha2_activation=alpha2,
        ecs_activation=ecs,
        analgesic_drive=np.asarray(drive, dtype=np.float64),
        ecs_hypothesis=ecs_hypothesis,
    )
