"""Plots a person would rather see than read: exposure over time with dose marks."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
from matplotlib.figure import Figure

from kratomsim.engine.result import Simulation
from kratomsim.errors import KratomsimError, bad_value

FOOTER = "Simulation, not advice: discuss any use with a clinician."
COLOURS = {"mitragynine": "#1f5f8b", "7-hydroxymitragynine": "#c0392b"}
SUFFIXES = {".png", ".svg", ".pdf"}


class PlotError(KratomsimError, ValueError):
    """A plot cannot be written as asked."""


def _time_axis(t_h: np.ndarray) -> tuple[np.ndarray, str]:
    if t_h[-1] > 96:
        return t_h / 24.0, "time since first dose (days)"
    return t_h, "time since first dose (h)"


def plot_exposure(
    sim: Simulation,
    path: str | Path | None = None,
    *,
    unit: Literal["ng/mL", "nM"] = "ng/mL",
) -> Figure:
    """Plasma mitragynine and 7-OH-mitragynine over time, one panel each, with dose marks.

    With several subjects the median is drawn with a 5–95 % band. ``path`` (.png, .svg or .pdf)
    writes the figure.
    """
    if path is not None and Path(path).suffix.lower() not in SUFFIXES:
        raise PlotError(
            bad_value(
                "Plot files must end in .png, .svg or .pdf", str(path), "Choose e.g. exposure.png."
            )
        )
    conc = sim.conc_ng_ml if unit == "ng/mL" else sim.conc_nm
    x, xlabel = _time_axis(sim.time_h)
    doses, _ = (
        _time_axis(np.asarray(sim.dose_times_h))
        if sim.time_h[-1] > 96
        else (np.asarray(sim.dose_times_h), "")
    )
    fig = Figure(figsize=(9, 6.2), layout="constrained")
    axes = fig.subplots(2, 1, sharex=True)
    for k, (ax, name) in enumerate(zip(axes, sim.analytes, strict=True)):
        series = conc[:, :, k]
        colour = COLOURS[name]
        if series.shape[0] > 1:
            lo, mid, hi = np.percentile(series, [5, 50, 95], axis=0)
            ax.fill_between(x, lo, hi, color=colour, alpha=0.2, label="5–95 % of subjects")
            ax.plot(x, mid, color=colour, lw=1.6, label=f"{name} (median)")
        else:
            ax.plot(x, series[0], color=colour, lw=1.6, label=name)
        ax.set_ylabel(f"{name}\nplasma ({unit})")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.plot(
            doses,
            np.zeros_like(doses),
            "|",
            color="0.25",
            ms=10,
            mew=1.2,
            label="dose",
            clip_on=False,
            gid="dose-marks",
        )
        ax.legend(loc="upper right", fontsize=8)
    axes[-1].set_xlabel(xlabel)
    text = sim.regimen.text or f"{len(sim.dose_times_h)} doses"
    axes[0].set_title(f"{text} — {sim.product.name}", fontsize=10)
    fig.text(0.01, 0.002, FOOTER, fontsize=7, color="0.35", ha="left", va="bottom")
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig
