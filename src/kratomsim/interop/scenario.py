"""Scenario files (YAML or TOML text) describing one dosing scenario, validated with pydantic.

A scenario gives the regimen either as text (``regimen: "2 g every 8 h for 14 days"``) or as
NONMEM-style dose records (``doses:``), never both, plus the product and optional label content::

    name: loading phase
    regimen: 2 g every 8 h for 14 days
    product: leaf-powder
    mg_per_g: 15.0
    7oh_mg_per_g: 0.2
    duration: 21 d
    missed: [5]
    late: {9: 2 h}
    medications: [alprazolam, sertraline]   # optional: for check and report
    conditions: [fatty liver]
    baseline_pain: 6

Dose records: ``doses: [{time: 0 h, amount: 2 g, ii: 8 h, addl: 41}]`` (``time_h: 0`` for plain
hours; ``addl: null`` repeats until the end of observation). ``late`` maps dose numbers to delays; a
negative delay (``-30 min``) means early. :func:`read_scenario` reads a file, :func:`load_scenario_text`
validates text; the regimen is parsed once, while the scenario is validated, and
:meth:`Scenario.to_regimen` returns that value.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from kratomsim.errors import KratomsimError, RegimenError, ScenarioError, bad_value
from kratomsim.models.dosing import DoseRecord, Regimen
from kratomsim.models.regimen_text import (
    check_dose_numbers,
    parse_amount_g,
    parse_regimen,
    parse_time_h,
)

__all__ = [
    "SCENARIO_SUFFIXES",
    "DoseEntry",
    "Scenario",
    "is_scenario_path",
    "load_scenario_text",
    "parse_duration_h",
    "read_scenario",
]

#: File suffixes of scenario files and their formats.
SCENARIO_SUFFIXES: dict[str, Literal["yaml", "toml"]] = {
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
}

_EXAMPLE = "e.g. \"regimen: '2 g every 8 h for 14 days'\" or a 'doses' list"
#: How to fix a wrong value, per field name.
_FIXES = {
    "regimen": "Give the regimen as text, e.g. '2 g every 8 h for 14 days'.",
    "doses": "Give a list of records such as {time: '0 h', amount: '2 g', ii: '8 h', addl: 41}.",
    "time": "Give the dose time as text with a unit, e.g. '8 h'.",
    "time_h": "Give the dose time as a number of hours ≥ 0, e.g. 8.",
    "amount": "Give the amount as text with a unit, e.g. '2 g' or '500 mg'.",
    "ii": "Give the interval as text with a unit, e.g. '8 h'.",
    "addl": "Give the number of additional doses as a whole number ≥ 0 (null: until the end).",
    "product": "Give a product name such as 'leaf-powder', 'tea' or 'extract'.",
    "mg_per_g": "Give the mitragynine content in mg per g of product (0 < value ≤ 1000), e.g. 15.",
    "7oh_mg_per_g": "Give the 7-OH content in mg per g of product (0 ≤ value ≤ 1000), e.g. 0.2.",
    "duration": "Give the observation window as text, e.g. '10 d' or '72 h'.",
    "missed": "Give a list of dose numbers counted from 1, e.g. [5, 6].",
    "late": "Give dose number → delay, e.g. {9: '2 h'}; a negative delay means early.",
    "name": "Give the scenario name as text.",
}
_Content = Annotated[float, Field(strict=True, allow_inf_nan=False, le=1000.0)]


def parse_duration_h(text: str) -> float:
    """Parse an observation window such as ``"10 d"``, ``"72 h"`` or ``"2 weeks"`` into hours.

    Raises :class:`ScenarioError` unless it is a positive time of at most 10 years.

    Examples
    --------
    >>> parse_duration_h("10 d")
    240.0
    """
    try:
        return parse_time_h(text)
    except RegimenError as exc:
        raise ScenarioError(f"Observation duration: {exc}") from None


def _field_name(loc: tuple[int | str, ...]) -> str:
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def _short(value: object) -> object:
    text = repr(value)
    return value if len(text) <= 80 else text[:77] + "..."


def _message(exc: ValidationError) -> str:
    """One readable line per problem, in the project's "what: got value. fix" template."""
    lines = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if p != "[key]")
        field = _field_name(loc)
        last = next((p for p in reversed(loc) if isinstance(p, str)), "")
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, KratomsimError):
            lines.append(f"Scenario field '{field}': {cause}" if field else str(cause))
        elif err["type"] == "extra_forbidden":
            known = list(DoseEntry.model_fields) if "doses" in loc else _top_fields()
            fix = f"Remove it; known fields are: {', '.join(known)}."
            lines.append(bad_value(f"Unknown scenario field '{field}'", _short(err["input"]), fix))
        elif err["type"] == "missing":
            fix = _FIXES.get(last, f"Add it, {_EXAMPLE}.")
            lines.append(
                bad_value(f"Scenario field '{field}' is missing", _short(err["input"]), fix)
            )
        else:
            fix = _FIXES.get(last, f"Check the scenario, {_EXAMPLE}.")
            where = f"Scenario field '{field}'" if field else "Scenario"
            lines.append(bad_value(f"{where}: {err['msg']}", _short(err["input"]), fix))
    return "\n".join(lines)


class DoseEntry(BaseModel):
    """One dose record of a scenario: time, amount, interval and additional doses (NONMEM)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    time: str | None = None
    time_h: float | None = Field(default=None, strict=True, ge=0.0, allow_inf_nan=False)
    amount: str
    ii: str | None = None
    addl: StrictInt | None = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _check(self) -> DoseEntry:
        if (self.time is None) == (self.time_h is None):
            value = "both" if self.time is not None else "neither"
            fix = "Write e.g. time: '8 h' or time_h: 8."
            raise ScenarioError(bad_value("Give exactly one of 'time' and 'time_h'", value, fix))
        if self.ii is None and self.addl != 0:
            fix = "Add e.g. ii: '8 h', or set addl: 0 for a single dose."
            raise ScenarioError(bad_value("Repeated doses need an interval 'ii'", self.addl, fix))
        self.to_record()
        return self

    def to_record(self) -> DoseRecord:
        """The :class:`DoseRecord` for this entry."""
        time_h = self.time_h if self.time is None else parse_time_h(self.time, zero=True)
        ii_h = 0.0 if self.ii is None else parse_time_h(self.ii)
        return DoseRecord(float(time_h or 0.0), parse_amount_g(self.amount), ii_h, self.addl)


class Scenario(BaseModel):
    """A validated dosing scenario; :meth:`to_regimen` gives the :class:`Regimen`.

    Constructing one directly (``Scenario(regimen="2 g once")``) validates like a file does and
    raises :class:`ScenarioError`.

    Examples
    --------
    >>> s = load_scenario_text("regimen: 2 g every 8 h for 2 days\\nmissed: [2]", fmt="yaml")
    >>> s.to_regimen().expand().times_h.tolist()
    [0.0, 16.0, 24.0, 32.0, 40.0]
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    name: str | None = None
    regimen: str | None = None
    doses: list[DoseEntry] | None = None
    product: str = "leaf-powder"
    mg_per_g: _Content | None = Field(default=None, gt=0.0)
    oh7_mg_per_g: _Content | None = Field(default=None, alias="7oh_mg_per_g", ge=0.0)
    duration: str | None = None
    missed: list[Annotated[StrictInt, Field(ge=1)]] = Field(default_factory=list)
    late: dict[Annotated[int, Field(ge=1)], str] = Field(default_factory=dict)
    #: The person's other medications and pre-existing conditions, as names; the risk layer
    #: resolves them (``kratomsim check``, ``kratomsim report``).
    medications: list[str] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)
    #: Usual pain on the 0-10 NRS, for the relief estimate in reports.
    baseline_pain: float | None = Field(default=None, ge=0.0, le=10.0)
    _regimen: Regimen | None = PrivateAttr(default=None)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise ScenarioError(_message(exc)) from None

    @field_validator("regimen")
    @classmethod
    def _check_regimen(cls, value: str | None) -> str | None:
        if value is not None:
            parse_regimen(value)
        return value

    @field_validator("duration")
    @classmethod
    def _check_duration(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration_h(value)
        return value

    @field_validator("late")
    @classmethod
    def _check_late(cls, value: dict[int, str]) -> dict[int, str]:
        for n, delay in value.items():
            try:
                parse_time_h(delay, signed=True)
            except RegimenError as exc:
                raise ScenarioError(f"dose {n}: {exc} A negative delay means early.") from None
        return value

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        if self.regimen is not None and self.doses is not None:
            what = "'regimen' and 'doses' contradict each other"
            raise ScenarioError(bad_value(what, "both given", f"Keep only one, {_EXAMPLE}."))
        if self.regimen is None and self.doses is None:
            what = "A scenario needs 'regimen' or 'doses'"
            raise ScenarioError(bad_value(what, "neither given", f"Add one, {_EXAMPLE}."))
        if self.doses is not None and not self.doses:
            raise ScenarioError(bad_value("'doses' is empty", [], f"List one dose, {_EXAMPLE}."))
        if clash := set(self.missed) & set(self.late):
            what = "A dose in both 'missed' and 'late' is contradictory"
            raise ScenarioError(bad_value(what, min(clash), "Remove it from one of them."))
        regimen = self._build_regimen()
        self._regimen = regimen
        if self.missed or self.late:
            try:
                check_dose_numbers(regimen, self.duration_h)
            except RegimenError as exc:
                raise ScenarioError(f"Scenario fields 'missed'/'late': {exc}") from None
        return self

    @property
    def duration_h(self) -> float | None:
        """The observation window in hours, or None when not given."""
        return None if self.duration is None else parse_duration_h(self.duration)

    def to_regimen(self) -> Regimen:
        """The scenario's :class:`Regimen`, with ``missed`` and ``late`` applied."""
        return self._regimen if self._regimen is not None else self._build_regimen()

    def _build_regimen(self) -> Regimen:
        late = tuple(sorted((n, parse_time_h(d, signed=True)) for n, d in self.late.items()))
        if self.regimen is not None:
            base = parse_regimen(self.regimen)
            if not (self.missed or self.late):
                return base
            if base.missed or base.late_h:
                what = "Missed/late doses in both 'regimen' and 'missed'/'late' are contradictory"
                raise ScenarioError(bad_value(what, self.regimen, "Give them in one place only."))
            return Regimen(base.records, frozenset(self.missed), late, base.text)
        records = tuple(d.to_record() for d in self.doses or ())
        return Regimen(records, frozenset(self.missed), late, self.name or "scenario doses")


def _top_fields() -> list[str]:
    return [f.alias or name for name, f in Scenario.model_fields.items()]


def _load(text: str, fmt: str) -> object:
    if fmt == "toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            fix = "Check quotes, '=' signs and [tables]."
            raise ScenarioError(bad_value("Scenario is not valid TOML", str(exc), fix)) from None
    if fmt == "yaml":
        try:
            return yaml.safe_load(text)
        except Exception as exc:  # any failure on untrusted text means a malformed file
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc) or type(exc).__name__
            at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            fix = "Check indentation, colons and quotes."
            raise ScenarioError(
                bad_value("Scenario is not valid YAML", problem + at, fix)
            ) from None
    raise ScenarioError(bad_value("Unknown scenario format", fmt, "Use fmt='yaml' or fmt='toml'."))


def load_scenario_text(text: str, *, fmt: Literal["yaml", "toml"]) -> Scenario:
    """Validate the text of a YAML or TOML scenario file into a :class:`Scenario`.

    Parameters
    ----------
    text : str
        Contents of the scenario file.
    fmt : {"yaml", "toml"}
        Format of ``text``.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        Naming the field, the value given and the fix, for malformed or contradictory text.

    Examples
    --------
    >>> load_scenario_text('regimen = "2 g once"\\nproduct = "tea"', fmt="toml").product
    'tea'
    """
    if not isinstance(text, str):
        fix = "Read the file and pass its text."
        raise ScenarioError(bad_value("Scenario text must be a string", type(text).__name__, fix))
    data = _load(text, fmt)
    if data is None:
        raise ScenarioError(bad_value("The scenario is empty", _short(text), f"Write {_EXAMPLE}."))
    if not isinstance(data, dict):
        what = "A scenario must be a mapping of fields"
        raise ScenarioError(bad_value(what, _short(data), f"Write {_EXAMPLE}."))
    if bad_keys := [key for key in data if not isinstance(key, str)]:
        fix = f"Use the field names: {', '.join(_top_fields())}."
        raise ScenarioError(bad_value("Scenario field names must be text", bad_keys[0], fix))
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_message(exc)) from None
    except RecursionError:
        raise ScenarioError(
            bad_value("The scenario is nested too deeply", _short(data), f"Write {_EXAMPLE}.")
        ) from None


def is_scenario_path(source: str | os.PathLike[str]) -> bool:
    """Whether ``source`` names a scenario file (by its suffix) rather than regimen text."""
    return isinstance(source, os.PathLike) or Path(str(source)).suffix.lower() in SCENARIO_SUFFIXES


def read_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a YAML or TOML scenario file."""
    p = Path(path)
    fmt = SCENARIO_SUFFIXES.get(p.suffix.lower())
    if fmt is None:
        raise ScenarioError(
            bad_value(
                "Scenario files must end in .yaml, .yml or .toml",
                str(p),
                "Rename the file or give the regimen as text.",
            )
        )
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(
            bad_value("Cannot read scenario file", str(p), f"Check the path ({exc.strerror}).")
        ) from None
    return load_scenario_text(text, fmt=fmt)
