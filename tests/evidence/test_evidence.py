"""Every number is cited, graded and ranged; products resolve; the bibliography covers a run."""

from __future__ import annotations

import pytest
from pybtex.database import parse_string

from kratomsim.errors import ProductError
from kratomsim.evidence import (
    bibliography,
    load_parameters,
    load_products,
    load_references,
    resolve_product,
)
from kratomsim.evidence.schema import GRADE_MEANING


def all_values():
    yield from load_parameters().values()
    for p in load_products():
        yield p.mg_per_g
        yield p.oh7_mg_per_g


@pytest.mark.parametrize("value", list(all_values()), ids=lambda v: v.name)
def test_every_value_has_provenance(value) -> None:
    assert value.source in load_references()
    assert value.grade in GRADE_MEANING
    assert value.locator.strip()
    assert value.unit.strip()
    assert value.low <= value.value <= value.high
    if value.kind == "assumption":
        assert "ASSUMPTION" in value.note


def test_products_match_reference_content() -> None:
    # pk.md §2.1, §2.2, §2.9 (copied into products.toml)
    assert resolve_product("leaf-powder").mg_per_g.value == pytest.approx(13.3)
    assert resolve_product("tea").mg_per_g.value == pytest.approx(19.5)
    conc = resolve_product("7oh-concentrate")
    assert (conc.oh7_mg_per_g.low, conc.oh7_mg_per_g.high) == (22.0, 75.0)
    assert (conc.mg_per_g.low, conc.mg_per_g.high) == (2.0, 6.0)
    assert resolve_product("extract").mg_per_g.high == pytest.approx(270.0)


def test_absorption_tea_faster_than_capsules() -> None:
    params = load_parameters()
    assert params["ka_tea"].value > params["ka_capsule"].value
    assert resolve_product("tea").absorption == "tea"
    assert resolve_product("capsules").absorption == "capsule"


@pytest.mark.parametrize("alias", ["Leaf Powder", "capsules", "TEA", "7-OH", "extract"])
def test_aliases_resolve(alias: str) -> None:
    assert resolve_product(alias).id in {p.id for p in load_products()}


def test_typo_gets_a_suggestion_never_a_guess() -> None:
    with pytest.raises(ProductError, match=r"'tee'.*Did you mean 'tea'"):
        resolve_product("tee")
    with pytest.raises(ProductError, match="leaf-powder"):
        resolve_product("opium")


def test_bibliography_lists_only_used_sources() -> None:
    params = load_parameters()
    text = bibliography([params["clu_h"], params["ka_7oh"]], style="bibtex")
    assert "@article{tanna2022," in text
    assert "@article{maxwell2021," in text
    assert "huestis2024" not in text
    plain = bibliography([params["ka_capsule"]])
    assert plain.startswith("[huestis2024] Huestis MA")
    assert "doi:10.3390/molecules29050984" in plain


def test_bibtex_splits_issue_from_volume() -> None:
    text = bibliography([load_parameters()["clu_h"]], style="bibtex")
    fields = parse_string(text, "bibtex").entries["tanna2022"].fields
    assert (fields["volume"], fields["number"]) == ("14", "3")
    assert ".." not in bibliography([load_parameters()["f_7oh"]])


def test_every_uncertain_value_declares_its_distribution() -> None:
    from kratomsim.evidence.loader import PARAMETER_FILES

    files = (
        *PARAMETER_FILES,
        "receptors.toml",
        "adaptation.toml",
        "outcomes.toml",
        "side_effects.toml",
    )
    values = [v for f in files for v in load_parameters((f,)).values()]
    values += [c for p in load_products() for c in (p.mg_per_g, p.oh7_mg_per_g)]
    undeclared = [v.name for v in values if v.distribution is None]
    assert not undeclared
    for v in values:
        if v.distribution == "log-uniform":
            assert v.low > 0, v.name
