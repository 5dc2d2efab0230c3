"""Static interaction predictions in the FDA style: basic R values and the mechanistic static AUC ratio.

Static models take one inhibitor concentration and assume the enzyme has reached its new steady
state. They are the regulatory screens (FDA 2020 in vitro guidance; Fahmi 2009 for the mechanistic
form) and the limit the dynamic model must reach for constant exposure, so both are reported beside
the dynamic prediction, each with the inputs and assumptions behind it.

* Reversible ``R1 = 1 + I/Ki``; the gut version uses ``Igut = molar dose / 250 mL`` (as in the
  Tanna 2023 DMD Table 5 screen); the liver version the unbound hepatic inlet concentration.
* Time-dependent ``R = 1 + kinact·I/(kdeg·(KI + I))`` with ``I`` the unbound systemic Cmax,ss
  (liver) or ``Igut = fu_gut·Fa·ka·Dose/Qent`` (gut wall).
* Mechanistic static ``AUCR = 1/([Ag·Cg](1 − Fg) + Fg) · 1/([Ah·Ch]·fm + (1 − fm))`` with
  ``A = kdeg/(kdeg + kinact·I/(KI + I))`` and ``C = 1/(1 + I/Ki)`` (no induction term: B = 1),
  extended by a competitive CYP2D6 term ``fm2D6/(1 + I/Ki,2D6)`` in the liver.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
Number = float | FloatArray


def reversible_r1(i_um: Number, ki_um: Number) -> Number:
    """Basic static ratio for reversible inhibition, ``1 + I/Ki``."""
    return 1.0 + np.asarray(i_um) / np.asarray(ki_um)


def tdi_r(i_um: Number, *, kinact_per_h: Number, ki_um: Number, kdeg_per_h: Number) -> Number:
    """Basic static ratio for time-dependent inhibition, ``1 + kinact·I/(kdeg·(KI + I))``."""
    i = np.asarray(i_um)
    return 1.0 + np.asarray(kinact_per_h) * i / (np.asarray(kdeg_per_h) * (np.asarray(ki_um) + i))


def enterocyte_um(dose_nmol: float, ka_per_h: float, v: Mapping[str, Number]) -> Number:
    """``Igut = fu_gut·Fa·ka·Dose/Qent`` in µM."""
    return (
        np.asarray(v["fu_gut_mg"])
        * np.asarray(v["fa_mg"])
        * ka_per_h
        * dose_nmol
        / (np.asarray(v["q_ent"]) * 1000.0)
    )


def hepatic_inlet_um(
    cmax_nm: float, dose_nmol: float, ka_per_h: float, v: Mapping[str, Number]
) -> Number:
    """``Ih = fu_p·(Cmax + Fa·Fg·ka·Dose/(Qh·Rb))`` in µM (FDA unbound hepatic inlet)."""
    portal = (
        np.asarray(v["fa_mg"])
        * np.asarray(v["fg_mg"])
        * ka_per_h
        * dose_nmol
        / (np.asarray(v["q_h"]) * np.asarray(v["rb_mg"]))
    )
    return np.asarray(v["fu_mg"]) * (cmax_nm + portal) / 1000.0


@dataclass(frozen=True)
class StaticPrediction:
    """A static result with the inputs it used and the assumptions it rests on."""

    values: dict[str, float]
    inputs: dict[str, float]
    assumptions: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "values": dict(self.values),
            "inputs": dict(self.inputs),
            "assumptions": list(self.assumptions),
        }


BASIC_ASSUMPTIONS = (
    "One constant inhibitor concentration; the enzyme is at its inhibited steady state.",
    "Reversible Ki taken as IC50/2 (Tanna 2023 DMD Table 5); all constants treated as unbound.",
    "R1,gut uses the whole dose dissolved in 250 mL; R1,hep the unbound hepatic inlet concentration.",
    "Screening cut-offs (FDA): R1,gut >= 11 or R >= 1.02 flag a possible interaction; "
    "R values are not AUC ratios.",
)


def basic_static(
    *, dose_nmol: float, cmax_nm: float, ka_per_h: float, v: Mapping[str, float]
) -> StaticPrediction:
    """FDA basic static R values of mitragynine for CYP3A (gut and liver) and CYP2D6 (liver).

    ``dose_nmol``: largest single mitragynine dose; ``cmax_nm``: highest plasma concentration over
    the regimen (Cmax,ss for repeated dosing).
    """
    i_gut_basic = dose_nmol / float(v["gut_volume_basic"]) / 1000.0
    i_gut = float(enterocyte_um(dose_nmol, ka_per_h, v))
    i_hep = float(hepatic_inlet_um(cmax_nm, dose_nmol, ka_per_h, v))
    i_sys = float(v["fu_mg"]) * cmax_nm / 1000.0
    values = {
        "r1_gut_cyp3a": float(reversible_r1(i_gut_basic, v["ki_rev_cyp3a"])),
        "r1_hep_cyp3a": float(reversible_r1(i_hep, v["ki_rev_cyp3a"])),
        "r1_hep_cyp2d6": float(reversible_r1(i_hep, v["ki_cyp2d6"])),
        "r_tdi_gut_cyp3a": float(
            tdi_r(
                i_gut,
                kinact_per_h=v["kinact_cyp3a_gut"],
                ki_um=v["ki_tdi_cyp3a_gut"],
                kdeg_per_h=v["kdeg_cyp3a_gut"],
            )
        ),
        "r_tdi_hep_cyp3a": float(
            tdi_r(
                i_sys,
                kinact_per_h=v["kinact_cyp3a_hep"],
                ki_um=v["ki_tdi_cyp3a_hep"],
                kdeg_per_h=v["kdeg_cyp3a_hep"],
            )
        ),
    }
    inputs = {
        "dose_nmol": dose_nmol,
        "igut_basic_um": i_gut_basic,
        "igut_enterocyte_um": i_gut,
        "ihep_inlet_unbound_um": i_hep,
        "imax_unbound_um": i_sys,
        "cmax_nm": cmax_nm,
        "ka_per_h": ka_per_h,
    }
    return StaticPrediction(values, inputs, BASIC_ASSUMPTIONS)


MECHANISTIC_ASSUMPTIONS = (
    "Mechanistic static model (FDA 2020; Fahmi 2009): inhibitor concentrations constant, enzymes at "
    "their inhibited steady state, no induction (B = 1).",
    "Gut-wall extraction of the victim is all by CYP3A; hepatic fm values are fractions of hepatic "
    "intrinsic clearance.",
    "Gut concentration Igut = fu_gut·Fa·ka·Dose/Qent; liver the unbound hepatic inlet at Cmax.",
)


def mechanistic_terms(
    i_gut_um: Number, i_hep_um: Number, v: Mapping[str, Number]
) -> dict[str, Number]:
    """The A (time-dependent) and C (reversible) terms of gut and liver, and the CYP2D6 term."""

    def a_term(i: Number, organ: str) -> Number:
        kin = (
            np.asarray(v[f"kinact_cyp3a_{organ}"])
            * i
            / (np.asarray(v[f"ki_tdi_cyp3a_{organ}"]) + i)
        )
        kdeg = np.asarray(v[f"kdeg_cyp3a_{organ}"])
        return kdeg / (kdeg + kin)

    return {
        "a_gut": a_term(i_gut_um, "gut"),
        "c_gut": 1.0 / (1.0 + np.asarray(i_gut_um) / np.asarray(v["ki_rev_cyp3a"])),
        "a_hep": a_term(i_hep_um, "hep"),
        "c_hep": 1.0 / (1.0 + np.asarray(i_hep_um) / np.asarray(v["ki_rev_cyp3a"])),
        "c_hep_cyp2d6": 1.0 / (1.0 + np.asarray(i_hep_um) / np.asarray(v["ki_cyp2d6"])),
    }


def mechanistic_static_aucr(
    *,
    fg: Number,
    fm_cyp3a: Number,
    fm_cyp2d6: Number,
    i_gut_um: Number,
    i_hep_um: Number,
    v: Mapping[str, Number],
) -> Number:
    """``1/([Ag·Cg](1 − Fg) + Fg) · 1/([Ah·Ch]·fm3A + fm2D6·C2D6 + (1 − fm3A − fm2D6))``."""
    t = mechanistic_terms(i_gut_um, i_hep_um, v)
    fg_a, fm3, fm2 = np.asarray(fg), np.asarray(fm_cyp3a), np.asarray(fm_cyp2d6)
    gut = 1.0 / (t["a_gut"] * t["c_gut"] * (1.0 - fg_a) + fg_a)
    hep = 1.0 / (t["a_hep"] * t["c_hep"] * fm3 + fm2 * t["c_hep_cyp2d6"] + (1.0 - fm3 - fm2))
    return gut * hep


def mechanistic_static(
    *,
    dose_nmol: float,
    cmax_nm: float,
    ka_per_h: float,
    fg: float,
    fm_cyp3a: float,
    fm_cyp2d6: float,
    v: Mapping[str, float],
) -> StaticPrediction:
    """Mechanistic static AUC ratio of one victim at the regimen's highest concentrations."""
    i_gut = float(enterocyte_um(dose_nmol, ka_per_h, v))
    i_hep = float(hepatic_inlet_um(cmax_nm, dose_nmol, ka_per_h, v))
    aucr = float(
        mechanistic_static_aucr(
            fg=fg, fm_cyp3a=fm_cyp3a, fm_cyp2d6=fm_cyp2d6, i_gut_um=i_gut, i_hep_um=i_hep, v=v
        )
    )
    terms = {k: float(x) for k, x in mechanistic_terms(i_gut, i_hep, v).items()}
    inputs = {
        "igut_enterocyte_um": i_gut,
        "ihep_inlet_unbound_um": i_hep,
        "fg": fg,
        "fm_cyp3a": fm_cyp3a,
        "fm_cyp2d6": fm_cyp2d6,
        **terms,
    }
    return StaticPrediction({"auc_ratio": aucr}, inputs, MECHANISTIC_ASSUMPTIONS)
