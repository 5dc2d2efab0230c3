"""The ``validate`` command: the model against every human observation it can predict."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from kratomsim.interfaces.options import out
from kratomsim.interfaces.output import brief, is_brief, refuse_brief
from kratomsim.reports.disclaimer import DISCLAIMER

if TYPE_CHECKING:
    from kratomsim.analyses.validation import Qualification


JSON_HELP = (
    "The JSON document (--format json) has these keys, stable for scripts: schema "
    "('kratomsim-validate/1'), kratomsim_version, disclaimer, settings (fast, seed, "
    "virtual_people, virtual_studies), categories (category, title, note), summary (per category "
    "and sample 'in' or 'out': n, n_fold, gmfe, within_1_25, within_2, n_absolute, "
    "mean_abs_difference, n_qualitative, n_agree, n_interval, n_covered), overall_out_of_sample "
    "(the same for every out-of-sample row), comparisons (key, category, what, unit, source, "
    "locator, used_for_fitting, sample, n, observed and predicted {value, low, high, statistic, "
    "interval, text, typical}, scoring, fold_error, abs_fold_error, fold_error_undefined, "
    "abs_difference, within_1_25, within_2, interval_check, interval_check_passed, agrees, note) and "
    "not_predicted (category, key, what, source, reason). Shares are fractions (0-1); a number "
    "that does not exist is null."
)


class ValidateFormat(StrEnum):
    table = "table"
    json = "json"


def _writable(path: Path | None, suffixes: tuple[str, ...], flag: str) -> None:
    """Refuse a report path before minutes of work, naming the value and the fix."""
    if path is None:
        return
    if path.suffix.lower() not in suffixes:
        raise typer.BadParameter(
            f"got {str(path)!r}. Give a file name ending in {' or '.join(suffixes)}.",
            param_hint=flag,
        )
    if not path.parent.is_dir():
        raise typer.BadParameter(
            f"got {str(path)!r}: the folder {str(path.parent)!r} does not exist. Create it or "
            "choose another.",
            param_hint=flag,
        )


def _run(fast: bool, seed: int) -> Qualification:
    from kratomsim.analyses.validation import qualify

    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=Console(stderr=True), transient=True,
    )  # fmt: skip
    with bar:
        task = bar.add_task("predicting the observations", total=5)

        def tick(step: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=step)

        return qualify(fast=fast, seed=seed, progress=tick)


def print_tables(q: Qualification) -> None:
    """The summary and every comparison as terminal tables."""
    from kratomsim.analyses.validation import CATEGORIES
    from kratomsim.reports.validation import (
        INTRO,
        TITLE,
        comparisons_by_category,
        estimate_text,
        fold_text,
        predicted_text,
        summary_rows,
    )

    out.print(Text(TITLE, style="bold"))
    out.print(Text(INTRO, style="dim"))
    summary = Table(title="Summary by category (GMFE: geometric mean fold error, 1 is perfect)")
    for col in ("category", "rows", "n", "GMFE", "≤1.25×", "≤2×", "without a fold error",
                "intervals agree"):  # fmt: skip
        summary.add_column(col, overflow="fold")
    for r in summary_rows(q):
        summary.add_row(
            r["category"], r["sample"], r["n"], r["gmfe"], r["within_1_25"], r["within_2"],
            r["other"], r["covered"],
        )  # fmt: skip
    out.print(summary)
    for cat, rows in comparisons_by_category(q).items():
        note = q.notes.get(cat, "")
        if not rows:
            out.print(Text(f"{CATEGORIES[cat]}: no comparison. {note}", style="dim"))
            continue
        table = Table(title=CATEGORIES[cat], caption=note or None)
        for col in ("#", "what was measured", "observed", "predicted (interval)", "fold", "fitted"):
            table.add_column(col, overflow="fold")
        for i, c in enumerate(rows, start=1):
            table.add_row(
                str(i),
                f"{c.what} [dim]({c.source})[/dim]",
                estimate_text(c.observed, c.unit),
                predicted_text(c) + (" ✗" if c.covered is False else ""),
                fold_text(c),
                "yes" if c.used_for_fitting else "no",
            )
        out.print(table)
    if q.not_predicted:
        out.print(
            Text(
                f"{len(q.not_predicted)} further observations in the evidence base are not "
                "compared (each with its reason in --format json and the HTML report).",
                style="dim",
            )
        )
    out.print(Text(DISCLAIMER, style="dim"))


def validate_cmd(
    fmt: Annotated[
        ValidateFormat,
        typer.Option("--format", "-f", help="table (default) or json; json writes only JSON."),
    ] = ValidateFormat.table,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the report as HTML to this file.")
    ] = None,
    pdf: Annotated[
        Path | None, typer.Option("--pdf", help="Also write the report as PDF to this file.")
    ] = None,
    fast: Annotated[
        bool,
        typer.Option(
            "--fast", help="Fewer virtual people and resamples: seconds, coarser intervals."
        ),
    ] = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the virtual people (≥ 0).")] = 0,
) -> None:
    """How well the model predicts what was measured in people (a qualification report).

    Every human observation in the evidence base with a number the model can predict (drug levels
    in blood, outcomes and surveys, side effects), beside the prediction with its interval,
    whether it was used for fitting, the fold error, and per category the geometric mean fold error
    (GMFE) and the shares within 1.25× and 2×, separately for fitted and not fitted rows. The full
    run takes a minute or two; --fast takes seconds.
    """
    from kratomsim.reports.validation import validation_document, write_validation

    if seed < 0:
        raise typer.BadParameter(
            f"got {seed}. Give a whole number ≥ 0, e.g. 7.", param_hint="--seed"
        )
    if is_brief() and fmt != ValidateFormat.table:
        raise refuse_brief("validate", fmt.value)
    _writable(html, (".html", ".htm"), "--html")
    _writable(pdf, (".pdf",), "--pdf")
    q = _run(fast, seed)
    written = write_validation(q, html=html, pdf=pdf)
    if fmt == ValidateFormat.json:
        sys.stdout.write(json.dumps(validation_document(q), indent=2, allow_nan=False) + "\n")
        for path in written:
            sys.stderr.write(f"wrote {path}\n")
        return
    if is_brief():
        from kratomsim.interfaces.briefs import validate_lines

        brief(validate_lines(q), out)
    else:
        print_tables(q)
    for path in written:
        out.print(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add ``validate`` to ``app``."""
    app.command("validate", epilog=JSON_HELP)(validate_cmd)
