"""Workload of ``bench_population.py`` (no simulator imports: the scaling subprocess uses it)."""

from __future__ import annotations

import numpy as np

from kratomsim.engine.subjects import Dosing
from kratomsim.evidence import resolve_product
from kratomsim.evidence.model_parameters import central_values

PRODUCT, DOSE_G, INTERVAL_H, OMEGA = "leaf-powder", 2.0, 8.0, 0.3
#: Rates with log-normal variability (``ka`` is the product's absorption-class rate).
VARIED = ("cl", "v1", "q", "v2", "ka", "kme")


def subject_values(n: int, seed: int, absorption: str, start: int = 0) -> dict[str, np.ndarray]:
    """Central values with log-normal IIV; subject i's draws depend only on (seed, i)."""
    base = central_values(absorption)
    rng = np.random.default_rng([seed, start])  # one stream per chunk start: chunks are cheap
    eta = rng.standard_normal((n, len(VARIED)))
    values = {k: np.full(n, v) for k, v in base.items()}
    for j, name in enumerate(VARIED):
        key = f"ka_{absorption}" if name == "ka" else name
        values[key] = base[key] * np.exp(OMEGA * eta[:, j])
    return values


def make_dosing(days: int) -> Dosing:
    product = resolve_product(PRODUCT)
    n_doses = int(days * 24 / INTERVAL_H)
    mg = DOSE_G * product.mg_per_g.value
    oh = DOSE_G * product.oh7_mg_per_g.value
    return Dosing(
        product.absorption,
        np.arange(n_doses) * INTERVAL_H,
        np.full((1, n_doses), mg),
        np.full((1, n_doses), oh),
        np.arange(days * 24 + 1.0),
    )
