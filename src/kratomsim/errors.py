"""One exception root for the project.

Every message follows one template: what was wrong, the value given, and how to fix it.
Interfaces catch :class:`KratomsimError` and show its message without a traceback.
"""

from __future__ import annotations


class KratomsimError(Exception):
    """Root of every error kratomsim raises on purpose."""


class RegimenError(KratomsimError, ValueError):
    """A dosing regimen (text, file or API) could not be understood or is out of range."""


class AmbiguousRegimen(RegimenError):
    """Regimen text that could mean two things: the message asks which, naming the choices.

    ``choices`` holds texts that would each parse without the question (for a form to offer).
    """

    def __init__(self, message: str, choices: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.choices = choices


class ProductError(KratomsimError, ValueError):
    """An unknown product or an impossible alkaloid content."""


class ScenarioError(KratomsimError, ValueError):
    """A scenario file is malformed or contradicts itself."""


class EvidenceError(KratomsimError):
    """A parameter file is missing a field, a citation or a valid grade."""


class SpecError(KratomsimError, ValueError):
    """The model specification (spec/model.toml or a copy) is malformed or inconsistent."""


class ModelSpecError(KratomsimError, ValueError):
    """Model parameters that make no physical sense (negative rates, fractions above one)."""


class MedicationError(KratomsimError, ValueError):
    """An unknown medication name or an empty or contradictory medication list."""


class ConditionError(KratomsimError, ValueError):
    """An unknown pre-existing condition, or conditions that contradict each other."""


class PopulationError(KratomsimError, ValueError):
    """A virtual-population setting that cannot work (Ω, covariates, N, executor, scheduler)."""


class InteropError(KratomsimError, ValueError):
    """A malformed exchange file (NONMEM-style events, SBML)."""


class JournalError(KratomsimError, ValueError):
    """A journal entry or journal file that cannot be accepted; the journal is left unchanged."""


class ArgumentError(KratomsimError, ValueError):
    """A keyword argument of the Python API with a value it cannot take (named in the message)."""


def bad_value(what: str, value: object, fix: str) -> str:
    """Format the project's one error-message template."""
    return f"{what}: got {value!r}. {fix}"
