"""Taper plans ("-10% per week", "-1 g per week", "stop") turned into dose records.

A plan starts from a current regimen (one amount at one interval) after a lead-in of steady use, and
lowers the amount per dose in steps until it reaches zero: a share of the *starting* amount
("-10% per week", a linear taper) or a fixed amount ("-1 g per week", "reduce by 500 mg every 3
days", "1 g less each week"); ``stop`` ends use at once. Plans are read by the regimen grammar
(:mod:`kratomsim.models.regimen_grammar`, start rule ``plan``), so they accept the same wording as
regimens (number words, decimal commas). Plans are descriptive: they are compared, never advised.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from kratomsim.errors import RegimenError, bad_value
from kratomsim.models.dosing import DoseRecord, Regimen
from kratomsim.models.regimen_grammar import SyntaxProblem, parse_plan_tree
from kratomsim.models.regimen_steps import taper_step
from kratomsim.models.regimen_words import normalise

#: Smallest step accepted (% of the starting amount per period) and longest plan (periods).
MIN_STEP_PCT = 1.0
MAX_STEPS = 100
_STOP_WORDS = {"stop", "cold turkey", "abrupt", "stop at once", "quit", "-100% per week"}
_EXAMPLE = "Write e.g. '-10% per week', '-1 g per week', '-25% every 3 days' or 'stop'."


@dataclass(frozen=True, slots=True)
class TaperPlan:
    """A linear taper every ``period_h``: ``step_pct`` of the starting amount, or ``step_g`` grams.

    ``step_pct`` 100 (with no ``step_g``) means stop at once.
    """

    text: str
    step_pct: float
    period_h: float
    step_g: float | None = None

    @property
    def is_stop(self) -> bool:
        return self.step_g is None and self.step_pct >= 100.0

    def steps(self, start_g: float) -> int:
        """Number of periods from the start of the taper to the first dose-free one."""
        if self.is_stop:
            return 0
        if self.step_g is not None:
            return int(np.ceil(start_g / self.step_g - 1e-9))
        return int(np.ceil(100.0 / self.step_pct - 1e-9))

    def amount_at(self, start_g: float, k: int) -> float:
        """Amount per dose in period ``k`` (1 = the first lowered period)."""
        if self.step_g is not None:
            return start_g - k * self.step_g
        return start_g * (1.0 - k * self.step_pct / 100.0)

    def length_h(self, start_g: float) -> float:
        """Time from the start of the taper to the first dose-free period."""
        return self.steps(start_g) * self.period_h


def parse_plan(text: str) -> TaperPlan:
    """Parse ``"stop"``, ``"-10% per week"``, ``"25% every 3 days"``, ``"-1 g per week"``.

    Examples
    --------
    >>> parse_plan("-10% per week").length_h(4.0) / 24
    70.0
    >>> parse_plan("-1 g per week").length_h(4.0) / 24
    28.0
    """
    clean = " ".join(str(text).split())
    if clean.lower() in _STOP_WORDS:
        return TaperPlan(clean, 100.0, 0.0)
    plain, _ = normalise(clean) if len(clean) <= 200 else ("", ())
    tree = parse_plan_tree(plain)
    if tree is None:
        return TaperPlan(clean, 100.0, 0.0)
    if isinstance(tree, SyntaxProblem) or tree.taper is None:
        raise RegimenError(bad_value("Taper plan not understood", clean, _EXAMPLE))
    try:
        size, unit, period_h = taper_step(*tree.taper, clean)
    except RegimenError as exc:
        raise RegimenError(f"Taper plan: {exc}") from None
    if unit == "g":
        return TaperPlan(clean, 0.0, period_h, step_g=size)
    if size >= 100.0:
        return TaperPlan(clean, 100.0, 0.0)
    if size < MIN_STEP_PCT or 100.0 / size > MAX_STEPS:
        raise RegimenError(
            bad_value(
                f"Taper steps must be at least {MIN_STEP_PCT:g}% and at most {MAX_STEPS} steps",
                clean,
                "Use e.g. '-10% per week'.",
            )
        )
    return TaperPlan(clean, size, period_h)


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
        steps = plan.steps(base.amount_g)
        if steps > MAX_STEPS:
            raise RegimenError(
                bad_value(
                    f"A taper may take at most {MAX_STEPS} steps",
                    f"{plan.text} from {base.amount_g:g} g",
                    "Take larger steps.",
                )
            )
        per_period = int(np.floor(plan.period_h / tau + 1e-9))
        if per_period < 1:
            raise RegimenError(
                bad_value(
                    "A taper period must hold at least one dose",
                    plan.text,
                    f"The current regimen doses every {tau:g} h; taper e.g. 'per week'.",
                )
            )
        for k in range(1, steps):
            amount = plan.amount_at(base.amount_g, k)
            if amount <= 1e-6:
                break
            t0 = start + (k - 1) * plan.period_h
            records.append(DoseRecord(t0, round(amount, 9), tau, per_period - 1))
    text = f"{current.text} for {lead_in_h / 24:g} d, then {plan.text}"
    return replace(current, records=tuple(records), missed=frozenset(), late_h=(), text=text), start
