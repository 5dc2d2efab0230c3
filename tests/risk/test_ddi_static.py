"""FDA-style static predictions: published R values, limiting forms and the stated assumptions."""

from __future__ import annotations

import numpy as np
import pytest

from kratomsim.evidence import resolve_product
from kratomsim.evidence.params import model_inputs
from kratomsim.models.regimen_text import parse_regimen
from kratomsim.risk.ddi_constants import ddi_values
from kratomsim.risk.ddi_dynamic import simulate_exposure, time_grid
from kratomsim.risk.ddi_static import (
    basic_static,
    mechanistic_static,
    mechanistic_static_aucr,
    reversible_r1,
    tdi_r,
)

#: Tanna 2023 DMD Table 5 (safety.md §1): Ki = IC50/2 (µM) and the published basic R values,
#: with Igut ~400 µM (dose/250 mL) and unbound hepatic inlet Ihep,u ~0.19 µM (pk.md §2.6).
TABLE5_HEP = {
    "2C8": (16.8, 1.01),
    "2C9": (19.9, 1.01),
    "2C19": (5.25, 1.04),
    "2D6": (0.34, 1.57),
    "3A": (5.7, 1.03),
}
IGUT_TABLE5_UM, IHEP_TABLE5_UM = 400.0, 0.19
MG_DOSE_2G_TEA_NMOL = 39.0e6 / 398.5  # 39 mg mitragynine in 2 g tea (safety.md §1b)


def central() -> dict[str, float]:
    return {k: float(v[0]) for k, v in ddi_values(1).items()}


def test_r1_gut_for_cyp3a_reproduces_table5() -> None:
    # Stated tolerance: 1 % with the table's own Igut; 3 % with Igut from the 39 mg dose (392 µM).
    assert reversible_r1(IGUT_TABLE5_UM, 5.7) == pytest.approx(71.0, rel=0.01)
    assert reversible_r1(MG_DOSE_2G_TEA_NMOL / 0.25 / 1000.0, 5.7) == pytest.approx(71.0, rel=0.03)


@pytest.mark.parametrize("enzyme", sorted(TABLE5_HEP))
def test_r1_hep_reproduces_table5(enzyme: str) -> None:
    ki, published = TABLE5_HEP[enzyme]
    # Published to two decimals and Ihep,u given as '~0.19': ±0.015 absolute.
    assert float(reversible_r1(IHEP_TABLE5_UM, ki)) == pytest.approx(published, abs=0.015)


def test_basic_static_from_the_project_pipeline_matches_table5_gut_value() -> None:
    grid = time_grid(200.0, events_h=[0.0], fine_windows=[(0.0, 24.0)])
    tea = model_inputs(resolve_product("tea"), mg_per_g=19.5)
    exposure = simulate_exposure(parse_regimen("2 g once"), tea, grid)
    assert float(exposure.dose_nmol.max()) == pytest.approx(MG_DOSE_2G_TEA_NMOL, rel=1e-9)
    res = basic_static(
        dose_nmol=float(exposure.dose_nmol.max()),
        cmax_nm=exposure.cmax_nm,
        ka_per_h=exposure.ka_per_h,
        v=central(),
    )
    assert res.values["r1_gut_cyp3a"] == pytest.approx(71.0, rel=0.03)
    # Flags of the FDA screen: gut CYP3A (>= 11) and liver CYP2D6 (>= 1.02) both flagged.
    assert res.values["r1_gut_cyp3a"] >= 11 and res.values["r1_hep_cyp2d6"] >= 1.02
    assert res.values["r_tdi_hep_cyp3a"] > 1.02
    assert res.assumptions and "igut_basic_um" in res.inputs
    assert res.inputs["cmax_nm"] == pytest.approx(exposure.cmax_nm)


def test_tdi_r_equals_kobs_plus_kdeg_over_kdeg_and_saturates() -> None:
    kinact, ki, kdeg = 4.08, 4.1, 0.019
    for i in (0.01, 0.5, 10.0):
        kobs = kinact * i / (ki + i)
        assert tdi_r(i, kinact_per_h=kinact, ki_um=ki, kdeg_per_h=kdeg) == pytest.approx(
            (kobs + kdeg) / kdeg
        )
    r = tdi_r(np.array([0.0, 1e-3, 1.0, 1e6]), kinact_per_h=kinact, ki_um=ki, kdeg_per_h=kdeg)
    assert r[0] == 1.0 and np.all(np.diff(r) > 0)
    assert r[-1] == pytest.approx(1 + kinact / kdeg, rel=1e-4)


def test_cyp2d6_competitive_static_form() -> None:
    v = central()
    for i_hep, fm in ((0.1, 0.93), (2.0, 0.5), (0.0, 0.9)):
        aucr = mechanistic_static_aucr(
            fg=1.0, fm_cyp3a=0.0, fm_cyp2d6=fm, i_gut_um=50.0, i_hep_um=i_hep, v=v
        )
        assert aucr == pytest.approx(1.0 / (fm / (1.0 + i_hep / v["ki_cyp2d6"]) + 1.0 - fm))


def test_mechanistic_static_limits() -> None:
    v = central()
    none = mechanistic_static_aucr(
        fg=0.5, fm_cyp3a=0.93, fm_cyp2d6=0.0, i_gut_um=0.0, i_hep_um=0.0, v=v
    )
    assert none == pytest.approx(1.0)
    # Gut enzyme fully gone, liver untouched: the ratio tends to 1/Fg.
    gut_only = mechanistic_static_aucr(
        fg=0.5, fm_cyp3a=0.93, fm_cyp2d6=0.0, i_gut_um=1e7, i_hep_um=0.0, v=v
    )
    assert gut_only == pytest.approx(2.0, rel=1e-3)
    # Liver CYP3A fully gone as well: 1/Fg × 1/(1 − fm).
    both = mechanistic_static_aucr(
        fg=0.5, fm_cyp3a=0.9, fm_cyp2d6=0.0, i_gut_um=1e7, i_hep_um=1e7, v=v
    )
    assert both == pytest.approx(2.0 / 0.1, rel=1e-2)


def test_mechanistic_static_reports_its_inputs_and_assumptions() -> None:
    res = mechanistic_static(
        dose_nmol=MG_DOSE_2G_TEA_NMOL,
        cmax_nm=80.0,
        ka_per_h=2.5,
        fg=0.56,
        fm_cyp3a=0.93,
        fm_cyp2d6=0.0,
        v=central(),
    )
    assert res.values["auc_ratio"] > 1.0
    assert 0.0 < res.inputs["a_gut"] < res.inputs["a_hep"] < 1.0
    assert any("steady state" in a for a in res.assumptions)
    assert set(res.to_dict()) == {"values", "inputs", "assumptions"}
