"""The ``calibrate-pain`` command: fit the pain-response system to the population studies."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kratomsim.interfaces.briefs import calibrate_pain_lines
from kratomsim.interfaces.options import out
from kratomsim.interfaces.output import brief, is_brief


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("calibrate-pain")(calibrate_pain_cmd)


def calibrate_pain_cmd(
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write pd_calibrated.toml and pd_posterior.toml into this folder "
            "(e.g. the repository's src/kratomsim/evidence/data).",
        ),
    ] = None,
    sets: Annotated[
        int, typer.Option("--sets", min=16, max=20000, help="Parameter sets per wave.")
    ] = 256,
    waves: Annotated[int, typer.Option("--waves", min=1, max=20, help="Sampling waves.")] = 5,
    members: Annotated[
        int,
        typer.Option("--members", min=2, max=200, help="Virtual people per doses-a-day group."),
    ] = 8,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the sampler.")] = 0,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Also write the comparison table as JSON here.")
    ] = None,
) -> None:
    """Fit tolerance, dependence, withdrawal and cold-pressor parameters to what people report.

    Simulates virtual cohorts like each study's sample (Rogers 2024, Singh 2019, Vicknasingam
    2020, Smith 2022, Singh 2018) for thousands of parameter sets and weighs them by how well
    they reproduce every observation; prints observed vs fitted vs left-one-study-out. Minutes.
    """
    from kratomsim.analyses.pd_calibration import calibrate, summary_rows
    from kratomsim.analyses.pd_files import (
        CALIBRATED_FILE,
        POSTERIOR_FILE,
        render_calibrated,
        render_posterior,
    )

    if out_dir is not None and not out_dir.is_dir():
        raise typer.BadParameter(
            f"{out_dir} is not a folder; create it or give another.", param_hint="--out"
        )
    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} sets"),
        TimeElapsedColumn(), console=Console(stderr=True), transient=True,
    )  # fmt: skip
    with bar:
        task = bar.add_task("calibrating", total=sets * waves)
        done_before: dict[str, int] = {}

        def tick(wave: str, done: int, total: int) -> None:
            done_before[wave] = done
            bar.update(task, completed=sum(done_before.values()), description=wave)

        cal = calibrate(
            sets_per_wave=sets, waves=waves, per_group=members, seed=seed, progress=tick
        )
    rows = summary_rows(cal)
    if is_brief():
        brief(calibrate_pain_lines(rows, cal), out)
    else:
        _print_tables(rows, cal)
    if json_file is not None:
        json_file.write_text(json.dumps(rows, indent=2), encoding="utf-8")
        out.print(f"wrote {json_file}")
    if out_dir is not None:
        (out_dir / CALIBRATED_FILE).write_text(render_calibrated(cal), encoding="utf-8")
        (out_dir / POSTERIOR_FILE).write_text(render_posterior(cal), encoding="utf-8")
        out.print(f"wrote {out_dir / CALIBRATED_FILE} and {out_dir / POSTERIOR_FILE}")


def _print_tables(rows: Sequence[Mapping[str, Any]], cal: Any) -> None:
    """Observed vs fitted vs left-one-study-out per observation, then the fitted parameters."""
    import numpy as np

    from kratomsim.analyses.pd_calibration import CALIBRATED

    table = Table(
        title="Population studies: observed, fitted and predicted with the study left out"
    )
    for col in ("observation", "observed", "fitted (90 %)", "left out (90 %)", "Pareto k"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            str(r["observation"]),
            f"{r['observed']:.3g}",
            f"{r['fitted']:.3g} ({r['fitted_low']:.3g}–{r['fitted_high']:.3g})",
            f"{r['left_out']:.3g} ({r['left_out_low']:.3g}–{r['left_out_high']:.3g})"
            + ("" if r["left_out_covers"] else " ✗"),
            f"{r['left_out_pareto_k']:.2f}",
        )
    out.print(table)
    params = Table(title="Fitted parameters (posterior median and 90 % interval)")
    for col in ("parameter", "median", "5 %", "95 %"):
        params.add_column(col)
    for j, name in enumerate(CALIBRATED):
        lo, med, hi = np.percentile(cal.ensemble[:, j], [5, 50, 95])
        params.add_row(name, f"{med:.4g}", f"{lo:.4g}", f"{hi:.4g}")
    out.print(params)
    out.print(
        f"{cal.evaluation.log_theta.shape[0]} sets evaluated; likelihood weight (learning rate) "
        f"{cal.learning_rate:.3g} (at full weight the effective sample size would be "
        f"{cal.full_ess:.1f}); effective sample size {cal.ess:.0f}; "
        f"Pareto k {cal.pareto_k:.2f} ({'reliable' if cal.pareto_k < 0.7 else 'NOT reliable: more sets or waves'})."
    )
