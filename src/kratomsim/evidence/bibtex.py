"""BibTeX for :class:`~kratomsim.evidence.schema.Reference` entries, written by pybtex.

The reference files write authors Vancouver-style, ``"Tanna RS, Nguyen JT, et al."``: surname
words, then initials. Each is turned into a pybtex :class:`~pybtex.database.Person`
(``Tanna, R. S.``); a name that is not of that form (an agency, a consortium) becomes one braced
corporate author, and ``et al.`` becomes BibTeX's ``others``. pybtex does the quoting and
escaping, so a title with ``&`` or ``%`` stays valid BibTeX.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pybtex.database import Entry, Person

    from kratomsim.evidence.schema import Reference

#: "Surname words" + initials (1-4 capitals) + an optional generational suffix.
_PERSON = re.compile(r"^(?P<last>.+?)\s+(?P<initials>[A-Z]{1,4})(?:\s+(?P<suffix>Jr|Sr|II|III))?$")
_ET_AL = re.compile(r"^et al\.?$", re.IGNORECASE)

#: Reference type -> BibTeX entry type and the field that holds the venue.
_KIND = {
    "article": ("article", "journal"),
    "misc": ("misc", "howpublished"),
    "thesis": ("mastersthesis", "school"),
}


def author_names(authors: str) -> list[str]:
    """The comma-separated names of an ``authors`` field, ``et al.`` kept as its own item."""
    return [part.strip() for part in authors.split(",") if part.strip()]


def first_author(authors: str) -> tuple[str, bool]:
    """The first author's surname (or a corporate author's whole name) and whether others follow.

    ``"Tanna RS, Nguyen JT, et al."`` → ``("Tanna", True)``;
    ``"US Food and Drug Administration (sponsor)"`` → ``("US Food and Drug Administration", False)``.
    """
    names = author_names(authors)
    if not names:
        return "", False
    match = _PERSON.match(names[0])
    first = match["last"] if match else re.sub(r"\s*\([^)]*\)$", "", names[0])
    return first, len(names) > 1


def person(name: str) -> Person:
    """One author as a pybtex person: a Vancouver-style name, a corporate name, or ``others``."""
    from pybtex.database import Person  # loads in a fifth of a second: only when BibTeX is made

    if _ET_AL.match(name):
        return Person("others")
    match = _PERSON.match(name)
    if match is None:
        return Person(last="{" + name + "}")
    initials = " ".join(f"{letter}." for letter in match["initials"])
    return Person(first=initials, last=match["last"], lineage=match["suffix"] or "")


def entry(ref: Reference) -> Entry:
    """The pybtex entry of one reference (empty fields left out)."""
    from pybtex.database import Entry

    kind, venue_field = _KIND[ref.type]
    volume, _, number = ref.volume.partition("(")
    fields = {
        "title": ref.title,
        venue_field: ref.journal,
        "year": str(ref.year),
        "volume": volume.strip(),
        "number": number.rstrip(")").strip(),
        "pages": ref.pages.replace("-", "--"),
        "doi": ref.doi,
        "pmid": ref.pmid,
        "url": ref.url,
        "note": ref.note,
    }
    persons = {"author": [person(name) for name in author_names(ref.authors)]}
    return Entry(kind, fields={k: v for k, v in fields.items() if v}, persons=persons)


def format_bibtex(refs: Iterable[Reference]) -> str:
    """``refs`` as one BibTeX document, in the given order."""
    from pybtex.database import BibliographyData

    data = BibliographyData(entries={ref.key: entry(ref) for ref in refs})
    return data.to_string("bibtex").rstrip("\n")
