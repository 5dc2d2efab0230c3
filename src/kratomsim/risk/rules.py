"""The risk rules R1-R26 (shared/reference safety.md section 8) and what makes each fire.

The text of every rule (trigger, mechanism, severity, escalation, grades, sources, harm-reduction
category, what to discuss) lives in ``evidence/data/risk_rules.toml``; this module holds only the
trigger logic. Rules fire on the medication's flags, classes and tags, on condition tags, on the
product and on the regimen's dosing pattern, never on drug names, except where a rule itself
names a drug (tramadol / tapentadol in R2, cocaine in R15, diphenhydramine in R6 and R16).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal, get_args

from kratomsim.errors import EvidenceError
from kratomsim.evidence import load_references
from kratomsim.evidence.loader import read_data_toml
from kratomsim.evidence.medication_schema import Medication
from kratomsim.risk.conditions import Condition
from kratomsim.risk.exposure import ProductFacts, RegimenFacts
from kratomsim.risk.findings import (
    CATEGORY_BY_SEVERITY,
    Category,
    Finding,
    Quantity,
    Severity,
)

RuleSeverity = Severity | Literal["none"]
#: Drugs a rule names itself (matched on id, name or alias, lower case).
R2_DRUGS = frozenset({"tramadol", "tapentadol", "o-desmethyltramadol", "desmetramadol"})
COCAINE = frozenset({"cocaine"})
DIPHENHYDRAMINE = frozenset({"diphenhydramine"})
#: Rules whose combinations a concentrated 7-OH product turns into "avoid" (R22).
CNS_COMBINATION_RULES = ("R1", "R3", "R4", "R5", "R6")
MINOR_CYP = re.compile(r"cyp ?(2c19|2c9|1a2|2c8).*substrate")


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One rule's text from ``risk_rules.toml``."""

    id: str
    title: str
    trigger: str
    mechanism: str
    severity: RuleSeverity
    escalation: str
    grades: tuple[str, ...]
    sources: tuple[str, ...]
    category: Category
    category_basis: str
    discuss: str
    watch: str = ""
    fires: bool = True


@cache
def load_rules() -> dict[str, RuleSpec]:
    """Every rule by id, validated: known severities, categories and citation keys."""
    raw = read_data_toml("risk_rules.toml")["rule"]
    refs = load_references()
    rules: dict[str, RuleSpec] = {}
    for entry in raw:
        spec = _spec(entry)
        if spec.id in rules:
            raise EvidenceError(f"risk_rules.toml: rule {spec.id} is defined twice.")
        missing = [k for k in spec.sources if k not in refs]
        if missing:
            raise EvidenceError(f"risk_rules.toml: {spec.id} cites unknown sources {missing}.")
        rules[spec.id] = spec
    return rules


def _spec(entry: Mapping[str, Any]) -> RuleSpec:
    severities = (*get_args(Severity), "none")
    if entry["severity"] not in severities or entry["category"] not in get_args(Category):
        raise EvidenceError(f"risk_rules.toml: {entry['id']} has an unknown severity or category.")
    return RuleSpec(
        id=entry["id"],
        title=entry["title"],
        trigger=entry["trigger"],
        mechanism=entry["mechanism"],
        severity=entry["severity"],
        escalation=entry["escalation"],
        grades=tuple(entry["grades"]),
        sources=tuple(entry["sources"]),
        category=entry["category"],
        category_basis=entry["category_basis"],
        discuss=entry["discuss"],
        watch=entry.get("watch", ""),
        fires=entry.get("fires", True),
    )


# --- What the rules look at ----------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """Everything the rules see about one person."""

    medications: tuple[Medication, ...] = ()
    conditions: tuple[Condition, ...] = ()
    product: ProductFacts | None = None
    regimen: RegimenFacts | None = None
    pk_predictions: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)

    def with_tag(self, tag: str) -> tuple[Condition, ...]:
        return tuple(c for c in self.conditions if tag in c.tags)

    @property
    def concentrate(self) -> bool:
        return self.product is not None and self.product.is_7oh_concentrate


def classes_of(m: Medication) -> tuple[str, ...]:
    return tuple(c.lower() for c in (m.drug_class, *m.tags))


def has_class(m: Medication, *words: str) -> bool:
    return any(w in c for c in classes_of(m) for w in words)


def named(m: Medication, names: frozenset[str]) -> bool:
    return any(n.lower() in names for n in (m.id, m.name, *m.aliases))


def label(m: Medication) -> str:
    """The medicine's name with its class, unless the name already says it ("Alcohol (ethanol)")."""
    if m.drug_class.lower() in m.name.lower():
        return m.name
    return f"{m.name} ({m.drug_class})"


def is_alcohol(m: Medication) -> bool:
    return has_class(m, "alcohol", "ethanol")


def is_partial_agonist(m: Medication) -> bool:
    return m.opioid_agonist and has_class(m, "partial")


def pd_group(m: Medication) -> str | None:
    """Which of R1-R6 covers a CNS-depressant medicine (first match)."""
    if named(m, R2_DRUGS):
        return "R2"
    if m.opioid_agonist:
        return "R1"
    if has_class(m, "benzodiazepine", "z-drug", "zdrug", "barbiturate"):
        return "R3"
    if is_alcohol(m):
        return "R4"
    if has_class(m, "gabapentinoid"):
        return "R5"
    if m.cns_depressant or named(m, DIPHENHYDRAMINE):
        return "R6"
    return None


def depressant_meds(ctx: Context) -> tuple[Medication, ...]:
    return tuple(m for m in ctx.medications if pd_group(m) is not None or m.respiratory_depressant)


# --- Building findings ----------------------------------------------------------------------------


def make_finding(
    rule_id: str,
    what: str,
    *,
    triggers: Iterable[str] = (),
    severity: Severity | None = None,
    escalated: str = "",
    quantities: tuple[Quantity, ...] = (),
    category: Category | None = None,
    extra_sources: Iterable[str] = (),
) -> Finding:
    """A finding of ``rule_id`` with the rule's text; severity and category may be refined."""
    spec = load_rules()[rule_id]
    if spec.severity == "none":
        raise EvidenceError(f"{rule_id} never fires (no rule: insufficient data).")
    sev = severity or spec.severity
    if category is None:
        by_severity = spec.category_basis.startswith("severity mapping")
        category = CATEGORY_BY_SEVERITY[sev] if by_severity else spec.category
    return Finding(
        rule_id=rule_id,
        title=spec.title,
        severity=sev,
        category=category,
        what=what,
        why=spec.mechanism,
        grades=spec.grades,
        sources=tuple(dict.fromkeys((*spec.sources, *extra_sources))),
        discuss=spec.discuss,
        watch=spec.watch,
        quantities=quantities,
        escalated=escalated,
        triggers=tuple(triggers),
    )


def per_drug(
    rule_id: str,
    meds: Iterable[Medication],
    describe: Callable[[Medication], str],
    severity: Callable[[Medication], tuple[Severity | None, str]] = lambda m: (None, ""),
    category: Callable[[Medication], Category | None] = lambda m: None,
    quantities: Callable[[Medication], tuple[Quantity, ...]] = lambda m: (),
) -> list[Finding]:
    found = []
    for m in meds:
        sev, why = severity(m)
        found.append(
            make_finding(
                rule_id,
                describe(m),
                triggers=(m.id,),
                severity=sev,
                escalated=why,
                category=category(m),
                quantities=quantities(m),
                extra_sources=m.sources,
            )
        )
    return found


def pk_quantities(ctx: Context, m: Medication) -> tuple[Quantity, ...]:
    """The DDI model's predicted ratios for this drug, when the caller passed them."""
    auc, cmax = ctx.pk_predictions.get(m.id, (None, None))
    note = f"predicted for {m.name} with this kratom regimen (risk DDI model)"
    out = []
    if auc is not None:
        out.append(Quantity("predicted AUC ratio", auc, "fold", note=note))
    if cmax is not None:
        out.append(Quantity("predicted Cmax ratio", cmax, "fold", note=note))
    return tuple(out)


def with_pk(ctx: Context, m: Medication, text: str) -> str:
    q = {x.name: x.value for x in pk_quantities(ctx, m)}
    if "predicted AUC ratio" in q:
        return f"{text} Predicted AUC ratio {q['predicted AUC ratio']:.2f}-fold."
    return text
