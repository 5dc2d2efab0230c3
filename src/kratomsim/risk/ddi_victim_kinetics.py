"""Victim-drug inputs of the interaction model, drawn from the medication entry and ``ddi.toml``.

A medication entry gives the fractions (fm) and availabilities (Fg, Fh) as cited values; absorption
and half-life come from ``ddi.toml`` (cited per drug where found, else a labelled default). Each
value is drawn with the project's seeded streams, draw 0 being the central value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from kratomsim.evidence import CitedValue
from kratomsim.evidence.medication_schema import Medication
from kratomsim.population.uncertainty import sample_values
from kratomsim.risk.ddi_constants import ddi_evidence
from kratomsim.risk.ddi_dynamic import VictimKinetics


@dataclass(frozen=True)
class VictimInputs:
    """Sampled kinetics of one victim, the cited values behind them and the stated assumptions."""

    kinetics: VictimKinetics
    central: VictimKinetics
    used: tuple[CitedValue, ...]
    assumptions: tuple[str, ...]
    pathways: tuple[str, ...]


def quantitative_pathways(med: Medication) -> tuple[str, ...]:
    """Pathways with the fractions a number needs: ``cyp3a4`` (fm given), ``cyp2d6`` (fm given)."""
    out: list[str] = []
    if med.cyp3a4_substrate and med.fm_cyp3a4 is not None:
        out.append("cyp3a4")
    if med.cyp2d6_substrate and med.fm_cyp2d6 is not None:
        out.append("cyp2d6")
    return tuple(out)


def _renamed(med: Medication, field: str, value: CitedValue) -> CitedValue:
    return value.model_copy(update={"name": f"{med.id}.{field}"})


def _entry_or_default(
    med: Medication, field: Literal["fg", "fh"], assumptions: list[str], effect: str = ""
) -> CitedValue:
    """``med``'s own availability ``field``, or the labelled default (stated in ``assumptions``)."""
    own: CitedValue | None = getattr(med, field)
    if own is not None:
        return _renamed(med, field, own)
    default = ddi_evidence()[f"victim_{field}_default"]
    label = field.capitalize()
    assumptions.append(
        f"{med.name}: no {label} in its entry; ASSUMPTION {label} = {default.value:g}{effect}."
    )
    return default


def victim_inputs(med: Medication, n_draws: int, *, seed: int = 0) -> VictimInputs:
    """Kinetics of ``med`` over ``n_draws`` draws (draw 0 central); needs a quantitative pathway."""
    ev = ddi_evidence()
    pathways = quantitative_pathways(med)
    assumptions: list[str] = []
    cited: dict[str, CitedValue] = {}
    if "cyp3a4" in pathways and med.fm_cyp3a4 is not None:
        cited["fm_cyp3a"] = _renamed(med, "fm_cyp3a4", med.fm_cyp3a4)
        cited["fg"] = _entry_or_default(med, "fg", assumptions)
    if "cyp2d6" in pathways and med.fm_cyp2d6 is not None:
        cited["fm_cyp2d6"] = _renamed(med, "fm_cyp2d6", med.fm_cyp2d6)
    cited["fh"] = _entry_or_default(
        med, "fh", assumptions, " (changes the Cmax ratio, barely the AUC ratio)"
    )
    for field in ("ka", "t_half"):
        key = f"victim_{field}_{med.id.replace('-', '_')}"
        if key in ev:
            cited[field] = ev[key]
        else:
            cited[field] = ev[f"victim_{field}_default"]
            label = "absorption rate" if field == "ka" else "half-life"
            assumptions.append(
                f"{med.name}: no cited {label}; ASSUMPTION {cited[field].value:g} "
                f"{cited[field].unit} ({cited[field].low:g}-{cited[field].high:g})."
            )
    draws = sample_values(cited.values(), n_draws, seed=seed)
    by_field = {field: draws[c.name] for field, c in cited.items()}
    ones, zeros = np.ones(n_draws), np.zeros(n_draws)
    fm3 = by_field.get("fm_cyp3a", zeros)
    # A draw may not give the two pathways more than the whole hepatic clearance.
    fm2 = np.minimum(by_field.get("fm_cyp2d6", zeros), 1.0 - fm3)
    kinetics = VictimKinetics(
        fm_cyp3a=fm3,
        fm_cyp2d6=fm2,
        fg=by_field.get("fg", ones),
        fh=by_field["fh"],
        ka_per_h=by_field["ka"],
        t_half_h=by_field["t_half"],
    )
    central = VictimKinetics(
        *(np.asarray(getattr(kinetics, f))[:1] for f in VictimKinetics.__dataclass_fields__)
    )
    return VictimInputs(kinetics, central, tuple(cited.values()), tuple(assumptions), pathways)
