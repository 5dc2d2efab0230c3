"""Risk layer: rules R1-R26, conditions, findings and :func:`check` (never a dose)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kratomsim.lazy import lazy_exports

# A submodule of the same name would shadow a lazily loaded function once imported, so this
# one is bound now (and kept light).
from kratomsim.risk.check import check as check

if TYPE_CHECKING:
    from kratomsim.risk.check import CheckResult as CheckResult
    from kratomsim.risk.conditions import Condition as Condition
    from kratomsim.risk.conditions import parse_conditions as parse_conditions
    from kratomsim.risk.conditions import resolve_condition as resolve_condition
    from kratomsim.risk.findings import Finding as Finding
    from kratomsim.risk.findings import Quantity as Quantity
    from kratomsim.risk.findings import sort_findings as sort_findings
    from kratomsim.risk.rules import load_rules as load_rules

#: Public name → the module that defines it; each loads on first use (PEP 562), so importing
#: one module of this package does not load the others.
_EXPORTS = {
    "CheckResult": "kratomsim.risk.check",
    "Condition": "kratomsim.risk.conditions",
    "Finding": "kratomsim.risk.findings",
    "Quantity": "kratomsim.risk.findings",
    "load_rules": "kratomsim.risk.rules",
    "parse_conditions": "kratomsim.risk.conditions",
    "resolve_condition": "kratomsim.risk.conditions",
    "sort_findings": "kratomsim.risk.findings",
}

__all__ = [
    "CheckResult",
    "Condition",
    "Finding",
    "Quantity",
    "check",
    "load_rules",
    "parse_conditions",
    "resolve_condition",
    "sort_findings",
]


__getattr__ = lazy_exports(__name__, _EXPORTS)
