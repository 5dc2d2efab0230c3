"""Side effects of a regimen, counting 7-OH as well as mitragynine, and the largest falls of
breathing, pupil size and CYP3A activity, each with an interval over the parameter draws.

The side-effect curves (:mod:`kratomsim.models.side_effects`) are anchored on leaf doses, that is on
mitragynine. Swallowed 7-hydroxymitragynine joins them through its potency: the milligrams of
mitragynine that give the same peak mu-opioid activation as 1 mg of 7-OH. The receptor model works
it out for every parameter draw from two small single doses (:data:`REFERENCE_MG_MG` of mitragynine,
:data:`REFERENCE_7OH_MG` of 7-OH), small enough that activation is nearly proportional to dose. A
concentrated 7-OH product therefore shows nausea, constipation and the rest in proportion to its
7-OH, never "0". Descriptive population frequencies, never advice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from kratomsim.engine.result import Simulation
from kratomsim.engine.subjects import Dosing, simulate_subjects
from kratomsim.models.side_effects import (
    SIDE_EFFECT_PARAMETERS,
    mitragynine_equivalent_mg,
    side_effect_params_from_values,
    side_effect_probabilities,
)
from kratomsim.population.uncertainty import interval

FloatArray = NDArray[np.float64]
#: Reference single doses (mg) for the potency of 7-OH relative to mitragynine.
REFERENCE_MG_MG = 10.0
REFERENCE_7OH_MG = 1.0
#: Output grid of the reference doses (h): the activation peak comes within a few hours.
REFERENCE_GRID_H = np.linspace(0.0, 24.0, 241)
#: Outputs whose strongest effect is a fall (their lowest value over time): breathing and pupil
#: size, and the CYP3A activity that mitragynine switches off in the gut wall and the liver.
FALLING_OUTPUTS = (
    "ventilation_change_pct",
    "pupil_change_mm",
    "cyp3a_liver_activity",
    "cyp3a_gut_activity",
)


def oh7_potency(
    draws: Mapping[str, FloatArray], absorption: str, outputs: Sequence[str] | None = None
) -> FloatArray:
    """Milligrams of mitragynine with the peak mu activation of 1 mg of swallowed 7-OH, per draw.

    ``draws``: every model parameter, one value per draw (declared units); ``absorption``: the
    product's absorption class. Both reference doses are swallowed at time 0 with that absorption.
    ``outputs``: the kernel's outputs (default every output; any set with ``mu_activation`` gives
    the same numbers), so that a caller can reuse the kernel it has already loaded.
    """
    n = len(next(iter(draws.values())))
    times = np.zeros(1)

    def peak_activation(mg: float, oh: float) -> FloatArray:
        dosing = Dosing(
            absorption, times, np.full((1, 1), mg), np.full((1, 1), oh), REFERENCE_GRID_H
        )
        out = simulate_subjects(draws, dosing, outputs=outputs)
        return np.asarray(out.mu_activation.max(axis=1), dtype=np.float64)

    per_mg_mg = peak_activation(REFERENCE_MG_MG, 0.0) / REFERENCE_MG_MG
    per_mg_7oh = peak_activation(0.0, REFERENCE_7OH_MG) / REFERENCE_7OH_MG
    ratio = per_mg_7oh / np.maximum(per_mg_mg, np.finfo(float).tiny)
    return np.broadcast_to(ratio, (n,)).astype(np.float64)


def safety_signals(
    exposure: Simulation,
    draws: Mapping[str, FloatArray],
    level: float,
    potency: FloatArray,
) -> dict[str, dict[str, float]]:
    """Side-effect probabilities at the regimen's largest dose, 7-OH counted by ``potency``.

    Central value at the cited parameters (draw 0) and an interval over the draws; ``_dose`` says
    what was counted (product grams, mitragynine and 7-OH mg, the mitragynine-equivalent mg at the
    cited values, doses per day).
    """
    amount = float(exposure.dose_amounts_g.max())
    mg = amount * exposure.mg_per_g
    oh = amount * exposure.oh7_mg_per_g
    times = exposure.dose_times_h
    per_day = float(min(24.0 / np.median(np.diff(times)), len(times))) if len(times) > 1 else 1.0
    equivalent = mitragynine_equivalent_mg(mg, oh, potency)
    rows: dict[str, list[float]] = {}
    for i in range(len(equivalent)):
        se = side_effect_params_from_values({k: float(draws[k][i]) for k in SIDE_EFFECT_PARAMETERS})
        for name, p in side_effect_probabilities(equivalent[i], se, daily_doses=per_day).items():
            rows.setdefault(name, []).append(float(p))
    out = {name: draw_summary(np.asarray(values), level) for name, values in rows.items()}
    out["_dose"] = {
        "product_g": amount,
        "mitragynine_mg": mg,
        "7oh_mg": oh,
        "mitragynine_equivalent_mg": float(equivalent[0]),
        "oh7_potency": float(potency[0]),
        "doses_per_day": per_day,
    }
    return out


def strongest_changes(
    outputs: Mapping[str, FloatArray], time_h: FloatArray, level: float
) -> dict[str, dict[str, float]]:
    """Largest fall (lowest point) of each of :data:`FALLING_OUTPUTS` in ``outputs``, per draw.

    ``outputs``: name → values of shape ``(draws, times)``; names it lacks are left out. Central = draw 0 (the cited values) and
    the time it comes (h after the first dose); the interval is over the draws' own largest falls.
    """
    out: dict[str, dict[str, float]] = {}
    for name in FALLING_OUTPUTS:
        if name not in outputs:
            continue
        values = np.asarray(outputs[name], dtype=np.float64)
        lowest = values.min(axis=1)
        out[name] = draw_summary(lowest, level) | {"time_h": float(time_h[int(values[0].argmin())])}
    return out


def draw_summary(values: FloatArray, level: float) -> dict[str, float]:
    """Central (draw 0) and ``level`` interval over the draws of one value per draw."""
    lo, hi = interval(values[:, None], level)
    return {"central": float(values[0]), "low": float(lo[0]), "high": float(hi[0])}
