"""The specification file: what it must hold, and the clear errors for what it must not."""

from __future__ import annotations

from importlib.resources import files

import pytest

from kratomsim.errors import SpecError
from kratomsim.spec import default_spec, parse_spec
from kratomsim.spec.symbolic import build
from kratomsim.spec.units import check_units

TEXT = files("kratomsim.spec").joinpath("model.toml").read_text(encoding="utf-8")


def _edited(old: str, new: str) -> str:
    assert old in TEXT, old
    return TEXT.replace(old, new, 1)


def test_the_shipped_spec_parses_and_its_units_hold() -> None:
    spec = default_spec()
    check_units(spec, build(spec))
    names = [*(s.name for s in spec.states), *(p.name for p in spec.parameters)]
    assert len(names) == len(set(names))
    assert {s.solver for s in spec.states} == {"exact", "collocated", "sink"}
    # the enzyme states are part of the whole model, with the inactivation constants as parameters
    assert {"d_gut", "d_hep"} <= {s.name for s in spec.states_by("collocated")}
    assert {"kinact_cyp3a_gut", "ki_tdi_cyp3a_hep", "kdeg_cyp3a_hep"} <= set(spec.numeric_names)


def test_the_digest_follows_the_text() -> None:
    assert parse_spec(TEXT).digest == default_spec().digest
    assert parse_spec(TEXT + "\n# a comment\n").digest != default_spec().digest


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('rate = "ke0_mg * (c_mg - ce_mg)"', 'rate = "ke0_mg * (c_mgx - ce_mg)"', "c_mgx"),
        ('rate = "ke0_mg * (c_mg - ce_mg)"', 'rate = "ke0_mg * (c_mg - ce_mg"', "cannot read"),
        ('rate = "ke0_mg * (c_mg - ce_mg)"', 'rate = "sin(c_mg)"', "not allowed"),
        ('name = "v1"\nunit = "L"', 'name = "v1"\nunit = "blorp"', "blorp"),
        (
            'solver = "exact"\ndescription = "Mitragynine in the gut',
            'solver = "fast"\ndescription = "Mitragynine in the gut',
            "solver",
        ),
        ('name = "q_h"\nunit = "L/h"', 'name = "q_ent"\nunit = "L/h"', "used twice"),
        ("[model]\nname", "[modle]\nx = 1\n[model]\nname", "unknown section"),
        ('switch = true\nunit = "1"', 'switch = true\nunit = "1"\nextra = 2', "unknown field"),
    ],
)
def test_malformed_specs_are_refused_with_the_place_named(old: str, new: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        spec = parse_spec(_edited(old, new))
        check_units(spec, build(spec))


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        # a rate that is not per hour: the effect site would move in nM, not nM/h
        ('rate = "ke0_mg * (c_mg - ce_mg)"', 'rate = "(c_mg - ce_mg)"', "rate of ce_mg"),
        # adding an amount to a concentration
        ('equation = "mg_central / v1"', 'equation = "mg_central / v1 + mg_central"', "c_mg"),
        # an output whose dimension differs from its declared unit
        (
            'equation = "cpt_baseline_s * (1 + cpt_gain * effective_drive)"',
            'equation = "cpt_gain * effective_drive"',
            "cold_pressor_s",
        ),
        # a dimensioned exponent
        (
            "(wd_gain * withdrawal_deficit)**wd_steepness",
            "(wd_gain * withdrawal_deficit)**v1",
            "exponent",
        ),
    ],
)
def test_the_unit_check_finds_dimension_errors(old: str, new: str, where: str) -> None:
    spec = parse_spec(_edited(old, new))
    with pytest.raises(SpecError, match=where):
        check_units(spec, build(spec))


def test_structural_mistakes_are_refused() -> None:
    flow = '[[flow]]\nfrom = "gut_mg"\nto = "mg_central"\nrate = "ka * fa_mg * fg * fh * gut_mg"'
    with pytest.raises(SpecError, match="different units"):
        parse_spec(_edited(flow, flow.replace('to = "mg_central"', 'to = "ce_mg"')))
    with pytest.raises(SpecError, match="Sink"):
        parse_spec(TEXT + '\n[[flow]]\nfrom = "mg_eliminated"\nto = "mg_central"\nrate = "0"\n')
    with pytest.raises(SpecError, match="both a rate and flows"):
        parse_spec(
            _edited(
                'solver = "exact"\ndescription = "Mitragynine in slowly',
                'solver = "exact"\nrate = "0"\ndescription = "Mitragynine in slowly',
            )
        )
    with pytest.raises(SpecError, match="switch must default"):
        parse_spec(_edited("default = 0.0\nswitch = true", "default = 0.5\nswitch = true"))
