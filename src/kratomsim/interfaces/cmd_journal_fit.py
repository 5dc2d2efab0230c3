"""``kratomsim journal fit``: personal parameters from the journal, and a forecast under a plan."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from kratomsim.errors import JournalError, bad_value
from kratomsim.interfaces.cmd_journal import ShowFormat, journal_app
from kratomsim.interfaces.options import out
from kratomsim.interfaces.output import brief, is_brief, refuse_brief
from kratomsim.reports.disclaimer import DISCLAIMER


@journal_app.command("fit")
def fit_cmd(
    last: Annotated[
        str | None, typer.Option("--last", help="Fit only the last span, e.g. 28d (default: all).")
    ] = None,
    plan: Annotated[
        str,
        typer.Option(
            "--plan",
            help="What to forecast: 'continue' (the last week's pattern), 'stop', or a regimen.",
        ),
    ] = "continue",
    horizon: Annotated[str, typer.Option("--horizon", help="How far ahead, e.g. '7 d'.")] = "7 d",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the posterior sampling.")] = 0,
    plot: Annotated[
        str | None, typer.Option("--plot", help="Write the forecast plot (PNG/SVG/PDF).")
    ] = None,
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f", help="table or json.")] = (
        ShowFormat.table
    ),
) -> None:
    """Fit your journal (population model as prior) and forecast relief and withdrawal.

    Shows each personal parameter with its 90 % credible interval beside the prior's, and says
    which ones the journal could not narrow. A forecast under a plan you choose is a simulation,
    not a recommendation.
    """
    from kratomsim.interfaces.api import read_plan
    from kratomsim.interfaces.cmd_journal import _journal, _since
    from kratomsim.interfaces.labels import narrowed_summary, parameter_display, parameter_label
    from kratomsim.journal.fit import fit_person
    from kratomsim.journal.fit_data import FitData
    from kratomsim.reports.forecast_plot import plot_forecast
    from kratomsim.reports.plots import check_plot_path

    if is_brief() and fmt is not ShowFormat.table:
        raise refuse_brief("journal fit", fmt.value)
    if plot is not None:
        check_plot_path(plot)
    chosen = read_plan(plan)  # fail before the work
    with _journal(readonly=True) as journal:
        entries = [] if journal is None else journal.entries(_since(last))
    if not entries:
        raise JournalError(
            bad_value("The journal is empty", "no entries", "Log doses and pain ratings first.")
        )
    fit = fit_person(FitData.from_entries(entries), seed=seed)
    forecast = fit.forecast(chosen, horizon, seed=seed)
    if plot is not None:
        plot_forecast(forecast, plot)
    if fmt is ShowFormat.json:
        payload = {
            "generated": datetime.now().astimezone().isoformat(timespec="seconds"),
            "counts": fit.counts,
            "effective_sample_size": fit.ess,
            "level": fit.level,
            "summary": fit.summary(),
            "estimates": [
                {
                    "name": e.name,
                    "unit": e.unit,
                    "median": e.median,
                    "low": e.low,
                    "high": e.high,
                    "prior_low": e.prior_low,
                    "prior_high": e.prior_high,
                    "informative": e.informative,
                    "prior_source": e.prior.source,
                    "prior_grade": e.prior.grade,
                }
                for e in fit.estimates
            ],
            "forecast": {"plan": forecast.plan, **forecast.to_frame().to_dict(orient="list")},
            "disclaimer": DISCLAIMER,
        }
        sys.stdout.write(json.dumps(payload, allow_nan=False) + "\n")
        return
    names = [e.name for e in fit.estimates]
    summary = narrowed_summary(names, [e.informative for e in fit.estimates], fit.resolved)
    if is_brief():
        relief, wd = forecast.get("relief_nrs"), forecast.get("withdrawal_score")
        brief(
            [
                summary,
                f"Forecast ({forecast.plan}), last day: relief {relief.median[-1]:.1f} NRS points "
                f"({relief.low[-1]:.1f}-{relief.high[-1]:.1f}); withdrawal {wd.median[-1]:.1f} "
                f"on SOWS 0-64 ({wd.low[-1]:.1f}-{wd.high[-1]:.1f}), {fit.level:.0%} interval.",
                "More: drop --brief for every parameter and the day-by-day forecast.",
            ],
            out,
        )
        return
    table = Table(title=f"What your journal says about you ({fit.level:.0%} credible interval)")
    columns = ("what it describes", "median", "interval", "before your journal", "narrowed")
    for col in (*columns, "model name", "source (grade)"):
        table.add_column(col)
    for e in fit.estimates:
        k, unit = parameter_display(e.name, e.unit)
        table.add_row(
            parameter_label(e.name),
            f"{k * e.median:.3g} {unit}".strip(),
            f"{k * e.low:.3g}-{k * e.high:.3g}",
            f"{k * e.prior_low:.3g}-{k * e.prior_high:.3g}",
            "yes" if e.informative else "no",
            e.name,
            f"{e.prior.source} ({e.prior.grade})",
        )
    out.print(table)
    out.print(Text(summary))
    ahead = Table(title=f"Forecast, plan: {forecast.plan}")
    for col in ("days ahead", "relief (NRS points)", "withdrawal score (0-64)"):
        ahead.add_column(col)
    relief, wd = forecast.get("relief_nrs"), forecast.get("withdrawal_score")
    hours = forecast.hours_ahead
    for i in range(0, hours.size, max(1, round(24.0 / max(hours[1] - hours[0], 1e-9)))):
        ahead.add_row(
            f"{hours[i] / 24:.0f}",
            f"{relief.median[i]:.1f} ({relief.low[i]:.1f}-{relief.high[i]:.1f})",
            f"{wd.median[i]:.1f} ({wd.low[i]:.1f}-{wd.high[i]:.1f})",
        )
    out.print(ahead)
    out.print(Text(DISCLAIMER, style="dim"))


def register(app: typer.Typer) -> None:
    """``journal fit`` is added to the journal group on import; nothing else to register."""
