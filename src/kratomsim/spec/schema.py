"""The model specification as plain values: parameters, states, flows, equations, outputs, doses.

:func:`parse_spec` turns the text of ``model.toml`` (or a copy of it) into a frozen :class:`Spec` and
checks what can be checked without algebra: names are unique and valid identifiers, every state has
one solver, flows join amount states of one unit, doses go into states that exist. Equations stay text
here; :mod:`kratomsim.spec.symbolic` parses them and :mod:`kratomsim.spec.units` checks their units.
"""

from __future__ import annotations

import hashlib
import keyword
import tomllib
from dataclasses import dataclass
from typing import Any, Literal

from kratomsim.errors import SpecError

Solver = Literal["exact", "collocated", "sink"]
SOLVERS: tuple[Solver, ...] = ("exact", "collocated", "sink")


@dataclass(frozen=True)
class Parameter:
    """A model parameter; its value comes from the cited evidence entry ``evidence``."""

    name: str
    unit: str
    description: str
    #: Evidence entry name; ``{absorption}`` is replaced by the product's absorption class.
    evidence: str


@dataclass(frozen=True)
class Input:
    """A quantity set by the question asked (co-medication, a hypothesis switch), with a default.

    A ``switch`` (0 or 1) is fixed when a kernel is generated, so that what it switches off costs
    nothing; each value gets its own kernel.
    """

    name: str
    unit: str
    description: str
    default: float
    switch: bool = False


@dataclass(frozen=True)
class Constant:
    """A number fixed by definition (e.g. the top of a score)."""

    name: str
    value: float
    unit: str
    description: str


@dataclass(frozen=True)
class State:
    """A state variable. Amount states change by flows; other states give their own ``rate``."""

    name: str
    unit: str
    solver: Solver
    description: str
    rate: str | None = None


@dataclass(frozen=True)
class Flow:
    """Amount moving ``source → target`` at ``rate`` (state unit per hour)."""

    source: str
    target: str
    rate: str


@dataclass(frozen=True)
class Equation:
    """A named algebraic quantity (an intermediate or an output)."""

    name: str
    unit: str
    equation: str
    description: str


@dataclass(frozen=True)
class Dose:
    """A swallowed alkaloid: mg are converted to nmol with ``molar_mass`` and added to ``state``."""

    name: str
    state: str
    molar_mass: str


@dataclass(frozen=True)
class Spec:
    """The whole model, as written in the specification file."""

    name: str
    version: int
    time_unit: str
    constants: tuple[Constant, ...]
    inputs: tuple[Input, ...]
    parameters: tuple[Parameter, ...]
    doses: tuple[Dose, ...]
    states: tuple[State, ...]
    flows: tuple[Flow, ...]
    intermediates: tuple[Equation, ...]
    outputs: tuple[Equation, ...]
    #: SHA-256 of the source text: keys every generated artefact (kernels, caches).
    digest: str

    def state(self, name: str) -> State:
        return _find(self.states, name, "state")

    def output(self, name: str) -> Equation:
        return _find(self.outputs, name, "output")

    @property
    def symbols(self) -> dict[str, Parameter | Input | Constant | State | Equation]:
        """Every name an equation may use, with what it is."""
        table: dict[str, Any] = {}
        for group in (
            self.constants,
            self.inputs,
            self.parameters,
            self.states,
            self.intermediates,
        ):
            for item in group:
                table[item.name] = item
        return table

    def states_by(self, solver: Solver) -> tuple[State, ...]:
        return tuple(s for s in self.states if s.solver == solver)

    @property
    def numeric_names(self) -> tuple[str, ...]:
        """Parameters and inputs in a fixed order: the columns of a parameter matrix."""
        return tuple(p.name for p in self.parameters) + tuple(i.name for i in self.inputs)


def _find(items: tuple[Any, ...], name: str, what: str) -> Any:
    for item in items:
        if item.name == name:
            return item
    known = ", ".join(i.name for i in items)
    raise SpecError(f"The model has no {what} named {name!r}; it has: {known}.")


def _need(table: dict[str, Any], key: str, where: str) -> Any:
    if key not in table:
        raise SpecError(f"{where}: the field {key!r} is missing. Add it to the specification.")
    return table[key]


def _text(table: dict[str, Any], key: str, where: str) -> str:
    value = _need(table, key, where)
    if not isinstance(value, str) or not value.strip():
        raise SpecError(f"{where}: {key} must be non-empty text, got {value!r}.")
    return value.strip()


def _number(table: dict[str, Any], key: str, where: str) -> float:
    value = _need(table, key, where)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SpecError(f"{where}: {key} must be a number, got {value!r}.")
    return float(value)


def _check_fields(table: dict[str, Any], allowed: set[str], where: str) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        raise SpecError(f"{where}: unknown field(s) {extra}; allowed: {sorted(allowed)}.")


def parse_spec(text: str) -> Spec:
    """Parse and check the text of a model specification (TOML)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"The model specification is not valid TOML: {exc}.") from None
    model = _need(data, "model", "specification")
    where = "[model]"
    name, version = _text(model, "name", where), int(_number(model, "version", where))
    time_unit = _text(model, "time_unit", where)
    if time_unit != "h":
        raise SpecError(f"{where}: time_unit must be 'h' (hours), got {time_unit!r}.")

    constants = tuple(
        Constant(
            _text(c, "name", "[[constant]]"),
            _number(c, "value", f"constant {c.get('name')}"),
            _text(c, "unit", f"constant {c.get('name')}"),
            _text(c, "description", f"constant {c.get('name')}"),
        )
        for c in _checked_list(data, "constant", {"name", "value", "unit", "description"})
    )
    inputs = tuple(
        Input(
            _text(i, "name", "[[input]]"),
            _text(i, "unit", f"input {i.get('name')}"),
            _text(i, "description", f"input {i.get('name')}"),
            _number(i, "default", f"input {i.get('name')}"),
            bool(i.get("switch", False)),
        )
        for i in _checked_list(data, "input", {"name", "unit", "description", "default", "switch"})
    )
    for i in inputs:
        if i.switch and i.default not in (0.0, 1.0):
            raise SpecError(f"input {i.name}: a switch must default to 0 or 1, got {i.default}.")
    parameters = tuple(
        Parameter(
            _text(p, "name", "[[parameter]]"),
            _text(p, "unit", f"parameter {p.get('name')}"),
            _text(p, "description", f"parameter {p.get('name')}"),
            str(p.get("evidence", p.get("name"))).strip(),
        )
        for p in _checked_list(data, "parameter", {"name", "unit", "description", "evidence"})
    )
    doses = tuple(
        Dose(
            _text(d, "name", "[[dose]]"),
            _text(d, "state", f"dose {d.get('name')}"),
            _text(d, "molar_mass", f"dose {d.get('name')}"),
        )
        for d in _checked_list(data, "dose", {"name", "state", "molar_mass"})
    )
    states = []
    for s in _checked_list(data, "state", {"name", "unit", "solver", "description", "rate"}):
        where = f"state {s.get('name')}"
        solver = _text(s, "solver", where)
        if solver not in SOLVERS:
            raise SpecError(f"{where}: solver must be one of {SOLVERS}, got {solver!r}.")
        rate = s.get("rate")
        if rate is not None and (not isinstance(rate, str) or not rate.strip()):
            raise SpecError(f"{where}: rate must be an equation (text), got {rate!r}.")
        states.append(
            State(
                _text(s, "name", "[[state]]"),
                _text(s, "unit", where),
                solver,  # type: ignore[arg-type]
                _text(s, "description", where),
                rate.strip() if rate else None,
            )
        )
    flows = tuple(
        Flow(
            _text(f, "from", "[[flow]]"),
            _text(f, "to", "[[flow]]"),
            _text(f, "rate", f"flow {f.get('from')} → {f.get('to')}"),
        )
        for f in _checked_list(data, "flow", {"from", "to", "rate"})
    )
    fields = {"name", "unit", "equation", "description"}
    intermediates = tuple(
        _equation(e, "intermediate") for e in _checked_list(data, "intermediate", fields)
    )
    outputs = tuple(_equation(e, "output") for e in _checked_list(data, "output", fields))
    unknown = sorted(set(data) - {"model", "constant", "input", "parameter", "dose", "state"} - {
        "flow", "intermediate", "output"})  # fmt: skip
    if unknown:
        raise SpecError(f"The specification has unknown section(s) {unknown}.")
    spec = Spec(
        name=name,
        version=version,
        time_unit=time_unit,
        constants=constants,
        inputs=inputs,
        parameters=parameters,
        doses=doses,
        states=tuple(states),
        flows=flows,
        intermediates=intermediates,
        outputs=outputs,
        digest=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )
    _check_names(spec)
    _check_structure(spec)
    return spec


def _equation(table: dict[str, Any], what: str) -> Equation:
    where = f"{what} {table.get('name')}"
    return Equation(
        _text(table, "name", f"[[{what}]]"),
        _text(table, "unit", where),
        _text(table, "equation", where),
        _text(table, "description", where),
    )


def _checked_list(data: dict[str, Any], key: str, allowed: set[str]) -> list[dict[str, Any]]:
    items = data.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise SpecError(f"[[{key}]] must be an array of tables.")
    for item in items:
        _check_fields(item, allowed, f"[[{key}]] {item.get('name', '')}".strip())
    return items


def _check_names(spec: Spec) -> None:
    seen: dict[str, str] = {}
    groups = (
        ("constant", spec.constants),
        ("input", spec.inputs),
        ("parameter", spec.parameters),
        ("state", spec.states),
        ("intermediate", spec.intermediates),
    )
    for kind, items in groups:
        for item in items:
            n = item.name
            if not n.isidentifier() or keyword.iskeyword(n) or n.startswith("_"):
                raise SpecError(f"{kind} name {n!r} is not a plain identifier. Rename it.")
            if n in seen:
                raise SpecError(f"The name {n!r} is used twice ({seen[n]} and {kind}).")
            seen[n] = kind
    outs = [o.name for o in spec.outputs]
    dup = sorted({n for n in outs if outs.count(n) > 1})
    if dup:
        raise SpecError(f"Output names must be unique; repeated: {dup}.")


def _check_structure(spec: Spec) -> None:
    names = {s.name: s for s in spec.states}
    for f in spec.flows:
        for end in (f.source, f.target):
            if end not in names:
                raise SpecError(f"Flow {f.source} → {f.target}: no state named {end!r}.")
        if names[f.source].unit != names[f.target].unit:
            raise SpecError(
                f"Flow {f.source} → {f.target} joins states of different units "
                f"({names[f.source].unit} and {names[f.target].unit}). Flows move amounts."
            )
        if f.source == f.target:
            raise SpecError(f"Flow {f.source} → {f.target} starts and ends in the same state.")
    for s in spec.states:
        touched = any(s.name in (f.source, f.target) for f in spec.flows)
        if s.solver == "sink":
            if s.rate is not None or any(f.source == s.name for f in spec.flows):
                raise SpecError(f"Sink {s.name} must only receive flows (no rate, no outflow).")
        elif s.rate is None and not touched:
            raise SpecError(f"State {s.name} has neither a rate nor flows: it never changes.")
        elif s.rate is not None and touched:
            raise SpecError(f"State {s.name} has both a rate and flows; use one or the other.")
    params = {p.name for p in spec.parameters}
    for d in spec.doses:
        if d.state not in names or names[d.state].solver != "exact":
            raise SpecError(f"Dose {d.name} goes into {d.state!r}, which is not an exact state.")
        if d.molar_mass not in params:
            raise SpecError(f"Dose {d.name}: molar mass {d.molar_mass!r} is not a parameter.")
