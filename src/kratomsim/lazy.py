"""Names a package exports but loads on first use (PEP 562), so importing it stays quick.

A package's ``__init__`` maps each public name to the module that defines it and sets
``__getattr__ = lazy_exports(__name__, _EXPORTS)``; the first access imports that module and
keeps the value in the package, so later accesses cost nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """The ``__getattr__`` of ``package``: load ``name`` from ``exports[name]`` and keep it."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(exports[name]), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
