"""Output people can read: tables that fit the terminal, ``--brief`` and ``--format`` on every command.

- :class:`FittingConsole` prints every rich table so that no word is broken: when the columns fit
  at their longest word, it sets their widths itself (rich would otherwise squeeze columns below a
  word and break it mid-word); when they cannot fit, the table is printed as stacked records,
  one block per row with "column: value" lines. The width is the terminal's, or ``COLUMNS``.
- :func:`add_output_options` gives every command of the click tree ``--brief`` (a few lines: the
  answer with units and interval, and where to look next; commands read it with
  :func:`is_brief`) and, where a command has no ``--format`` of its own, a ``--format`` that can
  only be ``table``: asking it for json or csv exits 2 naming what it can write
  (:func:`refuse_format`).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from enum import StrEnum
from functools import cache
from typing import Annotated, Any

import typer
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from kratomsim.errors import KratomsimError, bad_value

_BRIEF: ContextVar[bool] = ContextVar("brief", default=False)
BRIEF_HELP = "A few lines: the answer with units and interval, and where to look next."
FORMAT_HELP = "Output format; this command writes a table only (json or csv exit 2)."


def is_brief() -> bool:
    """True while a command runs with ``--brief``."""
    return _BRIEF.get()


def refuse_format(command: str, asked: str, can: Iterable[str]) -> KratomsimError:
    """The error for a format a command cannot write, naming the ones it can (exit 2)."""
    formats = ", ".join(can)
    return KratomsimError(
        bad_value(f"{command} cannot write this format", asked, f"It can write: {formats}.")
    )


def refuse_brief(command: str, asked: str) -> KratomsimError:
    """``--brief`` is a few lines of text: it goes with the table format only."""
    return KratomsimError(
        bad_value(
            f"{command} --brief writes a few lines of text, not {asked}",
            f"--brief --format {asked}",
            "Leave out --brief for the full json or csv, or --format for the brief text.",
        )
    )


# --- tables that fit -----------------------------------------------------------------------------


def _cell_text(cell: object) -> Text:
    if isinstance(cell, Text):
        return cell
    return Text.from_markup(cell) if isinstance(cell, str) else Text(str(cell))


def stacked(table: Table) -> Group:
    """The table as records: per row a heading line, then "column: value" lines."""
    parts: list[RenderableType] = []
    if table.title:
        title = _cell_text(table.title).copy()
        title.stylize("bold italic")
        parts.append(title)
    columns = table.columns
    cells = [list(c.cells) for c in columns]
    key_width = max((len(_cell_text(c.header).plain) for c in columns), default=1)
    for row in range(table.row_count):
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="dim", width=min(key_width, 24), no_wrap=False)
        grid.add_column(overflow="fold", ratio=1)
        for column, values in zip(columns, cells, strict=True):
            value = values[row] if row < len(values) else ""
            text = _cell_text(value)
            if text.plain.strip():
                grid.add_row(_cell_text(column.header).plain, text)
        parts += [Text("─" * 3 + f" {row + 1} " + "─" * 3, style="dim"), grid]
    if table.caption:
        parts.append(_cell_text(table.caption))
    return Group(*parts)


def fit(table: Table, console: Console, width: int) -> RenderableType:
    """``table`` with column widths that never break a word, or stacked records if it can't fit."""
    options = console.options.update_width(width)
    ranges = [table._measure_column(console, options, c) for c in table.columns]
    available = width - table._extra_width
    if sum(r.maximum for r in ranges) <= available or not table.columns:
        return table
    if sum(r.minimum for r in ranges) > available:
        return stacked(table)
    spare = available - sum(r.minimum for r in ranges)
    flex = [r.maximum - r.minimum for r in ranges]
    total = sum(flex) or 1
    widths = [r.minimum + spare * f // total for r, f in zip(ranges, flex, strict=True)]
    for i in sorted(range(len(widths)), key=lambda i: -flex[i])[: available - sum(widths)]:
        widths[i] += 1
    for column, w in zip(table.columns, widths, strict=True):
        column.width = max(1, w - table._get_padding_width(column._index))
    return table


class FittingConsole(Console):
    """A console whose tables always fit its width without breaking words."""

    def print(self, *objects: Any, **kwargs: Any) -> None:  # type: ignore[override]
        width = self.width
        fitted = [fit(o, self, width) if isinstance(o, Table) else o for o in objects]
        super().print(*fitted, **kwargs)

    def follow_environment(self) -> None:
        """Take the width from ``COLUMNS`` when set, else from the terminal (each command run)."""
        columns = os.environ.get("COLUMNS", "")
        self._width = int(columns) if columns.isdigit() and int(columns) > 0 else None


def brief(lines: Iterable[str], console: Console) -> None:
    """Print the ``--brief`` lines as plain text (never read as markup)."""
    for line in lines:
        console.print(Text(line))


# --- --brief and --format on every command -------------------------------------------------------


def _with_output(callback: Callable[..., Any], name: str, own_format: bool) -> Callable[..., Any]:
    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        wants_brief = bool(kwargs.pop("brief", False))
        if not own_format:
            asked = str(kwargs.pop("output_format", "table") or "table")
            if asked != "table":
                raise refuse_format(name, asked, ("table",))
        token = _BRIEF.set(wants_brief)
        try:
            return callback(*args, **kwargs)
        finally:
            _BRIEF.reset(token)

    return run


class _AnyFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _template(
    brief: Annotated[bool, typer.Option("--brief", help=BRIEF_HELP)] = False,
    output_format: Annotated[
        _AnyFormat, typer.Option("--format", "-f", help=FORMAT_HELP)
    ] = _AnyFormat.table,
) -> None:
    """Never run: typer builds the shared options from this signature."""


@cache
def _options() -> dict[str, Any]:
    """The ``--brief`` and ``--format`` options as typer builds them (typer's own click types)."""
    holder = typer.Typer()
    holder.command()(_template)
    params = typer.main.get_command(holder).params
    return {p.name: p for p in params if p.name in ("brief", "output_format")}


def add_output_options(command: Any, path: str = "kratomsim") -> None:
    """Give every leaf command ``--brief``, and ``--format table`` where it has no ``--format``."""
    subcommands = getattr(command, "commands", None)  # a group (typer's groups are not click's)
    if isinstance(subcommands, dict):
        for name, sub in subcommands.items():
            add_output_options(sub, f"{path} {name}")
        return
    if command.callback is None or any(p.name == "brief" for p in command.params):
        return
    names = {opt for p in command.params for opt in getattr(p, "opts", ())}
    own_format = "--format" in names
    options = _options()
    command.params.append(options["brief"])
    if not own_format:
        command.params.append(options["output_format"])
    command.callback = _with_output(command.callback, path, own_format)


__all__ = [
    "BRIEF_HELP",
    "FittingConsole",
    "add_output_options",
    "brief",
    "fit",
    "is_brief",
    "refuse_brief",
    "refuse_format",
    "stacked",
]
