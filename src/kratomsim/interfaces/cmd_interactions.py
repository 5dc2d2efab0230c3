"""The ``interactions`` command: how a kratom regimen changes other drugs' exposure, and back.

``kratomsim interactions "2 g once" --product tea --drug midazolam --drug dextromethorphan``

The other drug is taken, by default, together with the last kratom dose (for one dose: at the same
time as it); ``--at`` moves it (hours after the first kratom dose; repeat it for repeated dosing of
the other drug). Ratios describe exposure only; nothing here suggests a dose.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from kratomsim.errors import MedicationError, bad_value
from kratomsim.interfaces.options import ARGS_AS_TEXT, MgOpt, OhOpt, ProductOpt, out
from kratomsim.interfaces.output import brief, is_brief, refuse_brief
from kratomsim.reports.disclaimer import DISCLAIMER

if TYPE_CHECKING:
    from kratomsim.evidence.medication_schema import Medication
    from kratomsim.risk.ddi import InteractionPrediction
    from kratomsim.risk.victim import VictimEffect


NOTE = (
    "Ratios compare the other drug's exposure with and without kratom (grade D: in vitro "
    "constants in a model). The central value uses regulatory default inputs; the interval spans "
    "5-95 % of draws over the uncertain constants."
)


class InteractionFormat(StrEnum):
    table = "table"
    json = "json"


def _ratio(value: float | None, interval: tuple[float, float] | None) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}" + (f" ({interval[0]:.2f}–{interval[1]:.2f})" if interval else "")


def _hours(value: float | None) -> str:
    if value is None:
        return "beyond 26 d"
    return "never above" if value == 0.0 else f"{value:.0f} h"


def _basic(p: InteractionPrediction) -> str:
    if p.static_basic is None:
        return "—"
    b = p.static_basic
    parts = []
    if "cyp3a4" in p.pathways:
        parts += [f"R1,gut {b['r1_gut_cyp3a']:.3g}", f"R(TDI) liver {b['r_tdi_hep_cyp3a']:.3g}"]
    if "cyp2d6" in p.pathways:
        parts.append(f"R1 liver 2D6 {b['r1_hep_cyp2d6']:.3g}")
    return "; ".join(parts)


def interactions_table(preds: Sequence[InteractionPrediction], title: str) -> Table:
    """Per drug: dynamic ratios with interval, static values beside, recovery and grade."""
    table = Table(title=Text(title), title_justify="left")
    for col in (
        "drug",
        "pathway",
        "AUC ratio (5–95 %)",
        "Cmax ratio (5–95 %)",
        "static mechanistic AUC ratio",
        "basic static R",
        "AUC ratio < 1.25 after",
        "< 1.1 after",
        "grade",
    ):
        table.add_column(col, overflow="fold")
    for p in preds:
        quant = p.quantitative
        table.add_row(
            Text(p.name),
            ", ".join(p.pathways).upper() or "none",
            _ratio(p.auc_ratio, p.auc_ratio_interval),
            _ratio(p.cmax_ratio, p.cmax_ratio_interval),
            f"{p.static_mechanistic_auc_ratio:.2f}" if p.static_mechanistic_auc_ratio else "—",
            _basic(p),
            _hours(p.recovery_h["1.25"]) if quant else "—",
            _hours(p.recovery_h["1.1"]) if quant else "—",
            p.grade,
        )
    return table


def victim_table(effects: Sequence[VictimEffect]) -> Table:
    """Effects of the user's CYP3A inhibitors and inducers on kratom exposure."""
    table = Table(title="Kratom as the victim: mitragynine exposure", title_justify="left")
    for col in ("drug", "role", "mitragynine AUC ratio (range)", "7-OH formation (range)", "grade"):
        table.add_column(col, overflow="fold")
    for e in effects:
        table.add_row(
            Text(e.name),
            e.role,
            _ratio(e.mg_auc_ratio, e.mg_auc_ratio_range),
            _ratio(e.oh7_formation_ratio, e.oh7_formation_ratio_range),
            e.grade,
        )
    return table


def _medications(names: Sequence[str]) -> list[Medication]:
    from kratomsim.evidence import resolve_medication

    if not names:
        raise MedicationError(
            bad_value("No drug given", "--drug", "Name one, e.g. --drug midazolam (see --list).")
        )
    return list(dict.fromkeys(resolve_medication(n) for n in names))


def _list_drugs() -> None:
    from kratomsim.evidence import load_medications

    table = Table(title="Known medications", title_justify="left")
    for col in ("id", "name", "CYP3A4", "CYP2D6", "P-gp"):
        table.add_column(col, overflow="fold")
    for m in load_medications():
        table.add_row(
            m.id,
            Text(m.name),
            "fm" if m.fm_cyp3a4 else ("yes" if m.cyp3a4_substrate else ""),
            "fm" if m.fm_cyp2d6 else ("yes" if m.cyp2d6_substrate else ""),
            "yes" if m.pgp_substrate else "",
        )
    out.print(table)
    out.print(Text("fm: fraction metabolised given, so ratios are computed.", style="dim"))


def interactions_cmd(
    regimen: Annotated[
        str | None,
        typer.Argument(
            metavar="REGIMEN", help="Kratom regimen, e.g. '2 g three times daily for 7 days'."
        ),
    ] = None,
    regimen_opt: Annotated[
        str | None,
        typer.Option("--regimen", "-r", help="The same as REGIMEN, given as an option."),
    ] = None,
    product: ProductOpt = None,
    mg_per_g: MgOpt = None,
    oh7_mg_per_g: OhOpt = None,
    drug: Annotated[
        list[str] | None, typer.Option("--drug", "-d", help="A co-used drug (repeat for several).")
    ] = None,
    at: Annotated[
        list[str] | None,
        typer.Option(
            "--at",
            help="When the drug is taken, after the first kratom dose (e.g. '8 h'); repeat for "
            "repeated dosing. Default: with the last kratom dose.",
        ),
    ] = None,
    fmt: Annotated[
        InteractionFormat, typer.Option("--format", "-f", help="table or json.")
    ] = InteractionFormat.table,
    draws: Annotated[int, typer.Option("--draws", min=1, max=2000, help="Parameter draws.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the parameter draws.")] = 0,
    list_drugs: Annotated[bool, typer.Option("--list", help="List the known drugs.")] = False,
) -> None:
    """Predict how kratom changes other drugs' exposure (CYP3A, CYP2D6) and how they change kratom's."""
    from kratomsim.interfaces.api import read_use
    from kratomsim.interfaces.briefs import interactions_lines
    from kratomsim.models.regimen_text import parse_time_h
    from kratomsim.risk.ddi import OPEN_ENDED_HORIZON_H, predict_interactions
    from kratomsim.risk.victim import kratom_as_victim

    if is_brief() and fmt is not InteractionFormat.table:
        raise refuse_brief("interactions", fmt.value)
    if list_drugs:
        _list_drugs()
        return
    if regimen is not None and regimen_opt is not None and regimen != regimen_opt:
        raise MedicationError(
            bad_value(
                "Two different regimens given",
                (regimen, regimen_opt),
                "Give the regimen once, as REGIMEN or --regimen.",
            )
        )
    regimen = regimen if regimen is not None else regimen_opt
    if regimen is None:
        raise MedicationError(
            bad_value(
                "interactions needs a REGIMEN", "nothing", "Give e.g. '2 g once' (or --list)."
            )
        )
    use = read_use(regimen, product=product, mg_per_g=mg_per_g, oh7_mg_per_g=oh7_mg_per_g)
    meds = _medications(drug or [])
    times = [parse_time_h(t, zero=True) for t in at] if at else None
    preds = predict_interactions(
        use.regimen,
        product=use.product,
        mg_per_g=use.mg_per_g,
        oh7_mg_per_g=use.oh7_mg_per_g,
        victims=meds,
        victim_dose_times_h=times,
        n_draws=draws,
        seed=seed,
    )
    bounded = use.regimen.bounded(OPEN_ENDED_HORIZON_H) if use.regimen.open_ended else use.regimen
    effects = kratom_as_victim(meds, bounded, use.inputs())
    if is_brief():
        brief(interactions_lines(preds), out)
        return
    if fmt is InteractionFormat.json:
        payload = {
            "regimen": regimen,
            "product": product,
            "interactions": [p.to_dict() for p in preds],
            "kratom_as_victim": [e.to_dict() for e in effects],
            "note": NOTE,
            "disclaimer": DISCLAIMER,
        }
        sys.stdout.write(json.dumps(payload, allow_nan=False) + "\n")
        return
    out.print(interactions_table(preds, f"Interactions: kratom {regimen}"))
    for p in preds:
        for line in (p.explanation if not p.quantitative else "", *p.flags):
            if line:
                out.print(Text(f"{p.name}: {line}"))
    if effects:
        out.print(victim_table(effects))
        for e in effects:
            out.print(Text(f"{e.name}: {e.direction}. {' '.join(e.notes)}", style="dim"))
    assumptions = dict.fromkeys(a for p in preds for a in p.assumptions)
    if assumptions:
        out.print(Text("Assumptions:", style="bold"))
        for a in assumptions:
            out.print(Text(f"- {a}"))
    out.print(Text(NOTE, style="dim"))
    out.print(Text(DISCLAIMER, style="dim"))


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("interactions", context_settings=ARGS_AS_TEXT)(interactions_cmd)
