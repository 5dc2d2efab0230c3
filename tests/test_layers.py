"""Imports point down the layers: models ← evidence ← engine ← risk ← journal ← reports ← interfaces."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "kratomsim"
ORDER = ("models", "evidence", "engine", "risk", "journal", "reports", "interfaces")
#: Modules at the package root usable by every layer.
SHARED = {"errors"}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "kratomsim" or len(parts) < 2:
        return None
    return parts[1]


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def _module_files() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if p.relative_to(SRC).parts[0] in ORDER)


@pytest.mark.parametrize("path", _module_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_down(path: Path) -> None:
    own = path.relative_to(SRC).parts[0]
    for module in _imports(path):
        layer = _layer(module)
        if layer is None or layer in SHARED or layer == own:
            continue
        assert layer in ORDER, f"{path.name} imports {module}, outside the known layers"
        assert ORDER.index(layer) < ORDER.index(own), (
            f"{path.relative_to(SRC)} (layer {own}) imports {module} (layer {layer}): "
            "imports must point down"
        )


def test_only_interfaces_print() -> None:
    offenders = []
    for path in _module_files():
        if path.relative_to(SRC).parts[0] == "interfaces":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not offenders, f"print() outside interfaces/: {offenders}"


def test_the_rule_catches_an_upward_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from kratomsim.interfaces.cli import main\n")
    assert _layer(_imports(bad)[0]) == "interfaces"
    assert ORDER.index("interfaces") > ORDER.index("engine")
