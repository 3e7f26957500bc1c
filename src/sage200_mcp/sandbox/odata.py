"""The sandbox's OData: a ``$filter`` tree compiled to SQLite SQL, and ``$orderby``/``$select``.

The grammar is Sage's (openapi/odata_syntax.py); this is how the sandbox evaluates it. Anything it
cannot evaluate is refused with a message, as the real service answers a bad query with a 400 and
a message body. Values always travel as SQL parameters, never as SQL text.

String comparisons are case-insensitive, as on Sage 200's SQL Server (case-insensitive collation).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
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
_TYPES = {
    Kind.STRING: "string",
    Kind.INTEGER: "number",
    Kind.NUMBER: "number",
    Kind.BOOLEAN: "boolean",
    Kind.DATETIME: "datetime",
}
# a literal's type and the value SQLite compares (dates as epoch seconds, as stored)
_LITERALS: dict[str, Callable[[Any], tuple[str, Any]]] = {
    "string": lambda value: ("string", value),
    "int": lambda value: ("number", _sqlite_int(value)),
    "decimal": lambda value: ("number", float(value)),
    "bool": lambda value: ("boolean", 1 if value else 0),
    "date": lambda value: ("datetime", to_epoch(value)),
    "datetime": lambda value: ("datetime", to_epoch(value)),
}
_NOT_A_CONDITION = "The $filter expression must be a condition, such as name eq 'x'."
_NOT_BINDS = (
    "'not' applies to a condition and binds tighter than comparisons: write not (balance gt 1),"
    " with brackets."
)
_DIGITS = re.compile("[0-9]+")  # an enum's number in quotes; not str.isdigit, which takes "²"


@dataclass(frozen=True)
class _Operand:
    """An expression compiled to SQL, with its OData type and how a message names it."""

    type: str  # "string" | "number" | "boolean" | "datetime" | "enum" | "null"
    sql: str
    named: str


@dataclass
class _Compiler:
    """Compiles a tree bottom-up, typing each expression as Sage would: any two expressions of
    one type compare (``contains(name,'x') eq true``, ``1 eq 1``), others are refused."""

    entity: str
    columns: Mapping[str, Column]
    enums: EnumMaps

    def __post_init__(self) -> None:
        self.params: list[Any] = []  # in the order their ? appear in the SQL

    def condition(self, node: Node, refusal: str = _NOT_A_CONDITION) -> str:
        """SQL for what must be true or false: the filter, each side of and/or, what not negates."""
        operand = self.operand(node)
        if operand.type != "boolean":
            raise ODataError(refusal)
        return operand.sql

    def operand(self, node: Node) -> _Operand:
        if isinstance(node, FieldRef):
            return self.field(node)
        if isinstance(node, Literal):
            return self.literal(node)
        if isinstance(node, Logical):
            sql = f"({self.condition(node.left)} {node.op.upper()} {self.condition(node.right)})"
        elif isinstance(node, Not):
            sql = f"(NOT {self.condition(node.operand, _NOT_BINDS)})"
        elif isinstance(node, Compare):
            sql = self.compare(node)
        else:
            sql = self.call(node)
        return _Operand("boolean", sql, "a condition")

    def field(self, ref: FieldRef) -> _Operand:
        """A column; a boolean one is stored as 0/1, so it is its own condition."""
        column = self.column(ref)
        kind = "enum" if ref.name in self.enums else _TYPES[column.kind]
        named = f"the field '{ref.name}' ({_type_name(column.kind)})"
        return _Operand(kind, quote(ref.name), named)

    def column(self, ref: FieldRef) -> Column:
        if "." in ref.name or "/" in ref.name:
            raise ODataError(f"Filtering on the related field '{ref.name}' is not supported.")
        column = self.columns.get(ref.name)
        if column is None:
            raise ODataError(
                f"Could not find a property named '{ref.name}' on type '{self.entity}'."
            )
        return column

    def literal(self, literal: Literal) -> _Operand:
        if literal.kind == "null":
            return _Operand("null", "NULL", "null")
        type_, value = _LITERALS[literal.kind](literal.value)
        self.params.append(value)
        return _Operand(type_, "?", _literal_name(literal))

    def call(self, call: Call) -> str:
        usage = (
            f"The function '{call.name}' takes a field and a string, e.g. {call.name}(name,'abc')."
        )
        if len(call.args) != 2:
            raise ODataError(usage)
        target, needle = call.args
        if not isinstance(target, FieldRef) or not isinstance(needle, Literal):
            raise ODataError(usage)
        if self.field(target).type != "string" or needle.kind != "string":
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
        if _is_null(node.left) or _is_null(node.right):
            return self.compare_null(node)
        enum = self.enum_side(node)
        if enum is not None:
            return self.compare_enum(*enum)
        left, right = self.operand(node.left), self.operand(node.right)
        if left.type != right.type:
            raise ODataError(
                "A binary operator with incompatible types was detected:"
                f" {left.named} and {right.named} (operator '{node.op}')."
            )
        collate = " COLLATE NOCASE" if left.type == "string" else ""  # SQL Server's collation
        return f"({left.sql} {_SQL_OPS[node.op]} {right.sql}{collate})"

    def compare_null(self, node: Compare) -> str:
        if node.op not in ("eq", "ne"):
            raise ODataError(f"Only 'eq' and 'ne' can compare with null, not '{node.op}'.")
        other = self.operand(node.right if _is_null(node.left) else node.left)
        return f"({other.sql} IS {'' if node.op == 'eq' else 'NOT '}NULL)"

    def enum_side(self, node: Compare) -> tuple[FieldRef, Node, str] | None:
        """The enum field of a comparison, what it is compared with, and the operator as read
        from the field's side (``4 gt document_status`` is ``document_status lt 4``)."""
        for field, other, op in (
            (node.left, node.right, node.op),
            (node.right, node.left, _SWAPPED[node.op]),
        ):
            if isinstance(field, FieldRef) and field.name in self.enums.keys() & self.columns:
                return field, other, op
        return None

    def compare_enum(self, field: FieldRef, other: Node, op: str) -> str:
        """Sage stores an enum as its number, so the number orders it: ``document_status lt 2``
        is Live and On Hold, not the names before 'EnumDocumentStatusComplete' in the alphabet.
        The sandbox stores the names, so the comparison becomes the list of names it picks."""
        mapping = self.enums[field.name]
        if not isinstance(other, Literal):
            raise ODataError(
                f"The field '{field.name}' compares only with one of its values, by name or"
                f" number, e.g. {field.name} eq '{next(iter(mapping))}'."
            )
        number = _enum_number(field.name, mapping, other)
        labels = [label for label, value in mapping.items() if _TESTS[op](value, number)]
        self.params += labels
        return f"({quote(field.name)} IN ({', '.join('?' * len(labels))}))"


def compile_filter(
    text: str, entity: str, columns: Mapping[str, Column], enums: EnumMaps
) -> tuple[str, list[Any]]:
    """SQL for a WHERE clause, and its parameters, from a ``$filter`` expression."""
    compiler = _Compiler(entity, columns, enums)
    sql = compiler.condition(parse_filter(text))
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


def _is_null(node: Node) -> bool:
    return isinstance(node, Literal) and node.kind == "null"


def _sqlite_int(value: int) -> int | float:
    """SQLite's integers are 64-bit: a longer one is compared as the number it is, a float."""
    return value if -(2**63) <= value < 2**63 else float(value)


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
