"""The ``check`` command: risk findings for medicines, conditions, product and regimen."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from kratomsim.errors import KratomsimError, bad_value
from kratomsim.interfaces.options import Format, MgOpt, OhOpt, ProductOpt, out
from kratomsim.interfaces.output import brief, is_brief, refuse_brief
from kratomsim.reports.disclaimer import DISCLAIMER

if TYPE_CHECKING:
    from kratomsim.evidence.medication_names import NameMatch
    from kratomsim.risk.check import CheckResult
    from kratomsim.risk.ddi import InteractionPrediction


SEVERITY_STYLE = {
    "avoid": "bold white on red",
    "major": "bold red",
    "moderate": "yellow",
    "minor": "cyan",
    "info": "dim",
}
CLOSING = f"Not advice: discuss these findings with a clinician. {DISCLAIMER}"


def findings_table(result: CheckResult) -> Table:
    """One row per finding, most serious first, coloured by severity."""
    table = Table(title="Risk findings (most serious first)", title_justify="left", show_lines=True)
    for col in ("severity", "rule", "finding", "grade", "sources", "discuss with a clinician"):
        table.add_column(col, overflow="fold")
    for f in result.findings:
        finding = Text(f.title, style="bold")
        finding.append(f"\n{f.what}\n")
        finding.append(f"Why: {f.why}", style="dim")
        if f.escalated:
            finding.append(f"\nSeverity: {f.escalated}", style="italic")
        discuss = Text(f.discuss)
        if f.watch:
            discuss.append(f"\nWatch for: {f.watch}", style="italic")
        table.add_row(
            Text(f"{f.severity}\n({f.category})", style=SEVERITY_STYLE[f.severity]),
            f.rule_id,
            finding,
            ", ".join(f.grades),
            Text(", ".join(f.sources)),
            discuss,
        )
    return table


def interactions_table(predictions: Sequence[InteractionPrediction]) -> Table:
    """Predicted exposure changes of the person's medicines (dynamic model, static beside)."""
    table = Table(title="Predicted exposure change of your medicines with kratom (PK)")
    for col in ("medicine", "AUC ratio (90 % interval)", "Cmax ratio", "static mechanistic"):
        table.add_column(col)
    for p in predictions:
        lo, hi = p.auc_ratio_interval or (None, None)
        span = f" ({lo:.2f}-{hi:.2f})" if lo is not None and hi is not None else ""
        static = p.static_mechanistic_auc_ratio
        table.add_row(
            p.name,
            f"{p.auc_ratio:.2f}{span}" if p.auc_ratio is not None else "-",
            f"{p.cmax_ratio:.2f}" if p.cmax_ratio is not None else "-",
            f"{static:.2f}" if static is not None else "-",
        )
    return table


def _inputs_line(result: CheckResult) -> Text:
    parts = []
    if result.medications:
        parts.append("medicines: " + ", ".join(m.name for m in result.medications))
    if result.conditions:
        parts.append("conditions: " + ", ".join(c.describe() for c in result.conditions))
    if result.regimen is not None:
        parts.append(f"regimen: {result.regimen.description}")
    if result.product is not None:
        p = result.product
        parts.append(
            f"product: {p.product.id} ({p.mg_per_g:g} mg/g mitragynine, "
            f"{p.oh7_mg_per_g:g} mg/g 7-OH)"
        )
    return Text("Checked " + "; ".join(parts))


CSV_FIELDS = (
    "severity",
    "category",
    "rule",
    "title",
    "what",
    "why",
    "grades",
    "sources",
    "discuss",
)


def _write_csv(result: CheckResult) -> None:
    """One row per finding, most serious first."""
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for f in result.findings:
        writer.writerow(
            [
                f.severity,
                f.category,
                f.rule_id,
                f.title,
                f.what,
                f.why,
                "; ".join(f.grades),
                "; ".join(f.sources),
                f.discuss,
            ]
        )


def _match_lines(matches: Sequence[NameMatch]) -> list[Text]:
    """How each name was read ("xanax bars → alprazolam (street name)"), and what classes hide."""
    lines = []
    for m in matches:
        if m.how == "name":
            continue
        lines.append(Text(f"Read {m.describe()}.", style="bold"))
        if m.drug_class is not None:
            varies = "; ".join(m.drug_class.varies()) or "none"
            lines.append(
                Text(
                    f"  Checked as a class: rules fire on what all {len(m.drug_class.members)} "
                    f"share. Only some have: {varies}. Name the medicine for its own check.",
                    style="dim",
                )
            )
    return lines


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""

    @app.command("check")
    def check_cmd(
        meds: Annotated[
            str | None,
            typer.Option(
                "--meds",
                help="Medicines, comma-separated: names, brands, street names or classes, "
                "e.g. 'alprazolam, sertraline', 'xanax bars', 'benzos'.",
            ),
        ] = None,
        conditions: Annotated[
            str | None,
            typer.Option("--conditions", help="Conditions, comma-separated, e.g. 'fatty liver'."),
        ] = None,
        regimen: Annotated[
            str | None,
            typer.Option("--regimen", help="Kratom use, e.g. '3 g three times daily'."),
        ] = None,
        product: ProductOpt = None,
        mg_per_g: MgOpt = None,
        oh7_mg_per_g: OhOpt = None,
        fmt: Annotated[
            Format, typer.Option("--format", "-f", help="table, json or csv (one row per finding).")
        ] = Format.table,
    ) -> None:
        """Risk findings for medicines, conditions and kratom use: what, why, how sure, sources.

        Findings are evidence-graded statements to discuss with a clinician, never a dose.
        """
        from kratomsim.evidence import resolve_product
        from kratomsim.evidence.medication_names import resolve_names
        from kratomsim.interfaces.briefs import check_lines
        from kratomsim.interfaces.cli_safety import warn_free_text
        from kratomsim.risk.conditions import parse_conditions
        from kratomsim.risk.ddi import check_use

        if meds is None and conditions is None and regimen is None:
            raise KratomsimError(
                bad_value(
                    "Nothing to check",
                    "no --meds, --conditions or --regimen",
                    "Give at least one, e.g. --meds 'alprazolam' --conditions 'fatty liver'.",
                )
            )
        if is_brief() and fmt is not Format.table:
            raise refuse_brief("check", fmt.value)
        # "jaundice" typed as a condition is a reason to seek care, whatever the check says
        warn_free_text(meds, conditions, regimen, stderr=fmt is not Format.table)
        matches = resolve_names(meds) if meds is not None else ()
        medications = tuple(m.entry for m in matches)
        conds = parse_conditions(conditions) if conditions is not None else ()
        if regimen is not None:
            from kratomsim.interfaces.api import read_use  # the regimen parser and the engine

            use = read_use(regimen, product=product, mg_per_g=mg_per_g, oh7_mg_per_g=oh7_mg_per_g)
            reg, prod, mg, oh = use.regimen, use.product, use.mg_per_g, use.oh7_mg_per_g
        else:
            reg, mg, oh = None, mg_per_g, oh7_mg_per_g
            prod = resolve_product(product) if product is not None else None
        result, predictions = check_use(
            medications, conds, reg, product=prod, mg_per_g=mg, oh7_mg_per_g=oh
        )
        if is_brief():
            brief(check_lines(result, matches), out)
            return
        if fmt is Format.json:
            payload = {
                **result.to_dict(),
                "names": [m.to_dict() for m in matches],
                "interactions": [p.to_dict() for p in predictions],
                "disclaimer": CLOSING,
            }
            sys.stdout.write(json.dumps(payload, allow_nan=False) + "\n")
            return
        if fmt is Format.csv:
            _write_csv(result)
            return
        for line in _match_lines(matches):
            out.print(line)
        out.print(_inputs_line(result))
        if result.findings:
            out.print(findings_table(result))
        else:
            out.print("No rule fired for these inputs.")
        quantified = [p for p in predictions if p.auc_ratio is not None]
        if quantified:
            out.print(interactions_table(quantified))
        for caveat in result.caveats[:-1]:
            out.print(Text(f"- {caveat}", style="dim"))
        out.print(Text(CLOSING, style="bold"))
