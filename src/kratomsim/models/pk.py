"""The PK model as one declarative spec: states, first-order flows and observed outputs.

Every kernel (exact propagation, the SciPy ODE cross-check) and the SBML export are generated from
this spec, so they cannot drift apart.

Structure (shared/reference pk.md §4.1), amounts in nmol (molar bookkeeping):

* ``gut_mg``/``gut_7oh`` — oral depots holding the nominal alkaloid doses.
* from ``gut_mg`` at rate ``ka_mg``: a fraction ``f_mg`` reaches ``mg_central`` as mitragynine,
  ``fp`` is converted presystemically (CYP3A4) and reaches ``oh_central`` as 7-OH-mitragynine, the
  rest is lost presystemically.
* mitragynine disposition: two compartments (``mg_central`` ⇄ ``mg_peripheral``) with apparent
  parameters ``cl``, ``v1``, ``q``, ``v2`` (each divided by ``f_mg``); of what is cleared, a
  fraction ``fm`` becomes 7-OH-mitragynine.
* 7-OH-mitragynine (``oh_central``, volume ``vm``) is eliminated at ``kme``; ingested 7-OH is
  absorbed from ``gut_7oh`` at ``ka_7oh`` with availability ``f_7oh``.
* sinks (``mg_eliminated``, ``oh_eliminated``, ``presystemic_loss``) close the mass balance: the
  sum over all states equals the total dose at every time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from kratomsim.errors import ModelSpecError, bad_value

FloatArray = NDArray[np.float64]

STATES: Final = (
    "gut_mg",
    "gut_7oh",
    "mg_central",
    "mg_peripheral",
    "oh_central",
    "mg_eliminated",
    "oh_eliminated",
    "presystemic_loss",
)
#: States that hold drug in the body or gut (the rest are sinks).
BODY_STATES: Final = STATES[:5]
SINK_STATES: Final = STATES[5:]
IDX: Final = {name: i for i, name in enumerate(STATES)}


@dataclass(frozen=True, slots=True)
class Flow:
    """A first-order transfer ``source → target`` with rate constant ``rate`` (1/h), a formula."""

    source: str
    target: str
    rate: str


FLOWS: Final = (
    Flow("gut_mg", "mg_central", "ka_mg * f_mg"),
    Flow("gut_mg", "oh_central", "ka_mg * fp"),
    Flow("gut_mg", "presystemic_loss", "ka_mg * (1 - f_mg - fp)"),
    Flow("gut_7oh", "oh_central", "ka_7oh * f_7oh"),
    Flow("gut_7oh", "presystemic_loss", "ka_7oh * (1 - f_7oh)"),
    Flow("mg_central", "mg_peripheral", "q / v1"),
    Flow("mg_peripheral", "mg_central", "q / v2"),
    Flow("mg_central", "oh_central", "fm * cl / v1"),
    Flow("mg_central", "mg_eliminated", "(1 - fm) * cl / v1"),
    Flow("oh_central", "oh_eliminated", "kme"),
)

#: Analyte → (state, volume formula in L, molar-mass parameter). Concentration nM = amount / volume.
OUTPUTS: Final = {
    "mitragynine": ("mg_central", "v1 * f_mg", "mw_mg"),
    "7-hydroxymitragynine": ("oh_central", "vm", "mw_7oh"),
}
ANALYTES: Final = tuple(OUTPUTS)
#: Dose input → (depot state, molar-mass parameter).
DOSE_INPUTS: Final = {
    "mitragynine": ("gut_mg", "mw_mg"),
    "7-hydroxymitragynine": ("gut_7oh", "mw_7oh"),
}

#: Parameters the model needs, with (lower, upper) physical bounds.
PARAMETER_BOUNDS: Final = {
    "ka_mg": (0.0, np.inf),
    "ka_7oh": (0.0, np.inf),
    "f_mg": (0.0, 1.0),
    "fp": (0.0, 1.0),
    "f_7oh": (0.0, 1.0),
    "cl": (0.0, np.inf),
    "v1": (0.0, np.inf),
    "q": (0.0, np.inf),
    "v2": (0.0, np.inf),
    "fm": (0.0, 1.0),
    "kme": (0.0, np.inf),
    "vm": (0.0, np.inf),
    "mw_mg": (0.0, np.inf),
    "mw_7oh": (0.0, np.inf),
}
PARAMETERS: Final = tuple(PARAMETER_BOUNDS)


def evaluate(formula: str, params: dict[str, FloatArray]) -> FloatArray:
    """Evaluate a spec formula (plain arithmetic over parameter names) for every subject."""
    code = compile(formula, "<kratomsim spec>", "eval")
    for name in code.co_names:
        if name not in params:
            raise ModelSpecError(f"Spec formula {formula!r} uses unknown parameter {name!r}.")
    return np.asarray(eval(code, {"__builtins__": {}}, dict(params)), dtype=np.float64)


def as_subject_arrays(params: Mapping[str, float | FloatArray]) -> dict[str, FloatArray]:
    """Broadcast parameters to 1-D arrays over subjects and check physical bounds."""
    missing = [p for p in PARAMETERS if p not in params]
    if missing:
        raise ModelSpecError(f"Missing PK parameters: {', '.join(missing)}.")
    arrays = {k: np.atleast_1d(np.asarray(params[k], dtype=np.float64)) for k in PARAMETERS}
    n = max(a.size for a in arrays.values())
    out: dict[str, FloatArray] = {}
    for name, arr in arrays.items():
        if arr.ndim != 1 or arr.size not in (1, n):
            raise ModelSpecError(
                bad_value(
                    f"Parameter {name} must be a scalar or length-{n} array",
                    arr.shape,
                    "Give one value per subject.",
                )
            )
        lo, hi = PARAMETER_BOUNDS[name]
        bad = ~np.isfinite(arr) | (arr < lo) | (arr > hi)
        if name not in ("fp",) and lo == 0.0:
            bad |= arr <= 0.0
        if bad.any():
            raise ModelSpecError(
                bad_value(
                    f"PK parameter {name} must lie in ({lo}, {hi}]",
                    float(arr[bad][0]),
                    "Check the parameter file.",
                )
            )
        out[name] = np.broadcast_to(arr, (n,)).copy()
    if np.any(out["f_mg"] + out["fp"] > 1.0 + 1e-12):
        raise ModelSpecError(
            bad_value(
                "Mass balance needs f_mg + fp ≤ 1",
                float(np.max(out["f_mg"] + out["fp"])),
                "Lower f_mg or the 7-OH volume vm (fp = fp/Vm × vm).",
            )
        )
    return out


def rate_matrix(params: dict[str, FloatArray]) -> FloatArray:
    """Return A with dx/dt = A x for each subject: shape (subjects, states, states)."""
    n = params["cl"].shape[0]
    a = np.zeros((n, len(STATES), len(STATES)))
    for flow in FLOWS:
        k = evaluate(flow.rate, params)
        i, j = IDX[flow.source], IDX[flow.target]
        a[:, j, i] += k
        a[:, i, i] -= k
    return a


def output_matrix(params: dict[str, FloatArray]) -> FloatArray:
    """Return C with concentration (nM) = C x: shape (subjects, analytes, states)."""
    n = params["cl"].shape[0]
    c = np.zeros((n, len(OUTPUTS), len(STATES)))
    for k, (state, volume, _) in enumerate(OUTPUTS.values()):
        c[:, k, IDX[state]] = 1.0 / evaluate(volume, params)
    return c


def nm_to_ng_per_ml(params: dict[str, FloatArray]) -> FloatArray:
    """Per-subject factor turning nM into ng/mL for each analyte: shape (subjects, analytes)."""
    return np.stack([params[mw] / 1000.0 for _, _, mw in OUTPUTS.values()], axis=1)
