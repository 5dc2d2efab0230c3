"""Stored machine code (kratomsim.engine.native) computes what Numba's in-process code computes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kratomsim.engine import compiled, native
from kratomsim.engine.compiled import compiled_kernel, run_kernel
from kratomsim.evidence.model_values import model_evidence
from kratomsim.spec import default_spec

SPEC = default_spec()
OUTPUTS = ("mitragynine_nm", "oh7_nm", "cyp3a_liver_activity")


def workload(kernel: compiled.Kernel, n: int) -> tuple[np.ndarray, ...]:
    """``n`` subjects (clearance and absorption spread), doses every 8 h for 3 days, 0.25 h grid."""
    base = model_evidence("tea").central()
    pm = np.array([[base[p] for p in kernel.params] for _ in range(n)])
    rng = np.random.default_rng(7)
    for name in ("clu_h", "ka"):
        pm[:, kernel.params.index(name)] *= np.exp(rng.normal(0.0, 0.4, n))
    times = np.arange(0.0, 72.0, 8.0)
    doses = np.column_stack([np.full(times.size, 2 * 19.5e6 / 398.5), np.zeros(times.size)])
    return pm, times, doses[None], np.arange(0.0, 96.25, 0.25)


def test_the_stored_code_equals_numbas_in_process_code(monkeypatch: pytest.MonkeyPatch) -> None:
    kernel = compiled_kernel(SPEC, OUTPUTS)
    assert compiled.is_compiled(kernel.path)
    pm, times, doses, t_out = workload(kernel, 70)  # five blocks, the last one partial
    stored = run_kernel(kernel, pm, times, doses, t_out, threads=2)
    # The same module compiled by Numba here, its entry points called through their addresses.
    module = compiled._import(kernel.path)
    own = native.Native.of(native.own(module, native.ENTRIES), (module,))
    other = compiled.Kernel(**{**kernel.__dict__, "native": own})
    assert other.native.kernel is not kernel.native.kernel
    here = run_kernel(other, pm, times, doses, t_out, threads=1)
    assert np.all(np.isfinite(stored)) and np.max(stored[0]) > 0
    # The stored code divides in single precision by the reciprocal estimate (about 1 ulp,
    # native.estimated_divisions), Numba's exactly: the outputs differ by round-off only.
    scale = np.abs(here).max(axis=2, keepdims=True)
    assert np.max(np.abs(stored - here) / scale) < 3e-7  # measured 1.5e-7


def test_the_machine_scheduler_changes_the_order_of_instructions_not_the_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kernel = compiled_kernel(SPEC, OUTPUTS)
    module = compiled._import(kernel.path)
    pm, times, doses, t_out = workload(kernel, 40)
    results, code = [], []
    for scheduled in (True, False):
        monkeypatch.setattr(module, "MACHINE_SCHEDULER", scheduled)
        path = tmp_path / f"scheduled_{scheduled}" / "kernel.py"
        path.parent.mkdir()
        native.build(module, path)
        code.append(native.object_paths(path)["kernel_c"].read_bytes())
        other = compiled.Kernel(
            **{**kernel.__dict__, "native": native.Native.of(*native.link(path, native.ENTRIES))}
        )
        results.append(run_kernel(other, pm, times, doses, t_out, threads=1))
    assert code[0] != code[1]  # the option reached the code generator
    assert np.all(np.isfinite(results[0])) and np.max(results[0][0]) > 0
    np.testing.assert_array_equal(results[0], results[1])


def test_only_single_precision_divisions_are_estimated() -> None:
    ir = (
        "define i32 @k(ptr %a) local_unnamed_addr {\n"
        "  %1 = fdiv nsz arcp contract <16 x float> %x, %y\n"
        "  %2 = fdiv nsz arcp contract float %p, %q\n"
        "  %3 = fdiv nsz arcp contract <8 x double> %u, %v\n"
        "  %4 = fdiv double %s, %t\n"
        "}\n"
    )
    out = native.estimated_divisions(ir)
    assert "fdiv ninf nsz arcp contract <16 x float> %x" in out
    assert "fdiv ninf nsz arcp contract float %p" in out
    assert "fdiv nsz arcp contract <8 x double> %u" in out and "fdiv double %s" in out
    assert '"reciprocal-estimates"="divf,vec-divf" {' in out


def test_wrong_shapes_are_refused_before_the_kernel_reads_memory() -> None:
    kernel = compiled_kernel(SPEC, OUTPUTS)
    pm, times, doses, t_out = workload(kernel, 3)
    with pytest.raises(ValueError, match=r"pm has shape \(3, \d+\)"):
        run_kernel(kernel, pm[:, :-1], times, doses, t_out)
    with pytest.raises(ValueError, match="doses_nmol has shape"):
        run_kernel(kernel, pm, times, doses[..., :1], t_out)
    with pytest.raises(ValueError, match="doses_nmol has shape"):
        run_kernel(kernel, pm, times, np.repeat(doses, 2, axis=0), t_out)
