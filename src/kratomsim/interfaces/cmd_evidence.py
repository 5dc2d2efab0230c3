"""The commands about what the numbers rest on: ``cite``, ``products``, ``claims``, ``calibrate``.

``cite`` lists the parameters a run uses with the bibliography of exactly those; ``products`` the
product types with their cited content; ``claims`` the article's claims graded by the evidence;
``calibrate`` re-derives the PK parameters from the published single-dose data and says whether
the shipped parameter file is reproduced (it writes a file only with ``--out``).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from kratomsim.evidence.data_files import CALIBRATED_PK_FILE
from kratomsim.interfaces.options import (
    ARGS_AS_TEXT,
    Format,
    MgOpt,
    OhOpt,
    ProductOpt,
    RegimenArg,
    Style,
    out,
)
from kratomsim.interfaces.output import brief, is_brief, refuse_brief, refuse_format


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("cite", context_settings=ARGS_AS_TEXT)(cite_cmd)
    app.command("products")(products_cmd)
    app.command("calibrate")(calibrate_cmd)
    app.command("claims")(claims_cmd)


def cite_cmd(
    regimen: RegimenArg,
    product: ProductOpt = None,
    mg_per_g: MgOpt = None,
    oh7_mg_per_g: OhOpt = None,
    style: Annotated[Style, typer.Option("--style", help="plain, bibtex or both.")] = Style.both,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="table (text), json or csv.")
    ] = Format.table,
) -> None:
    """List the parameters a run of this regimen uses, and the bibliography of exactly those."""
    from kratomsim.evidence import load_references
    from kratomsim.interfaces.api import simulate
    from kratomsim.interfaces.briefs import cite_lines

    if is_brief() and fmt is not Format.table:
        raise refuse_brief("cite", fmt.value)
    sim = simulate(regimen, product=product, mg_per_g=mg_per_g, oh7_mg_per_g=oh7_mg_per_g)
    if is_brief():
        brief(cite_lines(sim.used, regimen), out)
        return
    if fmt is Format.json:
        refs = load_references()
        payload = {
            "parameters": [v.model_dump(mode="json") for v in sim.used],
            "references": {
                k: refs[k].plain() for k in dict.fromkeys(v.source for v in sim.used) if k in refs
            },
        }
        sys.stdout.write(json.dumps(payload, allow_nan=False) + "\n")
        return
    if fmt is Format.csv:
        fields = [
            "name",
            "value",
            "unit",
            "low",
            "high",
            "kind",
            "grade",
            "source",
            "locator",
            "note",
        ]
        writer = csv.DictWriter(
            sys.stdout, fieldnames=fields, lineterminator="\n", extrasaction="ignore"
        )
        writer.writeheader()
        writer.writerows(v.model_dump(mode="json") for v in sim.used)
        return
    print("Parameters used (value unit; range; grade; source, locator):")
    for v in sim.used:
        print(f"  {v.describe()}")
        if v.note:
            print(f"      note: {v.note}")
    if style in (Style.plain, Style.both):
        print("\nReferences")
        print(sim.bibliography("plain"))
    if style in (Style.bibtex, Style.both):
        print("\nBibTeX")
        print(sim.bibliography("bibtex"))


PRODUCT_CSV_FIELDS = [
    "product",
    "analyte",
    "value",
    "unit",
    "low",
    "high",
    "kind",
    "grade",
    "source",
]


def products_cmd(
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="table, json or csv.")
    ] = Format.table,
) -> None:
    """List product types with default alkaloid content, range, evidence grade and source."""
    from kratomsim.evidence import load_products
    from kratomsim.interfaces.briefs import products_lines
    from kratomsim.interfaces.render import products_table

    if is_brief() and fmt is not Format.table:
        raise refuse_brief("products", fmt.value)
    products = load_products()
    if is_brief():
        brief(products_lines(products), out)
    elif fmt is Format.json:
        payload = [p.model_dump(mode="json") for p in products]
        sys.stdout.write(json.dumps(payload, allow_nan=False) + "\n")
    elif fmt is Format.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=PRODUCT_CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        for p in products:
            for analyte, v in (
                ("mitragynine", p.mg_per_g),
                ("7-hydroxymitragynine", p.oh7_mg_per_g),
            ):
                row = {
                    k: getattr(v, k)
                    for k in ("value", "unit", "low", "high", "kind", "grade", "source")
                }
                writer.writerow({"product": p.id, "analyte": analyte, **row})
    else:
        out.print(products_table(products))
        out.print("Override the content from a label or an assay with --mg-per-g / --7oh-mg-per-g.")


def calibrate_cmd(
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help=f"Write the calibrated parameter file here (e.g. the repository's {CALIBRATED_PK_FILE}).",
        ),
    ] = None,
    fast: Annotated[
        bool, typer.Option("--fast", help="Start from the shipped values, looser tolerances.")
    ] = False,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="table or json (csv is not offered).")
    ] = Format.table,
) -> None:
    """Re-derive the PK parameters from published single-dose data (Tanna 2022, Huestis 2024).

    Prints the fitted values and how they reproduce the data; writes a file only with --out.
    """
    from kratomsim.analyses.calibration import (
        PARAMETER_FILE,
        calibrate,
        calibration_data,
        render_parameter_file,
        shipped_parameter_file,
    )
    from kratomsim.evidence import load_parameters
    from kratomsim.interfaces.briefs import calibrate_lines
    from kratomsim.interfaces.render import calibration_table, calibration_values_table

    if fmt is Format.csv:
        raise refuse_format("kratomsim calibrate", fmt.value, ("table", "json"))
    if is_brief() and fmt is not Format.table:
        raise refuse_brief("calibrate", fmt.value)
    cal = calibrate(fast=fast)
    data = calibration_data()
    hu = data["huestis2024"]
    tmax = []
    for label, got, key in (
        ("mitragynine", cal.capsule_tmax_h[0], "mg_tmax_h_range"),
        ("7-OH-mitragynine", cal.capsule_tmax_h[1], "oh_tmax_h_range"),
    ):
        lo, hi = hu[key]
        verdict = "inside" if lo <= got <= hi else "OUTSIDE"
        tmax.append(
            f"capsule tmax {label}: {got:.2f} h, {verdict} Huestis 2024 range {lo:g}–{hi:g} h"
        )
    text = render_parameter_file(cal)
    shipped = shipped_parameter_file()
    same = text == shipped
    if fmt is Format.json or is_brief():
        wrote = None
        if out_file is not None:
            wrote = _write_if_changed(out_file, text)
        if fmt is Format.json:
            payload = {
                "values": cal.values,
                "predicted": cal.predicted,
                "published": {k: v for k, v in data["tanna2022"].items() if k in cal.predicted},
                "capsule_tmax_h": list(cal.capsule_tmax_h),
                "reproduced": same,
                "written_to": None if out_file is None else str(out_file),
            }
            sys.stdout.write(json.dumps(payload, allow_nan=False, default=float) + "\n")
        else:
            brief(calibrate_lines(PARAMETER_FILE, same, tmax, wrote), out)
        if out_file is None and not same:
            raise typer.Exit(1)
        return
    shipped_values = load_parameters(("pk_calibrated.toml",))
    out.print(
        calibration_values_table(
            cal.values, {k: shipped_values[k] for k in cal.values if k in shipped_values}
        )
    )
    out.print(calibration_table(cal.predicted, data["tanna2022"]))
    for line in tmax:
        print(line)
    if out_file is not None:
        print(_write_if_changed(out_file, text))
    elif same:
        print(f"The shipped {PARAMETER_FILE} is reproduced exactly.")
    else:
        changed = sum(a != b for a, b in zip(text.splitlines(), shipped.splitlines(), strict=False))
        print(
            f"The shipped {PARAMETER_FILE} is NOT reproduced ({changed} lines differ); "
            f"write the new one with 'kratomsim calibrate --out FILE'."
        )
        raise typer.Exit(1)


def _write_if_changed(path: Path, text: str) -> str:
    """Write ``text`` to ``path`` unless it already holds it; say which."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return f"{path} already matches this calibration; not rewritten."
    path.write_text(text, encoding="utf-8")
    return f"wrote {path}"


def claims_cmd(
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="table, json or csv.")
    ] = Format.table,
) -> None:
    """Every claim of the article, graded by the evidence, with its sources."""
    from kratomsim.evidence import load_claims, unsupported_claims
    from kratomsim.interfaces.briefs import claims_lines
    from kratomsim.interfaces.render import claims_table

    if is_brief() and fmt is not Format.table:
        raise refuse_brief("claims", fmt.value)
    claims = load_claims()
    if is_brief():
        brief(claims_lines(claims), out)
        return
    if fmt is Format.json:
        sys.stdout.write(json.dumps([c.model_dump(mode="json") for c in claims], indent=1) + "\n")
        return
    if fmt is Format.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["id", "claim", "grade", "summary", "sources"])
        for c in claims:
            writer.writerow([c.id, c.claim, c.grade, c.summary, "; ".join(c.sources)])
        return
    out.print(claims_table(claims))
    unsupported = ", ".join(c.id for c in unsupported_claims())
    out.print(f"Unsupported or contradicted by the evidence: {unsupported}")
