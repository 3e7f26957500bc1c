"""A checked, read-only query of any GET collection: the escape hatch behind the `query` tool.

Everything is checked against Sage's schemas before a request is sent: the collection, the
selected, expanded and sorted fields, and the filter, which is parsed with Sage's grammar and
walked so that every field exists and every value suits its field. A mistake comes back as a
message naming the closest valid names, not as a round trip and a 400.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sage200_mcp.api.client import Company, SageClient
from sage200_mcp.api.schema import (
    Collection,
    UnknownField,
    closest,
    find_collection,
    navigations,
    nested_fields,
    scalar_fields,
)
from sage200_mcp.config import Edition
from sage200_mcp.errors import Sage200Error
from sage200_mcp.openapi import api_spec, is_enum_valued
from sage200_mcp.openapi.odata_syntax import (
    Call,
    Compare,
    FieldRef,
    Literal,
    Logical,
    Node,
    Not,
    ODataError,
    parse_filter,
)

MAX_TOP = 500


class InvalidQuery(Sage200Error):
    """A query option that cannot be sent as it is; the message says how to fix it."""


@dataclass(frozen=True)
class Query:
    collection: Collection
    filter: str | None = None
    select: tuple[str, ...] = ()
    expand: tuple[str, ...] = ()
    orderby: str | None = None
    top: int = 50
    skip: int = 0

    def params(self) -> dict[str, str]:
        """The query options but the page's: ``run_query`` adds ``$top`` and ``$skip``."""
        params = {}
        for option, value in (
            ("$filter", self.filter),
            ("$orderby", self.orderby),
            ("$select", ",".join(self.select)),
            ("$expand", ",".join(self.expand)),
        ):
            if value:
                params[option] = value
        return params


def build_query(
    resource: str,
    edition: Edition,
    *,
    filter_text: str | None = None,
    select: list[str] | None = None,
    expand: list[str] | None = None,
    orderby: str | None = None,
    top: int = 50,
    skip: int = 0,
) -> Query:
    collection = find_collection(resource, edition)
    entity = f"{collection.schema} ({collection.template.strip('/')})"
    fields = scalar_fields(collection.module, collection.schema, edition)
    links = navigations(collection.module, collection.schema)
    expanded = tuple(dict.fromkeys(expand or []))
    for name in expanded:
        if name not in links:
            raise UnknownField(
                f"'{name}' cannot be expanded on {entity}; it can expand:"
                f" {', '.join(sorted(links)) or 'nothing'}."
            )
    chosen = tuple(dict.fromkeys(select or []))
    for path in chosen:
        _check_select(path, collection, fields, links, expanded, entity)
    if orderby:
        orderby = _check_orderby(orderby, fields, entity)
    if filter_text:
        _check_filter(filter_text, collection, fields, entity)
    if not 1 <= top <= MAX_TOP:
        raise InvalidQuery(f"top must be between 1 and {MAX_TOP}.")
    if skip < 0:
        raise InvalidQuery("skip cannot be negative.")
    if not orderby and "id" in fields:
        orderby = "id asc"  # a stable order, so that skip pages neither overlap nor miss rows
    if skip and not orderby:
        raise InvalidQuery("skip needs orderby (Sage refuses $skip without $orderby).")
    return Query(collection, filter_text or None, chosen, expanded, orderby, top, skip)


async def run_query(
    client: SageClient, company: Company, query: Query
) -> tuple[list[dict[str, Any]], bool]:
    """The rows asked for and whether more follow: one request, or (if Sage times out on that
    many rows at once) smaller pages of the same query."""
    return await client.read_rows(
        query.collection.path, company, query.params(), offset=query.skip, limit=query.top
    )


def _check_select(
    path: str,
    collection: Collection,
    fields: frozenset[str],
    links: dict[str, Any],
    expanded: tuple[str, ...],
    entity: str,
) -> None:
    parts = [p for p in re.split(r"[./]", path.strip()) if p]
    if not parts:
        raise InvalidQuery("An empty name was given in select.")
    head = parts[0]
    if len(parts) == 1 and (head in fields or head in links):
        return
    if head not in links:
        raise UnknownField(f"'{path}' is not a field of {entity}.{closest(head, set(fields))}")
    if head not in expanded:
        raise InvalidQuery(f"To select '{path}', also expand '{head}'.")
    inner = nested_fields(collection.module, links[head])
    if inner is not None and len(parts) == 2 and parts[1] not in inner:
        raise UnknownField(f"'{parts[1]}' is not a field of {head}.{closest(parts[1], set(inner))}")


def _check_orderby(text: str, fields: frozenset[str], entity: str) -> str:
    items = []
    for item in text.split(","):
        words = item.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise InvalidQuery(
                f"Cannot read the orderby item '{item.strip()}'; write e.g."
                " 'name asc, balance desc'."
            )
        if words[0] not in fields:
            raise UnknownField(
                f"Cannot sort by '{words[0]}': it is not a field of {entity}."
                f"{closest(words[0], fields)}"
            )
        items.append(" ".join(words))
    return ", ".join(items)


def _check_filter(text: str, collection: Collection, fields: frozenset[str], entity: str) -> None:
    try:
        tree = parse_filter(text)
    except ODataError as error:
        raise InvalidQuery(f"The filter is not valid OData: {error}") from None
    specs = api_spec().properties(collection.module, collection.schema)
    _walk(tree, fields, specs, entity)


def _walk(node: Node, fields: frozenset[str], specs: dict[str, Any], entity: str) -> None:
    if isinstance(node, Logical):
        _walk(node.left, fields, specs, entity)
        _walk(node.right, fields, specs, entity)
    elif isinstance(node, Not):
        _walk(node.operand, fields, specs, entity)
    elif isinstance(node, Call):
        if (
            len(node.args) != 2
            or not isinstance(node.args[0], FieldRef)
            or not (isinstance(node.args[1], Literal) and node.args[1].kind == "string")
        ):
            raise InvalidQuery(
                f"{node.name}() takes a field and a quoted text, e.g. {node.name}(name,'abc')."
            )
        if _kind(node.args[0], fields, specs, entity) != "string":
            raise InvalidQuery(
                f"{node.name}() applies to text fields; '{node.args[0].name}' is not one."
            )
    elif isinstance(node, Compare):
        kinds = [
            _kind(side, fields, specs, entity) if isinstance(side, FieldRef) else None
            for side in (node.left, node.right)
        ]
        for side, other in ((node.left, kinds[1]), (node.right, kinds[0])):
            if isinstance(side, Literal) and other is not None:
                _check_value(side, other, node)
    elif isinstance(node, FieldRef):
        if _kind(node, fields, specs, entity) != "boolean":
            raise InvalidQuery(
                f"'{node.name}' alone is not a condition; compare it, e.g. {node.name} eq ..."
            )
    else:
        raise InvalidQuery("The filter must be a condition, e.g. balance gt 1000.")


def _kind(ref: FieldRef, fields: frozenset[str], specs: dict[str, Any], entity: str) -> str:
    if "." in ref.name or "/" in ref.name:
        raise InvalidQuery(f"Filters can only use {entity}'s own fields, not '{ref.name}'.")
    if ref.name not in fields:
        raise UnknownField(f"'{ref.name}' is not a field of {entity}.{closest(ref.name, fields)}")
    spec = specs[ref.name]
    if spec.get("type") == "string" and spec.get("format") == "date-time":
        return "datetime"
    if spec.get("type") == "string" and is_enum_valued(ref.name, spec):
        return "enum"
    return str(spec.get("type"))


_ACCEPTS = {
    "string": ("string",),
    "enum": ("string", "int"),
    "integer": ("int", "decimal"),
    "number": ("int", "decimal"),
    "boolean": ("bool",),
    "datetime": ("date", "datetime"),
}
_ADVICE = {
    "string": "put text in single quotes",
    "enum": "give the enum name in quotes (e.g. 'AccountStatusActive') or its number",
    "integer": "write numbers without quotes",
    "number": "write numbers without quotes",
    "boolean": "use true or false",
    "datetime": "write dates unquoted, e.g. 2024-02-23, or date-times in UTC like"
    " 2024-02-23T10:00:00Z",
}


def _check_value(literal: Literal, kind: str, node: Compare) -> None:
    if literal.kind == "null" and node.op in ("eq", "ne"):
        return
    if literal.kind not in _ACCEPTS.get(kind, (literal.kind,)):
        raise InvalidQuery(
            f"The value in '{node.op}' does not suit a {kind} field: {_ADVICE[kind]}."
        )
