"""Chart data for the interactive plots: plain JSON the page script draws with uPlot.

A chart is a shared x axis and up to two y axes of series, each with an optional interval band.
Series are thinned to at most :data:`MAX_POINTS` points (the CSV download keeps every point) and
rounded to four significant digits, so a page stays small. The same payload drives hover
values, zoom and the initial time range; the PNG image stays as the fallback without scripts.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from markupsafe import Markup
from numpy.typing import ArrayLike

#: Most points a chart sends to the browser.
MAX_POINTS = 800
#: Colours with at least 3:1 contrast against white (lines) in a colour-blind-safe order.
PALETTE = ("#1f5f8b", "#b3401a", "#2e7d32", "#6a3d9a", "#8a6d00", "#00796b")


@dataclass
class Series:
    label: str
    unit: str
    values: ArrayLike
    low: ArrayLike | None = None
    high: ArrayLike | None = None
    axis: Literal["y", "y2"] = "y"
    kind: Literal["line", "bars", "points"] = "line"
    color: str = ""


@dataclass
class Chart:
    """One interactive chart."""

    id: str
    title: str
    x: ArrayLike
    x_label: str
    series: list[Series]
    #: "num" for hours or days since a start, "time" for calendar time (x in Unix seconds).
    x_kind: Literal["num", "time"] = "num"
    y_label: str = ""
    y2_label: str = ""
    #: The x range shown first (the rest stays reachable by zooming out).
    initial: tuple[float, float] | None = None
    #: x positions marked on the axis (dose times).
    marks: ArrayLike = ()
    csv: str = ""
    y_min_zero: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        x = np.asarray(self.x, dtype=np.float64)
        keep = _thin(len(x))
        out_series = []
        for k, s in enumerate(self.series):
            out_series.append(
                {
                    "label": s.label,
                    "unit": s.unit,
                    "axis": s.axis,
                    "kind": s.kind,
                    "color": s.color or PALETTE[k % len(PALETTE)],
                    "values": _round(np.asarray(s.values, dtype=np.float64)[keep]),
                    "low": None if s.low is None else _round(np.asarray(s.low, float)[keep]),
                    "high": None if s.high is None else _round(np.asarray(s.high, float)[keep]),
                }
            )
        return {
            "id": self.id,
            "title": self.title,
            "xLabel": self.x_label,
            "xKind": self.x_kind,
            "x": _round(x[keep], digits=7),
            "yLabel": self.y_label,
            "y2Label": self.y2_label,
            "initial": list(self.initial) if self.initial else None,
            "marks": _round(np.asarray(self.marks, dtype=np.float64), digits=7),
            "csv": self.csv,
            "yMinZero": self.y_min_zero,
            "series": out_series,
            **self.extra,
        }

    def script(self) -> Markup:
        """The payload as a non-executed JSON block (allowed by the page's CSP)."""
        text = json.dumps(self.payload(), allow_nan=False, separators=(",", ":"))
        # "</" cannot end the script element early
        safe = text.replace("</", "<\\/")
        return Markup(
            f'<script type="application/json" class="chart-data" id="data-{self.id}">{safe}</script>'
        )


def _thin(n: int) -> np.ndarray:
    """Indices to keep: every k-th point so at most :data:`MAX_POINTS`, and the last one."""
    if n <= MAX_POINTS:
        return np.arange(n)
    step = math.ceil(n / MAX_POINTS)
    idx = np.arange(0, n, step)
    return idx if idx[-1] == n - 1 else np.append(idx, n - 1)


def _round(a: np.ndarray, digits: int = 4) -> list[float | None]:
    """Values to ``digits`` significant digits; NaN and infinities become gaps (None)."""
    out: list[float | None] = []
    for v in a.tolist():
        if not math.isfinite(v):
            out.append(None)
        elif v == 0:
            out.append(0.0)
        else:
            out.append(float(f"{v:.{digits}g}"))
    return out
