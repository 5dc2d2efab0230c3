"""Turn cited evidence and a product into the plain numbers the model needs for one person.

:func:`model_inputs` gives every parameter of the specification its cited value (in the unit the
specification declares), applies a label's or an assay's content and any parameter overrides, and
lists every value it rests on; the engine takes the result and never reads a file.
:func:`cited_inputs` is the same for the product assumed when none is named.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from kratomsim.errors import ProductError, RegimenError, bad_value
from kratomsim.evidence.loader import default_product
from kratomsim.evidence.model_values import model_evidence
from kratomsim.evidence.schema import CitedValue, Product

#: Largest alkaloid content accepted (mg per g of product): a pure substance is 1000 mg/g.
MAX_CONTENT_MG_PER_G = 1000.0
#: Cited values that play no part in a run without 7-OH in the product.
OH7_ABSORPTION = ("ka_7oh", "f_7oh")


@dataclass(frozen=True)
class ModelInputs:
    """The product, every model parameter and input (declared units), its content, and every cited
    value used."""

    product: Product
    values: dict[str, float]
    mg_per_g: float
    oh7_mg_per_g: float
    used: tuple[CitedValue, ...]

    @property
    def absorption(self) -> str:
        return self.product.absorption

    @property
    def cited(self) -> dict[str, CitedValue]:
        """Specification parameter → the cited entry behind it."""
        from kratomsim.evidence.model_values import model_evidence

        return model_evidence(self.product.absorption).cited

    @property
    def cited_names(self) -> set[str]:
        """Evidence names of every model parameter (content and user values are not among them)."""
        return {c.name for c in self.cited.values()}


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


def _check_known(what: str, name: str, known: Collection[str]) -> None:
    if name not in known:
        raise RegimenError(
            bad_value(f"Unknown model {what}", name, f"Use one of {', '.join(sorted(known))}.")
        )


def model_inputs(
    product: Product,
    *,
    mg_per_g: float | None = None,
    oh7_mg_per_g: float | None = None,
    parameters: Mapping[str, float] | None = None,
    inputs: Mapping[str, float] | None = None,
) -> ModelInputs:
    """Every model parameter at its cited value for ``product``, inputs at their defaults.

    ``mg_per_g`` and ``oh7_mg_per_g`` replace the product's cited content (a label or an assay);
    ``parameters`` replaces model parameters by their specification names (declared units);
    ``inputs`` sets model inputs (e.g. ``cyp3a_activity`` for a co-used CYP3A inhibitor). All are
    listed among the values used, as the user's. Without 7-OH in the product, its absorption
    values play no part and are not listed.
    """
    ev = model_evidence(product.absorption)
    values: dict[str, float] = {name: c.value for name, c in ev.cited.items()}
    values |= {i.name: i.default for i in ev.spec.inputs}
    used: list[CitedValue] = list(ev.cited.values())
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
        _check_known("parameter", name, ev.cited)
        values[name] = float(value)
        used.append(_user_value(name, float(value), ev.spec.symbols[name].unit, "parameters="))
    for name, value in (inputs or {}).items():
        _check_known("input", name, {i.name for i in ev.spec.inputs})
        values[name] = float(value)
    return ModelInputs(
        product=product, values=values, mg_per_g=mg.value, oh7_mg_per_g=oh.value, used=tuple(used)
    )


def cited_inputs(
    product: Product | None = None,
    *,
    mg_per_g: float | None = None,
    oh7_mg_per_g: float | None = None,
    parameters: Mapping[str, float] | None = None,
    inputs: Mapping[str, float] | None = None,
) -> ModelInputs:
    """:func:`model_inputs` for ``product`` (default: leaf powder)."""
    return model_inputs(
        product if product is not None else default_product(),
        mg_per_g=mg_per_g,
        oh7_mg_per_g=oh7_mg_per_g,
        parameters=parameters,
        inputs=inputs,
    )
