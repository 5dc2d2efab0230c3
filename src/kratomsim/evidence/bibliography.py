"""The bibliography of exactly the parameters a run used."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from kratomsim.evidence.bibtex import format_bibtex

if TYPE_CHECKING:
    from kratomsim.evidence.schema import CitedValue, Reference


def references_for(values: Iterable[CitedValue]) -> list[Reference]:
    """Distinct references cited by ``values``, in order of first use."""
    # Loaded here: ``kratomsim.evidence`` binds this module's function when it is imported.
    from kratomsim.evidence.loader import load_references

    refs = load_references()
    keys = list(dict.fromkeys(v.source for v in values if v.source in refs))
    return [refs[k] for k in keys]


def bibliography(values: Iterable[CitedValue], style: Literal["plain", "bibtex"] = "plain") -> str:
    """Format the bibliography of ``values`` as plain text or BibTeX (written by pybtex)."""
    used = references_for(values)
    if style == "bibtex":
        return format_bibtex(used)
    return "\n".join(f"[{r.key}] {r.plain()}" for r in used)
