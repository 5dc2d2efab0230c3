"""Rich tables for the terminal. Text from users (regimens, names) is never read as markup."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from kratomsim.evidence import CitedValue, Product

if TYPE_CHECKING:
    from kratomsim.analyses.outcomes import Outcomes
    from kratomsim.analyses.taper import TaperResult
    from kratomsim.engine.result import Simulation
    from kratomsim.evidence.claims import Claim


def _name(v: CitedValue) -> Text:
    text = Text(v.name)
    if v.is_assumption:
        text.append(" ASSUMPTION", style="bold yellow")
    return text


def summary_table(sim: Simulation) -> Table:
    """Exposure summary per analyte (subject 0)."""
    from kratomsim.reports.summary import SUMMARY_ROWS, fmt_value

    s = sim.summary()
    title = Text(f"{sim.regimen.text or 'regimen'} — {sim.product.name}")
    table = Table(title=title, title_justify="left")
    table.add_column("measure")
    for name in sim.analytes:
        table.add_column(name, justify="right")
    for label, field in SUMMARY_ROWS:
        table.add_row(label, *(fmt_value(getattr(s[a], field)) for a in sim.analytes))
    return table


def content_table(sim: Simulation) -> Table:
    """The alkaloid content this run used, with grade and source."""
    from kratomsim.reports.summary import content_used

    table = Table(title="Alkaloid content used (mg per g of product)", title_justify="left")
    for col in ("analyte", "mg/g", "range", "grade", "source"):
        table.add_column(col, overflow="fold")
    for analyte, v in content_used(sim).items():
        label = Text(analyte)
        if v.is_assumption:
            label.append(" ASSUMPTION", style="bold yellow")
        table.add_row(label, f"{v.value:g}", f"{v.low:g}–{v.high:g}", v.grade, Text(v.source))
    return table


def evidence_table(values: Iterable[CitedValue], title: str, *, locator: bool = True) -> Table:
    """Cited values, each with what it is in words; ``locator=False`` leaves out where in the
    source (for compact summaries)."""
    from kratomsim.interfaces.labels import parameter_words

    table = Table(title=title, title_justify="left")
    cols = ["parameter", "what it is", "value", "range", "grade", "source"]
    for col in cols + (["locator"] if locator else []):
        table.add_column(col, overflow="fold")
    for v in values:
        row: list[Text | str] = [
            _name(v),
            parameter_words(v.name),
            v.quantity,
            f"{v.low:g}–{v.high:g}",
            v.grade,
            Text(v.source),
        ]
        table.add_row(*row, *([Text(v.locator)] if locator else []))
    return table


def products_table(products: Iterable[Product]) -> Table:
    """Product types: default content per analyte with range, grade and source.

    Values marked ``*`` are labelled ASSUMPTIONs; the caption names each product.
    """
    table = Table(title="Product types: alkaloid content per g of product", title_justify="left")
    table.add_column("product", no_wrap=True)
    table.add_column("analyte", no_wrap=True)
    table.add_column("mg/g", justify="right", no_wrap=True)
    table.add_column("range", no_wrap=True)
    table.add_column("grade", no_wrap=True)
    table.add_column("source", overflow="fold")
    names = []
    for p in products:
        names.append(f"{p.id}: {p.name}; absorbed like {p.absorption}")
        for analyte, v in (("MG", p.mg_per_g), ("7-OH", p.oh7_mg_per_g)):
            grade = f"{v.grade}*" if v.is_assumption else v.grade
            first = analyte == "MG"
            table.add_row(
                p.id if first else "",
                analyte,
                f"{v.value:g}",
                f"{v.low:g}–{v.high:g}",
                grade,
                Text(v.source),
                end_section=not first,
            )
    caption = "* ASSUMPTION (labelled guess, not measured). MG = mitragynine.\n" + "\n".join(names)
    table.caption = Text(caption)
    table.caption_justify = "left"
    return table


def calibration_table(predicted: Mapping[str, float], targets: Mapping[str, Any]) -> Table:
    """Model predictions against the published medians and ranges."""
    table = Table(title="Fit to Tanna 2022 (single 2 g tea, medians)", title_justify="left")
    for col in ("metric", "model", "published median", "published range", "model/median"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for key, value in predicted.items():
        lo, hi = targets[f"{key}_range"]
        table.add_row(
            key,
            f"{value:.3g}",
            f"{targets[key]:g}",
            f"{lo:g}–{hi:g}",
            f"{value / targets[key]:.2f}",
        )
    return table


def calibration_values_table(
    values: Mapping[str, float], shipped: Mapping[str, CitedValue]
) -> Table:
    """The fitted values beside the shipped ones (4 significant digits, as the file keeps them)."""
    table = Table(title="Fitted PK values", title_justify="left")
    for col in ("parameter", "fitted", "shipped", "unit"):
        table.add_column(col, justify="left" if col in ("parameter", "unit") else "right")
    for name, value in values.items():
        cited = shipped.get(name)
        table.add_row(
            name,
            f"{value:.4g}",
            f"{cited.value:.4g}" if cited else "-",
            cited.unit if cited else "",
        )
    return table


GRADE_STYLE = {
    "strong": "bold green",
    "moderate": "green",
    "weak": "yellow",
    "unsupported": "bold red",
    "contradicted": "bold red",
}


def claims_table(claims: Sequence[Claim]) -> Table:
    """The article's claims with their grade, a plain summary and the sources."""
    table = Table(title="The article's claims, graded by the evidence", title_justify="left")
    table.add_column("claim", ratio=3, overflow="fold")
    table.add_column("grade", no_wrap=True)
    table.add_column("what the evidence shows", ratio=4, overflow="fold")
    table.add_column("sources", ratio=2, overflow="fold")
    for c in claims:
        grade = Text(c.grade, style=GRADE_STYLE.get(c.grade, ""))
        table.add_row(Text(c.claim), grade, Text(c.summary), Text(", ".join(c.sources)))
    return table


HYPOTHESIS_NOTE = (
    "The endocannabinoid pathway is the article's HYPOTHESIS: no study shows mitragynine or 7-OH "
    "binding cannabinoid receptors, and a CB1 blocker did not stop mitragynine's pain relief in "
    "mice (Shamima 2012). Its outputs show what the claim would imply, not what happens."
)


def outcomes_table(res: Outcomes) -> Table:
    """Largest effect of each outcome (central and interval) and the withdrawal episode.

    The largest effect is the peak, or the lowest point of an outcome whose effect is a fall
    (breathing, pupil size, CYP3A activity), with when it comes and the interval of each draw's
    own lowest point (``res.strongest``).
    """
    from kratomsim.interfaces.labels import label_for

    pct = f"{res.level:.0%}"
    table = Table(
        title=f"Pain-response outcomes (central, {pct} interval over {res.n_draws} "
        "parameter draws)",
        title_justify="left",
        caption="Largest effect: the time course of the cited central parameter set. The "
        "withdrawal rows at the end: each draw's own episode after stopping, as the median over "
        "the draws.",
        caption_justify="left",
    )
    for col in ("outcome", "unit", "largest effect (central set)", f"{pct} interval"):
        table.add_column(col, overflow="fold")
    for s in res.series:
        # plain words and units first (fractions as %), the model's name beneath for scripts
        shown = label_for(s.name, s.unit)
        central, low, high, when = res.largest_effect(s.name)
        k = shown.scale
        cell = f"{central * k:.3g}"
        if when is not None:
            cell += f" (lowest, at {when:.0f} h)"
        name = Text(shown.label)
        name.append(f"\n{s.name}", style="dim")
        table.add_row(name, shown.unit, cell, f"{low * k:.3g} to {high * k:.3g}")
    w = res.withdrawal
    for label, unit, cell, band in withdrawal_rows(w, pct):
        table.add_row(label, unit, cell, band)
    return table


def _band(w: Mapping[str, Any], key: str, fmt: str) -> str:
    lo, hi = w.get(f"{key}_low"), w.get(f"{key}_high")
    return "" if lo is None or hi is None else f"{lo:{fmt}}–{hi:{fmt}}"


def withdrawal_rows(
    w: Mapping[str, Any], pct: str, since: str = "the last dose"
) -> list[tuple[str, str, str, str]]:
    """A withdrawal episode (``Outcomes.withdrawal``): onset, peak and duration in words, each the
    median over the draws with its interval; times are counted from ``since`` (the episode's
    start: the last dose, or the start of a taper plan)."""
    share = w.get("share_with_signs")
    signs = "" if share is None else f"signs in {share:.0%} of draws"
    latency = w.get("latency_h")
    if latency is None:
        onset = "no signs in most draws"
    elif latency < 0.5:  # the score is already ≥ 5 when counting starts: signs between doses
        onset = f"already at {since}"
    else:
        onset = f"{latency:.0f} h after {since}"
    onset_band = _band(w, "latency_h", ".0f")
    rows = [
        (
            "withdrawal onset (score ≥ 5), median",
            f"h after {since}",
            onset,
            ", ".join(x for x in (onset_band and f"{onset_band} h", signs) if x),
        ),
        (
            "withdrawal peak, median",
            "SOWS points 0–64",
            f"{w['peak_score']:.3g}",
            _band(w, "peak_score", ".3g"),
        ),
    ]
    peak_after = w.get("peak_after_h")
    if peak_after is not None and (w.get("peak_score") or 0.0) > 0:
        rows.append(
            (
                "peak comes, median",
                f"h after {since}",
                f"{peak_after:.0f}",
                _band(w, "peak_after_h", ".0f"),
            )
        )
    duration = w.get("duration_h")
    if latency is not None and duration is not None:
        rows.append(
            (
                "withdrawal lasts (score ≥ 5), median",
                "h",
                f"{duration:.0f}",
                _band(w, "duration_h", ".0f"),
            )
        )
    return rows


def outcomes_dict(res: Outcomes) -> dict[str, Any]:
    """JSON-ready outcomes: the series with intervals, and the withdrawal episode."""
    from kratomsim.reports.summary import DISCLAIMER

    series: dict[str, Any] = {"time_h": res.time_h.tolist()}
    for k, name in enumerate(res.exposure.analytes):
        series[name] = res.exposure.conc_ng_ml[0, :, k].tolist()
    for s in res.series:
        series[s.name] = s.central.tolist()
        series[f"{s.name}_low"] = s.low.tolist()
        series[f"{s.name}_high"] = s.high.tolist()
    return {
        "series": series,
        "units": {s.name: s.unit for s in res.series},
        "withdrawal": res.withdrawal,
        "interval_level": res.level,
        "draws": res.n_draws,
        "seed": res.seed,
        "hypothesis": res.hypothesis,
        "hypothesis_note": HYPOTHESIS_NOTE if res.hypothesis else None,
        "assumptions": [
            {
                "name": v.name,
                "value": v.value,
                "unit": v.unit,
                "low": v.low,
                "high": v.high,
                "distribution": v.distribution,
                "grade": v.grade,
                "source": v.source,
            }
            for v in res.used
            if v.is_assumption
        ],
        "evidence_grades": {v.name: v.grade for v in res.used},
        "pain": res.pain,
        "safety": res.safety,
        "strongest": res.strongest,
        "disclaimer": DISCLAIMER,
    }


TAPER_NOTE = (
    "Plans are compared by a model whose tolerance and withdrawal rates are labelled assumptions; "
    "use the comparison to prepare a conversation with a clinician, not to choose a plan."
)


def counted_from(r: TaperResult) -> str:
    """Where a plan's withdrawal episode is counted from, in words (see ``TaperResult``)."""
    w = r.outcomes.withdrawal
    return "the last dose" if w["from_h"] == w["after_last_dose_h"] else "the plan's start"


def taper_row(r: TaperResult) -> dict[str, Any]:
    """One plan's comparison, with its withdrawal episode (``outcomes.withdrawal``) as it is."""
    return {
        "plan": r.plan.text,
        "peak_withdrawal_score": round(r.peak_score, 2),
        "peak_withdrawal_score_high": round(r.peak_score_high, 2),
        "cumulative_withdrawal_score_h": round(r.burden_score_h, 1),
        "taper_days": round(r.taper_days, 1),
        "days_with_signs": round(r.days_with_signs, 1),
        "days_until_free_of_signs": round(r.until_free_days, 1),
        "lost_relief_fraction": round(r.lost_relief, 3),
        "withdrawal_counted_from": counted_from(r),
        "withdrawal": dict(r.outcomes.withdrawal),
    }


def flat_taper_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A :func:`taper_row` for CSV: the withdrawal episode as ``withdrawal_*`` columns."""
    flat = {k: v for k, v in row.items() if k != "withdrawal"}
    flat |= {f"withdrawal_{k}": v for k, v in row["withdrawal"].items()}
    return flat


def taper_table(rows: Sequence[Mapping[str, Any]], pct: str) -> Table:
    """Plans side by side: worst withdrawal score with its interval, length, lost relief."""
    table = Table(
        title=f"Taper plans compared (withdrawal on the SOWS 0–64 scale; {pct} interval)",
        title_justify="left",
    )
    heads = (
        "plan",
        f"worst score ({pct} interval)",
        "score·h",
        "taper days",
        "days with signs",
        "lost relief",
    )
    for h in heads:
        table.add_column(h, overflow="fold")
    for r in rows:
        table.add_row(
            str(r["plan"]),
            f"{r['withdrawal']['peak_score']:.3g} ({_band(r['withdrawal'], 'peak_score', '.3g')})",
            f"{r['cumulative_withdrawal_score_h']:.0f}",
            f"{r['taper_days']:g}",
            f"{r['days_with_signs']:g}",
            f"{r['lost_relief_fraction']:.0%}",
        )
    return table


def taper_withdrawal_table(rows: Sequence[Mapping[str, Any]], pct: str) -> Table:
    """Each plan's withdrawal episode: onset, peak and when, duration, with intervals."""
    table = Table(
        title=f"Withdrawal under each plan (central, {pct} interval over the draws)",
        title_justify="left",
    )
    for col in ("plan", "measure", "unit", "central", f"{pct} interval"):
        table.add_column(col, overflow="fold")
    for r in rows:
        found = withdrawal_rows(r["withdrawal"], pct, r["withdrawal_counted_from"])
        for i, (label, unit, cell, band) in enumerate(found):
            table.add_row(
                str(r["plan"]) if i == 0 else "",
                label,
                unit,
                cell,
                band,
                end_section=i == len(found) - 1,
            )
    return table


def pain_table(res: Outcomes) -> Table:
    """Pain relief: one figure for the question asked, its sign in words, with its interval."""
    from kratomsim.reports.summary import in_words, interval_in_words

    p = res.pain or {}
    table = Table(
        title=f"Pain relief ({p.get('kind', '')}; central and {res.level:.0%} interval)",
        title_justify="left",
    )
    for col in ("measure", "central", "interval"):
        table.add_column(col, overflow="fold")
    if p.get("kind") == "chronic":
        words = ("points", "better", "worse")
        table.add_row("usual pain without kratom (NRS 0-10)", f"{p['baseline_nrs']:g}", "")
        table.add_row(
            f"relief while using (mean over {p.get('window', 'the last day of use')})",
            in_words(float(p["relief_points"]), *words),
            interval_in_words(
                float(p["relief_points_low"]), float(p["relief_points_high"]), *words
            ),
        )
    else:
        words = ("s", "longer", "shorter")
        table.add_row(
            f"time the hand stays in ice water, at the peak (without kratom "
            f"{float(p['baseline_s']):.1f} s)",
            in_words(float(p["cold_pressor_gain_s"]), *words),
            interval_in_words(
                float(p["cold_pressor_gain_s_low"]), float(p["cold_pressor_gain_s_high"]), *words
            ),
        )
        table.add_row("model", str(p.get("model", "")), "")
    return table


def safety_table(res: Outcomes) -> Table:
    """Side effects at the regimen's largest dose (7-OH counted), and the largest changes of
    breathing and pupil size over the window."""
    from kratomsim.reports.summary import in_words, interval_in_words

    safety = dict(res.safety or {})
    dose = safety.pop("_dose", {})
    counted = f"{dose.get('mitragynine_mg', 0):.0f} mg mitragynine"
    if dose.get("7oh_mg", 0) > 0:
        counted += (
            f" + {dose['7oh_mg']:.3g} mg 7-OH; counted as "
            f"{dose['mitragynine_equivalent_mg']:.0f} mg mitragynine for its opioid effect"
        )
    title = f"Side effects at the largest dose ({dose.get('product_g', 0):g} g; {counted})"
    table = Table(title=title, title_justify="left")
    for col in ("signal", "central", f"{res.level:.0%} interval"):
        table.add_column(col, overflow="fold")
    for name, v in safety.items():
        when = "with regular use at this daily amount" if name == "constipation" else "per dose"
        table.add_row(
            f"{name.replace('_', ' ')} (chance {when})",
            f"{v['central']:.2f}",
            f"{v['low']:.2f}–{v['high']:.2f}",
        )
    for name, (label, unit, up, down, fmt) in STRONGEST_ROWS.items():
        v = (res.strongest or {}).get(name)
        if v is None:
            continue
        table.add_row(
            f"{label}, largest change (at {v['time_h']:.1f} h)",
            in_words(v["central"], unit, up, down, fmt),
            interval_in_words(v["low"], v["high"], unit, up, down, fmt),
        )
    return table


#: Breathing and pupil rows of the safety table: output → (label, unit, up, down, format).
STRONGEST_ROWS = {
    "ventilation_change_pct": (
        "breathing (minute ventilation; opioid data, no tolerance)",
        "%",
        "more",
        "less",
        ".1f",
    ),
    "pupil_change_mm": (
        "pupil diameter in dim light (opioid data)",
        "mm",
        "wider",
        "smaller",
        ".2f",
    ),
}
