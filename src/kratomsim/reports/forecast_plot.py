"""Plot of a personal forecast: relief and withdrawal score ahead, with credible bands."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from kratomsim.journal.fit import Forecast
from kratomsim.reports.plots import FOOTER


def plot_forecast(forecast: Forecast, path: str | Path | None = None) -> Figure:
    """Two panels over the days ahead: relief (NRS points) and withdrawal score, median and band."""
    fig = Figure(figsize=(8.0, 3.2), dpi=120, layout="constrained")
    days = forecast.hours_ahead / 24.0
    panels = (
        ("relief_nrs", "Pain relief", "#166534"),
        ("withdrawal_score", "Withdrawal (SOWS)", "#9b1c1c"),
    )
    for ax, (name, title, colour) in zip(fig.subplots(1, 2), panels, strict=True):
        s = forecast.get(name)
        ax.fill_between(
            days,
            s.low,
            s.high,
            color=colour,
            alpha=0.18,
            label=f"{forecast.level:.0%} credible band",
        )
        ax.plot(days, s.median, color=colour, label="median")
        ax.set(xlabel="days after the last journal entry", ylabel=s.unit, title=title)
        ax.legend(frameon=False, fontsize=7)
    fig.suptitle(f"Personal forecast — plan: {forecast.plan}", fontsize=10)
    fig.text(0.5, 0.0, FOOTER, ha="center", fontsize=6, color="#666")
    if path is not None:
        fig.savefig(path)
    return fig
