"""Turn cited evidence (a parameter set and a product) into the plain numbers the PK model needs.

:func:`model_inputs` maps cited values to model parameters and product content, with label or
assay content and parameter overrides applied and every value it rests on listed; the engine takes
the result and never reads a file. :func:`cited_inputs` does the same from the shipped files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kratomsim.errors import ProductError, RegimenError, bad_value
from kratomsim.evidence.loader import ParameterSet, default_product, load_parameters
from kratomsim.evidence.schema import CitedValue, Product
from kratomsim.models.pk import PARAMETERS

#: Largest alkaloid content accepted (mg per g of product): a pure substance is 1000 mg/g.
MAX_CONTENT_MG_PER_G = 1000.0
#: Cited values that play no part in a run without 7-OH in the product.
OH7_ABSORPTION = ("ka_7oh", "f_7oh")


@dataclass(frozen=True)
class ModelInputs:
    """The product, model parameters (plain floats), its content, and every cited value used."""

    product: Product
    params: dict[str, float]
    mg_per_g: float
    oh7_mg_per_g: float
    used: tuple[CitedValue, ...]


def _user_value(name: str, value: float, unit: str, locator: str) -> CitedValue:
    return CitedValue(
        name=name,
        value=value,
        unit=unit,
        low=value,
        high=value,
        kind="user",
        source="user_input",
        locator=locator,
        species="n/a",
        grade="S",
        note="Supplied by the user." if unit == "mg/g" else "",
    )


def _content(product: Product, field: str, override: float | None) -> CitedValue:
    cited: CitedValue = getattr(product, field)
    if override is None:
        return cited
    if not (0.0 <= override <= MAX_CONTENT_MG_PER_G):
        raise ProductError(
            bad_value(
                f"{field} must be between 0 and {MAX_CONTENT_MG_PER_G:g} mg/g",
                override,
                "Take the value from the label or assay in mg per g.",
            )
        )
    return _user_value(cited.name, override, "mg/g", f"{field} (label or assay)")


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
    parameters: Mapping[str, float] | None = None,
) -> ModelInputs:
    """Map evidence to model parameters for ``product``.

    ``mg_per_g`` and ``oh7_mg_per_g`` replace the product's cited content (a label or an assay);
    ``parameters`` replaces model parameters by name (see :data:`kratomsim.models.pk.PARAMETERS`).
    Both are listed among the values used, as the user's. Without 7-OH in the product, its
    absorption values play no part and are not listed.
    """
    names = evidence_names(product.absorption)
    used = [evidence[n] for n in names]
    params = {
        k: float(v)
        for k, v in derive_pk({n: evidence[n].value for n in names}, product.absorption).items()
    }
    mg = _content(product, "mg_per_g", mg_per_g)
    oh = _content(product, "oh7_mg_per_g", oh7_mg_per_g)
    if mg.value == 0.0 and oh.value == 0.0:
        raise ProductError(
            bad_value(
                "The product contains no alkaloid",
                "0 mg/g",
                "Give a positive mg_per_g or oh7_mg_per_g.",
            )
        )
    used = [*used, mg, oh]
    if oh.value == 0.0:
        used = [v for v in used if v.name not in OH7_ABSORPTION]
    for name, value in (parameters or {}).items():
        if name not in PARAMETERS:
            raise RegimenError(
                bad_value("Unknown model parameter", name, f"Use one of {', '.join(PARAMETERS)}.")
            )
        params[name] = float(value)
        used.append(_user_value(name, float(value), "model", "parameters="))
    return ModelInputs(
        product=product, params=params, mg_per_g=mg.value, oh7_mg_per_g=oh.value, used=tuple(used)
    )


def cited_inputs(
    product: Product | None = None,
    *,
    mg_per_g: float | None = None,
    oh7_mg_per_g: float | None = None,
    parameters: Mapping[str, float] | None = None,
) -> ModelInputs:
    """:func:`model_inputs` from the shipped parameter files; ``product`` defaults to leaf powder."""
    return model_inputs(
        load_parameters(),
        product if product is not None else default_product(),
        mg_per_g=mg_per_g,
        oh7_mg_per_g=oh7_mg_per_g,
        parameters=parameters,
    )
