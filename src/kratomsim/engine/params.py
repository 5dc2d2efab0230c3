"""Turn cited evidence (a parameter set and a product) into the plain numbers the PK model needs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kratomsim.errors import ProductError, bad_value
from kratomsim.evidence import CitedValue, ParameterSet, Product
from kratomsim.models.pk import PARAMETERS

#: Largest alkaloid content accepted (mg per g of product): a pure substance is 1000 mg/g.
MAX_CONTENT_MG_PER_G = 1000.0


@dataclass(frozen=True)
class ModelInputs:
    """Model parameters (plain floats), product content, and every cited value they came from."""

    params: dict[str, float]
    mg_per_g: float
    oh7_mg_per_g: float
    used: tuple[CitedValue, ...]


def _content(product: Product, field: str, override: float | None, flag: str) -> CitedValue:
    cited: CitedValue = getattr(product, field)
    if override is None:
        return cited
    if not (0.0 <= override <= MAX_CONTENT_MG_PER_G):
        raise ProductError(
            bad_value(
                f"{flag} must be between 0 and {MAX_CONTENT_MG_PER_G:g} mg/g",
                override,
                "Take the value from the label or assay in mg per g.",
            )
        )
    return CitedValue(
        name=cited.name,
        value=override,
        unit="mg/g",
        low=override,
        high=override,
        kind="user",
        source="user_input",
        locator=flag,
        species="n/a",
        grade="S",
        note="Supplied by the user.",
    )


def evidence_names(absorption: str) -> tuple[str, ...]:
    """Names of the cited values the PK model draws on for a product's absorption class."""
    return (
        f"ka_{absorption}",
        "ka_7oh",
        "f_mg",
        "f_7oh",
        "cl",
        "v1",
        "q",
        "v2",
        "kme",
        "vm_7oh",
        "fmf_over_vm",
        "fp_over_vm",
        "mw_mg",
        "mw_7oh",
    )


def derive_pk(v: Mapping[str, Any], absorption: str) -> dict[str, Any]:
    """Model parameters from cited values (floats or per-subject arrays alike).

    Only the combinations ``fm·F/Vm`` and ``fp/Vm`` are identifiable from plasma data (pk.md §4.2);
    the labelled assumptions ``f_mg`` and ``vm_7oh`` split them into fractions for mass balance.
    """
    params = {
        "ka_mg": v[f"ka_{absorption}"],
        "ka_7oh": v["ka_7oh"],
        "f_mg": v["f_mg"],
        "fp": v["fp_over_vm"] * v["vm_7oh"],
        "f_7oh": v["f_7oh"],
        "cl": v["cl"],
        "v1": v["v1"],
        "q": v["q"],
        "v2": v["v2"],
        "fm": v["fmf_over_vm"] * v["vm_7oh"] / v["f_mg"],
        "kme": v["kme"],
        "vm": v["vm_7oh"],
        "mw_mg": v["mw_mg"],
        "mw_7oh": v["mw_7oh"],
    }
    assert set(params) == set(PARAMETERS)
    return params


def model_inputs(
    evidence: ParameterSet,
    product: Product,
    *,
    mg_per_g: float | None = None,
    oh7_mg_per_g: float | None = None,
) -> ModelInputs:
    """Map evidence to model parameters.

    Only the combinations ``fm·F/Vm`` and ``fp/Vm`` are identifiable from plasma data (pk.md §4.2);
    the labelled assumptions ``f_mg`` and ``vm_7oh`` split them into fractions for mass balance.
    """
    names = evidence_names(product.absorption)
    used = [evidence[n] for n in names]
    params = {
        k: float(v)
        for k, v in derive_pk({n: evidence[n].value for n in names}, product.absorption).items()
    }
    mg = _content(product, "mg_per_g", mg_per_g, "--mg-per-g")
    oh = _content(product, "oh7_mg_per_g", oh7_mg_per_g, "--7oh-mg-per-g")
    if mg.value == 0.0 and oh.value == 0.0:
        raise ProductError(
            bad_value(
                "The product contains no alkaloid",
                "0 mg/g",
                "Give a positive --mg-per-g or --7oh-mg-per-g.",
            )
        )
    return ModelInputs(
        params=params, mg_per_g=mg.value, oh7_mg_per_g=oh.value, used=(*used, mg, oh)
    )
