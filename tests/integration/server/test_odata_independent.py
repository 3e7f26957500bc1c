"""Our OData ``$filter`` grammar and its evaluation, checked against an independent implementation.

The ``query`` tool checks a filter with openapi/odata_syntax.py and the sandbox evaluates it with
the same parser, so a grammar mistake would pass on both sides. Here the judge is someone else's
parser, the PyPI package ``odata-query`` (a SLY grammar of OData 4), and an evaluator written in
this file from *its* syntax tree, with Sage's semantics (string comparisons ignore case, as on
Sage's SQL Server; a date is midnight UTC; an enum is named or numbered, the number quoted or not,
as Sage's documentation says).

Two corpora:

- GRAMMAR: filters over made-up fields. Ours and odata-query must both accept or both refuse,
  and when both accept, read the same tree (and/or chains flattened, numbers as decimals).
- ROWS: filters over two real collections of the session's sandbox (the UK company's
  customer_views and sop_orders), Sage's documented examples among them. The query tool's check
  (api/query.py build_query) must accept exactly what the independent evaluator can evaluate, and
  the sandbox must answer those with exactly the rows the evaluator picks (and refuse the rest).

Each case says what is expected of it:

| kind          | meaning                                                                      |
|---------------|------------------------------------------------------------------------------|
| agree         | the independent side and ours give the same answer                           |
| ours_refuse   | deliberate: OData allows it, Sage's subset does not, and we refuse it        |
| ours_only     | deliberate: we accept what odata-query refuses (its own limits, or OData 2)  |
| left_to_sage  | the tool cannot know (enum values are not in the schemas): it sends, Sage    |
|               | (and the sandbox) refuse                                                     |
| read_apart    | deliberate: both accept but read it differently (capitalised keywords)       |
| bug           | a real disagreement, expected to be fixed: the case asserts agreement and is |
|               | marked xfail(strict), so the fix makes it fail until the mark is removed     |

The deliberate differences, in short: functions beyond contains/startswith/endswith, arithmetic,
``in``, GUIDs and lambdas are outside Sage's documented subset; a time must end in Z (Sage's
documentation); operators are lower case (OData 4.0); a filter is at most 10,000 characters and
32 levels deep (ours, to bound the parser); OData 2's number suffixes (1.5m, 5L) are read.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from dateutil.parser import isoparse
from mcp import Client
from odata_query import ast as theirs
from odata_query.exceptions import ODataException
from odata_query.grammar import ODataLexer, ODataParser

from sage200_mcp.api.query import build_query
from sage200_mcp.errors import Sage200Error
from sage200_mcp.openapi import odata_syntax as ours
from sage200_mcp.sandbox.server import SandboxServer
from tests.helpers import PRO
from tests.integration.server.test_tools import call

# ---------------------------------------------------------------------------------------------
# The two parsers, each tree brought to one neutral shape


def parse_ours(text: str) -> Any:
    try:
        return shape_of_ours(ours.parse_filter(text))
    except ours.ODataError:
        return None


def parse_theirs(text: str) -> Any:
    try:
        return shape_of_theirs(odata_query_tree(text))
    except ODataException:
        return None


class EmptyFilter(ODataException):
    """odata-query parses nothing as nothing; an empty filter is an error, for us as for OData."""


def odata_query_tree(text: str) -> Any:
    if not text.strip():
        raise EmptyFilter(text)
    return ODataParser().parse(ODataLexer().tokenize(text))


def shape_of_ours(node: Any) -> Any:
    if isinstance(node, ours.Logical):
        return (node.op, *_flat(node.op, [shape_of_ours(node.left), shape_of_ours(node.right)]))
    if isinstance(node, ours.Not):
        return ("not", shape_of_ours(node.operand))
    if isinstance(node, ours.Compare):
        return (node.op, shape_of_ours(node.left), shape_of_ours(node.right))
    if isinstance(node, ours.Call):
        return ("call", node.name, *map(shape_of_ours, node.args))
    if isinstance(node, ours.FieldRef):
        return ("field", node.name)
    assert isinstance(node, ours.Literal)
    if node.kind in ("int", "decimal"):
        return ("number", Decimal(node.value))
    if node.kind == "null":
        return ("null",)
    return (node.kind, node.value)


_COMPARATORS = {
    theirs.Eq: "eq",
    theirs.NotEq: "ne",
    theirs.Gt: "gt",
    theirs.GtE: "ge",
    theirs.Lt: "lt",
    theirs.LtE: "le",
    theirs.In: "in",
}


def shape_of_theirs(node: Any) -> Any:
    if isinstance(node, theirs.BoolOp):
        op = "and" if isinstance(node.op, theirs.And) else "or"
        return (op, *_flat(op, [shape_of_theirs(node.left), shape_of_theirs(node.right)]))
    if isinstance(node, theirs.UnaryOp):
        word = "not" if isinstance(node.op, theirs.Not) else "negate"
        return (word, shape_of_theirs(node.operand))
    if isinstance(node, theirs.Compare):
        comparator = _COMPARATORS[type(node.comparator)]
        return (comparator, shape_of_theirs(node.left), shape_of_theirs(node.right))
    if isinstance(node, theirs.Call):
        return ("call", node.func.full_name(), *map(shape_of_theirs, node.args))
    if isinstance(node, theirs.Identifier):
        return ("field", ".".join((*node.namespace, node.name)))
    if isinstance(node, theirs.Attribute):
        return ("field", f"{shape_of_theirs(node.owner)[1]}/{node.attr}")
    if isinstance(node, theirs.Integer | theirs.Float):
        return ("number", Decimal(node.val))
    if isinstance(node, theirs.Boolean):
        return ("bool", node.val.lower() == "true")
    if isinstance(node, theirs.Null):
        return ("null",)
    if isinstance(node, theirs.String):
        return ("string", node.val)
    if isinstance(node, theirs.Date):
        try:
            return ("date", node.py_val)
        except ValueError:  # a day its lexer's pattern lets through (2024-02-30)
            return ("date", node.val)
    if isinstance(node, theirs.DateTime):
        return ("datetime", isoparse(node.val))
    return (type(node).__name__, repr(node))


def _flat(op: str, parts: list[Any]) -> list[Any]:
    """``a or (b or c)`` and ``(a or b) or c`` alike: ours balances long runs, theirs folds."""
    flat: list[Any] = []
    for part in parts:
        flat += part[1:] if part[0] == op else [part]
    return flat


# ---------------------------------------------------------------------------------------------
# Cases


@dataclass(frozen=True)
class Case:
    text: str
    kind: str = "agree"
    why: str = ""
    resource: str = "customer_views"

    def param(self) -> Any:
        marks = [pytest.mark.xfail(strict=True, reason=self.why)] if self.kind == "bug" else []
        return pytest.param(self, id=self.text[:80], marks=marks)


SUBSET = "outside Sage's documented subset (contains, startswith, endswith only)"
ARITHMETIC = "arithmetic is outside Sage's documented subset"
ZULU = "Sage's documentation: a time must be in UTC, ending in Z"
LOWER = "operators and keywords are lower case (OData 4.0); odata-query also takes upper case"
TYPES = "a comparison compared again: OData's syntax allows it, its types refuse it"
BRACKETS = "OData allows brackets around any expression"
NOT_BINDS = (
    "OData binds not tighter than comparisons: (not a) eq 1, which Sage refuses for a number"
)
SPACES = "OData needs whitespace around operators"
PLUS = "OData allows a leading + on a number"
SUFFIX = "OData 2's type suffixes, read by ours (Sage's API is 'more version 2-ish', Sage forum)"

GRAMMAR = [
    # both accept, and read alike
    *map(
        Case,
        [
            "name eq 'x'",
            "name eq 'O''Brien'",
            "name eq ''''",
            "name eq ''",
            "name eq 'é'",
            "balance gt 1000",
            "balance ge 1000.5",
            "balance lt -5",
            "balance le 1e5",
            "balance eq 1.5e-3",
            "balance eq -1.5E+10",
            "balance eq 9999999999999999999999",
            "a eq 1 and b eq 2 or c eq 3",
            "a eq 1 or b eq 2 and c eq 3",
            "a eq 1 and (b eq 2 or c eq 3)",
            "a eq 1 or b eq 2 or c eq 3 or d eq 4 or e eq 5",
            "a eq 1 and b eq 2 and c eq 3 and d eq 4",
            "not (a eq 1)",
            "not not (a eq 1)",
            "((a eq 1))",
            "a eq 1 or not (b eq 2)",
            "contains(name,'x')",
            "startswith(name, 'x')",
            "endswith(name,'x')",
            "contains(name,'it''s')",
            "contains(name,'%')",
            "contains(name,'_')",
            "not contains(name,'x')",
            "contains(name,'x') eq true",
            "startswith(name, 'A') ne true",
            "d gt 2024-02-23",
            "d gt 2024-02-23T10:00:00Z",
            "d gt 2024-02-23T10:00Z",
            "d ge 2016-02-24T09:52:11.452Z",
            "d eq null",
            "null eq d",
            "d ne null",
            "on_hold",
            "on_hold eq true",
            "not on_hold",
            "on_hold and b eq 1",
            "'x' eq name",
            "1 eq 1",
            "customer/name eq 'x'",
            "customer.name eq 'x'",
            "a  eq  1",
            "a\teq\t1",
            "document_status eq '2'",
            "document_status eq 'EnumDocumentStatusLive'",
            "_a eq 1",
            "a1 eq 1",
            "notes eq 1",
            "order_no eq 1",
            "android eq 1",
            "equal eq 1",
            "NaN eq 1",
        ],
    ),
    # both refuse
    *map(
        Case,
        [
            "",
            "   ",
            "name eq 'unterminated",
            "name eq x'",
            "name eq 'a'b'",
            'name eq "x"',
            "a eq",
            "eq 1",
            "a eq 1 and",
            "a eq 1 or",
            "(a eq 1",
            "a eq 1)",
            "()",
            "a eq .5",
            "a eq 5.",
            "a eq 1e",
            "a eq 1.5.5",
            "1a eq 1",
            "a..b eq 1",
            "a eq 1,",
            "a eq 2024-13-01",
            "a eq 2024-02-23T25:00:00Z",
            "foo(name)",
        ],
    ),
    # deliberate: OData allows, Sage's subset does not
    Case("tolower(name) eq 'x'", "ours_refuse", SUBSET),
    Case("startswith(tolower(name),'a')", "ours_refuse", SUBSET),
    Case("year(d) eq 2024", "ours_refuse", SUBSET),
    Case("a add 1 eq 2", "ours_refuse", ARITHMETIC),
    Case("a eq - 1", "ours_refuse", ARITHMETIC),
    Case("a in (1,2)", "ours_refuse", "'in' is not supported by Sage 200 (Sage forum)"),
    Case("d gt 2024-02-23T10:00:00", "ours_refuse", f"{ZULU}; OData's ABNF wants a zone too"),
    Case("d gt 2024-02-23T10:00:00+01:00", "ours_refuse", ZULU),
    Case("a eq 00000000-0000-0000-0000-000000000000", "ours_refuse", "no GUID fields in Sage's"),
    Case("a EQ 1", "ours_refuse", LOWER),
    Case("a eq 1 AND b eq 2", "ours_refuse", LOWER),
    Case("not", "ours_refuse", "a keyword alone; odata-query reads a field named not"),
    Case("a eq 2024-02-30", "ours_refuse", "no such day; odata-query checks the shape only"),
    Case("(" * 33 + "a eq 1" + ")" * 33, "ours_refuse", "ours: at most 32 levels deep"),
    Case(f"name eq '{'x' * 10_000}'", "ours_refuse", "ours: at most 10,000 characters"),
    # deliberate: we accept what odata-query refuses
    Case("a eq 1.5m", "ours_only", SUFFIX),
    Case("a eq 5L", "ours_only", SUFFIX),
    Case("a eq 2.5d", "ours_only", SUFFIX),
    Case("contains(name)", "ours_only", "the arity is checked after parsing, by tool and sandbox"),
    Case("contains(name,'a','b')", "ours_only", "the same"),
    Case("not(a eq 1)", "ours_only", "Microsoft's OData parser takes not( too"),
    Case("a eq 0001-01-01", "ours_only", "OData's ABNF allows the year 0001; odata-query doesn't"),
    # deliberate: both accept, read apart
    Case("a eq True", "read_apart", "ours: a field named True (refused by the tool as unknown)"),
    Case("a eq Null", "read_apart", "ours: a field named Null (the same)"),
    # real disagreements
    Case("a eq (1)", why=BRACKETS),
    Case("name eq ('x')", why=BRACKETS),
    Case("contains((name),'x')", why=BRACKETS),
    Case("(a eq 1) eq true", why=BRACKETS),
    Case("a eq ((1))", why=BRACKETS),
    Case("contains(name,('x'))", why=BRACKETS),
    Case("not a eq 1", why=NOT_BINDS),
    Case("a eq 1 and not b eq 2", why=NOT_BINDS),
    Case("not not a eq 1", why=NOT_BINDS),
    Case("not (a) eq 1", why=NOT_BINDS),
    Case("a eq 1 eq 2", why=TYPES),
    Case("a gt 5 lt 6", why=TYPES),
    Case("a eq 1 gt 2", why=f"{TYPES}; eq binds looser than gt, so a eq (1 gt 2)"),
    Case("a gt 1 eq true", why="eq binds looser than gt: (a gt 1) eq true"),
    Case("a ne b le c", why="(OData 4) a ne (b le c)"),
    Case("a eq +1", why=PLUS),
    Case("a eq +1.5e+3", why=PLUS),
    Case("a eq + 1", why=PLUS),
    Case("a eq 1and b eq 2", why=SPACES),
    Case("a eq 'x'and b eq 'y'", why=SPACES),
    Case("a eq'x'", why=SPACES),
    Case("a eq 1 or(b eq 2)", why=SPACES),
    Case("(a eq 1)and(b eq 2)", why=SPACES),
    Case("not'x' eq a", why=SPACES),
]


@pytest.mark.parametrize("case", [case.param() for case in GRAMMAR])
def test_our_grammar_agrees_with_odata_query(case: Case) -> None:
    mine, other = parse_ours(case.text), parse_theirs(case.text)
    if case.kind in ("agree", "bug"):
        assert mine == other, f"ours read {mine}, odata-query {other}"
    elif case.kind == "ours_refuse":
        assert mine is None and other is not None, (mine, other)
    elif case.kind == "ours_only":
        assert mine is not None and other is None, (mine, other)
    else:
        assert case.kind == "read_apart"
        assert None not in (mine, other) and mine != other, (mine, other)


# ---------------------------------------------------------------------------------------------
# The independent evaluator: odata-query's tree over rows, with Sage's semantics


class Refused(Exception):
    """A filter the evaluator will not evaluate: a type mismatch, an unknown field or value."""


Row = dict[str, Any]
Value = Callable[[Row], Any]
# enum fields and the lookup resource that numbers their values (Sage documents both)
ENUM_LOOKUPS = {
    "account_status_type": "account_status_types",
    "document_status": "sop_document_status_types",
}
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")
_ORDERING = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}


@dataclass
class Table:
    rows: list[Row]
    enums: dict[str, dict[str, int]]  # enum field -> its value names, lower case -> number

    def kind(self, field: str) -> str:
        """What a field holds, told from the rows themselves."""
        if field in self.enums:
            return "enum"
        values = [row[field] for row in self.rows if field in row and row[field] not in ("", None)]
        if not any(field in row for row in self.rows):
            raise Refused(f"no field {field}")
        if values and all(isinstance(v, bool) for v in values):
            return "boolean"
        if values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            return "number"
        if values and all(isinstance(v, str) and _INSTANT.fullmatch(v) for v in values):
            return "datetime"
        return "string"

    def matching(self, text: str) -> frozenset[int]:
        """The ids of the rows the filter picks, or Refused."""
        try:
            tree = odata_query_tree(text)
        except ODataException as error:
            raise Refused(f"odata-query cannot parse it: {error}") from None
        kind, value = self.compile(tree)
        if kind != "boolean":
            raise Refused("not a condition")
        return frozenset(row["id"] for row in self.rows if value(row) is True)

    def compile(self, node: Any) -> tuple[str, Value]:
        if isinstance(node, theirs.BoolOp):
            (lk, left), (rk, right) = self.compile(node.left), self.compile(node.right)
            if lk != "boolean" or rk != "boolean":
                raise Refused("and/or of something that is not a condition")
            if isinstance(node.op, theirs.And):
                return "boolean", lambda row: left(row) and right(row)
            return "boolean", lambda row: left(row) or right(row)
        if isinstance(node, theirs.UnaryOp):
            kind, inner = self.compile(node.operand)
            if isinstance(node.op, theirs.Not) and kind == "boolean":
                return "boolean", lambda row: not inner(row)
            if isinstance(node.op, theirs.USub) and kind == "number":
                return "number", lambda row: -inner(row)
            raise Refused(f"{type(node.op).__name__} of {kind}")
        if isinstance(node, theirs.BinOp):
            (lk, left), (rk, right) = self.compile(node.left), self.compile(node.right)
            if lk != "number" or rk != "number" or isinstance(node.op, theirs.Mod):
                raise Refused("arithmetic on what is not a number")
            math = {theirs.Add: operator.add, theirs.Sub: operator.sub, theirs.Mult: operator.mul}
            apply = math.get(type(node.op), operator.truediv)
            return "number", lambda row: apply(left(row), right(row))
        if isinstance(node, theirs.Compare):
            return "boolean", self.compare(node)
        if isinstance(node, theirs.Call):
            return self.call(node)
        if isinstance(node, theirs.Identifier):
            if node.namespace:
                raise Refused("a qualified or related name")
            field, kind = node.name, self.kind(node.name)
            if kind == "datetime":
                return kind, lambda row: _instant(row[field])
            return kind, lambda row: row[field]
        return self.literal(node)

    def literal(self, node: Any) -> tuple[str, Value]:
        try:
            if isinstance(node, theirs.String):
                value: Any = node.val
                kind = "string"
            elif isinstance(node, theirs.Integer | theirs.Float):
                value, kind = float(Decimal(node.val)), "number"
            elif isinstance(node, theirs.Boolean):
                value, kind = node.val.lower() == "true", "boolean"
            elif isinstance(node, theirs.Null):
                value, kind = None, "null"
            elif isinstance(node, theirs.Date):
                day = node.py_val
                value, kind = datetime(day.year, day.month, day.day, tzinfo=UTC), "datetime"
            elif isinstance(node, theirs.DateTime):
                value, kind = isoparse(node.val), "datetime"
                if value.tzinfo is None:
                    raise Refused("a time without its zone")
            else:
                raise Refused(f"no {type(node).__name__} in Sage's books")
        except ValueError as error:
            raise Refused(str(error)) from None
        return kind, lambda row: value

    def call(self, node: Any) -> tuple[str, Value]:
        name = node.func.full_name()
        args = [self.compile(arg) for arg in node.args]
        if any(kind != "string" for kind, _ in args):
            raise Refused(f"{name} of what is not text")
        folded = [lambda row, f=f: f(row).lower() for _, f in args]
        if name in ("contains", "startswith", "endswith") and len(args) == 2:
            test = {"contains": operator.contains, "startswith": str.startswith}.get(
                name, str.endswith
            )
            return "boolean", lambda row: test(folded[0](row), folded[1](row))
        if name in ("tolower", "toupper") and len(args) == 1:
            return "string", args[0][1]  # comparisons ignore case anyway
        raise Refused(f"the function {name}")

    def compare(self, node: Any) -> Value:
        op = _COMPARATORS[type(node.comparator)]
        if op == "in":
            kind, left = self.compile(node.left)
            options = [self.compile(item) for item in node.right.val]
            if any(k != kind for k, _ in options):
                raise Refused("in with values of another type")
            fold = _folder(kind)
            return lambda row: fold(left(row)) in {fold(f(row)) for _, f in options}
        (lk, left), (rk, right) = self.compile(node.left), self.compile(node.right)
        test = _ORDERING[op]
        if "null" in (lk, rk):
            if op not in ("eq", "ne"):
                raise Refused("only eq and ne compare with null")
            return lambda row: test(left(row), right(row))
        if "enum" in (lk, rk):
            return self.compare_enum(node, op)
        if lk != rk:
            raise Refused(f"{lk} compared with {rk}")
        fold = _folder(lk)

        def compared(row: Row) -> bool:
            a, b = fold(left(row)), fold(right(row))
            return a is not None and b is not None and bool(test(a, b))  # SQL: null is unknown

        return compared

    def compare_enum(self, node: Any, op: str) -> Value:
        """An enum against its name or number; Sage keeps the number, so that is what orders."""
        field, other = node.left, node.right
        if not (isinstance(field, theirs.Identifier) and field.name in self.enums):
            field, other = other, field
            op = {"gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}.get(op, op)
        numbers = self.enums[field.name]
        if isinstance(other, theirs.Integer) or (
            isinstance(other, theirs.String) and other.val.isdigit()
        ):
            number = int(other.val)
            if number not in numbers.values():
                raise Refused(f"no {field.name} numbered {number}")
        elif isinstance(other, theirs.String) and other.val.lower() in numbers:
            number = numbers[other.val.lower()]
        else:
            raise Refused(f"not a value of {field.name}")
        test, name = _ORDERING[op], field.name
        return lambda row: test(numbers[str(row[name]).lower()], number)


def _instant(text: str) -> datetime | None:
    return isoparse(text) if text else None


def _folder(kind: str) -> Callable[[Any], Any]:
    return (lambda v: v.lower() if isinstance(v, str) else v) if kind == "string" else (lambda v: v)


# ---------------------------------------------------------------------------------------------
# The rows, the sandbox and the query tool's check

UK = 1
DOC = "developer.sage.com/200/guides/query-parameters"
FORUM = "developer-community.sage.com, 'Query Parameters: in / not in / ...'"
SO = "sop_orders"
QUOTED_NUMBER = f"Sage's documentation ({DOC}): an enum's number may be given in quotes"
FUNCTION_COMPARED = f"Sage's forum ({FORUM}): negate a function by comparing it with true"
ENUM_ORDER = "Sage orders an enum by its number, not its name"

DOCUMENTED = [  # Sage's own examples, and two from its developers' forum
    Case("reference eq 'ACME01' or balance gt 1000", why=DOC),
    Case("contains(name, 'X')", why=DOC),
    Case("startswith(telephone_area_code, '01')", why=DOC),
    Case("endswith(reference, 'S')", why=DOC),
    Case("document_date gt 2016-02-23", why=DOC, resource=SO),
    Case("date_time_updated gt 2016-02-24T09:52:11.452Z", why=DOC, resource=SO),
    Case("document_status eq '2'", why=DOC, resource=SO),
    Case("document_status eq 'EnumDocumentStatusLive'", why="docs/SAGE200_API.md §3", resource=SO),
    Case(
        "(document_date ge 2026-06-01 and requested_delivery_date le 2026-09-30)"
        " or document_status eq 'EnumDocumentStatusLive'",
        why="Sage's bracketed example, on sop_orders' fields",
        resource=SO,
    ),
    Case("date_time_updated gt 2026-04-27T10:00:00Z", why="incremental reads", resource=SO),
    Case("startswith(name, 'A') ne true", why=FUNCTION_COMPARED),
    Case("name in ('ABS Garages Ltd', 'O''Brien Hardware')", "ours_refuse", f"{FORUM}: no in"),
]
ROWS = [
    *DOCUMENTED,
    # numbers
    *map(
        Case,
        [
            "balance gt 1000",
            "balance ge 1000.5",
            "balance lt 0",
            "balance le 0",
            "balance eq 0",
            "balance ne 0",
            "credit_limit eq 5000",
            "average_time_to_pay gt 30",
            "balance gt -100.25",
            "balance lt 1e4",
            "balance gt 2.5E3",
            "1000 lt balance",
            "balance gt credit_limit",
            "balance gt credit_limit and credit_limit gt 0",
        ],
    ),
    # text, quotes doubled, LIKE's own characters
    *map(
        Case,
        [
            "name eq 'ABS Garages Ltd'",
            "name eq 'abs garages ltd'",
            "reference eq 'ABS001'",
            "'ABS001' eq reference",
            "name ne 'ABS Garages Ltd'",
            "name gt 'M'",
            "name le 'b'",
            "name eq 'O''Brien Hardware'",
            "contains(name,'o''brien')",
            "contains(name,'''')",
            "startswith(name,'O''')",
            "contains(name,'%')",
            "contains(name,'_')",
            "contains(name,'100%')",
            "endswith(name,'ltd')",
            "startswith(reference,'a')",
            "contains(name,'&')",
            "contains(name,'')",
            "name eq ''",
        ],
    ),
    # true/false, and, or, not, brackets
    *map(
        Case,
        [
            "account_is_on_hold",
            "account_is_on_hold eq true",
            "account_is_on_hold eq false",
            "not account_is_on_hold",
            "not not account_is_on_hold",
            "account_is_on_hold ne true",
            "is_over_credit_limit and account_is_on_hold",
            "account_is_on_hold or is_over_credit_limit",
            "balance gt 1000 and balance lt 5000",
            "balance gt 1000 and (account_is_on_hold or is_over_credit_limit)",
            "not (balance gt 1000)",
            "not contains(name,'Ltd')",
            "not (contains(name,'Ltd') or contains(name,'plc'))",
            "contains(name,'Ltd') and not account_is_on_hold",
            "balance lt 0 or balance gt 10000 or account_is_on_hold",
            "((balance gt 1000))",
            "contains(name,'Ltd') eq true",
            "contains(name,'Ltd') eq false or balance gt 1000",
            "contains(name,'Ltd') eq account_is_on_hold",
            "1 eq 1",
            "1 eq 2 or balance gt 1000",
            "'ltd' eq 'LTD' and balance gt 1000",
            "true and balance gt 1000",
            "not false and account_is_on_hold",
            "balance gt 1000 or reference eq 'ABS001' and account_is_on_hold",
        ],
    ),
    # dates and times
    *map(
        Case,
        [
            "date_of_last_transaction gt 2026-11-01",
            "date_of_last_transaction ge 2026-11-27",
            "date_of_last_transaction eq 2026-11-27",
            "date_of_last_transaction lt 2026-01-01T00:00:00Z",
            "account_opened le 2015-09-24T10:00:00Z",
            "account_opened lt 2010-01-01 or date_of_last_transaction lt 2025-06-01",
        ],
    ),
    # enums, by name (any case) or number
    *map(
        Case,
        [
            "account_status_type eq 'AccountStatusHidden'",
            "account_status_type eq 'accountstatushidden'",
            "account_status_type eq 1",
            "account_status_type ne 'AccountStatusActive'",
        ],
    ),
    Case("account_status_type eq '1'", why=QUOTED_NUMBER),
    Case("account_status_type eq 'Hidden'", "left_to_sage", "a label, not the enum's value"),
    Case("account_status_type eq 7", "left_to_sage", "no value has that number"),
    Case(
        "document_status ne 'EnumDocumentStatusComplete' and total_net_value gt 1000", resource=SO
    ),
    Case("document_status eq 4", resource=SO),
    Case("document_status lt 2", why=ENUM_ORDER, resource=SO),
    Case("document_status ge 'EnumDocumentStatusComplete'", why=ENUM_ORDER, resource=SO),
    Case("4 gt document_status", why=ENUM_ORDER, resource=SO),
    # nulls
    *map(
        Case,
        [
            "name eq null",
            "name ne null",
            "null eq name",
            "date_of_last_transaction eq null",
        ],
    ),
    # refused everywhere
    *map(
        Case,
        [
            "balance gt 'abc'",
            "name eq 5",
            "account_is_on_hold eq 1",
            "nosuchfield eq 1",
            "contains(balance,'1')",
            "contains(name, 5)",
            "balance gt 2024-01-01",
            "name eq",
            "balance gt null",
            "balance",
            "contains(name,'Ltd') eq 1",
            "balance eq account_is_on_hold",
            "1 eq 'x'",
            "account_status_type eq reference",
            "balance eq account_status_type",
            "contains(account_status_type,'Active')",
            "date_of_last_transaction gt 2026-11-01T00:00:00",  # OData's ABNF wants a zone too
        ],
    ),
    # deliberate refusals: OData takes them, Sage's subset does not
    Case("tolower(name) eq 'abs garages ltd'", "ours_refuse", SUBSET),
    Case("balance add 1 gt 5", "ours_refuse", ARITHMETIC),
    Case("date_of_last_transaction gt 2026-11-01T00:00:00+01:00", "ours_refuse", ZULU),
    Case("balance gt 1000 AND balance lt 2000", "ours_refuse", LOWER),
    # real disagreements
    Case("not balance gt 1000", why=NOT_BINDS),
    Case("not account_is_on_hold eq false", why=NOT_BINDS),
    Case("not contains(name,'Ltd') eq true", why=NOT_BINDS),
    Case("balance eq (1000)", why=BRACKETS),
    Case("contains((name),('Ltd'))", why=BRACKETS),
    Case("(balance gt 1000) eq true", why=BRACKETS),
    Case("(balance gt 1000) ne (credit_limit gt 0)", why=BRACKETS),
    Case("balance gt 1000 eq account_is_on_hold", why="eq binds looser than gt"),
    Case("balance gt 5 lt 6", why=TYPES),
    Case("balance gt +1000", why=PLUS),
    Case("account_status_type eq +1", why=PLUS),
]


@dataclass(frozen=True)
class Outcome:
    """What each side made of one filter: ids of the rows it picks, or None for a refusal."""

    independent: frozenset[int] | None
    tool_accepts: bool
    sandbox: frozenset[int] | None


@pytest.fixture(scope="module")
def tables(
    sandbox_server: SandboxServer, company_headers: dict[int, dict[str, str]]
) -> dict[str, Table]:
    """Every row of both collections, read once, with the enums' numbers from their lookups."""
    read = Reader(sandbox_server, company_headers[UK])
    enums = {
        field: {row["value"].lower(): row["id"] for row in read.all(lookup)}
        for field, lookup in ENUM_LOOKUPS.items()
    }
    return {
        resource: Table(read.all(resource), enums) for resource in ("customer_views", "sop_orders")
    }


@dataclass
class Reader:
    server: SandboxServer
    headers: dict[str, str]

    def page(self, resource: str, params: dict[str, str]) -> httpx.Response:
        return httpx.get(
            f"{self.server.url}{PRO}/{resource}", headers=self.headers, params=params, timeout=30
        )

    def all(self, resource: str, text: str | None = None) -> list[Row]:
        rows: list[Row] = []
        while True:
            params = {"$top": "250", "$skip": str(len(rows)), "$orderby": "id asc"}
            if text is not None:
                params["$filter"] = text
            answer = self.page(resource, params)
            if answer.status_code == 400 and text is not None:
                raise Refused(answer.text)
            assert answer.status_code == 200, answer.text
            rows += answer.json()
            if len(answer.json()) < 250:
                return rows


def outcome(case: Case, tables: dict[str, Table], reader: Reader) -> Outcome:
    try:
        independent: frozenset[int] | None = tables[case.resource].matching(case.text)
    except Refused:
        independent = None
    try:
        build_query(case.resource, "professional", filter_text=case.text)
        tool_accepts = True
    except Sage200Error:
        tool_accepts = False
    try:
        sandbox: frozenset[int] | None = frozenset(
            row["id"] for row in reader.all(case.resource, case.text)
        )
    except Refused:
        sandbox = None
    return Outcome(independent, tool_accepts, sandbox)


@pytest.mark.same_in_every_variant  # rows and status codes: no $count, no error bodies read
@pytest.mark.parametrize("case", [case.param() for case in ROWS])
def test_the_tool_and_the_sandbox_agree_with_an_independent_evaluation(
    case: Case,
    tables: dict[str, Table],
    sandbox_server: SandboxServer,
    company_headers: dict[int, dict[str, str]],
) -> None:
    seen = outcome(case, tables, Reader(sandbox_server, company_headers[UK]))
    if case.kind in ("agree", "bug"):
        accepted = seen.independent is not None
        assert seen.tool_accepts is accepted, seen
        assert seen.sandbox == seen.independent, seen
    elif case.kind == "ours_refuse":
        assert seen.independent is not None, seen
        assert not seen.tool_accepts and seen.sandbox is None, seen
    else:
        assert case.kind == "left_to_sage"
        assert seen.tool_accepts and seen.independent is None and seen.sandbox is None, seen


def test_the_row_corpus_tells_rows_apart(tables: dict[str, Table]) -> None:
    """Most accepted filters pick some rows and leave others: a corpus of filters that match
    everything or nothing would agree about nothing."""
    telling = evaluated = 0
    for case in ROWS:
        table = tables[case.resource]
        try:
            picked = len(table.matching(case.text))
        except Refused:
            continue
        evaluated += 1
        telling += 0 < picked < len(table.rows)
    assert len(tables["customer_views"].rows) >= 100 and len(tables["sop_orders"].rows) >= 100
    assert telling >= evaluated * 3 // 4, (telling, evaluated)


@pytest.mark.anyio
@pytest.mark.parametrize("case", [c.param() for c in DOCUMENTED if c.kind in ("agree", "bug")])
async def test_sages_documented_examples_through_the_query_tool(
    case: Case, mcp: Client, tables: dict[str, Table]
) -> None:
    """End to end: the query tool, paging by cursor, returns the rows the independent
    evaluation picks from Sage's own examples."""
    await call(mcp, "switch_site", site=str(UK))
    ids: set[int] = set()
    cursor: dict[str, str] = {}
    while True:
        page = await call(
            mcp,
            "query",
            resource=case.resource,
            filter=case.text,
            select=["id"],
            orderby="id asc",
            top=500,
            **cursor,
        )
        ids |= {row["id"] for row in page["rows"]}
        if page.get("next_cursor") is None:
            break
        cursor = {"cursor": page["next_cursor"]}
    assert ids == tables[case.resource].matching(case.text)


def test_dates_are_midnight_utc() -> None:
    """The evaluator's own premise, from Sage's documentation: a date is midnight UTC."""
    table = Table([{"id": 1, "d": "2024-02-23T00:00:00Z"}], {})
    assert table.matching("d eq 2024-02-23") == {1}
    assert table.matching("d lt 2024-02-23T00:00:01Z") == {1}
    assert date(2024, 2, 23) == isoparse("2024-02-23T00:00:00Z").date()
