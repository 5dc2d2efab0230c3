"""Respiratory-depression INDEX from MOR activation (pure, vectorised numpy).

READ THIS FIRST: the index is a dimensionless ordering built on MOUSE data (Hill 2022: oral
mitragynine's respiratory depression plateaus above 10 mg/kg, 7-OH-mitragynine's does not; rats:
Henningfield 2022) and on labelled assumptions. It is NOT a human prediction of breathing, of a
safe dose, or of the effect of any opioid. No controlled human respiratory data exist
(shared/reference pd.md §5, §10.3).

Scale: 0 = no respiratory depression, 1 = maximal, as with a full opioid at a high dose.

Structure (parameters in ``evidence/data/side_effects.toml``, entries ``resp_*``):

1. Saturable conversion. Mitragynine (MG) acts on breathing only through the 7-OH it forms, with a
   Michaelis–Menten-type cap (Hill 2022: ketoconazole reduced MG's effect; "metabolic saturation")::

       oh7_formed = oh7_per_mg · Dsat · D / (D + Dsat)        (7-OH-equivalent mg)

   MG's own low-efficacy MOR action is left out on purpose: included with competition, MG occupancy
   would pull the index down towards MG's own tiny ceiling at very high doses (a fall, which the
   mouse plateau does not show).
2. Receptor activation, operational model on a per-dose scale (doses divided by dose-scale K's):
   7-OH (τ ≈ 0.7, a partial agonist) and an optional full agonist (τ ≈ 30) compete for MOR
   (:func:`kratomsim.models.receptors.operational_response`).
3. Transducer: ``index = A^n (1 + A50^n) / (A^n + A50^n)`` so that activation 0 → 0 and 1 → 1.

What the model says about a full opioid combined with kratom (operational-model competition):

* adding a full agonist never lowers the index (``∂A/∂full ∝ τfull + x7(τfull − τ7) > 0``);
* adding 7-OH (from MG or a product) moves the activation monotonically from the full-agonist-alone
  value towards 7-OH's own ceiling ``τ7/(1 + τ7)``: it raises the index while
  ``full/K_full < τ7/(τfull − τ7)`` (about 24 mg morphine-equivalent with the default values) and
  lowers it slightly above that, because 7-OH then takes receptors from a more efficacious agonist;
* so the combined index never falls below the larger of (a) the kratom-alone index and (b) the
  smaller of the full-agonist-alone index and the index at 7-OH's ceiling. For MG products the
  formed 7-OH is capped, so the loss at high full-agonist doses is small and shrinks towards zero.

This is competition within the model, NOT a protective effect, and it says nothing about the
additive sedation and respiratory risk of combining kratom with opioids seen in deaths
(safety.md §0, §2b).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Final

import numpy as np
from numpy.typing import NDArray

from kratomsim.errors import ModelSpecError, bad_value
from kratomsim.models.receptors import operational_response

FloatArray = NDArray[np.float64]
Value = float | FloatArray

#: Prefix of the entries in ``side_effects.toml`` (entry name = prefix + field name).
PREFIX: Final = "resp_"


@dataclass(frozen=True)
class RespiratoryParams:
    """Respiratory-index parameters (entry names in ``side_effects.toml`` minus ``resp_``).

    Attributes
    ----------
    mg_half_sat_mg : float
        Per-dose MG (mg) at half-saturation of 7-OH formation (mouse ceiling, scaled; ASSUMPTION).
    oh7_per_mg : float
        7-OH-equivalent mg formed per mg MG at low doses (ASSUMPTION).
    k_7oh_mg, k_full_mg : float
        Operational dissociation constants on the per-dose scale (mg 7-OH; mg oral
        morphine-equivalent) (ASSUMPTION).
    tau_7oh, tau_full : float
        Operational efficacies (7-OH derived from Obeng 2021; full agonist ASSUMPTION).
    a50, hill : float
        Transducer: activation at half the maximal index, and steepness (ASSUMPTION).
    """

    mg_half_sat_mg: float
    oh7_per_mg: float
    k_7oh_mg: float
    tau_7oh: float
    k_full_mg: float
    tau_full: float
    a50: float
    hill: float

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not (np.isfinite(value) and value > 0.0):
                raise ModelSpecError(bad_value(f.name, value, "Use a finite number > 0."))
        if self.a50 >= 1.0:
            raise ModelSpecError(bad_value("a50", self.a50, "Activation lies in (0, 1)."))
        if self.tau_full <= self.tau_7oh:
            raise ModelSpecError(
                bad_value("tau_full", self.tau_full, "The full agonist needs tau > tau_7oh.")
            )


#: Entry names :func:`respiratory_params_from_values` needs.
RESPIRATORY_PARAMETERS: Final = tuple(PREFIX + f.name for f in fields(RespiratoryParams))


def respiratory_params_from_values(values: Mapping[str, float]) -> RespiratoryParams:
    """Build :class:`RespiratoryParams` from a name → value mapping of ``resp_*`` entries."""
    missing = [name for name in RESPIRATORY_PARAMETERS if name not in values]
    if missing:
        raise ModelSpecError(f"Missing respiratory parameters: {', '.join(missing)}.")
    return RespiratoryParams(
        **{f.name: float(values[PREFIX + f.name]) for f in fields(RespiratoryParams)}
    )


def _dose(value: Value, what: str) -> FloatArray:
    a = np.asarray(value, dtype=np.float64)
    bad = ~np.isfinite(a) | (a < 0.0)
    if bad.any():
        raise ModelSpecError(bad_value(what, a[bad].ravel()[0].item(), "Use finite doses >= 0 mg."))
    return a


def oh7_formed_mg(mg_per_dose_mg: Value, params: RespiratoryParams) -> FloatArray:
    """7-OH-equivalent amount (mg) formed from one MG dose, with a saturable cap.

    ``oh7_per_mg · Dsat · D / (D + Dsat)``: linear (``oh7_per_mg · D``) at low doses and a plateau
    of ``oh7_per_mg · Dsat`` at high doses. Vmax and Km were not found; the cap is an ASSUMPTION
    from the mouse ceiling (Hill 2022).

    Parameters
    ----------
    mg_per_dose_mg : float or ndarray
        Mitragynine per dose (mg, >= 0).
    params : RespiratoryParams

    Returns
    -------
    ndarray
        Non-decreasing, bounded by ``oh7_per_mg · mg_half_sat_mg``.
    """
    d = _dose(mg_per_dose_mg, "mitragynine per dose")
    dsat = params.mg_half_sat_mg
    return np.asarray(params.oh7_per_mg * dsat * d / (d + dsat), dtype=np.float64)


def respiratory_index_from_activation(
    mu_activation: Value, params: RespiratoryParams
) -> FloatArray:
    """Respiratory index from MOR activation (fraction of the system maximum).

    ``A^n (1 + A50^n) / (A^n + A50^n)``: 0 at no activation, 1 at full activation, increasing.
    Accepts e.g. :attr:`kratomsim.models.receptors.ReceptorState.mu_activation`. An index from
    mouse data and assumptions, not a human prediction of breathing.

    Parameters
    ----------
    mu_activation : float or ndarray
        MOR activation in [0, 1] (tiny round-off outside is clipped), any shape.
    params : RespiratoryParams

    Returns
    -------
    ndarray
        Index in [0, 1], same shape.
    """
    a = np.asarray(mu_activation, dtype=np.float64)
    bad = np.isnan(a) | (a < -1e-9) | (a > 1.0 + 1e-9)
    if bad.any():
        raise ModelSpecError(
            bad_value("MOR activation", a[bad].ravel()[0].item(), "Activation lies in [0, 1].")
        )
    a = np.clip(a, 0.0, 1.0)
    an, hn = a**params.hill, params.a50**params.hill
    return np.asarray(np.clip(an * (1.0 + hn) / (an + hn), 0.0, 1.0), dtype=np.float64)


def mor_activation_from_doses(
    mg_per_dose_mg: Value,
    oh7_per_dose_mg: Value,
    params: RespiratoryParams,
    *,
    full_agonist_mg: Value = 0.0,
) -> FloatArray:
    """MOR activation on the per-dose scale: 7-OH (swallowed + formed from MG) and a full agonist.

    Parameters
    ----------
    mg_per_dose_mg, oh7_per_dose_mg : float or ndarray
        Mitragynine and 7-OH per dose (mg, >= 0); arrays broadcast together.
    params : RespiratoryParams
    full_agonist_mg : float or ndarray
        Reference full opioid, oral morphine-equivalent mg (>= 0; default none).

    Returns
    -------
    ndarray
        Activation in [0, τfull/(1 + τfull)).
    """
    oh7 = _dose(oh7_per_dose_mg, "7-OH per dose") + oh7_formed_mg(mg_per_dose_mg, params)
    full = _dose(full_agonist_mg, "full agonist dose")
    return operational_response(
        {"7-OH": oh7, "full": full},
        {"7-OH": params.k_7oh_mg, "full": params.k_full_mg},
        {"7-OH": params.tau_7oh, "full": params.tau_full},
    )


def respiratory_index(
    mg_per_dose_mg: Value,
    oh7_per_dose_mg: Value,
    params: RespiratoryParams,
    *,
    full_agonist_mg: Value = 0.0,
) -> FloatArray:
    """Respiratory-depression index for one dose: MG, 7-OH and an optional full opioid.

    An index from mouse data and labelled assumptions (see the module docstring), NOT a human
    prediction of breathing. Behaviour: MG alone plateaus (ceiling from the saturable conversion,
    well below a full opioid); 7-OH alone keeps rising with dose over that range; a full agonist
    approaches 1; every output lies in [0, 1] and is non-decreasing in each dose taken alone and in
    the full-agonist dose. For 7-OH combined with a high full-agonist dose see the module docstring.

    Parameters
    ----------
    mg_per_dose_mg, oh7_per_dose_mg : float or ndarray
        Mitragynine and 7-OH per dose (mg, >= 0); arrays broadcast together.
    params : RespiratoryParams
    full_agonist_mg : float or ndarray
        Reference full opioid, oral morphine-equivalent mg (>= 0; default none).

    Returns
    -------
    ndarray
        Index in [0, 1].

    Examples
    --------
    >>> p = RespiratoryParams(100.0, 0.26, 67.0, 0.7, 1000.0, 30.0, 0.5, 2.0)
    >>> float(respiratory_index(0.0, 0.0, p))
    0.0
    """
    activation = mor_activation_from_doses(
        mg_per_dose_mg, oh7_per_dose_mg, params, full_agonist_mg=full_agonist_mg
    )
    return respiratory_index_from_activation(activation, params)


def mg_ceiling_index(params: RespiratoryParams) -> float:
    """Index that MG alone approaches as its dose grows without bound (the plateau)."""
    cap = params.oh7_per_mg * params.mg_half_sat_mg
    return float(respiratory_index(0.0, cap, params))
