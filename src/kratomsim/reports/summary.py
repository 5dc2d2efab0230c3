"""JSON-ready summaries and small self-contained reports of a simulation."""

from __future__ import annotations

import base64
import html
import io
from typing import Any

from kratomsim.engine.result import Simulation
from kratomsim.evidence.schema import GRADE_MEANING
from kratomsim.models.regimen_text import format_regimen
from kratomsim.reports.plots import plot_exposure

DISCLAIMER = (
    "kratomsim simulates; it does not prescribe. These are model estimates with uncertainty, "
    "not a recommendation of any amount. Discuss use, stopping or tapering with a clinician."
)


def _cited(v: Any) -> dict[str, Any]:
    return {
        "name": v.name,
        "value": v.value,
        "unit": v.unit,
        "low": v.low,
        "high": v.high,
        "kind": v.kind,
        "grade": v.grade,
        "source": v.source,
        "locator": v.locator,
        "note": v.note,
    }


def summary_dict(sim: Simulation, subject: int = 0) -> dict[str, Any]:
    """Everything a reader needs besides the series: regimen, product, summaries, assumptions."""
    product = {
        "id": sim.product.id,
        "name": sim.product.name,
        "mg_per_g": sim.mg_per_g,
        "7oh_mg_per_g": sim.oh7_mg_per_g,
        "content_evidence": [_cited(v) for v in sim.used if v.name.startswith(sim.product.id)],
    }
    return {
        "regimen": {
            "text": sim.regimen.text,
            "description": format_regimen(sim.regimen),
            "doses": len(sim.dose_times_h),
        },
        "product": product,
        "unit": "ng/mL",
        "summary": {name: s.to_dict() for name, s in sim.summary(subject).items()},
        "assumptions": [_cited(v) for v in sim.assumptions()],
        "method": sim.method,
        "disclaimer": DISCLAIMER,
    }


def series_dict(sim: Simulation, subject: int = 0) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"time_h": sim.time_h.tolist()}
    for k, name in enumerate(sim.analytes):
        out[name] = sim.conc_ng_ml[subject, :, k].tolist()
    return out


def _fmt(x: float | None, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}g}"


SUMMARY_ROWS = (
    ("Cmax (ng/mL)", "cmax_ng_ml"),
    ("tmax (h)", "tmax_h"),
    ("AUC over window (ng·h/mL)", "auc_ng_h_ml"),
    ("AUC 0–∞ of the regimen (ng·h/mL)", "auc_inf_ng_h_ml"),
    ("last trough (ng/mL)", "last_trough_ng_ml"),
    ("time to 90 % of steady state (h)", "time_to_90pct_steady_state_h"),
)


def render_markdown(sim: Simulation) -> str:
    s = sim.summary()
    lines = [
        f"# kratomsim exposure report: {sim.regimen.text}",
        "",
        f"Product: **{sim.product.name}** ({sim.mg_per_g:g} mg mitragynine/g, "
        f"{sim.oh7_mg_per_g:g} mg 7-OH/g). Regimen: {format_regimen(sim.regimen)}.",
        "",
        "| measure | " + " | ".join(sim.analytes) + " |",
        "|---|" + "---|" * len(sim.analytes),
    ]
    for label, field in SUMMARY_ROWS:
        lines.append(
            f"| {label} | " + " | ".join(_fmt(getattr(s[a], field)) for a in sim.analytes) + " |"
        )
    lines += [
        "",
        "## Evidence used",
        "",
        "| parameter | value | grade | source | locator |",
        "|---|---|---|---|---|",
    ]
    for v in sim.used:
        flag = " (ASSUMPTION)" if v.is_assumption else ""
        lines.append(
            f"| {v.name}{flag} | {v.value:g} {v.unit} | {v.grade} | {v.source} | {v.locator} |"
        )
    lines += [
        "",
        "Grades: " + "; ".join(f"{g} = {m}" for g, m in GRADE_MEANING.items()),
        "",
        "## References",
        "",
        sim.bibliography("plain"),
        "",
        "## Caveats",
        "",
        DISCLAIMER,
        "",
    ]
    return "\n".join(lines)


def render_html(sim: Simulation) -> str:
    """A one-file HTML report with the plot embedded."""
    buf = io.BytesIO()
    plot_exposure(sim).savefig(buf, format="png", dpi=100)
    img = base64.b64encode(buf.getvalue()).decode()
    s = sim.summary()
    esc = html.escape
    rows = "".join(
        f"<tr><th>{esc(label)}</th>"
        + "".join(f"<td>{_fmt(getattr(s[a], f))}</td>" for a in sim.analytes)
        + "</tr>"
        for label, f in SUMMARY_ROWS
    )
    evidence = "".join(
        f"<tr><td>{esc(v.name)}{' <b>ASSUMPTION</b>' if v.is_assumption else ''}</td>"
        f"<td>{v.value:g} {esc(v.unit)}</td><td>{v.low:g}–{v.high:g}</td><td>{v.grade}</td>"
        f"<td>{esc(v.source)}</td><td>{esc(v.locator)}</td></tr>"
        for v in sim.used
    )
    refs = "".join(f"<li>{esc(line)}</li>" for line in sim.bibliography("plain").splitlines())
    head = "".join(f"<th>{esc(a)}</th>" for a in sim.analytes)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kratomsim report</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}}
table{{border-collapse:collapse;margin:1rem 0}}td,th{{border:1px solid #ccc;padding:.3rem .5rem;
text-align:left;font-size:.9rem}}img{{max-width:100%}}.note{{background:#fff4e5;padding:.6rem}}</style>
</head><body>
<h1>Exposure report: {esc(sim.regimen.text)}</h1>
<p>Product: <b>{esc(sim.product.name)}</b> — {sim.mg_per_g:g} mg mitragynine/g,
{sim.oh7_mg_per_g:g} mg 7-OH/g. {esc(format_regimen(sim.regimen))}.</p>
<p class="note">{esc(DISCLAIMER)}</p>
<img alt="Plasma mitragynine and 7-OH-mitragynine over time" src="data:image/png;base64,{img}">
<table><tr><th>measure</th>{head}</tr>{rows}</table>
<h2>Evidence used</h2>
<table><tr><th>parameter</th><th>value</th><th>range</th><th>grade</th><th>source</th>
<th>locator</th></tr>{evidence}</table>
<p>Grades: {esc("; ".join(f"{g} = {m}" for g, m in GRADE_MEANING.items()))}</p>
<h2>References</h2><ul>{refs}</ul>
</body></html>
"""
