"""The bibliography of exactly the parameters a run used, and the short names citations show."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
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


def _first_name(ref: Reference, key: str) -> str:
    """The name a short citation starts with: the first author's surname, an agency's venue,
    or (with no usable author) the journal or the title's first word."""
    first = ref.authors.split(",")[0].split(" ")[0].strip("()") if ref.authors else ""
    if ref.type == "misc" and ref.journal:  # an agency or a database: its venue says more
        return ref.journal.split("(")[0].strip()[:40]
    if first and not first.startswith("[") and first.lower() not in ("authors", "title"):
        return first
    # "[not found after search]" marks an author list the sources did not give
    if ref.journal and not ref.journal.startswith("["):
        return ref.journal.split("(")[0].strip()[:40]
    words = ref.title.split()
    return words[0] if words and not ref.title.startswith("[") else key


@cache
def short_names() -> dict[str, str]:
    """Every reference's short name, "Name year"; names two references share get a, b, …
    (in key order), so two papers never read as one ("Tanna 2023a; Tanna 2023b")."""
    from kratomsim.evidence.loader import load_references

    shorts: dict[str, str] = {}
    for key, ref in load_references().items():
        first = _first_name(ref, key)
        shorts[key] = first if str(ref.year) in first else f"{first} {ref.year}"
    groups: dict[str, list[str]] = {}
    for key in sorted(shorts):
        groups.setdefault(shorts[key], []).append(key)
    for short, keys in groups.items():
        if len(keys) > 1:
            for k, key in enumerate(keys):
                shorts[key] = f"{short}{chr(ord('a') + k)}"
    return shorts
