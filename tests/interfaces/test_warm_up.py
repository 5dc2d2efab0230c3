"""Set-up compiles the kernels once (``kratomsim warm-up``); a later compile is announced."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from kratomsim.engine import compiled, native
from kratomsim.engine.notices import COMPILING, notify, subscribe
from kratomsim.engine.subjects import all_outputs
from kratomsim.interfaces.cli import run
from kratomsim.interfaces.cmd_warm import PREPARING, show_compile_notice
from kratomsim.spec import default_spec


def test_the_notice_is_shown_once_per_run_and_stops() -> None:
    stream = io.StringIO()
    stop = show_compile_notice(stream)
    notify("something else")
    assert stream.getvalue() == ""
    notify(COMPILING)
    notify(COMPILING)
    assert stream.getvalue() == PREPARING + "\n"
    stop()
    stop()  # idempotent
    again = io.StringIO()
    stop_again = show_compile_notice(again)
    stop_again()
    notify(COMPILING)
    assert again.getvalue() == "" and stream.getvalue() == PREPARING + "\n"


def test_is_compiled_wants_this_machines_object_code_of_every_entry(tmp_path: Path) -> None:
    module = tmp_path / "kabc.py"
    module.write_text("", encoding="utf-8")
    assert not compiled.is_compiled(module)
    tag = native.machine_tag()
    (tmp_path / f"kabc-{tag}.json").write_text("{}", encoding="utf-8")
    for entry in native.ENTRIES:
        (tmp_path / f"kabc-{entry}-000000000000.o").touch()  # another machine's
        (tmp_path / f"kother-{entry}-{tag}.o").touch()  # another module's
    assert not compiled.is_compiled(module)
    for entry in native.ENTRIES[:-1]:
        (tmp_path / f"kabc-{entry}-{tag}.o").touch()
    assert not compiled.is_compiled(module)
    (tmp_path / f"kabc-{native.ENTRIES[-1]}-{tag}.o").touch()
    assert compiled.is_compiled(module)


def test_a_kernel_this_machine_has_not_compiled_gives_the_notice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = default_spec()
    outputs = all_outputs(spec)
    kernel = compiled.compiled_kernel(spec, outputs)  # generated (or found) in the usual cache
    heard: list[str] = []
    stop = subscribe(heard.append)
    try:
        compiled._load.cache_clear()
        compiled.compiled_kernel(spec, outputs)
        found_compiled = heard.copy()
        # The same generated module in a fresh cache folder, without its machine code: it is
        # built there (recorded here rather than compiled, which takes a minute).
        shutil.copy(kernel.path, tmp_path / kernel.path.name)
        for index in kernel.path.parent.glob("index-*.json"):
            if json.loads(index.read_text(encoding="utf-8"))["file"] == kernel.path.name:
                shutil.copy(index, tmp_path / index.name)
        monkeypatch.setattr(compiled, "cache_dir", lambda: tmp_path)
        built: list[Path] = []
        monkeypatch.setattr(compiled, "_import", lambda path: path)
        monkeypatch.setattr(native, "build", lambda module, path, entries: built.append(path))
        code = kernel.native
        stored = {"kernel_c": code.kernel, "plan_c": code.plan, "substeps_c": code.substeps}
        monkeypatch.setattr(native, "link", lambda path, entries: (stored, code.engines))
        compiled._load.cache_clear()
        compiled.compiled_kernel(spec, outputs)
    finally:
        stop()
        compiled._load.cache_clear()
    assert found_compiled == []  # the first call compiled it if it had to
    assert heard[len(found_compiled) :] == [COMPILING]
    assert built == [tmp_path / kernel.path.name]


@pytest.mark.slow
def test_warm_up_prepares_every_kind_of_work(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["warm-up"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Model ready on this machine: 7 kinds of work prepared" in out
    assert "interactions" in out and "a virtual trial" in out and "the personal fit" in out
