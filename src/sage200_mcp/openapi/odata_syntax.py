"""The grammar of Sage 200's OData ``$filter`` subset: tokens, a syntax tree, a parser.

Sage documents the subset (docs/SAGE200_API.md §3): ``eq ne gt ge lt le and or not``, brackets,
single-quoted strings with doubled quotes, ``contains``/``startswith``/``endswith``, unquoted
dates, date-times ending in ``Z`` and enums by quoted name or by number. Like the OpenAPI files
beside it, this is Sage's contract, not client code: the sandbox evaluates the tree, and the
server's ``query`` tool checks a filter against the schemas before sending it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any


class ODataError(ValueError):
    """A query option the service refuses; the message goes back to the caller."""


# ---------------------------------------------------------------------------------------------
# Syntax tree


@dataclass(frozen=True)
class FieldRef:
    name: str


@dataclass(frozen=True)
class Literal:
    kind: str  # "string" | "int" | "decimal" | "bool" | "null" | "date" | "datetime"
    value: Any


@dataclass(frozen=True)
class Compare:
    op: str
    left: Operand
    right: Operand


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Operand, ...]


@dataclass(frozen=True)
class Logical:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    operand: Node


Operand = FieldRef | Literal | Call
Node = Compare | Call | Logical | Not | FieldRef | Literal

COMPARISONS = ("eq", "ne", "gt", "ge", "lt", "le")
FUNCTIONS = ("contains", "startswith", "endswith")

# ---------------------------------------------------------------------------------------------
# Tokens

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})?)
  | (?P<date>\d{4}-\d{2}-\d{2})
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[mMdDfFlL]?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:[./][A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<punct>[(),])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    position: int


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            if text[position] == "'":
                raise ODataError(f"Unterminated string literal at position {position}.")
            raise ODataError(f"Syntax error at position {position}: unexpected {text[position]!r}.")
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(Token(kind, match.group(), position))
        position = match.end()
    return tokens


# ---------------------------------------------------------------------------------------------
# Parser (recursive descent: or > and > not > comparison > operand)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.index = 0

    def parse(self) -> Node:
        if not self.tokens:
            raise ODataError("The $filter expression is empty.")
        node = self.parse_or()
        if self.index < len(self.tokens):
            token = self.tokens[self.index]
            raise ODataError(
                f"Syntax error at position {token.position}: unexpected {token.text!r}."
            )
        return node

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def next(self, expected: str) -> Token:
        token = self.peek()
        if token is None:
            raise ODataError(f"Syntax error: expected {expected} at the end of the expression.")
        self.index += 1
        return token

    def keyword(self, *words: str) -> str | None:
        token = self.peek()
        if token is not None and token.kind == "name" and token.text in words:
            self.index += 1
            return token.text
        return None

    def punct(self, char: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "punct" and token.text == char:
            self.index += 1
            return True
        return False

    def expect_punct(self, char: str) -> None:
        if not self.punct(char):
            token = self.peek()
            where = f"position {token.position}" if token else "the end of the expression"
            raise ODataError(f"Syntax error: expected {char!r} at {where}.")

    def parse_or(self) -> Node:
        node = self.parse_and()
        while self.keyword("or"):
            node = Logical("or", node, self.parse_and())
        return node

    def parse_and(self) -> Node:
        node = self.parse_not()
        while self.keyword("and"):
            node = Logical("and", node, self.parse_not())
        return node

    def parse_not(self) -> Node:
        if self.keyword("not"):
            return Not(self.parse_not())
        return self.parse_comparison()

    def parse_comparison(self) -> Node:
        if self.punct("("):
            node = self.parse_or()
            self.expect_punct(")")
            return node
        left = self.parse_operand()
        op = self.keyword(*COMPARISONS)
        if op is None:
            return left
        return Compare(op, left, self.parse_operand())

    def parse_operand(self) -> Operand:
        token = self.next("a value or a field")
        if token.kind == "string":
            return Literal("string", token.text[1:-1].replace("''", "'"))
        if token.kind == "number":
            return _number(token)
        if token.kind == "date":
            return Literal("date", _parse_date(token))
        if token.kind == "datetime":
            return Literal("datetime", _parse_datetime(token))
        if token.kind == "name":
            return self.parse_name(token)
        raise ODataError(f"Syntax error at position {token.position}: unexpected {token.text!r}.")

    def parse_name(self, token: Token) -> Operand:
        word = token.text
        if word in ("true", "false"):
            return Literal("bool", word == "true")
        if word == "null":
            return Literal("null", None)
        if word in COMPARISONS or word in ("and", "or", "not"):
            raise ODataError(f"Syntax error at position {token.position}: unexpected {word!r}.")
        if self.punct("("):
            if word not in FUNCTIONS:
                raise ODataError(f"Unknown function '{word}'. Supported: {', '.join(FUNCTIONS)}.")
            args: list[Operand] = [self.parse_operand()]
            while self.punct(","):
                args.append(self.parse_operand())
            self.expect_punct(")")
            return Call(word, tuple(args))
        return FieldRef(word)


def parse_filter(text: str) -> Node:
    return _Parser(text).parse()


def _number(token: Token) -> Literal:
    text = token.text.rstrip("mMdDfFlL")
    try:
        if re.fullmatch(r"-?\d+", text):
            return Literal("int", int(text))
        return Literal("decimal", Decimal(text))
    except (ValueError, InvalidOperation) as exc:  # pragma: no cover - the regex guards this
        raise ODataError(f"Invalid number {token.text!r}.") from exc


def _parse_date(token: Token) -> date:
    try:
        return date.fromisoformat(token.text)
    except ValueError as exc:
        raise ODataError(f"Invalid date {token.text!r} at position {token.position}.") from exc


def _parse_datetime(token: Token) -> datetime:
    if not token.text.endswith("Z"):
        raise ODataError(
            f"The date-time {token.text!r} at position {token.position} must be in UTC and end"
            " in 'Z', e.g. 2024-02-23T10:00:00Z."
        )
    try:
        return datetime.fromisoformat(token.text[:-1] + "+00:00")
    except ValueError as exc:
        raise ODataError(f"Invalid date-time {token.text!r} at position {token.position}.") from exc
