"""The clinician report's content: one JSON-ready mapping, rendered by :mod:`clinician_render`.

What a clinician reads in a minute: the person's regimen and product, predicted exposure and relief
with intervals, the largest changes of breathing and pupil size, the tolerance and withdrawal outlook, findings sorted by severity, medication
interactions with predicted exposure changes, the article's unsupported claims, and the caveats.
An appendix carries the raw series and the bibliography. Nothing here suggests an amount.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import version
from typing import Any

import numpy as np

from kratomsim.analyses.outcomes import Outcomes, simulate_outcomes
from kratomsim.engine.subjects import dosing_for, simulate_subjects, subject_summaries
from kratomsim.evidence import Medication, load_references, unsupported_claims
from kratomsim.evidence.bibliography import short_names
from kratomsim.evidence.model_parameters import central_values, uncertain_parameters
from kratomsim.evidence.params import cited_inputs
from kratomsim.evidence.schema import Product
from kratomsim.models.dosing import Regimen
from kratomsim.models.regimen_text import format_regimen
from kratomsim.population.uncertainty import sample_model_values
from kratomsim.reports.summary import (
    CAVEATS,
    DISCLAIMER,
    content_used,
    in_words,
    interval_in_words,
)
from kratomsim.risk.conditions import Condition
from kratomsim.risk.ddi import check_use

#: Interval reported everywhere in the report.
LEVEL = 0.90
#: Largest number of rows of the appendix's series (the figure is drawn from them).
MAX_SERIES_ROWS = 120
#: Rows of that series the printed table shows (evenly spaced; the JSON has them all).
PRINTED_SERIES_ROWS = 40


def _band(values: np.ndarray, central: float) -> dict[str, float]:
    tail = 100 * (1 - LEVEL) / 2
    lo, hi = np.percentile(values, [tail, 100 - tail])
    return {"central": float(central), "low": float(lo), "high": float(hi)}


def exposure_bands(
    res: Outcomes, n_draws: int | None = None, seed: int | None = None
) -> dict[str, dict[str, float]]:
    """Peak and total exposure of both alkaloids (nM), central and over the parameter draws.

    Keys: ``cmax_mg_nm``, ``auc_mg_nm_h``, ``cmax_7oh_nm``, ``auc_7oh_nm_h``; each a mapping of
    ``central`` (cited values), ``low`` and ``high`` (the report's interval).

    By default (or when ``n_draws`` and ``seed`` are those of ``res``) the interval is read from
    the exposure of the draws ``res`` already ran: the same cited PK ranges and posterior, drawn
    the same way, so the model does not run twice. Other draws run the exposure model again.
    """
    n_draws = res.n_draws if n_draws is None else n_draws
    seed = res.seed if seed is None else seed
    if res.exposure_draws is not None and (n_draws, seed) == (res.n_draws, res.seed):
        sums = res.exposure_draws
        return {key: _band(sums[key], float(sums[key][0])) for key in sums}
    sim = res.exposure
    inputs = cited_inputs(sim.product, mg_per_g=sim.mg_per_g, oh7_mg_per_g=sim.oh7_mg_per_g)
    dosing = dosing_for(sim.regimen, inputs, duration_h=float(sim.time_h[-1]))
    values = {k: np.full(n_draws, v) for k, v in central_values(dosing.absorption).items()}
    values.update(sample_model_values(uncertain_parameters(dosing.absorption), n_draws, seed=seed))
    sums = subject_summaries(simulate_subjects(values, dosing))
    keys = ("cmax_mg_nm", "auc_mg_nm_h", "cmax_7oh_nm", "auc_7oh_nm_h")
    return {key: _band(sums[key], float(sums[key][0])) for key in keys}


def _ng_per_nm(res: Outcomes) -> dict[str, float]:
    """ng/mL per nM of each analyte, read off the simulation (its molar mass / 1000)."""
    sim = res.exposure
    out = {}
    for k, name in enumerate(sim.analytes):
        nm = sim.conc_nm[0, :, k]
        i = int(np.argmax(nm))
        out[name] = float(sim.conc_ng_ml[0, i, k] / nm[i]) if nm[i] > 0 else 0.0
    return out


def _exposure(res: Outcomes, n_draws: int, seed: int) -> dict[str, dict[str, float | str]]:
    """Cmax and AUC of both alkaloids over the window in ng/mL with nM alongside, with intervals."""
    bands = exposure_bands(res, n_draws, seed)
    factor = _ng_per_nm(res)
    rows = {
        "Mitragynine peak (Cmax)": ("cmax_mg_nm", "mitragynine", "ng/mL", "nM"),
        "Mitragynine total exposure (AUC, window)": (
            "auc_mg_nm_h",
            "mitragynine",
            "ng·h/mL",
            "nM·h",
        ),
        "7-OH peak (Cmax)": ("cmax_7oh_nm", "7-hydroxymitragynine", "ng/mL", "nM"),
        "7-OH total exposure (AUC, window)": (
            "auc_7oh_nm_h",
            "7-hydroxymitragynine",
            "ng·h/mL",
            "nM·h",
        ),
    }
    out: dict[str, dict[str, float | str]] = {}
    for label, (key, analyte, unit, molar) in rows.items():
        b, f = bands[key], factor[analyte]
        out[label] = {
            **{k: v * f for k, v in b.items()},
            **{f"{k}_nm": v for k, v in b.items()},
            "unit": unit,
            "molar_unit": molar,
        }
    return out


def _relief(res: Outcomes) -> dict[str, Any]:
    """The one relief figure: NRS points better than the usual pain, mean over the last day of
    use, with its interval and its sign in words."""
    p = res.pain or {}
    words = ("points", "better", "worse")
    low, high = float(p["relief_points_low"]), float(p["relief_points_high"])
    return {
        "nrs_points": {"central": float(p["relief_points"]), "low": low, "high": high},
        "central_words": in_words(float(p["relief_points"]), *words),
        "interval_words": interval_in_words(low, high, *words),
        "baseline_nrs": float(p["baseline_nrs"]),
        "sense": p["sense"],
        "window": p["window"],
        "grade": "weak (see claims: chronic pain relief)",
    }


def _breathing_and_pupils(res: Outcomes) -> dict[str, Any]:
    """Largest fall of breathing (%) and of pupil size (mm) over the window, in words."""
    out: dict[str, Any] = {}
    for name, (unit, up, down, fmt) in {
        "ventilation_change_pct": ("%", "more", "less", ".1f"),
        "pupil_change_mm": ("mm", "wider", "smaller", ".2f"),
    }.items():
        v = (res.strongest or {})[name]
        out[name] = v | {
            "central_words": in_words(v["central"], unit, up, down, fmt),
            "interval_words": interval_in_words(v["low"], v["high"], unit, up, down, fmt),
        }
    return out


#: Appendix series columns and their printed labels.
SERIES_COLUMNS = {
    "time_h": "time (h)",
    "mitragynine": "MG (ng/mL)",
    "7-hydroxymitragynine": "7-OH (ng/mL)",
    "tolerance": "tolerance",
    "withdrawal_score": "withdrawal score",
    "relief_nrs_points": "relief (NRS)",
    "relief_nrs_points_low": "relief low",
    "relief_nrs_points_high": "relief high",
    "ventilation_change_pct": "breathing (% change)",
    "pupil_change_mm": "pupil (mm change)",
}
#: Candidate steps (h) of the appendix table; the smallest that keeps it short is used.
SERIES_STEPS_H = (1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 24.0, 48.0, 168.0)


def _series_rows(res: Outcomes) -> list[dict[str, float]]:
    """The series on an even grid of whole hours (interpolated), at most ``MAX_SERIES_ROWS``."""
    t = res.column("time_h")
    end = float(t[-1])
    step = next((h for h in SERIES_STEPS_H if end / h < MAX_SERIES_ROWS), SERIES_STEPS_H[-1])
    grid = np.arange(0.0, end + 1e-9, step)
    columns = {key: res.column(key) for key in SERIES_COLUMNS}
    return [{key: float(np.interp(g, t, columns[key])) for key in SERIES_COLUMNS} for g in grid]


#: Largest number of points of the figure's series (the model's own output times, thinned evenly).
MAX_FIGURE_POINTS = 1500
#: Columns the figure draws.
FIGURE_COLUMNS = (
    "time_h",
    "mitragynine",
    "7-hydroxymitragynine",
    "relief_nrs_points",
    "relief_nrs_points_low",
    "relief_nrs_points_high",
    "withdrawal_score",
)


def _figure_series(res: Outcomes) -> dict[str, list[float]]:
    """The figure's series at the model's output times (every dose's rise and fall), thinned
    evenly to at most :data:`MAX_FIGURE_POINTS`: the appendix's coarse grid could fall on the
    same phase of every dosing interval and hide the peaks."""
    stride = max(1, int(np.ceil(res.time_h.size / MAX_FIGURE_POINTS)))
    return {c: [float(f"{v:.5g}") for v in res.column(c)[::stride]] for c in FIGURE_COLUMNS}


def report_data(
    regimen: Regimen,
    *,
    product: Product | None = None,
    mg_per_g: float | None = None,
    oh7_mg_per_g: float | None = None,
    duration_h: float | None = None,
    medications: Sequence[Medication] = (),
    conditions: Sequence[Condition] = (),
    baseline_pain: float | None = None,
    name: str | None = None,
    n_draws: int = 200,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Everything the clinician report shows, as JSON-ready data.

    ``regimen`` of ``product`` (default leaf powder; ``mg_per_g``, ``oh7_mg_per_g`` its label
    content) over ``duration_h`` (default: until washed out); ``medications`` and ``conditions``
    as resolved entries; ``baseline_pain`` the usual pain (NRS 0-10, default 6); ``name`` a label
    for the person or scenario. The regimen may be any :class:`Regimen`, e.g. the doses of a
    journal (:mod:`kratomsim.reports.journal_report`). ``progress`` is told, in a few words,
    each longer step as it starts.
    """
    step = progress or (lambda _: None)
    pain = 6.0 if baseline_pain is None else float(baseline_pain)
    meds, conds = tuple(medications), tuple(conditions)
    # the product and content the simulation uses (its cited content unless given)
    used = cited_inputs(product, mg_per_g=mg_per_g, oh7_mg_per_g=oh7_mg_per_g)
    step("predicting medication interactions and checking medications and conditions")
    step(f"simulating exposure, receptors, tolerance, withdrawal and relief ({n_draws} draws)")
    # The interaction predictions and checks do not depend on the outcomes: they run in a second
    # thread meanwhile (each has its own seeded draws, so the numbers are those of one after the
    # other), using the core the outcomes' kernel and NumPy work leave idle part of the time.
    with ThreadPoolExecutor(1) as pool:
        checks = pool.submit(
            check_use,
            meds,
            conds,
            regimen,
            product=used.product,
            mg_per_g=used.mg_per_g,
            oh7_mg_per_g=used.oh7_mg_per_g,
            n_draws=min(n_draws, 100),
            seed=seed,
        )
        res = simulate_outcomes(
            regimen,
            product=product,
            mg_per_g=mg_per_g,
            oh7_mg_per_g=oh7_mg_per_g,
            duration_h=duration_h,
            pain="chronic",
            baseline_pain=pain,
            n_draws=n_draws,
            seed=seed,
        )
        result, predictions = checks.result()
    sim = res.exposure
    content = content_used(sim)
    withdrawal = res.withdrawal
    after = float(sim.dose_times_h[-1])
    keys = set(result.bibliography_keys)
    keys |= {v.source for v in res.used}
    for p in predictions:
        keys |= set(p.sources)
    claims = unsupported_claims()
    for c in claims:
        keys |= set(c.sources)
    refs = load_references()
    names = short_names()
    return {
        "title": "kratomsim clinician report",
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "version": version("kratomsim"),
        "disclaimer": DISCLAIMER,
        "person": {
            "name": name or None,
            "regimen": format_regimen(sim.regimen),
            "product": sim.product.name,
            "product_id": sim.product.id,
            "content_mg_per_g": {
                analyte: {
                    "value": v.value,
                    "grade": v.grade,
                    "source": v.source,
                    "assumption": v.is_assumption,
                }
                for analyte, v in content.items()
            },
            "medications": [m.name for m in meds],
            "conditions": [c.name for c in conds],
            "baseline_pain_nrs": pain,
            "window_h": float(sim.time_h[-1]),
        },
        "exposure": _exposure(res, n_draws, seed),
        "relief": _relief(res),
        "breathing_and_pupils": _breathing_and_pupils(res),
        "outlook": {
            "tolerance_at_last_dose": _at(res, "tolerance", after),
            "withdrawal_after_stopping": {
                "after_last_dose_h": after,
                "onset_h_after_last_dose": (
                    None if withdrawal["onset_h"] is None else withdrawal["onset_h"] - after
                ),
                # each draw's own highest score after the last dose: median and interval
                "peak_score": {
                    "central": withdrawal["peak_score"],
                    "low": _or(withdrawal["peak_score_low"], withdrawal["peak_score"]),
                    "high": _or(withdrawal["peak_score_high"], withdrawal["peak_score"]),
                },
                "scale": "SOWS-like 0-64 (model of homeostatic dependence; assumption-graded)",
                "timeline": _timeline(res),
            },
        },
        "findings": [f.to_dict() for f in result.findings],
        "interactions": [p.to_dict() for p in predictions],
        "unsupported_claims": [
            {"id": c.id, "claim": c.claim, "grade": c.grade, "summary": c.summary} for c in claims
        ],
        "caveats": list(CAVEATS),
        "figure_series": _figure_series(res),
        "appendix": {
            "series": _series_rows(res),
            "series_labels": SERIES_COLUMNS,
            "printed_rows": PRINTED_SERIES_ROWS,
            # in order of the short names readers see ("Singh 2014"), each with its key for links
            "bibliography": [
                {"key": k, "short": names[k], "text": refs[k].plain()}
                for k in sorted((k for k in keys if k in refs), key=lambda k: names[k].lower())
            ],
            "source_names": {k: names[k] for k in sorted(keys) if k in refs},
        },
    }


def _at(res: Outcomes, name: str, t: float) -> dict[str, float]:
    s = res.get(name)
    return {
        "central": float(np.interp(t, res.time_h, s.central)),
        "low": float(np.interp(t, res.time_h, s.low)),
        "high": float(np.interp(t, res.time_h, s.high)),
    }


def _or(value: float | None, fallback: float | None) -> float | None:
    return fallback if value is None else value


#: The withdrawal episode's figures the report shows, each with ``_low`` and ``_high``.
TIMELINE_KEYS = ("latency_h", "peak_score", "peak_after_h", "duration_h")


def _timeline(res: Outcomes) -> dict[str, float | None]:
    """Withdrawal after the last dose (``Outcomes.withdrawal``): onset, peak, when the peak comes
    and how long signs last (score ≥ 5), central with interval, and the share of draws with signs.
    Each is the median over the draws with its interval; onset, peak time and duration are
    ``None`` when fewer than half of the draws show signs."""
    w = res.withdrawal
    keys = [f"{k}{end}" for k in TIMELINE_KEYS for end in ("", "_low", "_high")]
    return {"share_with_signs": w.get("share_with_signs")} | {k: w.get(k) for k in keys}
