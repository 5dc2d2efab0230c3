"""The ``kratomsim`` command line. Errors are one clear line on stderr and exit code 2."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kratomsim.engine.calibration import (
    FITTED,
    calibrate,
    calibration_data,
    parameter_file_path,
    render_parameter_file,
)
from kratomsim.engine.result import Simulation
from kratomsim.engine.simulate import simulate
from kratomsim.errors import KratomsimError
from kratomsim.evidence import load_parameters, load_products
from kratomsim.interfaces.render import evidence_table, products_table, summary_table
from kratomsim.reports.plots import plot_exposure
from kratomsim.reports.summary import DISCLAIMER, render_html, render_markdown, series_dict
from kratomsim.reports.summary import summary_dict as build_summary

app = typer.Typer(
    name="kratomsim",
    help="Evidence-graded simulation of kratom alkaloid exposure. It never prescribes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

DEMO_REGIMEN = "2 g every 8 h for 14 days"


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class Unit(StrEnum):
    ng_ml = "ng/mL"
    nm = "nM"


class Style(StrEnum):
    plain = "plain"
    bibtex = "bibtex"
    both = "both"


RegimenArg = Annotated[
    str,
    typer.Argument(help="Regimen text, e.g. '2 g every 8 h for 14 days', or a .yaml/.toml file."),
]
ProductOpt = Annotated[
    str | None,
    typer.Option("--product", "-p", help="leaf-powder (default), tea, extract or 7oh-concentrate."),
]
MgOpt = Annotated[
    float | None,
    typer.Option("--mg-per-g", help="Mitragynine content from a label or assay (mg/g)."),
]
OhOpt = Annotated[
    float | None,
    typer.Option(
        "--7oh-mg-per-g", "--oh7-mg-per-g", help="7-OH content from a label or assay (mg/g)."
    ),
]
DurationOpt = Annotated[
    str | None,
    typer.Option("--duration", help="Observation window, e.g. '10 d'. Default: until washed out."),
]


def _run(
    regimen: str, product: str | None, mg: float | None, oh: float | None, duration: str | None
) -> Simulation:
    return simulate(regimen, product=product, mg_per_g=mg, oh7_mg_per_g=oh, duration=duration)


@app.command("simulate", context_settings={"ignore_unknown_options": True})
def simulate_cmd(
    regimen: RegimenArg,
    product: ProductOpt = None,
    mg_per_g: MgOpt = None,
    oh7_mg_per_g: OhOpt = None,
    duration: DurationOpt = None,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="table, json or csv.")
    ] = Format.table,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write a plot (.png or .svg).")
    ] = None,
    unit: Annotated[
        Unit, typer.Option("--unit", help="Concentration unit for csv/json.")
    ] = Unit.ng_ml,
) -> None:
    """Simulate plasma mitragynine and 7-OH-mitragynine for a regimen of a product."""
    sim = _run(regimen, product, mg_per_g, oh7_mg_per_g, duration)
    if plot is not None:
        plot_exposure(sim, plot)
    if fmt is Format.csv:
        sys.stdout.write(sim.to_frame(unit=unit.value).to_csv(index=False, float_format="%.6g"))
    elif fmt is Format.json:
        payload = build_summary(sim)
        series = series_dict(sim)
        if unit is Unit.nm:
            for k, name in enumerate(sim.analytes):
                series[name] = sim.conc_nm[0, :, k].tolist()
        payload["unit"] = unit.value
        payload["series"] = series
        sys.stdout.write(json.dumps(payload, indent=1) + "\n")
    else:
        out.print(summary_table(sim))
        out.print(
            evidence_table(
                [v for v in sim.used if v.is_assumption or v.kind == "user"],
                "Assumptions and user-supplied values in this run (kratomsim cite … for sources)",
                locator=False,
            )
        )
        if plot is not None:
            out.print(f"plot written to {plot}")
        out.print(f"[dim]{DISCLAIMER}[/]")


@app.command("cite", context_settings={"ignore_unknown_options": True})
def cite_cmd(
    regimen: RegimenArg,
    product: ProductOpt = None,
    mg_per_g: MgOpt = None,
    oh7_mg_per_g: OhOpt = None,
    style: Annotated[Style, typer.Option("--style", help="plain, bibtex or both.")] = Style.both,
) -> None:
    """Print the bibliography of exactly the numbers a run of this regimen uses."""
    sim = _run(regimen, product, mg_per_g, oh7_mg_per_g, None)
    out.print(evidence_table(sim.used, "Parameters used"))
    if style in (Style.plain, Style.both):
        out.print("\n[bold]References[/]")
        out.print(sim.bibliography("plain"), markup=False, highlight=False)
    if style in (Style.bibtex, Style.both):
        out.print("\n[bold]BibTeX[/]")
        out.print(sim.bibliography("bibtex"), markup=False, highlight=False)


@app.command("products")
def products_cmd() -> None:
    """List product types with default alkaloid content, range and evidence grade."""
    out.print(products_table(load_products()))


@app.command("calibrate")
def calibrate_cmd(
    write: Annotated[bool, typer.Option("--write", help="Rewrite the parameter file.")] = False,
    fast: Annotated[bool, typer.Option("--fast", help="Start from the shipped values.")] = False,
) -> None:
    """Re-derive the PK parameters from the published single-dose data."""
    start = None
    if fast:
        params = load_parameters()
        start = {k: params[k].value for k in FITTED}
    cal = calibrate(start=start, fast=fast)
    tanna = calibration_data()["tanna2022"]
    table = Table(title="Fit to Tanna 2022 (single 2 g tea, medians)", title_justify="left")
    for col in ("metric", "model", "published median", "published range"):
        table.add_column(col)
    for key, value in cal.predicted.items():
        lo, hi = tanna[f"{key}_range"]
        table.add_row(key, f"{value:.3g}", f"{tanna[key]:g}", f"{lo:g}–{hi:g}")
    out.print(table)
    out.print(
        f"capsule tmax: mitragynine {cal.capsule_tmax_h[0]:.2f} h (Huestis 1.0–1.3), "
        f"7-OH {cal.capsule_tmax_h[1]:.2f} h (Huestis 1.2–1.8)"
    )
    text = render_parameter_file(cal)
    path = parameter_file_path()
    if write:
        Path(str(path)).write_text(text, encoding="utf-8")
        out.print(f"wrote {path.name}")
    elif text == path.read_text(encoding="utf-8"):
        out.print(f"{path.name} is reproduced exactly.")
    else:
        err.print(f"{path.name} differs from this calibration; run with --write to update it.")
        raise typer.Exit(1)


@app.command("demo")
def demo_cmd(
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for the outputs.")] = Path(
        "out"
    ),
) -> None:
    """The main job: simulate the demo scenario and write a plot, a report and the series."""
    sim = simulate(DEMO_REGIMEN, product="leaf-powder")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "plot": out_dir / "exposure.png",
        "report (HTML)": out_dir / "report.html",
        "report (Markdown)": out_dir / "report.md",
        "series (CSV)": out_dir / "series.csv",
    }
    plot_exposure(sim, paths["plot"])
    paths["report (HTML)"].write_text(render_html(sim), encoding="utf-8")
    paths["report (Markdown)"].write_text(render_markdown(sim), encoding="utf-8")
    sim.to_frame().to_csv(paths["series (CSV)"], index=False, float_format="%.6g")
    out.print(summary_table(sim))
    for what, path in paths.items():
        out.print(f"{what}: {path}")
    out.print(f"[dim]{DISCLAIMER}[/]")


def main(argv: list[str] | None = None) -> None:
    """Console entry point: project errors and usage errors exit 2 with one clear message."""
    try:
        app(args=argv)  # usage errors: click prints usage and the error, exits 2
    except KratomsimError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
