"""The sentence every output ends with: kratomsim simulates; it never prescribes.

A module of its own so that command modules can show it without loading the report machinery.
"""

DISCLAIMER = (
    "kratomsim simulates; it does not prescribe. These are model estimates with uncertainty, "
    "not a recommendation of any amount. Discuss use, stopping or tapering with a clinician."
)
