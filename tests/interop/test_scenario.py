"""Scenario files: YAML and TOML text, dose records, and readable errors for every mistake."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kratomsim.errors import ScenarioError
from kratomsim.interop.scenario import Scenario, load_scenario_text, parse_duration_h
from kratomsim.models.dosing import DoseRecord
from kratomsim.models.regimen_text import parse_regimen

FULL_YAML = """\
name: loading phase
regimen: 2 g every 8 h for 14 days
product: tea
mg_per_g: 15
7oh_mg_per_g: 0.2
duration: 21 d
missed: [5]
late: {9: 2 h, 4: -30 min}
"""

FULL_TOML = """\
name = "loading phase"
regimen = "2 g every 8 h for 14 days"
product = "tea"
mg_per_g = 15
7oh_mg_per_g = 0.2
duration = "21 d"
missed = [5]

[late]
9 = "2 h"
4 = "-30 min"
"""


@pytest.mark.parametrize(("text", "fmt"), [(FULL_YAML, "yaml"), (FULL_TOML, "toml")])
def test_full_scenario(text: str, fmt: str) -> None:
    scenario = load_scenario_text(text, fmt=fmt)  # type: ignore[arg-type]
    assert scenario.name == "loading phase"
    assert scenario.product == "tea"
    assert scenario.mg_per_g == 15.0
    assert scenario.oh7_mg_per_g == 0.2
    assert scenario.duration_h == 504.0
    assert scenario.missed == [5]
    assert scenario.late == {9: "2 h", 4: "-30 min"}
    regimen = scenario.to_regimen()
    assert regimen.records == parse_regimen("2 g every 8 h for 14 days").records
    assert regimen.missed == frozenset({5})
    assert regimen.late_h == ((4, -0.5), (9, 2.0))
    times = regimen.expand().times_h.tolist()
    assert len(times) == 41
    assert times[:8] == [0.0, 8.0, 16.0, 23.5, 40.0, 48.0, 56.0, 66.0]


def test_defaults() -> None:
    scenario = load_scenario_text("regimen: 2 g once", fmt="yaml")
    assert scenario.product == "leaf-powder"
    assert scenario.mg_per_g is None and scenario.oh7_mg_per_g is None
    assert scenario.duration is None and scenario.duration_h is None
    assert scenario.missed == [] and scenario.late == {}
    assert scenario.to_regimen().expand().times_h.tolist() == [0.0]


def test_regimen_text_modifiers_pass_through() -> None:
    scenario = load_scenario_text("regimen: 2 g every 8 h for 2 days; miss dose 2", fmt="yaml")
    assert scenario.to_regimen().expand().times_h.tolist() == [0.0, 16.0, 24.0, 32.0, 40.0]


def test_dose_records_yaml() -> None:
    text = """\
doses:
  - {time: 0 h, amount: 2 g, ii: 8 h, addl: 2}
  - {time_h: 48, amount: 500 mg}
  - {time: 3 d, amount: 1 g, ii: 12 h, addl: null}
"""
    regimen = load_scenario_text(text, fmt="yaml").to_regimen()
    assert regimen.records == (
        DoseRecord(0.0, 2.0, 8.0, 2),
        DoseRecord(48.0, 0.5, 0.0, 0),
        DoseRecord(72.0, 1.0, 12.0, None),
    )
    events = regimen.expand(96.0)
    assert events.times_h.tolist() == [0.0, 8.0, 16.0, 48.0, 72.0, 84.0, 96.0]
    assert events.amounts_g.tolist() == [2.0, 2.0, 2.0, 0.5, 1.0, 1.0, 1.0]


def test_dose_records_toml_with_missed() -> None:
    text = """\
missed = [2]

[[doses]]
time = "0 h"
amount = "2 g"
ii = "12 h"
addl = 3
"""
    regimen = load_scenario_text(text, fmt="toml").to_regimen()
    assert regimen.expand().times_h.tolist() == [0.0, 24.0, 36.0]


def test_alias_and_field_name_both_work_in_python() -> None:
    assert Scenario(regimen="2 g once", oh7_mg_per_g=0.3).oh7_mg_per_g == 0.3
    assert Scenario.model_validate({"regimen": "2 g", "7oh_mg_per_g": 0.3}).oh7_mg_per_g == 0.3


def test_scenario_is_frozen() -> None:
    scenario = Scenario(regimen="2 g once")
    with pytest.raises(ValueError, match="frozen"):
        scenario.product = "tea"  # type: ignore[misc]


def test_direct_construction_raises_scenario_error() -> None:
    with pytest.raises(ScenarioError, match="contradict"):
        Scenario(regimen="2 g once", doses=[{"time": "0 h", "amount": "2 g"}])


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10 d", 240.0), ("72 h", 72.0), ("2 weeks", 336.0), ("90 min", 1.5), ("1 day", 24.0)],
)
def test_parse_duration_h(text: str, expected: float) -> None:
    assert parse_duration_h(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("10 parsecs", "'parsecs'"),
        ("abc", "'abc'"),
        ("0 h", "'0 h'"),
        ("-3 d", "'-3 d'"),
        ("11 years", "'11 years'"),
        ("", "''"),
    ],
)
def test_parse_duration_h_errors(text: str, token: str) -> None:
    with pytest.raises(ScenarioError, match="duration") as info:
        parse_duration_h(text)
    assert token in str(info.value)


# --- errors ---------------------------------------------------------------------------------------

ERRORS = [
    # (fmt, text, pieces every message must contain)
    ("yaml", "regimen: [unclosed", ["not valid YAML", "line 1"]),
    ("yaml", "regimen: 2 g\n  bad: indent", ["not valid YAML"]),
    ("yaml", "a: 2024-13-45", ["not valid YAML", "month"]),
    ("toml", "regimen = ", ["not valid TOML"]),
    ("toml", "regimen = 2 g once", ["not valid TOML"]),
    ("yaml", "", ["empty"]),
    ("yaml", "- a\n- b", ["mapping", "['a', 'b']"]),
    ("yaml", "1: 2", ["field names must be text", "1"]),
    (
        "yaml",
        "regimen: 2 g once\nfoo: 1",
        ["Unknown scenario field 'foo'", "known fields", "regimen"],
    ),
    ("yaml", "regimen: 2 g once\nmg_per_g: abc", ["'mg_per_g'", "'abc'", "mg per g"]),
    ("yaml", "regimen: 2 g once\nmg_per_g: -3", ["'mg_per_g'", "-3", "greater than 0"]),
    ("yaml", "regimen: 2 g once\nmg_per_g: 0", ["'mg_per_g'", "greater than 0"]),
    ("yaml", "regimen: 2 g once\nmg_per_g: 5000", ["'mg_per_g'", "5000", "1000"]),
    ("yaml", "regimen: 2 g once\nmg_per_g: .nan", ["'mg_per_g'", "nan", "finite"]),
    ("yaml", "regimen: 2 g once\nmg_per_g: true", ["'mg_per_g'", "True"]),
    ("yaml", "regimen: 2 g once\n7oh_mg_per_g: -0.1", ["'7oh_mg_per_g'", "-0.1", "7-OH"]),
    ("yaml", "regimen: 5", ["'regimen'", "valid string", "5"]),
    ("yaml", "regimen: 2 kg once", ["'regimen'", "'kg'", "Accepted units"]),
    ("yaml", "regimen: 2 g every 8 h please", ["'regimen'", "'please'"]),
    ("yaml", "regimen: 2 g once\nproduct: [tea]", ["'product'", "['tea']"]),
    ("yaml", "regimen: 2 g once\nname: 3", ["'name'", "3"]),
    ("yaml", "regimen: 2 g once\nduration: 10 parsecs", ["'duration'", "'parsecs'"]),
    ("yaml", "regimen: 2 g once\nduration: -1 d", ["'duration'", "'-1 d'"]),
    ("yaml", "regimen: 2 g once\nmissed: [0]", ["'missed[0]'", "0", "counted from 1"]),
    ("yaml", "regimen: 2 g once\nmissed: [1.5]", ["'missed[0]'", "1.5"]),
    ("yaml", "regimen: 2 g once\nmissed: 3", ["'missed'", "valid list"]),
    ("yaml", "regimen: 2 g once\nlate: {1: soon}", ["'late'", "dose 1", "'soon'"]),
    ("yaml", "regimen: 2 g once\nlate: {x: 1 h}", ["'late.x'", "'x'"]),
    ("yaml", "regimen: 2 g once\nlate: {0: 1 h}", ["'late", "greater than or equal to 1"]),
    ("yaml", "product: tea", ["'regimen' or 'doses'", "neither"]),
    (
        "yaml",
        "regimen: 2 g once\ndoses: [{time: 0 h, amount: 2 g}]",
        ["'regimen' and 'doses' contradict", "both"],
    ),
    (
        "yaml",
        "regimen: 2 g every 8 h for 2 days\nmissed: [2]\nlate: {2: 1 h}",
        ["'missed' and 'late'", "contradictory", "2"],
    ),
    (
        "yaml",
        "regimen: 2 g every 8 h for 2 days; miss dose 1\nmissed: [2]",
        ["contradictory", "miss dose 1"],
    ),
    ("yaml", "regimen: 2 g every 8 h for 1 day\nmissed: [9]", ["'missed'/'late'", "9", "3 doses"]),
    ("yaml", "regimen: 2 g every 8 h\nduration: 1 d\nmissed: [10]", ["beyond the end", "10"]),
    ("yaml", "regimen: 2 g every 8 h for 1 day\nlate: {1: -1 h}", ["before time 0"]),
    ("yaml", "doses: []", ["'doses' is empty"]),
    ("yaml", "doses: 2 g", ["'doses'", "'2 g'"]),
    ("yaml", "doses: [{amount: 2 g}]", ["'doses[0]'", "'time'", "neither"]),
    ("yaml", "doses: [{time: 0 h, time_h: 0, amount: 2 g}]", ["'doses[0]'", "both"]),
    ("yaml", "doses: [{time: 0 h}]", ["'doses[0].amount'", "missing"]),
    ("yaml", "doses: [{time: 0 h, amount: 2 kg}]", ["'doses[0]'", "'kg'"]),
    ("yaml", "doses: [{time: 0 h, amount: 2}]", ["'doses[0].amount'", "2", "'2 g'"]),
    ("yaml", "doses: [{time: -1 h, amount: 2 g}]", ["'doses[0]'", "'-1 h'"]),
    ("yaml", "doses: [{time_h: -1, amount: 2 g}]", ["'doses[0].time_h'", "-1"]),
    ("yaml", "doses: [{time: 0 h, amount: 2 g, addl: 3}]", ["'doses[0]'", "'ii'", "3"]),
    ("yaml", "doses: [{time: 0 h, amount: 2 g, ii: 1 min, addl: 3}]", ["'doses[0]'", "15 min"]),
    ("yaml", "doses: [{time: 0 h, amount: 2 g, addl: -1}]", ["'doses[0].addl'", "-1"]),
    ("yaml", "doses: [{time: 0 h, amount: 2 g, addl: 1.5}]", ["'doses[0].addl'", "1.5"]),
    (
        "yaml",
        "doses: [{time: 0 h, amount: 2 g, bogus: 1}]",
        ["Unknown scenario field 'doses[0].bogus'", "amount"],
    ),
]


@pytest.mark.parametrize(("fmt", "text", "pieces"), ERRORS)
def test_errors_name_field_value_and_fix(fmt: str, text: str, pieces: list[str]) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, fmt=fmt)  # type: ignore[arg-type]
    message = str(info.value)
    for piece in pieces:
        assert piece in message
    assert "got " in message
    assert "For further information" not in message
    assert "pydantic" not in message.lower()
    assert "Traceback" not in message


def test_several_problems_are_reported_together() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario_text("regimen: 2 g once\nmg_per_g: -1\nfoo: 2", fmt="yaml")
    message = str(info.value)
    assert "'mg_per_g'" in message and "'foo'" in message
    assert len(message.splitlines()) == 2


def test_unknown_format() -> None:
    with pytest.raises(ScenarioError, match="'xml'"):
        load_scenario_text("regimen: 2 g once", fmt="xml")  # type: ignore[arg-type]


def test_non_text_input() -> None:
    with pytest.raises(ScenarioError, match="bytes"):
        load_scenario_text(b"regimen: 2 g once", fmt="yaml")  # type: ignore[arg-type]


# --- robustness property --------------------------------------------------------------------------

KEYS = ["regimen", "doses", "product", "mg_per_g", "7oh_mg_per_g", "duration", "missed", "late"]
VALUES = [
    "2 g once", "2 g every 8 h for 1 day", "-1", "0", "1e400", "[1, 2]", "[0]", "{1: 2 h}",
    "[{time: 0 h, amount: 2 g}]", "null", "true", "10 d", "'x'", "{", "[", ": :", "- a",
]  # fmt: skip
YAML_LIKE = st.lists(
    st.builds(
        "{}: {}".format, st.sampled_from(KEYS) | st.text(max_size=5), st.sampled_from(VALUES)
    ),
    max_size=5,
).map("\n".join)
TOML_LIKE = st.lists(
    st.builds(
        "{} = {}".format,
        st.sampled_from(KEYS),
        st.sampled_from(['"2 g once"', "3", "-1", '"10 d"', "[1]", "[[", '{ "1" = "2 h" }', "nan"]),
    ),
    max_size=5,
).map("\n".join)


MOSTLY_VALID = st.fixed_dictionaries(
    {
        "regimen": st.sampled_from(
            ["2 g every 8 h for 2 days", "3 g twice daily", "1 g once", "2 kg"]
        )
    },
    optional={
        "product": st.sampled_from(["tea", "leaf-powder"]),
        "mg_per_g": st.floats(-1, 2000) | st.integers(-1, 30),
        "7oh_mg_per_g": st.floats(-1, 5),
        "duration": st.sampled_from(["10 d", "36 h", "0 h", "1 parsec"]),
        "missed": st.lists(st.integers(-1, 8), max_size=3),
        "late": st.dictionaries(st.integers(0, 8), st.sampled_from(["2 h", "-30 min", "x"])),
    },
).map(yaml.safe_dump)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.text(max_size=80), YAML_LIKE, TOML_LIKE, MOSTLY_VALID),
    st.sampled_from(["yaml", "toml", "yaml"]),
)
def test_only_scenario_error_escapes(text: str, fmt: str) -> None:
    try:
        scenario = load_scenario_text(text, fmt=fmt)  # type: ignore[arg-type]
    except ScenarioError as exc:
        assert str(exc)
        assert "For further information" not in str(exc)
        return
    assert isinstance(scenario, Scenario)
    scenario.to_regimen()
