"""Render the clinician report (:func:`kratomsim.reports.clinician.report_data`) as HTML and PDF.

HTML comes from a Jinja2 template with print CSS (A4, one page before the appendix); the PDF is
that same HTML laid out by WeasyPrint, so both always show the same content.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib.figure import Figure

from kratomsim.reports.plots import FOOTER

_ENV = Environment(
    loader=PackageLoader("kratomsim.reports", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _num(x: float) -> str:
    """Three significant figures without exponents: 0.0123, 4.56, 78.9, 18,800."""
    if x == 0 or abs(x) >= 1000:
        return f"{float(f'{x:.3g}'):,.0f}"
    return f"{x:.3g}"


def _hours(h: float | None) -> str:
    """Hours for people: '40 h', or days past two days: '3.5 d'."""
    if h is None:
        return "–"
    return f"{h:.0f} h" if h < 48 else f"{h / 24:.1f} d"


def _hours_band(w: dict[str, Any], key: str) -> str:
    """' (low–high)' of a withdrawal figure in hours, or nothing without an interval."""
    low, high = w.get(f"{key}_low"), w.get(f"{key}_high")
    return "" if low is None or high is None else f" ({_hours(low)}–{_hours(high)})"


_ENV.filters["num"] = _num
_ENV.filters["hours"] = _hours
_ENV.filters["hours_band"] = _hours_band


def report_figure(data: dict[str, Any]) -> str:
    """Base64 PNG: plasma levels, relief and withdrawal score over time (the figure's series at
    the model's output times; the appendix's coarse series where a report has no other)."""
    cols = data.get("figure_series")
    rows = (
        [dict(zip(cols, v, strict=True)) for v in zip(*cols.values(), strict=True)]
        if cols
        else data["appendix"]["series"]
    )
    t = [r["time_h"] / 24.0 for r in rows]
    # a bare Figure (no pyplot state), so concurrent web requests cannot share one
    # fixed margins: the constrained layout engine would double the drawing time
    fig = Figure(figsize=(9.0, 2.9), dpi=110)
    fig.subplots_adjust(left=0.07, right=0.92, bottom=0.24, top=0.89, wspace=0.42)
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot(t, [r["mitragynine"] for r in rows], color="#1f4e79", label="mitragynine")
    ax1.plot(t, [r["7-hydroxymitragynine"] for r in rows], color="#b45309", label="7-OH")
    ax1.set(xlabel="day", ylabel="plasma (ng/mL)", title="Predicted plasma concentrations")
    ax1.legend(frameon=False, fontsize=7)
    ax2.plot(
        t, [r["relief_nrs_points"] for r in rows], color="#166534", label="relief (NRS points)"
    )
    ax2.fill_between(
        t,
        [r.get("relief_nrs_points_low", r["relief_nrs_points"]) for r in rows],
        [r.get("relief_nrs_points_high", r["relief_nrs_points"]) for r in rows],
        color="#166534",
        alpha=0.15,
    )
    ax3 = ax2.twinx()
    ax3.plot(t, [r["withdrawal_score"] for r in rows], color="#9b1c1c", label="withdrawal score")
    ax2.set(xlabel="day", ylabel="relief (NRS points)", title="Relief and withdrawal (central)")
    ax3.set_ylabel("withdrawal score (0-64)", color="#9b1c1c")
    top = max(r["withdrawal_score"] for r in rows)
    ax3.set_ylim(0, max(5.0, top * 1.1))
    for ax in (ax1, ax2, ax3):
        ax.tick_params(labelsize=7)
    fig.text(0.5, 0.01, FOOTER, ha="center", fontsize=6, color="#666")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def render_report_html(data: dict[str, Any], *, figure: bool | str = True) -> str:
    """The report as one self-contained HTML page (no external resources).

    ``figure``: draw the time-course figure (True), leave it out (False), or a base64 PNG from
    :func:`report_figure` already drawn (for several files of one report).
    """
    drawn = figure if isinstance(figure, str) else report_figure(data) if figure else None
    return _ENV.get_template("clinician.html.j2").render(d=data, figure=drawn)


#: The PDF flavour written: PDF/UA-1, a tagged PDF (structure tree, marked content, language,
#: title) that screen readers can follow.
PDF_VARIANT = "pdf/ua-1"


def render_report_pdf(data: dict[str, Any], *, figure: bool | str = True) -> bytes:
    """The report as tagged PDF bytes (WeasyPrint, PDF/UA-1); ``figure`` as for the HTML."""
    from weasyprint import HTML

    html = render_report_html(data, figure=figure)
    pdf = HTML(string=html).write_pdf(pdf_variant=PDF_VARIANT)
    if pdf is None:  # pragma: no cover - write_pdf returns bytes when no target is given
        raise RuntimeError("WeasyPrint returned no PDF")
    return pdf


def write_report(
    data: dict[str, Any], path: str | Path, *, figure: bool | str = True
) -> list[Path]:
    """Write the report to ``path`` (.html or .pdf) and its JSON beside it; return the files.

    ``figure`` as for :func:`render_report_html`."""
    out = Path(path)
    if out.suffix.lower() == ".pdf":
        out.write_bytes(render_report_pdf(data, figure=figure))
    else:
        out.write_text(render_report_html(data, figure=figure), encoding="utf-8")
    data_file = out.with_suffix(".json")
    data_file.write_text(json.dumps(data, indent=2, allow_nan=False), encoding="utf-8")
    return [out, data_file]
