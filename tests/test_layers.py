"""The package's layers: imports point down, nothing imports the package root, no import cycles.

Layers, lowest first (DESIGN.md, "The house"): ``spec`` ← ``models`` ← ``evidence`` ← ``engine``
← ``population`` ← ``risk`` ← ``analyses`` ← ``journal`` ← ``reports`` ← ``interfaces``; a layer
may import any layer below it. ``interop`` (exchange formats) reads only ``spec``, ``models`` and
``evidence``, and only ``interfaces`` reads it. The root modules ``errors``, ``lazy`` and ``cache``
(where rebuildable files live) are shared by all.
Every import counts: absolute, relative (``from ..engine import x``) and inside functions.
``from kratomsim import …`` and ``import kratomsim`` are not allowed inside the package: the root
``__init__`` re-exports the public API from the top layer, so such an import would be a cycle.

The engine takes plain numbers and values: it reads no file and parses no text.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "kratomsim"
#: The layer chain, lowest first: each layer may import those before it.
CHAIN = (
    "spec",
    "models",
    "evidence",
    "engine",
    "population",
    "risk",
    "analyses",
    "journal",
    "reports",
    "interfaces",
)
ALLOWED: dict[str, set[str]] = {layer: set(CHAIN[:i]) for i, layer in enumerate(CHAIN)}
ALLOWED["interop"] = {"spec", "models", "evidence"}
ALLOWED["interfaces"] |= {"interop"}
#: Root modules every layer may import.
SHARED = {"errors", "lazy", "cache"}
#: Root modules outside the layers: the public re-exports and ``python -m kratomsim``.
ROOT_ENTRY = {"", "__main__"}


@dataclass(frozen=True)
class Import:
    """One import statement's target module, where it stands, and whether it names the root."""

    source: str
    target: str
    line: int


def module_files(root: Path) -> dict[str, Path]:
    """Module name → file for every module of the package at ``root`` (``__init__`` = package)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(module: str, path: Path, known: Iterable[str]) -> list[Import]:
    """Every import of the package in ``path`` (any depth), resolved to the module it loads.

    ``from X import n`` loads module ``X.n`` when that is a module, else ``X`` itself; relative
    imports are resolved from the module's package.
    """
    known = set(known)
    top = module.split(".")[0]
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    out: list[Import] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package[: len(package) - node.level + 1]
                base = ".".join([*up, *([base] if base else [])])
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        else:
            continue
        for target in dict.fromkeys(targets):
            if target == top or target.startswith(top + "."):
                out.append(Import(module, target, node.lineno))
    return out


def layer(module: str) -> str:
    """``kratomsim.engine.simulate`` → ``engine``; ``kratomsim.errors`` → ``errors``; root → ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def violations(root: Path) -> list[str]:
    """Every import that breaks the layer rules, as readable lines."""
    files = module_files(root)
    problems = []
    for module, path in files.items():
        own = layer(module)
        if own in ROOT_ENTRY or own in SHARED:
            continue
        where = path.relative_to(root.parent)
        for imp in imports(module, path, files):
            target = layer(imp.target)
            if target == "":
                problems.append(
                    f"{where}:{imp.line} imports the package root ({imp.target}): import the "
                    "module that defines the name"
                )
            elif target == own or target in SHARED:
                continue
            elif target not in ALLOWED:
                problems.append(f"{where}:{imp.line} imports {imp.target}, outside the layers")
            elif own not in ALLOWED:
                problems.append(f"{where} is outside the known layers")
            elif target not in ALLOWED[own]:
                problems.append(
                    f"{where}:{imp.line} (layer {own}) imports {imp.target} (layer {target}): "
                    f"{own} may import only {', '.join(sorted(ALLOWED[own] | SHARED))}"
                )
    return problems


def module_graph(root: Path) -> dict[str, set[str]]:
    files = module_files(root)
    return {
        m: {imp.target for imp in imports(m, p, files) if imp.target != m} for m, p in files.items()
    }


def package_graph(module_edges: Mapping[str, set[str]]) -> dict[str, set[str]]:
    """Layer → layers it imports (the package root and shared modules left out)."""
    graph: dict[str, set[str]] = {}
    for source, targets in module_edges.items():
        a = layer(source)
        graph.setdefault(a, set())
        for target in targets:
            if layer(target) != a:
                graph[a].add(layer(target))
    return graph


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


# --- the package ----------------------------------------------------------------------------


@cache
def package_violations() -> tuple[str, ...]:
    return tuple(violations(SRC))


@pytest.mark.parametrize(
    "module", sorted(module_files(SRC)), ids=lambda m: m.removeprefix("kratomsim.") or "kratomsim"
)
def test_imports_point_down_the_layers(module: str) -> None:
    path = module_files(SRC)[module]
    found = [v for v in package_violations() if v.startswith(f"{path.relative_to(SRC.parent)}")]
    assert not found, "\n".join(found)


def test_every_violation_belongs_to_a_module() -> None:
    prefixes = tuple(str(p.relative_to(SRC.parent)) for p in module_files(SRC).values())
    assert all(v.startswith(prefixes) for v in package_violations())


def test_every_top_level_package_is_a_known_layer() -> None:
    packages = {p.name for p in SRC.iterdir() if (p / "__init__.py").is_file()}
    assert packages <= set(ALLOWED), packages - set(ALLOWED)
    assert {"models", "evidence", "engine", "population", "analyses", "interop"} <= packages


def test_no_module_import_cycles() -> None:
    assert cycles(module_graph(SRC)) == []


def test_no_package_import_cycles() -> None:
    assert cycles(package_graph(module_graph(SRC))) == []


def test_only_interfaces_print() -> None:
    offenders = []
    for module, path in module_files(SRC).items():
        if layer(module) in ("interfaces", "__main__"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not offenders, f"print() outside interfaces/: {offenders}"


#: What reads files or text: modules, calls and imported names the engine must not use.
FILE_MODULES = {"tomllib", "yaml", "json", "csv", "importlib.resources", "pathlib", "io"}
FILE_CALLS = {"open", "read_text", "read_bytes", "write_text", "write_bytes", "loads", "load"}
LOADER_PREFIXES = ("load_", "resolve_", "parse_", "read_")
#: Modules that read the engine's own code, never data: jit.py hashes the kernels' source files
#: to key Numba's compile cache, codegen.py copies the exponential helpers of kernel_expm.py into
#: the generated kernel, compiled.py writes and reloads the generated kernels in the compile cache,
#: native.py stores and links their machine code there.
READS_ITS_OWN_SOURCE = {"jit.py", "codegen.py", "compiled.py", "native.py"}


def engine_io(path: Path) -> list[str]:
    """File and text reading in one engine module, as readable lines."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name in FILE_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module in FILE_MODULES:
                found.append(f"from {node.module} import …")
            found += [
                f"from {node.module} import {a.name}"
                for a in node.names
                if node.module.startswith("kratomsim") and a.name.startswith(LOADER_PREFIXES)
            ]
            if node.module.startswith(("kratomsim.interop", "kratomsim.models.regimen_text")):
                found.append(f"from {node.module} import … (text and file formats)")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in FILE_CALLS:
                found.append(f"{name}() at line {node.lineno}")
    return found


@pytest.mark.parametrize(
    "path",
    sorted(p for p in (SRC / "engine").glob("*.py") if p.name not in READS_ITS_OWN_SOURCE),
    ids=lambda p: f"engine/{p.name}",
)
def test_the_engine_reads_no_file_and_parses_no_text(path: Path) -> None:
    assert engine_io(path) == []


def test_the_compile_cache_reads_only_source_files() -> None:
    found = engine_io(SRC / "engine" / "jit.py")
    assert found and all(f.startswith(("read_bytes()", "from pathlib")) for f in found), found


# --- the rules catch what they are for ------------------------------------------------------


def make_package(tmp_path: Path, files: Mapping[str, str]) -> Path:
    """A throw-away ``kratomsim`` package with ``files`` (path → text), every folder a package."""
    root = tmp_path / "kratomsim"
    for rel, text in {"__init__.py": "", "errors.py": "", **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        for folder in path.relative_to(root).parents:
            (root / folder / "__init__.py").touch()
        path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"engine/x.py": "from kratomsim.interfaces.cli import main\n"}, "layer engine"),
        ({"engine/x.py": "from ..analyses import outcomes\n"}, "imports kratomsim.analyses"),
        ({"engine/x.py": "from ..analyses.outcomes import f\n"}, "kratomsim.analyses.outcomes"),
        ({"models/x.py": "def f():\n    from kratomsim.evidence import y\n"}, "layer models"),
        ({"risk/x.py": "from kratomsim.analyses import taper\n"}, "layer risk"),
        ({"population/x.py": "import kratomsim.risk.check\n"}, "layer population"),
        ({"interop/x.py": "from kratomsim.engine.simulate import simulate\n"}, "layer interop"),
        ({"reports/x.py": "from kratomsim.interop import scenario\n"}, "layer reports"),
        ({"journal/x.py": "from kratomsim import simulate\n"}, "package root"),
        ({"journal/x.py": "import kratomsim\n"}, "package root"),
        ({"journal/x.py": "from .. import simulate\n"}, "package root"),
        ({"engine/x.py": "from kratomsim.gadgets import g\n"}, "outside the layers"),
    ],
)
def test_the_layer_rule_catches_a_violation(
    tmp_path: Path, files: dict[str, str], expected: str
) -> None:
    found = violations(make_package(tmp_path, files))
    assert len(found) == 1 and expected in found[0], found


def test_the_layer_rule_lets_imports_point_down(tmp_path: Path) -> None:
    root = make_package(
        tmp_path,
        {
            "evidence/x.py": "from kratomsim.models import dosing\nfrom ..errors import E\n",
            "analyses/x.py": "from kratomsim.risk import r\nfrom kratomsim.population import p\n",
            "interfaces/x.py": "from kratomsim.interop import scenario\nfrom . import y\n",
            "interop/x.py": "from ..evidence import loader\n",
        },
    )
    assert violations(root) == []


def test_the_cycle_search_finds_module_and_package_cycles(tmp_path: Path) -> None:
    root = make_package(
        tmp_path,
        {
            "engine/a.py": "from kratomsim.engine import b\n",
            "engine/b.py": "def later():\n    from .a import f\n",  # a lazy import is still one
            "models/m.py": "from kratomsim.evidence import e\n",
            "evidence/e.py": "from kratomsim.models import m\n",
            "risk/r.py": "from kratomsim.engine import a\n",
        },
    )
    graph = module_graph(root)
    assert sorted(cycles(graph)) == [
        ["kratomsim.engine.a", "kratomsim.engine.b"],
        ["kratomsim.evidence.e", "kratomsim.models.m"],
    ]
    assert cycles(package_graph(graph)) == [["evidence", "models"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("from kratomsim.evidence import load_parameters\n", "load_parameters"),
        ("from kratomsim.evidence.loader import resolve_product\n", "resolve_product"),
        ("from kratomsim.models.regimen_text import parse_regimen\n", "parse_regimen"),
        ("from kratomsim.interop.scenario import Scenario\n", "file formats"),
        ("import tomllib\n", "tomllib"),
        ("def f(p):\n    return p.read_text()\n", "read_text"),
        ("def f(p):\n    return open(p)\n", "open"),
    ],
)
def test_the_engine_rule_catches_reading(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "x.py"
    path.write_text(text, encoding="utf-8")
    found = engine_io(path)
    assert found and all(expected in f or "file formats" in f for f in found), found
