"""The charts and the CSV of a simulation: every outcome series, labelled, grouped by what it is for.

Series are read generically and labelled from :mod:`kratomsim.interfaces.labels`; each chart
shows the outcomes of a few roles together (relief; tolerance and withdrawal; …), with at most two
units, one per axis. A single dose opens on its first day; the CSV holds every point.
"""

from __future__ import annotations

import numpy as np

from kratomsim.interfaces.labels import Label, label_for, side_effect_label
from kratomsim.interfaces.web.charts import Chart, Series
from kratomsim.interfaces.web.services import Outcomes, SimResult

#: Hours of a window beyond which time is shown in days.
DAYS_AFTER_H = 96.0
#: The first view of a single dose: its first day.
SINGLE_DOSE_VIEW_H = 24.0
#: Charts of outcomes: their title and the roles they show together.
CHART_GROUPS = (
    ("Pain relief", ("relief", "pain", "acute")),
    ("Tolerance, and withdrawal if use stopped at that moment", ("tolerance", "withdrawal")),
    ("Breathing and pupils", ("breathing", "pupil")),
    ("Opioid-receptor signals", ("receptor",)),
    ("Enzyme that breaks down mitragynine (CYP3A)", ("enzyme",)),
    ("Other signals", ("other", "hypothesis")),
)


def _axis(res: Outcomes) -> tuple[np.ndarray, str, float]:
    t = res.time_h
    single = len(res.exposure.dose_times_h) == 1
    if t[-1] > DAYS_AFTER_H and not single:
        return t / 24.0, "days since the first dose", 24.0
    return t, "hours since the first dose", 1.0


def _initial(res: Outcomes, scale: float) -> tuple[float, float] | None:
    doses = res.exposure.dose_times_h
    if len(doses) == 1 and res.time_h[-1] > SINGLE_DOSE_VIEW_H * 1.5:
        return (0.0, (float(doses[0]) + SINGLE_DOSE_VIEW_H) / scale)
    return None


def charts(r: SimResult, csv_url: str) -> list[Chart]:
    """The exposure chart and one chart per group of outcome roles."""
    res = r.outcomes
    sim = res.exposure
    x, x_label, scale = _axis(res)
    initial = _initial(res, scale)
    marks = np.asarray(sim.dose_times_h, float) / scale
    exposure = [
        Series(
            f"{label_for(name).label}",
            "ng/mL",
            sim.conc_ng_ml[0, :, k],
            axis="y" if k == 0 else "y2",
        )
        for k, name in enumerate(sim.analytes)
    ]
    out = [
        Chart(
            "exposure",
            "Blood levels over time (typical adult)",
            x,
            x_label,
            exposure,
            y_label="mitragynine, ng/mL",
            y2_label="7-OH, ng/mL",
            initial=initial,
            marks=marks,
            csv=csv_url,
        )
    ]
    roles = by_role(res)
    for title, group in CHART_GROUPS:
        members = [m for role in group for m in roles.get(role, [])]
        units: list[str] = []
        titles: dict[str, str] = {}
        chosen: list[Series] = []
        for lab, series in members:
            if lab.unit not in units:
                if len(units) == 2:
                    continue
                units.append(lab.unit)
                titles[lab.unit] = lab.axis_title
            series.axis = "y" if lab.unit == units[0] else "y2"
            chosen.append(series)
        if not chosen:
            continue
        out.append(
            Chart(
                f"outcomes-{len(out)}",
                title,
                x,
                x_label,
                chosen,
                y_label=titles[units[0]],
                y2_label=titles[units[1]] if len(units) > 1 else "",
                initial=initial,
                marks=marks,
                csv=csv_url,
                y_min_zero=all(
                    float(np.nanmin(s.low if s.low is not None else s.values)) >= 0 for s in chosen
                ),  # type: ignore[arg-type]
            )
        )
    return out


def csv_table(res: Outcomes) -> tuple[list[str], np.ndarray]:
    """Every series with people's labels as column names and the displayed units."""
    frame = res.to_frame()
    units = {s.name: s.unit for s in res.series}
    headers, columns = [], []
    for col in frame.columns:
        if col == "time_h":
            headers.append("time since the first dose (h)")
            columns.append(frame[col].to_numpy())
            continue
        base, suffix = col, ""
        for end, words in (("_low", " — range, low"), ("_high", " — range, high")):
            if col.endswith(end):
                base, suffix = col[: -len(end)], words
        if base.endswith("_probability"):
            lab = side_effect_label(base.removesuffix("_probability"))
            headers.append(f"chance per dose: {lab} (%){suffix}")
            columns.append(frame[col].to_numpy() * 100.0)
            continue
        label = label_for(base, units.get(base, ""))
        headers.append(f"{label.label} ({label.unit}){suffix}")
        columns.append(frame[col].to_numpy() * label.scale)
    return headers, np.column_stack(columns)


def by_role(res: Outcomes) -> dict[str, list[tuple[Label, Series]]]:
    """Each outcome series as chart data, in people's units, grouped by its label's role."""
    out: dict[str, list[tuple[Label, Series]]] = {}
    for s in res.series:
        lab = label_for(s.name, s.unit)
        f = lab.scale
        series = Series(lab.label, lab.unit, s.central * f, s.low * f, s.high * f)
        out.setdefault(lab.role, []).append((lab, series))
    return out
