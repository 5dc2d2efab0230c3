"""The pain-response layer of the SBML export: effect sites, receptors, tolerance and withdrawal.

Added to the PK document by :func:`kratomsim.interop.sbml.to_sbml` with ``full=True``. The rules
restate, as SBML maths, what the numpy kernels compute:

* effect sites (:func:`~kratomsim.models.receptors.effect_site`): rate rules
  ``dCe/dt = ke0·(Cp − Ce)`` on the total plasma concentration; the free effect-site concentration
  is ``fu·Ce`` (:func:`~kratomsim.models.receptors.free_effect_site`);
* receptors (:func:`~kratomsim.models.receptors.receptor_state`): assignment rules for MOR, KOR and
  DOR occupancy, MOR activation by the operational model with in-vivo efficacies
  ``τ·mor_reserve_factor`` (as the engine's full-model kernel applies them), the α2A term and, only
  when asked, the endocannabinoid HYPOTHESIS term; the analgesic drive is clipped to [0, 0.999]
  before it drives adaptation, as in the engine;
* adaptation (:func:`~kratomsim.models.adaptation.integrate_adaptation`): rate rules for tolerance
  ``dT/dt = k_on·E·(T_max − T) − k_off·T`` and counter-adaptation ``dH/dt = k_h·(E·(1 − T) − H)``,
  and assignment rules for the withdrawal drive and the 0–64 score.

The engine's fused kernel (``kratomsim.engine.subjects.simulate_subjects``) solves the same ODEs
(exact linear part, RK4 adaptation) and agrees with libRoadRunner running this document to about
1e-10 on its default grid; the grid-discretised numpy functions (effect site exact for
piecewise-linear plasma, adaptation with ``E`` held at the step midpoint) agree to second order in
the grid step. ``tests/models/test_sbml_full.py`` measures both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import libsbml
import numpy as np

from kratomsim.errors import ModelSpecError, bad_value
from kratomsim.interop.sbml_build import add_parameter, check, output_id, parse_math
from kratomsim.models.adaptation import PARAMETER_NAMES, SOWS_MAX, AdaptationParams
from kratomsim.models.receptors import RECEPTOR_PARAMETERS, receptor_params_from_values

#: Adaptation parameters by their ``adaptation.toml`` names (the SBML ids).
ADAPTATION_PARAMETERS: Final = tuple(PARAMETER_NAMES.values())
#: Parameters the pain-response layer reads, besides the PK ones.
PD_PARAMETERS: Final = (*RECEPTOR_PARAMETERS, *ADAPTATION_PARAMETERS, "mor_reserve_factor")
#: Largest analgesic drive passed to adaptation (the engine clips to the same value).
DRIVE_CEILING: Final = 0.999

#: State variables (rate rules, all starting at 0): SBML id → derivative in SBML L3 infix.
RATE_RULES: Final = {
    "ce_mg_nM": "ke0_mg * ({cp_mg} - ce_mg_nM)",
    "ce_7oh_nM": "ke0_7oh * ({cp_7oh} - ce_7oh_nM)",
    "tolerance": "tol_k_on * analgesic_drive * (tol_max - tolerance) - tol_k_off * tolerance",
    "counter_adaptation": "dep_k_h * (effective_activation - counter_adaptation)",
}
#: Derived time courses (assignment rules, in evaluation order): SBML id → L3 infix.
ASSIGNMENT_RULES: Final = {
    "free_mg_nM": "fu_mg * ce_mg_nM",
    "free_7oh_nM": "fu_7oh * ce_7oh_nM",
    "x_mor_mg": "free_mg_nM / ki_mor_mg",
    "x_mor_7oh": "free_7oh_nM / ki_mor_7oh",
    "mu_stimulus": "mor_reserve_factor * (tau_mor_mg * x_mor_mg + tau_mor_7oh * x_mor_7oh)",
    "mu_occupancy": "(x_mor_mg + x_mor_7oh) / (1 + x_mor_mg + x_mor_7oh)",
    "mu_activation": "mu_stimulus / (1 + x_mor_mg + x_mor_7oh + mu_stimulus)",
    "kappa_occupancy": "(free_mg_nM / ki_kor_mg + free_7oh_nM / ki_kor_7oh)"
    " / (1 + free_mg_nM / ki_kor_mg + free_7oh_nM / ki_kor_7oh)",
    "delta_occupancy": "(free_mg_nM / ki_dor_mg + free_7oh_nM / ki_dor_7oh)"
    " / (1 + free_mg_nM / ki_dor_mg + free_7oh_nM / ki_dor_7oh)",
    "alpha2_activation": "(free_mg_nM / ki_a2a_mg) / (1 + free_mg_nM / ki_a2a_mg)",
    "ecs_activation": "{ecs}",
    "analgesic_drive_raw": "mu_activation + w_alpha2 * alpha2_activation + {ecs_term}",
    "analgesic_drive": f"piecewise(0, analgesic_drive_raw < 0, {DRIVE_CEILING!r}, "
    f"analgesic_drive_raw > {DRIVE_CEILING!r}, analgesic_drive_raw)",
    "effective_activation": "analgesic_drive * (1 - tolerance)",
    "withdrawal_drive": "piecewise(counter_adaptation - effective_activation - wd_threshold, "
    "counter_adaptation - effective_activation - wd_threshold > 0, 0)",
    "withdrawal_score": f"{SOWS_MAX!r} * (wd_gain * withdrawal_drive) ^ wd_steepness"
    " / (1 + (wd_gain * withdrawal_drive) ^ wd_steepness)",
}
#: Endocannabinoid HYPOTHESIS term (operational model of 7-OH at a hypothetical CB1 site).
_ECS = (
    "(tau_cb1_7oh_hyp * free_7oh_nM / ki_cb1_7oh_hyp)"
    " / (1 + (1 + tau_cb1_7oh_hyp) * free_7oh_nM / ki_cb1_7oh_hyp)"
)
#: Time courses of the full model a simulator should select (besides the plasma concentrations).
FULL_OUTPUTS: Final = (
    "ce_mg_nM",
    "ce_7oh_nM",
    "mu_occupancy",
    "mu_activation",
    "analgesic_drive",
    "tolerance",
    "effective_activation",
    "counter_adaptation",
    "withdrawal_score",
)


def pd_values(params: Mapping[str, float]) -> dict[str, float]:
    """The pain-response parameters of ``params`` as floats, checked like the numpy kernels do."""
    missing = [p for p in PD_PARAMETERS if p not in params]
    if missing:
        raise ModelSpecError(
            bad_value(
                "The full SBML model needs the pain-response parameters",
                ", ".join(missing),
                "Pass the receptor, adaptation and mor_reserve_factor values too "
                "(e.g. kratomsim.evidence.model_parameters.central_values).",
            )
        )
    values: dict[str, float] = {}
    for name in PD_PARAMETERS:
        arr = np.asarray(params[name], dtype=np.float64)
        if arr.size != 1:
            raise ModelSpecError(
                bad_value(f"{name} must be one value (one subject)", arr.shape, "Pass a float.")
            )
        values[name] = float(arr.reshape(()))
    if not values["mor_reserve_factor"] > 0 or not np.isfinite(values["mor_reserve_factor"]):
        raise ModelSpecError(
            bad_value(
                "mor_reserve_factor must be > 0", values["mor_reserve_factor"], "Pass e.g. 10."
            )
        )
    # The kernels' own validation rejects impossible values with their messages.
    receptor_params_from_values(values)
    AdaptationParams.from_mapping(values)
    return values


def add_pain_response(
    model: libsbml.Model, params: Mapping[str, float], *, ecs_hypothesis: bool = False
) -> None:
    """Add parameters, rate rules and assignment rules of the pain-response layer to ``model``."""
    values = pd_values(params)
    for name in PD_PARAMETERS:
        add_parameter(model, name, values[name], constant=True)
    fill = {
        "cp_mg": output_id("mitragynine"),
        "cp_7oh": output_id("7-hydroxymitragynine"),
        "ecs": _ECS if ecs_hypothesis else "0",
        "ecs_term": "w_ecs_hyp * ecs_activation" if ecs_hypothesis else "0",
    }
    for sid in RATE_RULES:
        add_parameter(model, sid, 0.0, constant=False)
    for sid in ASSIGNMENT_RULES:
        add_parameter(model, sid, None, constant=False)
    for sid, formula in RATE_RULES.items():
        rule = model.createRateRule()
        check(rule.setVariable(sid), f"rate rule {sid}")
        check(rule.setMath(parse_math(model, formula.format(**fill))), f"rate rule {sid}")
    for sid, formula in ASSIGNMENT_RULES.items():
        rule = model.createAssignmentRule()
        check(rule.setVariable(sid), f"rule {sid}")
        check(rule.setMath(parse_math(model, formula.format(**fill))), f"rule {sid}")
