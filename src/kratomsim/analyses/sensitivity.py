"""Global sensitivity: first-order and total Sobol indices of a per-subject output.

Which uncertain parameter drives, say, the withdrawal peak? Sobol indices split the output's
variance over the parameters' declared ranges: ``S1`` is the share a parameter explains alone, ``ST``
the share it takes part in, interactions included. Sampling (Saltelli's scheme on a scrambled Sobol'
sequence) and estimation (Saltelli 2010 for S1, Jansen for ST, bootstrap confidence intervals) are
SALib's; this module maps SALib's unit-cube samples onto each parameter's declared distribution
(uniform, or log-uniform: uniform in log space) and evaluates the full model in chunks of subjects.

An output that does not vary over the base sample (the runs SALib estimates the variance from)
has no variance to split: no index is estimated, and the result says so (``estimated`` false,
``reason`` in words) instead of reporting zeros. A withdrawal peak after a single dose is such an
output: the dose builds almost no dependence, so the score stays 0 in nearly every run.

The indices describe the model and the ranges in the parameter files, most of them labelled
assumptions; they say where the evidence is thin, not anything about a person.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

from kratomsim.engine.subjects import (
    SCALAR_OUTPUTS,
    dosing_for,
    simulate_subjects,
    subject_summaries,
)
from kratomsim.errors import KratomsimError, bad_value
from kratomsim.evidence import CitedValue
from kratomsim.evidence.model_parameters import central_values, uncertain_parameters
from kratomsim.evidence.params import cited_inputs
from kratomsim.evidence.schema import Product
from kratomsim.models.dosing import Regimen
from kratomsim.population.uncertainty import distribution

FloatArray = NDArray[np.float64]
#: Subjects per model evaluation: bounds memory (arrays of subjects × output times).
DEFAULT_CHUNK = 256


class SensitivityError(KratomsimError, ValueError):
    """A sensitivity setting that cannot work (output name, sample size, parameters)."""


@dataclass(frozen=True)
class SobolResult:
    """Sobol indices of one output; arrays in the order of ``names``.

    ``*_conf`` are half-widths of the bootstrap confidence intervals at ``conf_level``. When the
    output does not vary over the base sample, ``estimated`` is false, every index and half-width
    is NaN and ``reason`` says why.
    """

    output: str
    names: tuple[str, ...]
    s1: FloatArray
    s1_conf: FloatArray
    st: FloatArray
    st_conf: FloatArray
    n_base: int
    n_evaluations: int
    seed: int
    conf_level: float
    output_mean: float
    output_sd: float
    estimated: bool = True
    reason: str = ""

    def to_frame(self) -> pd.DataFrame:
        """One row per parameter, sorted by total index (largest first)."""
        frame = pd.DataFrame(
            {
                "parameter": self.names,
                "S1": self.s1,
                "S1_conf": self.s1_conf,
                "ST": self.st,
                "ST_conf": self.st_conf,
            }
        )
        return frame.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)

    def to_dict(self) -> dict[str, object]:
        """Plain values for JSON; an index that was not estimated is ``None``."""
        records = [
            {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in r.items()}
            for r in self.to_frame().to_dict(orient="records")
        ]
        return {
            "output": self.output,
            "estimated": self.estimated,
            "reason": self.reason,
            "n_base": self.n_base,
            "n_evaluations": self.n_evaluations,
            "seed": self.seed,
            "conf_level": self.conf_level,
            "output_mean": self.output_mean,
            "output_sd": self.output_sd,
            "indices": records,
        }


def unit_to_values(unit: FloatArray, parameters: Sequence[CitedValue]) -> dict[str, FloatArray]:
    """Map points of the unit cube (rows × parameters) onto the parameters' declared ranges.

    Uniform: ``low + u·(high − low)``; log-uniform: ``exp(log low + u·(log high − log low))``,
    so that each SALib column is a quantile of the parameter's own distribution.
    """
    u = np.asarray(unit, dtype=np.float64)
    if u.ndim != 2 or u.shape[1] != len(parameters):
        raise SensitivityError(
            bad_value(
                "Unit samples must have one column per parameter",
                u.shape,
                f"Pass an array of shape (rows, {len(parameters)}).",
            )
        )
    out: dict[str, FloatArray] = {}
    for j, p in enumerate(parameters):
        kind = distribution(p)
        if kind == "fixed" or not p.low < p.high:
            raise SensitivityError(
                bad_value(
                    "Only parameters with a range (low < high) can be varied",
                    p.name,
                    "Leave fixed values out of the analysis.",
                )
            )
        if kind == "log-uniform":
            lo, hi = np.log(p.low), np.log(p.high)
            out[p.name] = np.exp(lo + u[:, j] * (hi - lo))
        else:
            out[p.name] = p.low + u[:, j] * (p.high - p.low)
    return out


def _check_n(n: int) -> None:
    if n < 2 or n & (n - 1):
        raise SensitivityError(
            bad_value(
                "The base sample size n must be a power of two ≥ 2 (Sobol' sequence balance)",
                n,
                "Use e.g. 256, 512 or 1024.",
            )
        )


def sobol_indices(
    function: Callable[[dict[str, FloatArray]], FloatArray],
    parameters: Sequence[CitedValue],
    /,
    *,
    output: str = "y",
    n: int = 512,
    seed: int = 0,
    chunk: int = DEFAULT_CHUNK,
    conf_level: float = 0.95,
) -> SobolResult:
    """First-order and total Sobol indices of ``function`` over ``parameters``.

    ``function`` maps a dict of parameter arrays (one value per row) to one output per row; it is
    called on chunks of at most ``chunk`` rows. ``n`` base samples give ``n·(d + 2)`` evaluations
    for ``d`` parameters.
    """
    _check_n(n)
    if not parameters:
        raise SensitivityError(bad_value("No parameters to vary", "()", "Give ≥ 1 parameter."))
    if chunk < 1:
        raise SensitivityError(bad_value("Chunk size must be ≥ 1", chunk, "Use e.g. 256."))
    problem = {
        "num_vars": len(parameters),
        "names": [p.name for p in parameters],
        "bounds": [[0.0, 1.0]] * len(parameters),
    }
    unit = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    values = unit_to_values(unit, parameters)
    y = np.empty(unit.shape[0])
    for start in range(0, unit.shape[0], chunk):
        part = {k: v[start : start + chunk] for k, v in values.items()}
        y[start : start + chunk] = np.asarray(function(part), dtype=np.float64)
    if not np.all(np.isfinite(y)):
        raise SensitivityError(
            bad_value(f"The output {output} is not finite for some samples", "NaN/inf", "Check it.")
        )
    names = tuple(p.name for p in parameters)
    reason = _no_variance(y, len(names), output=output)
    if reason:
        nan = np.full(len(names), np.nan)
        return SobolResult(
            output,
            names,
            nan,
            nan,
            nan,
            nan,
            n,
            y.size,
            seed,
            conf_level,
            float(y.mean()),
            float(y.std()),
            estimated=False,
            reason=reason,
        )
    res = sobol_analyze.analyze(
        problem, y, calc_second_order=False, conf_level=conf_level, seed=seed
    )
    return SobolResult(
        output=output,
        names=names,
        s1=np.asarray(res["S1"], dtype=np.float64),
        s1_conf=np.asarray(res["S1_conf"], dtype=np.float64),
        st=np.asarray(res["ST"], dtype=np.float64),
        st_conf=np.asarray(res["ST_conf"], dtype=np.float64),
        n_base=n,
        n_evaluations=int(y.size),
        seed=seed,
        conf_level=conf_level,
        output_mean=float(y.mean()),
        output_sd=float(y.std()),
    )


def _no_variance(y: FloatArray, d: int, *, output: str) -> str:
    """Why no index can be estimated from the outputs ``y`` of ``d`` parameters, or "" if they can.

    Saltelli's scheme lays the runs out in blocks of ``d + 2``: the first (matrix A) and the last
    (matrix B) of each block are the base sample, whose variance every index is divided by; the
    ``d`` between vary one parameter each. SALib standardises the output and finds no variance when
    the standardised base sample spans at most machine epsilon; the same test is made here first.
    """
    if np.ptp(y) == 0.0:
        return (
            f"{output} is {y[0]:.4g} in all {y.size:,} model runs: it does not depend on the varied "
            "parameters over their ranges, so there is no variance to split and no index is "
            "estimated."
        )
    step = d + 2
    z = (y - y.mean()) / y.std()
    base = np.concatenate([z[0::step], z[step - 1 :: step]])
    if np.ptp(base) > np.finfo(float).eps:
        return ""
    value = float(y[0])
    differ = int(np.count_nonzero(y != value))
    return (
        f"{output} is {value:.4g} in all {base.size:,} runs of the base sample and differs in only "
        f"{differ:,} of {y.size:,} model runs: the base sample shows no variance to split, so no "
        "index is estimated. A larger base sample n, or an output that varies more (a longer or "
        "repeated regimen for withdrawal), may give one."
    )


def check_output(output: str) -> None:
    """Raise :class:`SensitivityError` listing the valid names unless ``output`` is one."""
    if output not in SCALAR_OUTPUTS:
        raise SensitivityError(
            bad_value("Unknown output", output, f"Use one of {', '.join(SCALAR_OUTPUTS)}.")
        )


def model_sensitivity(
    regimen: Regimen,
    /,
    output: str,
    *,
    product: Product | None = None,
    mg_per_g: float | None = None,
    oh7_mg_per_g: float | None = None,
    duration_h: float | None = None,
    step_h: float | None = None,
    n: int = 512,
    seed: int = 0,
    chunk: int = DEFAULT_CHUNK,
    parameters: Sequence[CitedValue] | None = None,
) -> SobolResult:
    """Sobol indices of a per-subject output of the full model for a regimen of a product.

    ``product`` (default leaf powder), ``mg_per_g``, ``oh7_mg_per_g`` and ``duration_h`` as for
    :func:`kratomsim.analyses.outcomes.simulate_outcomes`; ``output`` is one of
    :data:`~kratomsim.engine.subjects.SCALAR_OUTPUTS`. Every uncertain parameter of the full model
    (a declared range, low < high) is varied over its distribution unless ``parameters`` names a
    subset; the rest stay at their cited values. ``step_h`` coarsens the output grid for speed;
    peaks and AUCs are then read from fewer points (a 1 h grid can miss a Cmax by several per
    cent), and the kernel's RK4 sub-steps of the adaptation states grow with it.
    """
    check_output(output)
    _check_n(n)
    inputs = cited_inputs(product, mg_per_g=mg_per_g, oh7_mg_per_g=oh7_mg_per_g)
    dosing = dosing_for(regimen, inputs, duration_h=duration_h, step_h=step_h)
    varied = (
        tuple(parameters) if parameters is not None else uncertain_parameters(dosing.absorption)
    )
    central = central_values(dosing.absorption)
    unknown = [p.name for p in varied if p.name not in central]
    if unknown:
        raise SensitivityError(
            bad_value("Not parameters of the full model", unknown, "Vary model parameters only.")
        )

    def evaluate(part: Mapping[str, FloatArray]) -> FloatArray:
        rows = len(next(iter(part.values())))
        values = {k: np.full(rows, v) for k, v in central.items()}
        values.update(part)
        outputs = simulate_subjects(values, dosing)
        return subject_summaries(outputs)[output]

    return sobol_indices(evaluate, varied, output=output, n=n, seed=seed, chunk=chunk)
