"""The documentation site: its generated pages follow the code, and the strict build succeeds.

``docs/hooks.py`` writes the model reference from the specification, the command-line reference
from the typer app and the qualification summary at build time; these tests call it directly (fast)
and, marked slow, run the whole ``mkdocs build --strict`` as ``make docs-check`` does (``make test``
runs that build itself, so the default test run does not build twice).
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path
from types import ModuleType

import pytest

import kratomsim
from kratomsim.spec import default_spec, load_spec

ROOT = Path(__file__).resolve().parents[2]
SRC = Path(kratomsim.__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "kratomsim_docs_hooks", ROOT / "docs" / "hooks.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_model_page_lists_every_state_and_parameter_of_the_specification(hooks: ModuleType) -> None:
    text = hooks.model_markdown()
    spec = default_spec()
    assert not text.startswith("# ")  # the page's own title stands above it
    for name in [s.name for s in spec.states] + [p.name for p in spec.parameters]:
        assert re.search(rf"(\*\*|\| ){re.escape(name)}( \(|\*\*| \|)", text), name
    assert text.count("$$") == 2 * sum(1 for ln in text.splitlines() if ln.startswith("**"))


def test_model_page_follows_an_edited_equation(hooks: ModuleType, tmp_path: Path) -> None:
    old = 'rate = "tol_k_on * analgesic_drive * (tol_max - tolerance) - tol_k_off * tolerance"'
    new = 'rate = "3 * tol_k_on * analgesic_drive * (tol_max - tolerance) - tol_k_off * tolerance"'
    text = resources.files("kratomsim.spec").joinpath("model.toml").read_text("utf-8")
    assert text.count(old) == 1
    edited = tmp_path / "model.toml"
    edited.write_text(text.replace(old, new), encoding="utf-8")
    before, after = hooks.model_markdown(), hooks.model_markdown(load_spec(edited))
    changed = [
        (a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b
    ]
    equations = [(a, b) for a, b in changed if "tolerance" in a and "tol" in b]
    assert equations and all("3" in b and "3" not in a for a, b in equations)
    assert all("digest" in a or (a, b) in equations for a, b in changed)


def test_equations_become_mathml(hooks: ModuleType) -> None:
    text = "Before.\n\n$$\n\\frac{a}{b} = c\n$$\n\nAfter.\n"
    html = hooks.DISPLAY_MATH.sub(hooks._mathml, text)
    assert "$$" not in html and "<math" in html and "<mfrac>" in html
    assert html.startswith('Before.\n\n<div class="equation">') and html.endswith("\n\nAfter.\n")


def test_cli_page_documents_every_command_and_option(hooks: ModuleType) -> None:
    import typer.main
    from typer.core import TyperGroup

    from kratomsim.interfaces.cli import app

    text = hooks.cli_markdown()
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    ctx = type(root).context_class(root, info_name="kratomsim")
    for name in root.list_commands(ctx):
        command = root.get_command(ctx, name)
        assert command is not None
        assert f"## `kratomsim {name}`" in text, name
        for param in command.params:
            for opt in getattr(param, "opts", ()):
                if opt.startswith("-") and opt != "--help":
                    assert opt in text, f"kratomsim {name} {opt}"
    for sub in ("journal add dose", "journal fit", "export sbml"):
        assert f"`kratomsim {sub}`" in text
    assert "`--brief`" in text  # added by the command line before parsing, as the pages show it
    assert "| `--help` |" not in text  # said once on the page, not in every table


def test_qualification_can_be_left_out_and_refuses_an_unknown_mode(
    hooks: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary, report = hooks.qualification("skip")
    assert report is None and "make docs" in summary
    monkeypatch.setenv("KRATOMSIM_DOCS_QUALIFICATION", "quick")
    with pytest.raises(ValueError, match=r"'quick'.*fast"):
        hooks.qualification_mode()
    monkeypatch.delenv("KRATOMSIM_DOCS_QUALIFICATION")
    assert hooks.qualification_mode() == "fast"


@pytest.mark.slow  # about 15 s; `make test` runs the same build as `make docs-check`
def test_strict_build_succeeds(tmp_path: Path) -> None:
    site = tmp_path / "site"
    env = dict(os.environ, KRATOMSIM_DOCS_QUALIFICATION="skip", NO_MKDOCS_2_WARNING="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    api = (site / "reference" / "api" / "index.html").read_text(encoding="utf-8")
    for name in kratomsim.__all__:
        if not name.startswith("_"):
            assert f'id="kratomsim.{name}"' in api, name
    model = (site / "reference" / "model" / "index.html").read_text(encoding="utf-8")
    assert "<!-- generated" not in model and "<math" in model and "$$" not in model
    cli = (site / "reference" / "cli" / "index.html").read_text(encoding="utf-8")
    assert 'id="kratomsim-journal-add-dose"' in cli
    for page in ("getting-started", "guides/pain", "guides/clinician", "qualification"):
        assert (site / page / "index.html").is_file(), page
