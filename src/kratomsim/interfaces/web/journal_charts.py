"""Journal charts: the record over time (doses, ratings, withdrawal) and the personal forecast.

What the person recorded, nothing modelled: an interactive chart (:func:`journal_chart`) and its
static fallback (:func:`journal_figure`). A short range shows every entry; a long one shows one
value per day (grams per day, mean pain, highest withdrawal score), so a year of entries stays
readable instead of becoming a solid block. Figures are bare :class:`matplotlib.figure.Figure`
objects, so no global pyplot state is touched by concurrent requests.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import matplotlib.dates as mdates
from matplotlib.figure import Figure

from kratomsim.interfaces.labels import label_for
from kratomsim.interfaces.web.charts import Chart, Series
from kratomsim.journal.entries import StoredEntry, dose_grams
from kratomsim.journal.fit import Forecast
from kratomsim.journal.summary import daily_rows
from kratomsim.reports.plots import FOOTER

#: Ranges longer than this (days) are shown one value per day.
DAILY_AFTER_DAYS = 14.0


def _local(at: datetime) -> datetime:
    return at.astimezone().replace(tzinfo=None)


def _span_days(entries: Sequence[StoredEntry]) -> float:
    times = [e.at for e in entries]
    return (max(times) - min(times)).total_seconds() / 86400.0 if times else 0.0


def journal_chart(entries: Sequence[StoredEntry], png: str) -> Chart | None:
    """The interactive chart of these entries (None when there are none)."""
    live = [e for e in entries if e.deleted_at is None]
    if not live:
        return None
    if _span_days(live) > DAILY_AFTER_DAYS:
        rows = daily_rows(live)
        noon = [
            datetime.combine(r.day, datetime.min.time()).astimezone() + timedelta(hours=12)
            for r in rows
        ]
        x = [t.timestamp() for t in noon]
        nan = float("nan")
        series = [
            Series("grams of product per day", "g", [r.dose_g for r in rows], kind="bars"),
            Series(
                "mean pain (0-10)",
                "0-10",
                [nan if r.pain_mean is None else r.pain_mean for r in rows],
                axis="y2",
                kind="points",
            ),
            Series(
                "highest withdrawal score (SOWS 0-64)",
                "0-64",
                [nan if r.sows_max is None else float(r.sows_max) for r in rows],
                axis="y2",
                kind="points",
            ),
        ]
        title = f"Your journal, one value per day ({len(rows)} days)"
        y_label, y2_label = "grams of product per day", "pain 0-10 · SOWS 0-64"
    else:
        times = sorted({e.at for e in live})
        index = {t: i for i, t in enumerate(times)}
        nan = float("nan")

        def column(kind: str, value: Callable[[StoredEntry], float]) -> list[float]:
            col = [nan] * len(times)
            for e in live:
                if e.kind == kind:
                    col[index[e.at]] = value(e)
            return col

        x = [t.timestamp() for t in times]
        series = [
            Series(
                "dose (g of product)",
                "g",
                column("dose", lambda e: dose_grams(e.data)),
                kind="bars",
            ),
            Series(
                "pain (0-10)",
                "0-10",
                column("pain", lambda e: float(e.data["nrs"])),
                axis="y2",
                kind="points",
            ),
            Series(
                "symptom severity (0-10)",
                "0-10",
                column("symptom", lambda e: float(e.data["severity"])),
                axis="y2",
                kind="points",
            ),
            Series(
                "withdrawal (SOWS 0-64)",
                "0-64",
                column("withdrawal", lambda e: float(e.data["sows"])),
                axis="y2",
                kind="points",
            ),
        ]
        series = [s for s in series if any(v == v for v in s.values)]  # type: ignore[union-attr]
        title = f"Your journal ({len(live)} entries)"
        y_label, y2_label = "grams of product", "ratings"
    return Chart(
        "journal",
        title,
        x,
        "date",
        series,
        x_kind="time",
        y_label=y_label,
        y2_label=y2_label,
        extra={"png": png},
    )


def journal_figure(entries: Sequence[StoredEntry]) -> Figure:
    """Three panels sharing the time axis: grams of product, 0–10 ratings, SOWS (0–64).

    A range longer than :data:`DAILY_AFTER_DAYS` is drawn one value per day. ``entries`` must not
    be empty.
    """
    live = [e for e in entries if e.deleted_at is None]
    fig = Figure(figsize=(9, 6.6), layout="constrained")
    top, mid, bottom = fig.subplots(3, 1, sharex=True, height_ratios=(1.0, 1.4, 1.0))
    if _span_days(live) > DAILY_AFTER_DAYS:
        rows = daily_rows(live)
        days = [datetime.combine(r.day, datetime.min.time()) + timedelta(hours=12) for r in rows]
        top.bar(days, [r.dose_g for r in rows], width=0.8, color="#1f5f8b", label="grams per day")
        pain = [
            (d, r.pain_mean) for d, r in zip(days, rows, strict=True) if r.pain_mean is not None
        ]
        if pain:
            mid.plot(
                [d for d, _ in pain],
                [v for _, v in pain],
                "o-",
                color="#c0392b",
                ms=3,
                lw=1,
                label="mean pain",
            )
        sows = [(d, r.sows_max) for d, r in zip(days, rows, strict=True) if r.sows_max is not None]
        if sows:
            bottom.plot(
                [d for d, _ in sows],
                [v for _, v in sows],
                "s-",
                color="#d35400",
                ms=3,
                lw=1,
                label="highest SOWS",
            )
        times = days
        top.set_ylabel("grams of product\nper day")
    else:
        times = [_local(e.at) for e in live]
        doses = [(e, dose_grams(e.data)) for e in live if e.kind == "dose"]
        if doses:
            t = [_local(e.at) for e, _ in doses]
            top.vlines(t, 0, [g for _, g in doses], color="#1f5f8b", lw=2.2, label="dose")
            top.plot(t, [g for _, g in doses], "o", color="#1f5f8b", ms=4)
        top.set_ylabel("dose\n(g of product)")
        for kind, field, label, colour, style in (
            ("pain", "nrs", "pain NRS", "#c0392b", "o-"),
            ("symptom", "severity", "symptom severity", "#7f8c8d", "^"),
        ):
            chosen = [e for e in live if e.kind == kind]
            if chosen:
                mid.plot(
                    [_local(e.at) for e in chosen],
                    [e.data[field] for e in chosen],
                    style,
                    color=colour,
                    lw=1.3,
                    ms=4,
                    label=label,
                )
        withdrawal = [e for e in live if e.kind == "withdrawal"]
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
    top.set_ylim(bottom=0)
    mid.set_ylim(-0.3, 10.3)
    mid.set_ylabel("rating (0–10)")
    top_sows = bottom.dataLim.ymax * 1.08 if bottom.has_data() else 0.0
    bottom.set_ylim(0, max(10.0, top_sows))
    bottom.set_ylabel("withdrawal\n(SOWS 0–64)")
    for ax in (top, mid, bottom):
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc="upper left")
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
        lab = label_for(s.name, s.unit)
        unit = textwrap.fill(f"({lab.unit})", width=26)
        ax.set_ylabel(f"{textwrap.fill(lab.label, width=26)}\n{unit}", fontsize=8)
        # scores are never below zero; a flat zero line still gets a readable axis
        ax.set_ylim(min(0.0, float(s.low.min())), max(1.0, float(s.high.max()) * 1.08))
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="upper right")
    axes[-1].set_xlabel("days after your last journal entry")
    axes[0].set_title(f"Forecast under the plan: {forecast.plan}", fontsize=10)
    fig.supxlabel(FOOTER, x=0.01, ha="left", fontsize=7.5, color="0.3")
    return fig
