"""The Python API beyond :func:`~kratomsim.interfaces.api.simulate`: one function per question.

Each entry takes what a person types (regimen text, medicine names) with keyword arguments named
like the command-line options (``product=``, ``mg_per_g=``, ``draws=``, ``seed=``,
``medications=``, ``drugs=``, ``plans=``...), calls the same library functions as the command of
the same name, and returns a typed, frozen result with ``to_frame()``, a short ``repr`` and an HTML
table for notebooks. A bad keyword value raises :class:`~kratomsim.errors.KratomsimError` naming
the parameter. Nothing here suggests an amount to take.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from kratomsim.errors import ArgumentError, bad_value
from kratomsim.interfaces.api import RegimenSource, read_use, simulate
from kratomsim.interfaces.api_results import (
    CheckReport,
    Citation,
    Interactions,
    ReportFiles,
    TaperComparison,
    Validation,
)

if TYPE_CHECKING:
    from kratomsim.analyses.outcomes import Outcomes
    from kratomsim.evidence.schema import Product
    from kratomsim.population.population import PopulationResult

Names = str | Sequence[str]


def _count(name: str, value: object, low: int, high: int, example: int) -> int:
    """``value`` as a whole number in ``low..high``, else an error naming ``name=``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ArgumentError(
            bad_value(
                f"{name} must be a whole number from {low} to {high}",
                value,
                f"Give e.g. {name}={example}.",
            )
        )
    return value


def _choice(name: str, value: str | None, choices: Sequence[str]) -> str | None:
    if value is not None and value not in choices:
        raise ArgumentError(
            bad_value(
                f"{name} must be one of {', '.join(map(repr, choices))} or None",
                value,
                f"Give e.g. {name}={choices[0]!r}.",
            )
        )
    return value


def _names(name: str, value: Names | None, example: str) -> str | None:
    """A list of names as the comma-separated text the parsers read (``None`` stays ``None``)."""
    if value is None:
        return None
    if isinstance(value, str):
        items = [value]
    elif isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        items = list(value)
    else:
        raise ArgumentError(
            bad_value(
                f"{name} must be text or a list of texts", value, f"Give e.g. {name}={example}."
            )
        )
    text = ", ".join(i.strip() for i in items if i.strip())
    if not text:
        raise ArgumentError(bad_value(f"{name} is empty", value, f"Give e.g. {name}={example}."))
    return text


def _list(name: str, value: Names | None, example: str) -> list[str]:
    """A required list of names (text is read as a comma-separated list)."""
    text = _names(name, value, example)
    if text is None:
        raise ArgumentError(bad_value(f"{name} is required", None, f"Give e.g. {name}={example}."))
    return [item.strip() for item in text.split(",") if item.strip()]


def outcomes(
    regimen: RegimenSource,
    /,
    *,
    product: str | Product | None = None,
    mg_per_g: float | None = None,
    oh7_mg_per_g: float | None = None,
    duration: float | str | None = None,
    pain: Literal["acute", "chronic"] | None = None,
    baseline_pain: float = 6.0,
    hypothesis: Literal["endocannabinoid"] | None = None,
    draws: int = 200,
    seed: int = 0,
) -> Outcomes:
    """Exposure, receptor activation, tolerance, dependence, withdrawal and side effects, with a
    90 % interval over parameter draws (``kratomsim simulate --outcomes``).

    Parameters
    ----------
    regimen
        Text such as ``"2 g every 8 h for 14 days"``, a scenario file or a Regimen.
    product, mg_per_g, oh7_mg_per_g, duration
        As for :func:`kratomsim.simulate`.
    pain
        ``"acute"`` or ``"chronic"`` adds pain relief (0–10 NRS); ``baseline_pain`` is the
        chronic pain before use.
    hypothesis
        ``"endocannabinoid"`` switches on the article's unsupported pathway (labelled).
    draws, seed
        Parameter draws for the interval (1–5000) and their seed.

    Examples
    --------
    >>> res = outcomes("2 g every 8 h for 2 days", draws=4)
    >>> {"time_h", "mu_activation", "mu_activation_low"} <= set(res.to_frame().columns)
    True
    """
    from kratomsim.analyses.outcomes import simulate_outcomes

    _choice("pain", pain, ("acute", "chronic"))
    _choice("hypothesis", hypothesis, ("endocannabinoid",))
    use = read_use(
        regimen, product=product, mg_per_g=mg_per_g, oh7_mg_per_g=oh7_mg_per_g, duration=duration
    )
    return simulate_outcomes(
        use.regimen,
        product=use.product,
        mg_per_g=use.mg_per_g,
        oh7_mg_per_g=use.oh7_mg_per_g,
        duration_h=use.duration_h,
        hypothesis=hypothesis,
        pain=pain,
        baseline_pain=baseline_pain,
        n_draws=_count("draws", draws, 1, 5000, 200),
        seed=seed,
    )


def trial(
    regimen: RegimenSource,
    /,
    *,
    n: int = 1000,
    trials: int = 1,
    seed: int = 0,
    product: str | Product | None = None,
    mg_per_g: float | None = None,
    oh7_mg_per_g: float | None = None,
    duration: float | str | None = None,
    covariates: Mapping[str, object] | Sequence[str] | None = None,
    omega: Mapping[str, float] | None = None,
    correlations: Mapping[tuple[str, str], float] | None = None,
    thresholds: Sequence[str] = (),
    percentiles: Sequence[float] = (5.0, 50.0, 95.0),
    executor: Literal["serial", "processes", "dask"] = "serial",
    workers: int | None = None,
    fixed_content: bool = False,
    residual_error: bool = False,
) -> PopulationResult:
    """A virtual trial: ``n`` simulated people with inter-individual variability
    (``kratomsim trial``).

    Parameters
    ----------
    regimen
        Text such as ``"2 g every 8 h for 14 days"``, a scenario file or a Regimen.
    n, trials, seed
        People per trial, replicated trials and the seed (same seed, same people).
    covariates, omega, correlations
        E.g. ``covariates={"weight": 60}``, ``omega={"cl": 0.4}``,
        ``correlations={("cl", "v1"): 0.6}``.
    thresholds
        Shares beyond a threshold with an exact interval, e.g. ``["cmax_mg_nm>500"]``.
    executor, workers
        ``"serial"``, ``"processes"`` or ``"dask"`` and how many workers.

    Examples
    --------
    >>> pop = trial("2 g once", n=16, duration="2 d")
    >>> list(pop.to_frame().columns[:3])
    ['scalar', 'mean', 'sd']
    """
    from kratomsim.population.executors import run_population
    from kratomsim.population.population import PopulationSpec

    use = read_use(
        regimen, product=product, mg_per_g=mg_per_g, oh7_mg_per_g=oh7_mg_per_g, duration=duration
    )
    spec = PopulationSpec(
        use.regimen,
        n_subjects=_count("n", n, 1, 10_000_000, 1000),
        n_trials=_count("trials", trials, 1, 10_000, 1),
        seed=seed,
        product=use.product,
        mg_per_g=use.mg_per_g,
        oh7_mg_per_g=use.oh7_mg_per_g,
        duration_h=use.duration_h,
        covariates=covariates or (),
        omega=omega or {},
        correlations=correlations or {},
        thresholds=tuple(thresholds),
        percentiles=tuple(percentiles),
        content_variability=not fixed_content,
        residual_error=residual_error,
    )
    return run_population(spec, executor=executor, workers=workers)


def check(
    *,
    medications: Names | None = None,
    conditions: Names | None = None,
    regimen: RegimenSource | None = None,
    product: str | Product | None = None,
    mg_per_g: float | None = None,
    oh7_mg_per_g: float | None = None,
) -> CheckReport:
    """Risk findings for medicines, conditions and kratom use: what, why, how sure, sources
    (``kratomsim check``). Findings are statements to discuss with a clinician, never a dose.

    Parameters
    ----------
    medications
        Names, brands, street names or classes: ``"alprazolam, sertraline"`` or a list.
    conditions
        E.g. ``"fatty liver"`` or a list.
    regimen
        Kratom use; with it the dosing rules and the interaction model run too.

    Examples
    --------
    >>> report = check(medications=["alprazolam"])
    >>> "severity" in report.to_frame().columns
    True
    """
    from kratomsim.evidence.loader import resolve_product
    from kratomsim.evidence.medication_names import resolve_names
    from kratomsim.risk.conditions import parse_conditions
    from kratomsim.risk.ddi import check_use

    meds = _names("medications", medications, "['alprazolam']")
    conds = _names("conditions", conditions, "['fatty liver']")
    if meds is None and conds is None and regimen is None:
        raise ArgumentError(
            bad_value(
                "Nothing to check",
                "no medications, conditions or regimen",
                "Give at least one, e.g. medications=['alprazolam'].",
            )
        )
    matches = tuple(resolve_names(meds)) if meds is not None else ()
    parsed = parse_conditions(conds) if conds is not None else ()
    if regimen is not None:
        use = read_use(regimen, product=product, mg_per_g=mg_per_g, oh7_mg_per_g=oh7_mg_per_g)
        reg, prod, mg, oh = use.regimen, use.product, use.mg_per_g, use.oh7_mg_per_g
    else:
        reg, mg, oh = None, mg_per_g, oh7_mg_per_g
        prod = resolve_product(product) if isinstance(product, str) else product
    result, predictions = check_use(
        tuple(m.entry for m in matches), parsed, reg, product=prod, mg_per_g=mg, oh7_mg_per_g=oh
    )
    return CheckReport(result, matches, tuple(predictions))


def interactions(
    regimen: RegimenSource,
    /,
    *,
    drugs: Names,
    at: Sequence[float | str] | None = None,
    product: str | Product | None = None,
    mg_per_g: float | None = None,
    oh7_mg_per_g: float | None = None,
    draws: int = 200,
    seed: int = 0,
) -> Interactions:
    """How kratom changes other drugs' exposure (CYP3A, CYP2D6) and how they change kratom's
    (``kratomsim interactions``).

    Parameters
    ----------
    regimen
        Kratom use with an end, e.g. ``"2 g every 8 h for 14 days"``.
    drugs
        The co-used drugs: ``"midazolam"`` or a list.
    at
        When each drug dose is taken: hours after the first kratom dose (numbers or text such as
        ``"8 h"``). Default: with the last kratom dose.
    draws, seed
        Parameter draws for the 5–95 % interval (1–2000) and their seed.

    Examples
    --------
    >>> res = interactions("2 g every 8 h for 2 days", drugs=["midazolam"], draws=5)
    >>> float(res.to_frame().loc[0, "auc_ratio"]) > 1
    True
    """
    from kratomsim.evidence.medication_names import resolve_medication
    from kratomsim.models.regimen_text import parse_time_h
    from kratomsim.risk.ddi import OPEN_ENDED_HORIZON_H, predict_interactions
    from kratomsim.risk.victim import kratom_as_victim

    names = _list("drugs", drugs, "['midazolam']")
    use = read_use(regimen, product=product, mg_per_g=mg_per_g, oh7_mg_per_g=oh7_mg_per_g)
    meds = list(dict.fromkeys(resolve_medication(n) for n in names))
    times = (
        [float(t) if not isinstance(t, str) else parse_time_h(t, zero=True) for t in at]
        if at
        else None
    )
    preds = predict_interactions(
        use.regimen,
        product=use.product,
        mg_per_g=use.mg_per_g,
        oh7_mg_per_g=use.oh7_mg_per_g,
        victims=meds,
        victim_dose_times_h=times,
        n_draws=_count("draws", draws, 1, 2000, 200),
        seed=seed,
    )
    bounded = use.regimen.bounded(OPEN_ENDED_HORIZON_H) if use.regimen.open_ended else use.regimen
    effects = kratom_as_victim(meds, bounded, use.inputs())
    text = regimen if isinstance(regimen, str) else (use.regimen.text or "regimen")
    return Interactions(text, tuple(preds), tuple(effects))


def taper(
    current: RegimenSource,
    /,
    *,
    plans: Names,
    product: str | Product | None = None,
    mg_per_g: float | None = None,
    draws: int = 100,
    seed: int = 0,
) -> TaperComparison:
    """Compare taper plans after four weeks of the current use (``kratomsim taper``). For
    discussion with a clinician; not a plan to follow.

    Parameters
    ----------
    current
        The current use, e.g. ``"4 g three times daily"``.
    plans
        ``"-10% per week"``, ``"-1 g per week"``, ``"stop"``..., one or a list.
    draws, seed
        Parameter draws (1–2000) and their seed.

    Examples
    --------
    >>> cmp = taper("4 g three times daily", plans=["stop", "-25% per week"], draws=2)
    >>> list(cmp.to_frame()["plan"])
    ['stop', '-25% per week']
    """
    from kratomsim.analyses.taper import compare_tapers
    from kratomsim.models.taper import parse_plan

    texts = _list("plans", plans, "['-10% per week', 'stop']")
    use = read_use(current, product=product, mg_per_g=mg_per_g)
    results = compare_tapers(
        use.regimen,
        [parse_plan(p) for p in texts],
        product=use.product,
        mg_per_g=use.mg_per_g,
        n_draws=_count("draws", draws, 1, 2000, 100),
        seed=seed,
    )
    text = current if isinstance(current, str) else (use.regimen.text or "current use")
    return TaperComparison(text, tuple(results))


def report(
    regimen: RegimenSource,
    /,
    *,
    output: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] = "report.html",
    product: str | None = None,
    mg_per_g: float | None = None,
    oh7_mg_per_g: float | None = None,
    medications: Names | None = None,
    conditions: Names | None = None,
    baseline_pain: float | None = None,
    draws: int = 200,
    seed: int = 0,
) -> ReportFiles:
    """Write the clinician report (``kratomsim report``): exposure, relief, outlook, findings,
    interactions and claims, as HTML and/or PDF, with its data as JSON beside each file.

    Parameters
    ----------
    output
        ``"report.html"``, ``"report.pdf"`` or several, e.g. ``["r.html", "r.pdf"]``.
    medications, conditions
        As for :func:`check`.
    baseline_pain
        Usual pain before use, 0–10 NRS.
    draws, seed
        Parameter draws (20–2000) and their seed.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> files = report("2 g once", output=folder / "report.html", draws=20)
    >>> [p.name for p in files.paths]
    ['report.html', 'report.json']
    """
    from kratomsim.interfaces.cmd_report import SUFFIXES, report_from
    from kratomsim.reports.clinician_render import write_report

    targets = [Path(output)] if isinstance(output, str | os.PathLike) else [Path(p) for p in output]
    bad = [str(p) for p in targets if p.suffix.lower() not in SUFFIXES]
    if bad or not targets:
        raise ArgumentError(
            bad_value(
                "output must be .html or .pdf paths",
                bad or output,
                "Give e.g. output='report.pdf' or output=['report.html', 'report.pdf'].",
            )
        )
    data = report_from(
        regimen,
        product=product,
        mg_per_g=mg_per_g,
        oh7_mg_per_g=oh7_mg_per_g,
        meds=_names("medications", medications, "['alprazolam']"),
        conditions=_names("conditions", conditions, "['fatty liver']"),
        baseline_pain=baseline_pain,
        n_draws=_count("draws", draws, 20, 2000, 200),
        seed=seed,
    )
    written = [f for target in targets for f in write_report(data, target)]
    return ReportFiles(tuple(written), len(data["findings"]))


def cite(
    regimen: RegimenSource,
    /,
    *,
    product: str | Product | None = None,
    mg_per_g: float | None = None,
    oh7_mg_per_g: float | None = None,
) -> Citation:
    """The values a run of this regimen uses, and the bibliography of exactly those
    (``kratomsim cite``).

    Examples
    --------
    >>> c = cite("2 g once")
    >>> {"name", "value", "unit", "grade", "source"} <= set(c.to_frame().columns)
    True
    """
    sim = simulate(regimen, product=product, mg_per_g=mg_per_g, oh7_mg_per_g=oh7_mg_per_g)
    return Citation(sim.used, sim)


def validate(*, fast: bool = False, seed: int = 0) -> Validation:
    """Predict every human observation the evidence base holds and compare
    (``kratomsim validate``). ``fast`` uses fewer virtual people (a quick look).

    Examples
    --------
    >>> v = validate(fast=True)
    >>> {"what", "observed", "predicted"} <= set(v.to_frame().columns)
    True
    """
    from kratomsim.analyses.validation import qualify

    return Validation(qualify(fast=fast, seed=seed))
