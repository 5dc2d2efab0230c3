"""The main entry of the risk layer: :func:`check` a person's medicines, conditions and use.

It gathers what the rules need (the product and its content, the regimen's dosing pattern and
the engine's predicted mitragynine peak for the hERG margin), runs every rule and returns the
findings sorted by severity, the inputs echoed, the caveats and the bibliography keys. Findings
are statements for a conversation with a clinician; nothing here suggests an amount.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kratomsim.errors import MedicationError, bad_value
from kratomsim.evidence import load_references
from kratomsim.evidence.medication_schema import Medication
from kratomsim.evidence.schema import Product
from kratomsim.risk.conditions import Condition, check_conflicts
from kratomsim.risk.exposure import (
    ProductFacts,
    RegimenFacts,
    product_facts,
    risk_constant,
    simulate_regimen,
)
from kratomsim.risk.findings import Finding, sort_findings
from kratomsim.risk.rules import Context, load_rules
from kratomsim.risk.triggers import evaluate

if TYPE_CHECKING:
    from kratomsim.models.dosing import Regimen

DISCLAIMER = (
    "These findings are not advice and never a dose: they are evidence-graded statements to "
    "discuss with a clinician, who knows the whole picture."
)

CAVEATS = (
    "Rules come from a graded evidence table (shared safety evidence, section 8); most rest on "
    "case reports, surveys, in vitro data or class extrapolation, as each finding's grade shows.",
    "The only controlled human interaction study used one 2 g dose of kratom tea; larger or "
    "repeated doses may interact more, and that is not tested.",
    "Deaths involving kratom are mostly polysubstance; kratom-alone lethality is not quantified.",
    "No finding is not the same as no risk: medicines or conditions outside the knowledge base "
    "are not assessed.",
    DISCLAIMER,
)


@dataclass(frozen=True)
class CheckResult:
    """Findings (most serious first) with the inputs they were computed from."""

    findings: tuple[Finding, ...]
    medications: tuple[Medication, ...]
    conditions: tuple[Condition, ...]
    product: ProductFacts | None
    regimen: RegimenFacts | None
    caveats: tuple[str, ...]

    @property
    def bibliography_keys(self) -> tuple[str, ...]:
        """Distinct citation keys of every finding, in order of first use."""
        return tuple(dict.fromkeys(k for f in self.findings for k in f.sources))

    def rule_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.rule_id for f in self.findings))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: every finding field, the inputs, caveats and the bibliography."""
        refs = load_references()
        return {
            "findings": [f.to_dict() for f in self.findings],
            "medications": [{"id": m.id, "name": m.name} for m in self.medications],
            "conditions": [
                {"id": c.id, "name": c.name, "subclass": c.subclass, "text": c.text}
                for c in self.conditions
            ],
            "product": None
            if self.product is None
            else {
                "id": self.product.product.id,
                "mg_per_g": self.product.mg_per_g,
                "oh7_mg_per_g": self.product.oh7_mg_per_g,
                "concentrated_7oh": self.product.is_7oh_concentrate,
            },
            "regimen": None if self.regimen is None else self.regimen.to_dict(),
            "caveats": list(self.caveats),
            "bibliography": {k: refs[k].plain() for k in self.bibliography_keys if k in refs},
        }


def check(
    medications: Sequence[Medication],
    conditions: Sequence[Condition],
    regimen: Regimen | None = None,
    *,
    product: Product | None = None,
    mg_per_g: float | None = None,
    oh7_mg_per_g: float | None = None,
    pk_predictions: Mapping[str, tuple[float | None, float | None]] | None = None,
) -> CheckResult:
    """Run every risk rule for these medicines, conditions, product and regimen.

    Main arguments
    --------------
    medications
        :class:`~kratomsim.evidence.medication_schema.Medication` entries (see
        ``kratomsim.evidence.medication_names.parse_medication_list``).
    conditions
        Parsed conditions (:func:`kratomsim.risk.conditions.parse_conditions`).
    regimen
        The person's use (:func:`kratomsim.models.regimen_text.parse_regimen` reads text such as
        ``"3 g three times daily"``); when given, the engine predicts the mitragynine peak for the
        hERG margin and the dosing pattern feeds the frequency rules.

    Other arguments
    ---------------
    product, mg_per_g, oh7_mg_per_g
        The product (default leaf powder when a regimen is given) and label or assay content.
    pk_predictions
        Drug id -> (AUC ratio, Cmax ratio) from the DDI model; quoted in the PK findings.
    """
    meds = _unique_medications(medications)
    conds = tuple(conditions)
    check_conflicts(conds)
    product_given = product is not None or mg_per_g is not None or oh7_mg_per_g is not None
    if not meds and not conds and regimen is None and not product_given:
        raise MedicationError(
            bad_value(
                "Nothing to check",
                "no medications, conditions, regimen or product",
                "Give at least one, e.g. medications 'alprazolam' or conditions 'fatty liver'.",
            )
        )
    facts = product_facts(product, mg_per_g, oh7_mg_per_g) if product_given else None
    reg_facts = None
    if regimen is not None:
        sim, reg_facts = simulate_regimen(regimen, product, mg_per_g, oh7_mg_per_g)
        # The content the engine used (the product's cited value unless given).
        facts = ProductFacts(sim.product, sim.mg_per_g, sim.oh7_mg_per_g)
    ctx = Context(meds, conds, facts, reg_facts, dict(pk_predictions or {}))
    caveats: list[str] = list(CAVEATS)
    for cond in conds:
        if "thyroid" in cond.tags:
            rule = load_rules()["R25"]
            caveats.insert(0, f"{cond.describe()}: {rule.id} no rule (insufficient data).")
    if reg_facts is not None and reg_facts.herg is not None:
        margin = risk_constant("herg_safety_margin")
        caveats.insert(
            0,
            f"hERG margin for this regimen: {reg_facts.herg.value:.0f}-fold "
            f"(range {reg_facts.herg.low:.0f}-{reg_facts.herg.high:.0f}); "
            f"drug-development screening margin {margin.value:g}-fold ({margin.source}); "
            "predicted for one typical adult.",
        )
    return CheckResult(
        findings=sort_findings(evaluate(ctx)),
        medications=meds,
        conditions=conds,
        product=facts,
        regimen=reg_facts,
        caveats=tuple(caveats),
    )


def _unique_medications(medications: Sequence[Medication]) -> tuple[Medication, ...]:
    seen: dict[str, Medication] = {}
    for m in medications:
        if not isinstance(m, Medication):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise MedicationError(
                bad_value("Not a medication entry", m, "Resolve names with resolve_medication().")
            )
        seen.setdefault(m.id, m)
    return tuple(seen.values())
