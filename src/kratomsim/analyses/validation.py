"""Qualification of the model against every human observation it can predict (``kratomsim validate``).

The form follows the qualification reports of Open Systems Pharmacology: each observation in the
evidence base with a number the model can predict is set beside the model's prediction, with both
intervals, whether it was used for fitting (in sample) or not (out of sample), and the fold error;
per category and sample the GMFE and the shares within 1.25× and 2×
(:mod:`kratomsim.analyses.validation_scores`). Nothing here fits anything: the predictions come
from the shipped parameters (:mod:`kratomsim.analyses.validation_pk` for the drug levels in blood,
:mod:`kratomsim.analyses.validation_evidence` for outcomes, surveys and side effects).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from kratomsim.analyses import validation_evidence as ev
from kratomsim.analyses import validation_pk as pk
from kratomsim.analyses.validation_scores import CATEGORIES as CATEGORIES
from kratomsim.analyses.validation_scores import Comparison as Comparison
from kratomsim.analyses.validation_scores import Qualification as Qualification

Progress = Callable[[str, int, int], None]


def qualify(
    *,
    fast: bool = False,
    seed: int = 0,
    checks: Sequence[Mapping[str, object]] | None = None,
    progress: Progress | None = None,
) -> Qualification:
    """Predict every observation the evidence base holds and compare (see the module docstring).

    ``fast`` simulates fewer virtual people and resamples (for tests and a quick look);
    ``checks`` replaces the pain-response calibration's shipped ``[[check]]`` rows (observed,
    fitted and left-one-study-out predictions; default: :func:`~kratomsim.evidence.posterior.posterior_checks`);
    ``progress(step, done, total)`` is called as each part finishes.
    """
    people = pk.FAST_PEOPLE if fast else pk.FULL_PEOPLE
    steps = [*pk.STEPS, "outcomes and surveys", "side effects"]
    done = 0

    def tick(step: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(step, done, len(steps))

    rows: list[Comparison] = []
    rows += pk.pk_comparisons(people=people, seed=seed, on_step=tick)
    outcome_rows, not_predicted, outcome_note = ev.outcome_comparisons(checks)
    rows += outcome_rows
    tick("outcomes and surveys")
    rows += ev.side_effect_comparisons(draws=people, seed=seed)
    tick("side effects")
    notes = {
        "pharmacokinetics": pk.NOTE,
        "interactions": ev.INTERACTIONS_NOTE,
        "outcomes": outcome_note,
        "side_effects": ev.SIDE_EFFECTS_NOTE,
    }
    settings = {
        "fast": fast,
        "seed": seed,
        "virtual_people": people,
        "virtual_studies": pk.resamples(people),
    }
    return Qualification(tuple(rows), tuple(not_predicted), notes, settings)
