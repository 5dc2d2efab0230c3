"""The clinician report from a person's journal: what was logged over a period, and the outlook.

:func:`journal_report_data` adds a ``journal`` section to the regimen report of
:mod:`kratomsim.reports.clinician`: the period, the doses actually taken (totals, per week, per
product), the pain and withdrawal trends, symptoms (red flags marked) and other substances.
When the period holds enough entries, the section carries the person's own forecast: the personal
fit to their entries, continued as logged and stopped (:mod:`.journal_forecast`); when not, it
says what is missing. The model part of the report (exposure, relief, tolerance and the
withdrawal outlook if use stopped after the last logged dose, findings and interactions) is the
population model's for a typical adult, computed from the doses as logged, for the main product,
with the other substances checked as medicines. Rendered by the same template as the regimen
report (HTML and tagged PDF).
"""

from __future__ import annotations

import base64
import io
from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import matplotlib.dates as mdates
from matplotlib.figure import Figure

from kratomsim.errors import JournalError, bad_value
from kratomsim.evidence import resolve_medication, resolve_product
from kratomsim.evidence.medication_schema import Medication
from kratomsim.journal.entries import StoredEntry, dose_grams
from kratomsim.journal.summary import DayRow, daily_rows, dose_pattern
from kratomsim.models.dosing import DoseRecord, Regimen
from kratomsim.reports.clinician import report_data
from kratomsim.reports.clinician_render import render_report_html, render_report_pdf
from kratomsim.reports.journal_forecast import Fitter, personal_forecast
from kratomsim.reports.plots import FOOTER
from kratomsim.risk.conditions import Condition
from kratomsim.risk.red_flags import flags_for_symptom

#: A change in pain people notice: 2 points or 30 % on the 0–10 NRS (Farrar 2001).
MEANINGFUL_POINTS = 2.0
MEANINGFUL_FRACTION = 0.30


def logged_regimen(entries: Sequence[StoredEntry]) -> tuple[Regimen, str, bool]:
    """The doses as logged, as a regimen of the main product (most grams).

    Returns the regimen (time 0 = first dose), the main product's id and whether other products
    were logged too (their grams are counted as the main product's).
    """
    doses = sorted((e for e in entries if e.kind == "dose"), key=lambda e: e.at)
    grams_by_product: dict[str, float] = {}
    for e in doses:
        key = str(e.data["product"])
        grams_by_product[key] = grams_by_product.get(key, 0.0) + dose_grams(e.data)
    main = max(grams_by_product, key=lambda k: grams_by_product[k])
    start = doses[0].at
    records = tuple(
        DoseRecord((e.at - start).total_seconds() / 3600.0, dose_grams(e.data)) for e in doses
    )
    span = (doses[-1].at - start).total_seconds() / 86400.0
    text = f"as logged: {len(doses)} doses over {span:.3g} days"
    return Regimen(records, text=text), main, len(grams_by_product) > 1


def _week(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _weekly(rows: Sequence[DayRow]) -> list[dict[str, Any]]:
    weeks: dict[date, list[DayRow]] = {}
    for r in rows:
        weeks.setdefault(_week(r.day), []).append(r)
    out = []
    for start, days in sorted(weeks.items()):
        pain = [p for d in days for p in d.pain]
        peg = [p for d in days for p in d.peg]
        sows = [s for d in days for s in d.sows]
        out.append(
            {
                "week_of": start.isoformat(),
                "dose_g": sum(d.dose_g for d in days),
                "doses": sum(d.doses for d in days),
                "dose_days": sum(1 for d in days if d.doses),
                "pain_mean": sum(pain) / len(pain) if pain else None,
                "pain_n": len(pain),
                "peg_mean": sum(peg) / len(peg) if peg else None,
                "sows_max": max(sows) if sows else None,
            }
        )
    return out


def _pain_trend(weekly: Sequence[dict[str, Any]]) -> dict[str, Any]:
    rated = [w for w in weekly if w["pain_mean"] is not None]
    if len(rated) < 2:
        return {"first": None, "last": None, "change": None, "meaningful": False}
    first, last = rated[0]["pain_mean"], rated[-1]["pain_mean"]
    change = last - first
    meaningful = abs(change) >= MEANINGFUL_POINTS or (
        first > 0 and abs(change) / first >= MEANINGFUL_FRACTION
    )
    return {"first": first, "last": last, "change": change, "meaningful": meaningful}


def _substances(entries: Sequence[StoredEntry]) -> tuple[list[dict[str, Any]], list[Medication]]:
    counts: Counter[str] = Counter(str(e.data["name"]) for e in entries if e.kind == "substance")
    meds = [resolve_medication(name) for name in counts]
    rows = [{"id": m.id, "name": m.name, "times": counts[m.id]} for m in meds]
    return rows, meds


def _symptoms(entries: Sequence[StoredEntry]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for e in entries:
        if e.kind != "symptom":
            continue
        name, severity = str(e.data["name"]), int(e.data["severity"])
        row = seen.setdefault(name, {"name": name, "times": 0, "max": 0, "red_flag": None})
        row["times"] += 1
        row["max"] = max(row["max"], severity)
        flags = flags_for_symptom(name, severity)
        if flags:
            row["red_flag"] = flags[0].title
    return sorted(seen.values(), key=lambda r: (r["red_flag"] is None, -r["max"]))


def journal_figure(rows: Sequence[DayRow]) -> str:
    """Base64 PNG: grams of product per day (bars), mean pain and highest SOWS per day."""
    fig = Figure(figsize=(9.0, 2.6), dpi=130, layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    days = [r.day for r in rows]
    ax1.bar(days, [r.dose_g for r in rows], color="#1f4e79", width=0.8)
    ax1.set(ylabel="grams of product per day", title="Doses as logged")
    pain = [(r.day, r.pain_mean) for r in rows if r.pain_mean is not None]
    if pain:
        ax2.plot([d for d, _ in pain], [v for _, v in pain], "o-", color="#9b1c1c", ms=3)
    ax2.set(ylabel="mean pain (0-10)", title="Pain and withdrawal as logged", ylim=(0, 10.5))
    sows = [(r.day, r.sows_max) for r in rows if r.sows_max is not None]
    if sows:
        ax3 = ax2.twinx()
        ax3.plot([d for d, _ in sows], [v for _, v in sows], "s--", color="#b45309", ms=3)
        ax3.set_ylim(0, max(10, *(v for _, v in sows)) * 1.08)
        ax3.set_ylabel("SOWS (0-64)", color="#b45309")
        ax3.tick_params(labelsize=7)
    for ax in (ax1, ax2):
        locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.tick_params(labelsize=7)
    fig.text(0.5, -0.02, FOOTER, ha="center", fontsize=6, color="#666")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def journal_report_data(
    entries: Sequence[StoredEntry],
    *,
    since: str,
    until: str,
    medications: Sequence[Medication] = (),
    conditions: Sequence[Condition] = (),
    n_draws: int = 30,
    seed: int = 0,
    fitter: Fitter | None = None,
) -> dict[str, Any]:
    """The clinician report of a journal period: the regimen report of the logged doses plus a
    ``journal`` section with the personal forecast (``fitter`` fits the entries; default
    :func:`~kratomsim.reports.journal_forecast.fit_entries`, a caller may pass a cached one).
    Raises :class:`JournalError` when the period holds no dose."""
    live = [e for e in entries if e.deleted_at is None]
    rows = daily_rows(live)
    substance_rows, substance_meds = _substances(live)
    meds = list(dict.fromkeys([*medications, *substance_meds]))
    if not any(e.kind == "dose" for e in live):
        raise JournalError(
            bad_value(
                "No doses in this period of the journal",
                f"{since} to {until}",
                "Choose a period with logged doses; the report describes them.",
            )
        )
    regimen, product, mixed = logged_regimen(live)
    pain = [int(e.data["nrs"]) for e in live if e.kind == "pain"]
    data = report_data(
        regimen,
        product=resolve_product(product),
        medications=meds,
        conditions=tuple(conditions),
        baseline_pain=sum(pain) / len(pain) if pain else None,
        n_draws=n_draws,
        seed=seed,
    )
    weekly = _weekly(rows)
    grams: dict[str, float] = {}
    for e in live:
        if e.kind == "dose":
            name = resolve_product(str(e.data["product"])).name
            grams[name] = grams.get(name, 0.0) + dose_grams(e.data)
    dose_days = [r for r in rows if r.doses]
    data["title"] = "kratomsim clinician report from a journal"
    # the doses as a person says them; the model's own listing names every logged dose
    data["person"]["regimen"] = dose_pattern(live)
    data["journal"] = {
        "since": since,
        "until": until,
        "entries": len(live),
        "days_logged": len(rows),
        "doses": {
            "count": sum(r.doses for r in rows),
            "total_g": sum(r.dose_g for r in rows),
            "days": len(dose_days),
            "mean_g_per_dose_day": (
                sum(r.dose_g for r in dose_days) / len(dose_days) if dose_days else None
            ),
            "max_day_g": max((r.dose_g for r in dose_days), default=None),
            "by_product": dict(sorted(grams.items(), key=lambda kv: -kv[1])),
            "main_product": product,
            "mixed_products": mixed,
        },
        "weekly": weekly,
        "pain_trend": _pain_trend(weekly),
        "pain_ratings": len(pain),
        "withdrawal": [
            {"at": e.at.astimezone().strftime("%Y-%m-%d %H:%M"), "sows": int(e.data["sows"])}
            for e in live
            if e.kind == "withdrawal"
        ],
        "symptoms": _symptoms(live),
        "substances": substance_rows,
        "figure": journal_figure(rows),
        "forecast": personal_forecast(live, fitter),
    }
    return data


def render_journal_report(data: dict[str, Any], fmt: str) -> bytes:
    """HTML or tagged PDF bytes of a journal report (the clinician report's template)."""
    if fmt == "pdf":
        return render_report_pdf(data)
    return render_report_html(data).encode("utf-8")
