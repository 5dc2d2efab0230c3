# SymPy annotates most results as Basic where an Expr is returned, and typeshed-less libsbml
# calls are untyped: these checks are left to the tests for this module.
# pyright: reportArgumentType=false, reportReturnType=false, reportCallIssue=false
# pyright: reportIncompatibleMethodOverride=false, reportOptionalSubscript=false
"""Units of the specification, checked with pint.

Every number the kernels see is in one coherent base: **nmol, L, h, ng** (so 1 nM = 1 nmol/L and
1 g/mol = 1 ng/nmol). :func:`base_factor` gives how many base units one declared unit is; the evidence
layer multiplies values by it, and outputs are divided by the factor of their declared unit. Because
every quantity is in the same base, an equation that is dimensionally right is numerically right.

:func:`check_units` walks every equation (flows, rates, intermediates, outputs) and raises
:class:`~kratomsim.errors.SpecError` naming the equation when dimensions do not match: terms of a sum
with different dimensions, an exponent or a function argument with a dimension, a rate whose
dimension is not its state's unit per hour, an output whose dimension is not its declared unit's.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from kratomsim.errors import SpecError
from kratomsim.spec.schema import Spec

if TYPE_CHECKING:  # SymPy is imported by the unit check only: simulating needs base factors
    import sympy as sp

    from kratomsim.spec.symbolic import Symbolic

#: Base unit of each dimension pint knows for the quantities of this model.
BASE = {"[substance]": "nmol", "[length]": "dm", "[time]": "hour", "[mass]": "ng"}


@cache
def registry() -> Any:
    """The pint unit registry (built once; it takes a few tenths of a second)."""
    import pint

    return pint.UnitRegistry()


def _quantity(unit: str) -> Any:
    ureg = registry()
    text = "dimensionless" if unit.strip() == "1" else unit
    try:
        return ureg.Quantity(1.0, text)
    except Exception as exc:  # pint raises several kinds of parse errors
        raise SpecError(
            f"Unit {unit!r} is not understood ({exc}). Use e.g. 'nM', '1/h', 'L'."
        ) from None


@cache
def dimension(unit: str) -> Any:
    """pint dimensionality (a UnitsContainer) of ``unit``."""
    return _quantity(unit).dimensionality


#: Base factors of the units the model uses, so that simulating needs no pint (a test checks every
#: entry against pint).
KNOWN_FACTORS: dict[str, float] = {
    "1": 1.0,
    "nmol": 1.0,
    "nM": 1.0,
    "uM": 1000.0,
    "L": 1.0,
    "h": 1.0,
    "1/h": 1.0,
    "L/h": 1.0,
    "g/mol": 1.0,
    "s": 1.0 / 3600.0,
    "mg": 1e6,
    "mm": 0.01,
    "percent": 0.01,
}


@cache
def base_factor(unit: str) -> float:
    """How many base units (nmol, L, h, ng) one ``unit`` is: e.g. ``uM`` → 1000, ``s`` → 1/3600."""
    if unit in KNOWN_FACTORS:
        return KNOWN_FACTORS[unit]
    return pint_base_factor(unit)


@cache
def pint_base_factor(unit: str) -> float:
    """:func:`base_factor` worked out by pint."""
    q = _quantity(unit)
    dims = dict(q.dimensionality)
    unknown = sorted(set(dims) - set(BASE))
    if unknown:
        raise SpecError(
            f"Unit {unit!r} has dimension(s) {unknown} the model does not use; "
            "use amounts, volumes, times and masses."
        )
    ureg = registry()
    target = ureg.Quantity(1.0, "dimensionless")
    for dim, power in dims.items():
        target = target * ureg.Quantity(1.0, BASE[dim]) ** power
    return float(q.to(target.units).magnitude)


def _dim_of(expr: sp.Expr, dims: dict[sp.Symbol, Any], where: str) -> Any:
    """Dimensionality of ``expr``; ``None`` stands for a literal zero (fits any dimension)."""
    import sympy as sp

    none = dimension("1")
    if expr.is_Number:
        return None if expr == 0 else none
    if expr.is_Symbol:
        return dims[expr]  # type: ignore[index]
    if expr.is_Add or isinstance(expr, sp.Max | sp.Min):
        found = [d for d in (_dim_of(a, dims, where) for a in expr.args) if d is not None]
        if not found:
            return None
        for d in found[1:]:
            if d != found[0]:
                raise SpecError(
                    f"{where}: terms of {expr} have different dimensions ({found[0]} and {d})."
                )
        return found[0]
    if expr.is_Mul:
        out = none
        for a in expr.args:
            d = _dim_of(a, dims, where)
            if d is None:
                return None
            out = out * d
        return out
    if expr.is_Pow:
        b, e = expr.args
        de = _dim_of(e, dims, where)
        if de not in (None, none):
            raise SpecError(f"{where}: the exponent of {expr} has a dimension ({de}).")
        db = _dim_of(b, dims, where)
        if db is None:
            return None
        if db == none:
            return none
        if not e.is_Number:
            raise SpecError(f"{where}: {b} has a dimension, so its exponent must be a number.")
        return db ** float(e)
    if isinstance(expr, sp.exp | sp.log):
        d = _dim_of(expr.args[0], dims, where)
        if d not in (None, none):
            raise SpecError(f"{where}: the argument of {expr.func} must be dimensionless ({d}).")
        return none
    raise SpecError(f"{where}: cannot work out the units of {expr}.")


def check_units(spec: Spec, sym: Symbolic) -> None:
    """Check every equation's dimensions; raise :class:`SpecError` on the first mismatch."""
    dims: dict[sp.Symbol, Any] = {}
    for item in (*spec.constants, *spec.inputs, *spec.parameters, *spec.states):
        base_factor(item.unit)  # the unit must be convertible to the base
        dims[sym.symbols[item.name]] = dimension(item.unit)
    for eq in spec.intermediates:
        base_factor(eq.unit)
        got = _dim_of(sym.intermediates[eq.name], dims, f"intermediate {eq.name}")
        want = dimension(eq.unit)
        if got is not None and got != want:
            raise SpecError(
                f"intermediate {eq.name}: the equation gives {got}, the declared unit "
                f"{eq.unit!r} is {want}. Fix the equation or the unit."
            )
        dims[sym.symbols[eq.name]] = want
    per_hour = dimension("1/h")
    for s in spec.states:
        want = dimension(s.unit) * per_hour
        if s.rate is not None:
            got = _dim_of(sym.rates[s.name], dims, f"rate of {s.name}")
            _same(got, want, f"rate of {s.name}", f"{s.unit} per hour")
    for source, target, expr in sym.flows:
        unit = spec.state(source).unit
        got = _dim_of(expr, dims, f"flow {source} → {target}")
        _same(got, dimension(unit) * per_hour, f"flow {source} → {target}", unit + "/h")
    for o in spec.outputs:
        base_factor(o.unit)
        got = _dim_of(sym.outputs[o.name], dims, f"output {o.name}")
        _same(got, dimension(o.unit), f"output {o.name}", o.unit)


def _same(got: Any, want: Any, where: str, unit: str) -> None:
    if got is not None and got != want:
        raise SpecError(f"{where}: the equation gives {got}, it must be {want} ({unit}).")
