"""``kratomsim interactions``: JSON and table output, drug lookup errors, no dose advice."""

from __future__ import annotations

import json
import re

import pytest

from kratomsim.interfaces.cli import run

BASE = ["interactions", "2 g once", "--product", "tea", "--mg-per-g", "19.5", "--draws", "12"]
DOSE_ADVICE = re.compile(
    r"\b(you should|we recommend|recommended dose|safe dose|increase (the|your) dose|"
    r"reduce (the|your) dose|take (less|more|only))\b",
    re.IGNORECASE,
)


def _json(capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, object]:
    assert run([*BASE, "--format", "json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_has_ratios_for_midazolam_and_dextromethorphan(
    capsys: pytest.CaptureFixture[str],
) -> None:
    payload = _json(capsys, "--drug", "midazolam", "--drug", "dextromethorphan")
    preds = {p["id"]: p for p in payload["interactions"]}  # type: ignore[union-attr]
    assert set(preds) == {"midazolam", "dextromethorphan"}
    mdz, dxm = preds["midazolam"], preds["dextromethorphan"]
    for p in (mdz, dxm):
        assert p["quantitative"] is True
        assert p["auc_ratio"] >= 1.0 and p["cmax_ratio"] >= 1.0
        lo, hi = p["auc_ratio_interval"]
        assert 1.0 <= lo <= hi
        assert p["static_mechanistic_auc_ratio"] >= 1.0
        assert p["static_basic"]["r1_gut_cyp3a"] == pytest.approx(71.0, rel=0.03)
        assert p["assumptions"] and "tanna2021" in p["sources"] and p["grade"] == "D"
        assert p["victim_dose_times_h"] == [0.0]
    # Gut-wall CYP3A inactivation makes the CYP3A probe the larger interaction.
    assert mdz["pathways"] == ["cyp3a4"] and dxm["pathways"] == ["cyp2d6"]
    assert mdz["auc_ratio"] > dxm["auc_ratio"]
    assert "disclaimer" in payload and not DOSE_ADVICE.search(json.dumps(payload))


def test_at_moves_the_victim_dose(capsys: pytest.CaptureFixture[str]) -> None:
    now = _json(capsys, "--drug", "midazolam")
    later = _json(capsys, "--drug", "midazolam", "--at", "3 d")
    (p_now,), (p_later,) = now["interactions"], later["interactions"]  # type: ignore[misc]
    assert p_later["victim_dose_times_h"] == [72.0]
    assert 1.0 <= p_later["auc_ratio"] < p_now["auc_ratio"]


def test_kratom_as_victim_is_reported_for_a_cyp3a_inhibitor(
    capsys: pytest.CaptureFixture[str],
) -> None:
    payload = _json(capsys, "--drug", "clarithromycin")
    (effect,) = payload["kratom_as_victim"]  # type: ignore[misc]
    assert effect["id"] == "clarithromycin" and effect["mg_auc_ratio"] > 1.0
    assert effect["oh7_formation_ratio"] < 1.0


def test_table_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert run([*BASE, "--drug", "midazolam", "--drug", "paracetamol"]) == 0
    raw = capsys.readouterr().out
    text = " ".join(raw.split())  # the terminal width decides where rich wraps
    assert "Midazo" in text and "AUC" in text and "it does not prescribe" in text
    assert "Assumptions:" in text
    assert "No CYP3A4, CYP2D6 or P-gp role is recorded" in text  # paracetamol: qualitative
    assert not DOSE_ADVICE.search(text)


def test_unknown_drug_exits_2_with_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    # two letters off: a suggestion, never a guess (one letter off resolves, shown as such)
    assert run([*BASE, "--drug", "midazulum"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Unknown medication") and "midazolam" in err
    assert len(err.strip().splitlines()) == 1


def test_open_ended_regimen_and_missing_drug_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["interactions", "2 g every 8 h", "--drug", "midazolam"]) == 2
    assert "needs a regimen with an end" in capsys.readouterr().err
    assert run(["interactions", "2 g once"]) == 2
    assert "No drug given" in capsys.readouterr().err


def test_list_prints_known_drugs(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["interactions", "--list"]) == 0
    text = capsys.readouterr().out
    assert "midazolam" in text and "dextromethorphan" in text
