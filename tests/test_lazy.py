"""Lazily exported names: loaded on first use, kept, and unknown names refused as Python does."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("package", ["evidence", "journal", "population", "risk"])
def test_exports_load_once_and_unknown_names_raise(package: str) -> None:
    module = importlib.import_module(f"kratomsim.{package}")
    name = next(n for n in module.__all__ if n not in ("bibliography", "check"))
    value = getattr(module, name)
    assert vars(module)[name] is value  # kept in the package: later accesses cost nothing
    with pytest.raises(AttributeError, match=f"module 'kratomsim.{package}' has no attribute"):
        module.no_such_name  # noqa: B018 - the access is the test
