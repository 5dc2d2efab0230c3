"""Provenance checks: complete references, locators into primary sources, no dangling keys.

Three rules hold for every cited data file in ``evidence/data`` (the test suite runs
:func:`audit` over all of them):

1. **A reference is complete.** Authors, title, venue (``journal``: a journal, publisher, agency or
   registry) and a plausible year, none of them a placeholder such as "(not captured)"; and a way
   to find the work: a DOI that is syntactically a DOI, a PubMed ID, or an http(s) URL. Authors
   are written Vancouver-style; a list may end in "et al." after at least one named author, and a
   work with no named person (a regulator's guidance, a database) names the organisation as
   its author. The only entries without a DOI, PMID or URL are the :data:`NON_PUBLICATIONS`:
   the project's own labelled assumptions and values a user types in.
2. **A locator points into the primary source** (a table, figure, page, section or the abstract),
   never into this project's notes (``pk.md §4.2``, ``safety.md section 1``) or its own data
   files (``products.toml``). A value derived here says what it is derived from in the source.
3. **Every ``source`` or ``sources`` key names a reference entry.**

A field that could not be found after a real search is written as :data:`NOT_FOUND` followed by
what is known; it passes only for the keys and fields of :data:`UNFINDABLE`, each with its reason,
and a test keeps that list from going stale (an entry whose gap is filled must leave the list).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from kratomsim.evidence.bibtex import author_names
from kratomsim.evidence.schema import Reference

#: Source keys that are not publications, so carry no DOI, PMID or URL. Each is documented here.
NON_PUBLICATIONS: dict[str, str] = {
    "kratomsim_assumption": "a modelling assumption of this project, labelled ASSUMPTION where used",
    "user_input": "a value the user supplied (product label, laboratory assay)",
}

#: The marker that opens a field which was searched for and not found.
NOT_FOUND = "[not found after search]"

#: The documented gaps: reference key -> {field: why it is missing}. ``link`` stands for
#: "DOI, PMID or URL". Searched (PubMed, PMC, publisher pages, reference lists) and not found.
UNFINDABLE: dict[str, dict[str, str]] = {
    "uplc2022content": {
        "authors": "the PMC abstract copy read (PMC9343938) shows neither authors nor journal",
        "journal": "as for the authors",
    },
    "rybarczyk2019": {"link": "a master's thesis with no DOI or repository record found"},
    "ajp2019review": {"authors": "the PubMed copy read (31100603) did not show the author list"},
    "hemby2022": {"title": "a meeting abstract known only by its DOI and findings"},
    "mossadeq2009": {"title": "two searches found neither the paper nor a record of it"},
    "fakurazi2013": {"title": "two searches found neither the paper nor a record of it"},
    "singh2020": {"title": "the only record found (WPRIM) shows authors and abstract, no title"},
    "leongabdullah2021": {"title": "the record found (MyMedR) cut the title off"},
    "jethnopharmacol2011": {
        "authors": "read only through a Thai-language summary that names no authors",
        "title": "as for the authors",
    },
    "navarro2019": {"title": "a meeting abstract read only as quoted on clintox.org"},
    "kong2011": {"title": "the PMC copy found (PMC6264431) showed the abstract without its title"},
    "manda2017": {
        "title": "only the abstract was read; no record with title or DOI was found",
        "link": "as for the title",
    },
    "nelsen2010": {"title": "known only by its DOI and findings; no record found"},
    "handelsman1987": {"link": "the DOI was cut off in the reference list read (Rogers 2024)"},
    "fahmi2009": {
        "title": "cited second-hand (Guengerich 2022, Fig. 17); the paper itself was not found",
        "link": "as for the title",
    },
    "med_storelli2019": {"title": "Table 4 was read without the article's title page"},
    "brogdon2022": {
        "title": "the title was cut off in the reference list read (Tanna 2023, DMD)",
        "link": "read through a lay summary only; no DOI or PubMed record found",
    },
    "brooks2022": {"title": "only a fragment of the abstract was read"},
    "epilepsybehav2021": {"authors": "the abstract record read names the department only"},
    "mcintyre2015": {"authors": "the abstract read showed no author list"},
    "acg2023s3058": {"authors": "a meeting abstract read without its author list"},
    "pch2019neonatal": {"authors": "the PubMed copy read (30792593) did not show the author list"},
    "smith2024dad": {"title": "no page with the title was found; DOI and findings are known"},
}

_PLACEHOLDER = re.compile(
    r"not captured|not found|not given|not shown|\btbd\b|\btodo\b|\?\?|^\W*$",
    re.IGNORECASE,
)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_PMID = re.compile(r"^[1-9]\d{0,8}$")
_URL = re.compile(r"^https?://\S+$")
_ET_AL = re.compile(r"^et al\.?$", re.IGNORECASE)

#: A locator that points into the project's notes or its own files instead of the source.
PROJECT_NOTES = re.compile(
    r"\b(?:pk|pd|safety|anchors)\.md\b"
    r"|§"
    r"|shared/reference"
    r"|\b[\w-]+\.toml\b"
    r"|DERIVED_unit_conversions",
    re.IGNORECASE,
)

#: Years a cited work can carry (the bibliography starts with Black & Leff 1983).
FIRST_YEAR, LAST_YEAR = 1900, 2030


def reference_problems(ref: Reference) -> list[str]:
    """What makes ``ref`` incomplete; an empty list when it is complete."""
    problems: list[str] = []
    gaps = UNFINDABLE.get(ref.key, {})
    for field in ("authors", "title", "journal"):
        text = getattr(ref, field)
        if text.startswith(NOT_FOUND) and field in gaps:
            continue
        if not text.strip() or NOT_FOUND in text or _PLACEHOLDER.search(text):
            problems.append(f"{field} is missing or a placeholder: {text!r}")
    names = author_names(ref.authors)
    if names and all(_ET_AL.match(n) for n in names):
        problems.append("authors name nobody (only 'et al.')")
    if not FIRST_YEAR <= ref.year <= LAST_YEAR:
        problems.append(f"year {ref.year} is implausible")
    if ref.doi and not _DOI.match(ref.doi):
        problems.append(f"doi {ref.doi!r} is not a DOI (10.<registrant>/<suffix>)")
    if ref.pmid and not _PMID.match(ref.pmid):
        problems.append(f"pmid {ref.pmid!r} is not a PubMed ID")
    if ref.url and not _URL.match(ref.url):
        problems.append(f"url {ref.url!r} is not an http(s) URL")
    if (
        not (ref.doi or ref.pmid or ref.url)
        and ref.key not in NON_PUBLICATIONS
        and "link" not in gaps
    ):
        problems.append("no DOI, PMID or URL to find the work")
    return problems


def stale_gaps(references: Mapping[str, Reference]) -> list[str]:
    """:data:`UNFINDABLE` entries that are no longer gaps (or name no reference): remove them."""
    stale: list[str] = []
    for key, gaps in UNFINDABLE.items():
        ref = references.get(key)
        if ref is None:
            stale.append(f"{key}: no such reference")
            continue
        for field in gaps:
            if field == "link":
                missing = not (ref.doi or ref.pmid or ref.url)
            else:
                missing = getattr(ref, field).startswith(NOT_FOUND)
            if not missing:
                stale.append(f"{key}.{field}: filled in, remove it from UNFINDABLE")
    return stale


def locator_problems(locator: str) -> list[str]:
    """What makes ``locator`` point somewhere other than the primary source."""
    problems: list[str] = []
    if not locator.strip():
        problems.append("locator is empty")
    for match in PROJECT_NOTES.finditer(locator):
        problems.append(f"points into project notes or data files: {match.group(0)!r}")
    return problems


@dataclass(frozen=True)
class Citation:
    """One place in a data file that cites: a ``source`` and/or a ``locator``, or a ``sources`` list."""

    file: str
    where: str
    key: str | None
    locator: str | None


def citations(name: str, data: Mapping[str, Any]) -> Iterator[Citation]:
    """Every citation in the parsed TOML ``data`` of file ``name``, nested tables included."""

    def walk(node: Any, where: str) -> Iterator[Citation]:
        if isinstance(node, Mapping):
            key, locator = node.get("source"), node.get("locator")
            if isinstance(key, str) or isinstance(locator, str):
                yield Citation(
                    name,
                    where,
                    key if isinstance(key, str) else None,
                    locator if isinstance(locator, str) else None,
                )
            for key in node.get("sources", ()) if isinstance(node.get("sources"), list) else ():
                yield Citation(name, where, key, None)
            for child, value in node.items():
                yield from walk(value, f"{where}.{child}" if where else child)
        elif isinstance(node, list):
            for i, item in enumerate(node):
                yield from walk(item, f"{where}[{i}]")

    yield from walk(data, "")


def data_files() -> dict[str, dict[str, Any]]:
    """Every shipped TOML data file that is not a bibliography, parsed, by file name."""
    folder = resources.files("kratomsim.evidence").joinpath("data")
    return {
        entry.name: tomllib.loads(entry.read_text("utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml") and not entry.name.startswith("references")
    }


def audit(references: Mapping[str, Reference], files: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Every provenance problem in ``references`` and the cited data ``files``, one line each."""
    problems = [
        f"reference {key}: {problem}"
        for key, ref in references.items()
        for problem in reference_problems(ref)
    ]
    for name, data in files.items():
        for cite in citations(name, data):
            if cite.key is not None and cite.key not in references:
                problems.append(f"{cite.file} {cite.where}: unknown source {cite.key!r}")
            if cite.locator is not None:
                problems.extend(
                    f"{cite.file} {cite.where}: locator {p}" for p in locator_problems(cite.locator)
                )
    return problems
