"""Sage's own OpenAPI files for Sage 200, shipped as package data (see SOURCE.md).

They are the contract for every entity this project reads or serves: the sandbox's bodies must
validate against them, and the server checks resource and field names against them. Parsing all
eleven files costs tens of milliseconds, so nothing here runs at import time.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

MODULES = (
    "sales",
    "purchases",
    "sop",
    "pop",
    "stock",
    "nominal",
    "cash-book",
    "financials",
    "general",
    "price-book",
    "commercials",
)

PROFESSIONAL_ONLY = "x-sage-professional-only"
_ENUM_SUFFIXES = ("_type", "_basis", "_status")

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class GetOperation:
    """One GET path of the API and the entity schema its 200 answer carries."""

    path: str
    module: str
    schema_name: str
    is_list: bool
    professional_only: bool
    summary: str


@functools.cache
def load_document(module: str) -> JsonObject:
    """The parsed OpenAPI document of one module (e.g. ``"sales"``)."""
    if module not in MODULES:
        raise KeyError(f"unknown OpenAPI module {module!r}")
    text = resources.files(__name__).joinpath(f"{module}.json").read_text(encoding="utf-8")
    document: JsonObject = json.loads(text)
    return document


class ApiSpec:
    """All modules merged into one index of GET operations and entity schemas."""

    def __init__(self) -> None:
        self._operations: dict[str, GetOperation] = {}
        for module in MODULES:
            for path, item in load_document(module)["paths"].items():
                operation = _get_operation(module, path, item)
                if operation is not None:
                    self._operations[path] = operation

    @property
    def operations(self) -> dict[str, GetOperation]:
        """GET operations by path template, e.g. ``/customers/{Id}``."""
        return self._operations

    def operation(self, path: str) -> GetOperation:
        return self._operations[path]

    def schema(self, module: str, name: str) -> JsonObject:
        """A component schema, as written in the file (``$ref`` left unresolved)."""
        schema: JsonObject = load_document(module)["components"]["schemas"][name]
        return schema

    def properties(self, module: str, name: str) -> dict[str, JsonObject]:
        """The properties of a component schema, each ``$ref`` resolved one level."""
        raw = self.schema(module, name).get("properties", {})
        return {field: self.resolve(module, spec) for field, spec in raw.items()}

    def resolve(self, module: str, spec: JsonObject) -> JsonObject:
        """Follow a local ``$ref`` (one hop); other schemas are returned unchanged."""
        ref = spec.get("$ref")
        if ref is None:
            return spec
        return self.schema(module, _ref_name(ref))

    def ref_name(self, spec: JsonObject) -> str | None:
        """The component a property points at (directly or through ``items``), if any."""
        ref = spec.get("$ref") or spec.get("items", {}).get("$ref")
        return _ref_name(ref) if ref else None


@functools.cache
def api_spec() -> ApiSpec:
    """The merged spec, parsed once per process on first use."""
    return ApiSpec()


def is_enum_valued(name: str, spec: JsonObject) -> bool:
    """Whether a string field holds an enum name, by the rule of docs/SAGE200_API.md §6."""
    if name == "status" or name.endswith(_ENUM_SUFFIXES):
        return True
    default = spec.get("default")
    limit = spec.get("maxLength")
    return isinstance(default, str) and isinstance(limit, int) and len(default) > limit


def _get_operation(module: str, path: str, item: JsonObject) -> GetOperation | None:
    get = item.get("get")
    if get is None:
        return None
    content = get.get("responses", {}).get("200", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema is None:
        return None
    is_list = schema.get("type") == "array"
    ref = schema["items"]["$ref"] if is_list else schema.get("$ref")
    if ref is None:
        return None
    return GetOperation(
        path=path,
        module=module,
        schema_name=_ref_name(ref),
        is_list=is_list,
        professional_only=bool(item.get(PROFESSIONAL_ONLY) or get.get(PROFESSIONAL_ONLY)),
        summary=str(get.get("summary", "")),
    )


def _ref_name(ref: str) -> str:
    prefix = "#/components/schemas/"
    if not ref.startswith(prefix):
        raise ValueError(f"unsupported $ref {ref!r}")
    return ref[len(prefix) :]
