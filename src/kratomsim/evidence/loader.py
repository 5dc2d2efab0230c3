"""Load the cited data files shipped in ``evidence/data`` and validate them."""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from pydantic import ValidationError

from kratomsim.errors import EvidenceError, ProductError, bad_value
from kratomsim.evidence.data_files import CALIBRATED_PK_FILE
from kratomsim.evidence.schema import CitedValue, Product, Reference

#: Parameter files merged into the default parameter set, in order.
PARAMETER_FILES = (CALIBRATED_PK_FILE, "constants.toml")
#: The product assumed when none is named.
DEFAULT_PRODUCT = "leaf-powder"


def data_text(name: str) -> str:
    """The text of the shipped data file ``name`` (read-only: nothing writes into the package)."""
    return resources.files("kratomsim.evidence").joinpath("data", name).read_text("utf-8")


def read_data_toml(name: str) -> dict[str, Any]:
    """The shipped data file ``name`` parsed; invalid TOML raises :class:`EvidenceError`."""
    text = data_text(name)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise EvidenceError(f"{name} is not valid TOML: {exc}") from None


def _cited(name: str, raw: Mapping[str, Any], file: str) -> CitedValue:
    try:
        return CitedValue(name=name, **raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise EvidenceError(f"{file}: entry {name!r} is invalid ({problems}).") from None


@dataclass(frozen=True)
class ParameterSet(Mapping[str, CitedValue]):
    """Read-only mapping of parameter name to :class:`CitedValue`."""

    entries: tuple[CitedValue, ...]

    def __getitem__(self, key: str) -> CitedValue:
        for entry in self.entries:
            if entry.name == key:
                return entry
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (e.name for e in self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def values_dict(self) -> dict[str, float]:
        return {e.name: e.value for e in self.entries}


@cache
def load_parameters(files: tuple[str, ...] = PARAMETER_FILES) -> ParameterSet:
    """Return the default parameter set with every value's provenance."""
    entries: list[CitedValue] = []
    seen: set[str] = set()
    refs = load_references()
    for file in files:
        for name, raw in read_data_toml(file).items():
            if name in seen:
                raise EvidenceError(f"Parameter {name!r} is defined twice (again in {file}).")
            entry = _cited(name, raw, file)
            if entry.source not in refs:
                raise EvidenceError(f"{file}: {name!r} cites unknown source {entry.source!r}.")
            seen.add(name)
            entries.append(entry)
    return ParameterSet(tuple(entries))


@cache
def load_references() -> dict[str, Reference]:
    """Return the bibliography keyed by citation key.

    ``references.toml`` holds the core bibliography; each topic may add its own
    ``references_<topic>.toml``. A key defined twice is an error.
    """
    data = resources.files("kratomsim.evidence").joinpath("data")
    names = sorted(
        entry.name
        for entry in data.iterdir()
        if entry.name.startswith("references") and entry.name.endswith(".toml")
    )
    refs: dict[str, Reference] = {}
    for name in names:
        for key, raw in read_data_toml(name).items():
            if key in refs:
                raise EvidenceError(f"Reference {key!r} is defined twice (again in {name}).")
            refs[key] = Reference(key=key, **raw)
    return refs


@cache
def load_products() -> tuple[Product, ...]:
    """Return every product type with cited default content."""
    products: list[Product] = []
    refs = load_references()
    for raw in read_data_toml("products.toml")["product"]:
        pid = raw["id"]
        content = {
            field: _cited(f"{pid}.{field}", raw[field], "products.toml")
            for field in ("mg_per_g", "oh7_mg_per_g")
        }
        for cited in content.values():
            if cited.source not in refs:
                raise EvidenceError(f"products.toml: {cited.name} cites unknown {cited.source!r}.")
        fields = {k: v for k, v in raw.items() if k not in content}
        fields.update(content)
        products.append(Product.model_validate(fields))
    return tuple(products)


def default_product() -> Product:
    """The product assumed when none is named (:data:`DEFAULT_PRODUCT`)."""
    return resolve_product(DEFAULT_PRODUCT)


def resolve_product(name: str) -> Product:
    """Find a product by id or alias; suggest the nearest name for a typo, never guess."""
    key = " ".join(name.strip().lower().replace("_", "-").split())
    table: dict[str, Product] = {}
    for p in load_products():
        table[p.id] = p
        for alias in p.aliases:
            table[alias] = p
    if key in table:
        return table[key]
    ids = [p.id for p in load_products()]
    near = difflib.get_close_matches(key, list(table), n=1, cutoff=0.6)
    hint = f" Did you mean {table[near[0]].id!r}?" if near else ""
    raise ProductError(bad_value("Unknown product", name, f"Choose one of {', '.join(ids)}.{hint}"))
