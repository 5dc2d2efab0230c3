"""Bar chart of Sobol indices (first-order and total) with their confidence intervals (or, when
no index was estimated, a figure that says why).

Built on :class:`matplotlib.figure.Figure` with the Agg canvas, like the other plots, so nothing
touches pyplot's global state and nothing needs a display.
"""

from __future__ import annotations

from pathlib import Path
from textwrap import fill

import numpy as np
from matplotlib.figure import Figure

from kratomsim.analyses.sensitivity import SobolResult
from kratomsim.reports.plots import FOOTER, check_plot_path

#: At most this many parameters are drawn (those with the largest total index).
MAX_BARS = 20
COLOURS = {"S1": "#1f5f8b", "ST": "#c0392b"}


def plot_sobol(
    result: SobolResult, path: str | Path | None = None, *, max_bars: int = MAX_BARS
) -> Figure:
    """Horizontal bars of S1 and ST per parameter (largest ST on top), error bars = CI half-widths.

    Writes the figure to ``path`` (.png, .svg or .pdf) when given; returns it either way.
    """
    fmt = check_plot_path(path) if path is not None else None
    if not result.estimated:
        return _not_estimated(result, path, fmt)
    frame = result.to_frame().head(max_bars).iloc[::-1]
    rows = np.arange(len(frame))
    height = 0.38
    fig = Figure(figsize=(7.5, 1.6 + 0.32 * max(len(frame), 1)))
    ax = fig.add_subplot()
    for offset, key in ((-height / 2, "S1"), (height / 2, "ST")):
        ax.barh(
            rows + offset,
            frame[key].to_numpy(),
            height=height,
            xerr=frame[f"{key}_conf"].to_numpy(),
            color=COLOURS[key],
            ecolor="#444444",
            capsize=2,
            label={"S1": "first order (S1)", "ST": "total (ST)"}[key],
            gid=f"bars-{key}",
        )
    ax.set_yticks(rows, list(frame["parameter"]))
    ax.axvline(0.0, color="black", linewidth=0.6)
    ax.set_xlim(-0.1, 1.1)
    ax.set_xlabel(f"Sobol index ({result.conf_level:.0%} confidence intervals)")
    shown = len(frame)
    more = len(result.names) - shown
    ax.set_title(
        f"Sensitivity of {result.output}: {result.n_evaluations:,} model runs"
        + (f"\n({more} parameters with smaller ST not shown)" if more > 0 else ""),
        fontsize=10,
    )
    ax.legend(loc="lower right", fontsize=8)
    fig.text(0.01, 0.005, FOOTER, fontsize=7, color="#666666")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    if path is not None:
        fig.savefig(path, format=fmt, dpi=120)
    return fig


def _not_estimated(result: SobolResult, path: str | Path | None, fmt: str | None) -> Figure:
    """A figure that says why there are no bars (the output did not vary; see the result)."""
    fig = Figure(figsize=(7.5, 2.4))
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_title(f"Sensitivity of {result.output}: no index estimated", fontsize=10)
    ax.text(0.0, 0.9, fill(result.reason, 95), va="top", fontsize=8, transform=ax.transAxes)
    fig.text(0.01, 0.005, FOOTER, fontsize=7, color="#666666")
    if path is not None:
        fig.savefig(path, format=fmt, dpi=120)
    return fig
