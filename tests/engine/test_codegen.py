"""Generated kernels against the independent SciPy reference of the same specification."""

from __future__ import annotations

import numpy as np
import pytest

from kratomsim.engine.compiled import compiled_kernel, run_kernel
from kratomsim.engine.reference import reference_model, simulate_reference
from kratomsim.evidence.model_values import model_evidence
from kratomsim.spec import default_spec

SPEC = default_spec()
ALL = tuple(o.name for o in SPEC.outputs)


def draw(absorption: str, rng: np.random.Generator) -> dict[str, float]:
    """One parameter set drawn from the cited ranges (log-uniform), in base units."""
    ev = model_evidence(absorption)
    values = ev.central()
    for name, c in ev.cited.items():
        if c.low < c.high and c.low > 0:
            values[name] = (
                float(np.exp(rng.uniform(np.log(c.low), np.log(c.high)))) * ev.factor[name]
            )
    return values


def regimen(kind: str) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
    """(absorption, dose times, nmol per dose (doses, 2), output times)."""
    if kind == "leaf q8h":
        t = np.arange(0.0, 72.0, 8.0)
        d = np.column_stack([np.full(t.size, 2 * 13.3e6 / 398.5), np.zeros(t.size)])
        return "capsule", t, d, np.arange(0.0, 97.0)
    if kind == "tea irregular":
        t = np.array([0.0, 5.5, 6.25, 30.0, 31.0])
        d = np.column_stack(
            [np.array([1.0, 2.0, 0.5, 4.0, 1.0]) * 19.5e6 / 398.5, np.zeros(t.size)]
        )
        return "tea", t, d, np.linspace(0.0, 60.0, 181)
    # a concentrated 7-OH product: little mitragynine, much 7-OH
    t = np.array([0.0, 12.0, 24.0])
    d = np.column_stack([np.full(3, 0.5 * 4.0e6 / 398.5), np.full(3, 0.5 * 40.0e6 / 414.502)])
    return "capsule", t, d, np.arange(0.0, 49.0, 0.5)


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-9))


@pytest.mark.parametrize("kind", ["leaf q8h", "tea irregular", "7-OH product"])
def test_kernel_matches_the_reference_within_1e_6(kind: str, rng: np.random.Generator) -> None:
    absorption, times, doses, t_out = regimen(kind)
    kernel = compiled_kernel(SPEC, ALL)
    params = [model_evidence(absorption).central(), draw(absorption, rng)]
    pm = np.array([[p[n] for n in kernel.params] for p in params])
    out = run_kernel(kernel, pm, times, doses[None], t_out)
    # The concentrated 7-OH product also with sub-steps a third as long (λ·h ≤ 1, h ≤ 0.25 h).
    fine = out
    if kind == "7-OH product":
        fine = run_kernel(kernel, pm, times, doses[None], t_out, max_step_h=0.25, rate_step=1.0)
    for s, p in enumerate(params):
        ref = simulate_reference(SPEC, p, times, doses, t_out)
        for r, name in enumerate(kernel.outputs):
            err = relative_error(out[r, s], ref[name])
            # Known deviation: the concentrated 7-OH product leaves a small withdrawal score (about
            # 0.1 of 64) in the steep foot of its Hill curve, of a small difference (counter-
            # adaptation − effective activation − threshold): a relative error of ~1e-7 in the
            # adaptation states becomes ~3e-6 in the score (2.4e-5 for one of 20 drawn subjects). It is
            # the kernel's default sub-steps after a dose (the reference agrees with Radau to
            # 1e-13): with shorter sub-steps the error falls to ~2e-8 and below, checked next.
            # Every other case and output: 1e-6 at the defaults.
            limit = 2e-5 if kind == "7-OH product" else 1e-6
            assert err <= limit, f"{kind}, subject {s}, {name}: {err:.2e}"
            if kind == "7-OH product":
                err = relative_error(fine[r, s], ref[name])
                assert err <= 1e-6, f"{kind}, shorter sub-steps, subject {s}, {name}: {err:.2e}"


def test_the_outputs_powers_are_computed_for_a_whole_block_at_once() -> None:
    from kratomsim.engine.codegen import kernel_source
    from kratomsim.spec.structure import analyse
    from kratomsim.spec.symbolic import build

    sym = build(SPEC)

    def output_phase(outputs: tuple[str, ...]) -> str:
        text, _ = kernel_source(analyse(sym, outputs), nodes=4, block=32)
        return text[text.index("o = node_out[g]") : text.index("def plan_all")]

    full = output_phase(ALL)
    # withdrawal score, ventilation and pupil are Hill curves with per-subject exponents
    assert "vpow(pwx, pwy, pwr, pwe, pwm, pwk)" in full and "**" not in full
    pk = output_phase(("mitragynine_nm", "oh7_nm"))
    assert "vpow(" not in pk and "**" not in pk


def test_single_precision_stages_stay_well_within_the_error_budget(
    rng: np.random.Generator,
) -> None:
    """The collocation stages run in single precision, the states and the step end in double
    (engine/codegen.py). Against the same kernel all in double the results differ (single
    precision is in use) by far less than the kernel's 1e-6 budget, and neither drifts: the
    difference at the end of three days is no larger than in the first hours."""
    absorption, times, doses, t_out = regimen("leaf q8h")
    pk = ("mitragynine_nm", "oh7_nm", "cyp3a_liver_activity")
    single = compiled_kernel(SPEC, pk)
    double = compiled_kernel(SPEC, pk, single=False)
    params = [model_evidence(absorption).central(), *(draw(absorption, rng) for _ in range(5))]
    pm = np.array([[p[n] for n in single.params] for p in params])
    a = run_kernel(single, pm, times, doses[None], t_out)
    b = run_kernel(double, pm, times, doses[None], t_out)
    assert not np.array_equal(a, b)
    for r, name in enumerate(single.outputs):
        for s in range(len(params)):
            assert relative_error(a[r, s], b[r, s]) <= 3e-7, (name, s)
    scale = np.abs(b).max(axis=2, keepdims=True)
    gap = np.abs(a - b) / scale
    assert gap[..., -24:].max() <= 2 * gap[..., :24].max() + 1e-7


def test_results_do_not_depend_on_threads_or_block_membership(rng: np.random.Generator) -> None:
    absorption, times, doses, t_out = regimen("leaf q8h")
    kernel = compiled_kernel(SPEC, ALL)
    params = [draw(absorption, rng) for _ in range(70)]
    pm = np.array([[p[n] for n in kernel.params] for p in params])
    one = run_kernel(kernel, pm, times, doses[None], t_out, threads=1)
    two = run_kernel(kernel, pm, times, doses[None], t_out, threads=2)
    assert np.array_equal(one, two)
    # subject 5 alone, and inside a reversed population: the same numbers to the last bit
    alone = run_kernel(kernel, pm[5:6], times, doses[None], t_out, threads=1)
    rev = run_kernel(kernel, pm[::-1].copy(), times, doses[None], t_out, threads=1)
    assert np.array_equal(alone[:, 0], one[:, 5])
    assert np.array_equal(rev[:, ::-1], one)


def test_an_empty_body_stays_empty_and_enzymes_stay_intact() -> None:
    kernel = compiled_kernel(SPEC, ALL)
    pm = np.array([[model_evidence("tea").central()[n] for n in kernel.params]])
    out = run_kernel(kernel, pm, np.array([1.0]), np.zeros((1, 1, 2)), np.arange(0.0, 5.0))
    rows = dict(zip(kernel.outputs, out[:, 0], strict=True))
    assert np.all(rows["mitragynine_nm"] == 0) and np.all(rows["withdrawal_score"] == 0)
    assert np.all(rows["cyp3a_liver_activity"] == 1.0)


def test_the_pruned_reference_integrates_only_what_the_outputs_need() -> None:
    pk = ("mitragynine_nm", "oh7_nm")
    kept = reference_model(SPEC, sinks=False, outputs=pk).states
    assert {"mg_central", "oh_central", "d_gut", "d_hep"} <= set(kept)
    assert not {"tolerance", "counter", "ce_mg"} & set(kept)
    absorption, times, doses, t_out = regimen("leaf q8h")
    p = model_evidence(absorption).central()
    tight = {"rtol": 1e-11, "atol": 1e-11, "outputs": pk}
    whole = simulate_reference(SPEC, p, times, doses, t_out, **tight)
    pruned = simulate_reference(SPEC, p, times, doses, t_out, prune=True, **tight)
    for name in pk:
        assert relative_error(pruned[name], whole[name]) < 1e-8, name


def test_interval_classes_that_every_subject_steps_alike_merge_as_numpy_unique_would() -> None:
    from kratomsim.engine.compiled import _unique_columns

    rng = np.random.default_rng(7)
    for n, c in [(1, 1), (3, 8), (500, 12)]:
        key = np.vstack([rng.choice([0.5, 1.0], size=(1, c)), rng.integers(1, 3, size=(n, c))])
        key[:, -1] = key[:, 0]  # at least one repeated column
        first, inverse = _unique_columns(key)
        want = np.unique(key, axis=1)
        assert first.size == want.shape[1] < c + (c == 1)
        assert np.array_equal(key[:, first][:, inverse], key)
        assert np.array_equal(np.sort(first), np.sort(np.unique(key, axis=1, return_index=True)[1]))


def test_the_trial_population_on_repeated_doses_within_1e_6() -> None:
    """Twelve subjects as ``kratomsim trial`` draws them (the engine benchmark's seed), leaf powder
    2 g every 8 h for 4 days, hourly: the PK outputs within 1e-6 of the reference. While the
    prediction of hepatic CYP3A inactivation at a step's nodes read the rate from before a dose,
    the fourth of these subjects was 1.8e-6 off in the hour after a dose."""
    import kratomsim
    from kratomsim.engine.subjects import dosing_for, parameter_matrix, simulate_subjects
    from kratomsim.evidence import cited_inputs, resolve_product
    from kratomsim.population.variability import (
        STREAM_WIDTH,
        build_omega,
        covariate_effects,
        draw_subjects,
        parse_covariates,
        subject_normals,
    )

    pk = ("mitragynine_nm", "oh7_nm")
    inputs = cited_inputs(resolve_product("leaf-powder"))
    dosing = dosing_for(
        kratomsim.parse_regimen("2 g every 8 h for 4 days"), inputs, duration_h=96.0, step_h=1.0
    )
    cov = parse_covariates(None)
    z = subject_normals(20261124, 0, 0, 12, STREAM_WIDTH)
    draws = draw_subjects(
        inputs.values, dosing.absorption, build_omega(), covariate_effects(cov), cov, z
    )
    got = simulate_subjects(draws.values, dosing, outputs=pk)
    kernel = compiled_kernel(SPEC, ALL)
    base, _ = parameter_matrix(draws.values, kernel, SPEC)
    mw = base[0, kernel.params.index("mw_mg")]
    doses = np.column_stack([dosing.mg_doses_mg[0] * 1e6 / mw, np.zeros(dosing.dose_times_h.size)])
    for s in range(12):
        p = dict(zip(kernel.params, base[s].tolist(), strict=True))
        ref = simulate_reference(SPEC, p, dosing.dose_times_h, doses, dosing.time_h, outputs=pk)
        for r, name in enumerate(pk):
            err = relative_error(got.values[r, s], ref[name])
            assert err <= 1e-6, f"subject {s}, {name}: {err:.2e}"
