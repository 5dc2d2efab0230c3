"""Journal plots: the record over time (doses, ratings, withdrawal) and the personal forecast.

A plot of what the person recorded, nothing modelled. Built on a bare
:class:`matplotlib.figure.Figure`, so no global pyplot state is touched by concurrent requests.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import datetime, timedelta

import matplotlib.dates as mdates
from matplotlib.figure import Figure

from kratomsim.journal.entries import DOSE_UNITS, StoredEntry
from kratomsim.journal.fit import Forecast
from kratomsim.reports.plots import FOOTER


def _local(at: datetime) -> datetime:
    return at.astimezone().replace(tzinfo=None)


def plot_journal(entries: Sequence[StoredEntry]) -> Figure:
    """Three panels sharing the time axis: doses (g of product), 0–10 ratings, SOWS (0–64).

    ``entries`` must not be empty.
    """
    doses = [
        (e, float(e.data["amount"]) * DOSE_UNITS[str(e.data["unit"])])
        for e in entries
        if e.kind == "dose"
    ]
    fig = Figure(figsize=(9, 6.6), layout="constrained")
    top, mid, bottom = fig.subplots(3, 1, sharex=True, height_ratios=(1.0, 1.4, 1.0))

    if doses:
        t = [_local(e.at) for e, _ in doses]
        top.vlines(t, 0, [g for _, g in doses], color="#1f5f8b", lw=2.2, label="dose")
        top.plot(t, [g for _, g in doses], "o", color="#1f5f8b", ms=4)
        top.set_ylim(bottom=0)
    top.set_ylabel("dose\n(g of product)")

    series = (
        ("pain", "nrs", "pain NRS", "#c0392b", "o-"),
        ("peg", None, "PEG-3 score", "#8e44ad", "s-"),
    )
    for kind, field, label, colour, style in series:
        chosen = [e for e in entries if e.kind == kind]
        if not chosen:
            continue
        t = [_local(e.at) for e in chosen]
        if field is None:  # PEG score: the mean of its three items (Krebs 2009)
            y = [(e.data["pain"] + e.data["enjoyment"] + e.data["activity"]) / 3 for e in chosen]
        else:
            y = [e.data[field] for e in chosen]
        mid.plot(t, y, style, color=colour, lw=1.3, ms=4, label=label)
    symptoms = [e for e in entries if e.kind == "symptom"]
    if symptoms:
        mid.plot(
            [_local(e.at) for e in symptoms],
            [e.data["severity"] for e in symptoms],
            "^",
            color="#7f8c8d",
            ms=5,
            label="symptom severity",
        )
    mid.set_ylim(-0.3, 10.3)
    mid.set_ylabel("rating (0–10)")

    withdrawal = [e for e in entries if e.kind == "withdrawal"]
    if withdrawal:
        bottom.plot(
            [_local(e.at) for e in withdrawal],
            [e.data["sows"] for e in withdrawal],
            "o-",
            color="#d35400",
            lw=1.3,
            ms=4,
            label="SOWS",
        )
    bottom.set_ylim(bottom=0, top=max([10, *(e.data["sows"] for e in withdrawal)]) * 1.08)
    bottom.set_ylabel("withdrawal\n(SOWS 0–64)")

    for ax in (top, mid, bottom):
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc="upper left")
    # at least a day wide, so one entry or a single morning still gets a readable date axis
    times = [_local(e.at) for e in entries]
    span = max(max(times) - min(times), timedelta(days=1))
    pad = span * 0.04 + (span - (max(times) - min(times))) / 2
    bottom.set_xlim(min(times) - pad, max(times) + pad)  # pyright: ignore[reportArgumentType]
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    bottom.xaxis.set_major_locator(locator)
    bottom.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    top.set_title("Your journal (what you recorded; nothing modelled)", fontsize=10)
    return fig


def plot_forecast(forecast: Forecast) -> Figure:
    """Each forecast quantity over the days ahead: posterior median and credible band."""
    fig = Figure(figsize=(9, 2.2 * len(forecast.series) + 0.6), layout="constrained")
    axes = fig.subplots(len(forecast.series), 1, sharex=True, squeeze=False)[:, 0]
    days = forecast.hours_ahead / 24.0
    band = f"{forecast.level:.0%} credible band"
    for ax, s in zip(axes, forecast.series, strict=True):
        ax.fill_between(days, s.low, s.high, color="#1f5f8b", alpha=0.2, label=band)
        ax.plot(days, s.median, color="#1f5f8b", lw=1.5, label="median")
        unit = textwrap.fill(f"({s.unit})", width=26)
        ax.set_ylabel(f"{s.name.replace('_', ' ')}\n{unit}", fontsize=8)
        # scores are never below zero; a flat zero line still gets a readable axis
        ax.set_ylim(min(0.0, float(s.low.min())), max(1.0, float(s.high.max()) * 1.08))
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="upper right")
    axes[-1].set_xlabel("days after your last journal entry")
    axes[0].set_title(f"Forecast under the plan: {forecast.plan}", fontsize=10)
    fig.supxlabel(FOOTER, x=0.01, ha="left", fontsize=7.5, color="0.3")
    return fig
