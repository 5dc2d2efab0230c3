"""Plots a person would rather see than read: exposure over time with dose marks.

Figures are built on :class:`matplotlib.figure.Figure` directly (Agg canvas), so nothing touches
pyplot's global state and nothing needs a display.
"""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from kratomsim.analyses.outcomes import Outcomes
from kratomsim.analyses.taper import TaperResult
from kratomsim.engine.result import Simulation
from kratomsim.errors import KratomsimError, bad_value

if TYPE_CHECKING:  # matplotlib loads in about 0.6 s: only commands that draw pay for it
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FOOTER = "Simulation, not advice; discuss with a clinician."
COLOURS = {"mitragynine": "#1f5f8b", "7-hydroxymitragynine": "#c0392b"}
#: File suffix → matplotlib format.
FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
UNITS = ("ng/mL", "nM")
#: Windows longer than this (h) are drawn in days.
DAYS_AFTER_H = 96.0
#: gid of the dose-mark artist in each panel (one marker per dose actually taken).
DOSE_MARKS = "dose-marks"


class PlotError(KratomsimError, ValueError):
    """A plot cannot be drawn or written as asked."""


def check_plot_path(path: str | Path) -> str:
    """Return the matplotlib format for ``path``; raise :class:`PlotError` for other suffixes."""
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise PlotError(
            bad_value(
                "Plot files must end in .png or .svg (or .pdf)",
                str(path),
                "Choose e.g. exposure.png or exposure.svg.",
            )
        )
    return fmt


def _plain(text: str) -> str:
    """Text safe for matplotlib: no mathtext (``$``) interpretation."""
    return text.replace("$", r"\$")


def _mark_doses(ax: Axes, doses: NDArray[np.float64]) -> None:
    """One tick per dose on the time axis, below the curve, whatever the y-range."""
    ax.plot(
        doses,
        np.zeros_like(doses),
        linestyle="none",
        marker="|",
        color="0.25",
        markersize=9,
        markeredgewidth=1.1,
        transform=ax.get_xaxis_transform(),  # x in data, y in axes fraction
        clip_on=False,
        label="dose",
        gid=DOSE_MARKS,
    )


def plot_exposure(
    sim: Simulation,
    path: str | Path | None = None,
    *,
    unit: Literal["ng/mL", "nM"] = "ng/mL",
) -> Figure:
    """Plasma mitragynine and 7-OH-mitragynine over time, one panel each, with dose marks.

    With several subjects the median is drawn with a 5–95 % band. ``path`` (.png or .svg; .pdf
    also works) writes the figure; the format follows the suffix.

    Raises
    ------
    PlotError
        For an unknown unit or file suffix, or a file that cannot be written.
    """
    if unit not in UNITS:
        raise PlotError(bad_value("Unknown concentration unit", unit, "Use 'ng/mL' or 'nM'."))
    fmt = None if path is None else check_plot_path(path)
    conc = sim.conc_ng_ml if unit == "ng/mL" else sim.conc_nm
    long = float(sim.time_h[-1]) > DAYS_AFTER_H
    scale, t_unit = (24.0, "days") if long else (1.0, "h")
    x = sim.time_h / scale
    doses = np.asarray(sim.dose_times_h, dtype=np.float64)
    # Only doses inside the window: a short --duration can end before the regimen does.
    doses = doses[(doses >= sim.time_h[0]) & (doses <= sim.time_h[-1])] / scale

    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 6.4), layout="constrained")
    axes = fig.subplots(2, 1, sharex=True)
    for k, (ax, name) in enumerate(zip(axes, sim.analytes, strict=True)):
        series = conc[:, :, k]
        colour = COLOURS.get(name, f"C{k}")
        if series.shape[0] > 1:
            lo, mid, hi = np.percentile(series, [5, 50, 95], axis=0)
            ax.fill_between(x, lo, hi, color=colour, alpha=0.2, label="5–95 % of subjects")
            ax.plot(x, mid, color=colour, lw=1.6, label=f"{name} (median)", gid=name)
            top = float(np.max(hi))
        else:
            ax.plot(x, series[0], color=colour, lw=1.6, label=name, gid=name)
            top = float(np.max(series[0]))
        ax.set_ylabel(f"{name}\nplasma ({unit})")
        ax.set_ylim(0.0, top * 1.08 if top > 0 else 1.0)
        ax.set_xlim(float(x[0]), float(x[-1]))
        ax.grid(alpha=0.3)
        _mark_doses(ax, doses)
        ax.legend(loc="upper right", fontsize=8)
    axes[-1].set_xlabel(f"time since first dose ({t_unit})")
    text = sim.regimen.text or f"{len(sim.dose_times_h)} doses"
    title = textwrap.shorten(f"{text} — {sim.product.name}", width=110, placeholder=" …")
    axes[0].set_title(_plain(title), fontsize=10)
    # A figure-level label below the x label: the layout engine keeps room for it.
    fig.supxlabel(FOOTER, x=0.01, ha="left", fontsize=7.5, color="0.3")
    if path is not None:
        try:
            with warnings.catch_warnings():  # exotic characters in a scenario name
                warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font")
                fig.savefig(path, format=fmt, dpi=120)
        except OSError as exc:
            raise PlotError(
                bad_value(
                    "Cannot write the plot file",
                    str(path),
                    f"Check that the folder exists and is writable ({exc.strerror or exc}).",
                )
            ) from None
    return fig


def plot_taper(results: Sequence[TaperResult], path: str | Path | None = None) -> Figure:
    """Withdrawal score (central line and interval) and effective activation for each plan."""
    if path is not None:
        check_plot_path(path)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 6.2), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    for r in results:
        t = (r.outcomes.time_h - r.start_h) / 24.0
        score = r.outcomes.get("withdrawal_score")
        (line,) = top.plot(t, score.central, lw=1.6, label=r.plan.text)
        top.fill_between(t, score.low, score.high, color=line.get_color(), alpha=0.12)
        eff = r.outcomes.get("effective_activation")
        bottom.plot(t, eff.central, lw=1.4, color=line.get_color(), label=r.plan.text)
    top.set_ylabel("withdrawal score\n(SOWS points, 0–64)")
    top.set_ylim(bottom=0)
    bottom.set_ylabel("effective MOR activation\n(fraction of system maximum)")
    bottom.set_xlabel("days since the plan starts (negative: steady use before it)")
    for ax in (top, bottom):
        ax.axvline(0.0, color="0.4", lw=0.8, ls=":")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper right")
    top.set_title(
        "Taper plans compared (central line, shaded: interval over parameter draws)", fontsize=10
    )
    fig.text(0.01, 0.002, FOOTER, fontsize=7, color="0.35", ha="left", va="bottom")
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig


OUTCOME_PANELS = (
    "mu_activation",
    "tolerance",
    "withdrawal_score",
    "ventilation_change_pct",
    "pupil_change_mm",
)
#: Short axis labels for outcomes whose unit text is long (the sign is said in words).
PANEL_LABELS = {
    "ventilation_change_pct": "breathing, % change\n(below 0: depressed)",
    "pupil_change_mm": "pupil, mm change\n(below 0: smaller)",
}


def plot_outcomes(res: Outcomes, path: str | Path | None = None) -> Figure:
    """Exposure and the pain-response outcomes, each with its interval, over time."""
    if path is not None:
        check_plot_path(path)
    extra = [
        s.name
        for s in res.series
        if s.name in ("pain_nrs", "cold_pressor_tolerance_s", "ecs_activation_hypothesis")
    ]
    names = [*OUTCOME_PANELS, *extra]
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 2.1 * (len(names) + 1)), layout="constrained")
    axes = fig.subplots(len(names) + 1, 1, sharex=True)
    sim = res.exposure
    x, xlabel = (
        (res.time_h / 24.0, "time since first dose (days)")
        if res.time_h[-1] > 96
        else (res.time_h, "time since first dose (h)")
    )
    for k, name in enumerate(sim.analytes):
        axes[0].plot(x, sim.conc_ng_ml[0, :, k], color=COLOURS[name], lw=1.2, label=name)
    axes[0].set_ylabel("plasma (ng/mL)")
    axes[0].legend(fontsize=8, loc="upper right")
    for ax, name in zip(axes[1:], names, strict=True):
        s = res.get(name)
        ax.plot(x, s.central, color="#333333", lw=1.3, label=f"{name} (cited values)")
        ax.fill_between(
            x, s.low, s.high, color="#7f8c8d", alpha=0.25, label=f"{res.level:.0%} interval"
        )
        label = name.replace("_", " ")
        if name.endswith("hypothesis"):
            label += "\n(HYPOTHESIS, unsupported)"
        if s.falls:
            ax.axhline(0.0, color="0.4", lw=0.8, ls=":")
        ax.set_ylabel(PANEL_LABELS.get(name, f"{label}\n({s.unit})"), fontsize=8)
        ax.legend(fontsize=7, loc="lower right" if s.falls else "upper right")
    for ax in axes:
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel(xlabel)
    axes[0].set_title(f"{sim.regimen.text} — {sim.product.name}", fontsize=10)
    fig.text(0.01, 0.002, FOOTER, fontsize=7, color="0.35", ha="left", va="bottom")
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig
