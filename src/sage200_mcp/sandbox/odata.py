"""The sandbox's OData: a ``$filter`` tree compiled to SQLite SQL, and ``$orderby``/``$select``.

The grammar is Sage's (openapi/odata_syntax.py); this is how the sandbox evaluates it. Anything it
cannot evaluate is refused with a message, as the real service answers a bad query with a 400 and
a message body. Values always travel as SQL parameters, never as SQL text.

String comparisons are case-insensitive, as on Sage 200's SQL Server (case-insensitive collation).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

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
from sage200_mcp.sandbox.layout import Column, Kind

__all__ = ["ODataError", "compile_filter", "compile_orderby", "quote", "split_paths", "to_epoch"]

# ---------------------------------------------------------------------------------------------
# Compiler to SQL

EnumMaps = Mapping[str, Mapping[str, int]]

_SQL_OPS = {"eq": "=", "ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
_TESTS = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}
_SWAPPED = {"eq": "eq", "ne": "ne", "gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}
_NUMERIC = (Kind.INTEGER, Kind.NUMBER)
_DIGITS = re.compile("[0-9]+")  # an enum's number in quotes; not str.isdigit, which takes "²"


@dataclass
class _Compiler:
    entity: str
    columns: Mapping[str, Column]
    enums: EnumMaps

    def __post_init__(self) -> None:
        self.params: list[Any] = []

    def node(self, node: Node) -> str:
        if isinstance(node, Logical):
            return f"({self.node(node.left)} {node.op.upper()} {self.node(node.right)})"
        if isinstance(node, Not):
            return f"(NOT {self.node(node.operand)})"
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, FieldRef) and self.column(node).kind is Kind.BOOLEAN:
            return f"({quote(node.name)} = 1)"
        raise ODataError("The $filter expression must be a condition, such as name eq 'x'.")

    def column(self, ref: FieldRef) -> Column:
        if "." in ref.name or "/" in ref.name:
            raise ODataError(f"Filtering on the related field '{ref.name}' is not supported.")
        column = self.columns.get(ref.name)
        if column is None:
            raise ODataError(
                f"Could not find a property named '{ref.name}' on type '{self.entity}'."
            )
        return column

    def call(self, call: Call) -> str:
        usage = (
            f"The function '{call.name}' takes a field and a string, e.g. {call.name}(name,'abc')."
        )
        if len(call.args) != 2:
            raise ODataError(usage)
        target, needle = call.args
        if not isinstance(target, FieldRef) or not isinstance(needle, Literal):
            raise ODataError(usage)
        if self.column(target).kind is not Kind.STRING or needle.kind != "string":
            raise ODataError(
                f"The function '{call.name}' applies to text fields and a quoted string."
            )
        text = _like_escape(str(needle.value))
        pattern = {"contains": f"%{text}%", "startswith": f"{text}%", "endswith": f"%{text}"}[
            call.name
        ]
        self.params.append(pattern)
        return f"({quote(target.name)} LIKE ? ESCAPE '\\')"

    def compare(self, node: Compare) -> str:
        left, right, op = node.left, node.right, node.op
        if isinstance(left, Call) or isinstance(right, Call):
            raise ODataError(
                f"A function call cannot be compared with '{op}'; use it as a condition."
            )
        if isinstance(left, Literal) and isinstance(right, FieldRef):
            left, right, op = right, left, _SWAPPED[op]
        if not isinstance(left, FieldRef):
            raise ODataError(f"The comparison '{op}' needs a field on at least one side.")
        column = self.column(left)
        if isinstance(right, FieldRef):
            other = self.column(right)
            if not _comparable(column.kind, other.kind):
                raise ODataError(
                    f"Cannot compare '{left.name}' ({column.kind.value}) with"
                    f" '{right.name}' ({other.kind.value})."
                )
            return f"({quote(left.name)} {_SQL_OPS[op]} {quote(right.name)})"
        if right.kind == "null":
            if op not in ("eq", "ne"):
                raise ODataError(f"Only 'eq' and 'ne' can compare with null, not '{op}'.")
            return f"({quote(left.name)} IS {'' if op == 'eq' else 'NOT '}NULL)"
        mapping = self.enums.get(column.name)
        if column.kind is Kind.STRING and mapping is not None:
            return self.compare_enum(column.name, mapping, right, op)
        self.params.append(self.value(column, right, op))
        return f"({quote(left.name)} {_SQL_OPS[op]} ?)"

    def compare_enum(self, name: str, mapping: Mapping[str, int], literal: Literal, op: str) -> str:
        """Sage stores an enum as its number, so the number orders it: ``document_status lt 2``
        is Live and On Hold, not the names before 'EnumDocumentStatusComplete' in the alphabet.
        The sandbox stores the names, so the comparison becomes the list of names it picks."""
        number = _enum_number(name, mapping, literal)
        labels = [label for label, value in mapping.items() if _TESTS[op](value, number)]
        self.params += labels
        return f"({quote(name)} IN ({', '.join('?' * len(labels))}))"

    def value(self, column: Column, literal: Literal, op: str) -> Any:
        kind = column.kind
        if kind is Kind.STRING and literal.kind == "string":
            return literal.value
        if kind in _NUMERIC and literal.kind in ("int", "decimal"):
            return float(literal.value) if literal.kind == "decimal" else literal.value
        if kind is Kind.BOOLEAN and literal.kind == "bool":
            return 1 if literal.value else 0
        if kind is Kind.DATETIME and literal.kind in ("date", "datetime"):
            return to_epoch(literal.value)
        raise ODataError(
            f"A binary operator with incompatible types was detected: the field '{column.name}'"
            f" is {_type_name(kind)} but the value is {_literal_name(literal)} (operator '{op}')."
        )


def compile_filter(
    text: str, entity: str, columns: Mapping[str, Column], enums: EnumMaps
) -> tuple[str, list[Any]]:
    """SQL for a WHERE clause, and its parameters, from a ``$filter`` expression."""
    compiler = _Compiler(entity, columns, enums)
    sql = compiler.node(parse_filter(text))
    return sql, compiler.params


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def to_epoch(value: date | datetime) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp()


def _enum_number(name: str, mapping: Mapping[str, int], literal: Literal) -> int:
    """The number a literal stands for: an enum's name, in any case, or its number, quoted or not
    (Sage's documentation filters ``document_status eq '2'``)."""
    text = str(literal.value)
    if literal.kind == "int" or (literal.kind == "string" and _DIGITS.fullmatch(text)):
        if int(text) in mapping.values():
            return int(text)
    elif literal.kind == "string":
        for label, number in mapping.items():
            if label.lower() == text.lower():
                return number
    raise ODataError(
        f"The value {_literal_name(literal)} is not valid for '{name}'. Valid values: "
        + ", ".join(f"'{label}' ({number})" for label, number in mapping.items())
        + "."
    )


def _comparable(a: Kind, b: Kind) -> bool:
    return a == b or (a in _NUMERIC and b in _NUMERIC)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _type_name(kind: Kind) -> str:
    return {
        Kind.STRING: "text",
        Kind.INTEGER: "a whole number",
        Kind.NUMBER: "a number",
        Kind.BOOLEAN: "true/false",
        Kind.DATETIME: "a date-time (write dates unquoted, e.g. 2024-02-23)",
    }[kind]


def _literal_name(literal: Literal) -> str:
    if literal.kind == "string":
        return f"the text '{literal.value}'"
    if literal.kind in ("date", "datetime"):
        return f"the {literal.kind} {literal.value.isoformat()}"
    return f"the {literal.kind} {literal.value}"


# ---------------------------------------------------------------------------------------------
# $orderby and $select


def compile_orderby(text: str, entity: str, columns: Mapping[str, Column]) -> str:
    """SQL for an ORDER BY clause from ``name asc, balance desc``."""
    parts: list[str] = []
    for item in text.split(","):
        words = item.split()
        if not words or len(words) > 2:
            raise ODataError(f"Invalid $orderby item {item.strip()!r}; write e.g. 'name asc'.")
        name = words[0]
        direction = words[1] if len(words) == 2 else "asc"
        if direction not in ("asc", "desc"):
            raise ODataError(f"Invalid $orderby direction {direction!r}; use asc or desc.")
        if name not in columns:
            raise ODataError(f"Could not find a property named '{name}' on type '{entity}'.")
        parts.append(f"{quote(name)} {direction.upper()}")
    return ", ".join(parts)


def split_paths(text: str, option: str) -> list[list[str]]:
    """Comma-separated field paths, dotted (``customer.name``) or slashed (``customer/name``)."""
    paths: list[list[str]] = []
    for item in text.split(","):
        item = item.strip()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(?:[./][A-Za-z_][A-Za-z0-9_]*)*", item):
            raise ODataError(f"Invalid {option} item {item!r}.")
        paths.append(re.split(r"[./]", item))
    return paths
