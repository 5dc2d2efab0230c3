"""A generated kernel's machine code, stored once and called through ctypes without Numba.

Importing Numba and preparing its compiler costs about 0.8 s, more than the rest of a ``simulate``
command, although a cached kernel needs none of it: only its machine code. The generated module
(:mod:`.codegen`) exposes its entry points as Numba ``cfunc`` functions that take pointers and
sizes. :func:`entry_points` gives them to the callers: the first time on a machine it has
:func:`build` compile them (importing the module runs Numba) and write each one's object code beside
the module, for this CPU; then and later it has :func:`link` load the object code into llvmlite's
MCJIT — the same LLVM that Numba uses, imported in about 0.1 s — as callables. :func:`build`
lets single-precision divisions use the processor's reciprocal estimate
(:func:`estimated_divisions`). Should linking fail, it calls the entry points as Numba compiled
them in this process (exact divisions: the outputs differ by round-off). Hand-written Numba
modules (the interaction checker's victim march, the population's band histograms) are stored and
called the same way, through :func:`module_entry_points`.

The code calls a few of Numba's C helpers: its runtime's allocator (``NRT_*``: the kernel allocates
its working arrays) and, on paths that report errors, ``numba_*``. :func:`link` registers them from
Numba's two C extension modules, loaded by themselves (the Numba package is not imported; loading
the runtime's module sets up its allocator), under the names Numba gives them.
"""

from __future__ import annotations

import ctypes
import glob
import hashlib
import importlib.machinery
import importlib.metadata
import importlib.util
import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

#: The entry points' arguments, in order: ``F`` a float64 pointer, ``I`` an int64 pointer, ``N`` a
#: size (int64); ``J``, an int32 pointer, elsewhere. :mod:`.codegen` writes the cfuncs' signatures
#: from these (hand-written modules take :func:`cfunc_signature`), ctypes calls them so.
PROTOTYPES = {
    "kernel_c": "FNFNNIININFNIINNFN",
    "plan_c": "FNFNFFF",
    "substeps_c": "FFFNFFINFI",
}
#: The module's entry points with a C interface (see :data:`.codegen.ENTRIES`).
ENTRIES = tuple(PROTOTYPES)
#: Numba's C extension modules and the prefix of the symbols their ``c_helpers`` provide.
_HELPERS = (("numba._helperlib", "_helperlib", "numba_"), ("numba.core.runtime._nrt_python",
            "core/runtime/_nrt_python", "NRT_"))  # fmt: skip


def _llvm() -> Any:
    import llvmlite.binding as llvm

    return llvm


@cache
def machine_tag() -> str:
    """Short digest of what object code depends on besides its source: CPU, LLVM, Numba, and
    this module (how the code was built)."""
    llvm = _llvm()
    text = json.dumps(
        [
            llvm.get_host_cpu_name(),
            llvm.get_host_cpu_features().flatten(),
            llvm.get_default_triple(),
            importlib.metadata.version("llvmlite"),
            importlib.metadata.version("numba"),
            hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),  # how it was built
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def object_paths(module_path: Path, entries: tuple[str, ...] = ENTRIES) -> dict[str, Path]:
    """Where the entry points' object code of the module at ``module_path`` lives (a generated
    kernel's by default)."""
    tag = machine_tag()
    return {e: module_path.with_name(f"{module_path.stem}-{e}-{tag}.o") for e in entries}


def _names_path(module_path: Path) -> Path:
    return module_path.with_name(f"{module_path.stem}-{machine_tag()}.json")


def is_built(module_path: Path, entries: tuple[str, ...] = ENTRIES) -> bool:
    """Whether this machine holds the object code of the module at ``module_path``."""
    paths = object_paths(module_path, entries).values()
    return _names_path(module_path).exists() and all(p.exists() for p in paths)


def build(module: ModuleType, module_path: Path, entries: tuple[str, ...] = ENTRIES) -> None:
    """Compile the module's entry points (already done by importing it) and store their object
    code and symbol names under ``module_path`` (its folder and stem). A module whose
    ``MACHINE_SCHEDULER`` is false is emitted without LLVM's machine scheduler (instruction order
    only: the results are the same)."""
    llvm = _llvm()
    target = llvm.Target.from_default_triple()
    tm = target.create_target_machine(
        cpu=llvm.get_host_cpu_name(),
        features=llvm.get_host_cpu_features().flatten(),
        opt=3,
        reloc="default",
        codemodel="jitdefault",
        jit=True,
    )
    names = {}
    scheduled = getattr(module, "MACHINE_SCHEDULER", True)
    for entry, path in object_paths(module_path, entries).items():
        cf = getattr(module, entry)
        ir = llvm.parse_assembly(estimated_divisions(cf.inspect_llvm()))
        if not scheduled:  # an option of the process's LLVM: set for this emission only
            llvm.set_option("kratomsim", "-enable-misched=false")
        try:
            obj = tm.emit_object(ir)
        finally:
            if not scheduled:
                llvm.set_option("kratomsim", "-enable-misched=true")
        _write(path, obj)
        names[entry] = [cf.native_name, module.PROTOTYPES[entry]]
    _write(_names_path(module_path), json.dumps(names).encode())


_FLOAT_DIV = re.compile(r"\bfdiv ((?:[a-z]+ )*)(<\d+ x float>|float) ")
_DEFINE = re.compile(r"^(define [^\n]*?)\s*\{$", re.MULTILINE)


def estimated_divisions(ir: str) -> str:
    """``ir`` with its single-precision divisions computed as the processor's reciprocal estimate
    refined by one Newton step (``vrcp14ps`` or ``rcpps`` and two fused multiply-adds instead of
    ``vdivps``: about 1 ulp instead of ½, at a fraction of the cost).

    LLVM does this for a division that may use a reciprocal (``arcp``, which the kernels' fast-math
    flags allow) and assumes finite operands (``ninf``), in a function whose
    ``reciprocal-estimates`` attribute asks for it. Only the single-precision divisions get
    ``ninf``, and only they are asked for: the kernels' collocation stages, whose operands are
    finite by construction (rates and amounts of a finite state); every double-precision division
    stays exact. On the benchmark workload this took 12 % off the PK kernel (25.7 to 22.6 µs per
    subject); the errors against the reference are 3.8e-7 (PK) and 5.9e-7 (full model), against
    4.2e-7 and 6.6e-7 with exact division.
    """
    ir = _FLOAT_DIV.sub(lambda m: f"fdiv ninf {m.group(1)}{m.group(2)} ", ir)
    return _DEFINE.sub(r'\1 "reciprocal-estimates"="divf,vec-divf" {', ir)


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


@cache
def _prepared() -> Any:
    """llvmlite with the native target ready and Numba's C helpers registered (once a process)."""
    llvm = _llvm()
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    spec = importlib.util.find_spec("numba")
    assert spec is not None and spec.submodule_search_locations
    root = spec.submodule_search_locations[0]
    for name, rel, prefix in _HELPERS:
        module = sys.modules.get(name)
        if module is None:
            found = glob.glob(os.path.join(root, f"{rel}.*.so")) or glob.glob(
                os.path.join(root, f"{rel}.*.pyd")
            )
            loader = importlib.machinery.ExtensionFileLoader(name, found[0])
            ext = importlib.util.spec_from_file_location(name, found[0], loader=loader)
            assert ext is not None
            module = importlib.util.module_from_spec(ext)
            sys.modules[name] = module
        for py_name, address in module.c_helpers.items():
            # as Numba does (numba.core.base, numba.core.runtime.nrt): the runtime's internal
            # helpers keep their own names
            own = prefix == "NRT_" and py_name.startswith("_")
            llvm.add_symbol(py_name if own else prefix + py_name, address)
    return llvm


def cfunc_signature(letters: str) -> Any:
    """Numba's signature of an entry point with these argument letters (imports Numba)."""
    from numba import types

    kinds = {
        "F": types.CPointer(types.float64),
        "I": types.CPointer(types.int64),
        "J": types.CPointer(types.int32),
        "N": types.int64,
    }
    return types.void(*[kinds[c] for c in letters])


def prototype(letters: str) -> Any:
    """The ctypes function type of an entry point with these argument letters (:data:`PROTOTYPES`)."""
    kinds = [ctypes.c_int64 if c == "N" else ctypes.c_void_p for c in letters]
    return ctypes.CFUNCTYPE(None, *kinds)


@dataclass(frozen=True)
class Native:
    """The entry points of one kernel, as ctypes functions (they release the GIL while they run)."""

    kernel: Callable[..., None]
    plan: Callable[..., None]
    substeps: Callable[..., None]
    #: what owns the code (MCJIT engines, or the compiled module), kept alive with the functions
    engines: tuple[Any, ...]

    @classmethod
    def of(cls, funcs: dict[str, Callable[..., None]], owners: tuple[Any, ...]) -> Native:
        return cls(funcs["kernel_c"], funcs["plan_c"], funcs["substeps_c"], owners)


#: What linking stored object code may raise; the entry points then run as compiled in-process.
LINK_ERRORS = (OSError, RuntimeError, IndexError, KeyError, ValueError)


def entry_points(
    module_path: Path,
    entries: tuple[str, ...],
    module: Callable[[], ModuleType],
    building: Callable[[], None] | None = None,
) -> tuple[dict[str, Callable[..., None]], tuple[Any, ...]]:
    """The entry points of the module at ``module_path`` and what owns their code. Without stored
    code for this machine, ``building()`` is told and the code is built from ``module()`` (which
    imports, and so compiles, the module); where the stored code cannot be linked, they are the
    module's own, as Numba compiled them in this process."""
    if not is_built(module_path, entries):
        if building is not None:
            building()
        build(module(), module_path, entries)
    try:
        return link(module_path, entries)
    except LINK_ERRORS:
        mod = module()
        return own(mod, entries), (mod,)


#: What owns the code of :func:`module_entry_points`: kept for the process's life.
_KEPT: list[tuple[Any, ...]] = []


def module_entry_points(
    source: Path, entries: tuple[str, ...], module: Callable[[], ModuleType]
) -> dict[str, Callable[..., None]]:
    """The entry points of a hand-written Numba module (its file at ``source``) through
    :func:`entry_points`, their code stored in the cache (``native`` in
    :func:`kratomsim.cache.cache_root`) under the SHA-256 of the module's text."""
    from kratomsim.cache import cache_root

    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:32]
    folder = cache_root() / "native"
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"{source.stem}-{digest}.py"  # names the stored files; no module is written
    funcs, owners = entry_points(stem, entries, module)
    _KEPT.append(owners)
    return funcs


def own(module: ModuleType, entries: tuple[str, ...]) -> dict[str, Callable[..., None]]:
    """The module's entry points as Numba compiled them in this process, through their addresses
    (where the stored code cannot be linked, e.g. a Numba build whose C helpers are laid out
    differently)."""
    return {e: prototype(module.PROTOTYPES[e])(getattr(module, e).address) for e in entries}


def link(
    module_path: Path, entries: tuple[str, ...]
) -> tuple[dict[str, Callable[..., None]], tuple[Any, ...]]:
    """The stored entry points of the module at ``module_path`` as ctypes functions (typed by the
    argument letters the module declared in its ``PROTOTYPES``), and the MCJIT engines that own
    their code."""
    llvm = _prepared()
    names = json.loads(_names_path(module_path).read_text())
    funcs, engines = {}, []
    for entry, path in object_paths(module_path, entries).items():
        symbol, letters = names[entry]
        # the engine owns its (empty) module and its target machine
        tm = llvm.Target.from_default_triple().create_target_machine()
        engine = llvm.create_mcjit_compiler(llvm.parse_assembly(""), tm)
        engine.add_object_file(llvm.ObjectFileRef.from_data(path.read_bytes()))
        engine.finalize_object()
        address = engine.get_function_address(symbol)
        if not address:
            raise RuntimeError(f"{path.name} defines no {symbol}")
        funcs[entry] = prototype(letters)(address)
        engines.append(engine)
    return funcs, tuple(engines)


def ptr(a: np.ndarray) -> int:
    """Address of ``a``'s data: a C-contiguous float64, int64 or int32 array that the caller
    keeps."""
    if a.dtype not in (np.float64, np.int64, np.int32) or not a.flags.c_contiguous:
        raise ValueError(f"expected a C-contiguous float64, int64 or int32 array, got {a.dtype}")
    return a.ctypes.data
