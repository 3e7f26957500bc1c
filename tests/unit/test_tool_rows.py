"""Rows built from raw Sage records read numbers as the models do: numeric text counts (the real
API varies), booleans and junk do not."""

from __future__ import annotations

from sage200_mcp.tools.nominal import nominal_row
from sage200_mcp.tools.stock import product_row


def test_numbers_sent_as_text_are_shown() -> None:
    row = product_row(
        {"id": 7, "code": "A4PAPER", "free_stock_quantity": "12.5", "selling_price": 3}
    )
    assert (row.free_stock, row.price) == (12.5, 3.0)
    assert nominal_row({"id": 1, "balance_year_to_date": "-250.75"}).balance == -250.75


def test_booleans_and_junk_are_no_number() -> None:
    row = product_row({"id": 7, "free_stock_quantity": True, "selling_price": "n/a"})
    assert (row.free_stock, row.price, row.in_stock) == (None, None, None)
