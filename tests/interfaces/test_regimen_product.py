"""A regimen that states mg of 7-OH ("one 15 mg 7-OH tablet") runs as product 7oh-tablet.

The text is read at the edge (:func:`kratomsim.interfaces.api.read_use`), which picks the product
the text implies; the engine then takes the values like any other run.
"""

from __future__ import annotations

import numpy as np
import pytest

from kratomsim.errors import ProductError
from kratomsim.interfaces.api import read_use, simulate


def test_15_mg_of_7oh_equals_375_mg_of_a_40_mg_per_g_concentrate() -> None:
    # 15 mg 7-OH = 0.375 g × 40 mg/g; the tablet's MG (100 mg per g of 7-OH × 0.015 g = 1.5 mg)
    # equals 0.375 g × 4 mg/g of the concentrate, so both runs dose the same alkaloids.
    tablet = simulate("one 15 mg 7-OH tablet twice daily for 3 days", duration="5 d")
    concentrate = simulate(
        "375 mg twice daily for 3 days",
        product="7oh-concentrate",
        mg_per_g=4.0,
        oh7_mg_per_g=40.0,
        duration="5 d",
    )
    assert tablet.product.id == "7oh-tablet"
    assert tablet.oh7_mg_per_g == 1000.0
    assert tablet.dose_amounts_g.tolist() == pytest.approx([0.015] * 6)
    np.testing.assert_allclose(tablet.conc_ng_ml, concentrate.conc_ng_ml, rtol=1e-9, atol=1e-12)


def test_the_tablets_product_may_be_named_but_not_contradicted() -> None:
    assert simulate("15 mg 7-OH once", product="7oh-tablet").product.id == "7oh-tablet"
    with pytest.raises(ProductError, match="contradicts the product"):
        simulate("15 mg 7-OH once", product="leaf-powder")
    with pytest.raises(ProductError, match="states the 7-OH in each dose"):
        simulate("15 mg 7-OH once", oh7_mg_per_g=40.0)


def test_read_use_takes_the_product_from_the_text_and_names_what_contradicts_it() -> None:
    use = read_use("one 15 mg 7-OH tablet twice daily for 3 days")
    assert use.product.id == "7oh-tablet" and use.regimen.product == "7oh-tablet"
    assert read_use("2 g once").product.id == "leaf-powder"  # no product implied: the default
    with pytest.raises(ProductError, match=r"mg_per_g=4\.0"):
        read_use("15 mg 7-OH once", mg_per_g=4.0)
