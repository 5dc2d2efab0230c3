"""The default observation grid: coarse enough for 200 draws of a month, fine enough for peaks."""

from __future__ import annotations

import numpy as np
import pytest

from kratomsim.engine.grid import default_times
from kratomsim.engine.simulate import simulate
from kratomsim.evidence import cited_inputs, resolve_product
from kratomsim.models.dosing import DoseRecord, Regimen

# a month of doses every 8 h (addl counts the repeats after the first)
MONTH_Q8H = {
    "tea": Regimen((DoseRecord(0.0, 3.0, ii_h=8.0, addl=83),)),
    "leaf-powder": Regimen((DoseRecord(0.0, 3.0, ii_h=8.0, addl=83),)),
    "7oh-tablet": Regimen((DoseRecord(0.0, 0.01, ii_h=8.0, addl=83),)),
}


def test_the_step_widens_with_the_window() -> None:
    one = Regimen((DoseRecord(0.0, 2.0),))
    steps = [np.diff(default_times(one, d, 50.0)[:2])[0] for d in (120.0, 1000.0, 3000.0, 9000.0)]
    assert steps == pytest.approx([0.05, 0.25, 0.5, 1.0])


@pytest.mark.parametrize("product", sorted(MONTH_Q8H))
def test_peaks_on_the_month_grid_are_within_one_percent_of_a_fine_grid(product: str) -> None:
    inputs = cited_inputs(resolve_product(product))
    regimen = MONTH_Q8H[product]
    coarse = simulate(regimen, inputs, duration_h=1000.0)
    assert np.diff(coarse.time_h[:2])[0] == pytest.approx(0.25)
    fine = simulate(regimen, inputs, times_h=np.linspace(0.0, 1000.0, 100_001))
    for analyte in ("mitragynine", "7-hydroxymitragynine"):
        got = coarse.summary()[analyte].cmax_ng_ml
        ref = fine.summary()[analyte].cmax_ng_ml
        # sampling can only miss the top of a peak, never exceed it
        assert ref * 0.99 <= got <= ref * (1 + 1e-9)
