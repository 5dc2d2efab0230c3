"""The ``kratomsim`` command line.

Every project error and every usage error ends the program with one line on stderr
(``error: what: got value. fix``) and exit code 2, without a traceback. ``--format json`` and
``--format csv`` write only their data to stdout.
"""

from __future__ import annotations

import atexit
import csv
import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from kratomsim.analyses.draws import DEFAULT_DRAWS, TAPER_DRAWS
from kratomsim.errors import KratomsimError, bad_value
from kratomsim.interfaces.cmd_warm import show_compile_notice
from kratomsim.interfaces.options import (
    ARGS_AS_TEXT,
    DurationOpt,
    Format,
    MgOpt,
    OhOpt,
    ProductOpt,
    Unit,
    out,
)
from kratomsim.interfaces.output import (
    add_output_options,
    brief,
    is_brief,
    refuse_brief,
)
from kratomsim.interfaces.wording import for_cli

if TYPE_CHECKING:
    from kratomsim.analyses.outcomes import Outcomes
    from kratomsim.engine.result import Simulation

try:  # typer ≥ 0.22 vendors click as typer._click
    from typer._click.exceptions import ClickException, UsageError
except ImportError:  # pragma: no cover - older typer depends on click itself
    from click.exceptions import (  # pyright: ignore[reportMissingImports]
        ClickException,
        UsageError,
    )

app = typer.Typer(
    name="kratomsim",
    help="Evidence-graded simulation of kratom alkaloid exposure. It never prescribes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _run(
    regimen: str, product: str | None, mg: float | None, oh: float | None, duration: str | None
) -> Simulation:
    from kratomsim.interfaces.api import simulate

    return simulate(regimen, product=product, mg_per_g=mg, oh7_mg_per_g=oh, duration=duration)


@app.command("simulate", context_settings=ARGS_AS_TEXT)
def simulate_cmd(
    regimen: Annotated[
        str | None,
        typer.Argument(
            metavar="[REGIMEN]",
            help="Regimen text, e.g. '2 g every 8 h for 14 days', or a .yaml/.yml/.toml scenario "
            "(omit with --events).",
        ),
    ] = None,
    product: ProductOpt = None,
    mg_per_g: MgOpt = None,
    oh7_mg_per_g: OhOpt = None,
    duration: DurationOpt = None,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="table, json or csv.")
    ] = Format.table,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Also write a plot (.png or .svg).")
    ] = None,
    unit: Annotated[
        Unit, typer.Option("--unit", help="Concentration unit of the plot, csv and json.")
    ] = Unit.ng_ml,
    outcomes: Annotated[
        bool,
        typer.Option("--outcomes", help="Add receptor, tolerance and withdrawal outcomes."),
    ] = False,
    hypothesis: Annotated[
        Hypothesis | None,
        typer.Option("--hypothesis", help="Switch on an unsupported hypothesis (labelled)."),
    ] = None,
    draws: Annotated[
        int, typer.Option("--draws", min=1, max=5000, help="Parameter draws.")
    ] = DEFAULT_DRAWS,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the parameter draws.")] = 0,
    pain: Annotated[
        PainKind | None, typer.Option("--pain", help="Add pain relief: acute or chronic.")
    ] = None,
    baseline_pain: Annotated[
        float, typer.Option("--baseline-pain", min=0, max=10, help="Chronic pain NRS 0-10.")
    ] = 6.0,
    events: Annotated[
        Path | None,
        typer.Option("--events", help="Simulate the IDs of a NONMEM-style event dataset (CSV)."),
    ] = None,
) -> None:
    """Simulate plasma mitragynine and 7-OH-mitragynine for a regimen of a product."""
    from kratomsim.interfaces.briefs import simulate_lines
    from kratomsim.interfaces.cli_safety import warn_free_text
    from kratomsim.interfaces.cmd_interop import simulate_events
    from kratomsim.interfaces.render import content_table, evidence_table, summary_table
    from kratomsim.reports.plots import check_plot_path, plot_exposure, plot_outcomes
    from kratomsim.reports.summary import DISCLAIMER, series_dict, summary_dict

    if is_brief() and fmt is not Format.table:
        raise refuse_brief("simulate", fmt.value)
    if plot is not None:
        check_plot_path(plot)  # fail before the work
    if (events is None) == (regimen is None):
        raise KratomsimError(
            bad_value(
                "simulate needs either a REGIMEN or --events",
                regimen if events is None else f"{regimen} and --events {events}",
                "Give e.g. '2 g every 8 h for 14 days', or --events events.csv alone.",
            )
        )
    if events is not None:
        if outcomes or hypothesis is not None or pain is not None or plot is not None:
            raise KratomsimError(
                bad_value(
                    "--events gives exposure only",
                    "--outcomes/--hypothesis/--pain/--plot",
                    "Run those options with a REGIMEN.",
                )
            )
        if is_brief():
            raise KratomsimError(
                bad_value(
                    "--brief summarises one regimen, not an event dataset",
                    "--events with --brief",
                    "Leave out --brief (the table has one summary per ID).",
                )
            )
        simulate_events(events, product, mg_per_g, oh7_mg_per_g, duration, fmt, unit)
        return
    assert regimen is not None
    warn_free_text(regimen, stderr=fmt is not Format.table)
    if outcomes or hypothesis is not None or pain is not None:
        res = _outcomes_cmd(
            regimen,
            product,
            mg_per_g,
            oh7_mg_per_g,
            duration,
            fmt,
            hypothesis,
            draws,
            seed,
            pain,
            baseline_pain,
        )
        if plot is not None:
            plot_outcomes(res, plot)
            (sys.stderr if fmt is not Format.table else sys.stdout).write(f"plot: {plot}\n")
        return
    sim = _run(regimen, product, mg_per_g, oh7_mg_per_g, duration)
    if plot is not None:
        plot_exposure(sim, plot, unit=unit.value)
    if is_brief():
        low, high = _content_bounds(sim, duration)
        brief(simulate_lines(sim, low, high, regimen), out)
    elif fmt is Format.csv:
        frame = sim.to_frame(unit=unit.value)
        sys.stdout.write(frame.to_csv(index=False, float_format="%.6g", lineterminator="\n"))
    elif fmt is Format.json:
        payload = {"series": series_dict(sim, unit=unit.value), **summary_dict(sim)}
        payload["unit"] = unit.value
        sys.stdout.write(json.dumps(payload, allow_nan=False) + "\n")
    else:
        out.print(summary_table(sim))
        out.print(content_table(sim))
        flagged = [v for v in sim.used if v.is_assumption or v.kind == "user"]
        title = "Assumptions and user-supplied values (run 'kratomsim cite' for all sources)"
        out.print(evidence_table(flagged, title, locator=False))
        out.print(Text(DISCLAIMER, style="dim"))
    if plot is not None:
        (sys.stderr if fmt is not Format.table else sys.stdout).write(f"plot: {plot}\n")


def _content_bounds(
    sim: Simulation, duration: str | None
) -> tuple[Simulation, Simulation] | tuple[None, None]:
    """The same run at the low and at the high end of the product's content range.

    Exposure rises with the alkaloid dosed (slightly more than in proportion: mitragynine slows
    its own CYP3A clearance), so the two ends bound it; none when the content was given by the
    user or stated by the regimen (a 7-OH tablet's label).
    """
    from kratomsim.interfaces.api import simulate
    from kratomsim.reports.summary import content_used

    content = content_used(sim)
    if sim.regimen.product is not None or any(v.kind == "user" for v in content.values()):
        return None, None
    mg, oh = content["mitragynine"], content["7-hydroxymitragynine"]
    if mg.low == mg.high and oh.low == oh.high:
        return None, None
    runs = tuple(
        simulate(
            sim.regimen,
            product=sim.product.id,
            mg_per_g=m,
            oh7_mg_per_g=o,
            duration=duration,
            times_h=sim.time_h,
        )
        for m, o in ((mg.low, oh.low), (mg.high, oh.high))
    )
    return runs[0], runs[1]


class Hypothesis(StrEnum):
    endocannabinoid = "endocannabinoid"


class PainKind(StrEnum):
    acute = "acute"
    chronic = "chronic"


def _outcomes_cmd(
    regimen: str,
    product: str | None,
    mg: float | None,
    oh: float | None,
    duration: str | None,
    fmt: Format,
    hypothesis: Hypothesis | None,
    draws: int,
    seed: int,
    pain: PainKind | None = None,
    baseline_pain: float = 6.0,
) -> Outcomes:
    from kratomsim.analyses.outcomes import simulate_outcomes
    from kratomsim.interfaces.api import read_use
    from kratomsim.interfaces.briefs import outcomes_lines
    from kratomsim.interfaces.render import (
        HYPOTHESIS_NOTE,
        evidence_table,
        outcomes_dict,
        outcomes_table,
        pain_table,
        safety_table,
        summary_table,
    )
    from kratomsim.reports.disclaimer import DISCLAIMER

    use = read_use(regimen, product=product, mg_per_g=mg, oh7_mg_per_g=oh, duration=duration)
    res = simulate_outcomes(
        use.regimen,
        product=use.product,
        mg_per_g=use.mg_per_g,
        oh7_mg_per_g=use.oh7_mg_per_g,
        duration_h=use.duration_h,
        hypothesis=hypothesis.value if hypothesis else None,
        pain=pain.value if pain else None,
        baseline_pain=baseline_pain,
        n_draws=draws,
        seed=seed,
    )
    if is_brief():
        brief(outcomes_lines(res, regimen), out)
        return res
    if fmt is Format.csv:
        frame = res.to_frame()
        sys.stdout.write(frame.to_csv(index=False, float_format="%.6g", lineterminator="\n"))
        return res
    if fmt is Format.json:
        payload = outcomes_dict(res)
        sys.stdout.write(json.dumps(payload, allow_nan=False) + "\n")
        return res
    out.print(summary_table(res.exposure))
    out.print(outcomes_table(res))
    if res.pain:
        out.print(pain_table(res))
    out.print(safety_table(res))
    flagged = [v for v in res.used if v.is_assumption or v.kind == "user"]
    out.print(
        evidence_table(
            flagged,
            "Labelled assumptions behind these outcomes (grade, range sampled for the interval)",
            locator=False,
        )
    )
    if res.hypothesis:
        out.print(Text(HYPOTHESIS_NOTE, style="bold yellow"))
    out.print(Text(DISCLAIMER, style="dim"))
    return res


@app.command("taper", context_settings=ARGS_AS_TEXT)
def taper_cmd(
    current: Annotated[str, typer.Argument(help="Current use, e.g. '4 g three times daily'.")],
    plan: Annotated[
        list[str], typer.Option("--plan", help="A plan: '-10% per week', '-25% per week', 'stop'.")
    ],
    product: ProductOpt = None,
    mg_per_g: MgOpt = None,
    draws: Annotated[
        int, typer.Option("--draws", min=1, max=2000, help="Parameter draws per plan.")
    ] = TAPER_DRAWS,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the parameter draws.")] = 0,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="Where to write the comparison plot (.png or .svg)."),
    ] = Path("taper.png"),
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="table, json or csv.")
    ] = Format.table,
) -> None:
    """Compare taper plans after four weeks of the current use. For discussion with a clinician."""
    from kratomsim.analyses.taper import compare_tapers
    from kratomsim.interfaces.api import read_use
    from kratomsim.interfaces.briefs import taper_lines
    from kratomsim.interfaces.render import (
        TAPER_NOTE,
        flat_taper_row,
        taper_row,
        taper_table,
        taper_withdrawal_table,
    )
    from kratomsim.models.taper import parse_plan
    from kratomsim.reports.disclaimer import DISCLAIMER
    from kratomsim.reports.plots import check_plot_path, plot_taper

    if is_brief() and fmt is not Format.table:
        raise refuse_brief("taper", fmt.value)
    if plot is not None:
        check_plot_path(plot)
    use = read_use(current, product=product, mg_per_g=mg_per_g)
    results = compare_tapers(
        use.regimen,
        [parse_plan(p) for p in plan],
        product=use.product,
        mg_per_g=use.mg_per_g,
        n_draws=draws,
        seed=seed,
    )
    if plot is not None:
        plot_taper(results, plot)
    rows = [taper_row(r) for r in results]
    level = results[0].outcomes.level
    pct = f"{level:.0%}"
    if is_brief():
        brief([*taper_lines(rows, pct), *([f"plot: {plot}"] if plot is not None else [])], out)
        return
    if fmt is Format.json:
        payload = {"plans": rows, "interval_level": level, "draws": draws, "seed": seed}
        payload["disclaimer"] = DISCLAIMER
        sys.stdout.write(json.dumps(payload, allow_nan=False) + "\n")
        if plot is not None:
            sys.stderr.write(f"plot: {plot}\n")
        return
    if fmt is Format.csv:
        flat = [flat_taper_row(r) for r in rows]
        writer = csv.DictWriter(sys.stdout, fieldnames=list(flat[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(flat)
        if plot is not None:
            sys.stderr.write(f"plot: {plot}\n")
        return
    out.print(taper_table(rows, pct))
    out.print(taper_withdrawal_table(rows, pct))
    if plot is not None:
        print(f"plot: {plot}")
    out.print(Text(TAPER_NOTE + " " + DISCLAIMER, style="dim"))


def _one_line(message: str) -> str:
    return "; ".join(part.strip() for part in message.splitlines() if part.strip())


def _fail(message: str, code: int = 2) -> int:
    sys.stdout.flush()
    sys.stderr.write(f"error: {_one_line(message)}\n")
    return code


def run(argv: list[str] | None = None) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    args = sys.argv[1:] if argv is None else list(argv)
    out.follow_environment()
    command = typer.main.get_command(app)
    add_output_options(command)
    stop_notice = show_compile_notice()  # "Preparing the model…" before a first compile
    try:
        return _main(command, args)
    finally:
        stop_notice()


def _main(command: Any, args: list[str]) -> int:
    """Run the click ``command`` on ``args``; every project or usage error becomes one line."""
    try:
        result = command.main(args=args or ["--help"], prog_name="kratomsim", standalone_mode=False)
    except KratomsimError as exc:
        return _fail(for_cli(str(exc)))
    except UsageError as exc:
        where = f"{exc.ctx.command_path} --help" if exc.ctx else "kratomsim --help"
        message = exc.format_message().rstrip()
        return _fail(f"{message}{'' if message.endswith('.') else '.'} See '{where}'.")
    except ClickException as exc:
        return _fail(exc.format_message(), exc.exit_code)
    except typer.Abort:
        return _fail("Aborted.", 1)
    except OSError as exc:
        what = exc.filename if exc.filename is not None else str(exc)
        fix = f"Check the path and its permissions ({exc.strerror or type(exc).__name__})."
        return _fail(bad_value("Cannot read or write a file", str(what), fix))
    return result if isinstance(result, int) else 0


def _register_command_modules() -> None:
    """Add the commands that live in their own modules (evidence, risk, population, journal, web)."""
    from kratomsim.interfaces import (
        cmd_calibrate_pain,
        cmd_demo,
        cmd_evidence,
        cmd_interactions,
        cmd_interop,
        cmd_journal,
        cmd_journal_fit,
        cmd_journal_report,
        cmd_model,
        cmd_population,
        cmd_report,
        cmd_risk,
        cmd_serve,
        cmd_validate,
        cmd_warm,
    )

    modules = (
        cmd_evidence,
        cmd_risk,
        cmd_interactions,
        cmd_report,
        cmd_population,
        cmd_interop,
        cmd_journal_fit,
        cmd_journal_report,
        cmd_journal,
        cmd_serve,
        cmd_model,
        cmd_calibrate_pain,
        cmd_validate,
        cmd_demo,
        cmd_warm,
    )
    for module in modules:
        module.register(app)


_register_command_modules()


def main(argv: list[str] | None = None) -> None:
    """Exit with the code of :func:`run` (``SystemExit``, so callers in Python can catch it)."""
    sys.exit(run(argv))


def console() -> None:
    """Console entry point (``kratomsim``, ``python -m kratomsim``): run, then end the process.

    Everything a command writes is closed and flushed by then, and the ``atexit`` handlers run;
    the process then ends without the interpreter's teardown of every module, which after a
    simulation (Numba's compiled kernels, LLVM) took 0.3-0.5 s of a 3 s ``report``. The command
    line's own threads have all finished when :func:`run` returns. Run inside another Python
    program (``runpy``), it exits as :func:`main` does.
    """
    code = run()
    if not _started_as_command():
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (``| head``): nothing more to say
            pass
    atexit._run_exitfuncs()
    os._exit(code)


def _started_as_command() -> bool:
    """Whether this process was started as ``kratomsim`` or ``python -m kratomsim``."""
    started = getattr(sys.modules.get("__main__"), "__file__", None)
    first = Path(started) if started else Path()
    return first.name == "kratomsim" or (
        first.name == "__main__.py" and first.parent.name == "kratomsim"
    )
