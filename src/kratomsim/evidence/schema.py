"""Value objects for cited numbers: :class:`CitedValue`, :class:`Reference`, :class:`Product`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Grade = Literal["A", "B", "C", "D", "E", "S"]
Kind = Literal["reported", "derived", "assumption", "user"]
#: How a value's uncertainty is sampled over [low, high] (population/uncertainty.py draws from it).
Distribution = Literal["fixed", "log-uniform", "uniform"]

#: What each evidence grade means (shared/reference README).
GRADE_MEANING: dict[str, str] = {
    "A": "controlled human study",
    "B": "human observational study",
    "C": "case report or series",
    "D": "in vitro, animal or model prediction",
    "E": "classification with no primary data",
    "S": "secondary source, unverified",
}


class CitedValue(BaseModel):
    """A number with its unit, plausible range and provenance."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    value: float
    unit: str
    low: float
    high: float
    kind: Kind
    source: str = Field(min_length=1)
    locator: str = Field(min_length=1)
    species: str
    grade: Grade
    note: str = ""
    distribution: Distribution | None = None

    @model_validator(mode="after")
    def _range_holds(self) -> CitedValue:
        if not (self.low <= self.value <= self.high):
            raise ValueError(
                f"{self.name}: value {self.value} lies outside its range [{self.low}, {self.high}]"
            )
        return self

    @model_validator(mode="after")
    def _distribution_fits(self) -> CitedValue:
        if self.distribution == "log-uniform" and self.low <= 0:
            raise ValueError(f"{self.name}: a log-uniform range needs low > 0, got {self.low}")
        if self.distribution == "fixed" and self.low != self.high:
            raise ValueError(f"{self.name}: 'fixed' needs low == high")
        return self

    @property
    def is_assumption(self) -> bool:
        return self.kind == "assumption"

    @property
    def quantity(self) -> str:
        """The value with its unit, as people read it (a pure number shows no unit "1")."""
        return f"{self.value:g}" if self.unit in ("1", "") else f"{self.value:g} {self.unit}"

    def describe(self) -> str:
        label = " ASSUMPTION" if self.is_assumption else ""
        return (
            f"{self.name} = {self.quantity} (range {self.low:g}-{self.high:g}"
            f"{', ' + self.distribution if self.distribution else ''}; "
            f"grade {self.grade}{label}; {self.source}, {self.locator})"
        )


class Reference(BaseModel):
    """One bibliography entry: who, what, where, when, and a way to find it (DOI, PMID or URL).

    ``journal`` is the venue: a journal, a publisher, an agency or a registry. ``note`` says what
    was read of the source (abstract, a table, a record); it never replaces a missing field.
    :mod:`kratomsim.evidence.provenance` checks that no field is a placeholder.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    type: Literal["article", "misc", "thesis"] = "article"
    authors: str
    title: str
    journal: str = ""
    year: int
    volume: str = ""
    pages: str = ""
    doi: str = ""
    pmid: str = ""
    url: str = ""
    note: str = ""

    def plain(self) -> str:
        where = ", ".join(p for p in (self.journal, self.volume, self.pages) if p)
        if self.doi:
            link = f" doi:{self.doi}"
        elif self.pmid:
            link = f" PMID {self.pmid}"
        elif self.url:
            link = f" {self.url}"
        else:
            link = ""
        return f"{self.authors.rstrip('.')}. {self.title.rstrip('.')}. {where} ({self.year}).{link}"


Absorption = Literal["tea", "capsule"]


class Product(BaseModel):
    """A product type: alkaloid content per gram and absorption class."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str
    absorption: Absorption
    aliases: tuple[str, ...] = ()
    mg_per_g: CitedValue
    oh7_mg_per_g: CitedValue
