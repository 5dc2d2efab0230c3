"""CYP3A activity left by a co-used medicine of an FDA strength category.

The FDA defines inhibitor and inducer categories by how much they change the AUC of a sensitive
index substrate (``index_aucr_*`` in ``ddi.toml``: weak inhibitors 1.25–2-fold, moderate 2–5,
strong ≥ 5; inducers the reciprocal bands). With the index substrate's fraction metabolised by
CYP3A (``fm_cyp3a_index``) the remaining CYP3A activity is ``a = (1/R − (1 − fm))/fm`` (≥ 0; above
1 for inducers). This one translation feeds the model input ``cyp3a_activity`` wherever a category
is known: a virtual trial's covariate and the interaction check of kratom as the victim.

>>> round(category_activity("strong-inhibitor").value, 3)
0.032
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Final

from kratomsim.errors import MedicationError, bad_value
from kratomsim.evidence.loader import load_parameters
from kratomsim.evidence.schema import CitedValue

CATEGORIES: Final = (
    "weak-inhibitor",
    "moderate-inhibitor",
    "strong-inhibitor",
    "weak-inducer",
    "moderate-inducer",
    "strong-inducer",
)


def remaining_activity(index_aucr: float, fm_index: float) -> float:
    """CYP3A activity left (fraction of baseline) when a sensitive substrate's AUC changes by R."""
    return max((1.0 / index_aucr - (1.0 - fm_index)) / fm_index, 0.0)


@dataclass(frozen=True)
class CategoryActivity:
    """Remaining CYP3A activity of a category: central value, range, and the values it rests on."""

    category: str
    value: float
    low: float
    high: float
    used: tuple[CitedValue, ...]


def category_activity(category: str) -> CategoryActivity:
    """Remaining CYP3A activity for ``category`` (e.g. ``"strong-inhibitor"``), with its range
    over the category's bounds and the uncertain index-substrate fraction."""
    if category not in CATEGORIES:
        raise MedicationError(
            bad_value("Unknown CYP3A category", category, f"Use one of {', '.join(CATEGORIES)}.")
        )
    strength, kind = category.split("-")
    ev = load_parameters(("ddi.toml",))
    index, fm = ev[f"index_aucr_{strength}_{kind}"], ev["fm_cyp3a_index"]
    corners = [
        remaining_activity(r, f)
        for r, f in itertools.product((index.low, index.high), (fm.low, fm.high))
    ]
    return CategoryActivity(
        category,
        remaining_activity(index.value, fm.value),
        min(corners),
        max(corners),
        (index, fm),
    )
