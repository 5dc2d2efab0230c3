"""The ``report`` command: a one-page clinician report (HTML or PDF) with its JSON beside it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kratomsim.errors import ScenarioError, bad_value
from kratomsim.interfaces.options import ARGS_AS_TEXT, MgOpt, OhOpt, ProductOpt, RegimenArg, out

if TYPE_CHECKING:
    from kratomsim.interfaces.api import RegimenSource


SUFFIXES = (".pdf", ".html", ".htm")


def report_from(
    regimen: RegimenSource,
    *,
    product: str | None = None,
    mg_per_g: float | None = None,
    oh7_mg_per_g: float | None = None,
    meds: str | None = None,
    conditions: str | None = None,
    baseline_pain: float | None = None,
    n_draws: int = 200,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """The report's data from what a person types or keeps in a scenario file, parsed once here.

    A scenario's name, medications, conditions and baseline pain are used unless given here;
    ``progress`` is told each longer step (:func:`~kratomsim.reports.clinician.report_data`).
    """
    from kratomsim.evidence.medication_names import parse_medication_list
    from kratomsim.interfaces.api import read_use
    from kratomsim.reports.clinician import report_data
    from kratomsim.risk.conditions import parse_conditions

    use = read_use(regimen, product=product, mg_per_g=mg_per_g, oh7_mg_per_g=oh7_mg_per_g)
    scenario = use.scenario
    if scenario is not None:
        meds = meds or ", ".join(scenario.medications)
        conditions = conditions or ", ".join(scenario.conditions)
        baseline_pain = baseline_pain if baseline_pain is not None else scenario.baseline_pain
    return report_data(
        use.regimen,
        product=use.product,
        mg_per_g=use.mg_per_g,
        oh7_mg_per_g=use.oh7_mg_per_g,
        duration_h=use.duration_h,
        medications=parse_medication_list(meds) if meds else (),
        conditions=parse_conditions(conditions) if conditions else (),
        baseline_pain=baseline_pain,
        name=scenario.name if scenario is not None else None,
        n_draws=n_draws,
        seed=seed,
        progress=progress,
    )


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
    from kratomsim.reports.clinician_render import write_report

    if output.suffix.lower() not in SUFFIXES:
        raise ScenarioError(
            bad_value("The report must be .pdf or .html", str(output), "Use -o report.pdf.")
        )
    data = report_from(
        regimen,
        product=product,
        mg_per_g=mg_per_g,
        oh7_mg_per_g=oh7_mg_per_g,
        meds=meds,
        conditions=conditions,
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
