"""The client's filter builder: user text is always exactly one literal.

The grammar's parser (which the sandbox evaluates), written separately from the builder, is the
referee: whatever text goes in, it must read back one ``contains`` call holding exactly that text.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sage200_mcp.api import odata
from sage200_mcp.openapi.odata_syntax import Call, Compare, FieldRef, Literal, parse_filter


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("O'Brien", "'O''Brien'"),
        ("", "''"),
        ("''", "''''''"),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (-12, "-12"),
        (1.5, "1.5"),
        (1e-7, "0.0000001"),
        (Decimal("2.50"), "2.50"),
        (date(2024, 2, 23), "2024-02-23"),
        (datetime(2026, 4, 27, 10, 0, tzinfo=UTC), "2026-04-27T10:00:00Z"),
        (datetime(2026, 4, 27, 11, 0, tzinfo=timezone(timedelta(hours=1))), "2026-04-27T10:00:00Z"),
        (datetime(2026, 4, 27, 10, 0), "2026-04-27T10:00:00Z"),
    ],
)
def test_literals(value: odata.Value, text: str) -> None:
    assert odata.literal(value) == text


def test_non_finite_numbers_and_strange_field_names_are_refused() -> None:
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match="finite"):
            odata.literal(bad)
    for name in ("name eq 'x' or 1", "Name", "a b", "", "name)"):
        with pytest.raises(ValueError, match="field"):
            odata.field(name)


def test_expressions_combine_with_the_right_brackets() -> None:
    text = odata.contains("name", "x") | odata.contains("reference", "x")
    assert str(text & odata.eq("on_hold", True)) == (
        "(contains(name,'x') or contains(reference,'x')) and on_hold eq true"
    )
    assert (
        str(odata.eq("a", 1) & odata.eq("b", 2) & odata.eq("c", 3))
        == "a eq 1 and b eq 2 and c eq 3"
    )
    assert str(~odata.eq("a", 1)) == "not (a eq 1)"
    assert odata.all_of([None, None]) is None
    assert str(odata.any_of([odata.eq("a", 1)])) == "a eq 1"


@given(st.text(max_size=200))
def test_any_text_is_one_literal_to_an_independent_parser(text: str) -> None:
    tree = parse_filter(str(odata.contains("name", text)))
    assert tree == Call("contains", (FieldRef("name"), Literal("string", text)))
    tree = parse_filter(str(odata.eq("reference", text) & odata.eq("on_hold", False)))
    assert tree.left == Compare("eq", FieldRef("reference"), Literal("string", text))  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", 42),
        (" 0042 ", 42),
        ("²", None),
        ("٣", None),
        ("4.2", None),
        ("-1", None),
        ("", None),
        ("9" * 18, 10**18 - 1),
        ("9" * 19, None),
    ],
)
def test_record_ids_are_plain_ascii_numbers_that_fit_sage(text: str, expected: int | None) -> None:
    assert odata.record_id(text) == expected
