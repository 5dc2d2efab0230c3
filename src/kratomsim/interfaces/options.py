"""Options, arguments and the console shared by every command module."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from kratomsim.interfaces.output import FittingConsole

#: The console every command prints through: its tables fit the width without breaking words.
out = FittingConsole(highlight=False)


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


def _number(text: str) -> float:
    """Parse an option value as a number, naming the value when it is not one."""
    try:
        return float(text)
    except ValueError:
        raise typer.BadParameter(f"got {text!r}. Give a number in mg per g, e.g. 15.") from None


RegimenArg = Annotated[
    str,
    typer.Argument(
        metavar="REGIMEN",
        help="Regimen text, e.g. '2 g every 8 h for 14 days', or a .yaml/.yml/.toml scenario.",
    ),
]
ProductOpt = Annotated[
    str | None,
    typer.Option(
        "--product",
        "-p",
        help="leaf-powder, tea, extract, 7oh-concentrate or 7oh-tablet (default: the scenario's; "
        "7oh-tablet when the regimen gives mg of 7-OH; else leaf-powder).",
    ),
]
MgOpt = Annotated[
    float | None,
    typer.Option(
        "--mg-per-g",
        parser=_number,
        metavar="FLOAT",
        help="Mitragynine content from a label or assay (mg per g of product).",
    ),
]
OhOpt = Annotated[
    float | None,
    typer.Option(
        "--7oh-mg-per-g",
        "--oh7-mg-per-g",
        parser=_number,
        metavar="FLOAT",
        help="7-hydroxymitragynine content from a label or assay (mg per g of product).",
    ),
]
DurationOpt = Annotated[
    str | None,
    typer.Option(
        "--duration", help="Observation window, e.g. '10 d' or '36 h'. Default: until washed out."
    ),
]
# Regimen texts such as "-2 g once" must reach the regimen parser (which explains the problem)
# instead of being taken for options.
ARGS_AS_TEXT = {"ignore_unknown_options": True}
