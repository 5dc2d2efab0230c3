"""THE model: every state, flow, algebraic quantity, output and parameter, written once.

``model.toml`` in this package is the specification; :func:`load_spec` reads it (or a copy) into a
:class:`Spec`. Everything numerical in kratomsim — the fast kernels, the SciPy reference, the SBML
export, the ``kratomsim model`` listing — is generated from a :class:`Spec`, never written by hand.
Parsing the text is cheap; the algebra (:mod:`.symbolic`, SymPy) and the unit check (:mod:`.units`,
pint) run when a generator needs them and are cached on the spec's digest.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from kratomsim.spec.schema import (
    Constant,
    Dose,
    Equation,
    Flow,
    Input,
    Parameter,
    Spec,
    State,
    parse_spec,
)

__all__ = [
    "Constant",
    "Dose",
    "Equation",
    "Flow",
    "Input",
    "Parameter",
    "Spec",
    "State",
    "default_spec",
    "load_spec",
    "parse_spec",
]


def load_spec(path: str | Path) -> Spec:
    """Read and check a specification file (e.g. an edited copy of ``model.toml``)."""
    return parse_spec(Path(path).read_text(encoding="utf-8"))


@cache
def default_spec() -> Spec:
    """The specification shipped with kratomsim."""
    return parse_spec(files("kratomsim.spec").joinpath("model.toml").read_text(encoding="utf-8"))
