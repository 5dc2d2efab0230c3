"""A simulation as people read it: a few plain sentences first, then charts and the details.

Everything here reads the outcomes generically, as series with a name, a unit, a central line and
an interval, and labels them from :mod:`kratomsim.interfaces.labels`; what an outcome is *for*
(relief, tolerance, withdrawal, breathing, …) comes from its label's role, so a new model output
appears in the tables and charts with no change here, and in the sentences once its label says
what it is for. Numbers carry units and ranges; chances are percentages.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from kratomsim.interfaces.labels import Label, label_for, side_effect_label
from kratomsim.interfaces.web import services
from kratomsim.interfaces.web.results_charts import charts
from kratomsim.interfaces.web.services import Outcomes, OutcomeSeries, SimResult
from kratomsim.models.regimen_text import format_regimen
from kratomsim.reports.summary import content_used, fmt_value

#: Withdrawal score from which the model counts signs.
SIGNS_SOWS = services.SIGNS_SOWS


@dataclass(frozen=True)
class Sentence:
    """One line of the summary: a topic, what to expect, and the glossary term behind it."""

    topic: str
    text: str
    term: str = ""


def _n(x: float) -> str:
    """A number for a sentence: two significant digits, no false precision."""
    v = float(x)
    if v == 0:
        return "0"
    if abs(v) < 0.01:
        return "< 0.01" if v > 0 else "> -0.01"
    if abs(v) >= 100:
        return fmt_value(float(f"{v:.2g}"))
    return f"{v:.2g}"


def _range(lo: float, hi: float, unit: str = "") -> str:
    u = f" {unit}" if unit else ""
    if 0 <= lo < 0.01 <= hi:
        return f"from almost none to {_n(hi)}{u}"
    return f"{_n(lo)}–{_n(hi)}{u}"


def _duration(hours: float) -> str:
    if hours < 48:
        return f"{hours:.0f} hours"
    return f"{hours / 24:.1f} days"


@dataclass(frozen=True)
class Reading:
    """A series read through its label: scaled values and where its peak is."""

    name: str
    label: Label
    central: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @classmethod
    def of(cls, s: OutcomeSeries) -> Reading:
        lab = label_for(s.name, s.unit)
        f = lab.scale
        return cls(s.name, lab, s.central * f, s.low * f, s.high * f)

    def peak(self, mask: np.ndarray | None = None) -> tuple[float, float, float]:
        sel = np.ones(len(self.central), bool) if mask is None else mask
        return (
            float(self.central[sel].max()),
            float(self.low[sel].max()),
            float(self.high[sel].max()),
        )

    def at(self, t: np.ndarray, when: float) -> tuple[float, float, float]:
        return tuple(float(np.interp(when, t, a)) for a in (self.central, self.low, self.high))  # type: ignore[return-value]


def readings(res: Outcomes) -> list[Reading]:
    return [Reading.of(s) for s in res.series]


def by_role(res: Outcomes) -> dict[str, list[Reading]]:
    out: dict[str, list[Reading]] = {}
    for r in readings(res):
        out.setdefault(r.label.role, []).append(r)
    return out


def _ng_per_nm(res: Outcomes) -> dict[str, float]:
    sim = res.exposure
    out = {}
    for k, name in enumerate(sim.analytes):
        nm = sim.conc_nm[0, :, k]
        i = int(np.argmax(nm))
        out[name] = float(sim.conc_ng_ml[0, i, k] / nm[i]) if nm[i] > 0 else 0.0
    return out


def _exposure_sentence(r: SimResult) -> Sentence:
    res = r.outcomes
    sim = res.exposure
    factor = _ng_per_nm(res)["mitragynine"]
    peak = r.exposure["cmax_mg_nm"]
    summary = sim.summary()["mitragynine"]
    doses = np.asarray(sim.dose_times_h, float)
    before = doses[doses <= summary.tmax_h + 1e-9]
    after_dose = summary.tmax_h - (float(before.max()) if before.size else 0.0)
    text = (
        f"Mitragynine in the blood peaks at about {_n(peak['central'] * factor)} ng/mL "
        f"({_n(peak['central'])} nM), range {_range(peak['low'] * factor, peak['high'] * factor)} "
        f"ng/mL, about {after_dose:.1f} hours after a dose."
    )
    steady = summary.time_to_90pct_steady_state_h
    if steady is not None and len(doses) > 1:
        text += f" With repeated doses it settles into a steady pattern after about {_duration(steady)}."
    oh = r.exposure["cmax_7oh_nm"]
    oh_factor = _ng_per_nm(res)["7-hydroxymitragynine"]
    text += (
        f" 7-OH-mitragynine, the stronger opioid-acting alkaloid, peaks at about "
        f"{_n(oh['central'] * oh_factor)} ng/mL ({_range(oh['low'] * oh_factor, oh['high'] * oh_factor)})."
    )
    return Sentence("Blood levels", text, "concentration")


def _relief_sentence(
    res: Outcomes, roles: dict[str, list[Reading]], baseline: float
) -> Sentence | None:
    relief = roles.get("relief", [])
    if not relief:
        return None
    r = relief[0]
    best = r.peak()
    text = (
        f"For someone whose usual pain is {baseline:g} out of 10, pain at its best is about "
        f"{_n(best[0])} {r.label.unit} (range {_range(best[1], best[2])})"
    )
    doses = res.exposure.dose_times_h
    last = float(doses[-1])
    if len(doses) > 1 and last >= 48.0:
        t = res.time_h
        day = (t > last - 24.0) & (t <= last)
        mean = [float(a[day].mean()) for a in (r.central, r.low, r.high)]
        text += f"; over the last day of use about {_n(mean[0])} ({_range(mean[1], mean[2])})"
    text += ". The evidence that kratom relieves long-term pain is weak (see the claims audit)."
    return Sentence("Pain relief", text, "nrs")


def _tolerance_sentence(res: Outcomes, roles: dict[str, list[Reading]]) -> Sentence | None:
    tol = next((r for r in roles.get("tolerance", []) if r.label.unit.startswith("%")), None)
    if tol is None:
        return None
    doses = res.exposure.dose_times_h
    # with repeated doses, tolerance at the last dose; after one dose, at its highest
    c, lo, hi = tol.at(res.time_h, float(doses[-1])) if len(doses) > 1 else tol.peak()
    if hi < 1.0:
        text = "Too little use to build tolerance (under 1 % of the effect lost)."
    else:
        text = (
            f"{'By the last dose' if len(doses) > 1 else 'At most'} about {_n(c)} % of the effect "
            f"is lost to tolerance (range {_n(lo)}–{_n(hi)} %): the same amount then does less."
        )
    return Sentence("Tolerance", text, "tolerance")


def _withdrawal_sentence(res: Outcomes, roles: dict[str, list[Reading]]) -> Sentence | None:
    wd = roles.get("withdrawal", [])
    if not wd:
        return None
    w = wd[0]
    last = float(res.exposure.dose_times_h[-1])
    after = res.time_h >= last
    c, lo, hi = w.peak(after)
    info = res.withdrawal
    onset = info.get("onset_h")
    if onset is None:
        if hi == 0:
            text = (
                "If use stopped after the last dose, no withdrawal is expected (the score "
                "stays at 0 of 64 in every run)."
            )
        elif hi < SIGNS_SOWS:
            text = (
                "If use stopped after the last dose, no withdrawal signs are expected "
                f"(score at most {_n(hi)} of 64 across the range)."
            )
        else:
            text = (
                "If use stopped after the last dose, no withdrawal signs are expected at the "
                f"typical values, but in the less favourable runs the score reaches {_n(hi)} of "
                f"64 (signs start at {SIGNS_SOWS:g})."
            )
    else:
        peak_h = info.get("peak_h")
        duration = info.get("duration_h")
        text = (
            f"If use stopped after the last dose, withdrawal signs would start about "
            f"{_duration(float(onset) - last)} after it"
        )
        if peak_h is not None:
            text += f", be worst about {_duration(float(peak_h) - last)} after it"
        text += f" (score about {_n(c)} of 64, range {_range(lo, hi)})"
        if duration:
            text += f" and last about {_duration(float(duration))}"
        text += "."
    return Sentence("Withdrawal", text, "sows")


def _acute_sentence(roles: dict[str, list[Reading]]) -> Sentence | None:
    acute = roles.get("acute", [])
    if not acute:
        return None
    r = acute[0]
    c, lo, hi = r.peak()
    start = float(r.central[0])
    text = (
        f"In a laboratory pain test, the time a hand can stay in ice water rises from about "
        f"{_n(start)} to at most about {_n(c)} {r.label.unit} (range {_range(lo, hi)}); the test "
        "was calibrated on daily kratom users (Vicknasingam 2020)."
    )
    return Sentence("Short pain test", text, r.label.term)


def _other_role_sentences(roles: dict[str, list[Reading]]) -> list[Sentence]:
    out = []
    for role, topic in (("breathing", "Breathing"), ("pupil", "Pupils")):
        for r in roles.get(role, []):
            lo_peak = float(r.low.min()) if np.nanmin(r.central) < 0 else float(r.low.max())
            extreme = float(r.central.min()) if np.nanmin(r.central) < 0 else float(r.central.max())
            hi_peak = float(r.high.min()) if np.nanmin(r.central) < 0 else float(r.high.max())
            out.append(
                Sentence(
                    topic,
                    f"{r.label.label}: at most about {_n(extreme)} {r.label.unit} "
                    f"(range {_range(min(lo_peak, hi_peak), max(lo_peak, hi_peak))}).",
                    r.label.term,
                )
            )
    return out


def side_effect_rows(res: Outcomes) -> list[dict[str, Any]]:
    """Chances per dose at the largest dose, as percentages, most likely first."""
    rows = []
    for name, v in (res.safety or {}).items():
        if name.startswith("_") or name == "respiratory_index":
            continue
        rows.append(
            {
                "name": side_effect_label(name),
                "central": v["central"],
                "low": v["low"],
                "high": v["high"],
            }
        )
    return sorted(rows, key=lambda r: -r["central"])


def _side_effect_sentence(res: Outcomes) -> Sentence | None:
    rows = side_effect_rows(res)
    if not rows:
        return None
    dose = (res.safety or {}).get("_dose", {})
    parts = [
        f"{r['name'].lower()} {_pct(r['central'])} ({_pct(r['low'])}–{_pct(r['high'])})"
        for r in rows[:3]
    ]
    text = f"Chance of each at a dose of {dose.get('product_g', 0):g} g: " + "; ".join(parts) + "."
    return Sentence("Side effects", text, "interval")


def _pct(x: float) -> str:
    p = 100 * x
    if p < 0.1:
        return "< 0.1 %"
    return f"{p:.0f} %" if p >= 10 else f"{p:.2g} %"


def how_sure(res: Outcomes) -> Sentence:
    grades = Counter(v.grade for v in res.used)
    human = grades["A"] + grades["B"]
    total = sum(grades.values())
    assumed = sum(1 for v in res.used if v.is_assumption)
    text = (
        f"{human} of the {total} values behind these numbers come from human studies (grades A "
        f"and B); the rest come from case reports, laboratory or animal data, secondary sources "
        f"or labelled assumptions ({assumed} assumptions, with wide ranges). The ranges show "
        "that uncertainty; real people can fall outside them."
    )
    return Sentence("How sure", text, "grades")


def summary(r: SimResult) -> list[Sentence]:
    """The plain-language opening of a result, in the order people ask."""
    res = r.outcomes
    roles = by_role(res)
    found = [
        _exposure_sentence(r),
        _relief_sentence(res, roles, r.input.baseline_pain),
        _acute_sentence(roles),
        _tolerance_sentence(res, roles),
        _withdrawal_sentence(res, roles),
        *_other_role_sentences(roles),
        _side_effect_sentence(res),
        how_sure(res),
    ]
    return [s for s in found if s is not None]


# --- details --------------------------------------------------------------------------------------


def exposure_rows(r: SimResult) -> list[dict[str, str]]:
    """Peak, time to peak, total exposure, trough: ng/mL with nM alongside, with ranges."""
    res = r.outcomes
    sim = res.exposure
    factor = _ng_per_nm(res)
    s = sim.summary()
    bands = {
        "mitragynine": ("cmax_mg_nm", "auc_mg_nm_h"),
        "7-hydroxymitragynine": ("cmax_7oh_nm", "auc_7oh_nm_h"),
    }
    rows = []
    for analyte in sim.analytes:
        f = factor[analyte]
        cmax, auc = (r.exposure[k] for k in bands[analyte])
        name = label_for(analyte).label
        rows.append(
            {
                "what": f"{name}: peak (Cmax)",
                "value": f"{_n(cmax['central'] * f)} ng/mL ({_n(cmax['central'])} nM)",
                "range": f"{_range(cmax['low'] * f, cmax['high'] * f)} ng/mL",
            }
        )
        rows.append(
            {
                "what": f"{name}: total exposure over the window (AUC)",
                "value": f"{_n(auc['central'] * f)} ng·h/mL ({_n(auc['central'])} nM·h)",
                "range": f"{_range(auc['low'] * f, auc['high'] * f)} ng·h/mL",
            }
        )
        a = s[analyte]
        rows.append(
            {
                "what": f"{name}: time of the highest level",
                "value": f"{a.tmax_h:.1f} h after the first dose",
                "range": "",
            }
        )
        if a.last_trough_ng_ml is not None:
            rows.append(
                {
                    "what": f"{name}: lowest level before the last dose",
                    "value": f"{_n(a.last_trough_ng_ml)} ng/mL",
                    "range": "",
                }
            )
    return rows


def outcome_rows(res: Outcomes) -> list[dict[str, str]]:
    """Every outcome series: its label, unit, peak and range (read generically)."""
    rows = []
    for reading in readings(res):
        c, lo, hi = reading.peak()
        rows.append(
            {
                "label": reading.label.label,
                "unit": reading.label.unit,
                "peak": _n(c),
                "range": _range(lo, hi),
                "term": reading.label.term,
                "explain": reading.label.explain,
            }
        )
    return rows


def content_rows(r: SimResult) -> list[Any]:
    return list(content_used(r.outcomes.exposure).items())


def view(r: SimResult, query: str) -> dict[str, Any]:
    """Everything the result part of the Simulate page shows."""
    res = r.outcomes
    sim = res.exposure
    return {
        "title": sim.regimen.text or format_regimen(sim.regimen),
        "description": format_regimen(sim.regimen),
        "product": sim.product.name,
        "summary": summary(r),
        "charts": charts(r, f"/simulate.csv?{query}"),
        "exposure_rows": exposure_rows(r),
        "outcome_rows": outcome_rows(res),
        "side_effects": side_effect_rows(res),
        "dose": (res.safety or {}).get("_dose", {}),
        "content": content_rows(r),
        "evidence": res.used,
        "level": f"{res.level:.0%}",
        "draws": res.n_draws,
        "hypothesis": res.hypothesis,
        "concentrate": sim.oh7_mg_per_g >= services.concentrate_mg_per_g(),
        "query": query,
    }
