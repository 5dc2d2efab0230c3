"""Side-effect probabilities as dose-response curves in per-dose mitragynine (pure, vectorised numpy).

Each side effect is a logistic in the logarithm of the per-dose mitragynine amount, written through a
published (or assumed) anchor so that every number is traceable::

    logit p(d) = logit(anchor_p) + slope · ln(d / anchor_mg),      p(0) = 0

With ``slope >= 0`` the curve is non-decreasing in dose and lies in [0, 1]. Per-dose amount is the
scale because the frequencies are reported per dose of leaf (shared/reference safety.md §3); a peak
plasma concentration scale would stack the PK model's uncertainty onto every anchor.

The anchors are leaf doses, i.e. mitragynine. A product that also contains 7-hydroxymitragynine (a
concentrated 7-OH product) is placed on the same scale by :func:`mitragynine_equivalent_mg`: its
7-OH counts as the mitragynine that would give the same mu-opioid activation (the ratio comes from
the receptor model, see :mod:`kratomsim.analyses.safety`), so a 7-OH tablet without mitragynine
still has side effects.

Effects (keys of :data:`EFFECTS`):

* ``dizziness_headache``: lightheadedness or headache, 5/12 after a single 2 g tea (38.96 mg MG;
  Tanna 2023 via NaPDI; grade A, the only controlled per-dose frequency).
* ``nausea``: low below 5 g per dose (Grundmann 2017) and "2 of the participants" at 12 g in the FDA
  single-ascending-dose study (secondary source; group size assumed).
* ``constipation``: 6 % (7/125) of Malaysian regular tea users (Singh 2019). A regular-use
  probability, so it is driven by the DAILY amount ``mg_per_dose × daily_doses``.
* ``insomnia``, ``sedation``: no per-symptom frequency was found. Every parameter is an ASSUMPTION
  with a wide range.

The probabilities are population frequencies for a single dose (or, for constipation, for regular use
at that daily amount); they say nothing about any one person and are not advice. Every number comes
from ``evidence/data/side_effects.toml``; this module reads no files.
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

#: Side effects modelled, in report order.
EFFECTS: Final = ("nausea", "dizziness_headache", "constipation", "insomnia", "sedation")
#: Effects driven by the daily amount (regular use) rather than the per-dose amount.
DAILY_EFFECTS: Final = frozenset({"constipation"})
#: Prefix of the entries in ``side_effects.toml`` (entry name = prefix + field name).
PREFIX: Final = "se_"


@dataclass(frozen=True)
class SideEffectParams:
    """Anchored logistic parameters, one (anchor dose, anchor probability, slope) per effect.

    Field names are the entry names in ``evidence/data/side_effects.toml`` without the ``se_``
    prefix. Anchor doses are mg mitragynine per dose (constipation: mg per day), anchor
    probabilities lie strictly in (0, 1), slopes are per unit of ``ln(mg)`` and >= 0. The two
    ``check_any_*`` fields are a consistency target used only by :func:`calibration_check`.
    """

    nausea_anchor_mg: float
    nausea_anchor_p: float
    nausea_slope: float
    dizziness_anchor_mg: float
    dizziness_anchor_p: float
    dizziness_slope: float
    constipation_anchor_mg_day: float
    constipation_anchor_p: float
    constipation_slope: float
    insomnia_anchor_mg: float
    insomnia_anchor_p: float
    insomnia_slope: float
    sedation_anchor_mg: float
    sedation_anchor_p: float
    sedation_slope: float
    check_any_mg: float
    check_any_p: float

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not np.isfinite(value):
                raise ModelSpecError(bad_value(f.name, value, "Use a finite number."))
            if f.name.endswith("_p") and not 0.0 < value < 1.0:
                raise ModelSpecError(bad_value(f.name, value, "A probability lies in (0, 1)."))
            if f.name.endswith("_slope") and value < 0.0:
                raise ModelSpecError(
                    bad_value(f.name, value, "Use a slope >= 0 (risk never falls with dose).")
                )
            if "_mg" in f.name and value <= 0.0:
                raise ModelSpecError(bad_value(f.name, value, "Use an anchor dose > 0 mg."))

    def curve(self, effect: str) -> tuple[float, float, float]:
        """Return ``(anchor_mg, anchor_p, slope)`` for one effect (see :data:`EFFECTS`)."""
        stem = {"dizziness_headache": "dizziness"}.get(effect, effect)
        if effect not in EFFECTS:
            raise ModelSpecError(bad_value("Unknown side effect", effect, f"Use one of {EFFECTS}."))
        dose = "anchor_mg_day" if effect in DAILY_EFFECTS else "anchor_mg"
        return (
            float(getattr(self, f"{stem}_{dose}")),
            float(getattr(self, f"{stem}_anchor_p")),
            float(getattr(self, f"{stem}_slope")),
        )


#: Entry names :func:`side_effect_params_from_values` needs.
SIDE_EFFECT_PARAMETERS: Final = tuple(PREFIX + f.name for f in fields(SideEffectParams))


def side_effect_params_from_values(values: Mapping[str, float]) -> SideEffectParams:
    """Build :class:`SideEffectParams` from a name → value mapping of ``se_*`` entries.

    Parameters
    ----------
    values : mapping of str to float
        For example ``load_parameters(("side_effects.toml",)).values_dict()``; extra names are
        ignored.

    Returns
    -------
    SideEffectParams
    """
    missing = [name for name in SIDE_EFFECT_PARAMETERS if name not in values]
    if missing:
        raise ModelSpecError(f"Missing side-effect parameters: {', '.join(missing)}.")
    return SideEffectParams(
        **{f.name: float(values[PREFIX + f.name]) for f in fields(SideEffectParams)}
    )


def anchored_logistic(dose: Value, anchor: float, anchor_p: float, slope: float) -> FloatArray:
    """Logistic in ``ln(dose)`` through ``(anchor, anchor_p)``; zero at dose 0.

    Parameters
    ----------
    dose : float or ndarray
        Dose (same unit as ``anchor``), >= 0, any shape.
    anchor, anchor_p, slope : float
        Anchor dose (> 0), probability at the anchor (in (0, 1)) and slope per ``ln`` unit (>= 0).

    Returns
    -------
    ndarray
        Probabilities in [0, 1], non-decreasing in ``dose``.

    Examples
    --------
    >>> round(float(anchored_logistic(38.96, 38.96, 5 / 12, 1.0)), 4)
    0.4167
    >>> float(anchored_logistic(0.0, 38.96, 5 / 12, 1.0))
    0.0
    """
    d = np.asarray(dose, dtype=np.float64)
    bad = ~np.isfinite(d) | (d < 0.0)
    if bad.any():
        raise ModelSpecError(bad_value("dose", d[bad].ravel()[0].item(), "Use finite doses >= 0."))
    positive = d > 0.0
    with np.errstate(divide="ignore"):
        z = np.log(anchor_p / (1.0 - anchor_p)) + slope * np.log(
            np.where(positive, d, 1.0) / anchor
        )
    p = 0.5 * (1.0 + np.tanh(0.5 * z))  # expit, stable for large |z|
    return np.asarray(np.where(positive, np.clip(p, 0.0, 1.0), 0.0), dtype=np.float64)


def side_effect_probabilities(
    mg_per_dose_mg: Value, params: SideEffectParams, *, daily_doses: Value = 1.0
) -> dict[str, FloatArray]:
    """Population frequency of each side effect at a per-dose mitragynine amount.

    Parameters
    ----------
    mg_per_dose_mg : float or ndarray
        Mitragynine per dose (mg, >= 0), any shape (grams of leaf × mg/g of the product).
    params : SideEffectParams
        Anchored curves (``evidence/data/side_effects.toml``).
    daily_doses : float or ndarray
        Doses per day (> 0, broadcast against the doses). Used only for constipation, a
        regular-use probability driven by ``mg_per_dose_mg × daily_doses``; the other effects are
        per single dose.

    Returns
    -------
    dict of str to ndarray
        Probability in [0, 1] per effect in :data:`EFFECTS`, non-decreasing in dose; all arrays
        have the broadcast shape of ``mg_per_dose_mg`` and ``daily_doses``.
    """
    d = np.asarray(mg_per_dose_mg, dtype=np.float64)
    n = np.asarray(daily_doses, dtype=np.float64)
    if (~np.isfinite(n) | (n <= 0.0)).any():
        raise ModelSpecError(bad_value("daily_doses", daily_doses, "Use a number of doses > 0."))
    d, n = np.broadcast_arrays(d, n)
    out: dict[str, FloatArray] = {}
    for effect in EFFECTS:
        anchor, anchor_p, slope = params.curve(effect)
        amount = d * n if effect in DAILY_EFFECTS else d
        out[effect] = anchored_logistic(amount, anchor, anchor_p, slope)
    return out


def mitragynine_equivalent_mg(
    mitragynine_mg: Value, oh7_mg: Value, oh7_potency: Value
) -> FloatArray:
    """Per-dose amount on the side-effect curves' scale: mitragynine plus potency-weighted 7-OH.

    Parameters
    ----------
    mitragynine_mg, oh7_mg : float or ndarray
        Mitragynine and 7-hydroxymitragynine swallowed per dose (mg, >= 0).
    oh7_potency : float or ndarray
        Milligrams of mitragynine that give the same mu-opioid activation as 1 mg of swallowed
        7-OH (> 0; broadcast against the amounts, e.g. one value per parameter draw).

    Returns
    -------
    ndarray
        ``mitragynine_mg + oh7_potency × oh7_mg`` (mg), the broadcast shape of the inputs.

    Examples
    --------
    >>> float(mitragynine_equivalent_mg(0.0, 15.0, 6.0))
    90.0
    """
    mg, oh, k = (np.asarray(x, dtype=np.float64) for x in (mitragynine_mg, oh7_mg, oh7_potency))
    for name, x, low in (("mitragynine_mg", mg, 0.0), ("oh7_mg", oh, 0.0)):
        bad = ~np.isfinite(x) | (x < low)
        if bad.any():
            raise ModelSpecError(bad_value(name, x[bad].ravel()[0].item(), "Use amounts >= 0 mg."))
    bad = ~np.isfinite(k) | (k <= 0.0)
    if bad.any():
        raise ModelSpecError(
            bad_value("oh7_potency", k[bad].ravel()[0].item(), "Use a potency ratio > 0.")
        )
    return np.asarray(mg + k * oh, dtype=np.float64)


def any_effect_probability(probabilities: Mapping[str, FloatArray]) -> FloatArray:
    """Probability of at least one effect, taking the effects as independent: ``1 − Π(1 − p)``."""
    none = np.float64(1.0)
    for p in probabilities.values():
        none = none * (1.0 - np.asarray(p, dtype=np.float64))
    return np.asarray(1.0 - none, dtype=np.float64)


def calibration_check(params: SideEffectParams) -> list[tuple[str, float, float]]:
    """Model probability against the published frequency at each calibration point.

    Rows (label, model, published):

    * each effect with a published frequency at its anchor (dizziness/headache 5/12 at 38.96 mg,
      Tanna 2023; nausea "2 of the participants" at 12 g, FDA SAD, group size assumed;
      constipation 7/125 at 276.5 mg/day, Singh 2019), evaluated at the anchor dose;
    * ``any (consistency)``: ``1 − Π(1 − p)`` over the five effects at a typical 2 g leaf dose against
      "about one-third" any adverse effect (Garcia-Romeu 2020). Ever-reported in a survey, so a loose
      check, not an anchor.

    Insomnia and sedation have no published frequency and no row.

    Parameters
    ----------
    params : SideEffectParams

    Returns
    -------
    list of (str, float, float)
    """
    rows: list[tuple[str, float, float]] = []
    for effect in ("dizziness_headache", "nausea", "constipation"):
        anchor, anchor_p, _ = params.curve(effect)
        if effect in DAILY_EFFECTS:
            model = side_effect_probabilities(anchor, params, daily_doses=1.0)[effect]
        else:
            model = side_effect_probabilities(anchor, params)[effect]
        rows.append((effect, float(model), anchor_p))
    typical = side_effect_probabilities(params.check_any_mg, params)
    rows.append(("any (consistency)", float(any_effect_probability(typical)), params.check_any_p))
    return rows
