"""JSON-ready summaries and small self-contained reports of a simulation.

Everything here returns data or strings; nothing prints. The reports describe exposure and its
evidence; they never suggest an amount.
"""

from __future__ import annotations

import base64
import html
import io
from typing import Any, Literal

import numpy as np

from kratomsim.engine.result import Simulation
from kratomsim.evidence import CitedValue
from kratomsim.evidence.schema import GRADE_MEANING
from kratomsim.models.regimen_text import format_regimen
from kratomsim.reports.disclaimer import DISCLAIMER as DISCLAIMER
from kratomsim.reports.plots import FOOTER, plot_exposure

#: Limits of the model every report repeats.
#: How the numbers were computed, for the record in JSON output.
METHOD = (
    "model equations of spec/model.toml, solved by a generated exponential Gauss-Legendre "
    "collocation kernel (checked against SciPy DOP853 and libRoadRunner)"
)
CAVEATS = (
    "One typical adult: people differ several-fold in absorption and clearance (see the ranges "
    "of the values used), so real concentrations may be much higher or lower.",
    "Values marked ASSUMPTION are not measured in humans; they are labelled guesses or animal "
    "and in vitro data.",
    "The alkaloid content of real products varies widely and labels can be wrong; the content "
    "used is shown with its source.",
    "Plasma concentration is not effect or safety. Tolerance, dependence and withdrawal are "
    "modelled as slow body states from few human data (see their grades). Other medicines do not "
    "change the simulated kratom levels or effects: kratom's effect on their levels (CYP3A, "
    "CYP2D6) is predicted, and combined effects such as added sedation are flagged by graded "
    "rules, as are liver or kidney disease and pregnancy, which do not change the simulation.",
    DISCLAIMER,
)

#: Summary rows: label (plain words first, the pharmacokinetic term after; short enough for an
#: 80-column table) and :class:`~kratomsim.engine.result.AnalyteSummary` field.
SUMMARY_ROWS = (
    ("highest level, Cmax (ng/mL)", "cmax_ng_ml"),
    ("time of highest, tmax (h)", "tmax_h"),
    ("exposure, AUC window (ng·h/mL)", "auc_ng_h_ml"),
    ("exposure, AUC 0–∞ (ng·h/mL)", "auc_inf_ng_h_ml"),
    ("level before last dose (ng/mL)", "last_trough_ng_ml"),
    ("time to 90 % of steady state (h)", "time_to_90pct_steady_state_h"),
)

#: Product content fields per analyte, as named in :class:`~kratomsim.evidence.Product`.
CONTENT_FIELDS = {"mitragynine": "mg_per_g", "7-hydroxymitragynine": "oh7_mg_per_g"}


def cited_dict(v: CitedValue) -> dict[str, Any]:
    """A cited value as plain JSON-ready data, with its ASSUMPTION flag."""
    return {**v.model_dump(), "assumption": v.is_assumption}


def content_used(sim: Simulation) -> dict[str, CitedValue]:
    """The alkaloid content (mg/g) this run used per analyte, with its provenance."""
    out: dict[str, CitedValue] = {}
    for analyte, field in CONTENT_FIELDS.items():
        name = f"{sim.product.id}.{field}"
        found = next((v for v in sim.used if v.name == name), None)
        out[analyte] = found if found is not None else getattr(sim.product, field)
    return out


def summary_dict(sim: Simulation, subject: int = 0) -> dict[str, Any]:
    """Everything a reader needs besides the series: regimen, product, summaries, evidence."""
    content = content_used(sim)
    return {
        "regimen": {
            "text": sim.regimen.text,
            "description": format_regimen(sim.regimen),
            "doses": len(sim.dose_times_h),
            "dose_times_h": sim.dose_times_h.tolist(),
        },
        "product": {
            "id": sim.product.id,
            "name": sim.product.name,
            "absorption": sim.product.absorption,
            "mg_per_g": sim.mg_per_g,
            "7oh_mg_per_g": sim.oh7_mg_per_g,
            "content": {analyte: cited_dict(v) for analyte, v in content.items()},
        },
        "unit": "ng/mL",
        "subjects": sim.n_subjects,
        "summary": {name: s.to_dict() for name, s in sim.summary(subject).items()},
        "assumptions": [cited_dict(v) for v in sim.assumptions()],
        "evidence": [cited_dict(v) for v in sim.used],
        "references": sorted({v.source for v in sim.used}),
        "method": METHOD,
        "caveats": list(CAVEATS),
        "disclaimer": DISCLAIMER,
    }


def series_dict(
    sim: Simulation, subject: int = 0, *, unit: Literal["ng/mL", "nM"] = "ng/mL"
) -> dict[str, list[float]]:
    """``time_h`` and one concentration list per analyte (one subject)."""
    conc = sim.conc_ng_ml if unit == "ng/mL" else sim.conc_nm
    # Times on the grid are multiples of the step; round away binary noise (0.30000000000000004).
    out: dict[str, list[float]] = {"time_h": np.round(sim.time_h, 9).tolist()}
    for k, name in enumerate(sim.analytes):
        out[name] = conc[subject, :, k].tolist()
    return out


def fmt_value(x: float | None) -> str:
    """A summary number for people: 3 significant digits, no exponent below a million."""
    if x is None:
        return "—"
    if abs(x) >= 1e6 or (x != 0 and abs(x) < 1e-3):
        return f"{x:.3g}"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def in_words(value: float, unit: str, up: str, down: str, fmt: str = ".1f") -> str:
    """A signed change with its sign in words.

    >>> in_words(1.24, "points", "better", "worse")
    '1.2 points better'
    >>> in_words(-0.31, "points", "better", "worse")
    '0.3 points worse'
    >>> in_words(0.01, "points", "better", "worse")
    'no change'
    """
    size = f"{abs(value):{fmt}}"
    if float(size) == 0.0:
        return "no change"
    return f"{size} {unit} {up if value > 0 else down}"


def interval_in_words(
    low: float, high: float, unit: str, up: str, down: str, fmt: str = ".1f"
) -> str:
    """An interval of a signed change in words, smaller change first.

    >>> interval_in_words(0.3, 2.5, "points", "better", "worse")
    '0.3 to 2.5 points better'
    >>> interval_in_words(-4.0, -0.5, "%", "more", "less")
    '0.5 to 4.0 % less'
    >>> interval_in_words(-0.2, 1.1, "points", "better", "worse")
    '0.2 points worse to 1.1 points better'
    """
    low, high = float(f"{low:{fmt}}"), float(f"{high:{fmt}}")  # as shown: -0.01 is 0.0
    if low >= 0.0:
        return f"{low:{fmt}} to {high:{fmt}} {unit} {up}"
    if high <= 0.0:
        return f"{abs(high):{fmt}} to {-low:{fmt}} {unit} {down}"
    return f"{in_words(low, unit, up, down, fmt)} to {in_words(high, unit, up, down, fmt)}"


def _png_base64(sim: Simulation) -> str:
    buf = io.BytesIO()
    plot_exposure(sim).savefig(buf, format="png", dpi=100)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _grades_line() -> str:
    return "; ".join(f"{g} = {m}" for g, m in GRADE_MEANING.items())


def render_markdown(sim: Simulation, *, image: str | None = None) -> str:
    """A Markdown report; ``image`` links a plot file, otherwise the plot is embedded (base64)."""
    s = sim.summary()
    src = image if image is not None else f"data:image/png;base64,{_png_base64(sim)}"
    title = sim.regimen.text or format_regimen(sim.regimen)
    lines = [
        f"# kratomsim exposure report: {title}",
        "",
        f"> {DISCLAIMER}",
        "",
        f"Product: **{sim.product.name}** (`{sim.product.id}`). "
        f"Regimen: {format_regimen(sim.regimen)}.",
        "",
        f"![Plasma mitragynine and 7-OH-mitragynine over time]({src})",
        "",
        "## Exposure summary",
        "",
        "| measure | " + " | ".join(sim.analytes) + " |",
        "|---|" + "---|" * len(sim.analytes),
    ]
    for label, field in SUMMARY_ROWS:
        cells = " | ".join(fmt_value(getattr(s[a], field)) for a in sim.analytes)
        lines.append(f"| {label} | {cells} |")
    lines += ["", "## Alkaloid content used", "", "| analyte | mg/g | range | grade | source |"]
    lines.append("|---|---|---|---|---|")
    for analyte, v in content_used(sim).items():
        flag = " (ASSUMPTION)" if v.is_assumption else ""
        lines.append(
            f"| {analyte}{flag} | {v.value:g} | {v.low:g}–{v.high:g} | {v.grade} | {v.source} |"
        )
    lines += ["", "## Assumptions", ""]
    for v in sim.assumptions():
        note = f" {v.note}" if v.note else ""
        lines.append(f"- **{v.name}** = {v.quantity} (grade {v.grade}).{note}")
    lines += [
        "",
        "## Evidence used",
        "",
        "| parameter | value | range | grade | source | locator |",
        "|---|---|---|---|---|---|",
    ]
    for v in sim.used:
        flag = " (ASSUMPTION)" if v.is_assumption else ""
        lines.append(
            f"| {_md(v.name)}{flag} | {v.quantity} | {v.low:g}–{v.high:g} | {v.grade} "
            f"| {_md(v.source)} | {_md(v.locator)} |"
        )
    lines += ["", f"Grades: {_grades_line()}.", "", "## References", ""]
    lines += [f"- {line}" for line in sim.bibliography("plain").splitlines()]
    lines += ["", "## Caveats", ""]
    lines += [f"- {c}" for c in CAVEATS]
    lines += ["", f"*{FOOTER}*", ""]
    return "\n".join(lines)


def render_html(sim: Simulation) -> str:
    """A one-file HTML report with the plot embedded as a base64 PNG."""
    esc = html.escape
    s = sim.summary()
    title = sim.regimen.text or format_regimen(sim.regimen)
    head = "".join(f"<th>{esc(a)}</th>" for a in sim.analytes)
    rows = "".join(
        f"<tr><th>{esc(label)}</th>"
        + "".join(f"<td>{fmt_value(getattr(s[a], f))}</td>" for a in sim.analytes)
        + "</tr>"
        for label, f in SUMMARY_ROWS
    )

    def flag(v: CitedValue) -> str:
        return " <b>ASSUMPTION</b>" if v.is_assumption else ""

    content = "".join(
        f"<tr><td>{esc(a)}{flag(v)}</td><td>{v.value:g}</td><td>{v.low:g}–{v.high:g}</td>"
        f"<td>{v.grade}</td><td>{esc(v.source)}</td><td>{esc(v.locator)}</td></tr>"
        for a, v in content_used(sim).items()
    )
    assumptions = "".join(
        f"<li><b>{esc(v.name)}</b> = {esc(v.quantity)} (grade {v.grade}). {esc(v.note)}</li>"
        for v in sim.assumptions()
    )
    evidence = "".join(
        f"<tr><td>{esc(v.name)}{flag(v)}</td><td>{esc(v.quantity)}</td>"
        f"<td>{v.low:g}–{v.high:g}</td><td>{v.grade}</td><td>{esc(v.source)}</td>"
        f"<td>{esc(v.locator)}</td></tr>"
        for v in sim.used
    )
    refs = "".join(f"<li>{esc(line)}</li>" for line in sim.bibliography("plain").splitlines())
    caveats = "".join(f"<li>{esc(c)}</li>" for c in CAVEATS)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kratomsim report: {esc(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}}
table{{border-collapse:collapse;margin:1rem 0}}td,th{{border:1px solid #ccc;padding:.3rem .5rem;
text-align:left;font-size:.9rem}}img{{max-width:100%}}.note{{background:#fff4e5;padding:.6rem}}
</style>
</head><body>
<h1>Exposure report: {esc(title)}</h1>
<p class="note">{esc(DISCLAIMER)}</p>
<p>Product: <b>{esc(sim.product.name)}</b> (<code>{esc(sim.product.id)}</code>).
Regimen: {esc(format_regimen(sim.regimen))}.</p>
<img alt="Plasma mitragynine and 7-OH-mitragynine over time"
 src="data:image/png;base64,{_png_base64(sim)}">
<h2>Exposure summary</h2>
<table><tr><th>measure</th>{head}</tr>{rows}</table>
<h2>Alkaloid content used (mg/g)</h2>
<table><tr><th>analyte</th><th>value</th><th>range</th><th>grade</th><th>source</th>
<th>locator</th></tr>{content}</table>
<h2>Assumptions</h2><ul>{assumptions}</ul>
<h2>Evidence used</h2>
<table><tr><th>parameter</th><th>value</th><th>range</th><th>grade</th><th>source</th>
<th>locator</th></tr>{evidence}</table>
<p>Grades: {esc(_grades_line())}.</p>
<h2>References</h2><ul>{refs}</ul>
<h2>Caveats</h2><ul>{caveats}</ul>
<p><i>{esc(FOOTER)}</i></p>
</body></html>
"""
