"""Kratom as the victim: how the user's CYP3A inhibitors and inducers change mitragynine exposure.

CYP3A4 is the main enzyme clearing mitragynine and the one that forms 7-hydroxymitragynine (Kamble
2019). No in vivo study of kratom with a CYP3A inhibitor or inducer exists in humans, so the size
is translated from the perpetrator's FDA strength category into the CYP3A activity it leaves
(:mod:`kratomsim.evidence.cyp_categories`), and the MODEL does the rest: that activity is the
model input ``cyp3a_activity`` of gut wall and liver, on top of mitragynine's own time-dependent
inactivation of CYP3A, and the engine simulates the user's regimen with and without it. The same
input drives a virtual trial's ``cyp3a4=`` covariate, so both give the same ratio. Ranges come from
the category's bounds and the labelled range of mitragynine's fm,CYP3A.

7-OH's own clearance is assumed unchanged (its enzymes are not known). P-gp and PXR effects are
flagged only, grade D.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from kratomsim.engine.subjects import PK_OUTPUTS, dosing_for, simulate_subjects
from kratomsim.engine.summary import auc_to_infinity
from kratomsim.evidence.cyp_categories import category_activity
from kratomsim.evidence.medication_schema import Medication, Strength
from kratomsim.evidence.model_parameters import cited
from kratomsim.evidence.params import ModelInputs, cited_inputs
from kratomsim.models.dosing import DoseRecord, Regimen

SOURCES = ("kamble2019", "fda2020clinical", "hill2022")
HILL_NOTE = (
    "In mice, CYP3A inhibition (ketoconazole) reduced mitragynine's antinociception and "
    "respiratory depression but not those of 7-OH-mitragynine (Hill 2022, grade D): less 7-OH "
    "formation may mean less opioid effect despite more mitragynine."
)
PGP_NOTE = (
    "P-gp inhibitor: mitragynine showed no significant P-gp efflux in Caco-2/MDR-MDCK cells "
    "(Manda 2014, abstract); an effect on mitragynine absorption is not expected but unproven "
    "(grade D, not quantified)."
)
PXR_NOTE = (
    "Kratom extracts activate PXR in vitro (Manda 2017, grade D): with chronic use kratom may "
    "itself induce CYP3A, which would lower these ratios; not quantified."
)


@dataclass(frozen=True)
class VictimEffect:
    """Predicted change in kratom exposure caused by one co-used medication."""

    id: str
    name: str
    role: str
    mg_auc_ratio: float | None
    mg_auc_ratio_range: tuple[float, float] | None
    oh7_formation_ratio: float | None
    oh7_formation_ratio_range: tuple[float, float] | None
    direction: str
    grade: str
    sources: tuple[str, ...]
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


#: The regimen used when none is given: one 2 g dose of the product.
REFERENCE_REGIMEN = Regimen((DoseRecord(0.0, 2.0),))


def auc_ratios(
    regimen: Regimen, inputs: ModelInputs, activities: Sequence[float], fm_values: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    """Mitragynine and 7-OH AUC(0–∞) ratios (with / without) for each (activity, fm) pair.

    One engine call: every pair and its reference (activity 1) are subjects of it.
    """
    n = len(activities)
    values = {k: np.full(2 * n, float(v)) for k, v in inputs.values.items()}
    values["cyp3a_activity"] = np.concatenate([np.asarray(activities, float), np.ones(n)])
    fm = np.asarray(fm_values, float)
    values["fm_cyp3a_mg"] = np.concatenate([fm, fm])
    dosing = dosing_for(regimen, inputs)
    run = simulate_subjects(values, dosing, outputs=PK_OUTPUTS)
    t = dosing.time_h
    auc = np.array(
        [
            [auc_to_infinity(t, run.get(name)[i]) for i in range(2 * n)]
            for name in ("mitragynine_nm", "oh7_nm")
        ]
    )
    return auc[0, :n] / auc[0, n:], auc[1, :n] / auc[1, n:]


def _category(med: Medication) -> tuple[str, Strength] | None:
    if med.cyp3a4_inhibitor != "none":
        return "inhibitor", med.cyp3a4_inhibitor
    if med.cyp3a4_inducer != "none":
        return "inducer", med.cyp3a4_inducer
    return None


def _effect(
    med: Medication, kind: str, strength: Strength, regimen: Regimen, inputs: ModelInputs
) -> VictimEffect:
    cat = category_activity(f"{strength}-{kind}")
    (fm,) = cited(inputs.product.absorption, ("fm_cyp3a_mg",))
    corners = [(cat.low, fm.low), (cat.low, fm.high), (cat.high, fm.low), (cat.high, fm.high)]
    pairs = [(cat.value, fm.value), *corners]
    mg, oh = auc_ratios(regimen, inputs, [a for a, _ in pairs], [f for _, f in pairs])
    if kind == "inhibitor":
        direction = "mitragynine exposure up; 7-OH-mitragynine exposure down"
    else:
        direction = "mitragynine exposure down; 7-OH-mitragynine exposure up"
    notes = [
        f"Translated from the FDA {strength} CYP3A {kind} category (remaining CYP3A activity "
        f"{cat.value:.2g}, range {cat.low:.2g}-{cat.high:.2g}) and simulated with the model's own "
        f"CYP3A states; mitragynine fm,CYP3A {fm.value:g} ({fm.low:g}-{fm.high:g}) is a labelled "
        "assumption.",
        "7-OH-mitragynine's own clearance is assumed unchanged (its enzymes are not known).",
        HILL_NOTE,
    ]
    if med.cyp3a4_inhibitor != "none" and med.cyp3a4_inducer != "none":
        notes.append(
            f"Also listed as a {med.cyp3a4_inducer} CYP3A inducer; the net effect is uncertain "
            "and shown here as inhibition."
        )
    if med.pgp_inhibitor:
        notes.append(PGP_NOTE)
    notes.append(PXR_NOTE)
    return VictimEffect(
        id=med.id,
        name=med.name,
        role=f"CYP3A4 {kind} ({strength})",
        mg_auc_ratio=float(mg[0]),
        mg_auc_ratio_range=(float(mg.min()), float(mg.max())),
        oh7_formation_ratio=float(oh[0]),
        oh7_formation_ratio_range=(float(oh.min()), float(oh.max())),
        direction=direction,
        grade="D",
        sources=tuple(dict.fromkeys((*SOURCES, *med.sources))),
        notes=tuple(notes),
    )


def kratom_as_victim(
    medications: Sequence[Medication],
    regimen: Regimen | None = None,
    inputs: ModelInputs | None = None,
) -> list[VictimEffect]:
    """Effects of the user's CYP3A inhibitors/inducers (and P-gp inhibitors) on kratom exposure.

    ``regimen`` and ``inputs`` (product, content) default to one 2 g dose of leaf powder; an
    open-ended regimen must be bounded by the caller. Medications without such a role are left out.
    Ratios are central values with ranges over the category bounds and the uncertain fractions;
    they describe exposure, never a dose to take.
    """
    regimen = regimen if regimen is not None else REFERENCE_REGIMEN
    inputs = inputs if inputs is not None else cited_inputs()
    effects: list[VictimEffect] = []
    for med in medications:
        category = _category(med)
        if category is not None:
            effects.append(_effect(med, *category, regimen, inputs))
        elif med.pgp_inhibitor:
            effects.append(
                VictimEffect(
                    id=med.id,
                    name=med.name,
                    role="P-gp inhibitor",
                    mg_auc_ratio=None,
                    mg_auc_ratio_range=None,
                    oh7_formation_ratio=None,
                    oh7_formation_ratio_range=None,
                    direction="uncertain (not quantified)",
                    grade="D",
                    sources=tuple(dict.fromkeys(("manda2014", *med.sources))),
                    notes=(PGP_NOTE,),
                )
            )
    return effects
