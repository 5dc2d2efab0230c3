"""Virtual populations and replicated trials: the spec, the work of one chunk, the result.

A run is ``n_trials × n_subjects`` virtual people. Trial 0 uses the cited central values as its
typical values; each further trial draws its typical values from the cited uncertainty ranges
(:func:`kratomsim.population.uncertainty.sample_values`), then its subjects vary around them
(:mod:`kratomsim.population.variability`). Subjects are simulated in chunks (:func:`simulate_chunk`)
that stream into fixed-size summaries (:mod:`kratomsim.population.streaming`) in chunk order, so the
result is the same to the last bit whichever executor runs the chunks.

:func:`kratomsim.population.executors.simulate_population` runs a :class:`PopulationSpec`:

>>> from kratomsim.models.dosing import DoseRecord, Regimen
>>> from kratomsim.population.executors import simulate_population
>>> regimen = Regimen((DoseRecord(0.0, 2.0, ii_h=8.0, addl=5),))
>>> res = simulate_population(PopulationSpec(regimen, n_subjects=20, seed=1))
>>> sorted(res.scalars)[:2]
['auc_7oh_nm_h', 'auc_mg_nm_h']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kratomsim.engine.subjects import (
    POPULATION_OUTPUTS,
    SCALAR_OUTPUTS,
    Dosing,
    dosing_for,
    simulate_subjects,
    subject_summaries,
)
from kratomsim.errors import PopulationError, bad_value
from kratomsim.evidence.model_parameters import cited, parameter_names, uncertain_parameters
from kratomsim.evidence.params import cited_inputs
from kratomsim.evidence.schema import CitedValue, Product
from kratomsim.models import display
from kratomsim.models.dosing import Regimen
from kratomsim.population.streaming import (
    BAND_BINS,
    SCALAR_BINS,
    BandCounts,
    Threshold,
    band_counts,
)
from kratomsim.population.uncertainty import distribution, sample_model_values
from kratomsim.population.variability import (
    STREAM_WIDTH,
    CovariateEffects,
    Covariates,
    Omega,
    build_omega,
    content_factors,
    covariate_effects,
    draw_subjects,
    parse_covariates,
    population_data,
    residual_error,
    subject_normals,
)
from kratomsim.population.workspace import reused

#: Time courses summarised as percentile bands.
BAND_OUTPUTS = ("mg_nm", "oh7_nm", "tolerance", "withdrawal_score", "ventilation_change_pct")
OBSERVED = "mg_nm_observed"
MAX_SUBJECTS = 100_000_000
_THRESHOLD = re.compile(r"^\s*([a-z0-9_]+)\s*([<>])\s*([-+0-9.eE]+)\s*$")


def parse_threshold(text: str | Threshold) -> Threshold:
    """``"cmax_mg_nm>200"`` → :class:`Threshold` (names from ``SCALAR_OUTPUTS``)."""
    if isinstance(text, Threshold):
        return text
    m = _THRESHOLD.match(text)
    if m is None:
        raise PopulationError(
            bad_value(
                "A threshold must read NAME>VALUE or NAME<VALUE", text, "E.g. cmax_mg_nm>200."
            )
        )
    name, op, value = m.groups()
    if name not in SCALAR_OUTPUTS:
        raise PopulationError(
            bad_value("Unknown threshold output", name, f"Choose from {', '.join(SCALAR_OUTPUTS)}.")
        )
    try:
        number = float(value)
    except ValueError:
        raise PopulationError(
            bad_value("Threshold value is not a number", value, "E.g. 200.")
        ) from None
    return Threshold(name, op, number)


@dataclass(frozen=True)
class PopulationSpec:
    """What to simulate: a regimen of a product (default leaf powder), content and population.

    ``mg_per_g`` and ``oh7_mg_per_g`` replace the product's cited content (label or assay);
    ``duration_h`` sets the observation window (default: until washed out). ``omega`` overrides ω by random-effect name (``{"cl": 0.3}``), ``correlations`` by pair
    (``{("cl", "v1"): 0.6}``). ``content_variability`` draws each subject's product content from
    the product's cited range (off when the content is given from a label or an assay).
    """

    regimen: Regimen
    n_subjects: int = 1000
    n_trials: int = 1
    seed: int = 0
    product: Product | None = None
    mg_per_g: float | None = None
    oh7_mg_per_g: float | None = None
    duration_h: float | None = None
    covariates: Covariates | Mapping[str, object] | Sequence[str] | None = None
    omega: Mapping[str, float] | None = None
    correlations: Mapping[tuple[str, str], float] | None = None
    thresholds: Sequence[str | Threshold] = ()
    percentiles: Sequence[float] = (5.0, 50.0, 95.0)
    chunk_size: int = 1000  # 1,000 subjects × 673 hourly times: a 54 MB output buffer
    step_h: float = 1.0
    content_variability: bool = True
    residual_error: bool = False


@dataclass(frozen=True)
class Chunk:
    """Subjects ``start:stop`` of one trial; ``index`` fixes the merge order."""

    index: int
    trial: int
    start: int
    stop: int


@dataclass(frozen=True)
class Prepared:
    """Everything a worker needs for any chunk (small and picklable)."""

    dosing: Dosing
    typical: tuple[dict[str, float], ...]  # per trial
    omega: Omega
    covariates: Covariates
    effects: CovariateEffects
    content: dict[str, tuple[float, float, float, str]] | None
    seed: int
    residual_error: bool
    used: tuple[CitedValue, ...]
    product: str
    n_subjects: int
    thresholds: tuple[Threshold, ...]
    percentiles: tuple[float, ...]
    chunk_size: int
    bands: tuple[str, ...] = field(default=BAND_OUTPUTS)


def _check(spec: PopulationSpec) -> None:
    for what, n, hi in (
        ("Number of subjects", spec.n_subjects, MAX_SUBJECTS),
        ("Number of trials", spec.n_trials, 10_000),
        ("Chunk size", spec.chunk_size, 1_000_000),
    ):
        if not (isinstance(n, int | np.integer) and 1 <= n <= hi):
            raise PopulationError(
                bad_value(f"{what} must be an integer in 1..{hi}", n, "E.g. 1000.")
            )
    for p in spec.percentiles:
        if not (0.0 <= p <= 100.0):
            raise PopulationError(bad_value("Percentiles must lie in 0..100", p, "E.g. 5,50,95."))
    if not spec.percentiles:
        raise PopulationError(bad_value("No percentiles asked for", (), "E.g. 5,50,95."))


def prepare(spec: PopulationSpec) -> Prepared:
    """Validate ``spec`` and compute what every chunk shares (before any subject is simulated)."""
    _check(spec)
    cov = parse_covariates(spec.covariates)
    omega = build_omega(spec.omega, spec.correlations)
    thresholds = tuple(parse_threshold(t) for t in spec.thresholds)
    inputs = cited_inputs(spec.product, mg_per_g=spec.mg_per_g, oh7_mg_per_g=spec.oh7_mg_per_g)
    dosing = dosing_for(spec.regimen, inputs, duration_h=spec.duration_h, step_h=spec.step_h)
    names = parameter_names(dosing.absorption)
    central = dict(inputs.values)
    uncertain = uncertain_parameters(dosing.absorption)
    draws = sample_model_values(uncertain, spec.n_trials, seed=spec.seed, people=False)
    typical = tuple(
        {**central, **{k: float(d[t]) for k, d in draws.items()}} for t in range(spec.n_trials)
    )
    content = None
    content_used: list[CitedValue] = []
    if spec.content_variability and spec.mg_per_g is None and spec.oh7_mg_per_g is None:
        product = inputs.product
        content = {}
        for key, cv in (("mg", product.mg_per_g), ("oh7", product.oh7_mg_per_g)):
            content[key] = (cv.value, cv.low, cv.high, distribution(cv))
            content_used.append(cv)
    effects = covariate_effects(cov)
    pop = population_data()
    pop_names = [f"omega_{n}" for n in omega.omegas] + ["corr_cl_v"]
    if spec.residual_error:
        pop_names += ["residual_prop", "residual_add_nm"]
    used = (
        *cited(dosing.absorption, names),
        *(pop[n] for n in dict.fromkeys(pop_names)),
        *effects.used,
        *content_used,
        *(v for v in inputs.used if v.kind == "user"),
    )
    bands = (*BAND_OUTPUTS, OBSERVED) if spec.residual_error else BAND_OUTPUTS
    return Prepared(
        dosing=dosing,
        typical=typical,
        omega=omega,
        covariates=cov,
        effects=effects,
        content=content,
        seed=int(spec.seed),
        residual_error=spec.residual_error,
        used=tuple(used),
        product=inputs.product.id,
        n_subjects=int(spec.n_subjects),
        thresholds=thresholds,
        percentiles=tuple(float(p) for p in spec.percentiles),
        chunk_size=int(spec.chunk_size),
        bands=bands,
    )


def plan_chunks(n_subjects: int, n_trials: int, chunk_size: int) -> list[Chunk]:
    """Chunks in merge order; a chunk never spans two trials."""
    chunks: list[Chunk] = []
    for trial in range(n_trials):
        for start in range(0, n_subjects, chunk_size):
            stop = min(start + chunk_size, n_subjects)
            chunks.append(Chunk(len(chunks), trial, start, stop))
    return chunks


@dataclass(frozen=True)
class ChunkResult:
    """One chunk's contribution: per-subject scalars and covariates, time courses as histograms."""

    chunk: Chunk
    scalars: dict[str, np.ndarray]
    bands: dict[str, BandCounts]
    weight_kg: np.ndarray
    female: np.ndarray
    content_factor: np.ndarray

    def frame(self) -> pd.DataFrame:
        """Per-subject rows (trial, subject, covariates, scalars) for ``--per-subject``."""
        c = self.chunk
        return pd.DataFrame(
            {
                "trial": c.trial,
                "subject": np.arange(c.start, c.stop),
                "weight_kg": self.weight_kg,
                "sex": np.where(self.female, "female", "male"),
                "content_factor": self.content_factor,
                **self.scalars,
            }
        )


def simulate_chunk(prep: Prepared, chunk: Chunk, *, threads: int | None = None) -> ChunkResult:
    """Simulate the subjects of ``chunk`` (vectorised) and reduce them to what the summaries need.

    ``threads``: kernel threads (default: every CPU this process may use; workers of a parallel
    executor pass 1).
    """
    n_times = prep.dosing.time_h.size
    width = STREAM_WIDTH + (2 * n_times if prep.residual_error else 0)
    z = subject_normals(prep.seed, chunk.trial, chunk.start, chunk.stop, width)
    draws = draw_subjects(
        prep.typical[chunk.trial],
        prep.dosing.absorption,
        prep.omega,
        prep.effects,
        prep.covariates,
        z,
    )
    dosing = prep.dosing
    factors = content_factors(z, prep.content)
    n = chunk.stop - chunk.start
    mg_factor = np.ones(n)
    if factors is not None:
        mg_factor = factors[0]
        dosing = dosing.with_content(factors[0], factors[1])
    out = simulate_subjects(
        draws.values,
        dosing,
        outputs=POPULATION_OUTPUTS,
        out=reused("outputs", (len(POPULATION_OUTPUTS), n, n_times)),
        threads=threads,
    )
    series = {
        "mg_nm": out.mg_nm,
        "oh7_nm": out.oh7_nm,
        "tolerance": out.tolerance,
        "withdrawal_score": out.withdrawal_score,
        "ventilation_change_pct": out.ventilation_change_pct,
    }
    if prep.residual_error:
        zr = z[:, STREAM_WIDTH:]
        series[OBSERVED] = residual_error(out.mg_nm, zr[:, :n_times], zr[:, n_times:])
    scratch = reused("scratch", (n, n_times))
    bands = {k: band_counts(np.asarray(series[k]), scratch) for k in prep.bands}
    return ChunkResult(
        chunk, subject_summaries(out), bands, draws.weight_kg, draws.female, mg_factor
    )


@dataclass(frozen=True)
class ScalarSummary:
    """Distribution of one per-subject scalar over the population."""

    percentiles: dict[float, float]
    mean: float
    sd: float
    n: int
    histogram: tuple[np.ndarray, np.ndarray]  # display edges, counts


@dataclass(frozen=True)
class Exceedance:
    """Share of subjects beyond a threshold with its exact 95 % binomial interval."""

    threshold: Threshold
    count: int
    n: int
    share: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class TrialSummary:
    """One replicated trial: medians and means of the scalars, exceedance shares."""

    trial: int
    medians: dict[str, float]
    means: dict[str, float]
    shares: dict[str, float]


@dataclass(frozen=True)
class PopulationResult:
    """Summaries of a virtual population (see module docstring); ``to_dict`` gives JSON."""

    time_h: np.ndarray
    bands: dict[str, dict[float, np.ndarray]]
    scalars: dict[str, ScalarSummary]
    exceedances: tuple[Exceedance, ...]
    trials: tuple[TrialSummary, ...]
    trial_spread: dict[str, dict[float, float]]
    metadata: dict[str, Any]
    used: tuple[CitedValue, ...]

    @property
    def assumptions(self) -> tuple[CitedValue, ...]:
        return tuple(v for v in self.used if v.is_assumption)

    def to_frame(self) -> pd.DataFrame:
        """One row per per-subject scalar (e.g. ``cmax_mg_nm``): ``mean``, ``sd``, ``n`` and one
        column per percentile (``p5``, ``p50``, ``p95``)."""
        rows = [
            {
                "scalar": name,
                "mean": s.mean,
                "sd": s.sd,
                "n": s.n,
                **{f"p{p:g}": v for p, v in s.percentiles.items()},
            }
            for name, s in self.scalars.items()
        ]
        return pd.DataFrame(rows)

    def bands_frame(self) -> pd.DataFrame:
        """The percentile bands over time: ``time_h``, ``output`` and one column per percentile."""
        frames = [
            pd.DataFrame(
                {"time_h": self.time_h, "output": name, **{f"p{p:g}": v for p, v in band.items()}}
            )
            for name, band in self.bands.items()
        ]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def __repr__(self) -> str:
        meta = self.metadata
        medians = (
            (name, f"median {display.number(s.percentiles.get(50.0))}")
            for name, s in list(self.scalars.items())[:2]
        )
        return display.short_repr(
            "PopulationResult",
            [
                ("n_subjects", meta.get("n_subjects")),
                ("n_trials", meta.get("n_trials")),
                ("product", repr(meta.get("product"))),
                ("scalars", len(self.scalars)),
                *medians,
            ],
        )

    def _repr_html_(self) -> str:
        frame = self.to_frame()
        cols = [c for c in frame.columns if c not in ("sd", "n")]
        rows = [
            [row["scalar"], *(display.number(row[c]) for c in cols[1:])]
            for row in frame.to_dict("records")
        ]
        return display.html_table(
            f"Virtual population: {self.metadata.get('n_subjects')} people",
            cols,
            rows,
            "Spread between simulated people; bands_frame() gives the bands over time. Not a "
            "forecast for one person and not a recommendation of any amount.",
        )

    def to_dict(self) -> dict[str, Any]:
        def num(x: float) -> float | None:
            return float(x) if np.isfinite(x) else None

        def arr(a: Iterable[float]) -> list[float | None]:
            return [num(float(x)) for x in a]

        return {
            "metadata": self.metadata,
            "time_h": arr(self.time_h),
            "bands": {k: {f"p{p:g}": arr(v) for p, v in b.items()} for k, b in self.bands.items()},
            "scalars": {
                k: {
                    "percentiles": {f"p{p:g}": num(v) for p, v in s.percentiles.items()},
                    "mean": num(s.mean),
                    "sd": num(s.sd),
                    "n": s.n,
                }
                for k, s in self.scalars.items()
            },
            "exceedances": [
                {
                    "threshold": str(e.threshold),
                    "count": e.count,
                    "n": e.n,
                    "share": e.share,
                    "ci95": [e.ci_low, e.ci_high],
                }
                for e in self.exceedances
            ],
            "trials": [
                {
                    "trial": t.trial,
                    "medians": {k: num(v) for k, v in t.medians.items()},
                    "shares": t.shares,
                }
                for t in self.trials
            ]
            if len(self.trials) > 1
            else [],
            "trial_spread": {
                k: {f"p{p:g}": num(v) for p, v in s.items()} for k, s in self.trial_spread.items()
            },
            "assumptions": [v.describe() for v in self.assumptions],
            "used": [v.describe() for v in self.used],
        }


#: Stated accuracy of percentiles read from the streaming histograms (relative, half a bin).
PERCENTILE_ACCURACY = {
    "time_bands": BAND_BINS.relative_accuracy,
    "scalars": SCALAR_BINS.relative_accuracy,
}
