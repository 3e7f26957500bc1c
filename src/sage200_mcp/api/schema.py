"""Field names checked against Sage's own schemas, with the closest names when one is wrong.

The OpenAPI files load on first use only (tens of milliseconds), never at start-up.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass

from sage200_mcp.api import odata
from sage200_mcp.config import Edition
from sage200_mcp.errors import Sage200Error
from sage200_mcp.openapi import PROFESSIONAL_ONLY, GetOperation, JsonObject, api_spec


class UnknownField(Sage200Error):
    """A field name the schema does not have; the message names the closest ones."""


@functools.cache
def scalar_fields(module: str, schema: str, edition: Edition) -> frozenset[str]:
    """The fields of an entity that hold a single value (not objects or lists)."""
    names = set()
    for name, spec in api_spec().properties(module, schema).items():
        if spec.get("type") in ("string", "integer", "number", "boolean"):
            if edition == "standard" and spec.get(PROFESSIONAL_ONLY):
                continue
            names.add(name)
    return frozenset(names)


def check_fields(
    names: list[str], module: str, schema: str, edition: Edition, what: str
) -> tuple[str, ...]:
    """``names`` without duplicates, once each is known to be a field of ``schema``."""
    return split_fields(names, module, (schema,), edition, what)[0]


def split_fields(
    names: list[str], module: str, schemas: tuple[str, ...], edition: Edition, what: str
) -> tuple[tuple[str, ...], ...]:
    """``names`` without duplicates, shared out among ``schemas``: each goes to the first that
    has it (so a field two schemas share is read from the first). A name none has is refused
    with the closest names of all of them."""
    fields = [scalar_fields(module, schema, edition) for schema in schemas]
    shares: list[list[str]] = [[] for _ in schemas]
    for name in dict.fromkeys(names):
        owner = next((n for n, known in enumerate(fields) if name in known), None)
        if owner is None:
            known = frozenset().union(*fields)
            raise UnknownField(f"'{name}' is not a field of {what}.{closest(name, known)}")
        shares[owner].append(name)
    return tuple(tuple(share) for share in shares)


class UnknownResource(Sage200Error):
    """A collection the API does not have; the message names the closest ones."""


@dataclass(frozen=True)
class Collection:
    """A GET collection of the API, matched from a concrete path."""

    path: str  # as asked, e.g. customers/10001/customer_contacts
    template: str  # as Sage documents it
    module: str
    schema: str


@functools.cache
def _collections(edition: Edition) -> dict[str, tuple[str, GetOperation]]:
    shapes: dict[str, tuple[str, GetOperation]] = {}
    for template, operation in api_spec().operations.items():
        if operation.is_list and not (edition == "standard" and operation.professional_only):
            shapes[re.sub(r"\{\w+\}", "{}", template)] = (template, operation)
    return shapes


def find_collection(resource: str, edition: Edition) -> Collection:
    path = resource.strip().strip("/")
    segments = path.split("/")
    if not path or any(not s for s in segments):
        raise UnknownResource("Name a collection, e.g. 'nominal_transaction_enquiry_views'.")
    if any(odata.record_id(s) is None for s in segments[1::2]):
        raise UnknownResource(
            f"'{resource}': ids inside a path must be numbers, e.g."
            " 'customers/10001/customer_contacts'."
        )
    shape = "/" + "/".join(s if i % 2 == 0 else "{}" for i, s in enumerate(segments))
    found = _collections(edition).get(shape)
    if found is None:
        names = sorted({t.strip("/") for t, _ in _collections(edition).values()})
        close = difflib.get_close_matches(path, names, n=5, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise UnknownResource(
            f"'{resource}' is not a collection of the Sage 200 API ({edition} edition).{hint}"
        )
    template, operation = found
    return Collection(path, template, operation.module, operation.schema_name)


@functools.cache
def navigations(module: str, schema: str) -> dict[str, JsonObject]:
    """Related objects and lists of an entity (what ``$expand`` can name)."""
    return {
        name: spec
        for name, spec in api_spec().properties(module, schema).items()
        if spec.get("type") in ("object", "array") or "$ref" in spec
    }


def nested_fields(module: str, spec: JsonObject) -> frozenset[str] | None:
    """The fields inside a related object, or None when the spec does not say."""
    inline = spec.get("properties") or spec.get("items", {}).get("properties")
    if inline:
        return frozenset(inline)
    name = api_spec().ref_name(spec)
    return frozenset(api_spec().properties(module, name)) if name else None


def closest(name: str, names: frozenset[str] | set[str]) -> str:
    close = difflib.get_close_matches(name, sorted(names), n=5, cutoff=0.5)
    return f" Did you mean: {', '.join(close)}?" if close else ""
