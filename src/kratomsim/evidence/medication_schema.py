"""Value objects for the medication knowledge base (``data/medications.toml``).

One :class:`Medication` per drug: what it is (class, flags for pharmacodynamic combinations),
how it is cleared (CYP3A4 / CYP2D6 / P-gp roles, with cited fractions for oral CYP3A and CYP2D6
substrates) and what it does to others (CYP3A inhibitor or inducer strength). The risk layer reads
these fields; it never looks drugs up by name.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kratomsim.evidence.schema import CitedValue, Grade

#: Perpetrator strength by the FDA's clinical DDI categories (AUC ratio of a sensitive substrate:
#: weak 1.25-2, moderate 2-5, strong >= 5; inducers: weak 20-50 %, moderate 50-80 %, strong >= 80 %
#: fall in AUC).
Strength = Literal["none", "weak", "moderate", "strong"]
#: CredibleMeds-style QT categories.
QtRisk = Literal["none", "possible", "conditional", "known"]
#: Liver-injury likelihood (LiverTox-style A-E collapsed to four levels).
Hepatotoxicity = Literal["none", "low", "moderate", "high"]


class Medication(BaseModel):
    """A co-used drug with its interaction-relevant properties and sources."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    #: Brand names, other names and common misspellings; all resolve to this entry.
    aliases: tuple[str, ...] = ()
    #: Main class, e.g. "benzodiazepine", "ssri", "opioid-full-agonist".
    drug_class: str
    #: Further classes used by the rules, e.g. ("opioid", "serotonergic-opioid").
    tags: tuple[str, ...] = ()
    route: Literal["oral", "iv", "transdermal", "sublingual", "inhaled", "various"] = "oral"

    # Pharmacodynamic flags
    cns_depressant: bool = False
    respiratory_depressant: bool = False
    opioid_agonist: bool = False
    serotonergic: bool = False
    maoi: bool = False
    stimulant: bool = False
    lowers_seizure_threshold: bool = False
    qt_risk: QtRisk = "none"
    hepatotoxicity: Hepatotoxicity = "none"
    narrow_therapeutic_index: bool = False

    # Pharmacokinetics: as a victim of kratom
    cyp3a4_substrate: bool = False
    #: Fraction of the oral dose's clearance by CYP3A (fm), intestinal availability (Fg) and
    #: hepatic availability (Fh); required for a quantitative prediction, else only flagged.
    fm_cyp3a4: CitedValue | None = None
    fg: CitedValue | None = None
    fh: CitedValue | None = None
    cyp2d6_substrate: bool = False
    fm_cyp2d6: CitedValue | None = None
    pgp_substrate: bool = False

    # Pharmacokinetics: as a perpetrator on kratom
    cyp3a4_inhibitor: Strength = "none"
    cyp3a4_inducer: Strength = "none"
    cyp2d6_inhibitor: Strength = "none"
    pgp_inhibitor: bool = False

    #: Citation keys (references*.toml) behind the entry's flags and classes.
    sources: tuple[str, ...] = Field(min_length=1)
    grade: Grade
    note: str = ""

    @model_validator(mode="after")
    def _fractions_need_role(self) -> Medication:
        if self.fm_cyp3a4 is not None and not self.cyp3a4_substrate:
            raise ValueError(f"{self.id}: fm_cyp3a4 given but cyp3a4_substrate is false")
        if self.fm_cyp2d6 is not None and not self.cyp2d6_substrate:
            raise ValueError(f"{self.id}: fm_cyp2d6 given but cyp2d6_substrate is false")
        for field in ("fm_cyp3a4", "fg", "fh", "fm_cyp2d6"):
            cited = getattr(self, field)
            if cited is not None and not (0.0 <= cited.low <= cited.high <= 1.0):
                raise ValueError(f"{self.id}: {field} must lie within 0-1")
        return self
