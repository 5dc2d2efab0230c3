"""Risk layer: rules R1-R26, conditions, findings and :func:`check` (never a dose)."""

from kratomsim.risk.check import CheckResult as CheckResult
from kratomsim.risk.check import check as check
from kratomsim.risk.conditions import Condition as Condition
from kratomsim.risk.conditions import parse_conditions as parse_conditions
from kratomsim.risk.conditions import resolve_condition as resolve_condition
from kratomsim.risk.findings import Finding as Finding
from kratomsim.risk.findings import Quantity as Quantity
from kratomsim.risk.findings import sort_findings as sort_findings
from kratomsim.risk.rules import load_rules as load_rules
