"""Kratom as the victim: how the user's CYP3A inhibitors and inducers change mitragynine exposure.

CYP3A4 is the main enzyme clearing mitragynine and the one that forms 7-hydroxymitragynine (Kamble
2019, pk.md §2.4). No in vivo study of kratom with a CYP3A inhibitor or inducer exists in humans, so
the size is translated from the perpetrator's FDA strength category:

1. A category is defined by the AUC ratio ``R`` of a sensitive index substrate (inhibitors: weak
   1.25–2, moderate 2–5, strong ≥ 5; inducers: weak 0.5–0.8, moderate 0.2–0.5, strong ≤ 0.2).
2. With the index substrate's ``fm``, the remaining CYP3A activity is
   ``a = (1/R − (1 − fm_idx))/fm_idx`` (≥ 0; above 1 for inducers).
3. Mitragynine then changes by ``AUCR_MG = 1/(fm_MG·a + 1 − fm_MG)``; 7-OH formed by CYP3A changes
   by ``a·AUCR_MG`` (formation clearance × parent exposure), down with inhibitors and up with
   inducers, provided 7-OH's own clearance is unchanged (not known).

The ranges come from the category bounds and the labelled range of mitragynine's ``fm`` (no human
value was found). P-gp and PXR effects are flagged only, grade D.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from kratomsim.evidence.medication_schema import Medication, Strength
from kratomsim.risk.ddi_constants import ddi_evidence

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


def remaining_activity(index_aucr: float, fm_index: float) -> float:
    """CYP3A activity left (fraction of baseline) when a sensitive substrate's AUC changes by R."""
    return max((1.0 / index_aucr - (1.0 - fm_index)) / fm_index, 0.0)


def mg_auc_ratio(activity: float, fm_mg: float) -> float:
    return 1.0 / (fm_mg * activity + 1.0 - fm_mg)


def _category(med: Medication) -> tuple[str, Strength] | None:
    if med.cyp3a4_inhibitor != "none":
        return "inhibitor", med.cyp3a4_inhibitor
    if med.cyp3a4_inducer != "none":
        return "inducer", med.cyp3a4_inducer
    return None


def _effect(med: Medication, kind: str, strength: Strength) -> VictimEffect:
    ev = ddi_evidence()
    index = ev[f"index_aucr_{strength}_{kind}"]
    fm_idx, fm_mg = ev["fm_cyp3a_index"], ev["fm_cyp3a_mg"]

    def ratios(r: float, fi: float, fm: float) -> tuple[float, float]:
        a = remaining_activity(r, fi)
        mg = mg_auc_ratio(a, fm)
        return mg, a * mg

    corners = [
        ratios(r, fi, fm)
        for r, fi, fm in itertools.product(
            (index.low, index.high), (fm_idx.low, fm_idx.high), (fm_mg.low, fm_mg.high)
        )
    ]
    mg, oh = ratios(index.value, fm_idx.value, fm_mg.value)
    mg_lo, mg_hi = min(c[0] for c in corners), max(c[0] for c in corners)
    oh_lo, oh_hi = min(c[1] for c in corners), max(c[1] for c in corners)
    if kind == "inhibitor":
        direction = "mitragynine exposure up; 7-OH-mitragynine formation down"
    else:
        direction = "mitragynine exposure down; 7-OH-mitragynine formation up"
    notes = [
        f"Translated from the FDA {strength} CYP3A {kind} category (index-substrate AUC ratio "
        f"{index.low:g}-{index.high:g}); mitragynine fm,CYP3A {fm_mg.value:g} "
        f"({fm_mg.low:g}-{fm_mg.high:g}) is a labelled assumption.",
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
        mg_auc_ratio=mg,
        mg_auc_ratio_range=(mg_lo, mg_hi),
        oh7_formation_ratio=oh,
        oh7_formation_ratio_range=(oh_lo, oh_hi),
        direction=direction,
        grade="D",
        sources=tuple(dict.fromkeys((*SOURCES, *med.sources))),
        notes=tuple(notes),
    )


def kratom_as_victim(medications: Sequence[Medication]) -> list[VictimEffect]:
    """Effects of the user's CYP3A inhibitors/inducers (and P-gp inhibitors) on kratom exposure.

    Medications without such a role are left out. Ratios are central values with ranges over the
    category bounds and the uncertain fractions; they describe exposure, never a dose to take.
    """
    effects: list[VictimEffect] = []
    for med in medications:
        category = _category(med)
        if category is not None:
            effects.append(_effect(med, *category))
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
