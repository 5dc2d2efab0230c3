"""The ``trial`` command: a virtual population (or replicated trials) of one regimen."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from kratomsim.errors import PopulationError, bad_value
from kratomsim.interfaces.options import (
    ARGS_AS_TEXT,
    DurationOpt,
    Format,
    MgOpt,
    OhOpt,
    ProductOpt,
    RegimenArg,
    out,
)
from kratomsim.interfaces.output import brief, is_brief, refuse_brief, refuse_format
from kratomsim.population.executor_names import EXECUTORS
from kratomsim.reports.disclaimer import DISCLAIMER

if TYPE_CHECKING:
    import pandas as pd

    from kratomsim.population import PopulationResult


#: Runs with at least this many subjects in all show a progress bar on stderr.
PROGRESS_FROM = 5000
NOTE = (
    "Spread between simulated people and (with --trials) between replicated trials; every "
    "number rests on the cited values and labelled assumptions listed. Not a forecast for one "
    "person and not a dose recommendation."
)


def _pairs(items: list[str] | None, what: str, example: str) -> dict[str, float]:
    found: dict[str, float] = {}
    for text in items or []:
        name, sep, value = text.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = None
        if not sep or not name.strip() or number is None:
            raise PopulationError(
                bad_value(f"{what} must read NAME=VALUE", text, f"E.g. {example}.")
            )
        found[name.strip()] = number
    return found


def _percentiles(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(p) for p in text.split(",") if p.strip())
    except ValueError:
        values = ()
    if not values:
        raise PopulationError(bad_value("Percentiles must be numbers", text, "E.g. 5,50,95."))
    return values


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int, int], None] | None]:
    if total < PROGRESS_FROM:
        yield None
        return
    bar = Progress(
        TextColumn("simulating"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} subjects"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with bar:
        task = bar.add_task("trial", total=total)
        yield lambda done, _total: bar.update(task, completed=done)


def _csv_writer(path: Path) -> Callable[[pd.DataFrame], None]:
    path.write_text("", encoding="utf-8")  # fail before the work if it cannot be written
    first = [True]

    def write(frame: pd.DataFrame) -> None:
        frame.to_csv(path, mode="a", header=first[0], index=False, float_format="%.6g")
        first[0] = False

    return write


def scalar_table(res: PopulationResult) -> Table:
    pcts = sorted(next(iter(res.scalars.values())).percentiles)
    table = Table(
        title=f"Per-subject outputs over {res.metadata['n_subjects'] * res.metadata['n_trials']:,} "
        "virtual subjects",
        title_justify="left",
    )
    for col in ("output", *(f"p{p:g}" for p in pcts), "mean", "SD"):
        table.add_column(col, justify="left" if col == "output" else "right")
    for name, s in res.scalars.items():
        table.add_row(
            name, *(f"{s.percentiles[p]:.4g}" for p in pcts), f"{s.mean:.4g}", f"{s.sd:.4g}"
        )
    return table


def exceedance_table(res: PopulationResult) -> Table:
    table = Table(title="Share of subjects beyond each threshold", title_justify="left")
    for col in ("threshold", "subjects", "share", "95 % CI (exact)"):
        table.add_column(col, justify="left" if col == "threshold" else "right")
    for e in res.exceedances:
        table.add_row(
            str(e.threshold),
            f"{e.count:,}/{e.n:,}",
            f"{e.share:.2%}",
            f"{e.ci_low:.2%}–{e.ci_high:.2%}",
        )
    return table


def trial_table(res: PopulationResult) -> Table:
    table = Table(
        title=f"Spread of the trial medians over {len(res.trials)} replicated trials "
        "(parameter uncertainty)",
        title_justify="left",
    )
    for col in ("output", "p5", "p50", "p95"):
        table.add_column(col, justify="left" if col == "output" else "right")
    for name, s in res.trial_spread.items():
        table.add_row(name, *(f"{s[p]:.4g}" for p in (5.0, 50.0, 95.0)))
    return table


def _run_line(res: PopulationResult) -> str:
    m = res.metadata
    acc = m["percentile_accuracy_relative"]
    return (
        f"seed {m['seed']}, executor {m['executor']} ({m['workers']} worker(s)), chunk "
        f"{m['chunk_size']}, {m['wall_time_s']:.1f} s ({m['subjects_per_s']:.0f} subjects/s); "
        f"percentiles within {acc['scalars']:.2%} (outputs) and {acc['time_bands']:.2%} "
        "(time bands) of exact."
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""

    @app.command("trial", context_settings=ARGS_AS_TEXT)
    def trial_cmd(
        regimen: RegimenArg,
        n: Annotated[int, typer.Option("--n", help="Subjects per trial.")] = 1000,
        seed: Annotated[int, typer.Option("--seed", help="Seed (same seed, same people).")] = 0,
        trials: Annotated[
            int, typer.Option("--trials", help="Replicated trials (parameter uncertainty).")
        ] = 1,
        product: ProductOpt = None,
        mg_per_g: MgOpt = None,
        oh7_mg_per_g: OhOpt = None,
        duration: DurationOpt = None,
        executor: Annotated[
            str, typer.Option("--executor", help=f"{', '.join(EXECUTORS)}.")
        ] = "serial",
        workers: Annotated[
            int | None, typer.Option("--workers", help="Processes or Dask workers.")
        ] = None,
        scheduler: Annotated[
            str | None, typer.Option("--scheduler", help="Dask scheduler, tcp://host:port.")
        ] = None,
        chunk_size: Annotated[int, typer.Option("--chunk-size", help="Subjects per chunk.")] = 1000,
        threshold: Annotated[
            list[str] | None,
            typer.Option("--threshold", help="NAME>VALUE, e.g. cmax_mg_nm>200 (repeatable)."),
        ] = None,
        covariate: Annotated[
            list[str] | None,
            typer.Option(
                "--covariate",
                help="NAME=VALUE: weight (kg), sex, hepatic (A/B/C), cyp3a4, cyp2d6 (repeatable).",
            ),
        ] = None,
        omega: Annotated[
            list[str] | None, typer.Option("--omega", help="Override an ω, e.g. cl=0.4.")
        ] = None,
        correlation: Annotated[
            list[str] | None,
            typer.Option("--correlation", help="Override a correlation, e.g. cl,v1=0.6."),
        ] = None,
        percentiles: Annotated[
            str, typer.Option("--percentiles", help="Comma-separated, e.g. 5,50,95.")
        ] = "5,50,95",
        fixed_content: Annotated[
            bool,
            typer.Option("--fixed-content", help="No batch-to-batch spread of product content."),
        ] = False,
        residual: Annotated[
            bool, typer.Option("--residual-error", help="Add simulated assay error bands.")
        ] = False,
        fmt: Annotated[
            Format, typer.Option("--format", "-f", help="table or json (csv: see --per-subject).")
        ] = Format.table,
        plot: Annotated[
            Path | None, typer.Option("--plot", help="Write VPC-style bands (.png or .svg).")
        ] = None,
        per_subject: Annotated[
            Path | None, typer.Option("--per-subject", help="Write one CSV row per subject.")
        ] = None,
    ) -> None:
        """Simulate a virtual population (variability, covariates) for a regimen. Never advice."""
        from kratomsim.interfaces.api import read_use
        from kratomsim.interfaces.briefs import trial_lines
        from kratomsim.interfaces.render import evidence_table
        from kratomsim.population import PopulationSpec, run_population
        from kratomsim.reports.plots import check_plot_path

        if fmt is Format.csv:
            raise refuse_format(
                "kratomsim trial (one row per subject: --per-subject FILE.csv)",
                "csv",
                ("table", "json"),
            )
        if is_brief() and fmt is not Format.table:
            raise refuse_brief("trial", fmt.value)
        if plot is not None:
            check_plot_path(plot)
        pairs = _pairs(correlation, "A correlation", "cl,v1=0.6")
        corr: dict[tuple[str, str], float] = {}
        for key, val in pairs.items():
            a, sep, b = key.partition(",")
            if not sep:
                raise PopulationError(
                    bad_value("A correlation names two parameters", key, "E.g. cl,v1=0.6.")
                )
            corr[(a.strip(), b.strip())] = val
        use = read_use(
            regimen,
            product=product,
            mg_per_g=mg_per_g,
            oh7_mg_per_g=oh7_mg_per_g,
            duration=duration,
        )
        spec = PopulationSpec(
            use.regimen,
            n_subjects=n,
            n_trials=trials,
            seed=seed,
            product=use.product,
            mg_per_g=use.mg_per_g,
            oh7_mg_per_g=use.oh7_mg_per_g,
            duration_h=use.duration_h,
            covariates=covariate or (),
            omega=_pairs(omega, "An ω override", "cl=0.4"),
            correlations=corr,
            thresholds=tuple(threshold or ()),
            percentiles=_percentiles(percentiles),
            chunk_size=chunk_size,
            content_variability=not fixed_content,
            residual_error=residual,
        )
        sink = _csv_writer(per_subject) if per_subject is not None else None
        with _progress(n * max(trials, 1)) as progress:
            res = run_population(
                spec,
                executor=executor,
                workers=workers,
                scheduler=scheduler,
                progress=progress,
                per_subject=sink,
            )
        written: list[Path] = []
        if plot is not None:
            # Matplotlib takes about 0.6 s to import: only a trial that draws pays for it
            from kratomsim.reports.population_plots import plot_scalar_histogram, plot_vpc

            plot_vpc(res, plot)
            written.append(plot)
            for name in dict.fromkeys(e.threshold.name for e in res.exceedances):
                path = plot.with_name(f"{plot.stem}_{name}{plot.suffix}")
                plot_scalar_histogram(res, name, path)
                written.append(path)
        if per_subject is not None:
            written.append(per_subject)
        if fmt is Format.json:
            sys.stdout.write(json.dumps(res.to_dict(), allow_nan=False) + "\n")
            for path in written:
                sys.stderr.write(f"wrote: {path}\n")
            return
        if is_brief():
            brief([*trial_lines(res), *(f"wrote: {path}" for path in written)], out)
            return
        out.print(scalar_table(res))
        if res.exceedances:
            out.print(exceedance_table(res))
        if res.trial_spread:
            out.print(trial_table(res))
        title = "Labelled assumptions behind this population (grade, range)"
        out.print(evidence_table(res.assumptions, title, locator=False))
        out.print(Text(_run_line(res), style="dim"))
        for path in written:
            out.print(f"wrote: {path}")
        out.print(Text(f"{NOTE} {DISCLAIMER}", style="dim"))
