"""Goodness-of-fit plots of the qualification report: predicted against observed, one per category.

Log axes, the line of identity with bands at 1.25× and 2×, the observed interval as a horizontal
bar and the predicted one as a vertical bar; out-of-sample comparisons filled, in-sample ones
hollow; each point numbered as in the report's tables. Square panels of about 540 px that stay
readable when a phone shows them 390 px wide.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from kratomsim.analyses.validation_scores import BANDS, Comparison
from kratomsim.reports.plots import FOOTER

OUT_COLOUR = "#1f5f8b"
IN_COLOUR = "#7a7a7a"


def plottable(rows: Sequence[Comparison]) -> list[tuple[int, Comparison]]:
    """(number, comparison) of the rows with a fold error (both values > 0), numbered 1… as in
    the category's table."""
    return [(i, c) for i, c in enumerate(rows, start=1) if c.fold is not None]


def _err(est_value: float, low: float | None, high: float | None) -> tuple[float, float]:
    lo = est_value - low if low is not None and low > 0 else 0.0
    hi = high - est_value if high is not None else 0.0
    return max(lo, 0.0), max(hi, 0.0)


def gof_figure(title: str, rows: Sequence[Comparison]) -> str | None:
    """Base64 PNG of one category's panel; None when no comparison has a fold error."""
    points = plottable(rows)
    if not points:
        return None
    fig = Figure(figsize=(3.6, 3.8), dpi=150, layout="constrained")
    ax = fig.subplots()
    values = []
    for number, c in points:
        o, p = c.observed, c.predicted
        assert o.value is not None and p.value is not None
        values += [o.value, p.value]
        values += [v for v in (o.low, o.high, p.low, p.high) if v is not None and v > 0]
        out = c.sample == "out"
        colour = OUT_COLOUR if out else IN_COLOUR
        xerr = np.array(_err(o.value, o.low, o.high))[:, None]
        yerr = np.array(_err(p.value, p.low, p.high))[:, None]
        ax.errorbar(
            o.value, p.value, xerr=xerr, yerr=yerr, fmt="o", ms=5, lw=0.8, capsize=0,
            color=colour, mfc=colour if out else "white", mec=colour, alpha=0.9, zorder=3,
        )  # fmt: skip
        ax.annotate(
            str(number), (o.value, p.value), xytext=(3, 3), textcoords="offset points",
            fontsize=7, color=colour,
        )  # fmt: skip
    lo, hi = min(values) / 2.5, max(values) * 2.5
    widen = max(1.0, 30.0 / (hi / lo)) ** 0.5  # at least a factor 30 (1.5 decades) across
    lo, hi = lo / widen, hi * widen
    line = np.array([lo, hi])
    ax.plot(line, line, color="black", lw=0.8)
    for band, alpha in zip(BANDS[::-1], (0.08, 0.14), strict=True):
        ax.fill_between(line, line / band, line * band, color=OUT_COLOUR, alpha=alpha, lw=0)
    ax.set(xscale="log", yscale="log", xlim=(lo, hi), ylim=(lo, hi), aspect="equal")
    ax.set_xlabel("observed in people", fontsize=8)
    ax.set_ylabel("predicted by the model", fontsize=8)
    ax.set_title(title, fontsize=9, loc="left")
    ax.tick_params(labelsize=7)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(LogLocator(base=10.0))
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        axis.set_minor_formatter(NullFormatter())
    handles = [
        Line2D([], [], marker="o", ls="", color=OUT_COLOUR, label="not fitted (out of sample)"),
        Line2D([], [], marker="o", ls="", color=IN_COLOUR, mfc="white", label="fitted (in sample)"),
    ]  # fmt: skip
    ax.legend(handles=handles, fontsize=6.5, loc="upper left", frameon=False)
    ax.text(
        0.98, 0.02, "bands: 1.25× and 2×\nbars: intervals", transform=ax.transAxes, ha="right",
        va="bottom", fontsize=6.5, color="0.35",
    )  # fmt: skip
    fig.text(0.5, -0.01, FOOTER, ha="center", va="top", fontsize=6, color="0.4")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")
