"""Cited data: parameter files, their schema and loader, the bibliography of a run, provenance
checks, the population-level outcome studies a calibration fits, and the parameter objects the
engine takes (:mod:`.model_values`)."""

from kratomsim.evidence.bibliography import bibliography as bibliography
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
