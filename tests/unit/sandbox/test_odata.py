"""The sandbox's $filter parser and SQL compiler, checked in isolation."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from sage200_mcp.openapi.odata_syntax import (
    Call,
    Compare,
    FieldRef,
    Literal,
    Logical,
    Not,
    ODataError,
    parse_filter,
)
from sage200_mcp.sandbox.layout import Column, Kind
from sage200_mcp.sandbox.odata import compile_filter, compile_orderby, split_paths

COLUMNS = {
    "name": Column("name", Kind.STRING, "", False),
    "reference": Column("reference", Kind.STRING, "", False),
    "balance": Column("balance", Kind.NUMBER, 0, False),
    "credit_limit": Column("credit_limit", Kind.NUMBER, 0, False),
    "id": Column("id", Kind.INTEGER, 0, False),
    "on_hold": Column("on_hold", Kind.BOOLEAN, False, False),
    "opened": Column("opened", Kind.DATETIME, None, False),
    "status": Column("status", Kind.STRING, "", False),
}
ENUMS = {"status": {"StatusActive": 0, "StatusHidden": 1, "StatusArchived": 2}}

ROWS = [
    # name, reference, balance, credit_limit, id, on_hold, opened, status
    ("O'Brien Hardware", "OBR001", 120.5, 100, 1, 1, "2019-06-01", "StatusActive"),
    ("ABS Garages Ltd", "ABS001", 3000, 5000, 2, 0, "2017-05-21", "StatusActive"),
    ("100% Print & Design", "PRI001", 0, 0, 3, 0, "2024-02-23", "StatusHidden"),
    ("A_B Motors", "ABM001", -50, 1000, 4, 0, None, "StatusActive"),
]


@pytest.fixture(scope="module")
def db() -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:")
    connection.execute(
        "CREATE TABLE t (name TEXT COLLATE NOCASE, reference TEXT COLLATE NOCASE, balance REAL,"
        " credit_limit REAL, id INTEGER, on_hold INTEGER, opened REAL, status TEXT COLLATE NOCASE)"
    )
    for row in ROWS:
        opened = row[6]
        epoch = datetime.fromisoformat(opened).replace(tzinfo=UTC).timestamp() if opened else None
        connection.execute("INSERT INTO t VALUES (?,?,?,?,?,?,?,?)", (*row[:6], epoch, row[7]))
    return connection


def ids(db: sqlite3.Connection, text: str) -> list[int]:
    sql, params = compile_filter(text, "customer", COLUMNS, ENUMS)
    return [r[0] for r in db.execute(f"SELECT id FROM t WHERE {sql} ORDER BY id", params)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("reference eq 'ABS001'", [2]),
        ("reference eq 'abs001'", [2]),  # case-insensitive, as SQL Server's collation
        ("name eq 'O''Brien Hardware'", [1]),
        ("contains(name,'''')", [1]),
        ("contains(name,'100%')", [3]),
        ("contains(name,'%')", [3]),
        ("contains(name,'_')", [4]),
        ("startswith(name,'a')", [2, 4]),
        ("endswith(reference,'001')", [1, 2, 3, 4]),
        ("balance gt 100 and on_hold eq false", [2]),
        ("balance gt 100 or balance lt 0", [1, 2, 4]),
        ("not (balance le 0)", [1, 2]),
        ("not contains(name,'Ltd')", [1, 3, 4]),
        ("on_hold", [1]),
        ("on_hold eq true", [1]),
        ("(on_hold eq true) or (id eq 3)", [1, 3]),
        ("balance ge 120.5", [1, 2]),
        ("balance ge 120.5m", [1, 2]),
        ("balance gt +100", [1, 2]),
        ("status eq +1", [3]),
        ("100 lt balance", [1, 2]),
        ("balance gt credit_limit", [1]),
        ("credit_limit ne 0 and balance gt credit_limit", [1]),
        ("opened lt 2020-01-01", [1, 2]),
        ("opened ge 2024-02-23", [3]),
        ("opened gt 2024-02-23T00:00:00Z", []),
        ("opened gt 2024-02-22T23:59:59.5Z", [3]),
        ("opened eq null", [4]),
        ("opened ne null", [1, 2, 3]),
        ("status eq 'StatusHidden'", [3]),
        ("status eq 'statushidden'", [3]),
        ("status eq 1", [3]),
        ("status ne 0", [3]),
        ("status eq '1'", [3]),  # Sage's documentation: a number in quotes too
        ("status lt 2", [1, 2, 3, 4]),  # by number: by name, only 'StatusActive' comes first
        ("status ge 'statushidden'", [3]),
        ("0 lt status", [3]),
        ("status gt 1", []),
        ("id eq 1 or id eq 2 and on_hold eq false", [1, 2]),  # and binds tighter
        ("not on_hold eq false", [1]),  # (not on_hold) eq false
        ("balance eq (3000)", [2]),
        ("contains((name),('ltd'))", [2]),
        ("(balance gt 100) eq on_hold", [1, 3, 4]),
        ("balance gt 100 eq on_hold", [1, 3, 4]),  # eq binds looser than gt
        ("contains(name,'Ltd') eq false", [1, 3, 4]),  # Sage's forum: a function compared
        ("startswith(name,'a') ne true", [1, 3]),
        ("contains(name,'Ltd') eq on_hold", [3, 4]),
        ("1 eq 1", [1, 2, 3, 4]),  # constants are compared too
        ("1 eq 2 or id eq 3", [3]),
        ("'abs' eq 'ABS'", [1, 2, 3, 4]),  # ignoring case, as SQL Server's collation
        ("null eq null", [1, 2, 3, 4]),
        ("true", [1, 2, 3, 4]),
        ("balance lt 9999999999999999999999", [1, 2, 3, 4]),  # beyond SQLite's 64 bits
    ],
)
def test_filter_selects_the_right_rows(
    db: sqlite3.Connection, text: str, expected: list[int]
) -> None:
    assert ids(db, text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("name eq", "expected a value"),
        ("name eq 'x", "Unterminated string"),
        ("name eq 'x' and", "expected a value"),
        ("(name eq 'x'", "expected ')'"),
        ("name eq 'x')", "unexpected ')'"),
        ("foo eq 1", "Could not find a property named 'foo'"),
        ("balance eq 'x'", "incompatible types"),
        ("name eq 1", "incompatible types"),
        ("on_hold eq 1", "incompatible types"),
        ("opened gt '2020-01-01'", "incompatible types"),
        ("opened gt 2020-01-01T00:00:00", "must be in UTC"),
        ("opened gt 2020-01-01T00:00:00+01:00", "must be in UTC"),
        ("opened gt 2020-13-01", "Invalid date"),
        ("status eq 'Nope'", "not valid for 'status'"),
        ("status eq 7", "not valid for 'status'"),
        ("status eq '7'", "not valid for 'status'"),
        ("status eq '+1'", "not valid for 'status'"),
        ("tolower(name) eq 'x'", "Unknown function 'tolower'"),
        ("contains(balance,'1')", "applies to text fields"),
        ("contains(name)", "takes a field and a string"),
        ("contains(status,'Active')", "applies to text fields"),
        ("contains(name,'a') eq 1", "incompatible types"),
        ("1 eq 'x'", "incompatible types"),
        ("status eq reference", "compares only with one of its values"),
        ("status eq 1.5", "not valid for 'status'"),
        ("balance gt null", "Only 'eq' and 'ne'"),
        ("name", "must be a condition"),
        ("not balance gt 1", "binds tighter than comparisons"),  # (not balance) gt 1
        ("'x'", "must be a condition"),
        ("name gt on_hold", "incompatible types"),
        ("main_address.city eq 'Leeds'", "related field"),
        ("name eq 'a' ; DROP TABLE t", "unexpected ';'"),
    ],
)
def test_bad_filters_are_refused_with_a_message(text: str, message: str) -> None:
    with pytest.raises(ODataError, match=re.escape(message)):
        compile_filter(text, "customer", COLUMNS, ENUMS)


def test_values_travel_as_parameters_never_as_sql() -> None:
    sql, params = compile_filter("name eq 'x'' OR 1=1 --'", "customer", COLUMNS, ENUMS)
    assert "OR 1=1" not in sql
    assert params == ["x' OR 1=1 --"]


def test_the_tree_keeps_precedence_and_literals() -> None:
    tree = parse_filter("not on_hold and (balance gt 1.5 or contains(name,'a''b'))")
    assert tree == Logical(
        "and",
        Not(FieldRef("on_hold")),
        Logical(
            "or",
            Compare("gt", FieldRef("balance"), Literal("decimal", Decimal("1.5"))),
            Call("contains", (FieldRef("name"), Literal("string", "a'b"))),
        ),
    )


def test_orderby_compiles_several_keys_and_refuses_unknown_ones() -> None:
    assert (
        compile_orderby("name asc, balance desc", "customer", COLUMNS)
        == '"name" ASC, "balance" DESC'
    )
    assert compile_orderby("name", "customer", COLUMNS) == '"name" ASC'
    for bad in ("nope", "name sideways", "name asc desc", ""):
        with pytest.raises(ODataError):
            compile_orderby(bad, "customer", COLUMNS)


def test_select_paths_accept_dots_and_slashes() -> None:
    assert split_paths("id, customer.name,lines/code", "$select") == [
        ["id"],
        ["customer", "name"],
        ["lines", "code"],
    ]
    with pytest.raises(ODataError):
        split_paths("id,,name", "$select")
