"""Outcome, survey and side-effect observations beside the model (for ``kratomsim validate``).

* **Outcomes and surveys** (withdrawal, tolerance, dependence, cold-pressor relief): the
  pain-response calibration ships, for every observation it weighed, the observed value, the fitted
  prediction (all studies) and the prediction with the observation's study left out
  (``[[check]]`` rows of ``pd_posterior.toml``, :func:`kratomsim.evidence.posterior.posterior_checks`).
  Each row gives two comparisons: fitted (in sample) and left out (out of sample).
* **Side effects**: each curve of :mod:`kratomsim.models.side_effects` passes through a published
  frequency, so those comparisons are in sample by construction; “any adverse effect” in a survey is
  a consistency check no curve was fitted to. The interval comes from draws over the cited ranges.
* Every other observation of ``outcome_studies.toml`` is listed as not predicted, with the reason
  the file gives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from kratomsim.analyses.validation_scores import Comparison, Estimate, NotPredicted
from kratomsim.evidence import load_parameters
from kratomsim.evidence.posterior import posterior_checks
from kratomsim.evidence.studies import Observation, Study, load_studies
from kratomsim.models.side_effects import (
    any_effect_probability,
    side_effect_params_from_values,
    side_effect_probabilities,
)
from kratomsim.population.uncertainty import sample_values

INTERACTIONS_NOTE = (
    "No human interaction study with a number is in the evidence base: the one clinical study "
    "(Tanna 2023: midazolam and dextromethorphan after one 2 g cup of tea) is held back to judge "
    "the model's interaction predictions later. The interaction constants come from laboratory "
    "studies and are not compared here."
)
SIDE_EFFECTS_NOTE = (
    "Each side-effect curve passes through a published frequency, so those comparisons are in "
    "sample by construction; the interval comes from the curves' cited ranges. 'Any adverse "
    "effect' is an ever-reported share in a survey, a loose check no curve was fitted to. Insomnia "
    "and sedation have no published frequency."
)
OUTCOMES_NOTE = (
    "Fitted: the calibrated model with every study. Out of sample: the same model with the "
    "observation's study left out (its weight removed from the calibration); a Pareto k above 0.7 "
    "means that left-out prediction is unreliable."
)
NO_CHECKS_NOTE = (
    "The pain-response calibration's comparisons (fitted and with each study left out) are not in "
    "this release yet; its observations are listed under 'not predicted'."
)
#: Side effects compared: curve, words, the outcome study and observation it mirrors (if any),
#: and whether a curve was fitted through it.
SIDE_EFFECTS = (
    ("dizziness_headache", "Lightheadedness or headache after one 2 g cup of tea",
     ("tanna2023_single_dose_safety", "lightheadedness_or_headache"), True),
    ("nausea", "Nausea after 12 g of leaf in capsules", None, True),
    ("constipation", "Constipation in regular tea drinkers",
     ("singh2019_malaysia_constipation", "constipation"), True),
    ("any", "Any adverse effect ever reported by survey respondents (typical dose 1-3 g)",
     ("garciaromeu2020_us_survey", "any_adverse_effect"), False),
)  # fmt: skip
#: The side_effects.toml entries behind each compared frequency.
_ENTRY = {
    "dizziness_headache": "se_dizziness_anchor_p",
    "nausea": "se_nausea_anchor_p",
    "constipation": "se_constipation_anchor_p",
    "any": "se_check_any_p",
}


def wilson(count: float, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score 95 % interval of ``count`` of ``n``."""
    p = count / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(centre - half, 0.0)), float(min(centre + half, 1.0))


def observed_estimate(obs: Observation) -> Estimate:
    """An observation's value with the interval its reported uncertainty gives (and says so)."""
    u, v = obs.uncertainty, obs.value
    share = obs.unit == "proportion"
    # a count is reported, or follows from a binomial share and its n; never from "about"
    count = u.count
    if count is None and u.kind == "binomial" and share and v is not None and u.n:
        count = round(v * u.n)
    text = f"{count} of {u.n}" if share and count is not None and u.n else ""
    if v is None:
        return Estimate(None, text="no number reported")
    if u.kind == "ci95" and u.low is not None and u.high is not None:
        return Estimate(v, u.low, u.high, interval="reported 95 % confidence interval", text=text)
    if u.kind == "sd" and u.sd is not None and u.n:
        half = 1.959964 * u.sd / np.sqrt(u.n)
        return Estimate(
            v,
            v - half,
            v + half,
            statistic=f"mean of {u.n} people (SD {u.sd:g})",
            interval="95 % confidence interval of the mean (from SD and n)",
        )
    if u.kind == "binomial" and share and u.n and count is not None:
        lo, hi = wilson(count, u.n)
        return Estimate(v, lo, hi, interval=f"Wilson 95 % interval of {count} of {u.n}", text=text)
    if u.kind == "lower_bound":
        return Estimate(v, v, 1.0 if share else None, interval="reported as 'at least'", text=text)
    if u.kind == "derived" and u.sd is not None and v > 0:
        f = float(np.exp(1.959964 * u.sd))
        return Estimate(
            v, v / f, v * f, interval="95 % interval from the standard error of its log (derived)"
        )
    return Estimate(v, text=text or ("reported as 'about'" if u.kind == "approximate" else ""))


def _index() -> dict[tuple[str, str], tuple[Study, Observation]]:
    return {(s.id, o.id): (s, o) for s in load_studies() for o in s.observations}


def outcome_comparisons(
    checks: Sequence[Mapping[str, object]] | None = None,
) -> tuple[list[Comparison], list[NotPredicted], str]:
    """Fitted and left-out comparisons from the calibration's check rows; what is not predicted."""
    rows_in = posterior_checks() if checks is None else list(checks)
    index = _index()
    rows: list[Comparison] = []
    compared: set[tuple[str, str]] = set()
    not_predicted: list[NotPredicted] = []
    for row in rows_in:
        key = str(row["observation"])
        study_id, _, obs_id = key.partition(":")
        found = index.get((study_id, obs_id))
        if found is None:
            not_predicted.append(
                NotPredicted("outcomes", key, str(row.get("reading", "")), "",
                             "the calibration names an observation the evidence base lacks")
            )  # fmt: skip
            continue
        study, obs = found
        compared.add((study_id, obs_id))
        scoring = "share" if obs.unit == "proportion" else "fold"
        k = row.get("left_out_pareto_k")
        k_note = (
            f" Pareto k {float(k):.2f}: the left-out prediction is unreliable."  # type: ignore[arg-type]
            if isinstance(k, int | float) and k > 0.7
            else ""
        )
        for fitted in (True, False):
            pre = "fitted" if fitted else "left_out"
            rows.append(
                Comparison(
                    key=f"{key}:{pre}",
                    category="outcomes",
                    what=obs.definition,
                    unit=obs.unit,
                    source=study.cited(obs),
                    locator=obs.locator,
                    used_for_fitting=fitted,
                    scoring=scoring,
                    observed=observed_estimate(obs),
                    predicted=Estimate(
                        _float(row.get(pre)),
                        _float(row.get(f"{pre}_low")),
                        _float(row.get(f"{pre}_high")),
                        statistic="posterior median, "
                        + ("fitted with every study" if fitted else "this study left out"),
                        interval="90 % posterior predictive",
                    ),
                    note=f"Model reading: {row.get('reading', '')}." + ("" if fitted else k_note),
                    n=obs.uncertainty.n,
                )
            )
    mirrored = {m for _, _, m, _ in SIDE_EFFECTS if m is not None}
    for (study_id, obs_id), (study, obs) in index.items():
        if (study_id, obs_id) in compared or (study_id, obs_id) in mirrored:
            continue
        reason = (
            "weighed by the pain-response calibration, whose comparisons are not in this release"
            if obs.usable_for_calibration
            else obs.reason
        )
        not_predicted.append(
            NotPredicted(
                "side_effects" if obs.statistic == "side_effect_rate" else "outcomes",
                f"{study_id}:{obs_id}",
                obs.definition,
                study.cited(obs),
                reason,
            )
        )
    note = OUTCOMES_NOTE if rows else NO_CHECKS_NOTE
    return rows, not_predicted, note


def _float(x: object) -> float | None:
    return float(x) if isinstance(x, int | float) else None


def side_effect_comparisons(*, draws: int, seed: int) -> list[Comparison]:
    """The side-effect frequencies against the curves (central values; 90 % over the draws)."""
    cited = load_parameters(("side_effects.toml",))
    entries = [v for k, v in cited.items() if k.startswith("se_")]
    sampled = sample_values(entries, draws, seed=seed)
    names = list(sampled)
    probs: dict[str, list[float]] = {effect: [] for effect, *_ in SIDE_EFFECTS}
    for i in range(draws):
        params = side_effect_params_from_values({n: float(sampled[n][i]) for n in names})
        for effect in ("dizziness_headache", "nausea", "constipation"):
            anchor, _, _ = params.curve(effect)
            # each draw at its own anchor: the observed dose, as uncertain as the draw says
            p = side_effect_probabilities(anchor, params)[effect]
            probs[effect].append(float(p))
        typical = side_effect_probabilities(params.check_any_mg, params)
        probs["any"].append(float(any_effect_probability(typical)))
    index = _index()
    rows = []
    for effect, what, mirror, fitted in SIDE_EFFECTS:
        entry = cited[_ENTRY[effect]]
        p = np.asarray(probs[effect])
        lo, hi = np.percentile(p, [5.0, 95.0])
        obs = index[mirror][1] if mirror is not None else None
        observed = observed_estimate(obs) if obs is not None else Estimate(None)
        observed = Estimate(
            entry.value,
            entry.low,
            entry.high,
            statistic="share of people",
            interval=observed.interval or "the cited range (see note)",
            text=observed.text,
        )
        rows.append(
            Comparison(
                key=f"side_effects:{effect}",
                category="side_effects",
                what=what,
                unit="proportion",
                source=entry.source,
                locator=entry.locator,
                used_for_fitting=fitted,
                scoring="share",
                observed=observed,
                predicted=Estimate(
                    float(p[0]),
                    float(lo),
                    float(hi),
                    statistic="the curve at its cited central values",
                    interval="90 % over the curves' cited ranges",
                ),
                note=entry.note,
                n=obs.uncertainty.n if obs is not None else None,
            )
        )
    return rows
