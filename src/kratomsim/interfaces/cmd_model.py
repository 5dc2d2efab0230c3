"""The ``model`` command: the model as a pharmacologist reads it, generated from its specification."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from kratomsim.errors import KratomsimError, bad_value
from kratomsim.interfaces.options import out
from kratomsim.interfaces.output import brief, is_brief, refuse_brief


class ModelFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    latex = "latex"


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("model")(model_cmd)


def model_cmd(
    fmt: Annotated[
        ModelFormat, typer.Option("--format", "-f", help="table, json, markdown or latex.")
    ] = ModelFormat.table,
    spec_file: Annotated[
        Path | None,
        typer.Option("--spec", help="A specification file (an edited copy of spec/model.toml)."),
    ] = None,
    absorption: Annotated[
        str, typer.Option("--absorption", help="Whose absorption rate to list: capsule or tea.")
    ] = "capsule",
) -> None:
    """List every state with its equation, every output and every parameter with value, unit,
    grade and source — generated from the model specification."""
    from kratomsim.interfaces.briefs import model_lines
    from kratomsim.reports.model_reference import model_reference, to_latex, to_markdown
    from kratomsim.spec import default_spec, load_spec

    if is_brief() and fmt is not ModelFormat.table:
        raise refuse_brief("model", fmt.value)
    if absorption not in ("capsule", "tea"):
        raise KratomsimError(
            bad_value("Unknown absorption class (--absorption)", absorption, "Use capsule or tea.")
        )
    spec = load_spec(spec_file) if spec_file is not None else default_spec()
    ref = model_reference(spec, absorption=absorption)
    if is_brief():
        brief(model_lines(ref), out)
    elif fmt is ModelFormat.json:
        print(json.dumps(ref, indent=2, ensure_ascii=False))
    elif fmt is ModelFormat.markdown:
        print(to_markdown(ref), end="")
    elif fmt is ModelFormat.latex:
        print(to_latex(ref), end="")
    else:
        _tables(ref)


def _tables(ref: dict) -> None:
    out.print(f"[bold]{ref['model']['name']}[/bold] (specification {ref['model']['digest'][:12]})")
    for title, key in (("States", "states"), ("Flows", "flows"), ("Outputs", "outputs")):
        table = Table(title=title, show_lines=False, title_justify="left")
        table.add_column("name", overflow="fold")
        table.add_column("unit")
        table.add_column("equation", overflow="fold")
        for e in ref[key]:
            name = e.get("name") or f"{e['from']} → {e['to']}"
            table.add_row(name, e["unit"], e["equation"].split(" = ", 1)[1])
        out.print(table)
    table = Table(title="Parameters", title_justify="left")
    for col in ("name", "value", "unit", "range", "grade", "source"):
        table.add_column(col, overflow="fold")
    for p in ref["parameters"]:
        table.add_row(
            p["name"], f"{p['value']:g}", p["unit"], f"{p['low']:g}–{p['high']:g}", p["grade"],
            p["citation"],
        )  # fmt: skip
    out.print(table)
    out.print("Grades: A controlled human study, B human observational, C case report, D in vitro,")
    out.print("animal or model prediction, E no primary data (assumption), S secondary source.")
