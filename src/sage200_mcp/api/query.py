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
AGEING = ("transactiondate", "duedate", "calendarmonth")  # Sage's $ageingdatetype values
# the collections that take $ageingdatetype: Sage's aged debtor and creditor views
AGED_VIEWS = (
    "sales_aged_debtor_summary_views",
    "sales_aged_debtor_detailed_views",
    "purchase_aged_creditor_summary_views",
    "purchase_aged_creditor_detailed_views",
)


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
    ageing: str | None = None

    def params(self) -> dict[str, str]:
        """The query options but the page's: ``run_query`` adds ``$top`` and ``$skip``."""
        params = {}
        for option, value in (
            ("$filter", self.filter),
            ("$orderby", self.orderby),
            ("$select", ",".join(self.select)),
            ("$expand", ",".join(self.expand)),
            ("$ageingdatetype", self.ageing),
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
    ageing: str | None = None,
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
    if ageing is not None:
        _check_ageing(ageing, collection)
    if not orderby and "id" in fields:
        orderby = "id asc"  # a stable order, so that pages neither overlap nor miss rows
    return Query(collection, filter_text or None, chosen, expanded, orderby, top, ageing)


def _check_ageing(ageing: str, collection: Collection) -> None:
    if ageing not in AGEING:
        raise InvalidQuery(f"ageing must be one of {', '.join(AGEING)}.")
    if collection.template.strip("/") not in AGED_VIEWS:
        raise InvalidQuery(
            f"ageing ($ageingdatetype) applies to Sage's aged views only: {', '.join(AGED_VIEWS)}."
        )


async def run_query(
    client: SageClient, company: Company, query: Query, offset: int = 0
) -> tuple[list[dict[str, Any]], bool]:
    """The rows asked for from ``offset`` (which needs the query ordered) and whether more
    follow: one request, or (if Sage times out on that many rows at once) smaller pages of
    the same query."""
    if offset and not query.orderby:
        raise InvalidQuery("Paging on needs orderby (Sage refuses $skip without $orderby).")
    return await client.read_rows(
        query.collection.path, company, query.params(), offset=offset, limit=query.top
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
    _check_condition(tree, _Fields(fields, specs, entity))


@dataclass(frozen=True)
class _Fields:
    """The fields a filter may name, their schemas, and the entity's name for messages."""

    names: frozenset[str]
    specs: dict[str, Any]
    entity: str

    def kind(self, ref: FieldRef) -> str:
        if "." in ref.name or "/" in ref.name:
            raise InvalidQuery(
                f"Filters can only use {self.entity}'s own fields, not '{ref.name}'."
            )
        if ref.name not in self.names:
            raise UnknownField(
                f"'{ref.name}' is not a field of {self.entity}.{closest(ref.name, self.names)}"
            )
        spec = self.specs[ref.name]
        if spec.get("type") == "string" and spec.get("format") == "date-time":
            return "datetime"
        if spec.get("type") == "string" and is_enum_valued(ref.name, spec):
            return "enum"
        return str(spec.get("type"))


def _check_condition(node: Node, fields: _Fields, refusal: str | None = None) -> None:
    """The filter, each side of and/or, and what not negates must be true or false."""
    if _type(node, fields) == "boolean":
        return
    if refusal is not None:
        raise InvalidQuery(refusal)
    if isinstance(node, FieldRef):
        raise InvalidQuery(
            f"'{node.name}' alone is not a condition; compare it, e.g. {node.name} eq ..."
        )
    raise InvalidQuery("The filter must be a condition, e.g. balance gt 1000.")


def _type(node: Node, fields: _Fields) -> str:
    """What an expression holds, as Sage types it: a field's kind, a literal's, or boolean for a
    condition (checked on the way, so that the whole tree is checked once)."""
    if isinstance(node, FieldRef):
        return fields.kind(node)
    if isinstance(node, Literal):
        return _COMPARED_AS.get(node.kind, node.kind)  # true is a condition too
    if isinstance(node, Logical):
        _check_condition(node.left, fields)
        _check_condition(node.right, fields)
    elif isinstance(node, Not):
        _check_condition(node.operand, fields, _NOT_BINDS)
    elif isinstance(node, Call):
        _check_call(node, fields)
    else:
        _check_compare(node, fields)
    return "boolean"


def _check_call(node: Call, fields: _Fields) -> None:
    if (
        len(node.args) != 2
        or not isinstance(node.args[0], FieldRef)
        or not (isinstance(node.args[1], Literal) and node.args[1].kind == "string")
    ):
        raise InvalidQuery(
            f"{node.name}() takes a field and a quoted text, e.g. {node.name}(name,'abc')."
        )
    if fields.kind(node.args[0]) != "string":
        raise InvalidQuery(
            f"{node.name}() applies to text fields; '{node.args[0].name}' is not one."
        )


def _check_compare(node: Compare, fields: _Fields) -> None:
    """Any two expressions of one type compare, as in OData (``contains(name,'x') eq true``,
    ``1 eq 1``); a field compared with a value says how to write the value for that field."""
    kinds = (_type(node.left, fields), _type(node.right, fields))
    if "null" in kinds:
        if node.op not in ("eq", "ne"):
            raise InvalidQuery(f"Only eq and ne can compare with null, not '{node.op}'.")
        return
    for value, field, kind in (
        (node.left, node.right, kinds[1]),
        (node.right, node.left, kinds[0]),
    ):
        if isinstance(value, Literal) and isinstance(field, FieldRef):
            _check_value(value, kind, node)
            return
    if not _alike(*kinds):
        raise InvalidQuery(
            f"'{node.op}' cannot compare {_named(node.left, kinds[0])} with"
            f" {_named(node.right, kinds[1])}: both sides must be of one type."
        )


def _alike(one: str, other: str) -> bool:
    """Whether two kinds compare: a whole number with a decimal, a date with a date-time. An enum
    compares only with a value, its name or number, which _check_value has seen to."""
    return "enum" not in (one, other) and _COMPARED_AS.get(one, one) == _COMPARED_AS.get(
        other, other
    )


def _named(node: Node, kind: str) -> str:
    if isinstance(node, FieldRef):
        return f"the {kind} field '{node.name}'"
    if isinstance(node, Literal):
        shown = node.value.isoformat() if node.kind in ("date", "datetime") else repr(node.value)
        return f"the {_COMPARED_AS.get(node.kind, node.kind)} {shown}"
    return "a condition"


_NOT_BINDS = (
    "'not' negates a condition and binds tighter than eq, gt and the others: write"
    " not (balance gt 1000), with brackets, not: not balance gt 1000."
)
# kinds of fields and of literals that compare with each other, under one name
_COMPARED_AS = {
    "int": "number",
    "decimal": "number",
    "integer": "number",
    "bool": "boolean",
    "date": "datetime",
}


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
    if literal.kind not in _ACCEPTS.get(kind, (literal.kind,)):
        raise InvalidQuery(
            f"The value in '{node.op}' does not suit a {kind} field: {_ADVICE[kind]}."
        )
