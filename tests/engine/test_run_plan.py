"""How :func:`kratomsim.engine.compiled.run_kernel` plans a run: the schedule, each subject's
sub-steps and the blocks each thread takes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from kratomsim.engine.compiled import (
    FRONT_RATE_FRACTION,
    Schedule,
    compiled_kernel,
    lane_order,
    make_schedule,
    substeps,
)
from kratomsim.errors import ModelSpecError
from kratomsim.spec import default_spec

PK = ("mitragynine_nm", "oh7_nm")


def rule(
    sched: Schedule,
    rate: np.ndarray,
    rate_front: np.ndarray,
    window: np.ndarray,
    max_step_h: float,
    rate_step: float,
) -> np.ndarray:
    """The sub-step rule as the docstring of ``substeps`` states it, written out in NumPy."""
    n = np.empty((rate.size, sched.lengths.size), dtype=np.int64)
    for k, (length, since, front) in enumerate(
        zip(sched.lengths, sched.since, sched.fronts, strict=True)
    ):
        lam = np.where(since < window, rate_front, rate)
        step = rate_step * (FRONT_RATE_FRACTION if front else 1.0)
        with np.errstate(divide="ignore"):
            h = np.where(
                lam > 0, np.minimum(max_step_h, step / np.where(lam > 0, lam, 1)), max_step_h
            )
        n[:, k] = np.maximum(1, np.ceil(length / h - 1e-9))
    return n


def test_the_compiled_sub_step_rule_is_the_documented_one() -> None:
    code = compiled_kernel(default_spec(), PK).native
    rng = np.random.default_rng(11)
    sched = make_schedule(np.array([0.0, 7.5, 30.0]), np.arange(0.0, 48.0, 0.75))
    rate = rng.lognormal(0.0, 1.5, 400)
    rate[:5] = 0.0  # no dynamics at all: the largest step
    rate_front = rate * rng.uniform(1.0, 4.0, rate.size)
    window = rng.uniform(0.0, 12.0, rate.size)
    for max_step_h, rate_step in [(1.0, 3.0), (0.25, 1.0), (8.0, 6.0)]:
        got = substeps(code, sched, rate, rate_front, window, max_step_h, rate_step)
        want = rule(sched, rate, rate_front, window, max_step_h, rate_step)
        assert np.array_equal(got, want)
    assert got.min() == 1 and got.max() > 1


def test_a_schedule_is_built_once_for_equal_times_and_cannot_be_changed() -> None:
    doses, times = np.array([0.0, 8.0, 16.0]), np.arange(0.0, 25.0)
    first = make_schedule(doses, times)
    assert make_schedule(doses.copy(), list(times)) is first
    assert make_schedule(doses + 1.0, times) is not first
    with pytest.raises(ValueError, match="read-only"):
        first.node_dose[0] = 3
    with pytest.raises(ModelSpecError, match="Output times"):
        make_schedule(doses, np.array([0.0, np.nan]))


def skewed_substeps(rng: np.random.Generator, n: int) -> tuple[Schedule, np.ndarray]:
    """Sub-steps as a regimen gives them: most subjects take one per interval, a tail takes up to
    five in the intervals that start at a dose."""
    sched = make_schedule(np.arange(0.0, 72.0, 8.0), np.arange(0.0, 73.0))
    nsub = np.ones((n, sched.lengths.size), dtype=np.int64)
    tail = rng.random(n) < 0.3
    nsub[np.ix_(tail, np.flatnonzero(sched.fronts))] = rng.integers(2, 6, size=(tail.sum(), 1))
    return sched, nsub


@pytest.mark.parametrize("parts", [1, 2, 3])
def test_each_thread_gets_blocks_of_equal_cost(parts: int) -> None:
    rng = np.random.default_rng(5)
    block, n = 16, 16 * 200 + 7
    sched, nsub = skewed_substeps(rng, n)
    order, bounds = lane_order(sched, nsub, block, parts)
    assert np.array_equal(np.sort(order), np.arange(n))  # every subject once
    assert bounds[0] == 0 and bounds[-1] == -(-n // block) and len(bounds) == parts + 1
    counts = np.bincount(sched.interval_len, minlength=sched.lengths.size)
    full = n // block
    # a block costs as many sub-steps as its slowest lane takes
    cost = (nsub[order[: full * block]].reshape(full, block, -1).max(axis=1) @ counts).astype(float)
    runs = [cost[lo : min(hi, full)].sum() for lo, hi in itertools.pairwise(bounds)]
    # within two blocks' cost (alternating the cheapest and the costliest blocks left two runs
    # eleven blocks' cost apart here)
    assert max(runs) - min(runs) <= 2 * cost.max()
    # the lanes of a block step in lockstep: blocks of one sub-step count, but for the boundary
    per_subject = (nsub @ counts)[order[: full * block]].reshape(full, block)
    assert np.mean(per_subject.min(axis=1) == per_subject.max(axis=1)) > 0.9
