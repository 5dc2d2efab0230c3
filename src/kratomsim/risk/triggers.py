"""When each rule R1-R26 fires, and the escalations between rules.

One function per rule (or per family), each returning the findings it produces for a
:class:`~kratomsim.risk.rules.Context`. The thresholds come from ``risk_constants.toml``; the
severity refinements are exactly those written in each rule's ``escalation`` field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from kratomsim.evidence.medication_schema import Medication
from kratomsim.risk.conditions import Condition
from kratomsim.risk.exposure import risk_constant
from kratomsim.risk.findings import (
    CATEGORY_BY_SEVERITY,
    Category,
    Finding,
    Quantity,
    Severity,
    escalate,
)
from kratomsim.risk.rules import (
    CNS_COMBINATION_RULES,
    COCAINE,
    DIPHENHYDRAMINE,
    MINOR_CYP,
    R2_DRUGS,
    Context,
    classes_of,
    depressant_meds,
    has_class,
    is_partial_agonist,
    label,
    make_finding,
    named,
    pd_group,
    per_drug,
    pk_quantities,
    with_pk,
)

ORAL_ROUTES = ("oral", "various")
STRONG_ENOUGH = ("moderate", "strong")
HEPATOTOXIC = ("moderate", "high")


def _conditions(conds: tuple[Condition, ...]) -> str:
    return ", ".join(c.describe() for c in conds)


# --- Pharmacodynamic combinations (R1-R6, R14, R15) -----------------------------------------------


def pd_depressants(ctx: Context) -> list[Finding]:
    found: list[Finding] = []
    for m in ctx.medications:
        group = pd_group(m)
        if group is None:
            continue
        what = f"{label(m)} with kratom."
        if group == "R1" and is_partial_agonist(m):
            what = (
                f"{label(m)} with kratom: a partial mu-opioid agonist; R1 is written for full "
                "agonists and is applied here as to any opioid."
            )
        category: Category | None = None
        if group == "R6" and named(m, DIPHENHYDRAMINE):
            category = "unsafe"  # TripSit opioids x diphenhydramine
        elif group == "R6" and has_class(m, "cannabinoid", "cannabis"):
            category = "low risk & synergy"  # TripSit opioids x cannabis
            what += " TripSit rates opioids with cannabis 'Low Risk & Synergy'."
        found.append(
            make_finding(group, what, triggers=(m.id,), category=category, extra_sources=m.sources)
        )
    conds = ctx.with_tag("alcohol")
    if conds and not any(f.rule_id == "R4" for f in found):
        found.append(make_finding("R4", f"{_conditions(conds)} with kratom.", triggers=_ids(conds)))
    return found


def r14_serotonergic(ctx: Context) -> list[Finding]:
    meds = [m for m in ctx.medications if (m.serotonergic or m.maoi) and not named(m, R2_DRUGS)]
    return per_drug(
        "R14",
        meds,
        lambda m: (
            f"{m.name} ({m.drug_class}; serotonergic{', MAOI' if m.maoi else ''}) with kratom."
        ),
        severity=lambda m: ("major", "MAOI: moderate -> major") if m.maoi else (None, ""),
        category=lambda m: "caution" if m.maoi else None,
    )


def r15_stimulants(ctx: Context) -> list[Finding]:
    meds = [m for m in ctx.medications if m.stimulant or named(m, COCAINE)]
    return per_drug(
        "R15",
        meds,
        lambda m: f"{m.name} ({m.drug_class}; stimulant) with kratom.",
        severity=lambda m: (
            ("major", "cocaine: moderate -> major") if named(m, COCAINE) else (None, "")
        ),
        category=lambda m: "dangerous" if named(m, COCAINE) else None,
    )


# --- Pharmacokinetic rules (R7-R12) --------------------------------------------------------------


def _pk_rule(
    ctx: Context,
    rule_id: str,
    meds: list[Medication],
    role: str,
    severity: Callable[[Medication], tuple[Severity | None, str]] = lambda m: (None, ""),
) -> list[Finding]:
    def sized(m: Medication) -> tuple[Severity | None, str]:
        small = _small_pk_change(ctx, m)
        return ("minor", small) if small else severity(m)

    return per_drug(
        rule_id,
        meds,
        lambda m: with_pk(ctx, m, f"{label(m)}: {role}."),
        severity=sized,
        quantities=lambda m: pk_quantities(ctx, m),
    )


def _small_pk_change(ctx: Context, m: Medication) -> str:
    """Why a predicted exposure change is too small to call an interaction ("" if it is not).

    A severity must agree with the number printed beside it: a drug whose predicted AUC and Cmax
    both rise less than a weak inhibitor's 1.25-fold (FDA 2020) is not a major finding.
    """
    auc, cmax = ctx.pk_predictions.get(m.id, (None, None))
    bound = risk_constant("pk_weak_auc_ratio").value
    if auc is None or auc >= bound or (cmax is not None and cmax >= bound):
        return ""
    return (
        f"lowered to minor: the predicted exposure change ({auc:.2f}-fold AUC) is below the "
        f"{bound:g}-fold of a weak interaction ({risk_constant('pk_weak_auc_ratio').source})"
    )


def _r7_severity(m: Medication) -> tuple[Severity | None, str]:
    if m.cns_depressant or m.opioid_agonist or m.narrow_therapeutic_index:
        return "major", "moderate -> major: a sedative, an opioid or a narrow therapeutic index"
    return None, ""


def pk_rules(ctx: Context) -> list[Finding]:
    meds = ctx.medications
    found = _pk_rule(
        ctx,
        "R7",
        [m for m in meds if m.cyp3a4_substrate and m.route in ORAL_ROUTES],
        "an oral CYP3A substrate (kratom inhibits intestinal CYP3A)",
        _r7_severity,
    )
    found += _pk_rule(ctx, "R8", [m for m in meds if m.cyp2d6_substrate], "a CYP2D6 substrate")
    minor = [m for m in meds if any(MINOR_CYP.search(c) for c in classes_of(m))]
    found += _pk_rule(ctx, "R9", minor, "a CYP2C19, CYP2C9, CYP1A2 or CYP2C8 substrate")
    found += _pk_rule(ctx, "R10", [m for m in meds if m.pgp_substrate], "a P-gp substrate")
    found += r11_induction(ctx)
    perps = [
        m for m in meds if m.cyp3a4_inhibitor in STRONG_ENOUGH or m.cyp3a4_inducer in STRONG_ENOUGH
    ]
    found += per_drug(
        "R12",
        perps,
        lambda m: f"{label(m)}: a {_perp(m)} taken with kratom (changes how kratom is handled).",
    )
    return found


def r11_induction(ctx: Context) -> list[Finding]:
    """One finding listing every substrate that chronic use could induce (flag, not a number)."""
    meds = [
        m
        for m in ctx.medications
        if m.cyp3a4_substrate or m.pgp_substrate or has_class(m, "cyp1a2-substrate")
    ]
    if not meds or not _chronic(ctx):
        return []
    names = ", ".join(m.name for m in meds)
    return [
        make_finding(
            "R11",
            f"{names} (CYP3A4, CYP1A2 or P-gp substrates) with {_chronic_text(ctx)}.",
            triggers=tuple(m.id for m in meds),
            extra_sources=[s for m in meds for s in m.sources],
        )
    ]


def _perp(m: Medication) -> str:
    if m.cyp3a4_inhibitor in STRONG_ENOUGH:
        return f"{m.cyp3a4_inhibitor} CYP3A inhibitor"
    return f"{m.cyp3a4_inducer} CYP3A inducer"


def _chronic(ctx: Context) -> bool:
    if ctx.with_tag("kud"):
        return True
    reg = ctx.regimen
    days = risk_constant("chronic_use_days").value
    return reg is not None and (reg.open_ended or reg.days_of_use >= days)


def _chronic_text(ctx: Context) -> str:
    if ctx.regimen is not None and (ctx.regimen.open_ended or ctx.regimen.days_of_use > 1):
        return f"repeated daily kratom use ({ctx.regimen.text or ctx.regimen.description})"
    return "chronic kratom use (kratom use disorder)"


# --- Conditions (R13, R16-R19, R23, R24, R26) ----------------------------------------------------


def r13_qt(ctx: Context) -> list[Finding]:
    meds = [m for m in ctx.medications if m.qt_risk != "none"]
    conds = ctx.with_tag("qt")
    if not meds and not conds:
        return []
    parts = []
    if meds:
        listed = ", ".join(f"{m.name} ({m.qt_risk} QT risk)" for m in meds)
        parts.append(f"QT-prolonging medicines: {listed}")
    if conds:
        parts.append(f"conditions: {_conditions(conds)}")
    quantities = [Quantity("QT-prolonging co-medications", len(meds), "count")]
    herg = None if ctx.regimen is None else ctx.regimen.herg
    if herg is not None:
        quantities.append(herg)
        parts.append(
            f"hERG margin for this regimen {herg.value:.0f}-fold "
            f"(range {herg.low:.0f}-{herg.high:.0f})"
        )
    return [
        make_finding(
            "R13",
            "; ".join(parts) + ".",
            triggers=(*(m.id for m in meds), *_ids(conds)),
            quantities=tuple(quantities),
            extra_sources=[s for m in meds for s in m.sources],
        )
    ]


def r16_seizures(ctx: Context) -> list[Finding]:
    meds = [m for m in ctx.medications if m.lowers_seizure_threshold or named(m, DIPHENHYDRAMINE)]
    conds = ctx.with_tag("seizure")
    if not meds and not conds:
        return []
    parts = [_conditions(conds)] if conds else []
    parts += [f"{m.name} (lowers the seizure threshold)" for m in meds]
    severity: Severity = "major" if conds else "moderate"
    why = "" if conds else "moderate: a seizure-threshold-lowering drug without a seizure disorder"
    return [
        make_finding(
            "R16",
            "; ".join(parts) + ".",
            triggers=(*_ids(conds), *(m.id for m in meds)),
            severity=severity,
            escalated=why,
            extra_sources=[s for m in meds for s in m.sources],
        )
    ]


def r17_liver(ctx: Context) -> list[Finding]:
    liver = ctx.with_tag("liver")
    alcohol = ctx.with_tag("alcohol")
    meds = [m for m in ctx.medications if m.hepatotoxicity in HEPATOTOXIC]
    if not (liver or alcohol or meds):
        return []
    parts = [_conditions(liver + alcohol)] if liver or alcohol else []
    parts += [f"{m.name} ({m.hepatotoxicity} liver-injury potential)" for m in meds]
    latency = risk_constant("dili_latency_d")
    severity: Severity = "major" if liver else "moderate"
    why = "" if liver else "moderate: heavy alcohol use or a co-hepatotoxin without liver disease"
    return [
        make_finding(
            "R17",
            "; ".join(parts) + ".",
            triggers=(*_ids(liver + alcohol), *(m.id for m in meds)),
            severity=severity,
            escalated=why,
            quantities=(
                Quantity(
                    "liver-injury latency (median)",
                    latency.value,
                    "d",
                    latency.low,
                    latency.high,
                    note=f"{latency.locator} ({latency.source})",
                ),
            ),
            extra_sources=[s for m in meds for s in m.sources],
        )
    ]


def _condition_rule(ctx: Context, rule_id: str, tag: str, extra: str = "") -> list[Finding]:
    conds = ctx.with_tag(tag)
    if not conds:
        return []
    return [make_finding(rule_id, f"{_conditions(conds)}{extra}.", triggers=_ids(conds))]


def r19_sud(ctx: Context) -> list[Finding]:
    conds = ctx.with_tag("sud")
    meds = [
        m
        for m in ctx.medications
        if is_partial_agonist(m)
        or has_class(m, "oud-treatment", "opioid-use-disorder", "moud", "maintenance")
    ]
    if not conds and not meds:
        return []
    parts = [_conditions(conds)] if conds else []
    parts += [f"{m.name} (opioid-agonist treatment)" for m in meds]
    return [
        make_finding(
            "R19",
            "; ".join(parts) + ".",
            triggers=(*_ids(conds), *(m.id for m in meds)),
            extra_sources=[s for m in meds for s in m.sources],
        )
    ]


def r23_respiratory(ctx: Context) -> list[Finding]:
    conds = ctx.with_tag("respiratory")
    if not conds:
        return []
    dep = depressant_meds(ctx)
    reasons = [f"with {', '.join(m.name for m in dep)}"] if dep else []
    if ctx.concentrate:
        reasons.append("with a concentrated 7-OH product")
    severity: Severity | None = "major" if reasons else None
    why = f"moderate -> major: {' and '.join(reasons)}" if reasons else ""
    return [
        make_finding(
            "R23",
            f"{_conditions(conds)}{' ' + ' and '.join(reasons) if reasons else ''}.",
            triggers=_ids(conds),
            severity=severity,
            escalated=why,
        )
    ]


# --- Product and regimen (R20-R22) --------------------------------------------------------------


def regimen_rules(ctx: Context) -> list[Finding]:
    found: list[Finding] = []
    reg = ctx.regimen
    if reg is not None:
        per_day = risk_constant("dependence_doses_per_day").value
        mg_day = risk_constant("dependence_mg_per_day").value
        if reg.max_doses_per_day >= per_day or reg.max_mitragynine_mg_per_day >= mg_day:
            found.append(
                make_finding(
                    "R20",
                    f"{reg.text or reg.description}: up to {reg.max_doses_per_day} doses a day, about "
                    f"{reg.max_mitragynine_mg_per_day:.0f} mg mitragynine a day "
                    f"(rule: {per_day:g} or more doses, or about {mg_day:g} mg or more).",
                    quantities=(
                        Quantity("doses per day (most in one day)", reg.max_doses_per_day, ""),
                        Quantity(
                            "mitragynine per day",
                            reg.max_mitragynine_mg_per_day,
                            "mg",
                            note="grams of product x content (mg/g) used by the simulation",
                        ),
                    ),
                )
            )
        grams = risk_constant("gi_grams_per_dose").value
        weekly = risk_constant("gi_doses_per_week").value
        if reg.max_dose_g >= grams or reg.max_doses_per_week >= weekly:
            found.append(
                make_finding(
                    "R21",
                    f"{reg.text or reg.description}: largest single dose {reg.max_dose_g:g} g, up to "
                    f"{reg.max_doses_per_week} doses in 7 days "
                    f"(rule: {grams:g} g or more per dose, or {weekly:g} or more a week).",
                )
            )
    if ctx.concentrate and ctx.product is not None:
        p = ctx.product
        what = f"{p.product.name} ({p.product.id}; 7-OH content {p.oh7_mg_per_g:g} mg/g)."
        quantities: tuple[Quantity, ...] = ()
        if reg is not None:
            # The warning speaks of the 7-OH taken, not of mitragynine (which may be almost none).
            what += (
                f" About {reg.max_7oh_mg_per_dose:.3g} mg 7-OH in the largest dose and "
                f"{reg.max_7oh_mg_per_day:.3g} mg in the heaviest day; predicted peak plasma "
                f"7-OH {reg.cmax_7oh_ng_ml:.2g} ng/mL (typical adult)."
            )
            quantities = (
                Quantity("7-OH in the largest dose", reg.max_7oh_mg_per_dose, "mg"),
                Quantity("7-OH in the heaviest day", reg.max_7oh_mg_per_day, "mg"),
                Quantity(
                    "peak plasma 7-OH",
                    reg.cmax_7oh_ng_ml,
                    "ng/mL",
                    note="typical adult at the cited values; no human PK of these products exists",
                ),
            )
        found.append(make_finding("R22", what, triggers=(p.product.id,), quantities=quantities))
    return found


def _ids(conds: tuple[Condition, ...]) -> tuple[str, ...]:
    return tuple(c.id for c in conds)


# --- All rules -----------------------------------------------------------------------------------

RULE_FAMILIES: tuple[Callable[[Context], list[Finding]], ...] = (
    pd_depressants,
    pk_rules,
    r13_qt,
    r14_serotonergic,
    r15_stimulants,
    r16_seizures,
    r17_liver,
    lambda ctx: _condition_rule(ctx, "R18", "pregnancy"),
    r19_sud,
    regimen_rules,
    r23_respiratory,
    lambda ctx: _condition_rule(ctx, "R24", "kidney"),
    lambda ctx: _condition_rule(ctx, "R26", "kud"),
)


def evaluate(ctx: Context) -> list[Finding]:
    """Every finding for this person, with the cross-rule escalations (R20 -> R19, R22 -> R1-R6)."""
    found = [f for family in RULE_FAMILIES for f in family(ctx)]
    fired = {f.rule_id for f in found}
    out = []
    for f in found:
        if "R22" in fired and f.rule_id in CNS_COMBINATION_RULES and f.severity != "avoid":
            f = _raise_to(f, "avoid", "escalated to avoid by R22 (concentrated 7-OH product)")
        if "R20" in fired and f.rule_id == "R19":
            f = _raise_to(f, escalate(f.severity), "escalated one level by R20 (frequent use)")
        out.append(f)
    return out


def _raise_to(f: Finding, severity: Severity, why: str) -> Finding:
    category = f.category
    if category == CATEGORY_BY_SEVERITY[f.severity]:
        category = CATEGORY_BY_SEVERITY[severity]
    note = f"{f.escalated}; {why}" if f.escalated else why
    return replace(f, severity=severity, category=category, escalated=note)
