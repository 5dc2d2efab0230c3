"""What the risk rules need to know about the person's product and regimen.

The dose-frequency rules (R11, R20, R21) read the dosing pattern; the QT rule (R13) reads the
**hERG margin**: the in vitro hERG IC50 of mitragynine divided by the predicted *unbound* peak
plasma mitragynine of this regimen (engine Cmax x fraction unbound). A margin below about 30-fold
is where drug development starts to worry (Redfern 2003); it is a screening number, not a
clinical threshold for kratom.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kratomsim.evidence import CitedValue, Product, load_parameters
from kratomsim.evidence.loader import default_product
from kratomsim.risk.findings import Quantity

if TYPE_CHECKING:
    from kratomsim.engine.result import Simulation
    from kratomsim.models.dosing import Regimen


RISK_CONSTANTS = ("risk_constants.toml",)
#: Fraction unbound of mitragynine lives with the receptor-layer values.
RECEPTOR_FILE = ("receptors.toml",)
HOURS_PER_DAY = 24.0


def risk_constant(name: str) -> CitedValue:
    """A cited number from ``risk_constants.toml``."""
    return load_parameters(RISK_CONSTANTS)[name]


def fraction_unbound_mg() -> CitedValue:
    """Fraction of plasma mitragynine not bound to protein (labelled assumption, 0.05-0.15)."""
    return load_parameters(RECEPTOR_FILE)["fu_mg"]


def herg_margin(cmax_total_nm: float) -> Quantity:
    """hERG IC50 / unbound Cmax of mitragynine, with the range from the IC50 and fu ranges.

    The central value uses the central IC50 and fu; the low end pairs the lowest IC50 with the
    highest fu (the least favourable combination), the high end the reverse.
    """
    ic50, fu = risk_constant("herg_ic50_mg"), fraction_unbound_mg()
    nm_per_um = 1000.0
    free = cmax_total_nm * fu.value
    return Quantity(
        name="hERG margin (IC50 / unbound mitragynine Cmax)",
        value=ic50.value * nm_per_um / free,
        unit="fold",
        low=ic50.low * nm_per_um / (cmax_total_nm * fu.high),
        high=ic50.high * nm_per_um / (cmax_total_nm * fu.low),
        note=(
            f"hERG IC50 {ic50.value:g} µM (range {ic50.low:g}-{ic50.high:g}, {ic50.source}); "
            f"predicted mitragynine Cmax {cmax_total_nm:.3g} nM total, {free:.3g} nM unbound "
            f"(fu {fu.value:g}, range {fu.low:g}-{fu.high:g}, labelled assumption); "
            f"drug-development screening margin "
            f"{risk_constant('herg_safety_margin').value:g}-fold (redfern2003)"
        ),
    )


@dataclass(frozen=True, slots=True)
class ProductFacts:
    """The product and its alkaloid content (mg per g) as the rules see it."""

    product: Product
    mg_per_g: float
    oh7_mg_per_g: float

    @property
    def is_7oh_concentrate(self) -> bool:
        threshold = risk_constant("oh7_concentrate_mg_per_g").value
        return self.product.id == "7oh-concentrate" or self.oh7_mg_per_g >= threshold


@dataclass(frozen=True, slots=True)
class RegimenFacts:
    """The dosing pattern of the regimen and the exposure it predicts (one typical adult)."""

    text: str
    description: str
    open_ended: bool
    max_doses_per_day: int
    max_doses_per_week: int
    max_dose_g: float
    max_mitragynine_mg_per_day: float
    days_of_use: int
    cmax_mg_nm: float
    cmax_mg_ng_ml: float
    #: hERG margin of mitragynine; None when the product puts no mitragynine in plasma
    herg: Quantity | None
    #: 7-hydroxymitragynine swallowed: the largest single dose and the most in one day (mg)
    max_7oh_mg_per_dose: float = 0.0
    max_7oh_mg_per_day: float = 0.0
    #: predicted peak plasma 7-OH (swallowed and formed from mitragynine), ng/mL
    cmax_7oh_ng_ml: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "description": self.description,
            "open_ended": self.open_ended,
            "max_doses_per_day": self.max_doses_per_day,
            "max_doses_per_week": self.max_doses_per_week,
            "max_dose_g": self.max_dose_g,
            "max_mitragynine_mg_per_day": self.max_mitragynine_mg_per_day,
            "days_of_use": self.days_of_use,
            "mitragynine_cmax_nm": self.cmax_mg_nm,
            "mitragynine_cmax_ng_ml": self.cmax_mg_ng_ml,
            "max_7oh_mg_per_dose": self.max_7oh_mg_per_dose,
            "max_7oh_mg_per_day": self.max_7oh_mg_per_day,
            "7oh_cmax_ng_ml": self.cmax_7oh_ng_ml,
            "herg_margin": None
            if self.herg is None
            else {
                "value": self.herg.value,
                "low": self.herg.low,
                "high": self.herg.high,
                "unit": self.herg.unit,
                "note": self.herg.note,
            },
        }


def product_facts(
    product: Product | None, mg_per_g: float | None, oh7_mg_per_g: float | None
) -> ProductFacts:
    """The product (default leaf powder) with label or assay content applied."""
    prod = product if product is not None else default_product()
    return ProductFacts(
        product=prod,
        mg_per_g=prod.mg_per_g.value if mg_per_g is None else mg_per_g,
        oh7_mg_per_g=prod.oh7_mg_per_g.value if oh7_mg_per_g is None else oh7_mg_per_g,
    )


def regimen_facts(sim: Simulation) -> RegimenFacts:
    """Dosing pattern per calendar day (and 7-day block), the 7-OH swallowed, and the predicted
    mitragynine and 7-OH peaks."""
    import numpy as np

    from kratomsim.models.regimen_text import format_regimen

    times, grams = sim.dose_times_h, sim.dose_amounts_g
    day = np.floor(times / HOURS_PER_DAY + 1e-9).astype(int)
    n_days = int(day.max()) + 1 if len(day) else 0
    per_day = np.bincount(day, minlength=n_days) if n_days else np.zeros(0, int)
    grams_per_day = np.bincount(day, weights=grams, minlength=n_days) if n_days else np.zeros(0)
    window = min(7, max(n_days, 1))
    per_week = np.convolve(per_day, np.ones(window, int), mode="valid") if n_days else per_day
    summary = sim.summary()
    mg = summary["mitragynine"]
    return RegimenFacts(
        text=sim.regimen.text,
        description=format_regimen(sim.regimen),
        open_ended=sim.regimen.open_ended,
        max_doses_per_day=int(per_day.max()) if n_days else 0,
        max_doses_per_week=int(per_week.max()) if n_days else 0,
        max_dose_g=float(grams.max()) if len(grams) else 0.0,
        max_mitragynine_mg_per_day=float(grams_per_day.max() * sim.mg_per_g) if n_days else 0.0,
        days_of_use=int(np.count_nonzero(per_day)),
        cmax_mg_nm=mg.cmax_nm,
        cmax_mg_ng_ml=mg.cmax_ng_ml,
        herg=herg_margin(mg.cmax_nm) if mg.cmax_nm > 0 else None,
        max_7oh_mg_per_dose=float(grams.max() * sim.oh7_mg_per_g) if len(grams) else 0.0,
        max_7oh_mg_per_day=float(grams_per_day.max() * sim.oh7_mg_per_g) if n_days else 0.0,
        cmax_7oh_ng_ml=summary["7-hydroxymitragynine"].cmax_ng_ml,
    )


def simulate_regimen(
    regimen: Regimen,
    product: Product | None,
    mg_per_g: float | None = None,
    oh7_mg_per_g: float | None = None,
) -> tuple[Simulation, RegimenFacts]:
    """Run the engine for the regimen of this product (typical adult) and summarise it.

    Only contents the person gave are passed on, so the run labels them as user values.
    """
    from kratomsim.engine.simulate import simulate
    from kratomsim.evidence.params import cited_inputs

    sim = simulate(regimen, cited_inputs(product, mg_per_g=mg_per_g, oh7_mg_per_g=oh7_mg_per_g))
    return sim, regimen_facts(sim)
