"""Numba's ``njit`` with an on-disk cache keyed on every source the compiled code depends on.

With Numba's own ``cache=True`` a cached function is keyed on its own file only. A compiled kernel
inlines the functions and module constants it reads from other files, so after an edit to one of
those Numba would load the stale kernel. Here the cache stamp is a hash of the function's module
and of every module of the same package that it imports, directly or through others (found by
reading their import statements): an edit to any of them makes the next process compile afresh,
while an unchanged set of sources loads the cached machine code as before. Where the cache lives is
Numba's usual choice (``NUMBA_CACHE_DIR``, else ``__pycache__`` beside the module, else the user's
cache folder). Should no locator of ours apply (e.g. ``NUMBA_CACHE_LOCATOR_CLASSES`` is set), the
function is compiled without a cache rather than risk a stale one.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numba
from numba.core.caching import (
    CompileResultCacheImpl,
    FunctionCache,
    InTreeCacheLocator,
    UserProvidedCacheLocator,
    UserWideCacheLocator,
)


def _package_root(path: Path) -> Path:
    """The top-level package folder that holds ``path`` (its own folder for a lone module)."""
    root = path.parent
    while (root.parent / "__init__.py").is_file():
        root = root.parent
    return root


def _module_file(name: str, root: Path) -> Path | None:
    """The file of module ``name`` if it belongs to the package at ``root``, else None."""
    parts = name.split(".")
    if not name or parts[0] != root.name:
        return None
    base = root.parent.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(path: Path, root: Path) -> set[Path]:
    """Files of the package at ``root`` that ``path`` imports (absolute or relative, any depth)."""
    # The package a relative import starts from: the module's own (an __init__ is its package).
    package = list(path.relative_to(root.parent).parts[:-1])
    found: set[Path] = set()
    for node in ast.walk(ast.parse(path.read_bytes())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package[: len(package) - node.level + 1]
                base = ".".join([*up, *([base] if base else [])])
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            file = _module_file(name, root)
            if file is not None:
                found.add(file)
    return found


def dependencies(path: str | Path) -> tuple[Path, ...]:
    """``path`` and every module of its package it imports, directly or not, in a fixed order."""
    start = Path(path).resolve()
    root = _package_root(start)
    seen: set[Path] = set()
    todo = [start]
    while todo:
        file = todo.pop()
        if file not in seen:
            seen.add(file)
            todo += _imports(file, root) - seen
    return tuple(sorted(seen))


@cache
def source_stamp(path: str | Path) -> bytes:
    """SHA-256 of the package-relative names and the contents of :func:`dependencies`."""
    start = Path(path).resolve()
    base = _package_root(start).parent
    digest = hashlib.sha256()
    for file in dependencies(start):
        digest.update(file.relative_to(base).as_posix().encode() + b"\0")
        digest.update(file.read_bytes() + b"\0")
    return digest.digest()


class _DependencyStamp:
    """Locator mixin: the freshness stamp covers every source the function depends on."""

    _py_file: str

    def get_source_stamp(self) -> bytes:
        return source_stamp(self._py_file)


class _UserProvided(_DependencyStamp, UserProvidedCacheLocator):
    pass


class _InTree(_DependencyStamp, InTreeCacheLocator):
    pass


class _UserWide(_DependencyStamp, UserWideCacheLocator):
    pass


class _Impl(CompileResultCacheImpl):
    _locator_classes = [_UserProvided, _InTree, _UserWide]  # noqa: RUF012 - Numba's protocol


class DependencyKeyedCache(FunctionCache):
    """Numba's function cache with :class:`_DependencyStamp` locators."""

    _impl_class = _Impl


def njit(*args: Callable[..., Any], cache: bool = False, **options: Any) -> Any:
    """:func:`numba.njit`; with ``cache=True`` the on-disk cache is keyed on every source the
    function depends on (see the module docstring), so it cannot serve a stale kernel."""

    def decorate(func: Callable[..., Any]) -> Any:
        dispatcher = numba.njit(**options)(func)
        if cache:
            try:
                store = DependencyKeyedCache(func)
            except RuntimeError:  # no locator of ours applies: compile without a cache
                return dispatcher
            if isinstance(store._impl.locator, _DependencyStamp):
                # What numba's own Dispatcher.enable_caching() sets, with this cache.
                setattr(dispatcher, "_cache", store)  # noqa: B010
        return dispatcher

    if args:
        (func,) = args
        return decorate(func)
    return decorate
