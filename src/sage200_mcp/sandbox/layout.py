"""Entity layouts: which scalar fields an entity has, their kinds and their blank values.

A layout is read straight from Sage's schema, so every table the sandbox stores and every body it
serves carries exactly the fields Sage documents, typed as Sage types them. Fields the seeded books
do not set get a blank of the right type, as the real API does for an empty column.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field
from typing import Any

from sage200_mcp.openapi import PROFESSIONAL_ONLY, JsonObject, api_spec


class Kind(enum.Enum):
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATETIME = "datetime"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    default: Any
    professional_only: bool


@dataclass(frozen=True)
class Layout:
    """The scalar columns of one entity, plus the names of its nested objects and arrays."""

    name: str
    columns: dict[str, Column]
    nested: dict[str, JsonObject] = field(default_factory=dict)

    def visible(self, professional: bool) -> dict[str, Column]:
        """Columns an edition shows: Standard hides the professional-only ones."""
        if professional:
            return self.columns
        return {n: c for n, c in self.columns.items() if not c.professional_only}


def layout_from_properties(name: str, properties: dict[str, JsonObject]) -> Layout:
    columns: dict[str, Column] = {}
    nested: dict[str, JsonObject] = {}
    for field_name, spec in properties.items():
        kind = _kind(spec)
        if kind is None:
            nested[field_name] = spec
            continue
        columns[field_name] = Column(
            name=field_name,
            kind=kind,
            default=_blank(kind, spec),
            professional_only=bool(spec.get(PROFESSIONAL_ONLY)),
        )
    return Layout(name=name, columns=columns, nested=nested)


@functools.cache
def entity_layout(module: str, schema_name: str) -> Layout:
    """The layout of a component schema, e.g. ``("sales", "customer")``."""
    return layout_from_properties(schema_name, api_spec().properties(module, schema_name))


@functools.cache
def inline_layout(module: str, schema_name: str, field_name: str) -> Layout:
    """The layout of an object written inline in a schema, e.g. a customer's ``main_address``."""
    spec = api_spec().properties(module, schema_name)[field_name]
    properties = spec.get("properties") or spec.get("items", {}).get("properties", {})
    return layout_from_properties(f"{schema_name}.{field_name}", properties)


def _kind(spec: JsonObject) -> Kind | None:
    kind = spec.get("type")
    if kind == "string":
        return Kind.DATETIME if spec.get("format") == "date-time" else Kind.STRING
    if kind == "integer":
        return Kind.INTEGER
    if kind == "number":
        return Kind.NUMBER
    if kind == "boolean":
        return Kind.BOOLEAN
    return None


def _blank(kind: Kind, spec: JsonObject) -> Any:
    if "default" in spec:
        return spec["default"]
    return {
        Kind.STRING: "",
        Kind.INTEGER: 0,
        Kind.NUMBER: 0,
        Kind.BOOLEAN: False,
        Kind.DATETIME: None,
    }[kind]
