"""Rich tables for the terminal. Text from users (regimens, names) is never read as markup."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rich.table import Table
from rich.text import Text

from kratomsim.engine.result import Simulation
from kratomsim.evidence import CitedValue, Product
from kratomsim.reports.summary import SUMMARY_ROWS, content_used


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.3g}"


def _name(v: CitedValue) -> Text:
    text = Text(v.name)
    if v.is_assumption:
        text.append(" ASSUMPTION", style="bold yellow")
    return text


def summary_table(sim: Simulation) -> Table:
    """Exposure summary per analyte (subject 0)."""
    s = sim.summary()
    title = Text(f"{sim.regimen.text or 'regimen'} — {sim.product.name}")
    table = Table(title=title, title_justify="left")
    table.add_column("measure")
    for name in sim.analytes:
        table.add_column(name, justify="right")
    for label, field in SUMMARY_ROWS:
        table.add_row(label, *(_fmt(getattr(s[a], field)) for a in sim.analytes))
    return table


def content_table(sim: Simulation) -> Table:
    """The alkaloid content this run used, with grade and source."""
    table = Table(title="Alkaloid content used (mg per g of product)", title_justify="left")
    for col in ("analyte", "mg/g", "range", "grade", "source"):
        table.add_column(col, overflow="fold")
    for analyte, v in content_used(sim).items():
        label = Text(analyte)
        if v.is_assumption:
            label.append(" ASSUMPTION", style="bold yellow")
        table.add_row(label, f"{v.value:g}", f"{v.low:g}–{v.high:g}", v.grade, Text(v.source))
    return table


def evidence_table(values: Iterable[CitedValue], title: str, *, locator: bool = True) -> Table:
    """Cited values; ``locator=False`` leaves out where in the source (for compact summaries)."""
    table = Table(title=title, title_justify="left")
    cols = ["parameter", "value", "range", "grade", "source"] + (["locator"] if locator else [])
    for col in cols:
        table.add_column(col, overflow="fold")
    for v in values:
        row: list[Text | str] = [
            _name(v),
            f"{v.value:g} {v.unit}",
            f"{v.low:g}–{v.high:g}",
            v.grade,
            Text(v.source),
        ]
        table.add_row(*row, *([Text(v.locator)] if locator else []))
    return table


def products_table(products: Iterable[Product]) -> Table:
    """Product types with default content, range, grade and source."""
    table = Table(title="Product types (content per g of product)", title_justify="left")
    for col in ("id", "name", "absorption", "mitragynine mg/g", "7-OH mg/g", "grade", "source"):
        table.add_column(col, overflow="fold")
    for p in products:
        mg, oh = p.mg_per_g, p.oh7_mg_per_g
        table.add_row(
            p.id,
            p.name,
            p.absorption,
            f"{mg.value:g} ({mg.low:g}–{mg.high:g})",
            f"{oh.value:g} ({oh.low:g}–{oh.high:g})" + (" ASSUMPTION" if oh.is_assumption else ""),
            f"{mg.grade} / {oh.grade}",
            f"{mg.source}; {oh.source}",
        )
    return table


def calibration_table(predicted: Mapping[str, float], targets: Mapping[str, Any]) -> Table:
    """Model predictions against the published medians and ranges."""
    table = Table(title="Fit to Tanna 2022 (single 2 g tea, medians)", title_justify="left")
    for col in ("metric", "model", "published median", "published range", "model/median"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for key, value in predicted.items():
        lo, hi = targets[f"{key}_range"]
        table.add_row(
            key, f"{value:.3g}", f"{targets[key]:g}", f"{lo:g}–{hi:g}", f"{value / targets[key]:.2f}"
        )
    return table
