"""Kratom–drug pharmacokinetic interactions: one call for every co-used medication.

:func:`predict_interactions` runs the engine once for the kratom regimen, the enzyme model once for
all parameter draws, and then each victim drug through the dynamic model (central value and a 5–95 %
interval over the uncertain constants), the FDA basic and mechanistic static models, and a recovery
timeline after the last kratom dose. Drugs without the fractions a number needs get a qualitative
prediction that says why. :func:`kratom_as_victim` (re-exported) covers the other direction.

Nothing here suggests a dose: the ratios describe exposure for a clinician to weigh.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from kratomsim.errors import MedicationError, RegimenError, bad_value
from kratomsim.evidence import CitedValue
from kratomsim.evidence.medication_schema import Medication
from kratomsim.evidence.schema import Product
from kratomsim.models.dosing import Regimen
from kratomsim.risk.check import CheckResult, check
from kratomsim.risk.conditions import Condition
from kratomsim.risk.ddi_static import StaticPrediction, basic_static, mechanistic_static

if TYPE_CHECKING:
    # The kinetic model (engine, cited model values) loads only when a prediction runs, so a
    # rules-only check stays quick.
    from kratomsim.risk.ddi_dynamic import InhibitionCourse, MitragynineExposure
    from kratomsim.risk.ddi_victim_kinetics import VictimInputs

#: How long after the last kratom dose the recovery of enzyme activity is followed (h).
RECOVERY_HORIZON_H = 28 * 24.0
RECOVERY_STEP_H = 6.0
RECOVERY_THRESHOLDS = (1.25, 1.1)
#: Central 90 % of the parameter draws.
INTERVAL = (5.0, 95.0)
CORE_SOURCES = ("tanna2021", "dmd2023review", "fda2020invitro", "fahmi2009")
DYNAMIC_ASSUMPTIONS = (
    "Mitragynine is the only perpetrator modelled; 7-OH-mitragynine and the other alkaloids have "
    "no measured CYP constants in the sources read and are left out.",
    "In vitro KI, kinact and Ki are taken as unbound; central values use the regulatory defaults "
    "fu,gut = Fa = Fg = 1 (conservative end of their ranges), so the central ratio can lie above "
    "the 5-95 % interval over the uncertain constants.",
    "Mitragynine PK at the calibrated central parameters; the interval covers the interaction "
    "constants and the victim's inputs, not between-person PK variability.",
    "Victim: one-compartment oral drug, well-stirred liver, cleared only by the liver; gut-wall "
    "extraction only by CYP3A. Intestinal CYP2D6 and transporter effects are not modelled.",
    "PXR activation by kratom extracts in vitro (Manda 2017) could induce CYP3A with chronic use; "
    "not modelled (grade D).",
)


@dataclass(frozen=True)
class InteractionPrediction:
    """Predicted change in one co-used drug's exposure caused by kratom (grade D: in vitro + model)."""

    id: str
    name: str
    pathways: tuple[str, ...]
    quantitative: bool
    auc_ratio: float | None
    cmax_ratio: float | None
    auc_ratio_interval: tuple[float, float] | None
    cmax_ratio_interval: tuple[float, float] | None
    static_basic: dict[str, float] | None
    static_mechanistic_auc_ratio: float | None
    victim_dose_times_h: tuple[float, ...]
    #: Hours after the last kratom dose until a single victim dose's AUC ratio stays below each
    #: threshold ("1.25", "1.1"); 0.0 if it is never at or above it, ``None`` if it is still
    #: above it at the end of the followed horizon (26 days).
    recovery_h: dict[str, float | None]
    grade: str
    sources: tuple[str, ...]
    assumptions: tuple[str, ...]
    explanation: str
    flags: tuple[str, ...] = ()
    details: dict[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _bounded(reg: Regimen) -> Regimen:
    if reg.open_ended:
        raise RegimenError(
            bad_value(
                "An interaction timeline needs a regimen with an end",
                reg.text or "open-ended",
                "Add a duration, e.g. '2 g every 8 h for 14 days'.",
            )
        )
    return reg


def _flags(med: Medication, quantitative: tuple[str, ...], span_h: float) -> tuple[str, ...]:
    out: list[str] = []
    if med.cyp3a4_substrate and "cyp3a4" not in quantitative:
        out.append(
            "CYP3A4 substrate: mitragynine inhibits gut and liver CYP3A (time-dependent), so its "
            "exposure may rise; the entry has no fm/Fg, so no number is given."
        )
    if med.cyp2d6_substrate and "cyp2d6" not in quantitative:
        out.append(
            "CYP2D6 substrate: mitragynine inhibits CYP2D6 in vitro (Ki 1.17 µM); the entry has no "
            "fm, so no number is given."
        )
    if med.pgp_substrate:
        out.append(
            "P-gp substrate: mitragynine inhibits P-gp in vitro (IC50 18.2 µM; R1,gut 22, Tanna "
            "2023 DMD Table 5); possible intestinal interaction, not quantified (grade D)."
        )
    if med.cyp3a4_substrate and span_h >= 72.0:
        out.append(
            "Repeated use: kratom extracts activate PXR in vitro (Manda 2017), which could induce "
            "CYP3A and work against the inhibition; not modelled (grade D)."
        )
    return tuple(out)


def _qualitative(
    med: Medication, flags: tuple[str, ...], times: tuple[float, ...]
) -> InteractionPrediction:
    pathways = tuple(
        p
        for p, on in (
            ("cyp3a4", med.cyp3a4_substrate),
            ("cyp2d6", med.cyp2d6_substrate),
            ("p-gp", med.pgp_substrate),
        )
        if on
    )
    if pathways:
        why = "Pathway flagged, but the medication entry lacks the fractions a ratio needs."
    else:
        why = (
            "No CYP3A4, CYP2D6 or P-gp role is recorded for this drug, so no pharmacokinetic "
            "interaction is predicted; pharmacodynamic risks are assessed by the risk rules."
        )
    return InteractionPrediction(
        id=med.id,
        name=med.name,
        pathways=pathways,
        quantitative=False,
        auc_ratio=None,
        cmax_ratio=None,
        auc_ratio_interval=None,
        cmax_ratio_interval=None,
        static_basic=None,
        static_mechanistic_auc_ratio=None,
        victim_dose_times_h=times,
        recovery_h={str(t): None for t in RECOVERY_THRESHOLDS},
        grade="D" if pathways else med.grade,
        sources=tuple(dict.fromkeys(("tanna2021", "dmd2023review", *med.sources))),
        assumptions=(),
        explanation=why,
        flags=flags,
    )


def _recovery(
    course: InhibitionCourse, inputs: VictimInputs, last_h: float, scan_h: Sequence[float]
) -> dict[str, float | None]:
    from kratomsim.risk.ddi_dynamic import single_dose_auc_ratios

    ratios = single_dose_auc_ratios(course.draw(0), inputs.central, [last_h + s for s in scan_h])[0]
    out: dict[str, float | None] = {}
    for threshold in RECOVERY_THRESHOLDS:
        above = np.nonzero(ratios >= threshold)[0]
        if above.size == 0:
            out[str(threshold)] = 0.0
        elif above[-1] == len(scan_h) - 1:
            out[str(threshold)] = None
        else:
            i = int(above[-1])
            r0, r1, t0, t1 = ratios[i], ratios[i + 1], scan_h[i], scan_h[i + 1]
            out[str(threshold)] = float(t0 + (r0 - threshold) / (r0 - r1) * (t1 - t0))
    return out


def _quantitative(
    med: Medication,
    inputs: VictimInputs,
    course: InhibitionCourse,
    exposure: MitragynineExposure,
    basic: StaticPrediction,
    times: tuple[float, ...],
    scan_h: Sequence[float],
    flags: tuple[str, ...],
) -> InteractionPrediction:
    from kratomsim.risk.ddi_constants import ddi_values
    from kratomsim.risk.ddi_dynamic import victim_ratios

    aucr, cmaxr = victim_ratios(course, inputs.kinetics, times)
    central = {
        f: float(np.asarray(getattr(inputs.central, f))[0]) for f in ("fg", "fm_cyp3a", "fm_cyp2d6")
    }
    mech = mechanistic_static(
        dose_nmol=float(exposure.dose_nmol.max()),
        cmax_nm=exposure.cmax_nm,
        ka_per_h=exposure.ka_per_h,
        fg=central["fg"],
        fm_cyp3a=central["fm_cyp3a"],
        fm_cyp2d6=central["fm_cyp2d6"],
        v={k: float(v[0]) for k, v in ddi_values(1).items()},
    )
    lo, hi = np.percentile(aucr, INTERVAL)
    clo, chi = np.percentile(cmaxr, INTERVAL)
    last = float(exposure.dose_times_h[-1])
    victim_sources = tuple(c.source for c in inputs.used)
    return InteractionPrediction(
        id=med.id,
        name=med.name,
        pathways=inputs.pathways,
        quantitative=True,
        auc_ratio=float(aucr[0]),
        cmax_ratio=float(cmaxr[0]),
        auc_ratio_interval=(float(lo), float(hi)),
        cmax_ratio_interval=(float(clo), float(chi)),
        static_basic=basic.values,
        static_mechanistic_auc_ratio=mech.values["auc_ratio"],
        victim_dose_times_h=times,
        recovery_h=_recovery(course, inputs, last, scan_h),
        grade="D",
        sources=tuple(
            dict.fromkeys(
                (
                    *CORE_SOURCES,
                    *(c.source for c in constants_used()),
                    *victim_sources,
                    *med.sources,
                )
            )
        ),
        assumptions=(*DYNAMIC_ASSUMPTIONS, *inputs.assumptions),
        explanation=(
            f"Mechanistic dynamic model: {med.name} ({', '.join(inputs.pathways).upper()}) taken at "
            f"{', '.join(f'{t:g}' for t in times)} h after the first kratom dose; ratios compare "
            "its exposure with and without kratom."
        ),
        flags=flags,
        details={"static_basic": basic.to_dict(), "static_mechanistic": mech.to_dict()},
    )


def predict_interactions(
    regimen: Regimen,
    *,
    product: Product | None = None,
    mg_per_g: float | None = None,
    oh7_mg_per_g: float | None = None,
    victims: Sequence[Medication],
    victim_dose_times_h: Sequence[float] | None = None,
    n_draws: int = 200,
    seed: int = 0,
) -> list[InteractionPrediction]:
    """Predict how a kratom regimen changes the exposure of each victim drug.

    Main arguments
    --------------
    regimen
        The kratom regimen (e.g. parsed from ``"2 g three times daily for 7 days"``); it must end.
    product
        The kratom product (default leaf powder); ``mg_per_g``, ``oh7_mg_per_g`` its label content.
    victims
        Medication entries (``kratomsim.evidence.medication_schema.Medication``).

    Other arguments
    ---------------
    victim_dose_times_h
        When the other drug is taken (h after the first kratom dose); several times mean repeated
        dosing of it. Default: together with the last kratom dose, when the loss of CYP3A from
        repeated doses is largest and the gut wall is freshly exposed.
    n_draws, seed
        Draws of the uncertain constants for the 5–95 % interval (draw 0 is the central value).
    """
    if not victims:
        raise MedicationError(bad_value("No medication given", "[]", "Name at least one drug."))
    reg = _bounded(regimen)
    dose_times = reg.expand(None).times_h
    last = float(dose_times[-1])
    times = tuple(float(t) for t in (victim_dose_times_h or (last,)))
    if any(not np.isfinite(t) or t < 0 for t in times):
        raise MedicationError(
            bad_value(
                "victim_dose_times_h must be hours >= 0",
                times,
                "Give the times the other drug is taken, e.g. 8 (h after the first kratom dose).",
            )
        )
    scan_h = list(np.arange(0.0, RECOVERY_HORIZON_H - 48.0 + 1e-9, RECOVERY_STEP_H))
    end = max(last + RECOVERY_HORIZON_H, max(times) + 72.0)
    from kratomsim.evidence.params import cited_inputs
    from kratomsim.risk.ddi_constants import ddi_values
    from kratomsim.risk.ddi_dynamic import inhibition_course, simulate_exposure, time_grid
    from kratomsim.risk.ddi_victim_kinetics import victim_inputs

    grid = time_grid(
        end,
        events_h=[*dose_times, *times, *(last + s for s in scan_h)],
        fine_windows=[(0.0, last + 24.0), *((t, t + 24.0) for t in times)],
    )
    inputs = cited_inputs(product, mg_per_g=mg_per_g, oh7_mg_per_g=oh7_mg_per_g)
    values = ddi_values(n_draws, seed=seed)
    exposure = simulate_exposure(reg, inputs, grid, values)
    course = inhibition_course(exposure, values)
    basic = basic_static(
        dose_nmol=float(exposure.dose_nmol.max()),
        cmax_nm=exposure.cmax_nm,
        ka_per_h=exposure.ka_per_h,
        v={k: float(v[0]) for k, v in values.items()},
    )
    out: list[InteractionPrediction] = []
    for med in victims:
        victim = victim_inputs(med, n_draws, seed=seed) if _has_numbers(med) else None
        flags = _flags(med, victim.pathways if victim else (), last)
        if victim is None:
            out.append(_qualitative(med, flags, times))
        else:
            out.append(_quantitative(med, victim, course, exposure, basic, times, scan_h, flags))
    return out


def _has_numbers(med: Medication) -> bool:
    return (med.cyp3a4_substrate and med.fm_cyp3a4 is not None) or (
        med.cyp2d6_substrate and med.fm_cyp2d6 is not None
    )


def constants_used() -> tuple[CitedValue, ...]:
    """The cited perpetrator constants every quantitative prediction rests on."""
    from kratomsim.risk.ddi_constants import PERPETRATOR, cited

    return cited(PERPETRATOR)


#: Window over which open-ended use ("3 g three times daily") is evaluated for interactions (h):
#: about nine half-lives of hepatic CYP3A turnover, so inhibition has reached its plateau.
OPEN_ENDED_HORIZON_H = 14 * 24.0


def interactions_for_use(
    regimen: Regimen,
    *,
    product: Product | None = None,
    mg_per_g: float | None = None,
    oh7_mg_per_g: float | None = None,
    victims: Sequence[Medication],
    n_draws: int = 100,
    seed: int = 0,
) -> list[InteractionPrediction]:
    """:func:`predict_interactions` for a person's use; open-ended use runs for 14 days.

    The other drug is taken with the last kratom dose of the window (the default of
    :func:`predict_interactions`), i.e. at the plateau of inhibition.
    """
    reg = regimen.bounded(OPEN_ENDED_HORIZON_H) if regimen.open_ended else regimen
    return predict_interactions(
        reg,
        product=product,
        mg_per_g=mg_per_g,
        oh7_mg_per_g=oh7_mg_per_g,
        victims=victims,
        n_draws=n_draws,
        seed=seed,
    )


def ratio_map(
    predictions: Sequence[InteractionPrediction],
) -> dict[str, tuple[float | None, float | None]]:
    """Drug id → (AUC ratio, Cmax ratio), the form :func:`kratomsim.risk.check.check` quotes."""
    return {p.id: (p.auc_ratio, p.cmax_ratio) for p in predictions}


def check_use(
    medications: Sequence[Medication],
    conditions: Sequence[Condition],
    regimen: Regimen | None,
    *,
    product: Product | None = None,
    mg_per_g: float | None = None,
    oh7_mg_per_g: float | None = None,
    n_draws: int = 100,
    seed: int = 0,
) -> tuple[CheckResult, list[InteractionPrediction]]:
    """:func:`~kratomsim.risk.check.check` with the predicted PK ratios quoted in its findings.

    The one place the CLI, the web app and the report combine the rules with the DDI model.
    """
    predictions = (
        interactions_for_use(
            regimen,
            product=product,
            mg_per_g=mg_per_g,
            oh7_mg_per_g=oh7_mg_per_g,
            victims=medications,
            n_draws=n_draws,
            seed=seed,
        )
        if regimen is not None and medications
        else []
    )
    result = check(
        medications,
        conditions,
        regimen,
        product=product,
        mg_per_g=mg_per_g,
        oh7_mg_per_g=oh7_mg_per_g,
        pk_predictions=ratio_map(predictions),
    )
    return result, predictions
