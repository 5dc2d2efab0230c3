"""The edge that parses: text and scenario files become values once; the library takes values."""

from __future__ import annotations

from pathlib import Path

import pytest

from kratomsim.errors import ProductError, RegimenError, ScenarioError
from kratomsim.interfaces.api import read_plan, read_use
from kratomsim.interfaces.cli import run
from kratomsim.models import regimen_text
from kratomsim.models.dosing import Regimen
from kratomsim.models.regimen_text import parse_regimen


def test_text_becomes_values_with_the_defaults() -> None:
    use = read_use("2 g every 8 h for 2 days", duration="3 d")
    assert isinstance(use.regimen, Regimen) and use.regimen.expand().times_h.size == 6
    assert use.product.id == "leaf-powder" and use.duration_h == 72.0
    assert (use.mg_per_g, use.oh7_mg_per_g, use.scenario) == (None, None, None)
    assert read_use(use.regimen, product="tea").regimen is use.regimen
    assert read_use("2 g once", product=use.product).product is use.product


def test_a_scenario_gives_its_values_unless_given_here(tmp_path: Path) -> None:
    path = tmp_path / "use.yaml"
    path.write_text(
        "regimen: 2 g every 8 h for 2 days\nproduct: tea\nmg_per_g: 15\nduration: 4 d\n"
        "medications: [alprazolam]\n",
        encoding="utf-8",
    )
    use = read_use(path)
    assert (use.product.id, use.mg_per_g, use.duration_h) == ("tea", 15.0, 96.0)
    assert use.scenario is not None and use.scenario.medications == ["alprazolam"]
    assert use.regimen is use.scenario.to_regimen()  # parsed while the file was validated
    mine = read_use(str(path), product="extract", mg_per_g=20.0, duration=24.0)
    assert (mine.product.id, mine.mg_per_g, mine.duration_h) == ("extract", 20.0, 24.0)


def test_bad_input_raises_the_project_errors(tmp_path: Path) -> None:
    with pytest.raises(RegimenError, match="must be text, a scenario file or a Regimen"):
        read_use(42)  # type: ignore[arg-type]
    with pytest.raises(ProductError, match="Did you mean 'tea'"):
        read_use("2 g once", product="tee")
    with pytest.raises(ScenarioError, match="Cannot read scenario file"):
        read_use(tmp_path / "missing.toml")


def test_plans() -> None:
    assert read_plan("continue") == "continue" and read_plan("stop") == "stop"
    assert read_plan("2 g every 12 h").records == parse_regimen("2 g every 12 h").records
    with pytest.raises(RegimenError):
        read_plan("carry on")


def test_the_command_line_parses_a_regimen_once(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # check → interactions → engine used to parse the same text six times on the way down.
    calls: list[str] = []
    # Every parse rewrites the wording once (regimen_words.normalise) before the grammar reads it.
    normalise = regimen_text.normalise

    def counted(text: str) -> tuple[str, tuple[str, ...]]:
        calls.append(text)
        return normalise(text)

    monkeypatch.setattr(regimen_text, "normalise", counted)
    argv = ["check", "--meds", "midazolam", "--regimen", "2 g every 8 h for 2 days"]
    code = run([*argv, "--format", "json"])
    assert code == 0 and '"findings"' in capsys.readouterr().out
    assert calls == ["2 g every 8 h for 2 days"]
