"""Population-level human outcome evidence (``outcome_studies.toml``): schema and loader.

Each :class:`Study` describes one published sample as reported (size, sex mix, age, country,
duration of use, products and regimens, or "not reported") and carries one or more
:class:`Observation` s: a machine name for the statistic, its definition in words (instrument,
time frame), the value, its uncertainty as reported, the subgroup, source, locator and grade.

How a calibration uses the file:

1. For every study with usable observations, build a **virtual cohort like the study's sample**
   with the population engine: its size, sex mix and age, its products and regimens (doses per
   day, amount per dose, years of use). Where the study did not report one of these, the study's
   ``cohort_assumptions`` say what to draw instead, labelled ASSUMPTION.
2. Simulate the cohort and compute **the same statistic** (``statistic`` names it; the
   ``definition`` says which instrument and time frame it mirrors): a share of people, a mean
   and SD of a score, an odds ratio between regimen strata, a fold change.
3. Use the **reported uncertainty as the likelihood**: a binomial for a share with its ``n``
   (and ``count`` where reported), a normal on the mean with the reported SD and ``n``, a
   log-normal for an odds ratio from its 95 % CI; ``lower_bound`` and ``approximate`` values
   give one-sided or widened terms. Observations with ``usable_for_calibration = false`` are
   context, each with the reason why (no number, no denominator, a quantity the model lacks).

The loader validates the file when it is read and checks every ``source`` against the
bibliography; it never invents a missing number.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kratomsim.errors import EvidenceError
from kratomsim.evidence.loader import load_references
from kratomsim.evidence.schema import Grade

STUDY_FILE = "outcome_studies.toml"

UncertaintyKind = Literal[
    "sd",  # mean with its standard deviation (and n)
    "ci95",  # estimate with a reported 95 % confidence interval
    "binomial",  # share of n people (count where reported)
    "lower_bound",  # "more than ..." (value is the bound)
    "approximate",  # "about ..." (rounded by the authors)
    "derived",  # computed here from reported numbers; the note says how
    "point",  # a number reported without any spread
]


class Uncertainty(BaseModel):
    """The uncertainty exactly as reported; nothing here is invented."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: UncertaintyKind
    sd: float | None = Field(default=None, gt=0)
    low: float | None = None
    high: float | None = None
    n: int | None = Field(default=None, gt=0)
    count: int | None = Field(default=None, ge=0)
    p_value: str = ""
    note: str = ""

    @model_validator(mode="after")
    def _complete_for_kind(self) -> Uncertainty:
        if self.kind == "sd" and (self.sd is None or self.n is None):
            raise ValueError("kind 'sd' needs sd and n")
        if self.kind == "ci95" and (self.low is None or self.high is None):
            raise ValueError("kind 'ci95' needs low and high")
        if self.kind == "binomial" and self.n is None:
            raise ValueError("kind 'binomial' needs n")
        if self.count is not None and (self.n is None or self.count > self.n):
            raise ValueError("count needs an n at least as large")
        if self.kind == "derived" and not self.note:
            raise ValueError("kind 'derived' needs a note saying how it was derived")
        return self


class Observation(BaseModel):
    """One reported statistic of one study."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    statistic: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    definition: str = Field(min_length=1)
    instrument: str = Field(min_length=1)
    time_frame: str = Field(min_length=1)
    value: float | None = None
    unit: str
    uncertainty: Uncertainty
    subgroup: str = "whole sample"
    effect: str = ""
    stratum: str = ""
    source: str = ""
    locator: str = Field(min_length=1)
    grade: Grade
    usable_for_calibration: bool
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Observation:
        u = self.uncertainty
        if self.usable_for_calibration and self.value is None:
            raise ValueError(f"{self.id}: a usable observation needs a value")
        if self.value is None:
            return self
        if self.unit == "proportion" and not 0 <= self.value <= 1:
            raise ValueError(f"{self.id}: a proportion lies in [0, 1], got {self.value}")
        if u.kind == "ci95" and not (u.low <= self.value <= u.high):  # type: ignore[operator]
            raise ValueError(f"{self.id}: value {self.value} outside its CI [{u.low}, {u.high}]")
        if u.count is not None and u.n is not None and abs(u.count / u.n - self.value) > 0.01:
            raise ValueError(f"{self.id}: count/n = {u.count}/{u.n} does not match {self.value}")
        if self.statistic == "side_effect_rate" and not (self.effect and self.stratum):
            raise ValueError(f"{self.id}: a side-effect rate names its effect and dose stratum")
        return self


class Regimen(BaseModel):
    """Products and regimens as reported; ``None`` where the study did not report a number."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    as_reported: str = Field(min_length=1)
    product: Literal["tea", "leaf-powder", "capsules", "extract", "mixed", "not reported"]
    amount_per_dose: float | None = Field(default=None, gt=0)
    amount_unit: Literal["g leaf", "mg mitragynine", "glass"] | None = None
    mg_mitragynine_per_glass: float | None = Field(default=None, gt=0)
    doses_per_day: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _unit_with_amount(self) -> Regimen:
        if (self.amount_per_dose is None) != (self.amount_unit is None):
            raise ValueError("amount_per_dose and amount_unit come together")
        return self


class Population(BaseModel):
    """The sample as reported; every missing field says 'not reported' in ``*_as_reported``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    n: int = Field(gt=0)
    design: str = Field(min_length=1)
    country: str = Field(min_length=1)
    period: str = Field(min_length=1)
    sex_as_reported: str = Field(min_length=1)
    share_male: float | None = Field(default=None, ge=0, le=1)
    age_as_reported: str = Field(min_length=1)
    age_mean_y: float | None = Field(default=None, gt=0)
    duration_of_use_as_reported: str = Field(min_length=1)
    duration_of_use_mean_y: float | None = Field(default=None, ge=0)
    regimen: Regimen


class Study(BaseModel):
    """One published sample and what it reported."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    source: str
    grade: Grade
    population: Population
    cohort_assumptions: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    observations: tuple[Observation, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _observations_cite(self) -> Study:
        ids = [o.id for o in self.observations]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{self.id}: observation ids repeat")
        bad = [a for a in self.cohort_assumptions if not a.startswith("ASSUMPTION")]
        if bad:
            raise ValueError(f"{self.id}: cohort assumptions are labelled 'ASSUMPTION: ...'")
        return self

    def cited(self, obs: Observation) -> str:
        """The source key of ``obs`` (the study's own unless the observation names another)."""
        return obs.source or self.source

    def usable(self) -> tuple[Observation, ...]:
        return tuple(o for o in self.observations if o.usable_for_calibration)


def cohort_gaps(study: Study) -> list[str]:
    """What a virtual cohort of ``study`` lacks: a missing field no cohort assumption covers."""
    pop, text = study.population, " ".join(study.cohort_assumptions).lower()
    gaps: list[str] = []
    if pop.share_male is None and "sex" not in text:
        gaps.append("sex mix")
    reg = pop.regimen
    if reg.product == "not reported" and "product" not in text:
        gaps.append("product")
    if reg.doses_per_day is None and "doses per day" not in text:
        gaps.append("doses per day")
    if reg.amount_per_dose is None and "amount per dose" not in text:
        gaps.append("amount per dose")
    if pop.duration_of_use_mean_y is None and "duration of use" not in text:
        gaps.append("duration of use")
    return gaps


def parse_studies(text: str, references: Mapping[str, object]) -> tuple[Study, ...]:
    """Validate the TOML ``text`` of a study file against the schema and ``references``."""
    try:
        raw = tomllib.loads(text)["study"]
    except (tomllib.TOMLDecodeError, KeyError) as exc:
        raise EvidenceError(f"{STUDY_FILE} is not a valid study file: {exc}") from None
    studies: list[Study] = []
    for item in raw:
        try:
            studies.append(Study.model_validate(item))
        except ValidationError as exc:
            where = item.get("id", "?")
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
            )
            raise EvidenceError(f"{STUDY_FILE}: study {where!r} is invalid ({problems}).") from None
    for study in studies:
        for key in sorted({study.source, *(study.cited(o) for o in study.observations)}):
            if key not in references:
                raise EvidenceError(f"{STUDY_FILE}: study {study.id!r} cites unknown {key!r}.")
    ids = [s.id for s in studies]
    if len(set(ids)) != len(ids):
        raise EvidenceError(f"{STUDY_FILE}: study ids repeat.")
    return tuple(studies)


@cache
def load_studies() -> tuple[Study, ...]:
    """Every outcome study shipped in ``evidence/data``, validated when read."""
    text = resources.files("kratomsim.evidence").joinpath("data", STUDY_FILE).read_text("utf-8")
    return parse_studies(text, load_references())


def usable_observations() -> list[tuple[Study, Observation]]:
    """Every (study, observation) pair a calibration should fit, in file order."""
    return [(s, o) for s in load_studies() for o in s.usable()]
