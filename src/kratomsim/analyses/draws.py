"""How many parameter draws the outcome intervals use unless asked otherwise.

Kept apart from the analyses themselves (no numerical imports) so that the command line and the
web app can show the defaults in their help without loading the engine; both use these numbers,
so they give the same intervals for the same question.
"""

from typing import Final

#: Parameter draws behind the intervals of :func:`kratomsim.analyses.outcomes.simulate_outcomes`.
DEFAULT_DRAWS: Final = 200
#: Parameter draws per plan of :func:`kratomsim.analyses.taper.compare_tapers`.
TAPER_DRAWS: Final = 100
