"""Python entry points that take text and files: an edge, like the command line and the web app.

:func:`read_use` parses what a person types or keeps in a file, once, into values: regimen text or
a scenario file becomes a :class:`~kratomsim.models.dosing.Regimen`, a product name a
:class:`~kratomsim.evidence.schema.Product`, a duration text hours. Everything below takes those
values. :func:`simulate` is ``kratomsim.simulate``: it reads the use, loads the cited evidence and
runs the engine.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from kratomsim.engine.result import Simulation
from kratomsim.engine.simulate import simulate as simulate_engine
from kratomsim.errors import ProductError, RegimenError, bad_value
from kratomsim.evidence import Product, resolve_product
from kratomsim.evidence.loader import DEFAULT_PRODUCT
from kratomsim.evidence.params import ModelInputs, cited_inputs
from kratomsim.interop.scenario import Scenario, is_scenario_path, parse_duration_h, read_scenario
from kratomsim.models.dosing import Regimen
from kratomsim.models.regimen_text import parse_regimen

FloatArray = NDArray[np.float64]
#: What :func:`read_use` accepts as a regimen.
RegimenSource = str | os.PathLike[str] | Regimen | Scenario


@dataclass(frozen=True)
class Use:
    """A regimen of a product, with label or assay content and the observation window if given.

    ``scenario`` is the scenario it was read from, if any (its medications, conditions and
    baseline pain are for the interfaces to resolve).
    """

    regimen: Regimen
    product: Product
    mg_per_g: float | None = None
    oh7_mg_per_g: float | None = None
    duration_h: float | None = None
    scenario: Scenario | None = None

    def inputs(self, parameters: Mapping[str, float] | None = None) -> ModelInputs:
        """The engine's inputs for this use from the cited evidence (``parameters`` overrides)."""
        return cited_inputs(
            self.product,
            mg_per_g=self.mg_per_g,
            oh7_mg_per_g=self.oh7_mg_per_g,
            parameters=parameters,
        )


def read_regimen(regimen: RegimenSource) -> tuple[Regimen, Scenario | None]:
    """A regimen from text, a scenario file (path) or a value, with the scenario if there was one."""
    if isinstance(regimen, Scenario):
        return regimen.to_regimen(), regimen
    if isinstance(regimen, Regimen):
        return regimen, None
    if isinstance(regimen, str | os.PathLike) and is_scenario_path(regimen):
        scenario = read_scenario(regimen)
        return scenario.to_regimen(), scenario
    if not isinstance(regimen, str):
        raise RegimenError(
            bad_value(
                "A regimen must be text, a scenario file or a Regimen",
                type(regimen).__name__,
                "Pass e.g. '2 g every 8 h for 14 days'.",
            )
        )
    return parse_regimen(regimen), None


def product_for(
    reg: Regimen,
    product: str | Product | None,
    mg_per_g: float | None,
    oh7_mg_per_g: float | None,
) -> Product:
    """The product of a use: the one the regimen text implies (7-OH in mg), else ``product``.

    For edges that parse the regimen text themselves (the web app, which never reads a file).
    Raises :class:`~kratomsim.errors.ProductError` when ``product`` or a content per g
    contradicts what the text states.
    """
    named = product if isinstance(product, Product) or product is None else resolve_product(product)
    if reg.product is None:
        return named or resolve_product(DEFAULT_PRODUCT)
    implied = resolve_product(reg.product)
    if named is not None and named.id != implied.id:
        raise ProductError(
            bad_value(
                f"The regimen gives its doses as mg of 7-OH (product {implied.id!r}), "
                "which contradicts the product",
                named.id,
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


def read_use(
    regimen: RegimenSource,
    /,
    *,
    product: str | Product | None = None,
    mg_per_g: float | None = None,
    oh7_mg_per_g: float | None = None,
    duration: float | str | None = None,
) -> Use:
    """Parse a use once: what is given here wins over what a scenario file says.

    ``product`` is a name or alias (default: the scenario's, else the product the regimen text
    implies, such as ``7oh-tablet`` for "one 15 mg 7-OH tablet", else leaf powder); ``duration`` is
    hours or text such as ``"10 d"``. A product or content per g that contradicts what the text
    states raises :class:`~kratomsim.errors.ProductError`.
    """
    reg, scenario = read_regimen(regimen)
    if scenario is not None:
        product = product or scenario.product
        mg_per_g = scenario.mg_per_g if mg_per_g is None else mg_per_g
        oh7_mg_per_g = scenario.oh7_mg_per_g if oh7_mg_per_g is None else oh7_mg_per_g
        duration = scenario.duration if duration is None else duration
    prod = product_for(reg, product, mg_per_g, oh7_mg_per_g)
    duration_h = parse_duration_h(duration) if isinstance(duration, str) else duration
    return Use(reg, prod, mg_per_g, oh7_mg_per_g, duration_h, scenario)


def read_plan(plan: str | Regimen) -> Literal["continue", "stop"] | Regimen:
    """A journal forecast plan: ``"continue"``, ``"stop"`` or a regimen (text is parsed)."""
    if isinstance(plan, Regimen):
        return plan
    if plan == "continue" or plan == "stop":
        return plan
    return parse_regimen(plan)


def simulate(
    regimen: RegimenSource,
    /,
    *,
    product: str | Product | None = None,
    mg_per_g: float | None = None,
    oh7_mg_per_g: float | None = None,
    duration: float | str | None = None,
    times_h: FloatArray | None = None,
    parameters: Mapping[str, float] | None = None,
) -> Simulation:
    """Simulate plasma mitragynine and 7-hydroxymitragynine for a regimen of a product.

    Main arguments
    --------------
    regimen
        Text (``"2 g every 8 h for 14 days"``), a path to a YAML/TOML scenario, a
        :class:`~kratomsim.models.dosing.Regimen` or a :class:`~kratomsim.interop.scenario.Scenario`.
        Amounts are grams (or mg) of *product*.
    product
        ``leaf-powder`` (default), ``tea``, ``extract``, ``7oh-concentrate`` or ``7oh-tablet`` (the
        default when the regimen gives mg of 7-OH, e.g. "one 15 mg 7-OH tablet twice daily"), or a
        Product.

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
        Overrides of model parameters by their specification names, in declared units
        (``kratomsim model`` lists them).

    Examples
    --------
    >>> sim = simulate("2 g once", product="tea", duration="5 d")
    >>> round(sim.summary()["mitragynine"].tmax_h, 1)
    0.9
    """
    use = read_use(
        regimen, product=product, mg_per_g=mg_per_g, oh7_mg_per_g=oh7_mg_per_g, duration=duration
    )
    return simulate_engine(
        use.regimen, use.inputs(parameters), duration_h=use.duration_h, times_h=times_h
    )
