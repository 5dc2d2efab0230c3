"""Plots of a virtual population: VPC-style percentile bands and a scalar's histogram.

Bands show the outer percentiles shaded and the median as a line, as in a visual predictive check;
they describe spread between simulated people, not a forecast for one person.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from kratomsim.errors import bad_value
from kratomsim.population.population import PopulationResult
from kratomsim.reports.plots import FOOTER, PlotError, check_plot_path

#: Panels of the band plot: output → (label, unit).
VPC_PANELS = {
    "mg_nm": ("mitragynine", "nM"),
    "withdrawal_score": ("withdrawal score", "0-10"),
    "tolerance": ("tolerance", "fraction"),
}


def plot_vpc(res: PopulationResult, path: str | Path | None = None) -> Figure:
    """Median and outer-percentile band over time for MG concentration, withdrawal and tolerance."""
    if path is not None:
        check_plot_path(path)
    t = np.asarray(res.time_h)
    days = t[-1] > 96
    x = t / 24.0 if days else t
    fig = Figure(figsize=(9, 7.5), layout="constrained")
    axes = fig.subplots(len(VPC_PANELS), 1, sharex=True)
    for ax, (name, (label, unit)) in zip(axes, VPC_PANELS.items(), strict=True):
        band = res.bands[name]
        pcts = sorted(band)
        lo, hi = band[pcts[0]], band[pcts[-1]]
        ax.fill_between(x, lo, hi, color="#1f5f8b", alpha=0.25, label=f"{pcts[0]:g}–{pcts[-1]:g} %")
        if 50.0 in band:
            ax.plot(x, band[50.0], color="#1f5f8b", lw=1.4, label="median")
        ax.set_ylabel(f"{label}\n({unit})", fontsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper right")
    axes[-1].set_xlabel("time since first dose (days)" if days else "time since first dose (h)")
    meta = res.metadata
    axes[0].set_title(
        f"Virtual population: {meta['n_subjects']} subjects × {meta['n_trials']} trial(s), "
        f"{meta['product']}, seed {meta['seed']}",
        fontsize=10,
    )
    fig.text(0.01, 0.002, FOOTER, fontsize=7, color="0.35", ha="left", va="bottom")
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def plot_scalar_histogram(
    res: PopulationResult, name: str, path: str | Path | None = None
) -> Figure:
    """Histogram of one per-subject scalar (log axis) with the run's thresholds on it marked."""
    if name not in res.scalars:
        raise PlotError(
            bad_value("No such scalar output", name, f"Choose {', '.join(res.scalars)}.")
        )
    if path is not None:
        check_plot_path(path)
    s = res.scalars[name]
    edges, counts = s.histogram
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.subplots()
    ax.stairs(counts, edges, fill=True, color="#7f8c8d", alpha=0.6)
    ax.set_xscale("log")
    for e in res.exceedances:
        if e.threshold.name == name:
            ax.axvline(e.threshold.value, color="#c0392b", lw=1.2, ls="--")
            ax.annotate(
                f"{e.threshold}: {e.share:.1%} ({e.ci_low:.1%}–{e.ci_high:.1%})",
                (e.threshold.value, 0.95),
                xycoords=("data", "axes fraction"),
                fontsize=8,
                color="#c0392b",
                ha="left",
            )
    ax.set_xlabel(name)
    ax.set_ylabel("subjects")
    ax.grid(alpha=0.3)
    fig.text(0.01, 0.002, FOOTER, fontsize=7, color="0.35", ha="left", va="bottom")
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig
