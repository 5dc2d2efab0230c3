"""Pages of the documentation generated at build time (an mkdocs hook named in ``mkdocs.yml``).

Hand-written pages hold a marker where generated text goes, so nothing generated is ever
committed and a change to the code changes the site with no other edit:

- ``<!-- generated: model -->``: the model reference, rendered from the specification by
  :mod:`kratomsim.reports.model_reference` (the same text as ``kratomsim model --format markdown``);
- ``<!-- generated: cli -->``: every command's usage, help and options, walked from the typer app;
- ``<!-- generated: qualification -->``: the summary table of ``kratomsim validate --fast`` and a
  link to its full HTML report, which is written into the site beside the page.

Display maths (``$$`` blocks) is turned into MathML here, so equations need neither a script nor
a network. ``KRATOMSIM_DOCS_QUALIFICATION`` chooses the qualification run: ``fast`` (the default, about a
minute), ``full`` (several minutes) or ``skip`` (a quick build that says the report was left out;
the tests' strict build uses it).
"""

from __future__ import annotations

import inspect
import os
import re
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

MARKER = re.compile(r"<!-- generated: (\w+) -->")
DISPLAY_MATH = re.compile(r"^\$\$\n(.+?)\n\$\$$", re.MULTILINE | re.DOTALL)
QUALIFICATION_MODES = ("fast", "full", "skip")
REPORT_PATH = "qualification/report.html"

_generated: dict[str, str] = {}


# --- the model reference ------------------------------------------------------------------------


def model_markdown(spec: Any | None = None) -> str:
    """The model reference of ``spec`` (default: the shipped one), headings from level 2."""
    from kratomsim.reports.model_reference import model_reference, to_markdown

    lines = to_markdown(model_reference(spec)).splitlines()
    if lines and lines[0].startswith("# "):  # the page has its own title
        lines = lines[1:]
    return "\n".join(lines).strip() + "\n"


# --- the command-line reference -----------------------------------------------------------------


def _context(command: Any, name: str, parent: Any | None) -> Any:
    """A click context for ``command`` (typer may vendor its own click, so use the command's)."""
    return type(command).context_class(command, info_name=name, parent=parent)


def _text(help_text: str | None) -> str:
    """Help text as Markdown paragraphs: docstring indentation and line breaks removed."""
    if not help_text:
        return ""
    paragraphs = inspect.cleandoc(help_text.replace("\b", "")).split("\n\n")
    joined = [" ".join(line.strip() for line in p.splitlines() if line.strip()) for p in paragraphs]
    return "\n\n".join(_escape(p) for p in joined if p)


def _escape(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;").replace("*", r"\*").replace("|", r"\|")


def _code(text: str) -> str:
    """Inline code for a table cell (the tables extension keeps pipes inside code)."""
    return f"`{text}`"


def _subcommands(command: Any, ctx: Any) -> list[tuple[str, Any]]:
    if not hasattr(command, "list_commands"):
        return []
    found = [(name, command.get_command(ctx, name)) for name in command.list_commands(ctx)]
    return [(name, sub) for name, sub in found if sub is not None and not sub.hidden]


def _command_markdown(command: Any, path: str, ctx: Any, depth: int) -> list[str]:
    out = [f"{'#' * min(depth + 1, 6)} `{path}`", ""]
    if text := _text(command.help):
        out += [text, ""]
    usage = " ".join(command.collect_usage_pieces(ctx))
    out += ["```text", f"{path} {usage}".rstrip(), "```", ""]
    rows = []
    for param in command.get_params(ctx):
        if getattr(param, "hidden", False) or param.name == "help":
            continue  # every command takes --help; the page says so once
        record = param.get_help_record(ctx)
        if record is not None:
            rows.append(f"| {_code(record[0])} | {_escape(record[1]) or '–'} |")
    if rows:
        out += ["| argument or option | meaning |", "|---|---|", *rows, ""]
    subs = _subcommands(command, ctx)
    if subs:
        out += ["| command | what it does |", "|---|---|"]
        out += [
            f"| [`{path} {name}`](#{_anchor(f'{path} {name}')}) | "
            f"{_escape(sub.get_short_help_str(limit=120))} |"
            for name, sub in subs
        ]
        out.append("")
        for name, sub in subs:
            out += _command_markdown(sub, f"{path} {name}", _context(sub, name, ctx), depth + 1)
    return out


def _anchor(heading: str) -> str:
    """The id the toc extension gives a heading (its default slugify)."""
    from markdown.extensions.toc import slugify

    return slugify(heading, "-")


def cli_markdown() -> str:
    """Every command of ``kratomsim`` as the command line builds it (``--brief`` included)."""
    import typer.main

    from kratomsim.interfaces.cli import app
    from kratomsim.interfaces.output import add_output_options

    root = typer.main.get_command(app)
    add_output_options(root)  # as kratomsim.interfaces.cli.run does before parsing
    lines = _command_markdown(root, "kratomsim", _context(root, "kratomsim", None), depth=1)
    return "\n".join(lines[2:])  # the page has its own title


# --- the qualification report -------------------------------------------------------------------


def qualification_mode() -> str:
    mode = os.environ.get("KRATOMSIM_DOCS_QUALIFICATION", "fast").strip().lower()
    if mode not in QUALIFICATION_MODES:
        raise ValueError(
            f"KRATOMSIM_DOCS_QUALIFICATION must be one of {', '.join(QUALIFICATION_MODES)}; "
            f"got {mode!r}. Unset it for the default (fast)."
        )
    return mode


def qualification(mode: str) -> tuple[str, str | None]:
    """(summary Markdown, full HTML report or None) of ``kratomsim validate`` run in ``mode``."""
    if mode == "skip":
        note = (
            '!!! note "Left out of this build"\n'
            "    This copy of the site was built without running the validation "
            "(`KRATOMSIM_DOCS_QUALIFICATION=skip`), so it has no summary table and no report. "
            "`make docs` includes both.\n"
        )
        return note, None
    from kratomsim.analyses.validation import qualify
    from kratomsim.reports.validation import render_validation_html, summary_rows

    q = qualify(fast=mode == "fast")
    people = q.settings.get("virtual_people", "?")
    out = [
        f"This build ran the validation with `--{mode}` settings ({people} virtual people per "
        f"study). [Open the full report]({REPORT_PATH}) — every row, the plots and "
        "the references.",
        "",
        "| category | rows compared | GMFE | within 1.25× | within 2× | other rows |",
        "|---|---|---|---|---|---|",
    ]
    for r in summary_rows(q):
        other = "in the full report" if r["other"] == "see below" else _escape(r["other"])
        rows = "none" if r["n"] == "0" else f"{r['n']} {r['sample']}"
        out.append(
            f"| {r['category']} | {rows} | {r['gmfe']} | {r['within_1_25']} | "
            f"{r['within_2']} | {other} |"
        )
    out += [
        "",
        "Intervals, the rows themselves and the observations the model cannot predict (with the "
        "reason) are in the full report.",
    ]
    return "\n".join(out) + "\n", render_validation_html(q)


# --- mkdocs events ------------------------------------------------------------------------------


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Generate every page's text once per build; add the qualification report to the site."""
    summary, report = qualification(qualification_mode())
    _generated.clear()
    _generated.update(model=model_markdown(), cli=cli_markdown(), qualification=summary)
    if report is not None:
        files.append(File.generated(config, REPORT_PATH, content=report))
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Put the generated text where a page's marker stands."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in _generated:
            raise KeyError(f"{page.file.src_uri}: unknown marker {match.group(0)!r}")
        return _generated[name]

    return DISPLAY_MATH.sub(_mathml, MARKER.sub(fill, markdown))


def _mathml(match: re.Match[str]) -> str:
    """A ``$$ … $$`` block as MathML, which browsers render with no script and no network."""
    from latex2mathml.converter import convert

    return f'<div class="equation">{convert(match.group(1).strip(), display="block")}</div>'
