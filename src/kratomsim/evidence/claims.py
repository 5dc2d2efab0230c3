"""The article's claims registry: each claim graded by the evidence, with its sources.

The claims live in ``evidence/data/claims.toml``; the grades follow shared/reference pd.md section 9
(scale: strong, moderate, weak, unsupported, contradicted). Pure data and validation: nothing here
prints, and nothing here tells anyone what to take.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kratomsim.errors import EvidenceError, bad_value
from kratomsim.evidence.bibtex import format_bibtex
from kratomsim.evidence.loader import load_references
from kratomsim.evidence.schema import Grade, Reference

ClaimGrade = Literal["strong", "moderate", "weak", "unsupported", "contradicted"]

#: The grading scale, strongest first (pd.md section 9).
CLAIM_GRADES: tuple[ClaimGrade, ...] = ("strong", "moderate", "weak", "unsupported", "contradicted")

#: Grades under which a claim counts as not backed by the evidence.
UNSUPPORTED_GRADES: frozenset[ClaimGrade] = frozenset({"unsupported", "contradicted"})

CLAIMS_FILE = "claims.toml"


class Claim(BaseModel):
    """One claim of the article with its evidence grade, sources and caveats.

    ``evidence_grades`` holds one letter per entry of ``sources``, in the same order (A controlled
    human study; B human observational; C case report or series; D in vitro, animal or model
    prediction; E classification with no primary data; S secondary source, unverified).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    claim: str = Field(min_length=1)
    grade: ClaimGrade
    summary: str = Field(min_length=1)
    sources: tuple[str, ...] = Field(min_length=1)
    evidence_grades: tuple[Grade, ...]
    caveats: tuple[str, ...] = ()
    model: str = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Claim:
        for name in ("claim", "summary", "model"):
            if not getattr(self, name).strip():
                raise ValueError(f"{name} is blank")
        if any(not c.strip() for c in self.caveats):
            raise ValueError("a caveat is blank")
        if len(self.evidence_grades) != len(self.sources):
            raise ValueError(
                f"{len(self.sources)} sources but {len(self.evidence_grades)} evidence grades; "
                "give one grade letter per source, in the same order"
            )
        if len(set(self.sources)) != len(self.sources):
            raise ValueError("a source is listed twice")
        return self

    @property
    def is_unsupported(self) -> bool:
        """True when the evidence does not back the claim (graded unsupported or contradicted)."""
        return self.grade in UNSUPPORTED_GRADES

    def source_grades(self) -> dict[str, Grade]:
        """Each source key with its evidence grade letter."""
        return dict(zip(self.sources, self.evidence_grades, strict=True))


def parse_claims(
    text: str, references: Mapping[str, Reference], *, file: str = CLAIMS_FILE
) -> tuple[Claim, ...]:
    """Parse and validate a claims file given as TOML text.

    Raises
    ------
    EvidenceError
        If the text is not valid TOML, an entry is malformed (missing field, grade off the scale,
        blank summary, grade letters not matching the sources), an id repeats, or a source key is
        not in ``references``.
    """
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise EvidenceError(f"{file} is not valid TOML: {exc}") from None
    entries = data.get("claim")
    if not isinstance(entries, list) or not entries:
        raise EvidenceError(
            bad_value(
                f"{file} has no claims", sorted(data), "Write each claim as a [[claim]] table."
            )
        )
    claims: list[Claim] = []
    seen: set[str] = set()
    for i, raw in enumerate(entries):
        name = raw.get("id", f"#{i + 1}") if isinstance(raw, dict) else f"#{i + 1}"
        try:
            claim = Claim.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'entry'}: {e['msg']}" for e in exc.errors()
            )
            raise EvidenceError(f"{file}: claim {name!r} is invalid ({problems}).") from None
        if claim.id in seen:
            raise EvidenceError(
                bad_value(f"{file}: duplicate claim id", claim.id, "Give every claim its own id.")
            )
        unknown = [key for key in claim.sources if key not in references]
        if unknown:
            raise EvidenceError(
                bad_value(
                    f"{file}: claim {claim.id!r} cites unknown sources",
                    unknown,
                    "Add them to references.toml or fix the keys.",
                )
            )
        seen.add(claim.id)
        claims.append(claim)
    return tuple(claims)


@cache
def load_claims() -> tuple[Claim, ...]:
    """Every claim of the article, validated against the bibliography, in file order."""
    text = resources.files("kratomsim.evidence").joinpath("data", CLAIMS_FILE).read_text("utf-8")
    return parse_claims(text, load_references())


def _all(claims: Iterable[Claim] | None) -> tuple[Claim, ...]:
    return load_claims() if claims is None else tuple(claims)


def claims_by_grade(claims: Iterable[Claim] | None = None) -> dict[ClaimGrade, tuple[Claim, ...]]:
    """Claims grouped by grade, every grade of the scale present, strongest first."""
    chosen = _all(claims)
    return {g: tuple(c for c in chosen if c.grade == g) for g in CLAIM_GRADES}


def unsupported_claims(claims: Iterable[Claim] | None = None) -> tuple[Claim, ...]:
    """Claims the evidence does not back: graded unsupported or contradicted, in file order."""
    return tuple(c for c in _all(claims) if c.is_unsupported)


def claim_references(claims: Iterable[Claim]) -> list[Reference]:
    """Distinct references cited by ``claims``, in order of first use."""
    refs = load_references()
    keys = dict.fromkeys(key for c in claims for key in c.sources)
    missing = [k for k in keys if k not in refs]
    if missing:
        raise EvidenceError(
            bad_value("Claims cite unknown sources", missing, "Add them to references.toml.")
        )
    return [refs[k] for k in keys]


def claim_bibliography(claims: Iterable[Claim], style: Literal["plain", "bibtex"] = "plain") -> str:
    """Format the bibliography of ``claims`` as plain text or BibTeX.

    Same layout as :func:`kratomsim.evidence.bibliography.bibliography`: plain lines
    ``[key] reference`` or BibTeX entries separated by blank lines.
    """
    used = claim_references(claims)
    if style == "bibtex":
        return format_bibtex(used)
    return "\n".join(f"[{r.key}] {r.plain()}" for r in used)
