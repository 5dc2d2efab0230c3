"""The ``--brief`` lines of each command: the answer with units and interval, and where to look next.

Each function turns a command's result into a few plain lines. Every number carries its unit and,
where the model has one, its interval; a line names what to run for the full picture.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kratomsim.analyses.outcomes import Outcomes
    from kratomsim.engine.result import Simulation
    from kratomsim.evidence import CitedValue, Product
    from kratomsim.evidence.claims import Claim


NOT_ADVICE = "Not advice: a simulation to discuss with a clinician."


def _q(text: str) -> str:
    return "'" + text.replace("'", "") + "'"


def simulate_lines(
    sim: Simulation, low: Simulation | None, high: Simulation | None, regimen: str
) -> list[str]:
    """Peak and exposure per analyte; the interval spans the product's content range."""
    from kratomsim.models.regimen_text import format_regimen
    from kratomsim.reports.summary import fmt_value

    s = sim.summary()
    lines = [f"{format_regimen(sim.regimen)} of {sim.product.id}, one typical adult:"]
    for analyte in sim.analytes:
        a = s[analyte]
        span = ""
        if low is not None and high is not None:
            lo, hi = low.summary()[analyte].cmax_ng_ml, high.summary()[analyte].cmax_ng_ml
            span = f" ({fmt_value(lo)}–{fmt_value(hi)} over the product's content range)"
        lines.append(
            f"  {analyte}: peak {fmt_value(a.cmax_ng_ml)} ng/mL{span} at {a.tmax_h:.1f} h; "
            f"AUC {fmt_value(a.auc_ng_h_ml)} ng·h/mL"
        )
    if low is None:
        lines.append("  (content as given or stated: no content interval)")
    lines.append(
        f"More: drop --brief for the table; add --outcomes for relief and withdrawal with "
        f"intervals; kratomsim cite {_q(regimen)} for sources. {NOT_ADVICE}"
    )
    return lines


def outcomes_lines(res: Outcomes, regimen: str) -> list[str]:
    """Peak (or, of a falling outcome, lowest point) of each outcome with its interval, and the
    withdrawal episode."""
    from kratomsim.interfaces.labels import label_for

    pct = f"{res.level:.0%}"
    lines = [f"Outcomes of {regimen} ({pct} interval over {res.n_draws} parameter draws):"]
    for s in res.series:
        shown = label_for(s.name, s.unit)
        unit = "" if shown.unit in ("1", "") else f" {shown.unit}"
        central, low, high, when = res.largest_effect(s.name)
        k = shown.scale
        word = "peak" if when is None else f"lowest (at {when:.0f} h)"
        lines.append(
            f"  {shown.label}: {word} {central * k:.3g}{unit} ({low * k:.3g}–{high * k:.3g})"
        )
    w = res.withdrawal
    last = w["after_last_dose_h"] or 0.0
    onset = (
        "no signs in most draws"
        if w["onset_h"] is None
        else f"signs from {w['onset_h'] - last:.0f} h"
    )
    lines.append(
        f"  withdrawal after the last dose: {onset}; peak {w['peak_score']:.3g} on SOWS 0–64"
    )
    lines.append(f"More: drop --brief for every table and the assumptions. {NOT_ADVICE}")
    return lines


def products_lines(products: Sequence[Product]) -> list[str]:
    def content(v: CitedValue) -> str:
        flag = ", ASSUMPTION" if v.is_assumption else ""
        return f"{v.value:g} mg/g ({v.low:g}–{v.high:g}; grade {v.grade}{flag})"

    lines = [
        f"{p.id}: mitragynine {content(p.mg_per_g)}, 7-OH {content(p.oh7_mg_per_g)}"
        for p in products
    ]
    return [*lines, "More: drop --brief for sources; override content with --mg-per-g."]


def cite_lines(used: Sequence[CitedValue], regimen: str) -> list[str]:
    grades = Counter(v.grade for v in used)
    sources = {v.source for v in used}
    assumptions = [v.name for v in used if v.is_assumption]
    return [
        f"{len(used)} parameters from {len(sources)} sources; grades "
        + ", ".join(f"{g} {n}" for g, n in sorted(grades.items()))
        + ".",
        f"Labelled assumptions: {', '.join(assumptions) or 'none'}.",
        f"More: kratomsim cite {_q(regimen)} (without --brief) for values and references.",
    ]


def calibrate_lines(
    file: str, reproduced: bool, tmax: Sequence[str], wrote: str | None = None
) -> list[str]:
    """Whether the shipped parameter file is reproduced, the tmax checks, and what was written."""
    verdict = "reproduced exactly" if reproduced else "NOT reproduced: write the new one with --out"
    lines = [f"The shipped {file}: {verdict}.", *tmax]
    if wrote is not None:
        lines.append(wrote)
    return [*lines, "More: drop --brief for the fitted values and the fit to Tanna 2022."]


def claims_lines(claims: Sequence[Claim]) -> list[str]:
    grades = Counter(c.grade for c in claims)
    weak = [c.id for c in claims if c.grade in ("unsupported", "contradicted")]
    return [
        f"{len(claims)} claims of the article: "
        + ", ".join(f"{n} {g}" for g, n in grades.most_common())
        + ".",
        f"Unsupported or contradicted: {', '.join(weak) or 'none'}.",
        "More: drop --brief for each claim with its evidence and sources.",
    ]


def taper_lines(rows: Sequence[Mapping[str, Any]], pct: str) -> list[str]:
    """Each plan's length, lost relief and withdrawal episode (the rows of
    :func:`kratomsim.interfaces.render.taper_row`, read through the same ``withdrawal_rows``
    as the table)."""
    from kratomsim.interfaces.render import withdrawal_rows

    lines = [f"Taper plans (withdrawal on the SOWS 0–64 scale; central and {pct} interval):"]
    for r in rows:
        lines.append(
            f"  {r['plan']}: {r['taper_days']:g} taper days; "
            f"{r['days_with_signs']:g} days with signs; {r['lost_relief_fraction']:.0%} less relief"
        )
        for label, unit, cell, band in withdrawal_rows(
            r["withdrawal"], pct, r["withdrawal_counted_from"]
        ):
            shown = cell if unit in cell else f"{cell} {unit}"
            lines.append(f"    {label}: {shown}" + (f" ({band})" if band else ""))
    lines.append(f"More: drop --brief for the table and the plot. {NOT_ADVICE}")
    return lines


def check_lines(result: Any, matches: Sequence[Any]) -> list[str]:
    """Findings by severity, the most serious named, the names as matched."""
    lines = []
    shown = [m.describe() for m in matches if m.how != "name"]
    if shown:
        lines.append("Matched: " + "; ".join(shown) + ".")
    findings = result.findings
    if not findings:
        lines.append("No rule fired for these inputs (no finding is not the same as no risk).")
    else:
        counts = Counter(f.severity for f in findings)
        order = ("avoid", "major", "moderate", "minor", "info")
        lines.append(
            f"{len(findings)} finding{'s' * (len(findings) != 1)}: "
            + ", ".join(f"{counts[s]} {s}" for s in order if counts[s])
            + "."
        )
        for f in findings[:3]:
            who = ", ".join(t.removeprefix("class-") for t in f.triggers)
            lines.append(
                f"  {f.severity}: {f.title} ({f.rule_id}; grade {', '.join(f.grades)})"
                + (f" — {who}" if who else "")
            )
    lines.append("More: drop --brief for what, why, sources and what to discuss with a clinician.")
    return lines


def interactions_lines(preds: Sequence[Any]) -> list[str]:
    lines = []
    for p in preds:
        if p.auc_ratio is None:
            lines.append(f"  {p.name}: not quantified ({', '.join(p.pathways) or 'no pathway'})")
            continue
        lo, hi = p.auc_ratio_interval or (p.auc_ratio, p.auc_ratio)
        lines.append(
            f"  {p.name}: exposure (AUC) × {p.auc_ratio:.2f} ({lo:.2f}–{hi:.2f}, 5–95 %), "
            f"grade {p.grade}"
        )
    return [
        "Change of each medicine's exposure with this kratom use:",
        *lines,
        f"More: drop --brief for Cmax, recovery times and the basis. {NOT_ADVICE}",
    ]


def trial_lines(res: Any) -> list[str]:
    from kratomsim.reports.summary import fmt_value

    n = next((s.n for s in res.scalars.values()), 0)
    lines = [f"Virtual population: {n:,} subjects (percentiles over subjects):"]
    for name, s in list(res.scalars.items())[:4]:
        ps = sorted(s.percentiles)
        lo, mid, hi = s.percentiles[ps[0]], s.percentiles[ps[len(ps) // 2]], s.percentiles[ps[-1]]
        lines.append(
            f"  {name}: median {fmt_value(mid)} (P{ps[0]:g}–P{ps[-1]:g} {fmt_value(lo)}–"
            f"{fmt_value(hi)})"
        )
    lines.append(f"More: drop --brief for every output and the assumptions. {NOT_ADVICE}")
    return lines


def sensitivity_lines(res: Any) -> list[str]:
    if not res.estimated:
        return [res.reason, "More: drop --brief for the output's mean and SD over the runs."]
    frame = res.to_frame().head(3)
    lines = [
        f"What drives {res.output} most (total Sobol index ± {res.conf_level:.0%} half-width):"
    ]
    for row in frame.itertuples():
        lines.append(f"  {row.parameter}: {row.ST:.2f} ± {row.ST_conf:.2f}")
    return [*lines, "More: drop --brief for every parameter with first-order indices."]


def calibrate_pain_lines(rows: Sequence[Mapping[str, Any]], cal: Any) -> list[str]:
    """How many study observations the fit and the leave-one-study-out predictions cover, and
    whether the weights can be trusted."""
    n = len(rows)
    fitted = sum(r["fitted_low"] <= r["observed"] <= r["fitted_high"] for r in rows)
    left_out = sum(bool(r["left_out_covers"]) for r in rows)
    trust = "reliable" if cal.pareto_k < 0.7 else "NOT reliable: more sets or waves"
    return [
        f"{n} observations of the population studies: {fitted} inside the fitted 90 % interval, "
        f"{left_out} inside the 90 % interval predicted with their study left out.",
        f"{cal.evaluation.log_theta.shape[0]} parameter sets evaluated; effective sample size "
        f"{cal.ess:.0f}; Pareto k {cal.pareto_k:.2f} ({trust}).",
        "More: drop --brief for every observation and the fitted parameters with 90 % intervals.",
    ]


def validate_lines(q: Any) -> list[str]:
    """One line per category (fitted and not-fitted rows), one for every not-fitted row together."""
    from kratomsim.analyses.validation_scores import CATEGORIES
    from kratomsim.reports.validation import summary_row

    def scores(s: Any, *, other: bool = False) -> str:
        r = summary_row(s)
        words = [f"{r['n']} {'fitted' if s.sample == 'in' else 'not-fitted'} rows"]
        if r["gmfe"] != "–":
            words.append(f"GMFE {r['gmfe']}, {r['within_2']} within 2×")
        if other and r["other"] != "–":
            words.append(r["other"])
        if r["covered"] != "–":
            words.append(f"intervals agree {r['covered']}")
        return ", ".join(words)

    lines = ["How the model's predictions compare with measurements in people, per category "]
    lines[0] += "(GMFE: geometric mean fold error, 1 is perfect):"
    for cat, title in CATEGORIES.items():
        parts = [s for s in q.summaries if s.category == cat and s.n]
        lines.append(f"  {title}: " + ("; ".join(scores(s) for s in parts) or "no comparison"))
    lines.append(f"  All categories: {scores(q.overall, other=True)}")
    return [*lines, "More: drop --brief for every comparison; --html or --pdf for the report."]


def model_lines(ref: Mapping[str, Any]) -> list[str]:
    """What the model specification holds, and how well its parameters are supported."""
    params = ref["parameters"]
    grades = Counter(p["grade"] for p in params)
    return [
        f"{ref['model']['name']} (specification {ref['model']['digest'][:12]}): "
        f"{len(ref['states'])} states, {len(ref['flows'])} flows, "
        f"{len(ref['outputs'])} outputs, {len(params)} parameters.",
        "Parameter grades: " + ", ".join(f"{g} {n}" for g, n in sorted(grades.items())) + ".",
        "More: drop --brief for every equation and parameter; --format markdown or latex "
        "for a document.",
    ]


def content_line(sim: Simulation) -> str:
    from kratomsim.reports.summary import content_used

    used = content_used(sim)
    return "; ".join(f"{a} {v.value:g} mg/g (grade {v.grade})" for a, v in used.items())
