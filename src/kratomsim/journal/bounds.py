"""Input bounds of the journal: one table that the entry models, the CLI and the web forms share.

Every number a person types into the journal is checked against :data:`BOUNDS` when its entry is
built (:mod:`kratomsim.journal.entries`), whatever the route: ``kratomsim journal add``, a web
form, an import. The web forms take their ``min``/``max``/``step`` attributes from the same table,
so the browser and the server refuse the same values.

The scales' ranges are the instruments' own (NRS 0–10, PEG-3 items 0–10, SOWS 16 items × 0–4).
The amount bounds are typo guards, a design choice and not evidence: they refuse values no one
logs on purpose (a dose of 1e308 g) while leaving room for the largest use reported.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Bound:
    """The accepted range of one journal field: ``low < x <= high`` (or ``low <= x``)."""

    low: float
    high: float
    unit: str
    #: False when ``low`` itself is refused (amounts must be positive).
    low_inclusive: bool = True
    integer: bool = False
    #: Why the limit is where it is (shown in help texts and the data's docs).
    why: str = ""

    def contains(self, value: float) -> bool:
        above = value >= self.low if self.low_inclusive else value > self.low
        return above and value <= self.high and (not self.integer or float(value).is_integer())

    def describe(self) -> str:
        """The range in words, e.g. 'a whole number from 0 to 10' or 'more than 0 and at most 150 g'."""
        unit = f" {self.unit}" if self.unit else ""
        kind = "a whole number" if self.integer else "a number"
        if self.low_inclusive:
            return f"{kind} from {self.low:g} to {self.high:g}{unit}"
        return f"{kind} above {self.low:g} and at most {self.high:g}{unit}"

    @property
    def step(self) -> str:
        """The ``step`` of an HTML number input for this field."""
        return "1" if self.integer else "any"


#: Every bounded journal field. Keys are what the entry models and the forms refer to.
BOUNDS: dict[str, Bound] = {
    "dose_g": Bound(
        0.0,
        150.0,
        "g of product",
        low_inclusive=False,
        why="typo guard: case reports describe 30-92 g a day (shared safety table 4a, 5); more "
        "than 150 g in one entry is almost certainly a slip of the keyboard",
    ),
    "unit_count": Bound(
        0.0,
        100.0,
        "teaspoons, capsules or tablets",
        low_inclusive=False,
        why="typo guard for a count of household units in one entry",
    ),
    "g_per_unit": Bound(
        0.0,
        20.0,
        "g per unit",
        low_inclusive=False,
        why="typo guard: a level teaspoon of leaf powder holds about 2-3 g (World J Hepatol 2020, "
        "Table 2, as cited in the shared safety table 4a); a capsule holds less",
    ),
    "oh7_mg_per_unit": Bound(
        0.0,
        500.0,
        "mg 7-OH per tablet",
        low_inclusive=False,
        why="typo guard for the label's 7-OH content of one tablet",
    ),
    "mg_per_g": Bound(
        0.0,
        1000.0,
        "mg per g",
        low_inclusive=False,
        why="a content cannot exceed the product's own mass",
    ),
    "nrs": Bound(0, 10, "", integer=True, why="the 0-10 numeric rating scale"),
    "peg_item": Bound(0, 10, "", integer=True, why="each PEG-3 item is rated 0-10 (Krebs 2009)"),
    "severity": Bound(0, 10, "", integer=True, why="symptoms use the pain scale's 0-10"),
    "sows": Bound(0, 64, "", integer=True, why="SOWS total: 16 items x 0-4 (Handelsman 1987)"),
    "sows_item": Bound(0, 4, "", integer=True, why="each SOWS item is rated 0-4 (Handelsman 1987)"),
    "substance_amount": Bound(
        0.0,
        10_000.0,
        "",
        low_inclusive=False,
        why="typo guard for the amount of another substance (drinks, mg, tablets)",
    ),
}
