"""The ``report`` command: a one-page clinician report (HTML or PDF) with its JSON beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kratomsim.errors import ScenarioError, bad_value
from kratomsim.interfaces.options import ARGS_AS_TEXT, MgOpt, OhOpt, ProductOpt, RegimenArg, out
from kratomsim.reports.clinician import report_data
from kratomsim.reports.clinician_render import write_report

SUFFIXES = (".pdf", ".html", ".htm")


def report_cmd(
    regimen: RegimenArg,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="report.pdf or report.html; report.json goes beside."),
    ] = Path("report.html"),
    product: ProductOpt = None,
    mg_per_g: MgOpt = None,
    oh7_mg_per_g: OhOpt = None,
    meds: Annotated[
        str | None, typer.Option("--meds", help="Other medications, e.g. 'alprazolam, sertraline'.")
    ] = None,
    conditions: Annotated[
        str | None,
        typer.Option("--conditions", help="Pre-existing conditions, e.g. 'fatty liver'."),
    ] = None,
    baseline_pain: Annotated[
        float | None,
        typer.Option("--baseline-pain", min=0.0, max=10.0, help="Usual pain, 0-10 NRS."),
    ] = None,
    draws: Annotated[int, typer.Option("--draws", min=20, max=2000, help="Parameter draws.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the parameter draws.")] = 0,
) -> None:
    """Write a clinician report: exposure, relief, outlook, findings, interactions, claims."""
    if output.suffix.lower() not in SUFFIXES:
        raise ScenarioError(
            bad_value("The report must be .pdf or .html", str(output), "Use -o report.pdf.")
        )
    data = report_data(
        regimen,
        product=product,
        mg_per_g=mg_per_g,
        oh7_mg_per_g=oh7_mg_per_g,
        medications=meds or (),
        conditions=conditions or (),
        baseline_pain=baseline_pain,
        n_draws=draws,
        seed=seed,
    )
    files = write_report(data, output)
    n = len(data["findings"])
    out.print(f"Wrote {', '.join(str(f) for f in files)} ({n} finding{'s' * (n != 1)}).")


def register(app: typer.Typer) -> None:
    """Add ``report`` to ``app``."""
    app.command("report", context_settings=ARGS_AS_TEXT)(report_cmd)
