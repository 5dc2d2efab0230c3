"""Taper plans ("-10% per week", "-25% per week", "stop") turned into dose records.

A plan starts from a current regimen (one amount at one interval) after a lead-in of steady use, and
lowers the amount per dose in steps of a fixed share of the *starting* amount (a linear taper) until
it reaches zero; ``stop`` ends use at once. Plans are descriptive: they are compared, never advised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from kratomsim.errors import RegimenError, bad_value
from kratomsim.models.dosing import DoseRecord, Regimen

_PLAN = re.compile(
    r"^\s*-?\s*(?P<pct>\d+(?:\.\d+)?)\s*%\s*(?:per|every|/|a)\s*(?P<n>\d+\s*)?(?P<unit>day|week|d|w|wk)s?\s*$",
    re.IGNORECASE,
)
#: Smallest step accepted (% of the starting amount per period) and longest plan (doses periods).
MIN_STEP_PCT = 1.0
MAX_STEPS = 100


@dataclass(frozen=True, slots=True)
class TaperPlan:
    """A linear taper: ``step_pct`` of the starting amount removed every ``period_h``; 100 = stop."""

    text: str
    step_pct: float
    period_h: float

    @property
    def is_stop(self) -> bool:
        return self.step_pct >= 100.0

    @property
    def length_h(self) -> float:
        """Time from the start of the taper to the last dose-free period."""
        return 0.0 if self.is_stop else float(np.ceil(100.0 / self.step_pct - 1e-9)) * self.period_h


def parse_plan(text: str) -> TaperPlan:
    """Parse ``"stop"``, ``"-10% per week"``, ``"25% every 3 days"``.

    Examples
    --------
    >>> parse_plan("-10% per week").length_h / 24
    70.0
    """
    clean = " ".join(str(text).split())
    if clean.lower() in {"stop", "cold turkey", "abrupt", "-100% per week"}:
        return TaperPlan(clean, 100.0, 0.0)
    m = _PLAN.match(clean)
    if m is None:
        raise RegimenError(
            bad_value(
                "Taper plan not understood",
                clean,
                "Write e.g. '-10% per week', '-25% every 3 days' or 'stop'.",
            )
        )
    pct = float(m["pct"])
    n = int(m["n"]) if m["n"] else 1
    period_h = n * (168.0 if m["unit"].lower().startswith("w") else 24.0)
    if pct >= 100.0:
        return TaperPlan(clean, 100.0, 0.0)
    if pct < MIN_STEP_PCT or 100.0 / pct > MAX_STEPS or n < 1:
        raise RegimenError(
            bad_value(
                f"Taper steps must be at least {MIN_STEP_PCT:g}% and at most {MAX_STEPS} steps",
                clean,
                "Use e.g. '-10% per week'.",
            )
        )
    return TaperPlan(clean, pct, period_h)


def taper_regimen(current: Regimen, plan: TaperPlan, *, lead_in_h: float) -> tuple[Regimen, float]:
    """Dose records: ``lead_in_h`` of the current regimen, then the plan. Returns (regimen, start).

    The current regimen must be one amount at one interval (e.g. "4 g three times daily").
    """
    repeat = [r for r in current.records if r.addl is None or r.addl > 0]
    if len(current.records) != 1 or not repeat:
        raise RegimenError(
            bad_value(
                "A taper starts from one repeating regimen",
                current.text or "?",
                "Give the current use as e.g. '4 g three times daily'.",
            )
        )
    base = repeat[0]
    tau = base.ii_h
    n_lead = int(np.floor(lead_in_h / tau + 1e-9))
    start = n_lead * tau
    records = (
        [DoseRecord(0.0, base.amount_g, tau, n_lead - 1)]
        if n_lead > 1
        else [DoseRecord(0.0, base.amount_g)]
    )
    if not plan.is_stop:
        steps = int(np.ceil(100.0 / plan.step_pct - 1e-9))
        per_period = int(np.floor(plan.period_h / tau + 1e-9))
        for k in range(1, steps):
            amount = base.amount_g * (1.0 - k * plan.step_pct / 100.0)
            if amount <= 1e-6 or per_period < 1:
                break
            t0 = start + (k - 1) * plan.period_h
            records.append(DoseRecord(t0, round(amount, 9), tau, per_period - 1))
    return Regimen(
        tuple(records), text=f"{current.text} for {lead_in_h / 24:g} d, then {plan.text}"
    ), start
