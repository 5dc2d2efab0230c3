"""Every code example of the documentation runs, as a reader would run it.

The examples are the fenced blocks of ``docs/**/*.md`` and ``README.md``:

- a ``bash`` block whose first command starts with ``kratomsim`` runs command by command, each as
  ``python -m kratomsim`` on this checkout's sources would, and each must succeed (exit 0);
- a ``python`` block runs as a script of this interpreter.

Other blocks (``sh`` for set-up commands such as ``make docs``, a server or minutes-long work;
``text``; ``yaml``) are shown only. Each page's examples run in order in one fresh folder, as a
reader following the page would (a later block may read a file an earlier one wrote), with the
journal kept there too. Examples use small settings (``--draws 20``, ``--n 200``) so a page takes
seconds. One process runs a page (``page_runner.py``): the package is imported once per page,
not once per command, which keeps the whole run to about a minute.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

import kratomsim

ROOT = Path(__file__).resolve().parents[2]
SRC = Path(kratomsim.__file__).resolve().parents[1]  # the sources these tests import
RUNNER = Path(__file__).with_name("page_runner.py")
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
                   re.MULTILINE | re.DOTALL)  # fmt: skip
#: Time allowed for one page's examples (a first run on a new machine compiles kernels).
TIMEOUT_S = 600


@dataclass(frozen=True)
class Example:
    page: str
    line: int
    lang: str
    code: str


def _is_cli(code: str) -> bool:
    commands = [
        ln.strip() for ln in code.splitlines() if ln.strip() and not ln.strip().startswith("#")
    ]
    return bool(commands) and commands[0].split()[0] == "kratomsim"


def examples(path: Path) -> list[Example]:
    """The runnable fenced blocks of one Markdown file, in order."""
    return examples_in(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())


def examples_in(text: str, page: str) -> list[Example]:
    """The runnable fenced blocks of Markdown ``text`` (from ``page``), in order."""
    found = []
    for m in FENCE.finditer(text):
        code = textwrap.dedent(m.group("body"))
        lang = m.group("lang")
        if lang == "python" or (lang == "bash" and _is_cli(code)):
            line = text.count("\n", 0, m.start()) + 1
            found.append(Example(page, line, lang, code))
    return found


PAGES = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]
WITH_EXAMPLES = [p for p in PAGES if examples(p)]


def _environment(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    env["KRATOMSIM_HOME"] = str(folder / "home")  # a journal of its own, never the reader's
    env["MPLBACKEND"] = "Agg"
    env["COLUMNS"] = "100"
    return env


def _files(page_examples: list[Example], folder: Path) -> list[Path]:
    """Each example in a file of its own, named by its place on the page."""
    paths = []
    for i, example in enumerate(page_examples, start=1):
        path = (
            folder
            / f"example{i:02d}_line{example.line}.{'py' if example.lang == 'python' else 'sh'}"
        )
        path.write_text(example.code, encoding="utf-8")
        paths.append(path)
    return paths


def test_the_pages_have_examples_to_run() -> None:
    # the extraction itself: a change of fence style must not make every page pass by running nothing
    names = {p.relative_to(ROOT).as_posix() for p in WITH_EXAMPLES}
    assert {"docs/getting-started.md", "README.md"} <= names
    assert {
        f"docs/guides/{g}.md" for g in ("pain", "clinician", "harm-reduction", "pharmacologist")
    } <= names
    sample = (
        "Text.\n\n```bash\n# a comment\nkratomsim products\n```\n\n```sh\nmake docs\n```\n\n"
        "```bash\n.venv/bin/kratomsim serve\n```\n\n!!! note\n    ```python\n    print(1)\n    ```\n"
    )
    found = examples_in(sample, "sample.md")
    assert [(e.lang, e.code, e.line) for e in found] == [
        ("bash", "# a comment\nkratomsim products\n", 3),
        ("python", "print(1)\n", 17),
    ]


def test_shell_examples_keep_to_kratomsim_commands() -> None:
    from page_runner import commands, run_command

    text = "# compare\nkratomsim taper '3 g daily' \\\n  --plan stop  # one plan\n\nkratomsim products > p.txt\n"
    assert commands(text) == [
        "kratomsim taper '3 g daily'    --plan stop  # one plan",
        "kratomsim products > p.txt",
    ]
    assert run_command("kratomsim products | head") == 3
    assert run_command("kratomsim products > a.txt b.txt") == 3
    assert run_command("ls -l") == 3


@pytest.mark.parametrize("page", WITH_EXAMPLES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_examples_run(page: Path, tmp_path: Path) -> None:
    files = _files(examples(page), tmp_path)
    done = subprocess.run(
        [sys.executable, str(RUNNER), *map(str, files)],
        cwd=tmp_path,
        env=_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    shown = f"{page.relative_to(ROOT)}: exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-4000:]}"
    assert done.returncode == 0, shown
    assert "Traceback" not in done.stderr, shown
    ran = [ln for ln in done.stdout.splitlines() if ln.startswith("==> ")]
    assert len(ran) >= len(files), shown  # every example ran (a shell example may hold several)
