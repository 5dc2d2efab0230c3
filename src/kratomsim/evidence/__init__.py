"""Cited data: parameter files, their schema and loader, the bibliography of a run, provenance
checks, the population-level outcome studies a calibration fits, and the parameter objects the
engine takes (:mod:`.model_values`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

# A submodule of the same name would shadow a lazily loaded function once imported, so this
# one is bound now (and kept light).
from kratomsim.evidence.bibliography import bibliography as bibliography
from kratomsim.lazy import lazy_exports

if TYPE_CHECKING:
    from kratomsim.evidence.claims import CLAIM_GRADES as CLAIM_GRADES
    from kratomsim.evidence.claims import Claim as Claim
    from kratomsim.evidence.claims import ClaimGrade as ClaimGrade
    from kratomsim.evidence.claims import claim_bibliography as claim_bibliography
    from kratomsim.evidence.claims import claims_by_grade as claims_by_grade
    from kratomsim.evidence.claims import load_claims as load_claims
    from kratomsim.evidence.claims import unsupported_claims as unsupported_claims
    from kratomsim.evidence.loader import ParameterSet as ParameterSet
    from kratomsim.evidence.loader import default_product as default_product
    from kratomsim.evidence.loader import load_parameters as load_parameters
    from kratomsim.evidence.loader import load_products as load_products
    from kratomsim.evidence.loader import load_references as load_references
    from kratomsim.evidence.loader import resolve_product as resolve_product
    from kratomsim.evidence.medication_names import parse_medication_list as parse_medication_list
    from kratomsim.evidence.medication_names import resolve_medication as resolve_medication
    from kratomsim.evidence.medication_schema import Medication as Medication
    from kratomsim.evidence.medications import load_medications as load_medications
    from kratomsim.evidence.medications import medication_tags as medication_tags
    from kratomsim.evidence.medications import medications_by_tag as medications_by_tag
    from kratomsim.evidence.params import ModelInputs as ModelInputs
    from kratomsim.evidence.params import cited_inputs as cited_inputs
    from kratomsim.evidence.params import model_inputs as model_inputs
    from kratomsim.evidence.schema import CitedValue as CitedValue
    from kratomsim.evidence.schema import Product as Product
    from kratomsim.evidence.schema import Reference as Reference
    from kratomsim.evidence.studies import Study as Study
    from kratomsim.evidence.studies import load_studies as load_studies
    from kratomsim.evidence.studies import usable_observations as usable_observations

#: Public name → the module that defines it; each loads on first use (PEP 562), so importing
#: one module of this package does not load the others.
_EXPORTS = {
    "CLAIM_GRADES": "kratomsim.evidence.claims",
    "CitedValue": "kratomsim.evidence.schema",
    "Claim": "kratomsim.evidence.claims",
    "ClaimGrade": "kratomsim.evidence.claims",
    "Medication": "kratomsim.evidence.medication_schema",
    "ModelInputs": "kratomsim.evidence.params",
    "ParameterSet": "kratomsim.evidence.loader",
    "Product": "kratomsim.evidence.schema",
    "Reference": "kratomsim.evidence.schema",
    "Study": "kratomsim.evidence.studies",
    "cited_inputs": "kratomsim.evidence.params",
    "claim_bibliography": "kratomsim.evidence.claims",
    "claims_by_grade": "kratomsim.evidence.claims",
    "default_product": "kratomsim.evidence.loader",
    "load_claims": "kratomsim.evidence.claims",
    "load_medications": "kratomsim.evidence.medications",
    "load_parameters": "kratomsim.evidence.loader",
    "load_products": "kratomsim.evidence.loader",
    "load_references": "kratomsim.evidence.loader",
    "load_studies": "kratomsim.evidence.studies",
    "medication_tags": "kratomsim.evidence.medications",
    "medications_by_tag": "kratomsim.evidence.medications",
    "model_inputs": "kratomsim.evidence.params",
    "parse_medication_list": "kratomsim.evidence.medication_names",
    "resolve_medication": "kratomsim.evidence.medication_names",
    "resolve_product": "kratomsim.evidence.loader",
    "unsupported_claims": "kratomsim.evidence.claims",
    "usable_observations": "kratomsim.evidence.studies",
}

__all__ = [
    "CLAIM_GRADES",
    "CitedValue",
    "Claim",
    "ClaimGrade",
    "Medication",
    "ModelInputs",
    "ParameterSet",
    "Product",
    "Reference",
    "Study",
    "bibliography",
    "cited_inputs",
    "claim_bibliography",
    "claims_by_grade",
    "default_product",
    "load_claims",
    "load_medications",
    "load_parameters",
    "load_products",
    "load_references",
    "load_studies",
    "medication_tags",
    "medications_by_tag",
    "model_inputs",
    "parse_medication_list",
    "resolve_medication",
    "resolve_product",
    "unsupported_claims",
    "usable_observations",
]


__getattr__ = lazy_exports(__name__, _EXPORTS)
