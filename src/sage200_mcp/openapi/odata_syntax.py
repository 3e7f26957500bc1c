"""The grammar of Sage 200's OData ``$filter`` subset: tokens, a syntax tree, a parser.

Sage documents the subset (docs/SAGE200_API.md §3): ``eq ne gt ge lt le and or not``, brackets,
single-quoted strings with doubled quotes, ``contains``/``startswith``/``endswith``, unquoted
dates, date-times ending in ``Z`` and enums by quoted name or by number. Like the OpenAPI files
beside it, this is Sage's contract, not client code: the sandbox evaluates the tree, and the
server's ``query`` tool checks a filter against the schemas before sending it.

The syntax is OData 4's, types aside: brackets may hold any expression (``balance eq (1000)``),
``not`` binds tighter than comparisons (``not a eq 1`` is ``(not a) eq 1``), ``eq``/``ne`` looser
than ``gt``/``ge``/``lt``/``le``, and comparisons chain from the left. Whether the operands suit
each other (a number, a condition...) is for whoever evaluates the tree: the sandbox and the
``query`` tool, which type it alike.

Whatever the text, parsing ends in a tree or an ODataError, never a RecursionError: a filter is
at most MAX_FILTER_LENGTH characters, and its tree at most MAX_DEPTH levels deep (brackets,
``not``, functions, comparisons and each level of ``and``/``or`` count; a run of one operator,
``a or b or c ...``, is built as a balanced tree, so a long list of alternatives costs only a few
levels).
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
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Logical:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    operand: Node


Node = Compare | Call | Logical | Not | FieldRef | Literal

EQUALITY = ("eq", "ne")
ORDERING = ("gt", "ge", "lt", "le")
COMPARISONS = EQUALITY + ORDERING
MAX_FILTER_LENGTH = 10_000  # characters
MAX_DEPTH = 32  # levels of the syntax tree
FUNCTIONS = ("contains", "startswith", "endswith")

# ---------------------------------------------------------------------------------------------
# Tokens

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})?)
  | (?P<date>\d{4}-\d{2}-\d{2})
  | (?P<number>[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[mMdDfFlL]?)
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
    spaced: bool = False  # whitespace comes before it


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    spaced = False
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            if text[position] == "'":
                raise ODataError(f"Unterminated string literal at position {position}.")
            raise ODataError(f"Syntax error at position {position}: unexpected {text[position]!r}.")
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(Token(kind, match.group(), position, spaced))
        spaced = kind == "space"
        position = match.end()
    return tokens


# ---------------------------------------------------------------------------------------------
# Parser (recursive descent, OData 4's precedence from loosest to tightest: or, and, eq ne,
# gt ge lt le, not, then brackets, values and calls)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.index = 0
        self.nesting = 0  # brackets, nots and function calls open at this point

    def parse(self) -> Node:
        if not self.tokens:
            raise ODataError("The $filter expression is empty.")
        node = self.parse_or()
        if self.index < len(self.tokens):
            token = self.tokens[self.index]
            raise ODataError(
                f"Syntax error at position {token.position}: unexpected {token.text!r}."
            )
        if depth(node) > MAX_DEPTH:
            raise _too_deep()
        return node

    def enter(self) -> None:
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise _too_deep()

    def leave(self) -> None:
        self.nesting -= 1

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
        if token is None or token.kind != "name" or token.text not in words:
            return None
        self.index += 1
        self.check_spacing(token)
        return token.text

    def check_spacing(self, operator: Token) -> None:
        """OData puts whitespace around its operators, so '1and' or 'x eq'a'' is no filter; we
        also take not( for not (, as Microsoft's parser does."""
        after = self.peek()
        spaced_after = after is None or after.spaced
        where = f"Syntax error at position {operator.position}"
        if operator.text != "not":
            if not (operator.spaced and spaced_after):
                raise ODataError(f"{where}: put a space before and after '{operator.text}'.")
        elif not (spaced_after or (after is not None and after.text == "(")):
            raise ODataError(f"{where}: put a space after 'not'.")

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
        parts = [self.parse_and()]
        while self.keyword("or"):
            parts.append(self.parse_and())
        return _balanced("or", parts)

    def parse_and(self) -> Node:
        parts = [self.parse_equality()]
        while self.keyword("and"):
            parts.append(self.parse_equality())
        return _balanced("and", parts)

    def parse_equality(self) -> Node:
        """``a gt 1 eq true`` is ``(a gt 1) eq true``: eq and ne bind looser than the orderings."""
        node = self.parse_ordering()
        while (op := self.keyword(*EQUALITY)) is not None:
            node = Compare(op, node, self.parse_ordering())
        return node

    def parse_ordering(self) -> Node:
        """Comparisons chain from the left, as in OData; the types then refuse most chains (a gt
        5 lt 6 compares a condition with a number), so no chain is refused here."""
        node = self.parse_not()
        while (op := self.keyword(*ORDERING)) is not None:
            node = Compare(op, node, self.parse_not())
        return node

    def parse_not(self) -> Node:
        """``not`` binds tighter than any comparison (OData 4): ``not a eq 1`` is ``(not a) eq
        1``, which the types refuse for a number; ``not (a eq 1)`` is what was meant."""
        if self.keyword("not"):
            self.enter()
            node = Not(self.parse_not())
            self.leave()
            return node
        return self.parse_primary()

    def parse_primary(self) -> Node:
        """Brackets around any expression (``balance eq (1000)``), a value, a field or a call."""
        if self.punct("("):
            self.enter()
            node = self.parse_or()
            self.expect_punct(")")
            self.leave()
            return node
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

    def parse_name(self, token: Token) -> Node:
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
            self.enter()
            args = [self.parse_or()]
            while self.punct(","):
                args.append(self.parse_or())
            self.expect_punct(")")
            self.leave()
            return Call(word, tuple(args))
        return FieldRef(word)


def parse_filter(text: str) -> Node:
    if len(text) > MAX_FILTER_LENGTH:
        raise ODataError(
            f"The $filter is {len(text)} characters long; at most {MAX_FILTER_LENGTH} are"
            " accepted. Narrow it, or ask in several smaller queries."
        )
    return _Parser(text).parse()


def depth(node: Node) -> int:
    """How many levels deep the tree is (a comparison alone is 1); counted without recursion."""
    deepest = 0
    stack: list[tuple[Node, int]] = [(node, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(item, Logical | Compare):
            stack += [(item.left, level + 1), (item.right, level + 1)]
        elif isinstance(item, Not):
            stack.append((item.operand, level + 1))
        elif isinstance(item, Call):
            stack += [(arg, level + 1) for arg in item.args]
    return deepest


def _balanced(op: str, parts: list[Node]) -> Node:
    """``a op b op c ...`` as a balanced tree (the operators are associative): depth grows with
    the logarithm of the run, not its length. A run of two or three is as a left fold builds it."""
    if len(parts) == 1:
        return parts[0]
    middle = (len(parts) + 1) // 2
    return Logical(op, _balanced(op, parts[:middle]), _balanced(op, parts[middle:]))


def _too_deep() -> ODataError:
    return ODataError(
        f"The $filter nests more than {MAX_DEPTH} levels deep (brackets, not, functions, and/or);"
        " write it flatter, e.g. a list of alternatives as 'x eq 1 or x eq 2 or ...'."
    )


def _number(token: Token) -> Literal:
    text = token.text.rstrip("mMdDfFlL")
    try:
        if re.fullmatch(r"[+-]?\d+", text):
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
