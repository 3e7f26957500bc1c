"""Rows built from Sage's records read numbers as the models do: numeric text counts (the real
API varies), booleans and junk do not."""

from __future__ import annotations

from sage200_mcp.api.views import NominalCodeView, ProductView
from sage200_mcp.tools.nominal import nominal_row
from sage200_mcp.tools.stock import product_row


def product(**sent: object) -> ProductView:
    return ProductView.model_validate(sent)


def test_numbers_sent_as_text_are_shown() -> None:
    row = product_row(product(code="A4PAPER", free_stock_quantity="12.5", selling_price=3), 7)
    assert (row.free_stock, row.price) == (12.5, 3.0)
    view = NominalCodeView.model_validate({"id": 1, "balance_year_to_date": "-250.75"})
    assert nominal_row(view, 1).balance_year_to_date == -250.75


def test_booleans_and_junk_are_no_number() -> None:
    row = product_row(product(free_stock_quantity=True, selling_price="n/a"), 7)
    assert (row.free_stock, row.price, row.in_stock) == (None, None, None)
