"""Run one page's examples in order, in one process: ``python page_runner.py EXAMPLE...``.

An example file ending in ``.py`` runs as a script (``python EXAMPLE``). One ending in ``.sh``
holds ``kratomsim`` commands, one per line (``\\`` continues a line, ``#`` starts a comment, ``> FILE``
at the end writes the output to FILE); each runs as ``python -m kratomsim`` would, but in this
process, so the package is imported once per page rather than once per command. Anything else in a
shell example (pipes, ``&&``, variables) is refused, so the documentation keeps to commands a
reader can paste. Stops at the first command or script that fails, naming it, with its exit code.
"""

from __future__ import annotations

import contextlib
import runpy
import shlex
import sys
from pathlib import Path
from typing import TextIO


def commands(text: str) -> list[str]:
    """The logical command lines of a shell example (continuations joined, comments dropped)."""
    joined = text.replace("\\\n", " ")
    return [ln.strip() for ln in joined.splitlines() if shlex.split(ln, comments=True)]


def run_command(line: str) -> int:
    words = shlex.split(line, comments=True)
    target: str | None = None
    if ">" in words:
        at = words.index(">")
        if at != len(words) - 2:
            return refuse(line, "'>' must be followed by one file name at the end")
        target, words = words[at + 1], words[:at]
    if words[0] != "kratomsim" or any(w in ("|", "&&", ";", "<") for w in words):
        return refuse(line, "an example line must be one kratomsim command")
    sys.argv = words
    stream: contextlib.AbstractContextManager[TextIO]
    stream = open(target, "w", encoding="utf-8") if target else contextlib.nullcontext(sys.stdout)
    with stream as out, contextlib.redirect_stdout(out):
        try:
            runpy.run_module("kratomsim", run_name="__main__", alter_sys=False)
        except SystemExit as exc:
            code = exc.code
        else:
            code = 0
    return code if isinstance(code, int) else (0 if code is None else 1)


def refuse(line: str, why: str) -> int:
    print(f"page_runner: {why}: {line}", file=sys.stderr)
    return 3


def main(paths: list[str]) -> int:
    for name in paths:
        path = Path(name)
        if path.suffix == ".py":
            sys.argv = [str(path)]
            print(f"==> {path.name}", flush=True)
            runpy.run_path(str(path), run_name="__main__")
            continue
        for line in commands(path.read_text(encoding="utf-8")):
            print(f"==> {path.name}: {line}", flush=True)
            code = run_command(line)
            sys.stdout.flush()
            if code != 0:
                print(f"FAILED {path.name}: {line} (exit {code})", file=sys.stderr)
                return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
