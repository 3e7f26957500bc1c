"""Checks a response body against Sage's schemas, with the spec's known flaws allowed for.

docs/SAGE200_API.md §6: ``maxLength`` on enum-valued strings is wrong in the files (live responses
carry full enum names), so it is dropped on those fields, and on the ``value`` of a lookup
resource (``sop_document_status_types``: ``EnumDocumentStatusCancelled`` under ``maxLength: 20``),
and kept everywhere else. For Standard,
fields marked professional-only must be absent, so they are made to fail when present.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable
from typing import Any, Literal

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from sage200_mcp.openapi import (
    MODULES,
    PROFESSIONAL_ONLY,
    JsonObject,
    api_spec,
    is_enum_valued,
    load_document,
)

Edition = Literal["professional", "standard"]

_UTC_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")

_FORMATS = jsonschema.FormatChecker(formats=())


@_FORMATS.checks("date-time")
def _is_utc_date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(_UTC_DATE_TIME.match(value))


def body_validator(path: str, edition: Edition = "professional") -> Callable[[Any], list[str]]:
    """A function listing every way a body fails the 200 schema of GET ``path`` (a template)."""
    operation = api_spec().operation(path)
    ref: JsonObject = {
        "$ref": f"sage200:{operation.module}#/components/schemas/{operation.schema_name}"
    }
    schema: JsonObject = {"type": "array", "items": ref} if operation.is_list else ref
    validator = jsonschema.Draft4Validator(
        schema, registry=_registry(edition), format_checker=_FORMATS
    )

    def errors(body: Any) -> list[str]:
        found = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in found]

    return errors


@functools.cache
def _registry(edition: Edition) -> Registry[Any]:
    resources = [
        (f"sage200:{module}", Resource.from_contents(_tolerant(module, edition), DRAFT4))
        for module in MODULES
    ]
    return Registry().with_resources(resources)


def _tolerant(module: str, edition: Edition) -> JsonObject:
    document = copy.deepcopy(load_document(module))
    for schema in document["components"]["schemas"].values():
        _adjust(schema, edition)
    return {"components": document["components"]}


def _adjust(schema: JsonObject, edition: Edition) -> None:
    properties: dict[str, JsonObject] = schema.get("properties", {})
    for name, spec in list(properties.items()):
        if edition == "standard" and spec.get(PROFESSIONAL_ONLY):
            # Standard has no such field: it must be absent, so it cannot be required either
            properties[name] = {"not": {}}
            if name in schema.get("required", []):
                schema["required"] = [r for r in schema["required"] if r != name]
            continue
        if spec.get("type") == "string" and (
            is_enum_valued(name, spec) or _lookup_value(name, spec)
        ):
            spec.pop("maxLength", None)
        _adjust(spec, edition)
        if isinstance(spec.get("items"), dict):
            _adjust(spec["items"], edition)


def _lookup_value(name: str, spec: JsonObject) -> bool:
    """The ``value`` of a lookup resource's row, which is an enum's full name."""
    return name == "value" and spec.get("description") == "Enum value."
