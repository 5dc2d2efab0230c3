"""Differences between people: random effects (Ω), covariates, residual error, per-subject streams.

A virtual person's parameters are the trial's typical values times

* ``exp(η)``, η ~ N(0, Ω) on the log of hepatic intrinsic clearance (the random effect named
  ``cl``: at fixed availabilities it moves CL/F alike), V1, Q, V2, ka, kme and the share of CYP3A
  metabolism that forms 7-OH (``population.toml``: ω derived from the Tanna 2022 ranges or labelled
  assumptions);
* covariate factors: body weight (allometry, Anderson & Holford 2008), sex, Child-Pugh class;
  a CYP3A4 inhibitor or inducer co-medication and the CYP2D6 phenotype set the model's inputs
  ``cyp3a_activity`` (FDA category, :mod:`kratomsim.evidence.cyp_categories`) and
  ``cyp2d6_activity``, so the enzymes act where the model has them (gut wall and liver, with
  mitragynine's own CYP3A inactivation on top).

Each subject's random numbers come from its own counter-based stream (Philox, key = seed, counter
holding trial and subject index), so a subject is the same person whatever the chunk it is
simulated in and whatever executor runs the chunk.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

from kratomsim.errors import PopulationError, bad_value
from kratomsim.evidence import CitedValue, load_parameters
from kratomsim.evidence.cyp_categories import CATEGORIES, category_activity

FloatArray = NDArray[np.float64]

#: Random effects in a fixed order (the order of the first normals in each subject's stream).
IIV_PARAMETERS = ("cl", "v1", "q", "v2", "ka", "kme", "formation")
#: The model parameter each random effect acts on.
IIV_TARGET = {
    "cl": "clu_h",
    "v1": "v1",
    "q": "q",
    "v2": "v2",
    "ka": "ka",
    "kme": "kme",
    "formation": "f7oh_cyp3a",
}
#: Correlated pairs declared in population.toml.
DEFAULT_CORRELATIONS = {("cl", "v1"): "corr_cl_v", ("cl", "v2"): "corr_cl_v"}
#: Stream layout after the random effects: weight, sex, MG content, 7-OH content.
_WEIGHT, _SEX, _MG, _OH = range(len(IIV_PARAMETERS), len(IIV_PARAMETERS) + 4)
STREAM_WIDTH = len(IIV_PARAMETERS) + 4
#: Tag in every stream counter: keeps population streams apart from other Philox users.
_TAG = 0x504F50

HEPATIC = ("none", "A", "B", "C")
CYP3A4 = ("none", *CATEGORIES)
CYP2D6 = ("pm", "im", "nm", "um")
SEX = ("female", "male")
COVARIATE_LEVELS: dict[str, tuple[str, ...]] = {
    "weight": ("a body weight in kg, e.g. 90",),
    "sex": SEX,
    "hepatic": HEPATIC,
    "cyp3a4": CYP3A4,
    "cyp2d6": CYP2D6,
}


@cache
def population_data() -> dict[str, CitedValue]:
    """Every cited value of ``population.toml`` by name."""
    return dict(load_parameters(("population.toml",)).items())


def _value(name: str) -> float:
    return population_data()[name].value


# --- Ω ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Omega:
    """Covariance of the log-parameter random effects, in :data:`IIV_PARAMETERS` order."""

    matrix: FloatArray
    factor: FloatArray  # lower triangular, factor @ factor.T == matrix

    @property
    def omegas(self) -> dict[str, float]:
        return {n: float(np.sqrt(self.matrix[i, i])) for i, n in enumerate(IIV_PARAMETERS)}


def _known(name: str, what: str) -> str:
    key = name.strip().lower()
    if key not in IIV_PARAMETERS:
        raise PopulationError(
            bad_value(f"Unknown {what}", name, f"Choose from {', '.join(IIV_PARAMETERS)}.")
        )
    return key


def check_omega(matrix: FloatArray) -> FloatArray:
    """Validate Ω (symmetric, positive definite on the varied parameters); return its factor.

    A zero variance switches a parameter's variability off; the rest must be positive definite.
    """
    m = np.asarray(matrix, dtype=np.float64)
    k = len(IIV_PARAMETERS)
    if m.shape != (k, k) or not np.all(np.isfinite(m)):
        raise PopulationError(
            bad_value("Ω must be a finite square matrix", m.shape, f"Give a {k}x{k} matrix.")
        )
    if not np.allclose(m, m.T, rtol=0, atol=1e-12):
        raise PopulationError(
            bad_value("Ω is not symmetric", float(np.max(np.abs(m - m.T))), "Mirror it: Ω = Ωᵀ.")
        )
    diag = np.diag(m)
    if np.any(diag < 0):
        raise PopulationError(bad_value("Ω has a negative variance", diag.min(), "Use ω ≥ 0."))
    on = diag > 0
    off_rows = ~on
    if np.any(m[off_rows][:, on] != 0):
        raise PopulationError(
            bad_value(
                "Ω correlates a parameter whose ω is 0",
                [IIV_PARAMETERS[i] for i in np.flatnonzero(off_rows)],
                "Drop that correlation or give the parameter a positive ω.",
            )
        )
    factor = np.zeros_like(m)
    if on.any():
        sub = m[np.ix_(on, on)]
        try:
            factor[np.ix_(on, on)] = np.linalg.cholesky(sub)
        except np.linalg.LinAlgError:
            low = float(np.linalg.eigvalsh(sub).min())
            raise PopulationError(
                bad_value(
                    "Ω is not positive definite (smallest eigenvalue)",
                    round(low, 6),
                    "Lower the correlations (|ρ| < 1 and mutually consistent).",
                )
            ) from None
    return factor


def build_omega(
    omegas: Mapping[str, float] | None = None,
    correlations: Mapping[tuple[str, str], float] | None = None,
) -> Omega:
    """Ω from the cited ω and correlations, with user overrides (``{"cl": 0.3}``, ``{("cl", "v1"): 0.6}``)."""
    w = {n: _value(f"omega_{n}") for n in IIV_PARAMETERS}
    for name, val in (omegas or {}).items():
        key = _known(name, "random effect")
        if not (np.isfinite(val) and 0.0 <= val <= 3.0):
            raise PopulationError(bad_value(f"ω of {key} must be in [0, 3]", val, "E.g. 0.3."))
        w[key] = float(val)
    rho = {pair: _value(src) for pair, src in DEFAULT_CORRELATIONS.items()}
    for (a, b), val in (correlations or {}).items():
        pair = tuple(sorted((_known(a, "random effect"), _known(b, "random effect"))))
        if pair[0] == pair[1] or not (np.isfinite(val) and -1.0 <= val <= 1.0):
            raise PopulationError(
                bad_value(
                    f"Correlation {a}-{b} must be in [-1, 1] between two parameters",
                    val,
                    "E.g. cl,v1=0.5.",
                )
            )
        rho[(pair[0], pair[1])] = float(val)
    sd = np.array([w[n] for n in IIV_PARAMETERS])
    corr = np.eye(len(IIV_PARAMETERS))
    for (a, b), val in rho.items():
        i, j = IIV_PARAMETERS.index(a), IIV_PARAMETERS.index(b)
        corr[i, j] = corr[j, i] = val if sd[i] > 0 and sd[j] > 0 else 0.0
    matrix = corr * np.outer(sd, sd)
    return Omega(matrix, check_omega(matrix))


# --- covariates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Covariates:
    """Covariates fixed by the user; ``None`` weight or sex means drawn from the population."""

    weight_kg: float | None = None
    sex: str | None = None
    hepatic: str = "none"
    cyp3a4: str = "none"
    cyp2d6: str = "nm"

    def describe(self) -> dict[str, object]:
        return {
            "weight_kg": self.weight_kg if self.weight_kg is not None else "drawn",
            "sex": self.sex or "drawn",
            "hepatic": self.hepatic,
            "cyp3a4": self.cyp3a4,
            "cyp2d6": self.cyp2d6,
        }


def _level(name: str, given: str, levels: tuple[str, ...]) -> str:
    key = given.strip().lower()
    match = {lv.lower(): lv for lv in levels}
    if name == "hepatic":
        key = key.removeprefix("child-pugh-").removeprefix("child-pugh ")
    if key not in match:
        raise PopulationError(
            bad_value(
                f"Unknown level of covariate {name!r}", given, f"Choose from {', '.join(levels)}."
            )
        )
    return match[key]


def parse_covariates(items: Iterable[str] | Mapping[str, object] | Covariates | None) -> Covariates:
    """Covariates from ``NAME=VALUE`` texts or a mapping; unknown names or levels are errors."""
    if isinstance(items, Covariates):
        return items
    pairs: list[tuple[str, str]] = []
    if isinstance(items, Mapping):
        pairs = [(str(k), str(v)) for k, v in items.items()]
    else:
        for text in items or ():
            name, sep, value = str(text).partition("=")
            if not sep or not name.strip() or not value.strip():
                raise PopulationError(
                    bad_value(
                        "A covariate must read NAME=VALUE",
                        text,
                        "E.g. weight=90 or cyp3a4=strong-inhibitor.",
                    )
                )
            pairs.append((name, value))
    fields: dict[str, object] = {}
    for raw_name, value in pairs:
        name = raw_name.strip().lower()
        if name not in COVARIATE_LEVELS:
            raise PopulationError(
                bad_value(
                    "Unknown covariate", raw_name, f"Choose from {', '.join(COVARIATE_LEVELS)}."
                )
            )
        if name == "weight":
            try:
                kg = float(value)
            except ValueError:
                kg = float("nan")
            if not (np.isfinite(kg) and 30.0 <= kg <= 250.0):
                raise PopulationError(
                    bad_value("Body weight must be 30-250 kg", value, "Give kg, e.g. weight=90.")
                )
            fields["weight_kg"] = kg
        else:
            fields[name] = _level(name, value, COVARIATE_LEVELS[name])
    return Covariates(**fields)  # type: ignore[arg-type]


@dataclass(frozen=True)
class CovariateEffects:
    """Plain numbers the per-subject draws need (read once from population.toml)."""

    weight_ref: float
    allo_cl: float
    allo_v: float
    weight_mean: tuple[float, float]  # female, male
    omega_weight: float
    female_share: float
    female_cl: float
    hepatic: float
    cyp3a_activity: float  # the model input for a CYP3A4 co-medication category
    cyp2d6_activity: float  # the model input for the CYP2D6 phenotype
    used: tuple[CitedValue, ...] = field(default_factory=tuple)


def covariate_effects(cov: Covariates) -> CovariateEffects:
    """Factors implied by fixed covariates, with the cited values they rest on."""
    used = ["weight_ref_kg", "allometric_cl", "allometric_v", "female_cl_factor"]
    if cov.weight_kg is None:
        used += ["weight_mean_female_kg", "weight_mean_male_kg", "omega_weight"]
    if cov.sex is None:
        used.append("female_share")
    hepatic = 1.0
    if cov.hepatic != "none":
        name = f"hepatic_{cov.hepatic.lower()}_cl_factor"
        hepatic, used = _value(name), [*used, name]
    a3, a2 = 1.0, 1.0
    if cov.cyp3a4 != "none":
        cat = category_activity(cov.cyp3a4)
        a3, from_ddi = cat.value, cat.used
    else:
        from_ddi = ()
    if cov.cyp2d6 != "nm":
        name = f"cyp2d6_activity_{cov.cyp2d6}"
        a2, used = _value(name), [*used, name]
    return CovariateEffects(
        weight_ref=_value("weight_ref_kg"),
        allo_cl=_value("allometric_cl"),
        allo_v=_value("allometric_v"),
        weight_mean=(_value("weight_mean_female_kg"), _value("weight_mean_male_kg")),
        omega_weight=_value("omega_weight"),
        female_share=_value("female_share"),
        female_cl=_value("female_cl_factor"),
        hepatic=hepatic,
        cyp3a_activity=a3,
        cyp2d6_activity=a2,
        used=(*(population_data()[n] for n in dict.fromkeys(used)), *from_ddi),
    )


# --- per-subject streams and parameters -------------------------------------------------------


def subject_normals(seed: int, trial: int, start: int, stop: int, width: int) -> FloatArray:
    """Standard normals, one row per subject; row i depends only on (seed, trial, subject i)."""
    if seed < 0:
        raise PopulationError(
            bad_value("The seed must be ≥ 0", seed, "Give a whole number ≥ 0, e.g. 7.")
        )
    rows = np.empty((stop - start, width))
    # The subject index sits above the lowest counter word, which Philox advances as it draws,
    # so two subjects' streams never overlap. One generator is rewound to each subject's fresh
    # state (the same stream as Philox(key=seed, counter=[0, i, trial, _TAG]), 4× cheaper).
    bits = np.random.Philox(key=seed, counter=[0, 0, trial, _TAG])
    gen = np.random.Generator(bits)
    fresh = bits.state
    for k, i in enumerate(range(start, stop)):
        fresh["state"]["counter"][1] = i
        bits.state = fresh
        rows[k] = gen.standard_normal(width)
    return rows


def uniform(z: FloatArray) -> FloatArray:
    """Map standard normals to uniforms on (0, 1) (one stream draw per uniform)."""
    return ndtr(z)


@dataclass(frozen=True)
class SubjectDraws:
    """Per-subject parameter values (for :func:`simulate_subjects`) and covariates."""

    values: dict[str, FloatArray]
    eta: FloatArray  # (subjects, len(IIV_PARAMETERS))
    weight_kg: FloatArray
    female: NDArray[np.bool_]
    z: FloatArray  # the subjects' stream rows, for the draws that follow (content, residual)


def draw_subjects(
    typical: Mapping[str, float],
    absorption: str,
    omega: Omega,
    effects: CovariateEffects,
    cov: Covariates,
    z: FloatArray,
) -> SubjectDraws:
    """Individual parameters from the trial's typical values and each subject's stream row ``z``."""
    n = z.shape[0]
    eta = z[:, : len(IIV_PARAMETERS)] @ omega.factor.T
    e = dict(zip(IIV_PARAMETERS, eta.T, strict=True))
    if cov.sex is None:
        female = uniform(z[:, _SEX]) < effects.female_share
    else:
        female = np.full(n, cov.sex == "female")
    if cov.weight_kg is None:
        mean = np.where(female, *effects.weight_mean)
        # log-normal with the cited mean: median = mean / exp(ω²/2)
        w = effects.omega_weight
        weight = mean * np.exp(w * z[:, _WEIGHT] - w * w / 2)
    else:
        weight = np.full(n, cov.weight_kg)
    size = weight / effects.weight_ref
    size_cl, size_v = size**effects.allo_cl, size**effects.allo_v
    sex_cl = np.where(female, effects.female_cl, 1.0)
    v = {k: np.full(n, float(x)) for k, x in typical.items()}
    v["clu_h"] = v["clu_h"] * np.exp(e["cl"]) * size_cl * sex_cl * effects.hepatic
    v["q"] = v["q"] * np.exp(e["q"]) * size_cl
    v["v1"] = v["v1"] * np.exp(e["v1"]) * size_v
    v["v2"] = v["v2"] * np.exp(e["v2"]) * size_v
    v["ka"] = v["ka"] * np.exp(e["ka"])
    v["vm_7oh"] = v["vm_7oh"] * size_v
    v["kme"] = v["kme"] * np.exp(e["kme"]) * size_cl / size_v * effects.hepatic
    # a share cannot exceed 1: the formation effect is capped there
    v["f7oh_cyp3a"] = np.minimum(v["f7oh_cyp3a"] * np.exp(e["formation"]), 1.0)
    v["cyp3a_activity"] = v.get("cyp3a_activity", np.ones(n)) * effects.cyp3a_activity
    v["cyp2d6_activity"] = v.get("cyp2d6_activity", np.ones(n)) * effects.cyp2d6_activity
    return SubjectDraws(v, eta, weight, female, z)


def draw_people(
    typical: Mapping[str, float], absorption: str, cov: Covariates, z: FloatArray
) -> SubjectDraws:
    """:func:`draw_subjects` with the cited Ω and the covariate effects of ``cov``."""
    return draw_subjects(typical, absorption, build_omega(), covariate_effects(cov), cov, z)


def content_factors(
    z: FloatArray, content: Mapping[str, tuple[float, float, float, str]] | None
) -> tuple[FloatArray, FloatArray] | None:
    """Per-subject alkaloid content ÷ the product's default, drawn over its cited range.

    ``content`` maps ``"mg"``/``"oh7"`` to (value, low, high, distribution); ``None`` (content given
    by the user from a label or an assay) means no batch variability.
    """
    if content is None:
        return None
    out = []
    for col, key in ((_MG, "mg"), (_OH, "oh7")):
        value, low, high, dist = content[key]
        u = uniform(z[:, col])
        if value <= 0 or dist == "fixed" or low == high:
            out.append(np.ones(z.shape[0]))
            continue
        drawn = low * (high / low) ** u if dist == "log-uniform" else low + u * (high - low)
        out.append(drawn / value)
    return out[0], out[1]


def residual_error(conc: FloatArray, z_prop: FloatArray, z_add: FloatArray) -> FloatArray:
    """Simulated observations: ``C·(1 + ε_prop) + ε_add`` (cited SDs), floored at 0 like an assay."""
    prop, add = _value("residual_prop"), _value("residual_add_nm")
    return np.maximum(conc * (1.0 + prop * z_prop) + add * z_add, 0.0)
