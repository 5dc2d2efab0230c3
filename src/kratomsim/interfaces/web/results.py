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
from kratomsim.reports.summary import content_used, fmt_value, in_words, interval_in_words

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
    if hours < 0.5:
        return "under an hour"
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
    #: The outcome's effect is a fall (breathing, pupil size): its largest effect is its minimum.
    falls: bool = False

    @classmethod
    def of(cls, s: OutcomeSeries) -> Reading:
        lab = label_for(s.name, s.unit)
        f = lab.scale
        return cls(s.name, lab, s.central * f, s.low * f, s.high * f, s.falls)

    def peak(self, mask: np.ndarray | None = None) -> tuple[float, float, float]:
        """The largest effect: the highest point, or the lowest point of a fall."""
        sel = np.ones(len(self.central), bool) if mask is None else mask
        pick = np.min if self.falls else np.max
        return (
            float(pick(self.central[sel])),
            float(pick(self.low[sel])),
            float(pick(self.high[sel])),
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


def _span(lo: float | None, hi: float | None) -> str:
    """A range of hours in words: "3–20 hours", "2.0–9.5 days", "14 hours to 9.8 days"."""
    if lo is None or hi is None:
        return "too few runs with signs for a range"
    if hi < 48:
        return f"{lo:.0f}–{hi:.0f} hours" if lo >= 0.5 else f"{_duration(lo)} to {hi:.0f} hours"
    if lo >= 48:
        return f"{lo / 24:.1f}–{hi / 24:.1f} days"
    return f"{_duration(lo)} to {_duration(hi)}"


def sureness(lo: float, hi: float) -> str:
    """How sure a range is, in words, from how far apart its ends are (sizes, not signs)."""
    a, b = sorted((abs(lo), abs(hi)))
    if b == 0:
        return "fairly sure (every run gives none)"
    if a < 0.01 * b:
        return "very unsure (the range starts at almost nothing)"
    ratio = b / a
    if ratio <= 2:
        return "fairly sure (the range is narrow)"
    if ratio <= 10:
        return "unsure (the range is wide)"
    return "very unsure (the range is more than ten-fold)"


#: Where the withdrawal numbers come from, for the "how sure" phrase.
WITHDRAWAL_BASIS = (
    "the withdrawal model is fitted to surveys of people who use kratom regularly; no study "
    "has followed kratom withdrawal hour by hour"
)
#: Where the breathing and pupil numbers come from.
OPIOID_BASIS = (
    "not measured for kratom: worked out through the receptor model from studies of opioid "
    "medicines in people who do not use opioids, so regular users (who build tolerance) are "
    "likely affected less"
)


def _withdrawal_sentence(res: Outcomes, roles: dict[str, list[Reading]]) -> Sentence | None:
    """Onset, peak and duration after the last dose, with ranges, as the CLI's table gives them
    (``res.withdrawal``: the same numbers, read, not computed again)."""
    if not roles.get("withdrawal"):
        return None
    w = res.withdrawal
    share = float(w.get("share_with_signs") or 0.0)
    latency = w.get("latency_h")
    peak = float(w.get("peak_score") or 0.0)
    peak_lo, peak_hi = w.get("peak_score_low"), w.get("peak_score_high")
    band = "" if peak_lo is None or peak_hi is None else f"range {_range(peak_lo, peak_hi)}"
    runs = f"signs appear at all in {_share(share)} of the runs"
    if latency is None:
        if not peak_hi or peak_hi < SIGNS_SOWS:
            text = (
                "If use stopped after the last dose, no withdrawal signs are expected: the score "
                f"stays below {SIGNS_SOWS:g} of 64 (highest {_n(peak)}{band and ', ' + band})."
            )
            if share > 0:
                text += f" Signs appear in {_share(share)} of the runs."
        else:
            text = (
                "If use stopped after the last dose, most runs show no withdrawal signs "
                f"(typical highest score {_n(peak)} of 64{band and ', ' + band}), but {runs}"
            )
            if w.get("latency_h_low") is not None:
                text += (
                    f": then starting {_span(w['latency_h_low'], w['latency_h_high'])} after "
                    f"it and lasting {_span(w['duration_h_low'], w['duration_h_high'])}"
                )
            text += "."
        how = (
            "fairly sure (no run shows signs)"
            if share == 0
            else "fairly sure (few runs show signs)"
            if share < 0.1
            else "unsure (many runs show signs)"
        )
    else:
        start = (
            "already by the time of the last dose (between doses)"
            if latency < 0.5
            else f"about {_duration(float(latency))} after it"
        )
        text = (
            f"If use stopped after the last dose, withdrawal signs would start {start} (range "
            f"{_span(w.get('latency_h_low'), w.get('latency_h_high'))})."
        )
        peak_after = w.get("peak_after_h")
        worst = f" They would be worst at a score of about {_n(peak)} of 64"
        text += worst + (f" ({band})" if band else "")
        if peak_after is not None:
            text += (
                f", about {_duration(float(peak_after))} after it (range "
                f"{_span(w.get('peak_after_h_low'), w.get('peak_after_h_high'))})"
            )
        duration = w.get("duration_h")
        if duration:
            text += (
                f", and last about {_duration(float(duration))} (range "
                f"{_span(w.get('duration_h_low'), w.get('duration_h_high'))})"
            )
        text += f". {runs[0].upper()}{runs[1:]}."
        how = sureness(peak_lo or 0.0, peak_hi or 0.0)
    text += f" How sure: {how}; {WITHDRAWAL_BASIS}."
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


#: Breathing and pupils: output → (topic, the lowest point in words, the change's ending, unit,
#: words for less and more, format).
FALLS = {
    "ventilation_change_pct": (
        "Breathing",
        "Breathing at its lowest",
        "air per minute than usual",
        "%",
        "less",
        "more",
        ".1f",
    ),
    "pupil_change_mm": (
        "Pupils",
        "Pupils at their smallest",
        "than usual, in dim light",
        "mm",
        "smaller",
        "wider",
        ".2f",
    ),
}


def _after_a_dose(res: Outcomes, when_h: float) -> float:
    """Hours from the dose before ``when_h`` (h since the first dose) to it."""
    doses = np.asarray(res.exposure.dose_times_h, float)
    before = doses[doses <= when_h + 1e-9]
    return when_h - (float(before.max()) if before.size else 0.0)


def _change(value: float, unit: str, fewer: str, more: str, fmt: str) -> str:
    words = in_words(value, unit, more, fewer, fmt)
    return "no measurable change" if words == "no change" else f"about {words}"


def _other_role_sentences(res: Outcomes) -> list[Sentence]:
    """The largest fall of breathing and of pupil size, with its range, as the CLI gives it
    (``res.strongest``: each run's own largest fall)."""
    out = []
    basis = OPIOID_BASIS
    for name, (topic, lowest, ending, unit, fewer, more, fmt) in FALLS.items():
        v = (res.strongest or {}).get(name)
        if v is None:
            continue
        change = _change(v["central"], unit, fewer, more, fmt)
        text = (
            f"{lowest}: {change}{'' if change.startswith('no') else ' ' + ending} (range "
            f"{interval_in_words(v['low'], v['high'], unit, more, fewer, fmt)}), about "
            f"{_after_a_dose(res, v['time_h']):.1f} hours after a dose. How sure: "
            f"{sureness(v['low'], v['high'])}; {basis}."
        )
        basis = "worked out the same way as breathing"
        out.append(Sentence(topic, text, label_for(name).term))
    return out


def episode(w: dict[str, float | None]) -> dict[str, str]:
    """A withdrawal episode (``Outcomes.withdrawal``) as words and ranges for a table: the share
    of runs with signs, when they start, the worst score and when, how long they last."""
    latency, peak_after, duration = (w.get(k) for k in ("latency_h", "peak_after_h", "duration_h"))
    share = w.get("share_with_signs")
    peak = float(w.get("peak_score") or 0.0)
    lo, hi = w.get("peak_score_low"), w.get("peak_score_high")
    none = "no signs in most runs"
    return {
        "share": "" if share is None else _share(float(share)),
        "onset": none if latency is None else "at once" if latency < 0.5 else _duration(latency),
        "onset_range": _span(w.get("latency_h_low"), w.get("latency_h_high")),
        "peak": _n(peak),
        "peak_range": "" if lo is None or hi is None else _range(lo, hi),
        "worst_at": "" if peak_after is None or peak <= 0 else _duration(peak_after),
        "worst_at_range": _span(w.get("peak_after_h_low"), w.get("peak_after_h_high")),
        "lasts": none if latency is None else _duration(duration or 0.0),
        "lasts_range": _span(w.get("duration_h_low"), w.get("duration_h_high")),
    }


def withdrawal_rows(res: Outcomes) -> list[dict[str, str]]:
    """After stopping: when signs start, how strong at the peak and when, how long (ranges)."""
    e = episode(res.withdrawal)
    rows = [
        ("Runs with any withdrawal signs (score 5 or more)", e["share"], ""),
        ("Signs start, after the last dose", e["onset"], e["onset_range"]),
        ("Worst withdrawal score (0–64)", e["peak"], e["peak_range"]),
    ]
    if e["worst_at"]:
        rows.append(("Worst, after the last dose", e["worst_at"], e["worst_at_range"]))
    rows.append(("Signs last", e["lasts"], e["lasts_range"]))
    return [{"what": a, "value": b, "range": c} for a, b, c in rows]


def _when(res: Outcomes, time_h: float) -> str:
    after = _after_a_dose(res, time_h)
    if abs(after - time_h) < 0.05:
        return f"{time_h:.1f} h after the first dose"
    return f"{after:.1f} h after a dose ({time_h:.1f} h after the first)"


def falls_rows(res: Outcomes) -> list[dict[str, str]]:
    """Breathing and pupils at their lowest, with the time and the range (as the CLI)."""
    rows = []
    for name, (_, lowest, _, unit, fewer, more, fmt) in FALLS.items():
        v = (res.strongest or {}).get(name)
        if v is None:
            continue
        rows.append(
            {
                "what": f"{lowest} ({'air per minute' if unit == '%' else 'in dim light'})",
                "value": in_words(v["central"], unit, more, fewer, fmt),
                "range": interval_in_words(v["low"], v["high"], unit, more, fewer, fmt),
                "when": _when(res, v["time_h"]),
            }
        )
    return rows


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


def _share(x: float) -> str:
    """A share of runs as a whole percentage."""
    return f"{100 * x:.0f} %"


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
        *_other_role_sentences(res),
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
    """Every outcome series: its label, unit, largest effect and range (read generically); a
    falling outcome (breathing, pupils, CYP3A activity) at its lowest point, with when."""
    rows = []
    for reading in readings(res):
        c, lo, hi, when = res.largest_effect(reading.name)
        f = reading.label.scale
        rows.append(
            {
                "label": reading.label.label,
                "unit": reading.label.unit,
                "peak": _n(c * f),
                "when": "" if when is None else f"lowest, {_when(res, when)}",
                "range": _range(lo * f, hi * f),
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
        "withdrawal_rows": withdrawal_rows(res),
        "falls_rows": falls_rows(res),
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
