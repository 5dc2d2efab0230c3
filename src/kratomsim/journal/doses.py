"""A dose entry: grams or milligrams of product, or counted household units or 7-OH tablets.

:func:`dose_grams` turns any logged dose into grams of product, the one quantity the model reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import Field, field_validator, model_validator

from kratomsim.errors import JournalError, bad_value
from kratomsim.evidence import resolve_product
from kratomsim.journal.bounds import BOUNDS
from kratomsim.journal.entry_base import EntryModel, When, bounded
from kratomsim.journal.vocabulary import COUNT_UNITS, DOSE_UNITS, UNIT_ALIASES


class DoseEntry(EntryModel):
    """A dose of a product (not of alkaloid): grams or milligrams, or counted household units.

    ``unit`` is ``g`` or ``mg`` of product; ``tsp`` or ``capsule`` with ``g_per_unit`` (what one
    unit weighs: the person's own weighing or the label); or ``tablet`` (a concentrated 7-OH
    tablet) with ``oh7_mg_per_unit`` (the label's 7-OH per tablet). ``mg_per_g`` optionally
    records the product's mitragynine content from a label or assay. Every amount is checked
    against :data:`~kratomsim.journal.bounds.BOUNDS`.
    """

    kind: ClassVar[str] = "dose"
    label: ClassVar[str] = "dose"

    product: Annotated[
        str, Field(description="a product id (one of the product types kratomsim knows)")
    ]
    amount: Annotated[
        float, Field(gt=0, allow_inf_nan=False, description="a positive amount of product")
    ]
    unit: Annotated[
        Literal["g", "mg", "tsp", "capsule", "tablet"],
        Field(description="the unit 'g', 'mg', 'tsp', 'capsule' or 'tablet'"),
    ] = "g"
    mg_per_g: Annotated[
        float | None,
        Field(
            gt=0,
            le=BOUNDS["mg_per_g"].high,
            allow_inf_nan=False,
            description="the mitragynine content from a label or assay, 0 to 1000 mg per g",
        ),
    ] = None
    g_per_unit: Annotated[
        float | None,
        Field(allow_inf_nan=False, description="grams of product in one teaspoon or capsule"),
    ] = None
    oh7_mg_per_unit: Annotated[
        float | None,
        Field(allow_inf_nan=False, description="mg of 7-OH in one tablet, from its label"),
    ] = None

    def __init__(
        self,
        product: str,
        amount: float,
        unit: str = "g",
        at: When = None,
        *,
        mg_per_g: float | None = None,
        g_per_unit: float | None = None,
        oh7_mg_per_unit: float | None = None,
    ) -> None:
        super().__init__(
            product=product,
            amount=amount,
            unit=unit,
            at=at,
            mg_per_g=mg_per_g,
            g_per_unit=g_per_unit,
            oh7_mg_per_unit=oh7_mg_per_unit,
        )

    @field_validator("product", mode="before")
    @classmethod
    def _known_product(cls, value: object) -> str:
        if not isinstance(value, str):
            raise ValueError("Give a product id such as 'leaf-powder'.")
        return resolve_product(value).id  # ProductError names the choices

    @field_validator("unit", mode="before")
    @classmethod
    def _unit(cls, value: object) -> object:
        if isinstance(value, str):
            key = value.strip().lower()
            return UNIT_ALIASES.get(key, key)
        return value

    @model_validator(mode="after")
    def _amount_in_bounds(self) -> Self:
        per_unit = {"tsp": "g_per_unit", "capsule": "g_per_unit", "tablet": "oh7_mg_per_unit"}
        wanted = per_unit.get(self.unit)
        for name in ("g_per_unit", "oh7_mg_per_unit"):
            given = getattr(self, name)
            if name == wanted and given is None:
                fix = (
                    "Give what one teaspoon or capsule weighs (g_per_unit), e.g. 2.5."
                    if name == "g_per_unit"
                    else "Give the 7-OH per tablet from its label (oh7_mg_per_unit), e.g. 15."
                )
                raise JournalError(bad_value(f"A dose in '{self.unit}' needs {name}", None, fix))
            if name != wanted and given is not None:
                fix = f"{name} belongs to doses counted in {'tsp or capsule' if name == 'g_per_unit' else 'tablet'}."
                raise JournalError(bad_value(f"{name} does not apply to '{self.unit}'", given, fix))
        if self.g_per_unit is not None:
            bounded("g_per_unit", "grams per unit", self.g_per_unit)
        if self.oh7_mg_per_unit is not None:
            bounded("oh7_mg_per_unit", "7-OH per tablet", self.oh7_mg_per_unit)
            if resolve_product(self.product).oh7_mg_per_g.value <= 0:
                fix = "A tablet dose counts 7-OH; choose the concentrated 7-OH product."
                raise JournalError(bad_value("This product holds no 7-OH", self.product, fix))
        if self.unit in COUNT_UNITS:
            bounded("unit_count", f"number of {COUNT_UNITS[self.unit]}s", self.amount)
        grams = self.amount_g
        if not BOUNDS["dose_g"].contains(grams):
            bound = BOUNDS["dose_g"]
            raise JournalError(
                bad_value(
                    "Invalid dose amount (grams of product)",
                    grams if self.unit == "g" else f"{self.amount:g} {self.unit} = {grams:.4g} g",
                    f"Give {bound.describe()} in one entry; log larger amounts as separate doses.",
                )
            )
        return self

    @property
    def amount_g(self) -> float:
        """The amount in grams of product."""
        return dose_grams(self.data())


def dose_grams(data: Mapping[str, Any]) -> float:
    """Grams of product of a dose's stored fields (any unit: g, mg, tsp, capsule, tablet)."""
    unit = str(data.get("unit", "g"))
    amount = float(data["amount"])
    if unit in DOSE_UNITS:
        return amount * DOSE_UNITS[unit]
    if unit == "tablet":
        per_gram = resolve_product(str(data["product"])).oh7_mg_per_g.value
        return amount * float(data["oh7_mg_per_unit"]) / per_gram
    return amount * float(data["g_per_unit"])
