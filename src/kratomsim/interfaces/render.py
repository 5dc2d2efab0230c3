"""Rich tables for the terminal."""

from __future__ import annotations

from rich.table import Table

from kratomsim.engine.result import Simulation
from kratomsim.evidence import CitedValue, Product
from kratomsim.reports.summary import SUMMARY_ROWS


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.3g}"


def summary_table(sim: Simulation) -> Table:
    s = sim.summary()
    table = Table(title=f"{sim.regimen.text} — {sim.product.name}", title_justify="left")
    table.add_column("measure")
    for name in sim.analytes:
        table.add_column(name, justify="right")
    for label, field in SUMMARY_ROWS:
        table.add_row(label, *(_fmt(getattr(s[a], field)) for a in sim.analytes))
    return table


def evidence_table(
    values: tuple[CitedValue, ...] | list[CitedValue], title: str, *, locator: bool = True
) -> Table:
    """Cited values; ``locator=False`` leaves out where in the source (for compact summaries)."""
    table = Table(title=title, title_justify="left")
    cols = ["parameter", "value", "range", "grade", "source"] + (["locator"] if locator else [])
    for col in cols:
        table.add_column(col, overflow="fold")
    for v in values:
        name = f"{v.name} [bold yellow]ASSUMPTION[/]" if v.is_assumption else v.name
        row = [name, f"{v.value:g} {v.unit}", f"{v.low:g}–{v.high:g}", v.grade, v.source]
        table.add_row(*row, *([v.locator] if locator else []))
    return table


def products_table(products: tuple[Product, ...]) -> Table:
    table = Table(title="Product types (content per g of product)", title_justify="left")
    table.add_column("id", no_wrap=True)
    for col in ("name", "absorption", "mitragynine mg/g", "7-OH mg/g", "grade", "source"):
        table.add_column(col, overflow="fold")
    for p in products:
        table.add_row(
            p.id,
            p.name,
            p.absorption,
            f"{p.mg_per_g.value:g} ({p.mg_per_g.low:g}–{p.mg_per_g.high:g})",
            f"{p.oh7_mg_per_g.value:g} ({p.oh7_mg_per_g.low:g}–{p.oh7_mg_per_g.high:g})",
            f"{p.mg_per_g.grade}/{p.oh7_mg_per_g.grade}",
            f"{p.mg_per_g.source}; {p.oh7_mg_per_g.source}",
        )
    return table
