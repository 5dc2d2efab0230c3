"""Pre-existing conditions: the vocabulary in ``evidence/data/conditions.toml`` and its parser.

People type conditions the way they say them ("fatty liver", "NAFLD", "on methadone"). Each alias
resolves to one :class:`Condition` with the tags the risk rules look for; a sub-class such as
"cirrhosis" is kept so that findings can name it. Unknown names are refused with the nearest
known name as a suggestion (never guessed), and plain contradictions ("pregnancy" with
"postmenopausal") are refused naming both, from the small conflict table in the same file.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache

from kratomsim.errors import ConditionError, EvidenceError, bad_value
from kratomsim.evidence.loader import read_data_toml

EXAMPLES = "'fatty liver', 'long QT', 'epilepsy', 'pregnancy', 'COPD', 'on methadone'"


@dataclass(frozen=True, slots=True)
class ConditionSpec:
    """One entry of the vocabulary."""

    id: str
    name: str
    tags: tuple[str, ...]
    rules: tuple[str, ...]
    aliases: tuple[str, ...]
    subclasses: tuple[tuple[str, tuple[str, ...]], ...]
    severe: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Condition:
    """A condition a person reported, resolved against the vocabulary."""

    id: str
    name: str
    tags: tuple[str, ...]
    #: Sub-class named by the alias typed (e.g. "cirrhosis", "fatty liver"), if any.
    subclass: str | None = None
    #: True when the sub-class marks advanced disease (e.g. cirrhosis).
    severe: bool = False
    #: What the person typed.
    text: str = ""

    def describe(self) -> str:
        """Name and sub-class in the person's terms, e.g. "liver disease (fatty liver)"."""
        if self.subclass is None:
            return self.name
        label = f"{self.subclass}, advanced" if self.severe else self.subclass
        return f"{self.name} ({label})"


@dataclass(frozen=True, slots=True)
class Conflict:
    a: str
    b: str
    reason: str


def normalise(text: str) -> str:
    """Lower case, no hyphens, underscores or apostrophes, single spaces."""
    text = text.strip().lower().replace("\u2019", "'")
    text = re.sub(r"[-_/]", " ", text)
    text = text.replace("'", "").rstrip(".")
    return " ".join(text.split())


@cache
def load_condition_specs() -> tuple[ConditionSpec, ...]:
    """Every condition of the vocabulary (validated: unique ids, no alias shared by two)."""
    specs: list[ConditionSpec] = []
    for raw in read_data_toml("conditions.toml")["condition"]:
        subs = tuple((name, tuple(aliases)) for name, aliases in raw.get("subclasses", {}).items())
        specs.append(
            ConditionSpec(
                id=raw["id"],
                name=raw["name"],
                tags=tuple(raw["tags"]),
                rules=tuple(raw["rules"]),
                aliases=tuple(raw["aliases"]),
                subclasses=subs,
                severe=tuple(raw.get("severe", ())),
            )
        )
    _alias_table(tuple(specs))  # validates
    return tuple(specs)


@cache
def load_conflicts() -> tuple[Conflict, ...]:
    """Pairs of conditions that cannot both be true of one person."""
    ids = {s.id for s in load_condition_specs()}
    conflicts = tuple(
        Conflict(c["a"], c["b"], c["reason"])
        for c in read_data_toml("conditions.toml").get("conflict", [])
    )
    for c in conflicts:
        if c.a not in ids or c.b not in ids:
            raise EvidenceError(f"conditions.toml: conflict {c.a!r}/{c.b!r} names an unknown id.")
    return conflicts


def _alias_table(specs: tuple[ConditionSpec, ...]) -> dict[str, tuple[ConditionSpec, str | None]]:
    table: dict[str, tuple[ConditionSpec, str | None]] = {}
    ids: set[str] = set()

    def add(alias: str, spec: ConditionSpec, sub: str | None) -> None:
        key = normalise(alias)
        if key in table and table[key][0].id != spec.id:
            raise EvidenceError(
                f"conditions.toml: alias {alias!r} belongs to {table[key][0].id} and {spec.id}."
            )
        table[key] = (spec, sub)

    for spec in specs:
        if spec.id in ids:
            raise EvidenceError(f"conditions.toml: condition id {spec.id!r} is defined twice.")
        ids.add(spec.id)
        for alias in (spec.id, spec.name, *spec.aliases):
            add(alias, spec, None)
        for sub, aliases in spec.subclasses:
            for alias in (sub, *aliases):
                add(alias, spec, sub)
    return table


def known_condition_names() -> tuple[str, ...]:
    """Every name the parser accepts (normalised)."""
    return tuple(sorted(_alias_table(load_condition_specs())))


def resolve_condition(text: str) -> Condition:
    """One condition by id, name or alias; an unknown name raises with the nearest match."""
    table = _alias_table(load_condition_specs())
    key = normalise(text)
    if key in table:
        spec, sub = table[key]
        return Condition(
            id=spec.id,
            name=spec.name,
            tags=spec.tags,
            subclass=sub,
            severe=sub in spec.severe,
            text=text.strip(),
        )
    near = difflib.get_close_matches(key, list(table), n=1, cutoff=0.6)
    hint = f" Did you mean {near[0]!r}?" if near else ""
    raise ConditionError(
        bad_value(
            "Unknown condition", text.strip(), f"Use a known condition, e.g. {EXAMPLES}.{hint}"
        )
    )


def parse_conditions(text: str) -> tuple[Condition, ...]:
    """Parse a comma- or semicolon-separated list of conditions, in the order given.

    The same condition twice is kept once. An empty list, an unknown name or two conditions that
    contradict each other raise :class:`~kratomsim.errors.ConditionError`.
    """
    parts = [p.strip() for p in re.split(r"[,;]", text) if p.strip()]
    if not parts:
        raise ConditionError(
            bad_value(
                "The condition list is empty",
                text,
                f"Give conditions separated by commas, e.g. {EXAMPLES}.",
            )
        )
    found: list[Condition] = []
    for part in parts:
        cond = resolve_condition(part)
        if all((c.id, c.subclass) != (cond.id, cond.subclass) for c in found):
            found.append(cond)
    check_conflicts(found)
    return tuple(found)


def check_conflicts(conditions: tuple[Condition, ...] | list[Condition]) -> None:
    """Raise :class:`ConditionError` naming both sides of the first contradiction found."""
    by_id = {c.id: c for c in conditions}
    for conflict in load_conflicts():
        if conflict.a in by_id and conflict.b in by_id:
            both = f"{by_id[conflict.a].text or conflict.a}, {by_id[conflict.b].text or conflict.b}"
            raise ConditionError(
                bad_value(
                    "Conditions contradict each other",
                    both,
                    f"{conflict.reason.capitalize()}; remove one of them.",
                )
            )
