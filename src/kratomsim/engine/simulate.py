"""The main entry point: :func:`simulate` a regimen of a product for one person."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from kratomsim.engine.core import auc_inf_per_nmol, concentrations_nm, simulate_states, to_ng_per_ml
from kratomsim.engine.params import model_inputs
from kratomsim.engine.result import Simulation
from kratomsim.engine.summary import summarise
from kratomsim.errors import ProductError, RegimenError, ScenarioError, bad_value
from kratomsim.evidence import CitedValue, Product, load_parameters, resolve_product
from kratomsim.models.dosing import DoseEvents, Regimen
from kratomsim.models.pk import PARAMETERS
from kratomsim.models.regimen_text import parse_regimen
from kratomsim.models.scenario import Scenario, load_scenario_text, parse_duration_h

FloatArray = NDArray[np.float64]
SCENARIO_SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".toml": "toml"}
#: Observation continues at least this long after the last dose (h) …
MIN_WASHOUT_H = 168.0
#: … and at least this many terminal half-lives of mitragynine.
WASHOUT_HALF_LIVES = 5.0
MAX_DURATION_H = 10 * 365 * 24.0


def read_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read a YAML or TOML scenario file."""
    p = Path(path)
    fmt = SCENARIO_SUFFIXES.get(p.suffix.lower())
    if fmt is None:
        raise ScenarioError(
            bad_value(
                "Scenario files must end in .yaml, .yml or .toml",
                str(p),
                "Rename the file or pass the regimen as text.",
            )
        )
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(
            bad_value("Cannot read scenario file", str(p), f"Check the path ({exc.strerror}).")
        ) from None
    return load_scenario_text(text, fmt=fmt)  # type: ignore[arg-type]


def _as_scenario(regimen: str | os.PathLike[str] | Regimen | Scenario) -> Scenario | Regimen:
    if isinstance(regimen, Regimen | Scenario):
        return regimen
    if isinstance(regimen, os.PathLike) or Path(str(regimen)).suffix.lower() in SCENARIO_SUFFIXES:
        return read_scenario(regimen)
    if not isinstance(regimen, str):
        raise RegimenError(
            bad_value(
                "A regimen must be text, a scenario file or a Regimen",
                type(regimen).__name__,
                "Pass e.g. '2 g every 8 h for 14 days'.",
            )
        )
    return parse_regimen(regimen)


def _product_of(
    reg: Regimen, product: str | None, mg_per_g: float | None, oh7_mg_per_g: float | None
) -> Product:
    """The product of a run: the one the regimen text implies (7-OH in mg), else ``product``."""
    if reg.product is None:
        return resolve_product(product or "leaf-powder")
    implied = resolve_product(reg.product)
    if product is not None and resolve_product(product).id != implied.id:
        raise ProductError(
            bad_value(
                f"The regimen gives its doses as mg of 7-OH (product {implied.id!r}), "
                "which contradicts the product",
                product,
                f"Leave the product out, or give it as {implied.id!r}.",
            )
        )
    if mg_per_g is not None or oh7_mg_per_g is not None:
        raise ProductError(
            bad_value(
                "The regimen states the 7-OH in each dose; a content per g does not apply",
                f"mg_per_g={mg_per_g}, oh7_mg_per_g={oh7_mg_per_g}",
                "Leave out the mitragynine and 7-OH content.",
            )
        )
    return implied


def terminal_half_life_h(params: Mapping[str, float]) -> float:
    """Slowest disposition half-life of mitragynine (h) from the two-compartment constants."""
    k10, k12, k21 = (
        params["cl"] / params["v1"],
        params["q"] / params["v1"],
        params["q"] / params["v2"],
    )
    s = k10 + k12 + k21
    beta = (s - np.sqrt(s * s - 4 * k10 * k21)) / 2
    return float(np.log(2) / beta)


def default_times(regimen: Regimen, duration_h: float | None, t_half_h: float) -> FloatArray:
    """Observation grid: to ``duration_h``, or until the last dose has largely washed out."""
    if duration_h is None:
        last = regimen.expand(None).last_time_h if not regimen.open_ended else 28 * 24.0
        duration_h = last + max(MIN_WASHOUT_H, WASHOUT_HALF_LIVES * t_half_h)
    if not (0 < duration_h <= MAX_DURATION_H):
        raise RegimenError(
            bad_value(
                "Observation duration must be between 0 and 10 years",
                f"{duration_h:g} h",
                "Give e.g. --duration '10 d'.",
            )
        )
    step = (
        0.05
        if duration_h <= 240
        else (0.1 if duration_h <= 1500 else 0.5 if duration_h <= 8760 else 1.0)
    )
    n = int(np.ceil(duration_h / step - 1e-9))
    return np.linspace(0.0, n * step, n + 1)


def simulate(
    regimen: str | os.PathLike[str] | Regimen | Scenario,
    /,
    *,
    product: str | None = None,
    mg_per_g: float | None = None,
    oh7_mg_per_g: float | None = None,
    duration: float | str | None = None,
    times_h: FloatArray | None = None,
    parameters: Mapping[str, float] | None = None,
    method: Literal["exact", "ode"] = "exact",
) -> Simulation:
    """Simulate plasma mitragynine and 7-hydroxymitragynine for a regimen of a product.

    Main arguments
    --------------
    regimen
        Text (``"2 g every 8 h for 14 days"``), a path to a YAML/TOML scenario, a
        :class:`~kratomsim.models.dosing.Regimen` or a :class:`~kratomsim.models.scenario.Scenario`.
        Amounts are grams (or mg) of *product*.
    product
        ``leaf-powder`` (default), ``tea``, ``extract``, ``7oh-concentrate`` or ``7oh-tablet``
        (the default when the regimen gives mg of 7-OH, e.g. "one 15 mg 7-OH tablet twice daily").

    Other arguments
    ---------------
    mg_per_g, oh7_mg_per_g
        Mitragynine / 7-OH content of the product from a label or assay (mg per g).
    duration
        Observation window (hours, or text such as ``"10 d"``). Default: until the last dose has
        largely washed out, at least a week after it.
    times_h
        Explicit output times (h); overrides ``duration``.
    parameters
        Overrides of model parameters (see :data:`kratomsim.models.pk.PARAMETERS`).
    method
        ``"exact"`` (matrix exponential) or ``"ode"`` (SciPy LSODA cross-check).

    Examples
    --------
    >>> sim = simulate("2 g once", product="tea", duration="5 d")
    >>> round(sim.summary()["mitragynine"].tmax_h, 1)
    0.8
    """
    spec = _as_scenario(regimen)
    if not isinstance(spec, Regimen):
        reg = spec.to_regimen()
        product = product or spec.product
        mg_per_g = spec.mg_per_g if mg_per_g is None else mg_per_g
        oh7_mg_per_g = spec.oh7_mg_per_g if oh7_mg_per_g is None else oh7_mg_per_g
        duration = spec.duration if duration is None else duration
    else:
        reg = spec
    prod = _product_of(reg, product, mg_per_g, oh7_mg_per_g)
    inputs = model_inputs(load_parameters(), prod, mg_per_g=mg_per_g, oh7_mg_per_g=oh7_mg_per_g)
    params = dict(inputs.params)
    used: list[CitedValue] = list(inputs.used)
    if inputs.oh7_mg_per_g == 0.0:
        # No 7-OH is ingested: its absorption parameters play no part in this run.
        used = [v for v in used if v.name not in ("ka_7oh", "f_7oh")]
    for name, value in (parameters or {}).items():
        if name not in PARAMETERS:
            raise RegimenError(
                bad_value("Unknown model parameter", name, f"Use one of {', '.join(PARAMETERS)}.")
            )
        params[name] = float(value)
        used.append(
            CitedValue(
                name=name,
                value=float(value),
                unit="model",
                low=float(value),
                high=float(value),
                kind="user",
                source="user_input",
                locator="parameters=",
                species="n/a",
                grade="S",
            )
        )
    duration_h = parse_duration_h(duration) if isinstance(duration, str) else duration
    if times_h is not None:
        t = np.asarray(times_h, dtype=np.float64)
        if t.ndim != 1 or t.size == 0 or np.any(t < 0) or not np.all(np.isfinite(t)):
            raise RegimenError(
                bad_value(
                    "Output times must be finite hours ≥ 0", "times_h", "Pass a 1-D array of times."
                )
            )
        t = np.sort(t)
    else:
        t = default_times(reg, duration_h, terminal_half_life_h(params))
    expanded = reg.expand(float(t[-1]) if reg.open_ended else None)
    # Doses after the observation window never happen within it: they are not simulated,
    # summarised or counted.
    inside = expanded.times_h <= t[-1]
    events = DoseEvents(expanded.times_h[inside], expanded.amounts_g[inside])
    if len(events) == 0:
        raise RegimenError(
            bad_value(
                "No dose falls inside the observation window",
                f"{t[-1]:g} h",
                "Lengthen --duration.",
            )
        )
    doses_g = events.amounts_g
    alkaloid_mg = {
        "mitragynine": doses_g * inputs.mg_per_g,
        "7-hydroxymitragynine": doses_g * inputs.oh7_mg_per_g,
    }
    p, states = simulate_states(params, events.times_h, alkaloid_mg, t, method=method)
    # Modal propagation leaves round-off of order 1e-16 × amount; concentrations cannot be negative.
    nm = concentrations_nm(p, states)
    nm[nm < 1e-12 * max(float(nm.max()), 1e-300)] = 0.0
    ng = to_ng_per_ml(p, nm)
    per_nmol = auc_inf_per_nmol(p)
    mw = np.array([p["mw_mg"][0], p["mw_7oh"][0]])
    per_g_nmol = np.array([inputs.mg_per_g, inputs.oh7_mg_per_g]) * 1e6 / mw
    ng_factor = np.array([p["mw_mg"][0], p["mw_7oh"][0]]) / 1000.0
    auc_inf = (per_nmol[0] @ (per_g_nmol * doses_g.sum())) * ng_factor
    repeat = next((r for r in reg.records if r.addl is None or r.addl > 0), None)
    auc_one = (per_nmol[0] @ (per_g_nmol * repeat.amount_g)) * ng_factor if repeat else None
    summaries = tuple(
        summarise(t, ng[s], nm[s], events.times_h, auc_inf, auc_one, reg)
        for s in range(ng.shape[0])
    )
    dosed = np.full(ng.shape[0], float((per_g_nmol * doses_g.sum()).sum()))
    arrays = (t, ng, nm, states, dosed, events.times_h, doses_g)
    for arr in arrays:
        arr.flags.writeable = False
    return Simulation(
        time_h=t,
        conc_ng_ml=ng,
        conc_nm=nm,
        amounts_nmol=states,
        dosed_nmol=dosed,
        dose_times_h=events.times_h,
        dose_amounts_g=doses_g,
        regimen=reg,
        product=prod,
        mg_per_g=inputs.mg_per_g,
        oh7_mg_per_g=inputs.oh7_mg_per_g,
        params=p,
        summaries=summaries,
        used=tuple(used),
        method=method,
    )
