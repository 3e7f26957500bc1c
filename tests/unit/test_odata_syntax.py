"""Sage's $filter grammar refuses what is too deep or too long with an ODataError, never a
RecursionError, and builds long runs of one operator as balanced trees."""

from __future__ import annotations

import sqlite3

import pytest

from sage200_mcp.api.query import InvalidQuery, build_query
from sage200_mcp.openapi.odata_syntax import (
    MAX_DEPTH,
    MAX_FILTER_LENGTH,
    Compare,
    FieldRef,
    Literal,
    Logical,
    Not,
    ODataError,
    depth,
    parse_filter,
)
from sage200_mcp.sandbox.layout import Column, Kind
from sage200_mcp.sandbox.odata import compile_filter

DEEP = 5000  # far beyond Python's recursion limit


@pytest.mark.parametrize(
    "text",
    [
        "(" * DEEP + "balance gt 1" + ")" * DEEP,
        "not " * DEEP + "on_hold",
        "(" * DEEP,
        "contains(" * DEEP + "name,'a')",
        "not (" * DEEP + "on_hold" + ")" * DEEP,
        "on_hold" + " eq true" * DEEP,  # a chain of comparisons, built without recursion
        "a eq " + "(" * DEEP + "1" + ")" * DEEP,
    ],
    ids=["brackets", "nots", "unclosed", "calls", "mixed", "chain", "bracketed value"],
)
def test_deep_nesting_is_refused_with_a_clear_error(text: str) -> None:
    with pytest.raises(ODataError, match=f"more than {MAX_DEPTH} levels deep"):
        parse_filter(text[:MAX_FILTER_LENGTH])


def test_the_depth_limit_is_exactly_as_documented() -> None:
    allowed = "(" * MAX_DEPTH + "balance gt 1" + ")" * MAX_DEPTH
    assert isinstance(parse_filter(allowed), Compare)
    with pytest.raises(ODataError, match="levels deep"):
        parse_filter("(" + allowed + ")")
    with pytest.raises(ODataError, match="levels deep"):
        parse_filter("not " * (MAX_DEPTH + 1) + "on_hold")


def test_and_or_levels_count_towards_the_depth() -> None:
    inner = "balance gt 1"
    for _ in range(MAX_DEPTH):  # each level: a bracketed pair joined by and/or
        inner = f"(on_hold or {inner}) and id gt 0"
    with pytest.raises(ODataError, match="levels deep"):
        parse_filter(inner)


def test_a_long_filter_is_refused_by_its_length() -> None:
    text = "name eq '" + "x" * MAX_FILTER_LENGTH + "'"
    with pytest.raises(ODataError, match=f"at most {MAX_FILTER_LENGTH}"):
        parse_filter(text)


def test_a_long_list_of_alternatives_is_a_shallow_balanced_tree() -> None:
    text = " or ".join(f"id eq {n}" for n in range(700))
    tree = parse_filter(text)
    assert isinstance(tree, Logical) and tree.op == "or"
    assert depth(tree) <= 12
    columns = {"id": Column("id", Kind.INTEGER, 0, False)}
    sql, values = compile_filter(text, "customer_view", columns, {})
    with sqlite3.connect(":memory:") as books:  # SQLite's own limit: 1000 levels
        books.execute('CREATE TABLE t ("id" INTEGER)')
        books.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(0, 2000, 3)])
        found = books.execute(f"SELECT count(*) FROM t WHERE {sql}", values).fetchone()[0]
    assert found == len(range(0, 700, 3))


def test_short_runs_are_built_as_before() -> None:
    assert parse_filter("a eq 1 or b eq 2 or c eq 3") == Logical(
        "or",
        Logical("or", parse_filter("a eq 1"), parse_filter("b eq 2")),
        parse_filter("c eq 3"),
    )


def test_the_query_tool_says_what_is_wrong_with_a_deep_filter() -> None:
    with pytest.raises(InvalidQuery, match="levels deep"):
        build_query("customer_views", "professional", filter_text="(" * 40 + "on_hold" + ")" * 40)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a eq 1and b eq 2", "put a space before and after 'and'"),
        ("a eq 'x'or b eq 2", "put a space before and after 'or'"),
        ("a eq'x'", "put a space before and after 'eq'"),
        ("(a eq 1)and(b eq 2)", "put a space before and after 'and'"),
        ("not'x' eq a", "put a space after 'not'"),
    ],
)
def test_operators_need_spaces_around_them(text: str, message: str) -> None:
    """OData's grammar puts whitespace around operators: '1and' is a mistake, said as such."""
    with pytest.raises(ODataError, match=message):
        parse_filter(text)


def test_not_takes_a_bracket_straight_after_it_and_a_number_its_plus() -> None:
    assert parse_filter("not(on_hold)") == Not(FieldRef("on_hold"))
    assert parse_filter("a eq +1") == Compare("eq", FieldRef("a"), Literal("int", 1))
