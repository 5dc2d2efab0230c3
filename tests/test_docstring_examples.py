"""Every example in the package's docstrings runs and shows what it says (docstrings stay true)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import kratomsim


def modules_with_examples() -> list[str]:
    finder = doctest.DocTestFinder()
    names = []
    for info in pkgutil.walk_packages(kratomsim.__path__, "kratomsim."):
        if info.name.startswith("kratomsim.__main__"):
            continue
        module = importlib.import_module(info.name)
        if any(t.examples for t in finder.find(module, module=module)):
            names.append(info.name)
    return names


MODULES = modules_with_examples()


def test_the_examples_are_found() -> None:
    # the engine's schedule and the library's simulate carry examples: the finder works
    assert {"kratomsim.engine.compiled", "kratomsim.interfaces.api"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} fail"
