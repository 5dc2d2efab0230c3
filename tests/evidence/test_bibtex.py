"""Short citations: the first author as people cite them."""

from __future__ import annotations

import pytest

from kratomsim.evidence.bibtex import first_author


@pytest.mark.parametrize(
    ("authors", "expected"),
    [
        ("Tanna RS, Nguyen JT, et al.", ("Tanna", True)),
        ("Kruegel AC", ("Kruegel", False)),
        ("van der Graaf PH, Smith D", ("van der Graaf", True)),
        ("US Food and Drug Administration (sponsor)", ("US Food and Drug Administration", False)),
        (
            "US Food and Drug Administration, Center for Drug Evaluation and Research",
            ("US Food and Drug Administration", True),
        ),
    ],
)
def test_first_author_is_a_surname_or_a_whole_corporate_name(
    authors: str, expected: tuple[str, bool]
) -> None:
    assert first_author(authors) == expected
