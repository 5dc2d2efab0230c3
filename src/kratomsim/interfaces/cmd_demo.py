"""The ``demo`` command (``make run``): the demo scenario through the whole system.

One person's use (the demo scenario: daily leaf powder for chronic back pain, with three
medications and a liver condition) goes through exposure, the pain-response outcomes with
intervals, the withdrawal timeline after stopping, the interactions and the condition rules, by
the ``report`` command's own code path. The clinician report (PDF and HTML, with its figure), its
data, the figure and the time course are written to a folder; a short summary in plain words and
where to look are printed. Progress goes to stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

#: The demo scenario, the same use as ``examples/scenario.yaml``.
DEMO_SCENARIO: dict[str, Any] = {
    "name": "Demo, daily use for chronic back pain",
    "regimen": "3 g three times daily for 28 days",
    "product": "leaf-powder",
    "medications": ["alprazolam", "sertraline", "atorvastatin"],
    "conditions": ["fatty liver"],
    "baseline_pain": 6,
}

#: What each written file holds, in the order they are listed.
FILES = {
    "report.pdf": "the clinician report: one summary page, then findings in full, the time "
    "course and the references",
    "report.html": "the same report as one self-contained web page",
    "report.json": "every number of the report, with its interval",
    "timecourse.png": "plasma levels, relief and withdrawal score over time",
    "series.csv": "that time course as a table (hourly or coarser)",
}

#: The summary lines ``--brief`` keeps (by their start).
BRIEF_LINES = (
    "  mitragynine peak",
    "  relief",
    "  breathing",
    "  tolerance",
    "  withdrawal onset",
    "  withdrawal peak",
    "Findings:",
)


def _progress(message: str) -> None:
    sys.stderr.write(f"demo: {message} …\n")
    sys.stderr.flush()


def _with_band(value: str, band: str) -> str:
    return f"{value} ({band})" if band else value


def summary_lines(data: dict[str, Any]) -> list[str]:
    """The report's main figures in plain words, one line each (what the demo prints)."""
    from kratomsim.interfaces.render import withdrawal_rows

    person, relief = data["person"], data["relief"]
    peak = data["exposure"]["Mitragynine peak (Cmax)"]
    tol = data["outlook"]["tolerance_at_last_dose"]
    body = data["breathing_and_pupils"]
    lines = [
        f"{person['name']}: {person['regimen']} of {person['product']}; medications "
        f"{', '.join(person['medications']) or 'none'}; conditions "
        f"{', '.join(person['conditions']) or 'none'}; usual pain "
        f"{person['baseline_pain_nrs']:.0f}/10.",
        "Model estimates for one typical adult, with 90 % intervals over the parameter draws:",
        f"  mitragynine peak in plasma: {peak['central']:.3g} ng/mL "
        f"({peak['low']:.3g}–{peak['high']:.3g})",
        f"  relief of the usual pain: {relief['central_words']} ({relief['interval_words']}), "
        f"mean over {relief['window']}",
        f"  breathing, largest change: {body['ventilation_change_pct']['central_words']} "
        f"({body['ventilation_change_pct']['interval_words']})",
        f"  pupils in dim light, largest change: {body['pupil_change_mm']['central_words']} "
        f"({body['pupil_change_mm']['interval_words']})",
        f"  tolerance at the last dose: {100 * tol['central']:.0f} % desensitised "
        f"({100 * tol['low']:.0f}–{100 * tol['high']:.0f} %)",
        "If use stopped after the last dose:",
    ]
    timeline = data["outlook"]["withdrawal_after_stopping"]["timeline"]
    for label, unit, cell, band in withdrawal_rows(timeline, "90%"):
        shown = cell if unit in cell or not cell[:1].isdigit() else f"{cell} {unit}"
        lines.append(f"  {label}: {_with_band(shown, band)}")
    if data["interactions"]:
        lines.append("Medicines whose levels kratom may change (AUC ratio, with / without):")
        for i in data["interactions"]:
            if i["auc_ratio"] is None:
                lines.append(f"  {i['name']}: not quantified (no cited fm, Fg)")
                continue
            low, high = i["auc_ratio_interval"] or (i["auc_ratio"], i["auc_ratio"])
            lines.append(
                f"  {i['name']}: ×{i['auc_ratio']:.2f} ({low:.2f}–{high:.2f}) "
                f"through {', '.join(i['pathways']).upper()}"
            )
    findings = data["findings"]
    counts: dict[str, int] = {}
    for f in findings:
        counts[f["severity"]] = counts.get(f["severity"], 0) + 1
    lines.append(
        f"Findings: {len(findings)} ("
        + ", ".join(f"{n} {severity}" for severity, n in counts.items())
        + "), most serious first:"
        if findings
        else "Findings: none for these medications, conditions, product and regimen."
    )
    lines += [f"  {f['severity']}: {f['title']} ({f['rule_id']})" for f in findings[:4]]
    if len(findings) > 4:
        lines.append(f"  … and {len(findings) - 4} more in the report.")
    return lines


def _write_series(data: dict[str, Any], path: Path) -> None:
    import csv

    rows = data["appendix"]["series"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: f"{v:.6g}" for k, v in row.items()} for row in rows)


def demo_cmd(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the report, its data and the figure.")
    ] = Path("out"),
    draws: Annotated[int, typer.Option("--draws", min=20, max=2000, help="Parameter draws.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the parameter draws.")] = 0,
) -> None:
    """Run the demo scenario through the whole system; write the clinician report (PDF, HTML)."""
    import base64

    from rich.text import Text

    from kratomsim.interfaces.cmd_report import report_from
    from kratomsim.interfaces.options import out
    from kratomsim.interfaces.output import brief, is_brief
    from kratomsim.interop.scenario import Scenario
    from kratomsim.reports.clinician_render import report_figure, write_report
    from kratomsim.reports.summary import DISCLAIMER

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / name for name in FILES}
    data = report_from(Scenario(**DEMO_SCENARIO), n_draws=draws, seed=seed, progress=_progress)
    _progress("drawing the figure and writing the clinician report (PDF, HTML)")
    figure = report_figure(data)
    paths["timecourse.png"].write_bytes(base64.b64decode(figure))
    _write_series(data, paths["series.csv"])
    write_report(data, paths["report.html"], figure=figure)
    write_report(data, paths["report.pdf"], figure=figure)  # and report.json beside both
    lines = summary_lines(data)
    if is_brief():
        picked = [
            line.replace(", most serious first:", "; see the report.")
            for line in lines
            if line.startswith(BRIEF_LINES)
        ]
        files = ", ".join(FILES)
        brief([lines[0], *picked, f"Wrote {files} to {out_dir} (report.pdf: start there)."], out)
        return
    brief([*lines, "", "Where to look:"], out)
    for name, path in paths.items():  # a path is never wrapped, so it can be copied
        out.print(Text(f"  {path}"), soft_wrap=True)
        out.print(Text(f"      {FILES[name]}"))
    out.print(Text(DISCLAIMER, style="dim"))


def register(app: typer.Typer) -> None:
    """Add ``demo`` to ``app``."""
    app.command("demo")(demo_cmd)
