"""From exposure to the pain-response system: receptors, tolerance, dependence and withdrawal.

``simulate_outcomes`` runs the PK model, the effect site and receptor layer, and the adaptation
states for a set of parameter draws (draw 0 at the cited values; the rest from the cited ranges,
see :mod:`kratomsim.population.uncertainty`), and returns each outcome as a central line with an
interval: receptor activation, tolerance, withdrawal, breathing (% change of ventilation) and pupil
size (mm change), both through human opioid data, relief of the pain asked about (one figure per
question, its sign stated), and side effects counting 7-OH as well as mitragynine
(:mod:`kratomsim.analyses.safety`). Every step is a model of evidence graded in the parameter
files; none of it is advice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from kratomsim.analyses.draws import DEFAULT_DRAWS as DEFAULT_DRAWS
from kratomsim.analyses.safety import (
    FALLING_OUTPUTS,
    draw_summary,
    oh7_potency,
    safety_signals,
    strongest_changes,
)
from kratomsim.engine.result import Simulation
from kratomsim.engine.simulate import simulate
from kratomsim.engine.subjects import Dosing, all_outputs, simulate_subjects, subject_summaries
from kratomsim.errors import RegimenError, bad_value
from kratomsim.evidence import CitedValue, load_parameters
from kratomsim.evidence.model_parameters import uncertain_parameters
from kratomsim.evidence.params import cited_inputs
from kratomsim.evidence.schema import Product
from kratomsim.models import display
from kratomsim.models.dosing import Regimen
from kratomsim.models.pain import chronic_nrs_rows
from kratomsim.models.side_effects import SIDE_EFFECT_PARAMETERS
from kratomsim.models.withdrawal import WithdrawalSummary, withdrawal_episode
from kratomsim.population.uncertainty import interval, sample_model_values

if TYPE_CHECKING:
    import pandas as pd

FloatArray = NDArray[np.float64]
Hypothesis = Literal["endocannabinoid"]
Pain = Literal["acute", "chronic"]
#: Values outside the model specification that the outcomes use: day-to-day pain variation and
#: the dose-response curves of side effects.
EXTRA_PARAMETERS = ("nrs_day_sd", "nrs_day_rho", *SIDE_EFFECT_PARAMETERS)
#: Outputs of the model the outcomes never read: unbound mitragynine at the gut wall and the liver
#: inlet (the interaction model's) and the endocannabinoid pathway, whose hypothesis is off by
#: default. Leaving them out of the kernel saves their arithmetic and a sixth of the memory; every
#: other output is the same number to the last bit.
UNREAD_OUTPUTS = ("mg_unbound_gut_nm", "mg_unbound_liver_inlet_nm", "ecs_activation")


def outcome_outputs(hypothesis: Hypothesis | None = None) -> tuple[str, ...]:
    """The model outputs :func:`simulate_outcomes` runs, in the specification's order.

    With the endocannabinoid hypothesis on, every output: its kernel shares terms between them
    differently, and a smaller set would move some numbers by a rounding step.
    """
    if hypothesis == "endocannabinoid":
        return all_outputs()
    return tuple(name for name in all_outputs() if name not in UNREAD_OUTPUTS)


#: Units of the breathing and pupil outcomes, with their sign in words.
#: After repeated use (a day or more), withdrawal is followed this long after the last dose by
#: default (h): with the calibrated onset delay and dependence half-life, an episode can outlast
#: the exposure's washout window (about 10 days), which would cut its duration short.
WITHDRAWAL_FOLLOW_H = 28 * 24.0

VENTILATION_UNIT = "% change of breathing (minute ventilation) from baseline; negative = depressed"
PUPIL_UNIT = "mm change of pupil diameter in dim light; negative = smaller pupils"


@dataclass(frozen=True)
class OutcomeSeries:
    """One outcome over time: central line (draw 0) and an interval over the draws.

    ``falls``: the outcome's effect is a fall (breathing, pupil size, CYP3A activity: see
    :data:`kratomsim.analyses.safety.FALLING_OUTPUTS`), so its strongest value is its minimum.
    """

    name: str
    unit: str
    central: FloatArray
    low: FloatArray
    high: FloatArray
    falls: bool = False

    def strongest(self) -> tuple[float, float, float]:
        """Largest effect over time (peak, or the lowest point of a fall): central, low, high."""
        pick = np.min if self.falls else np.max
        return float(pick(self.central)), float(pick(self.low)), float(pick(self.high))


@dataclass(frozen=True)
class Outcomes:
    """Exposure and the pain-response outcomes of one regimen, with uncertainty."""

    exposure: Simulation
    time_h: FloatArray
    series: tuple[OutcomeSeries, ...]
    #: the withdrawal episode after stopping: onset, peak and duration as the median over the
    #: draws with their interval (``*_low``/``*_high``), and the share of draws with signs
    withdrawal: dict[str, float | None]
    level: float
    n_draws: int
    seed: int
    hypothesis: Hypothesis | None
    used: tuple[CitedValue, ...]
    pain: dict[str, float | str] | None = None
    safety: dict[str, dict[str, float]] | None = None
    #: largest fall of each falling outcome (breathing, pupil size, CYP3A activity): per-draw
    #: minimum, central, interval and the time of the central lowest point (h)
    strongest: dict[str, dict[str, float]] | None = None
    #: per-draw exposure of this run (``cmax_mg_nm``, ``auc_mg_nm_h``, ``cmax_7oh_nm``,
    #: ``auc_7oh_nm_h``; nM, nM·h), one value per parameter draw, draw 0 the cited set
    exposure_draws: dict[str, FloatArray] | None = None

    def get(self, name: str) -> OutcomeSeries:
        for s in self.series:
            if s.name == name:
                return s
        raise KeyError(name)

    def largest_effect(self, name: str) -> tuple[float, float, float, float | None]:
        """Central, low, high of an outcome's largest effect, and when it comes (h, or None).

        The peak of a rising outcome (the highest central line and band), or the lowest point of
        a falling one with its time and the interval of each draw's own lowest point.
        """
        lowest = (self.strongest or {}).get(name)
        if lowest is None or not self.get(name).falls:
            return (*self.get(name).strongest(), None)
        return lowest["central"], lowest["low"], lowest["high"], lowest["time_h"]

    def column(self, name: str) -> FloatArray:
        """One column of :meth:`to_frame`, read off the arrays without building the frame:
        ``time_h``, an analyte's plasma level (ng/mL), an outcome's central line or its interval
        bounds ``NAME_low`` and ``NAME_high``."""
        if name == "time_h":
            return self.time_h
        sim = self.exposure
        if name in sim.analytes:
            return sim.conc_ng_ml[0, :, sim.analytes.index(name)]
        for s in self.series:
            for key, values in (
                (s.name, s.central),
                (f"{s.name}_low", s.low),
                (f"{s.name}_high", s.high),
            ):
                if name == key:
                    return values
        raise KeyError(name)

    def to_frame(self) -> pd.DataFrame:
        """Exposure columns plus one column per outcome (central) and its interval bounds."""
        frame = self.exposure.to_frame()
        for s in self.series:
            frame[s.name] = s.central
            frame[f"{s.name}_low"] = s.low
            frame[f"{s.name}_high"] = s.high
        for name, v in (self.safety or {}).items():
            if name.startswith("_"):
                continue
            # per-dose probabilities at the regimen's largest dose: constant over time
            frame[f"{name}_probability"] = v["central"]
            frame[f"{name}_probability_low"] = v["low"]
            frame[f"{name}_probability_high"] = v["high"]
        return frame

    def __repr__(self) -> str:
        return display.short_repr(
            "Outcomes",
            [
                ("", repr(self.exposure.regimen.text or "regimen")),
                ("product", repr(self.exposure.product.id)),
                ("draws", self.n_draws),
                ("interval", f"{self.level:.0%}"),
                ("series", len(self.series)),
                ("hours", display.number(float(self.time_h[-1]))),
            ],
        )

    def _repr_html_(self) -> str:
        rows = []
        for s in self.series:
            central, low, high = s.strongest()
            rows.append(
                (
                    s.name,
                    "lowest" if s.falls else "peak",
                    display.interval(central, low, high, s.unit),
                )
            )
        return display.html_table(
            f"Outcomes: {self.exposure.regimen.text or 'regimen'} ({self.exposure.product.id}), "
            f"{self.level:.0%} interval over {self.n_draws} draws",
            ("outcome", "strongest", "central (interval) unit"),
            rows,
            "to_frame() gives every series with its interval. Not a recommendation of any amount.",
        )


def _draws(
    absorption: str, n_draws: int, seed: int, fixed: Mapping[str, float]
) -> tuple[dict[str, FloatArray], list[CitedValue]]:
    """Draws of every uncertain model parameter and of the outcome values outside the model.

    Draw 0 is the cited central set; ``fixed`` (the person's inputs, their product's content…)
    holds for every draw.
    """
    extra = load_parameters(("adaptation.toml", "side_effects.toml"))
    chosen = [*uncertain_parameters(absorption), *(extra[n] for n in EXTRA_PARAMETERS)]
    draws = sample_model_values(chosen, n_draws, seed=seed)
    for name, value in fixed.items():
        if name not in draws:
            draws[name] = np.full(n_draws, float(value))
    return draws, chosen


def simulate_outcomes(
    regimen: Regimen,
    /,
    *,
    product: Product | None = None,
    mg_per_g: float | None = None,
    oh7_mg_per_g: float | None = None,
    duration_h: float | None = None,
    hypothesis: Hypothesis | None = None,
    pain: Pain | None = None,
    baseline_pain: float = 6.0,
    n_draws: int = DEFAULT_DRAWS,
    seed: int = 0,
    level: float = 0.90,
    withdrawal_from_h: float | None = None,
) -> Outcomes:
    """Simulate exposure, MOR activation, tolerance, dependence and withdrawal with uncertainty.

    ``product`` defaults to leaf powder; ``mg_per_g`` and ``oh7_mg_per_g`` replace its cited
    content (label or assay); ``duration_h`` is the observation window (default: until washed
    out). ``hypothesis="endocannabinoid"``
    switches on the article's ECS pathway, which no study supports (see ``kratomsim claims``).
    ``n_draws`` parameter sets are drawn from the cited ranges with ``seed``; draw 0 is the
    cited central set. ``level`` is the width of the reported interval. The withdrawal episode
    (onset, peak, duration) is counted from ``withdrawal_from_h`` (default: the last dose), e.g.
    from the start of a taper.
    """
    if not 0.0 <= baseline_pain <= 10.0:
        raise RegimenError(
            bad_value(
                "baseline_pain must be on the 0-10 NRS",
                baseline_pain,
                "Give a pain rating from 0 to 10, e.g. 6.",
            )
        )
    inputs = cited_inputs(
        product,
        mg_per_g=mg_per_g,
        oh7_mg_per_g=oh7_mg_per_g,
        inputs={"nrs_baseline": baseline_pain},
    )
    if duration_h is None and not regimen.open_ended:
        last = regimen.expand(None).last_time_h
        if last >= 24.0:
            duration_h = last + WITHDRAWAL_FOLLOW_H
    exposure = simulate(regimen, inputs, duration_h=duration_h)
    absorption = exposure.product.absorption
    draws, chosen = _draws(absorption, n_draws, seed, inputs.values)
    t = exposure.time_h
    doses = exposure.dose_times_h
    dosing = Dosing(
        absorption,
        np.asarray(doses, float),
        np.atleast_2d(exposure.dose_amounts_g * exposure.mg_per_g).astype(float),
        np.atleast_2d(exposure.dose_amounts_g * exposure.oh7_mg_per_g).astype(float),
        np.asarray(t, float),
    )
    outputs = outcome_outputs(hypothesis)
    run = simulate_subjects(
        draws, dosing, outputs=outputs, ecs_hypothesis=hypothesis == "endocannabinoid"
    )
    after = float(doses[-1])
    since = after if withdrawal_from_h is None else float(withdrawal_from_h)
    episode = withdrawal_episode(t, run.withdrawal_score, since)

    def band(name: str, unit: str, values: FloatArray) -> OutcomeSeries:
        lo, hi = interval(values, level)
        # the central line copied out of the draws: a view would keep every draw of every output
        # alive (~200 MB for a month of 200 draws) as long as the result is kept, e.g. cached
        central = np.array(values[0])
        return OutcomeSeries(name, unit, central, lo, hi, name in FALLING_OUTPUTS)

    series = (
        band("mu_occupancy", "fraction", run.mu_occupancy),
        band("mu_activation", "fraction of system maximum", run.mu_activation),
        band("analgesic_drive", "fraction of system maximum", run.analgesic_drive),
        band("tolerance", "fraction desensitised", run.tolerance),
        band("effective_activation", "fraction of system maximum", run.effective_activation),
        band("dependence", "adapted drive (fraction of system maximum)", run.dependence),
        band("withdrawal_score", "SOWS points (0-64)", run.withdrawal_score),
        band("ventilation_change_pct", VENTILATION_UNIT, run.ventilation_change_pct),
        band("pupil_change_mm", PUPIL_UNIT, run.pupil_change_mm),
        band("cyp3a_liver_activity", "fraction of normal", run.cyp3a_liver_activity),
        band("cyp3a_gut_activity", "fraction of normal", run.cyp3a_gut_activity),
    )
    if hypothesis == "endocannabinoid":
        series = (*series, band("ecs_activation_hypothesis", "fraction", run.ecs_activation))
    pain_summary: dict[str, float | str] | None = None
    if pain == "acute":
        # One figure for the acute question: how much longer the hand stays in ice water.
        base = np.asarray(draws["cpt_baseline_s"], float)[:, None]
        series = (*series, band("cold_pressor_tolerance_s", "s in ice water", run.cold_pressor_s))
        gain = draw_summary((run.cold_pressor_s - base).max(axis=1), level)
        pain_summary = {
            "kind": "acute",
            "baseline_s": float(base[0, 0]),
            "cold_pressor_gain_s": gain["central"],
            "cold_pressor_gain_s_low": gain["low"],
            "cold_pressor_gain_s_high": gain["high"],
            "sense": "seconds longer in ice water than without kratom, at the peak "
            "(positive = more pain tolerated)",
            "model": "cold-pressor tolerance; the only human anchor is Vicknasingam 2020 "
            "(11.2 → 24.9 s at 1 h in daily users)",
        }
    else:
        # Expected relief of a usual pain at ``baseline_pain`` (NRS points; positive = less pain).
        relief = baseline_pain - run.pain_nrs_mean
        unit = f"NRS points better than the usual {baseline_pain:g} (positive = less pain)"
        series = (*series, band("relief_nrs_points", unit, relief))
        if pain == "chronic":
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7,)))
            nrs = chronic_nrs_rows(
                run.pain_nrs_mean, rng, draws["nrs_day_sd"], draws["nrs_day_rho"], t
            )
            series = (*series, band("pain_nrs", "NRS 0-10, with day-to-day variation", nrs))
            during = _last_day_of_use(t, doses)
            better = draw_summary(relief[:, during].mean(axis=1), level)
            pain_summary = {
                "kind": "chronic",
                "baseline_nrs": baseline_pain,
                "relief_points": better["central"],
                "relief_points_low": better["low"],
                "relief_points_high": better["high"],
                "window": "the 24 h after the dose" if len(doses) == 1 else "the last day of use",
                "sense": "NRS points better than the usual pain (positive = less pain)",
            }
    # the kernel of the outcomes (the ECS switch off), already loaded for the common case
    potency = oh7_potency(draws, absorption, outcome_outputs())
    safety = safety_signals(exposure, draws, level, potency)
    strongest = strongest_changes(
        {s.name: run.get(s.name) for s in series if s.falls},
        t,
        level,
    )
    sums = subject_summaries(run)
    exposure_draws = {
        k: sums[k] for k in ("cmax_mg_nm", "auc_mg_nm_h", "cmax_7oh_nm", "auc_7oh_nm_h")
    }
    summary: dict[str, float | None] = {
        "after_last_dose_h": after,
        "from_h": since,
    }
    spread = _episode_intervals(episode, level)

    def clock(rel: float | None) -> float | None:  # a median after the start, on the sim's clock
        return None if rel is None else rel + episode.after_h

    summary |= {
        "onset_h": clock(spread["latency_h"]),
        "peak_score": spread["peak_score"],
        "peak_h": clock(spread["peak_after_h"]),
        "duration_h": spread["duration_h"],
    }
    summary |= spread
    return Outcomes(
        exposure,
        t,
        series,
        summary,
        level,
        n_draws,
        seed,
        hypothesis,
        tuple(dict.fromkeys((*exposure.used, *chosen))),
        pain_summary,
        safety,
        strongest,
        exposure_draws,
    )


def _last_day_of_use(t: FloatArray, doses: FloatArray) -> NDArray[np.bool_]:
    """Output times in the last 24 h up to the last dose (all times up to it if the use is shorter).

    A single dose has no "day of use": its 24 h after the dose are used instead.
    """
    first, last = float(doses[0]), float(doses[-1])
    if last == first:
        return (t >= first) & (t <= first + 24.0)
    mask = (t > last - 24.0) & (t <= last)
    return mask if mask.any() else t <= last


def _episode_intervals(episode: WithdrawalSummary, level: float) -> dict[str, float | None]:
    """Median and interval over the draws of onset, peak and duration after stopping.

    Onset and peak times are counted from the episode's start (the last dose unless asked
    otherwise). The peak score's central value is the median over every draw, with the interval
    of the same draws: three percentiles of one distribution, not the episode of one parameter
    set (the cited central set's own peak can lie far from the middle, as a peak is a nonlinear
    function of the parameters). Onset, peak time and duration have their interval over the
    draws that show signs at all (``share_with_signs`` says how many) and their median over the
    same draws, given only when at least half of all draws show signs (else ``None``: the
    median run has no signs to time).
    """
    out: dict[str, float | None] = {}
    signs = np.isfinite(np.atleast_1d(episode.onset_h))
    out["share_with_signs"] = float(signs.mean())
    series = {
        "latency_h": np.atleast_1d(episode.onset_h) - episode.after_h,
        "peak_score": np.atleast_1d(episode.peak),
        "peak_after_h": np.atleast_1d(episode.peak_h) - episode.after_h,
        "duration_h": np.atleast_1d(episode.duration_h),
    }
    tail = (1.0 - level) / 2.0
    for key, x in series.items():
        keep = x[signs] if key in ("latency_h", "duration_h", "peak_after_h") else x
        keep = keep[np.isfinite(keep)]
        typical = key == "peak_score" or signs.mean() >= 0.5
        out[key] = float(np.median(keep)) if keep.size and typical else None
        if keep.size >= 2:
            lo, hi = np.quantile(keep, [tail, 1.0 - tail])
            out[f"{key}_low"], out[f"{key}_high"] = float(lo), float(hi)
        else:
            out[f"{key}_low"] = out[f"{key}_high"] = None
    return out
