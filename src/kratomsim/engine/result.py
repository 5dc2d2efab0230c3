"""Typed, frozen simulation results with summaries and a pandas view."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from kratomsim.evidence import CitedValue, Product, bibliography
from kratomsim.models import display
from kratomsim.models.dosing import Regimen

if TYPE_CHECKING:
    import pandas as pd

FloatArray = NDArray[np.float64]
#: Plasma analytes of an exposure simulation, in the order of the concentration arrays.
ANALYTES = ("mitragynine", "7-hydroxymitragynine")


@dataclass(frozen=True, slots=True)
class AnalyteSummary:
    """Exposure summary of one analyte for one subject (concentrations in plasma)."""

    analyte: str
    cmax_ng_ml: float
    cmax_nm: float
    tmax_h: float
    auc_ng_h_ml: float
    auc_inf_ng_h_ml: float
    last_trough_ng_ml: float | None
    time_to_90pct_steady_state_h: float | None

    def to_dict(self) -> dict[str, float | str | None]:
        return {k: getattr(self, k) for k in self.__slots__}  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Simulation:
    """Result of :func:`kratomsim.simulate`.

    Arrays have shape (subjects, times, …); a plain simulation has one subject. Concentrations are
    plasma concentrations; ``enzymes`` holds the CYP3A states that mitragynine inactivates (active
    fraction in gut wall and liver) and the unbound mitragynine that drives it, each
    (subjects, times); ``values`` are the model parameters and inputs used (declared units).
    """

    time_h: FloatArray
    conc_ng_ml: FloatArray
    conc_nm: FloatArray
    enzymes: dict[str, FloatArray]
    dosed_nmol: FloatArray
    dose_times_h: FloatArray
    dose_amounts_g: FloatArray
    regimen: Regimen
    product: Product
    mg_per_g: float
    oh7_mg_per_g: float
    values: dict[str, float]
    summaries: tuple[tuple[AnalyteSummary, ...], ...]
    used: tuple[CitedValue, ...]

    analytes = ANALYTES

    @property
    def n_subjects(self) -> int:
        return int(self.conc_ng_ml.shape[0])

    def summary(self, subject: int = 0) -> dict[str, AnalyteSummary]:
        return {s.analyte: s for s in self.summaries[subject]}

    def to_frame(self, unit: Literal["ng/mL", "nM"] = "ng/mL") -> pd.DataFrame:
        """Concentration series: a ``time_h`` column and one column per analyte (plus ``subject``)."""
        import pandas as pd

        conc = self.conc_ng_ml if unit == "ng/mL" else self.conc_nm
        n, t, _ = conc.shape
        frame = pd.DataFrame({"time_h": np.tile(self.time_h, n)})
        if n > 1:
            frame.insert(0, "subject", np.repeat(np.arange(n), t))
        for k, name in enumerate(self.analytes):
            frame[name] = conc[:, :, k].reshape(-1)
        return frame

    def bibliography(self, style: Literal["plain", "bibtex"] = "plain") -> str:
        """References for exactly the cited values this run used."""
        return bibliography(self.used, style)

    def assumptions(self) -> tuple[CitedValue, ...]:
        return tuple(v for v in self.used if v.is_assumption)

    def __repr__(self) -> str:
        peaks = (
            (
                s.analyte,
                f"peak {display.number(s.cmax_ng_ml)} ng/mL at {display.number(s.tmax_h)} h",
            )
            for s in self.summaries[0]
        )
        return display.short_repr(
            "Simulation",
            [
                ("", repr(self.regimen.text or "regimen")),
                ("product", repr(self.product.id)),
                ("subjects", self.n_subjects),
                ("hours", f"{display.number(self.time_h[0])}–{display.number(self.time_h[-1])}"),
                *peaks,
            ],
        )

    def _repr_html_(self) -> str:
        rows = [
            (
                s.analyte,
                display.number(s.cmax_ng_ml),
                display.number(s.tmax_h),
                display.number(s.auc_ng_h_ml),
            )
            for s in self.summaries[0]
        ]
        return display.html_table(
            f"Plasma exposure: {self.regimen.text or 'regimen'} ({self.product.id})",
            ("analyte", "peak (ng/mL)", "time of peak (h)", "AUC (ng·h/mL)"),
            rows,
            "One typical adult; to_frame() gives the series. Not a recommendation of any amount.",
        )
